/*
 * master.h -- the supervisor's entry point (master.c).
 */
#ifndef KEO_MASTER_H
#define KEO_MASTER_H

/* Run the master with the configuration already in kd.cfg; returns the
 * exit status. */
int	master_main(const char *config_path, char **overrides, int noverrides);

#endif
