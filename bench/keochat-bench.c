/*
 * keochat-bench -- a load generator that speaks plain IRC, so it can drive
 * keochatd, ngircd or any other IRC server.
 *
 * Message mode: N clients connect, register and join one channel; S of
 * them send M messages of B bytes each, with at most W unacknowledged
 * messages per sender in flight (a message is acknowledged once every
 * other member got it).  Every payload carries the sender, a sequence
 * number and a CLOCK_MONOTONIC timestamp, so each delivery is checked for
 * loss, duplication and reordering and gives a latency sample.
 *
 * With -B K, a first client creates the channel (so it is its operator),
 * sets K bans that match none of the others, stays while they join, and
 * leaves before the messages start: the fan-out then runs in a room with
 * K bans set, the cost a ban check may add.
 *
 * Storm mode (-S): N clients connect, register and join at once; it
 * reports the time that took and the server's memory before and after.
 *
 * With -T every client speaks TLS (OpenSSL; the server's certificate is
 * not checked: this measures the server, not the PKI).
 *
 * Given the server's pid (-P), it reads the CPU time and memory of the
 * server's whole process tree from /proc; given several (a cluster's
 * keochatd hosts and nats-servers), of all their trees.  Given several
 * ports (-p), client i connects to the (i mod count)th: senders and
 * members spread over a cluster's hosts.  It prints one line of
 * key=value pairs and exits non-zero on any loss, duplicate, reordering,
 * disconnect or stall.
 */
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define RBUF		(64 * 1024)
#define HIST_MAX_US	(2 * 1000 * 1000)	/* exact to 2 s, then overflow */

enum cstate { C_CONNECTING, C_REGISTERING, C_JOINING, C_READY, C_DEAD };

struct cl {
	int		 fd;
	SSL		*ssl;		/* -T */
	int		 hs;		/* its handshake is done */
	enum cstate	 st;
	int		 idx;
	char		*rbuf;
	size_t		 rlen;
	char		*wbuf;
	size_t		 wlen, wcap;
	uint32_t	*expect;	/* next seq expected from each sender */
};

struct sender {
	int		 cl;		/* client index */
	uint32_t	 sent, acked;
	uint16_t	*remaining;	/* per message: members still to get it */
};

static struct {
	const char	*host, *port, *chan, *prefix;
	int		 n, s, m, b, w, storm, timeout, bans, tls;
	int		 rate;		/* -r: messages a second per sender */
	uint64_t	 t_start;	/* when the senders began */
	int		 nsrc;		/* -A: source addresses 127.0.0.2.. */
	int		 lo, hi;	/* the clients this process opens */
	int		 inflight;	/* -i: connections registering at once */
	SSL_CTX		*ctx;
	long		 pid;		/* -P: the first; pids[] all */
	long		 pids[16];
	int		 npids;
	int		 ep;
	struct cl	*cl;
	struct sender	*snd;
	int		 nready, ndead, njoined;
	uint64_t	 deliveries, lost, dups, reorders, disconnects;
	uint64_t	 rx_bytes;	/* everything the server sent */
	uint32_t	*hist;
	uint64_t	 over, lat_max_us;
	char		*payload;
} B;

static void die(const char *, ...)
	__attribute__((format(printf, 1, 2), noreturn));

static void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "keochat-bench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(2);
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* --- the server's process tree in /proc ------------------------------------ */

static long
stat_field_ppid(long pid, unsigned long long *ticks)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	long ppid;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	if (fgets(buf, sizeof(buf), f) == NULL) {
		fclose(f);
		return -1;
	}
	fclose(f);
	if ((p = strrchr(buf, ')')) == NULL)
		return -1;
	/* state ppid pgrp session tty tpgid flags minflt cminflt majflt
	 * cmajflt utime stime */
	if (sscanf(p + 2, "%*c %ld %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu "
	    "%llu", &ppid, &ut, &st) != 3)
		return -1;
	if (ticks != NULL)
		*ticks = ut + st;
	return ppid;
}

/* Every pid whose ancestry reaches root (root included). */
static int
tree(long root, long *out, int max)
{
	long pids[65536], ppids[65536];
	int n = 0, k = 0, i, j, added;
	struct dirent *de;
	DIR *d;

	if ((d = opendir("/proc")) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL && n < 65536) {
		long p = strtol(de->d_name, NULL, 10);
		if (p <= 0)
			continue;
		pids[n] = p;
		ppids[n] = stat_field_ppid(p, NULL);
		n++;
	}
	closedir(d);
	out[k++] = root;
	do {
		added = 0;
		for (i = 0; i < n; i++)
			for (j = 0; j < k; j++)
				if (ppids[i] == out[j] && pids[i] != out[j]) {
					int seen = 0, q;
					for (q = 0; q < k; q++)
						seen |= out[q] == pids[i];
					if (!seen && k < max) {
						out[k++] = pids[i];
						added = 1;
					}
					break;
				}
	} while (added);
	return k;
}

