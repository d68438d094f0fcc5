/*
 * relay.h -- the relay process's entry point (relay.c).
 */
#ifndef KEO_RELAY_H
#define KEO_RELAY_H

#include <stddef.h>

/* The relay process: returns its exit status. */
int	relay_main(void);
/* Bytes of the relay log the master must create for kd.cfg. */
size_t	relay_log_bytes(void);

#endif
