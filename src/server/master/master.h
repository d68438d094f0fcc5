/*
 * master.h -- the supervisor's entry point (master.c).
 */
#ifndef KEO_MASTER_H
#define KEO_MASTER_H

/* Run the master with the configuration already in kd.cfg; returns the
 * exit status. */
int	master_main(const char *config_path, char **overrides, int noverrides);

/* state.c: choose kd.state_dir and check (or make) the TLS certificate;
 * with test set (--configtest), only say what would be done.  0, or -1
 * with err. */
int	state_prepare(int test, char *err, size_t errsz);
/* The TLS certificate again (a reload): made when tls-cert became empty,
 * checked, its fingerprint in kd.tls_fp.  0, or -1 with err. */
int	state_tls_check(int test, char *err, size_t errsz);

/* The registered channels of the store into the roster (at start). */
void	state_restore_channels(void);
/* The once-a-second timer of history retention, and its end. */
void	state_prune_history(void *arg);
void	state_open_history(void);
void	state_close_history(void);

#endif