/* CPU time of one process in ns: the sum over its threads of the
 * scheduler's run time (/proc/PID/task/TID/schedstat, nanoseconds), or
 * utime+stime in clock ticks where schedstat is missing.  Ticks are 10 ms:
 * too coarse for a run that costs the server a tenth of a second. */
static unsigned long long
proc_cpu_ns(long pid)
{
	char path[96];
	unsigned long long ns, sum = 0, ticks;
	struct dirent *de;
	int found = 0;
	DIR *d;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/task", pid);
	if ((d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/proc/%ld/task/%.20s/schedstat",
			    pid, de->d_name);
			if ((f = fopen(path, "r")) == NULL)
				continue;
			if (fscanf(f, "%llu", &ns) == 1) {
				sum += ns;
				found = 1;
			}
			fclose(f);
		}
		closedir(d);
	}
	if (found)
		return sum;
	if (stat_field_ppid(pid, &ticks) < 0)
		return 0;
	return ticks * (1000000000ull / (unsigned long long)sysconf(_SC_CLK_TCK));
}

static unsigned long long
tree_cpu_ns(void)
{
	long pids[256];
	unsigned long long sum = 0;
	int n, i;

	int k;

	for (k = 0; k < B.npids; k++) {
		n = tree(B.pids[k], pids, 256);
		for (i = 0; i < n; i++)
			sum += proc_cpu_ns(pids[i]);
	}
	return sum;
}

/* Memory of the tree in KiB: rss (counts shared pages once per process)
 * and pss (proportional: shared pages split between their users). */
static void
tree_mem_kb(unsigned long long *rss, unsigned long long *pss)
{
	char path[64], line[256];
	long pids[256];
	unsigned long long v;
	int n, i;
	FILE *f;

	int k;

	*rss = *pss = 0;
	for (k = 0; k < B.npids; k++)
	for (n = tree(B.pids[k], pids, 256), i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/proc/%ld/smaps_rollup", pids[i]);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		while (fgets(line, sizeof(line), f) != NULL) {
			if (sscanf(line, "Rss: %llu", &v) == 1)
				*rss += v;
			else if (sscanf(line, "Pss: %llu", &v) == 1)
				*pss += v;
		}
		fclose(f);
	}
}

/* KiB per client between two samples; negative when the server gave
 * memory back meanwhile (a reused server), never an unsigned wrap. */
static double
per_conn(unsigned long long before, unsigned long long after)
{
	return ((double)after - (double)before) / B.n;
}

/* --- connections --------------------------------------------------------- */

static void
queue(struct cl *c, const char *p, size_t n)
{
	if (c->wlen + n > c->wcap) {
		size_t cap = c->wcap ? c->wcap : 4096;
		while (cap < c->wlen + n)
			cap *= 2;
		if ((c->wbuf = realloc(c->wbuf, cap)) == NULL)
			die("out of memory");
		c->wcap = cap;
	}
	memcpy(c->wbuf + c->wlen, p, n);
	c->wlen += n;
}

