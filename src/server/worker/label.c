/*
 * label.c -- labeled-response (see label.h).  Owns the struct label of
 * each client that has one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "ctx.h"
#include "label.h"
#include "log.h"

#define LABEL_WAIT_MS	5000	/* the longest a response is held */

static uint32_t	next_token;	/* the last label token handed out */

void
label_begin(struct client *c, const char *tag)
{
	struct label *l;

	if (!(c->caps & CAP_LABELED) || tag == NULL || *tag == '\0')
		return;
	if (c->label != NULL)
		return;		/* input waits while one is pending */
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		log_warnx("out of memory for a labeled response");
		return;
	}
	snprintf(l->tag, sizeof(l->tag), "%s", tag);
	/* unique among this worker's labels in flight is enough: the
	 * token is matched with the client too */
	if (++next_token == 0)
		next_token = 1;
	l->token = next_token;
	l->since_ms = kd.now_ms;
	c->label = l;
	c->flags |= CF_CAPTURE;
}

static int
add_line(struct label *l, const char *p, size_t n)
{
	char *nb;
	size_t ncap;

	if (l->len + n > l->cap) {
		ncap = l->cap ? l->cap * 2 : 1024;
		while (ncap < l->len + n)
			ncap *= 2;
		if (ncap > kd.cfg.sendq || (nb = realloc(l->buf, ncap)) ==
		    NULL)
			return -1;
		l->buf = nb;
		l->cap = ncap;
	}
	memcpy(l->buf + l->len, p, n);
	l->len += n;
	l->nlines++;
	return 0;
}

int
label_capture(struct client *c, const char *p, size_t n)
{
	if (c->label == NULL || !(c->flags & CF_CAPTURE))
		return 0;
	if (add_line(c->label, p, n) == -1)
		return 0;	/* too much: it goes out unlabeled */
	return 1;
}

int
label_take(struct client *c, uint32_t token, const char *p, size_t n)
{
	if (c->label == NULL || token == 0 || c->label->token != token)
		return 0;
	return add_line(c->label, p, n) == 0;
}

uint32_t
label_frame(struct client *c)
{
	if (c->label == NULL || !(c->flags & CF_CAPTURE))
		return 0;
	c->label->pending++;
	return c->label->token;
}

/* "@label=x;" before a line's own tags, or "@label=x " before a line
 * that has none; out is CRLF-terminated like the line. */
static size_t
with_tag(char *out, size_t outsz, const char *tag, const char *line,
    size_t n)
{
	int k;

	if (n > 0 && line[0] == '@')
		k = snprintf(out, outsz, "@%s;%.*s", tag, (int)n - 1, line + 1);
	else
		k = snprintf(out, outsz, "@%s %.*s", tag, (int)n, line);
	return k < 0 ? 0 : (size_t)k < outsz ? (size_t)k : outsz - 1;
}

static void
send_tagged(struct client *c, const char *tag, const char *line, size_t n)
{
	char buf[IRC_WIRE_MAX + 160];
	size_t k = with_tag(buf, sizeof(buf), tag, line, n);

	if (k > 0)
		client_send(c, buf, k);
}

/* The response: an ACK, one labeled line, or a labeled batch. */
static void
finish(struct client *c)
{
	struct label *l = c->label;
	char tag[96], bref[24];
	const char *p, *end, *nl;

	c->label = NULL;
	c->flags &= ~(uint32_t)CF_CAPTURE;
	snprintf(tag, sizeof(tag), "label=%s", l->tag);
	if (l->nlines == 0)
		client_sendf(c, "@%s :%s ACK", tag, kd.cfg.server_name);
	else if (l->nlines == 1)
		send_tagged(c, tag, l->buf, l->len);
	else if (c->caps & CAP_BATCH) {
		snprintf(bref, sizeof(bref), "L%u", l->token);
		client_sendf(c, "@%s :%s BATCH +%s labeled-response", tag,
		    kd.cfg.server_name, bref);
		snprintf(tag, sizeof(tag), "batch=%s", bref);
		for (p = l->buf, end = l->buf + l->len; p < end; p = nl + 1) {
			if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
				break;
			/* a line of a batch nested in this one (CHATHISTORY's)
			 * has its own batch tag */
			if ((size_t)(end - p) > 7 && memcmp(p, "@batch=", 7) ==
			    0)
				client_send(c, p, (size_t)(nl - p + 1));
			else
				send_tagged(c, tag, p, (size_t)(nl - p + 1));
		}
		client_sendf(c, ":%s BATCH -%s", kd.cfg.server_name, bref);
	} else
		client_send(c, l->buf, l->len);	/* no batch: no label */
	free(l->buf);
	free(l);
	client_wake(c);		/* its next lines may run */
}

void
label_end(struct client *c)
{
	if (c->label == NULL)
		return;
	c->flags &= ~(uint32_t)CF_CAPTURE;
	if (c->label->pending == 0)
		finish(c);
}

void
label_done(struct client *c, uint32_t token)
{
	if (c->label == NULL || c->label->token != token ||
	    (c->flags & CF_CAPTURE))
		return;
	if (c->label->pending > 0)
		c->label->pending--;
	if (c->label->pending == 0)
		finish(c);
}

void
label_tick(struct client *c, int64_t now_ms)
{
	if (c->opwait > 0 && now_ms - c->opwait_ms >= LABEL_WAIT_MS) {
		log_warnx("%s waited %d ms for the relay to apply a channel "
		    "change: going on", c->nick, LABEL_WAIT_MS);
		c->opwait = 0;
		client_wake(c);
	}
	if (c->label != NULL && !(c->flags & CF_CAPTURE) &&
	    now_ms - c->label->since_ms >= LABEL_WAIT_MS) {
		log_warnx("labeled response for %s waited %d ms for the "
		    "relay: sent as it is", c->nick, LABEL_WAIT_MS);
		finish(c);
	}
}

void
label_free(struct client *c)
{
	if (c->label == NULL)
		return;
	free(c->label->buf);
	free(c->label);
	c->label = NULL;
	c->flags &= ~(uint32_t)CF_CAPTURE;
}
