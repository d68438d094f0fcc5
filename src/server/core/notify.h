/*
 * notify.h -- the systemd interface: sd_notify and socket activation.
 * Uses libsystemd when configure found it, else speaks the (documented,
 * stable) protocols directly; without systemd both are harmless no-ops.
 */
#ifndef KEO_NOTIFY_H
#define KEO_NOTIFY_H

/* Send "READY=1", "STATUS=...", ... to $NOTIFY_SOCKET, if any. */
void	notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Number of sockets passed by systemd (fds 3..), 0 for none; bit i of
 * *tls is set when fd 3+i is named "tls" (FileDescriptorName=tls, the
 * TLS port's socket unit).  Clears the LISTEN_* variables so children do
 * not see them. */
int	notify_listen_fds(unsigned long long *tls);

#endif