static void
kill_cl(struct cl *c, const char *why)
{
	if (c->st == C_DEAD)
		return;
	if (c->st == C_READY)
		B.disconnects++;
	fprintf(stderr, "keochat-bench: client %d lost: %s\n", c->idx, why);
	c->st = C_DEAD;
	if (c->ssl != NULL) {
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	close(c->fd);
	B.ndead++;
}

/* TLS: drive the handshake; 1 done, 0 not yet, -1 the client died. */
static int
handshake(struct cl *c)
{
	int r;

	if (c->ssl == NULL || c->hs)
		return 1;
	if ((r = SSL_do_handshake(c->ssl)) == 1) {
		c->hs = 1;
		return 1;
	}
	r = SSL_get_error(c->ssl, r);
	if (r == SSL_ERROR_WANT_READ || r == SSL_ERROR_WANT_WRITE)
		return 0;
	ERR_clear_error();
	kill_cl(c, "TLS handshake failed");
	return -1;
}

/* write/read through TLS or not: the syscalls' conventions (-1 with
 * EAGAIN: later). */
static ssize_t
cl_write(struct cl *c, const void *p, size_t n)
{
	int r;

	if (c->ssl == NULL)
		return send(c->fd, p, n, MSG_NOSIGNAL);
	if ((r = SSL_write(c->ssl, p, n > 16384 ? 16384 : (int)n)) > 0)
		return r;
	r = SSL_get_error(c->ssl, r);
	errno = r == SSL_ERROR_WANT_WRITE || r == SSL_ERROR_WANT_READ ? EAGAIN :
	    EPIPE;
	ERR_clear_error();
	return -1;
}

static ssize_t
cl_read(struct cl *c, void *p, size_t n)
{
	int r;

	if (c->ssl == NULL)
		return recv(c->fd, p, n, 0);
	if ((r = SSL_read(c->ssl, p, (int)n)) > 0)
		return r;
	r = SSL_get_error(c->ssl, r);
	if (r == SSL_ERROR_ZERO_RETURN)
		return 0;
	errno = r == SSL_ERROR_WANT_READ || r == SSL_ERROR_WANT_WRITE ? EAGAIN :
	    ECONNRESET;
	ERR_clear_error();
	return -1;
}

static void
flush_cl(struct cl *c)
{
	ssize_t w;

	if (handshake(c) != 1)
		return;
	while (c->wlen > 0 && c->st != C_DEAD) {
		w = cl_write(c, c->wbuf, c->wlen);
		if (w > 0) {
			memmove(c->wbuf, c->wbuf + w, c->wlen - (size_t)w);
			c->wlen -= (size_t)w;
		} else if (w == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		else
			kill_cl(c, strerror(errno));
	}
}

static void sendf(struct cl *, const char *, ...)
	__attribute__((format(printf, 2, 3)));

static void
sendf(struct cl *c, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	queue(c, buf, (size_t)n);
}

static struct addrinfo *targets[8];	/* -p P1,P2,...: client i goes to
					 * targets[i % ntargets] */
static int ntargets;

static void
open_cl(int i)
{
	struct cl *c = &B.cl[i];
	struct epoll_event ev;
	int one = 1;

	const struct addrinfo *target = targets[i % ntargets];

	c->idx = i;
	c->fd = socket(target->ai_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (c->fd == -1)
		die("socket: %s (raise ulimit -n?)", strerror(errno));
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (B.nsrc > 0) {
		/* one loopback source address per client in turn, so that
		 * 100 000 connections do not run out of ephemeral ports; the
		 * port is picked at connect (IP_BIND_ADDRESS_NO_PORT) */
		struct sockaddr_in sa;

		memset(&sa, 0, sizeof(sa));
		sa.sin_family = AF_INET;
		sa.sin_addr.s_addr = htonl(0x7f000002u + (uint32_t)(i % B.nsrc));
		if (setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
		    sizeof(one)) == -1 ||
		    bind(c->fd, (struct sockaddr *)&sa, sizeof(sa)) == -1)
			die("bind 127.0.0.%d: %s", 2 + i % B.nsrc,
			    strerror(errno));
	}
	if (connect(c->fd, target->ai_addr, target->ai_addrlen) == -1 &&
	    errno != EINPROGRESS)
		die("connect: %s", strerror(errno));
	if ((c->rbuf = malloc(RBUF)) == NULL)
		die("out of memory");
	c->st = C_CONNECTING;
	if (B.tls && ((c->ssl = SSL_new(B.ctx)) == NULL ||
	    SSL_set_fd(c->ssl, c->fd) != 1))
		die("SSL_new: out of memory");
	if (c->ssl != NULL)
		SSL_set_connect_state(c->ssl);
	sendf(c, "NICK %s%d\r\nUSER b 0 * :keochat-bench\r\n", B.prefix, i);
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLOUT | EPOLLET;
	ev.data.u32 = (uint32_t)i;
	if (epoll_ctl(B.ep, EPOLL_CTL_ADD, c->fd, &ev) == -1)
		die("epoll_ctl: %s", strerror(errno));
}

/* --- messages ------------------------------------------------------------------ */

static void
send_next(int s)
{
	struct sender *sd = &B.snd[s];
	struct cl *c = &B.cl[sd->cl];
	char head[96];
	int n;

	uint64_t allowed = UINT64_MAX;

	if (B.rate > 0)		/* paced: at most rate a second from the start */
		allowed = (now_ns() - B.t_start) * (uint64_t)B.rate /
		    1000000000ull + 1;
	while (sd->sent < (uint32_t)B.m && sd->sent - sd->acked < (uint32_t)B.w &&
	    sd->sent < allowed) {
		n = snprintf(head, sizeof(head), "PRIVMSG %s :S%d %u %llu ",
		    B.chan, s, sd->sent, (unsigned long long)now_ns());
		queue(c, head, (size_t)n);
		if (B.b > n)
			queue(c, B.payload, (size_t)(B.b - n));
		queue(c, "\r\n", 2);
		sd->sent++;
	}
	flush_cl(c);
}

static void
on_msg(struct cl *c, const char *text)
{
	unsigned long long t;
	unsigned long s, seq;
	uint64_t lat;
	struct sender *sd;
	char *e;

	/* "S<sender> <seq> <ns> ": strtoul, not sscanf, which would cost
	 * the generator more than the server spends per delivery */
	if (text[0] != 'S')
		return;
	s = strtoul(text + 1, &e, 10);
	if (*e != ' ')
		return;
	seq = strtoul(e + 1, &e, 10);
	if (*e != ' ')
		return;
	t = strtoull(e + 1, &e, 10);
	if (*e != ' ' || s >= (unsigned)B.s || seq >= (unsigned)B.m)
		return;
	sd = &B.snd[s];
	if (seq < c->expect[s]) {
		B.dups++;
		return;
	}
	if (seq > c->expect[s])
		B.reorders++;
	c->expect[s] = seq + 1;
	B.deliveries++;
	lat = (now_ns() - t) / 1000;
	if (lat < HIST_MAX_US)
		B.hist[lat]++;
	else
		B.over++;
	if (lat > B.lat_max_us)
		B.lat_max_us = lat;
	if (sd->remaining[seq] > 0 && --sd->remaining[seq] == 0) {
		while (sd->acked < sd->sent && sd->remaining[sd->acked] == 0)
			sd->acked++;
		send_next((int)s);
	}
}

static void
on_line(struct cl *c, char *l)
{
	char *p;

	if (strncmp(l, "PING ", 5) == 0) {
		sendf(c, "PONG %s\r\n", l + 5);
		return;
	}
	if (l[0] != ':' || (p = strchr(l, ' ')) == NULL)
		return;
	p++;
	if (strncmp(p, "PRIVMSG ", 8) == 0) {
		if ((p = strstr(p, " :")) != NULL)
			on_msg(c, p + 2);
		return;
	}
	if (strncmp(p, "001 ", 4) == 0 && c->st == C_REGISTERING) {
		B.nready++;
		if (B.chan[0] != '\0') {
			c->st = C_JOINING;
			sendf(c, "JOIN %s\r\n", B.chan);
		} else {
			c->st = C_READY;
			B.njoined++;
		}
	} else if (strncmp(p, "366 ", 4) == 0 && c->st == C_JOINING) {
		c->st = C_READY;
		B.njoined++;
	} else if (strncmp(p, "433 ", 4) == 0 || strncmp(p, "ERROR", 5) == 0)
		kill_cl(c, l);
	else if (strncmp(l, "ERROR", 5) == 0)
		kill_cl(c, l);
}

static void
read_cl(struct cl *c)
{
	ssize_t r;
	size_t room;
	char *nl, *p;

	if (handshake(c) != 1)
		return;
	for (;;) {
		room = RBUF - 1 - c->rlen;
		r = cl_read(c, c->rbuf + c->rlen, room);
		if (r == 0) {
			kill_cl(c, "server closed the connection");
			return;
		}
		if (r == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			kill_cl(c, strerror(errno));
			return;
		}
		c->rlen += (size_t)r;
		B.rx_bytes += (uint64_t)r;
		c->rbuf[c->rlen] = '\0';
		p = c->rbuf;
		while ((nl = memchr(p, '\n', c->rlen - (size_t)(p - c->rbuf))) !=
		    NULL) {
			*nl = '\0';
			if (nl > p && nl[-1] == '\r')
				nl[-1] = '\0';
			on_line(c, p);
			if (c->st == C_DEAD)
				return;
			p = nl + 1;
		}
		c->rlen -= (size_t)(p - c->rbuf);
		memmove(c->rbuf, p, c->rlen);
		if (c->rlen >= RBUF - 1) {
			kill_cl(c, "line too long");
			return;
		}
		/* a short read drained the socket; new data is a new edge
		 * (TLS reads a record at a time: on until WANT_READ) */
		if ((size_t)r < room && c->ssl == NULL)
			return;
	}
}

static void
pump(int timeout_ms)
{
	struct epoll_event evs[512];
	int n, i;

	n = epoll_wait(B.ep, evs, 512, timeout_ms);
	for (i = 0; i < n; i++) {
		struct cl *c = &B.cl[evs[i].data.u32];
		if (c->st == C_DEAD)
			continue;
		if (c->st == C_CONNECTING && (evs[i].events & EPOLLOUT))
			c->st = C_REGISTERING;
		if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
			read_cl(c);
		if (c->st != C_DEAD && (evs[i].events & EPOLLOUT))
			flush_cl(c);
	}
	for (i = B.lo; i < B.hi; i++)	/* replies queued while reading */
		if (B.cl[i].wlen > 0 && B.cl[i].st != C_DEAD)
			flush_cl(&B.cl[i]);
}

static uint64_t
percentile(double q)
{
	uint64_t total = B.deliveries, want, acc = 0;
	uint32_t i;

	if (total == 0)
		return 0;
	want = (uint64_t)((double)total * q);
	for (i = 0; i < HIST_MAX_US; i++) {
		acc += B.hist[i];
		if (acc > want)
			return i;
	}
	return B.lat_max_us;
}

static void
usage(void)
{
	fprintf(stderr,
"usage: keochat-bench [-H host] [-p port[,port...]] [-n clients]\n"
"         [-s senders] [-m messages] [-b bytes] [-w window] [-c channel]\n"
"         [-P server-pid[,pid...]]\n"
"         [-S] [-T] [-t timeout] [-x nick-prefix] [-B bans]\n"
"         [-A addresses] [-i in-flight] [-r rate]\n"
"  -r  each sender sends at most rate messages a second (latency at a\n"
"      load, not throughput)\n"
"  -S  storm mode: connect, register and join n clients at once\n"
"      (-c '' registers them and joins nothing)\n"
"  -A  connect from 127.0.0.2 .. 127.0.0.(1+addresses) in turn\n"
"  -i  at most that many connections registering at once (default: all\n"
"      in storm mode, 16 otherwise)\n"
"  -T  every client over TLS\n"
"  -B  an operator sets that many bans on the channel first\n"
"  -p  several ports (a cluster's hosts): client i connects to the\n"
"      (i mod count)th\n"
"  -P  several pids: the CPU and memory of all their process trees\n");
	exit(2);
}

/* Read from blocking fd until a line holding want has been seen count
 * times. */
static void
read_until(int fd, const char *want, int count)
{
	static char buf[RBUF];
	static size_t have;
	char *nl, *p;
	ssize_t n;

	while (count > 0) {
		while ((nl = memchr(buf, '\n', have)) != NULL) {
			*nl = '\0';
			if (strstr(buf, want) != NULL)
				count--;
			if (strncmp(buf, "ERROR", 5) == 0)
				die("ban setter: %s", buf);
			p = nl + 1;
			have -= (size_t)(p - buf);
			memmove(buf, p, have);
			if (count == 0)
				return;
		}
		if (have == sizeof(buf))
			have = 0;
		if ((n = read(fd, buf + have, sizeof(buf) - have)) <= 0)
			die("ban setter: connection lost");
		have += (size_t)n;
	}
}

static void
send_all_fd(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) <= 0)
			die("ban setter: write: %s", strerror(errno));
		p += w;
		n -= (size_t)w;
	}
}

