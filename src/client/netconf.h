/*
 * netconf.h -- the saved networks of keochat: the file
 * $XDG_CONFIG_HOME/keochat/networks, read with an error for every damaged
 * line (the line's setting keeps its default), written atomically (a new
 * file beside it, fsync, rename) with mode 0600, since it may hold
 * passwords.  No X and no sockets: the Motif layer and cmocka both use it.
 *
 * The file, as keochat writes it (and a person may):
 *
 *	# comment
 *	[network Example]
 *	host = irc.example.org
 *	port = 6697
 *	tls = yes
 *	nick = alice
 *	alternates = alice_ alicia
 *	account = alice
 *	password = "a secret with a trailing space "
 *	client-cert = /home/alice/.config/keochat/alice.pem
 *	rooms = #lobby #dev
 *	connect-at-start = yes
 *	quiet = no
 *	quiet-tabs = #random bob
 *
 * A value runs to the end of its line; one in double quotes may hold
 * leading or trailing spaces, \" and \\.
 */
#ifndef KEO_NETCONF_H
#define KEO_NETCONF_H

#include <stddef.h>

#include "bounds.h"

#define NETCONF_MAX		32	/* networks in the file */
#define NETCONF_NAME_MAX	32
#define NETCONF_LINE_MAX	1024	/* a longer line is damage */
#define NETCONF_ERRS_MAX	16	/* errors kept of a read */
#define NETCONF_ERR_LEN		160

struct netconf_net {
	char		 name[NETCONF_NAME_MAX + 1];
	char		 host[256];
	unsigned	 port;			/* 0: 6697 with TLS, else 6667 */
	int		 tls;
	char		 nick[NICK_MAX + 1];
	char		 alternates[128];	/* names, space separated */
	char		 account[NICK_MAX + 1];
	char		 password[301];
	char		 client_cert[512];	/* a PEM file: SASL EXTERNAL */
	char		 rooms[512];		/* space separated */
	int		 connect_at_start;
	int		 quiet;			/* no desktop notifications */
	char		 quiet_tabs[512];	/* rooms and nicks that never
						 * notify, space separated */
};

struct netconf {
	struct netconf_net net[NETCONF_MAX];
	int		 n;
};

struct netconf_errs {
	char		 msg[NETCONF_ERRS_MAX][NETCONF_ERR_LEN];
	int		 n;		/* kept */
	int		 total;		/* seen */
};

/* Parse len bytes of a networks file into nc (cleared first).  Every
 * damaged line is an error ("line 7: ..."); the rest is read.  Returns
 * the number of errors. */
int		 netconf_parse(struct netconf *nc, const char *text, size_t len,
		    struct netconf_errs *e);
/* The file's text for nc into out; its length, or -1 when it does not
 * fit. */
int		 netconf_format(const struct netconf *nc, char *out,
		    size_t outsz);
/* Read path into nc: 0 (a missing file is an empty list), or the number
 * of errors (e has them), or -1 when it cannot be read (e says why). */
int		 netconf_load(struct netconf *nc, const char *path,
		    struct netconf_errs *e);
/* Write nc to path atomically, mode 0600; 0 or -1 with err. */
int		 netconf_save(const struct netconf *nc, const char *path,
		    char *err, size_t errsz);
/* Is n complete and sound (a name, a host, a valid nick, alternates and
 * rooms)?  0, or -1 with why. */
int		 netconf_check(const struct netconf_net *n, char *why,
		    size_t whysz);
/* The index of the network called name (case-insensitive), or -1. */
int		 netconf_find(const struct netconf *nc, const char *name);
/* What the Server field shows for n: "host:port" or "ircs://host:port"
 * (IPv6 in brackets). */
void		 netconf_server(const struct netconf_net *n, char *out,
		    size_t outsz);
/* The rooms joined lately (the Join dialog's list): the file holds one
 * name a line, the newest first. */
#define NETCONF_RECENT_MAX	12
struct netconf_recent {
	char		 name[NETCONF_RECENT_MAX][CHAN_MAX + 1];
	int		 n;
};
/* Read them (damaged lines skipped): how many, 0 for no file, -1 when it
 * cannot be read. */
int		 netconf_recent_load(const char *path, struct netconf_recent *r);
/* name to the front (once), the oldest beyond the last dropped; written
 * atomically.  0 or -1 with err. */
int		 netconf_recent_add(const char *path, const char *name,
		    char *err, size_t errsz);
/* $XDG_CONFIG_HOME/keochat/name, or ~/.config/keochat/name; with make,
 * the directories are made (0700).  0 or -1. */
int		 netconf_path(const char *name, int make, char *out,
		    size_t outsz);

#endif
