/*
 * monitor.h -- MONITOR: a worker's index of the nicks its clients watch.
 *
 * Each client keeps its list (client.h: monitor, nmonitor, at most
 * MONITOR_MAX); the worker keeps, per casefolded nick, the local clients
 * watching it, so that a nick coming online or going away (frames every
 * worker gets: ONLINE, and QUIT and NICK sent to all workers) costs one
 * lookup.  State in kd (struct monitor_index, owned here).
 */
#ifndef KEO_MONITOR_H
#define KEO_MONITOR_H

#include <stddef.h>

struct client;

int		 monitor_init(unsigned buckets);
void		 monitor_free(void);
/* Add nick to c's list: 1 added, 0 there already, -1 list full. */
int		 monitor_add(struct client *c, const char *nick);
void		 monitor_del(struct client *c, const char *nick);
/* Empty c's list (MONITOR C, teardown). */
void		 monitor_clear(struct client *c);
/* Call fn for each local client watching nick. */
void		 monitor_watchers(const char *nick,
		    void (*fn)(struct client *, void *), void *arg);

#endif