/* The channel's operator: joins first, sets B.bans bans (13 a line, the
 * most one line's 15 parameters hold); returns its socket. */
static int
ban_setter(void)
{
	const struct addrinfo *target = targets[0];
	char line[1024];
	int fd, i, k, n;

	if ((fd = socket(target->ai_family, SOCK_STREAM, 0)) == -1 ||
	    connect(fd, target->ai_addr, target->ai_addrlen) == -1)
		die("ban setter: connect: %s", strerror(errno));
	n = snprintf(line, sizeof(line), "NICK %sop\r\nUSER op 0 * :op\r\n",
	    B.prefix);
	send_all_fd(fd, line, (size_t)n);
	read_until(fd, " 001 ", 1);
	n = snprintf(line, sizeof(line), "JOIN %s\r\n", B.chan);
	send_all_fd(fd, line, (size_t)n);
	read_until(fd, " 366 ", 1);
	for (i = 0; i < B.bans; i += 13) {
		k = B.bans - i < 13 ? B.bans - i : 13;
		n = snprintf(line, sizeof(line), "MODE %s +%.*s", B.chan, k,
		    "bbbbbbbbbbbbb");
		for (int j = 0; j < k; j++)
			n += snprintf(line + n, sizeof(line) - (size_t)n,
			    " banned%d!*@nowhere.invalid", i + j);
		n += snprintf(line + n, sizeof(line) - (size_t)n, "\r\n");
		send_all_fd(fd, line, (size_t)n);
		read_until(fd, " MODE ", 1);
	}
	return fd;
}

