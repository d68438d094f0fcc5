/*
 * histq.c -- see histq.h.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "histq.h"
#include "irc.h"

static const char *const subs[HQ_SUB_MAX] = {
	"LATEST", "BEFORE", "AFTER", "AROUND", "BETWEEN", "TARGETS"
};

int
histq_sub(const char *s)
{
	int i;

	for (i = 0; i < HQ_SUB_MAX; i++)
		if (strcasecmp(s, subs[i]) == 0)
			return i;
	return -1;
}

int
histq_msgid(const char *s, uint64_t *id)
{
	uint64_t v = 0;
	int d;
	size_t n;

	if ((n = strlen(s)) == 0 || n > 13)
		return -1;
	for (; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'z')
			d = *s - 'a' + 10;
		else
			return -1;
		if (v > (UINT64_MAX - (uint64_t)d) / 36)
			return -1;
		v = v * 36 + (uint64_t)d;
	}
	if (v == 0 || v > INT64_MAX)
		return -1;
	*id = v;
	return 0;
}

static int
digits(const char *s, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int
histq_timestamp(const char *s, int64_t *ms)
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };
	struct tm tm;
	int y, mo, d, h, mi, sec, frac = 0;
	size_t n = strlen(s);
	time_t t;

	/* 2019-01-04T14:33:26Z or 2019-01-04T14:33:26.123Z */
	if ((n != 20 && n != 24) || s[4] != '-' || s[7] != '-' ||
	    s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[n - 1] != 'Z')
		return -1;
	if (digits(s, 4, &y) == -1 || digits(s + 5, 2, &mo) == -1 ||
	    digits(s + 8, 2, &d) == -1 || digits(s + 11, 2, &h) == -1 ||
	    digits(s + 14, 2, &mi) == -1 || digits(s + 17, 2, &sec) == -1)
		return -1;
	if (n == 24 && (s[19] != '.' || digits(s + 20, 3, &frac) == -1))
		return -1;
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 ||
	    d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 60)
		return -1;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 ||
	    y % 400 == 0)))
		return -1;		/* no such day */
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if ((t = timegm(&tm)) == (time_t)-1)
		return -1;
	*ms = (int64_t)t * 1000 + frac;
	return 0;
}

size_t
histq_format_time(char *out, size_t outsz, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	size_t n;
	int k;

	if (ms < 0 || gmtime_r(&t, &tm) == NULL ||
	    (n = strftime(out, outsz, "%Y-%m-%dT%H:%M:%S", &tm)) == 0)
		return 0;
	k = snprintf(out + n, outsz - n, ".%03dZ", (int)(ms % 1000));
	return k < 0 || (size_t)k >= outsz - n ? 0 : n + (size_t)k;
}

int
histq_ref(const char *s, int star, struct histq_ref *r)
{
	memset(r, 0, sizeof(*r));
	if (strcmp(s, "*") == 0) {
		r->kind = HQ_STAR;
		return star ? 0 : -1;
	}
	if (strncmp(s, "msgid=", 6) == 0) {
		r->kind = HQ_MSGID;
		return histq_msgid(s + 6, &r->msgid);
	}
	if (strncmp(s, "timestamp=", 10) == 0) {
		r->kind = HQ_TIME;
		return histq_timestamp(s + 10, &r->time_ms);
	}
	return -1;
}

