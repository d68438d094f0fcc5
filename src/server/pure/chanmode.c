/*
 * chanmode.c -- parse, apply and format channel modes (see chanmode.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chanmode.h"
#include "roster.h"
#include "valid.h"

#define LIMIT_MAX	1000000		/* the largest +l taken */

enum mode_kind { KIND_NONE, KIND_LIST, KIND_KEY, KIND_LIMIT, KIND_FLAG,
	KIND_PREFIX };

static enum mode_kind
kind_of(int letter)
{
	switch (letter) {
	case 'b':
	case 'e':
	case 'I':
		return KIND_LIST;
	case 'k':
		return KIND_KEY;
	case 'l':
		return KIND_LIMIT;
	case 'i':
	case 'm':
	case 'n':
	case 's':
	case 't':
		return KIND_FLAG;
	case 'o':
	case 'v':
		return KIND_PREFIX;
	}
	return KIND_NONE;
}

int
chanmode_known(int letter)
{
	return kind_of(letter) != KIND_NONE;
}

static int
takes_param(enum mode_kind k, char sign)
{
	return k == KIND_LIST || k == KIND_KEY || k == KIND_PREFIX ||
	    (k == KIND_LIMIT && sign == '+');
}

static void
add_bad(struct chanmode_parse *out, char sign, char letter,
    enum chanmode_err err, const char *param)
{
	if (out->nbad < MODES_MAX)
		out->bad[out->nbad++] = (struct chanmode_bad){ sign, letter,
		    err, param };
}

static void
add_list_query(struct chanmode_parse *out, char letter)
{
	size_t n = strlen(out->lists);

	if (strchr(out->lists, letter) == NULL && n < sizeof(out->lists) - 1) {
		out->lists[n] = letter;
		out->lists[n + 1] = '\0';
	}
}

void
chanmode_parse(const char *modes, char *const *params, unsigned nparams,
    struct chanmode_parse *out)
{
	const char *p;
	char sign = '+';
	unsigned next = 0;
	enum mode_kind k;

	memset(out, 0, sizeof(*out));
	for (p = modes; *p != '\0'; p++) {
		if (*p == '+' || *p == '-') {
			sign = *p;
			continue;
		}
		if ((k = kind_of((unsigned char)*p)) == KIND_NONE) {
			add_bad(out, sign, *p, CHANMODE_UNKNOWN, NULL);
			continue;
		}
		if (!takes_param(k, sign)) {
			if (out->n < MODES_MAX)
				out->ch[out->n++] = (struct chanmode_change){
				    sign, *p, NULL };
			else
				out->dropped++;
			continue;
		}
		if (next >= nparams) {
			if (k == KIND_LIST)
				add_list_query(out, *p);
			else if (k == KIND_KEY && sign == '-' &&
			    out->n < MODES_MAX)
				out->ch[out->n++] = (struct chanmode_change){
				    sign, *p, NULL };	/* -k needs no key */
			else
				add_bad(out, sign, *p, CHANMODE_NEEDPARAM,
				    NULL);
			continue;
		}
		if (out->n < MODES_MAX)
			out->ch[out->n++] = (struct chanmode_change){ sign, *p,
			    params[next] };
		else
			out->dropped++;
		next++;
	}
}

/* --- apply ------------------------------------------------------------------ */

static const uint32_t flag_bits[128] = {
	['i'] = CMODE_INVITE, ['m'] = CMODE_MODERATED,
	['n'] = CMODE_NOEXTERNAL, ['s'] = CMODE_SECRET,
	['t'] = CMODE_TOPICLOCK,
};

static enum chanmode_err
apply_flag(struct roster_chan *ch, const struct chanmode_change *c)
{
	uint32_t bit = flag_bits[(unsigned char)c->letter & 0x7f];
	int on = c->sign == '+';

	if (((ch->modes & bit) != 0) == on)
		return CHANMODE_NOCHANGE;
	if (on)
		ch->modes |= bit;
	else
		ch->modes &= ~bit;
	return CHANMODE_OK;
}

/* A key is 1..KEY_MAX bytes of printable text without space or comma. */
static int
key_ok(const char *k)
{
	const unsigned char *p;

	if (*k == '\0' || strlen(k) > KEY_MAX)
		return 0;
	for (p = (const unsigned char *)k; *p != '\0'; p++)
		if (*p <= ' ' || *p == ',' || *p == 0x7f)
			return 0;
	return 1;
}

static enum chanmode_err
apply_key(struct roster_chan *ch, const struct chanmode_change *c,
    struct chanmode_done *d)
{
	if (c->sign == '-') {
		if (ch->key[0] == '\0')
			return CHANMODE_NOCHANGE;
		snprintf(d->param, sizeof(d->param), "%s", ch->key);
		ch->key[0] = '\0';
		return CHANMODE_OK;
	}
	if (ch->key[0] != '\0')
		return CHANMODE_KEYSET;
	if (!key_ok(c->param))
		return CHANMODE_BADPARAM;
	snprintf(ch->key, sizeof(ch->key), "%s", c->param);
	snprintf(d->param, sizeof(d->param), "%s", ch->key);
	return CHANMODE_OK;
}

static enum chanmode_err
apply_limit(struct roster_chan *ch, const struct chanmode_change *c,
    struct chanmode_done *d)
{
	char *end;
	long v;

