/*
 * account.h -- who is logged in as what, and which nicks belong to whom.
 *
 * The lowest layer of the accounts: a client's login state (its own copy
 * and the roster's, so WHOIS 330, WHOX and +r work from any worker), the
 * loop's read-only store connection for lookups (a WAL reader: it never
 * waits for writers), and the enforcement of registered nicks.  The
 * commands that log in (SASL, NickServ, PASS, REGISTER) are services.c's;
 * whatever is slow runs on the job thread (jobs.h).
 */
#ifndef KEO_ACCOUNT_H
#define KEO_ACCOUNT_H

#include "store.h"

struct client;

/* The loop's store connection (after fork); -1 when it cannot open. */
int		 account_init(void);
void		 account_free(void);
/* The read-only connection for lookups, or NULL. */
struct store	*account_store(void);

/* NickServ, ChanServ: names nobody may take. */
int		 account_nick_reserved(const char *nick);
/* What a login of a registered client also runs (worker.c sets it: the
 * messages that waited for the account). */
void	account_login_hook(void (*fn)(struct client *));

/* c is now logged in as name (900, user mode +r, account-notify to the
 * members of its channels).  A nick that belongs to name stops its
 * grace timer. */
void		 account_login(struct client *c, const char *name);
/* c is logged out (901, -r, account-notify). */
void		 account_logout(struct client *c);
/* Teardown: c's login and SASL state freed (the secrets zeroed). */
void		 account_forget(struct client *c);

/* The account that owns nick, into owner; 1 owned, 0 not, -1 the store
 * cannot say. */
int		 account_owner(const char *nick, char owner[ACCOUNT_MAX + 1]);
/* May c take nick?  With nick-enforce = strict, a nick owned by another
 * account is refused here (433 sent): 1 refused, 0 go on. */
int		 account_nick_refused(struct client *c, const char *nick);
/* After c got its nick (registration or NICK): a nick owned by another
 * account starts the grace timer with a notice; its own stops it. */
void		 account_nick_changed(struct client *c);

/* c's level in the registered channel chan: 'F' founder, 'o', 'v', or 0
 * (not registered, not logged in, no access). */
char		 account_chan_level(const struct client *c, const char *chan);

/* A NOTICE from a service ("NickServ", "ChanServ") to c. */
void		 account_notice(struct client *c, const char *service,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