int
histq_limit(const char *s, unsigned max, unsigned *out)
{
	unsigned long v = 0;
	size_t i, n = strlen(s);

	if (n == 0 || n > 9)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* r as the lower end of a range (what comes after it). */
static struct histq_pos
lower(const struct histq_ref *r)
{
	struct histq_pos p = { r->time_ms, r->id };

	if (r->kind == HQ_TIME)
		p.id = INT64_MAX;	/* after every line of that ms */
	return p;
}

/* r as the upper end (what comes before it). */
static struct histq_pos
upper(const struct histq_ref *r)
{
	struct histq_pos p = { r->time_ms, r->id };

	if (r->kind == HQ_TIME)
		p.id = 0;		/* before every line of that ms */
	return p;
}

static int
pos_less(struct histq_pos a, struct histq_pos b)
{
	return a.time_ms < b.time_ms || (a.time_ms == b.time_ms &&
	    a.id < b.id);
}

int
histq_plan(enum histq_sub sub, const struct histq_ref *a,
    const struct histq_ref *b, unsigned limit, struct histq_range out[2])
{
	struct histq_pos pa, pb;

	memset(out, 0, 2 * sizeof(*out));
	out[0].limit = limit;
	switch (sub) {
	case HQ_LATEST:
		out[0].newest = 1;
		if (a->kind != HQ_STAR) {
			out[0].has_lo = 1;
			out[0].lo = lower(a);
		}
		return 1;
	case HQ_BEFORE:
		if (a->kind == HQ_STAR)
			return -1;
		out[0].newest = 1;
		out[0].has_hi = 1;
		out[0].hi = upper(a);
		return 1;
	case HQ_AFTER:
		if (a->kind == HQ_STAR)
			return -1;
		out[0].has_lo = 1;
		out[0].lo = lower(a);
		return 1;
	case HQ_AROUND:
		if (a->kind == HQ_STAR)
			return -1;
		/* half before; the rest from the reference on, the message
		 * itself included when it is a msgid */
		out[0].newest = 1;
		out[0].has_hi = 1;
		out[0].hi = upper(a);
		out[0].limit = limit / 2;
		out[1].has_lo = 1;
		out[1].lo = upper(a);
		if (a->kind == HQ_MSGID)
			out[1].lo.id--;
		else
			out[1].lo.time_ms--, out[1].lo.id = INT64_MAX;
		out[1].limit = limit - out[0].limit;
		return 2;
	case HQ_BETWEEN:
		if (a->kind == HQ_STAR || b == NULL || b->kind == HQ_STAR)
			return -1;
		pa.time_ms = a->time_ms;
		pa.id = a->kind == HQ_TIME ? 0 : a->id;
		pb.time_ms = b->time_ms;
		pb.id = b->kind == HQ_TIME ? 0 : b->id;
		out[0].has_lo = out[0].has_hi = 1;
		if (pos_less(pb, pa)) {
			/* backwards: the lines nearest a, going back */
			out[0].newest = 1;
			out[0].lo = lower(b);
			out[0].hi = upper(a);
		} else {
			out[0].lo = lower(a);
			out[0].hi = upper(b);
		}
		return 1;
	default:
		return -1;
	}
}

int
histq_search_parse(char *attrs, struct histq_search *q, const char **bad)
{
	char *kv, *save = NULL, *v;

	memset(q, 0, sizeof(*q));
	q->limit = 100;
	*bad = "*";
	for (kv = strtok_r(attrs, ";", &save); kv != NULL;
	    kv = strtok_r(NULL, ";", &save)) {
		if ((v = strchr(kv, '=')) != NULL)
			*v++ = '\0';
		else
			v = kv + strlen(kv);	/* "key" alone: empty */
		(void)irc_tag_unescape(v);
		*bad = kv;
		if (strcmp(kv, "in") == 0) {
			if (*v == '\0')
				return -1;
			q->in = v;
		} else if (strcmp(kv, "from") == 0) {
			if (*v == '\0' || strlen(v) > 64)
				return -1;
			q->from = v;
		} else if (strcmp(kv, "text") == 0) {
			if (*v == '\0' || strlen(v) > 400)
				return -1;
			q->text = v;
		} else if (strcmp(kv, "after") == 0) {
			if (histq_timestamp(v, &q->after_ms) == -1)
				return -1;
		} else if (strcmp(kv, "before") == 0) {
			if (histq_timestamp(v, &q->before_ms) == -1)
				return -1;
		} else if (strcmp(kv, "limit") == 0) {
			if (histq_limit(v, HISTQ_LIMIT_MAX, &q->limit) == -1)
				return -1;
		}
		/* other attributes: not ours, ignored */
	}
	*bad = NULL;
	return 0;
}