	if (c->sign == '-') {
		if (ch->limit == 0)
			return CHANMODE_NOCHANGE;
		ch->limit = 0;
		return CHANMODE_OK;
	}
	v = strtol(c->param, &end, 10);
	if (end == c->param || *end != '\0' || v <= 0 || v > LIMIT_MAX)
		return CHANMODE_BADPARAM;
	if (ch->limit == (uint32_t)v)
		return CHANMODE_NOCHANGE;
	ch->limit = (uint32_t)v;
	snprintf(d->param, sizeof(d->param), "%ld", v);
	return CHANMODE_OK;
}

static enum chanmode_err
apply_list(struct roster *r, int32_t chan, const struct chanmode_change *c,
    const char *by, int64_t now, struct chanmode_done *d)
{
	char mask[MASK_MAX + 1];
	enum roster_err rc;

	if (irc_mask_normalize(mask, sizeof(mask), c->param) == 0)
		return CHANMODE_BADPARAM;
	if (c->sign == '+')
		rc = roster_list_add(r, chan, c->letter, mask, by, now);
	else
		rc = roster_list_del(r, chan, c->letter, mask);
	if (rc == ROSTER_LIST_FULL)
		return CHANMODE_LISTFULL;
	if (rc != ROSTER_OK)
		return CHANMODE_NOCHANGE;	/* there already / not there */
	snprintf(d->param, sizeof(d->param), "%s", mask);
	return CHANMODE_OK;
}

static enum chanmode_err
apply_prefix(struct roster *r, int32_t chan, const struct chanmode_change *c,
    struct chanmode_done *d)
{
	unsigned bit = c->letter == 'o' ? MEMBER_OP : MEMBER_VOICE;
	struct roster_user *u;
	int32_t slot;
	int priv;

	if ((u = roster_find_registered(r, c->param, &slot)) == NULL)
		return CHANMODE_NOSUCHNICK;
	if ((priv = roster_member_priv(r, slot, chan)) < 0)
		return CHANMODE_NOTONCHAN;
	if (((priv & (int)bit) != 0) == (c->sign == '+'))
		return CHANMODE_NOCHANGE;
	priv = c->sign == '+' ? priv | (int)bit : priv & ~(int)bit;
	roster_member_set_priv(r, slot, chan, (unsigned)priv);
	snprintf(d->param, sizeof(d->param), "%s", u->nick);
	d->slot = slot;
	return CHANMODE_OK;
}

enum chanmode_err
chanmode_apply(struct roster *r, int32_t chan, const struct chanmode_change *c,
    const char *by, int64_t now, struct chanmode_done *d)
{
	struct roster_chan *ch = roster_chan(r, chan);

	d->sign = c->sign;
	d->letter = c->letter;
	d->param[0] = '\0';
	d->slot = -1;
	if (ch == NULL)
		return CHANMODE_NOCHANGE;
	switch (kind_of((unsigned char)c->letter)) {
	case KIND_FLAG:
		return apply_flag(ch, c);
	case KIND_KEY:
		return apply_key(ch, c, d);
	case KIND_LIMIT:
		return apply_limit(ch, c, d);
	case KIND_LIST:
		return c->param != NULL ? apply_list(r, chan, c, by, now, d) :
		    CHANMODE_NEEDPARAM;
	case KIND_PREFIX:
		return c->param != NULL ? apply_prefix(r, chan, c, d) :
		    CHANMODE_NEEDPARAM;
	case KIND_NONE:
		break;
	}
	return CHANMODE_UNKNOWN;
}

/* --- formatting -------------------------------------------------------------- */

int
chanmode_format(const struct chanmode_done *d, unsigned n, unsigned *at,
    size_t room, char *modes, size_t modessz, char *params, size_t paramssz)
{
	size_t ml = 0, pl = 0, plen;
	char sign = 0;
	unsigned i;

	if (*at >= n || modessz < 4 || paramssz < 2)
		return -1;
	modes[0] = params[0] = '\0';
	for (i = *at; i < n; i++) {
		plen = strlen(d[i].param);
		/* the sign, the letter, a space and the parameter */
		if (i > *at && ml + 2 + pl + 1 + plen + 1 > room)
			break;
		if (ml + 3 > modessz || pl + plen + 2 > paramssz)
			break;
		if (d[i].sign != sign) {
			modes[ml++] = d[i].sign;
			sign = d[i].sign;
		}
		modes[ml++] = d[i].letter;
		modes[ml] = '\0';
		if (plen > 0) {
			if (pl > 0)
				params[pl++] = ' ';
			memcpy(params + pl, d[i].param, plen);
			pl += plen;
			params[pl] = '\0';
		}
	}
	if (i == *at)
		return -1;
	*at = i;
	return 0;
}

void
chanmode_show(struct roster *r, int32_t chan, int with_params, char *out,
    size_t outsz)
{
	static const char letters[] = "imnst";
	struct roster_chan *ch = roster_chan(r, chan);
	size_t n = 0;
	const char *l;

	if (outsz < 2)
		return;
	out[n++] = '+';
	out[n] = '\0';
	if (ch == NULL)
		return;
	for (l = letters; *l != '\0' && n < outsz - 1; l++)
		if (ch->modes & flag_bits[(unsigned char)*l])
			out[n++] = *l;
	if (ch->key[0] != '\0' && n < outsz - 1)
		out[n++] = 'k';
	if (ch->limit != 0 && n < outsz - 1)
		out[n++] = 'l';
	out[n] = '\0';
	if (!with_params)
		return;
	if (ch->key[0] != '\0')
		n += (size_t)snprintf(out + n, outsz - n, " %s", ch->key);
	if (ch->limit != 0 && n < outsz)
		(void)snprintf(out + n, outsz - n, " %u", ch->limit);
}