/*
 * More clients than one process may hold descriptors for (a container's
 * hard limit, no CAP_SYS_RESOURCE to raise it): storm mode forks parts,
 * each opening its own share of the clients, and this process only
 * watches.  A part reports through shared memory; it keeps its clients
 * open and answered until told to stop.
 */
struct part {
	volatile int	 ready, stop;
	int		 joined, dead;
	uint64_t	 tjoin, rx_bytes, disconnects;
	pid_t		 pid;
};
static struct part *parts;
static int nparts;

static void connect_all(int, uint64_t);

static void
part_run(struct part *me, int batch, uint64_t deadline)
{
	/* an epoll set of its own: the inherited one is shared */
	(void)close(B.ep);
	if ((B.ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		die("epoll_create1: %s", strerror(errno));
	connect_all(batch, deadline);
	me->joined = B.njoined;
	me->dead = B.ndead;
	me->tjoin = now_ns();
	__atomic_store_n(&me->ready, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&parts[0].stop, __ATOMIC_ACQUIRE) &&
	    getppid() != 1) {
		pump(50);
		me->rx_bytes = B.rx_bytes;
		me->disconnects = B.disconnects;
	}
	_exit(0);
}

/* Fork k parts over the clients; return when every part has joined its
 * share (tjoin: the last of them). */
static void
parts_start(int k, int batch, uint64_t deadline, uint64_t *tjoin)
{
	int i, n = B.n;

	parts = mmap(NULL, (size_t)k * sizeof(*parts), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (parts == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	nparts = k;
	fflush(NULL);
	for (i = 0; i < k; i++) {
		pid_t pid = fork();

		if (pid == -1)
			die("fork: %s", strerror(errno));
		if (pid == 0) {
			B.lo = (int)((long)n * i / k);
			B.hi = (int)((long)n * (i + 1) / k);
			part_run(&parts[i], batch / k > 0 ? batch / k : 1,
			    deadline);
		}
		parts[i].pid = pid;
	}
	*tjoin = 0;
	for (i = 0; i < k; i++) {
		int st;

		while (!__atomic_load_n(&parts[i].ready, __ATOMIC_ACQUIRE)) {
			if (waitpid(parts[i].pid, &st, WNOHANG) == parts[i].pid)
				die("part %d ended (status %d) before its "
				    "clients joined", i, st);
			(void)usleep(20000);
		}
		B.njoined += parts[i].joined;
		B.ndead += parts[i].dead;
		if (parts[i].tjoin > *tjoin)
			*tjoin = parts[i].tjoin;
	}
}

static void
parts_stop(void)
{
	int i, st;

	__atomic_store_n(&parts[0].stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < nparts; i++) {
		while (waitpid(parts[i].pid, &st, 0) == -1 && errno == EINTR)
			;
		B.disconnects += parts[i].disconnects;
	}
}

/* Let the clients' traffic flow for about 20 ms: this process's own
 * clients, or the parts' (who pump their own). */
static void
settle(void)
{
	if (nparts == 0)
		pump(20);
	else
		(void)usleep(20000);
}

static uint64_t
rx_total(void)
{
	uint64_t t = B.rx_bytes;
	int i;

	for (i = 0; i < nparts; i++)
		t += parts[i].rx_bytes;
	return t;
}

static void
connect_all(int batch, uint64_t deadline)
{
	int opened = B.lo, want = B.hi - B.lo;

	while (B.njoined + B.ndead < want) {
		while (opened < B.hi &&
		    opened - B.lo - (B.njoined + B.ndead) < batch)
			open_cl(opened++);
		pump(50);
		if (now_ns() > deadline)
			die("stall: %d of %d clients joined", B.njoined, want);
	}
}

int
main(int argc, char *argv[])
{
	unsigned long long rss0 = 0, pss0 = 0, rss1, pss1, rssj, pssj;
	unsigned long long cpu0, cpu1;
	struct addrinfo hints;
	uint64_t t0, t1, tjoin, last_progress, last_count = 0, want;
	struct rlimit rl;
	int ch, i, rc, opfd;

	B.host = "127.0.0.1";
	B.port = "6667";
	B.chan = "#bench";
	B.prefix = "b";
	B.n = 200;
	B.s = 10;
	B.m = 2000;
	B.b = 100;
	B.w = 128;
	B.timeout = 30;
	while ((ch = getopt(argc, argv, "H:p:n:s:m:b:w:c:P:STt:x:B:A:i:r:")) !=
	    -1) {
		switch (ch) {
		case 'H': B.host = optarg; break;
		case 'p': B.port = optarg; break;
		case 'n': B.n = atoi(optarg); break;
		case 's': B.s = atoi(optarg); break;
		case 'm': B.m = atoi(optarg); break;
		case 'b': B.b = atoi(optarg); break;
		case 'w': B.w = atoi(optarg); break;
		case 'c': B.chan = optarg; break;
		case 'P': {
			char *pp = optarg, *e;

			while (*pp != '\0' && B.npids < 16) {
				B.pids[B.npids++] = strtol(pp, &e, 10);
				if (e == pp || B.pids[B.npids - 1] <= 0)
					die("-P: pids, comma separated");
				pp = *e == ',' ? e + 1 : e;
				if (*e != ',' && *e != '\0')
					die("-P: pids, comma separated");
			}
			B.pid = B.pids[0];
			break;
		}
		case 'S': B.storm = 1; break;
		case 't': B.timeout = atoi(optarg); break;
		case 'x': B.prefix = optarg; break;
		case 'B': B.bans = atoi(optarg); break;
		case 'T': B.tls = 1; break;
		case 'A': B.nsrc = atoi(optarg); break;
		case 'i': B.inflight = atoi(optarg); break;
		case 'r': B.rate = atoi(optarg); break;
		default: usage();
		}
	}
	if (B.n < 2 || B.s < 0 || B.s > B.n || B.m < 1 || B.w < 1 ||
	    B.b < 40 || B.b > 450 || B.m > 65535 * 1000 || B.bans < 0 ||
	    B.bans > 100 || (B.tls && B.bans > 0) || B.nsrc < 0 ||
	    B.nsrc > 254 || B.inflight < 0)
		usage();
	if (B.tls) {
		if ((B.ctx = SSL_CTX_new(TLS_client_method())) == NULL)
			die("SSL_CTX_new");
		SSL_CTX_set_verify(B.ctx, SSL_VERIFY_NONE, NULL);
		SSL_CTX_set_mode(B.ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
		    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	}
	/* a descriptor per client and a few: raise the soft limit, and the
	 * hard one where we may (root); where we may not, storm mode
	 * splits the clients over parts that each fit the limit */
	B.lo = 0;
	B.hi = B.n;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur < (rlim_t)B.n + 64) {
		struct rlimit up = rl;

		up.rlim_cur = (rlim_t)B.n + 64;
		if (up.rlim_max < up.rlim_cur)
			up.rlim_max = up.rlim_cur;
		if (setrlimit(RLIMIT_NOFILE, &up) == -1) {
			rl.rlim_cur = rl.rlim_max;
			(void)setrlimit(RLIMIT_NOFILE, &rl);
			if (rl.rlim_max < 1024 ||
			    (!B.storm && rl.rlim_max < (rlim_t)B.n + 64))
				die("%d clients need %d descriptors; the hard "
				    "limit is %lu (ulimit -Hn)", B.n, B.n + 64,
				    (unsigned long)rl.rlim_max);
			if (rl.rlim_max < (rlim_t)B.n + 64)
				nparts = (int)(((rlim_t)B.n + rl.rlim_max -
				    257) / (rl.rlim_max - 256));
		}
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	{
		char ports[256], *pp, *save = NULL;

		snprintf(ports, sizeof(ports), "%s", B.port);
		for (pp = strtok_r(ports, ",", &save); pp != NULL && ntargets <
		    8; pp = strtok_r(NULL, ",", &save))
			if ((rc = getaddrinfo(B.host, pp, &hints,
			    &targets[ntargets++])) != 0)
				die("%s:%s: %s", B.host, pp, gai_strerror(rc));
		if (ntargets == 0)
			die("-p: no port");
	}
	if ((B.ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		die("epoll_create1");
	B.cl = calloc((size_t)B.n, sizeof(*B.cl));
	B.snd = calloc((size_t)(B.s ? B.s : 1), sizeof(*B.snd));
	B.hist = calloc(HIST_MAX_US, sizeof(*B.hist));
	B.payload = malloc(512);
	if (B.cl == NULL || B.snd == NULL || B.hist == NULL || B.payload == NULL)
		die("out of memory");
	memset(B.payload, 'x', 512);
	for (i = 0; i < B.n; i++)
		if ((B.cl[i].expect = calloc((size_t)(B.s ? B.s : 1),
		    sizeof(uint32_t))) == NULL)
			die("out of memory");
	opfd = B.bans > 0 ? ban_setter() : -1;
	tree_mem_kb(&rss0, &pss0);
	t0 = now_ns();
	{
		int batch = B.inflight > 0 ? B.inflight : B.storm ? B.n : 16;
		uint64_t deadline = t0 + (uint64_t)B.timeout * 1000000000ull;

		if (nparts > 0)
			parts_start(nparts, batch, deadline, &tjoin);
		else {
			connect_all(batch, deadline);
			tjoin = now_ns();
		}
	}
	if (opfd >= 0) {	/* the bans stay with the channel */
		send_all_fd(opfd, "QUIT\r\n", 6);
		(void)close(opfd);
	}
	/* let the join bursts settle; in storm mode wait until the clients
	 * are idle (servers release per-connection buffers after idle time)
	 * and measure the cost of an idle connection */
	for (i = 0; i < 10; i++)
		settle();
	tree_mem_kb(&rss1, &pss1);
	rssj = rss1;
	pssj = pss1;
	if (B.storm) {
		/* idle: sample every half second until the server has sent
		 * nothing for 2.5 s (the JOIN echoes of a big storm take a
		 * while, and a server may free idle buffers on a timer, as
		 * keochatd does after a whole idle second) and its memory
		 * has settled; at most 60 s */
		unsigned long long prev = 0;
		uint64_t rx_prev = rx_total(), rx;
		int quiet = 0;
		for (i = 0; i < 120; i++) {
			int k;
			for (k = 0; k < 25; k++)
				settle();
			prev = rss1;
			tree_mem_kb(&rss1, &pss1);
			rx = rx_total();
			quiet = rx == rx_prev ? quiet + 1 : 0;
			rx_prev = rx;
			if (quiet >= 5 &&
			    (rss1 > prev ? rss1 - prev : prev - rss1) < 64)
				break;
		}
	}
	if (B.storm) {
		if (nparts > 0)
			parts_stop();
		printf("mode=storm clients=%d joined=%d storm_s=%.3f "
		    "rss_before_kb=%llu rss_after_kb=%llu rss_per_conn_kb=%.2f "
		    "pss_per_conn_kb=%.2f rss_joined_per_conn_kb=%.2f "
		    "pss_joined_per_conn_kb=%.2f disconnects=%llu parts=%d\n",
		    B.n,
		    B.njoined, (double)(tjoin - t0) / 1e9, rss0, rss1,
		    per_conn(rss0, rss1), per_conn(pss0, pss1),
		    per_conn(rss0, rssj), per_conn(pss0, pssj),
		    (unsigned long long)B.disconnects, nparts);
		return B.ndead > 0 ? 1 : 0;
	}
	for (i = 0; i < B.s; i++) {
		B.snd[i].cl = i;
		if ((B.snd[i].remaining = malloc((size_t)B.m * 2)) == NULL)
			die("out of memory");
		for (int k = 0; k < B.m; k++)
			B.snd[i].remaining[k] = (uint16_t)(B.n - 1);
	}
	want = (uint64_t)B.s * (uint64_t)B.m * (uint64_t)(B.n - 1);
	cpu0 = tree_cpu_ns();
	t1 = now_ns();
	B.t_start = t1;
	for (i = 0; i < B.s; i++)
		send_next(i);
	last_progress = now_ns();
	while (B.deliveries < want && B.ndead == 0) {
		pump(B.rate > 0 ? 1000 / B.rate / 2 + 1 : 100);
		for (i = 0; B.rate > 0 && i < B.s; i++)
			send_next(i);
		if (B.deliveries != last_count) {
			last_count = B.deliveries;
			last_progress = now_ns();
		} else if (now_ns() - last_progress >
		    (uint64_t)B.timeout * 1000000000ull)
			break;
	}
	{
		double secs = (double)(now_ns() - t1) / 1e9;
		cpu1 = tree_cpu_ns();
		B.lost = want - B.deliveries;
		printf("mode=fanout clients=%d senders=%d messages=%d bytes=%d "
		    "window=%d deliveries=%llu seconds=%.3f deliveries_per_s=%.0f "
		    "p50_us=%llu p99_us=%llu max_us=%llu lost=%llu dup=%llu "
		    "reordered=%llu disconnects=%llu cpu_us_per_delivery=%.4f "
		    "join_s=%.3f rss_per_conn_kb=%.2f pss_per_conn_kb=%.2f "
		    "stalled=%d\n",
		    B.n, B.s, B.m, B.b, B.w, (unsigned long long)B.deliveries,
		    secs, (double)B.deliveries / secs,
		    (unsigned long long)percentile(0.50),
		    (unsigned long long)percentile(0.99),
		    (unsigned long long)B.lat_max_us,
		    (unsigned long long)B.lost, (unsigned long long)B.dups,
		    (unsigned long long)B.reorders,
		    (unsigned long long)B.disconnects,
		    B.pid > 0 && B.deliveries ? (double)(cpu1 - cpu0) / 1e3 /
		    (double)B.deliveries : 0.0,
		    (double)(tjoin - t0) / 1e9, per_conn(rss0, rss1),
		    per_conn(pss0, pss1), B.deliveries < want);
	}
	return (B.lost || B.dups || B.reorders || B.disconnects) ? 1 : 0;
}
