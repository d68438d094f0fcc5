/*
 * backbone.c -- the NATS link of a relay in cluster mode (backbone.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backbone.h"
#include "bounds.h"

#ifndef HAVE_NATS

int
bb_available(void)
{
	return 0;
}

int
bb_start(const struct config *cfg, const char *node, uint64_t boot,
    uint64_t start, const void *hello, size_t hellolen, const char *msgid,
    const struct bb_ops *ops, char *err, size_t errsz)
{
	(void)cfg;
	(void)node;
	(void)boot;
	(void)start;
	(void)hello;
	(void)hellolen;
	(void)msgid;
	(void)ops;
	snprintf(err, errsz, "this keochatd was built without NATS "
	    "(libnats-dev); backbone must be local");
	return -1;
}

int
bb_drain(void)
{
	return 0;
}

int
bb_publish(const char *subject, const void *data, size_t len,
    const char *msgid)
{
	(void)subject;
	(void)data;
	(void)len;
	(void)msgid;
	return -1;
}

int
bb_nick(enum bb_nick_op op, const char *key, const char *owner,
    uint64_t rev, const char *token)
{
	(void)op;
	(void)key;
	(void)owner;
	(void)rev;
	(void)token;
	return -1;
}

int
bb_alive(const char *node, uint64_t boot)
{
	(void)node;
	(void)boot;
	return -1;
}

size_t
bb_inflight(void)
{
	return 0;
}

void
bb_stop(void)
{
}

#else /* HAVE_NATS */

#include <sys/eventfd.h>

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <time.h>
#include <unistd.h>

#include <nats/nats.h>

#define PUB_QUEUE_MAX	20000	/* publishes queued or in flight */
#define IN_QUEUE_MAX	(64u << 20)	/* bytes of stream messages waiting */
#define PUB_WAIT_MS	1000	/* an answer not come: publish again */
#define PUB_GIVE_UP_MS	15000	/* still not kept: refused (a stream
				 * leader lost takes NATS 2.9 a few
				 * seconds to elect again, more on a busy
				 * machine) */
#define API_WAIT_MS	5000	/* stream and consumer requests */
#define PUB_AGAIN_MS	100	/* between tries of one message */
#define RETRY_MS	1000	/* between connection and set-up tries */
#define DUP_WINDOW_NS	(120LL * 1000000000LL)
#define HEARTBEAT_NS	1000000000LL	/* the consumer's, from the stream */
#define STALL_MS	8000	/* nothing read while the stream grew
				 * (libnats makes a new consumer when
				 * heartbeats stop; this is for when it
				 * does not): read it again from here */
#define CHECK_MS	1000	/* how often that is looked at */
#define TICK_MS		250	/* the thread's clock */
#define LEASE_EVERY_MS	1000	/* a host says it lives */
#define LEASE_MS	3000	/* not heard this long: gone */
#define SELF_FRESH_MS	1500	/* and only if we heard ourselves */
#define REGAIN_MS	10000	/* back from being cut off: the others get
				 * this long to be heard again */
#define HOSTS_MAX	256	/* hosts whose leases are watched */
#define NICK_WAIT_MS	5000	/* a claim waits this long for the bucket */
#define FREE_AGAIN_MS	1000	/* a FREE that failed: again after */
#define FREE_GIVE_UP_MS	600000	/* and at most for */
#define NICK_TRIES	4	/* writes of one claim (a key freed or
				 * taken meanwhile) */
#define NICK_QUEUE_MAX	20000	/* nick operations waiting */

/* The lease of another host, as last heard. */
struct lease {
	char		 node[64];
	uint64_t	 boot;
	int64_t		 heard_ms;
};

enum item_type { I_MSG, I_ACK, I_STATE, I_LOG, I_GONE, I_NICK };

/* A report for the relay's thread. */
struct item {
	struct item	*next;
	enum item_type	 type;
	uint64_t	 seq;
	int64_t		 time_ms;
	int		 ok, dup, warn;
	char		 subject[BB_SUBJECT_MAX];
	char		 msgid[BB_MSGID_MAX];
	char		 text[160];	/* I_ACK: why refused; I_LOG: the line;
					 * I_GONE: the host (seq: its boot);
					 * I_NICK: the holder, or why not
					 * (subject: the key, msgid: the
					 * token, ok: the answer, seq: the
					 * revision) */
	size_t		 len;
	uint8_t		 data[];
};

/* A publish the stream did not take: tried again (same Nats-Msg-Id, so
 * a copy it had kept after all is not kept twice) until PUB_GIVE_UP_MS
 * after the first try. */
struct again {
	struct again	*next;
	natsMsg		*msg;
	int64_t		 first_ms, due_ms;
};

/* A publish for the link's thread. */
struct req {
	struct req	*next;
	char		 subject[BB_SUBJECT_MAX];
	char		 msgid[BB_MSGID_MAX];
	size_t		 len;
	uint8_t		 data[];
};

/* A nick operation for the claims thread. */
struct nreq {
	struct nreq	*next;
	enum bb_nick_op	 op;
	char		 key[2 * NICK_MAX + 1];
	char		 owner[BB_OWNER_MAX];
	char		 token[BB_MSGID_MAX];
	uint64_t	 rev;
	int64_t		 since_ms, due_ms;
};

static struct {
	struct bb_ops	 ops;
	struct config	 cfg;
	char		 node[64];
	char		 password[256];
	uint64_t	 start;
	int		 efd;
	pthread_t	 thread;
	int		 running;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;		/* requests arrived, or stop */
	pthread_cond_t	 room;		/* the relay took stream messages */
	struct item	*in, **intail;
	struct item	*left, **lefttail;	/* the relay's: not yet taken */
	size_t		 inbytes;	/* stream messages in both lists */
	struct req	*req, **reqtail;
	struct again	*again, **againtail;
	size_t		 inflight;	/* queued or not yet acknowledged */
	int		 stopping;
	natsConnection	*nc;
	jsCtx		*js;
	natsSubscription *sub;
	struct lease	 leases[HOSTS_MAX];
	unsigned	 nleases;
	int64_t		 self_ms;	/* our own lease came back */
	int		 blind;		/* it did not for a while */
	int		 lease_failed;	/* said once */
	int64_t		 leased_ms;	/* we last sent it */
	natsSubscription *lsub;
	char		 lease_subj[BB_SUBJECT_MAX];
	uint64_t	 boot;
	uint64_t	 last_seq;	/* the last stream message queued */
	int64_t		 last_msg_ms;	/* when one last came */
	int64_t		 checked_ms;	/* when the reader was last checked */
	uint64_t	 first_last;	/* the stream's last one at set-up */
	uint8_t		 hello[256];	/* the host's first message */
	size_t		 hellolen;
	char		 hello_id[BB_MSGID_MAX];
	kvStore		*kv;		/* the nick bucket, once set up */
	pthread_t	 nthread;	/* the claims thread */
	int		 nrunning;
	pthread_cond_t	 ncv;		/* nick requests, the bucket, stop */
	struct nreq	*nreq, **nreqtail;
	size_t		 nreqs;		/* in the list */
	int64_t		 leases_since;	/* we have listened since */
} B = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER,
	.room = PTHREAD_COND_INITIALIZER, .ncv = PTHREAD_COND_INITIALIZER,
	.efd = -1 };

int
bb_available(void)
{
	return 1;
}

/* --- the queue to the relay ------------------------------------------------ */

static void
wake(void)
{
	uint64_t one = 1;

	/* a full counter still wakes the reader: nothing to do on EAGAIN */
	if (write(B.efd, &one, sizeof(one)) == -1 && errno != EAGAIN)
		abort();
}

/* Called with B.mu held. */
static void
push_locked(struct item *it)
{
	it->next = NULL;
	*B.intail = it;
	B.intail = &it->next;
	if (it->type == I_MSG)
		B.inbytes += it->len;
	wake();
}

static void
push(struct item *it)
{
	pthread_mutex_lock(&B.mu);
	push_locked(it);
	pthread_mutex_unlock(&B.mu);
}

static struct item *
item_new(enum item_type type, size_t len)
{
	struct item *it = calloc(1, sizeof(*it) + len);

	if (it == NULL)
		abort();	/* libnats's thread: no way to go on */
	it->type = type;
	it->len = len;
	return it;
}

static void bblog(int, const char *, ...) __attribute__((format(printf, 2,
    3)));

static void
bblog(int warn, const char *fmt, ...)
{
	struct item *it = item_new(I_LOG, 0);
	va_list ap;

	it->warn = warn;
	va_start(ap, fmt);
	vsnprintf(it->text, sizeof(it->text), fmt, ap);
	va_end(ap);
	push(it);
}

static void
post_state(int up, uint64_t last)
{
	struct item *it = item_new(I_STATE, 0);

	it->ok = up;
	it->seq = last;
	push(it);
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		abort();
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- libnats's callbacks (its threads) ------------------------------------- */

static void
on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *arg)
{
	jsMsgMetaData *meta = NULL;
	const char *subj = natsMsg_GetSubject(msg);
	int len = natsMsg_GetDataLength(msg);
	struct item *it;

	(void)nc;
	(void)sub;
	(void)arg;
	if (natsMsg_GetMetaData(&meta, msg) != NATS_OK || len < 0 ||
	    subj == NULL || strlen(subj) >= BB_SUBJECT_MAX) {
		bblog(1, "backbone: a stream message without its metadata "
		    "or with a bad subject dropped");
		natsMsg_Destroy(msg);
		return;
	}
	it = item_new(I_MSG, (size_t)len);
	it->seq = meta->Sequence.Stream;
	it->time_ms = meta->Timestamp / 1000000;
	snprintf(it->subject, sizeof(it->subject), "%s", subj);
	if (len > 0)
		memcpy(it->data, natsMsg_GetData(msg), (size_t)len);
	jsMsgMetaData_Destroy(meta);
	natsMsg_Destroy(msg);
	pthread_mutex_lock(&B.mu);
	/* the relay is behind: hold libnats back (flow control reaches the
	 * stream) rather than queue without bound */
	while (B.inbytes > IN_QUEUE_MAX && !B.stopping)
		pthread_cond_wait(&B.room, &B.mu);
	if (it->seq > B.last_seq)
		B.last_seq = it->seq;
	B.last_msg_ms = mono_ms();
	push_locked(it);
	pthread_mutex_unlock(&B.mu);
}

/* When msg was first published (its Keochat-Since header), or -1. */
static int64_t
first_try(natsMsg *msg)
{
	const char *v = NULL;
	char *end;
	long long t;

	if (natsMsgHeader_Get(msg, "Keochat-Since", &v) != NATS_OK ||
	    v == NULL)
		return -1;
	t = strtoll(v, &end, 10);
	return *end == '\0' ? (int64_t)t : -1;
}

/* a goes to the end of the publishes to try again, due PUB_AGAIN_MS
 * after now. */
static void
again_push(struct again *a, int64_t now)
{
	a->next = NULL;
	a->due_ms = now + PUB_AGAIN_MS;
	pthread_mutex_lock(&B.mu);
	*B.againtail = a;
	B.againtail = &a->next;
	pthread_cond_signal(&B.cv);
	pthread_mutex_unlock(&B.mu);
}

static void
on_ack(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *arg)
{
	const char *id = NULL;
	struct item *it;
	struct again *a;
	int64_t first, now;

	(void)js;
	(void)arg;
	if (pae != NULL && (first = first_try(msg)) >= 0 &&
	    (now = mono_ms()) - first < PUB_GIVE_UP_MS &&
	    (a = malloc(sizeof(*a))) != NULL) {
		/* no answer, or no stream to answer yet: again, a bit later */
		a->msg = msg;
		a->first_ms = first;
		again_push(a, now);
		return;
	}
	it = item_new(I_ACK, 0);
	if (natsMsgHeader_Get(msg, "Nats-Msg-Id", &id) == NATS_OK &&
	    id != NULL)
		snprintf(it->msgid, sizeof(it->msgid), "%s", id);
	if (pae == NULL && pa != NULL) {
		it->ok = 1;
		it->seq = pa->Sequence;
		it->dup = pa->Duplicate;
	} else if (pae != NULL)
		snprintf(it->text, sizeof(it->text), "%s",
		    pae->Err == NATS_TIMEOUT ? "the stream did not answer" :
		    pae->ErrText != NULL ? pae->ErrText :
		    natsStatus_GetText(pae->Err));
	else
		snprintf(it->text, sizeof(it->text), "no answer");
	natsMsg_Destroy(msg);
	pthread_mutex_lock(&B.mu);
	if (B.inflight > 0)
		B.inflight--;
	push_locked(it);
	pthread_mutex_unlock(&B.mu);
}

static void
on_disconnected(natsConnection *nc, void *arg)
{
	(void)nc;
	(void)arg;
	bblog(1, "backbone: lost the NATS server; reconnecting");
	post_state(0, 0);
}

static void
on_reconnected(natsConnection *nc, void *arg)
{
	char url[256];

	(void)arg;
	if (natsConnection_GetConnectedUrl(nc, url, sizeof(url)) != NATS_OK)
		snprintf(url, sizeof(url), "?");
	bblog(0, "backbone: connected again, to %s", url);
	post_state(1, 0);
}

static void
on_error(natsConnection *nc, natsSubscription *sub, natsStatus s, void *arg)
{
	(void)nc;
	(void)sub;
	(void)arg;
	bblog(1, "backbone: %s", natsStatus_GetText(s));
}

/* Called with B.mu held: host node's boot is gone. */
static void
gone_locked(const char *node, uint64_t boot)
{
	struct item *it = item_new(I_GONE, 0);

	snprintf(it->text, sizeof(it->text), "%s", node);
	it->seq = boot;
	push_locked(it);
}

/* "keochat-lease.NODE" with the host's boot in decimal. */
static void
on_lease(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *arg)
{
	const char *subj = natsMsg_GetSubject(msg), *node;
	const char *data = natsMsg_GetData(msg);
	int len = natsMsg_GetDataLength(msg), i;
	char text[24], *end;
	unsigned long long boot;
	struct lease *l = NULL;
	unsigned k;

	(void)nc;
	(void)sub;
	(void)arg;
	if (subj == NULL || strncmp(subj, "keochat-lease.", 14) != 0 ||
	    len <= 0 || len >= (int)sizeof(text)) {
		natsMsg_Destroy(msg);
		return;
	}
	node = subj + 14;
	memcpy(text, data, (size_t)len);
	text[len] = '\0';
	boot = strtoull(text, &end, 10);
	for (i = 0; node[i] != '\0'; i++)
		if ((unsigned char)node[i] < 0x21 ||
		    (unsigned char)node[i] > 0x7e)
			break;
	if (*end != '\0' || boot == 0 || node[i] != '\0' || i == 0 ||
	    i >= (int)sizeof(l->node)) {
		natsMsg_Destroy(msg);	/* not a lease of ours: ignored */
		return;
	}
	pthread_mutex_lock(&B.mu);
	if (strcmp(node, B.node) == 0) {
		if (boot == B.boot)
			B.self_ms = mono_ms();
		/* another boot of our node name: a host started again (its
		 * users are this boot's no more), or two hosts share a name */
		pthread_mutex_unlock(&B.mu);
		natsMsg_Destroy(msg);
		return;
	}
	for (k = 0; k < B.nleases; k++)
		if (strcmp(B.leases[k].node, node) == 0)
			l = &B.leases[k];
	if (l != NULL && l->boot != boot) {
		gone_locked(l->node, l->boot);	/* it started again */
		l->boot = boot;
	}
	if (l == NULL && B.nleases < HOSTS_MAX) {
		struct item *it = item_new(I_LOG, 0);

		l = &B.leases[B.nleases++];
		snprintf(l->node, sizeof(l->node), "%s", node);
		l->boot = boot;
		snprintf(it->text, sizeof(it->text), "backbone: host %s (boot "
		    "%llu) holds a lease", node, boot);
		push_locked(it);
	}
	if (l != NULL)
		l->heard_ms = mono_ms();
	pthread_mutex_unlock(&B.mu);
	natsMsg_Destroy(msg);
}

/* --- the link's thread ----------------------------------------------------- */

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static int
stopping(void)
{
	int s;

	pthread_mutex_lock(&B.mu);
	s = B.stopping;
	pthread_mutex_unlock(&B.mu);
	return s;
}

static natsOptions *
options(void)
{
	char urls[CONF_BACKBONE_URLS][CONF_ADDR_MAX + 16];
	const char *list[CONF_BACKBONE_URLS];
	natsOptions *o = NULL;
	int n, i;

	if ((n = config_backbone_urls(B.cfg.backbone, urls,
	    CONF_BACKBONE_URLS)) <= 0)
		return NULL;
	for (i = 0; i < n; i++)
		list[i] = urls[i];
	if (natsOptions_Create(&o) != NATS_OK)
		return NULL;
	if (natsOptions_SetServers(o, list, n) != NATS_OK ||
	    natsOptions_SetName(o, B.node) != NATS_OK ||
	    natsOptions_SetMaxReconnect(o, -1) != NATS_OK ||
	    natsOptions_SetReconnectWait(o, 250) != NATS_OK ||
	    natsOptions_SetTimeout(o, 2000) != NATS_OK ||
	    natsOptions_SetPingInterval(o, 2000) != NATS_OK ||
	    natsOptions_SetMaxPingsOut(o, 2) != NATS_OK ||
	    natsOptions_SetDisconnectedCB(o, on_disconnected, NULL) !=
	    NATS_OK ||
	    natsOptions_SetReconnectedCB(o, on_reconnected, NULL) != NATS_OK ||
	    natsOptions_SetErrorHandler(o, on_error, NULL) != NATS_OK ||
	    (B.cfg.backbone_user[0] != '\0' && natsOptions_SetUserInfo(o,
	    B.cfg.backbone_user, B.password) != NATS_OK) ||
	    (B.cfg.backbone_tls_ca[0] != '\0' &&
	    (natsOptions_SetSecure(o, true) != NATS_OK ||
	    natsOptions_LoadCATrustedCertificates(o, B.cfg.backbone_tls_ca) !=
	    NATS_OK))) {
		natsOptions_Destroy(o);
		return NULL;
	}
	return o;
}

static int
connect_once(void)
{
	natsOptions *o = options();
	natsStatus s;

	if (o == NULL) {
		bblog(1, "backbone: cannot set up the NATS options: %s",
		    nats_GetLastError(NULL));
		return -1;
	}
	s = natsConnection_Connect(&B.nc, o);
	natsOptions_Destroy(o);
	if (s != NATS_OK) {
		B.nc = NULL;
		/* the text names the server and the cause, never the password */
		bblog(1, "backbone: cannot connect to %s: %s", B.cfg.backbone,
		    natsStatus_GetText(s));
		return -1;
	}
	return 0;
}

static int
ensure_stream(void)
{
	static const char *subjects[] = { "keochat.>" };
	jsStreamInfo *si = NULL;
	jsStreamConfig sc;
	jsErrCode jerr = 0;
	natsStatus s;

	s = js_GetStreamInfo(&si, B.js, BB_STREAM, NULL, &jerr);
	if (s == NATS_OK) {
		B.first_last = si->State.LastSeq;
		if (si->Config != NULL && si->Config->Replicas !=
		    (int64_t)B.cfg.backbone_replicas)
			bblog(1, "backbone: stream %s has %lld replicas, not the "
			    "%u of backbone-replicas (kept as it is)",
			    BB_STREAM, (long long)si->Config->Replicas,
			    B.cfg.backbone_replicas);
		jsStreamInfo_Destroy(si);
		return 0;
	}
	if (s != NATS_NOT_FOUND) {
		bblog(1, "backbone: stream %s: %s (%d)", BB_STREAM,
		    natsStatus_GetText(s), (int)jerr);
		return -1;
	}
	jsStreamConfig_Init(&sc);
	sc.Name = BB_STREAM;
	sc.Subjects = subjects;
	sc.SubjectsLen = 1;
	sc.Storage = js_FileStorage;
	sc.Replicas = (int64_t)B.cfg.backbone_replicas;
	sc.Duplicates = DUP_WINDOW_NS;
	sc.MaxAge = (int64_t)B.cfg.history_max_days * 86400LL * 1000000000LL;
	sc.MaxMsgsPerSubject = B.cfg.history_max_lines > 0 ?
	    (int64_t)B.cfg.history_max_lines : -1;
	s = js_AddStream(&si, B.js, &sc, NULL, &jerr);
	if (s != NATS_OK) {
		bblog(1, "backbone: cannot make stream %s with %u replicas: "
		    "%s (%d)", BB_STREAM, B.cfg.backbone_replicas,
		    nats_GetLastError(NULL) != NULL ? nats_GetLastError(NULL) :
		    natsStatus_GetText(s), (int)jerr);
		return -1;
	}
	jsStreamInfo_Destroy(si);
	bblog(0, "backbone: made stream %s (%u replicas)", BB_STREAM,
	    B.cfg.backbone_replicas);
	return 0;
}

/* The nick bucket: made by the first host, used as it is by the rest. */
static int
ensure_nicks(void)
{
	kvStore *kv = NULL;
	kvConfig kc;
	natsStatus s;

	if ((s = js_KeyValue(&kv, B.js, BB_NICKS)) != NATS_OK) {
		if (s != NATS_NOT_FOUND) {
			bblog(1, "backbone: bucket %s: %s", BB_NICKS,
			    natsStatus_GetText(s));
			return -1;
		}
		kvConfig_Init(&kc);
		kc.Bucket = BB_NICKS;
		kc.Description = "keochat nick claims: nick -> NODE BOOT SLOT GEN";
		kc.History = 1;
		kc.MaxValueSize = BB_OWNER_MAX;
		kc.StorageType = js_FileStorage;
		kc.Replicas = (int)B.cfg.backbone_replicas;
		if ((s = js_CreateKeyValue(&kv, B.js, &kc)) != NATS_OK) {
			bblog(1, "backbone: cannot make bucket %s with %u "
			    "replicas: %s", BB_NICKS, B.cfg.backbone_replicas,
			    nats_GetLastError(NULL) != NULL ?
			    nats_GetLastError(NULL) : natsStatus_GetText(s));
			return -1;
		}
		bblog(0, "backbone: made bucket %s (%u replicas)", BB_NICKS,
		    B.cfg.backbone_replicas);
	}
	pthread_mutex_lock(&B.mu);
	B.kv = kv;
	pthread_cond_broadcast(&B.ncv);
	pthread_mutex_unlock(&B.mu);
	return 0;
}

static int
subscribe(void)
{
	jsSubOptions so;
	jsErrCode jerr = 0;
	natsStatus s;

	jsSubOptions_Init(&so);
	so.Stream = BB_STREAM;
	so.Ordered = true;
	so.Config.Heartbeat = HEARTBEAT_NS;
	so.Config.FlowControl = true;
	pthread_mutex_lock(&B.mu);
	if (B.last_seq > 0) {
		so.Config.DeliverPolicy = js_DeliverByStartSequence;
		so.Config.OptStartSeq = B.last_seq + 1;
	} else if (B.start > 0) {
		so.Config.DeliverPolicy = js_DeliverByStartSequence;
		so.Config.OptStartSeq = B.start;
	} else
		so.Config.DeliverPolicy = js_DeliverAll;
	B.last_msg_ms = mono_ms();	/* the reader's time starts now */
	pthread_mutex_unlock(&B.mu);
	s = js_Subscribe(&B.sub, B.js, "keochat.>", on_msg, NULL, NULL, &so,
	    &jerr);
	if (s != NATS_OK) {
		bblog(1, "backbone: cannot read stream %s: %s (%d)", BB_STREAM,
		    natsStatus_GetText(s), (int)jerr);
		B.sub = NULL;
		return -1;
	}
	return 0;
}

/* An ordered consumer lives on one NATS server: when that one dies,
 * libnats does not always make a new one.  Once a second without a
 * message: if the stream has more than was read, and nothing came for
 * STALL_MS, read it again from the next message. */
static void
check_reader(void)
{
	jsStreamInfo *si = NULL;
	jsErrCode jerr = 0;
	uint64_t last, have;
	int64_t now = mono_ms(), quiet;

	if (now - B.checked_ms < CHECK_MS || B.js == NULL)
		return;
	B.checked_ms = now;
	pthread_mutex_lock(&B.mu);
	have = B.last_seq;
	quiet = now - B.last_msg_ms;
	pthread_mutex_unlock(&B.mu);
	if (quiet < STALL_MS || js_GetStreamInfo(&si, B.js, BB_STREAM, NULL,
	    &jerr) != NATS_OK)
		return;
	last = si->State.LastSeq;
	jsStreamInfo_Destroy(si);
	if (last <= have)
		return;
	bblog(1, "backbone: reading the stream stalled at message %llu of "
	    "%llu; reading it again from there", (unsigned long long)have,
	    (unsigned long long)last);
	if (B.sub != NULL) {
		(void)natsSubscription_Unsubscribe(B.sub);
		natsSubscription_Destroy(B.sub);
		B.sub = NULL;
	}
	pthread_mutex_lock(&B.mu);
	B.last_msg_ms = now;	/* give the new reader its time */
	pthread_mutex_unlock(&B.mu);
	(void)subscribe();
}

/* Say we live, and tell the relay of hosts not heard for LEASE_MS, as
 * long as our own lease comes back (a host cut off from NATS must not
 * take everyone else for gone). */
static void
lease_tick(void)
{
	char boot[24];
	int64_t now = mono_ms();
	unsigned k;

	if (B.nc == NULL || B.lsub == NULL)
		return;
	if (now - B.leased_ms >= LEASE_EVERY_MS) {
		B.leased_ms = now;
		snprintf(boot, sizeof(boot), "%llu", (unsigned long long)B.boot);
		if (natsConnection_PublishString(B.nc, B.lease_subj, boot) !=
		    NATS_OK && !B.lease_failed) {
			B.lease_failed = 1;
			bblog(1, "backbone: cannot send this host's lease: %s",
			    nats_GetLastError(NULL));
		}
	}
	pthread_mutex_lock(&B.mu);
	if (now - B.self_ms >= SELF_FRESH_MS) {
		if (!B.blind) {
			struct item *it = item_new(I_LOG, 0);

			it->warn = 1;
			snprintf(it->text, sizeof(it->text), "backbone: this "
			    "host's own lease does not come back: no other "
			    "host is taken for gone meanwhile");
			push_locked(it);
		}
		B.blind = 1;	/* we hear no one, ourselves included */
	} else if (B.blind) {
		/* back from being cut off: the others get their time again
		 * before anyone is taken for gone */
		B.blind = 0;
		for (k = 0; k < B.nleases; k++)
			B.leases[k].heard_ms = now + REGAIN_MS - LEASE_MS;
	} else
		for (k = 0; k < B.nleases; k++) {
			if (now - B.leases[k].heard_ms < LEASE_MS)
				continue;
			gone_locked(B.leases[k].node, B.leases[k].boot);
			B.leases[k--] = B.leases[--B.nleases];
		}
	pthread_mutex_unlock(&B.mu);
}

static int
lease_subscribe(void)
{
	natsStatus s;

	snprintf(B.lease_subj, sizeof(B.lease_subj), "keochat-lease.%s",
	    B.node);
	if ((s = natsConnection_Subscribe(&B.lsub, B.nc, "keochat-lease.>",
	    on_lease, NULL)) != NATS_OK) {
		bblog(1, "backbone: cannot hear the hosts' leases: %s",
		    natsStatus_GetText(s));
		B.lsub = NULL;
		return -1;
	}
	pthread_mutex_lock(&B.mu);
	B.self_ms = mono_ms();	/* a start is not a silence */
	if (B.leases_since == 0)
		B.leases_since = B.self_ms;
	pthread_mutex_unlock(&B.mu);
	return 0;
}

/* The host's first message, until the stream keeps it: only then can it
 * take the relay's (a stream made a moment ago has no responders yet). */
static int
say_hello(void)
{
	char subject[BB_SUBJECT_MAX];
	jsPubOptions po;
	jsPubAck *pa = NULL;
	jsErrCode jerr = 0;
	natsStatus s;

	snprintf(subject, sizeof(subject), "keochat.host.%s", B.node);
	jsPubOptions_Init(&po);
	po.MaxWait = PUB_WAIT_MS;
	po.MsgId = B.hello_id;
	s = js_Publish(&pa, B.js, subject, B.hello, (int)B.hellolen, &po,
	    &jerr);
	if (s != NATS_OK)
		return -1;
	jsPubAck_Destroy(pa);
	return 0;
}

/* Connect, set up the stream and the consumer: retried until it works or
 * the relay stops. */
static int
set_up(void)
{
	jsOptions jo;

	while (!stopping()) {
		if (B.nc == NULL && connect_once() == -1) {
			sleep_ms(RETRY_MS);
			continue;
		}
		if (B.js == NULL) {
			jsOptions_Init(&jo);
			jo.Wait = API_WAIT_MS;
			jo.PublishAsync.AckHandler = on_ack;
			jo.PublishAsync.MaxPending = PUB_QUEUE_MAX;
			jo.PublishAsync.StallWait = 50;
			if (natsConnection_JetStream(&B.js, B.nc, &jo) !=
			    NATS_OK) {
				bblog(1, "backbone: no JetStream context: %s",
				    nats_GetLastError(NULL));
				B.js = NULL;
				sleep_ms(RETRY_MS);
				continue;
			}
		}
		if (B.sub == NULL && (ensure_stream() == -1 ||
		    subscribe() == -1)) {
			sleep_ms(RETRY_MS);
			continue;
		}
		if (B.kv == NULL && ensure_nicks() == -1) {
			sleep_ms(RETRY_MS);
			continue;
		}
		if (say_hello() == -1) {
			sleep_ms(250);
			continue;
		}
		if (B.lsub == NULL && lease_subscribe() == -1) {
			sleep_ms(RETRY_MS);
			continue;
		}
		return 0;
	}
	return -1;
}

static void
refuse(const char *msgid, const char *why)
{
	struct item *it = item_new(I_ACK, 0);

	snprintf(it->msgid, sizeof(it->msgid), "%s", msgid);
	snprintf(it->text, sizeof(it->text), "%s", why);
	pthread_mutex_lock(&B.mu);
	if (B.inflight > 0)
		B.inflight--;
	push_locked(it);
	pthread_mutex_unlock(&B.mu);
}

static void
publish(struct req *r)
{
	jsPubOptions po;
	natsMsg *m = NULL;
	natsStatus s;
	char since[24];

	jsPubOptions_Init(&po);
	po.MaxWait = PUB_WAIT_MS;

	snprintf(since, sizeof(since), "%lld", (long long)mono_ms());
	if (natsMsg_Create(&m, r->subject, NULL, (const char *)r->data,
	    (int)r->len) != NATS_OK ||
	    natsMsgHeader_Set(m, "Nats-Msg-Id", r->msgid) != NATS_OK ||
	    natsMsgHeader_Set(m, "Keochat-Since", since) != NATS_OK) {
		natsMsg_Destroy(m);
		refuse(r->msgid, "out of memory");
		return;
	}
	/* on success m belongs to libnats, and on_ack reports it */
	if ((s = js_PublishMsgAsync(B.js, &m, &po)) != NATS_OK) {
		natsMsg_Destroy(m);
		refuse(r->msgid, natsStatus_GetText(s));
	}
}

/* Publish again what is due; the time to wait for the next, -1 none. */
static int64_t
again_due(void)
{
	struct again *a;
	jsPubOptions po;
	natsMsg *m;
	int64_t now = mono_ms(), wait = -1;
	char id[BB_MSGID_MAX];
	const char *v;

	jsPubOptions_Init(&po);
	po.MaxWait = PUB_WAIT_MS;
	for (;;) {
		pthread_mutex_lock(&B.mu);
		a = B.again;
		if (a == NULL || a->due_ms > now) {
			if (a != NULL)
				wait = a->due_ms - now;
			pthread_mutex_unlock(&B.mu);
			return wait;
		}
		if ((B.again = a->next) == NULL)
			B.againtail = &B.again;
		pthread_mutex_unlock(&B.mu);
		m = a->msg;
		if (js_PublishMsgAsync(B.js, &m, &po) != NATS_OK) {
			/* not even sent: refused when its time is up */
			if (now - a->first_ms >= PUB_GIVE_UP_MS) {
				v = NULL;
				id[0] = '\0';
				if (natsMsgHeader_Get(m, "Nats-Msg-Id", &v) ==
				    NATS_OK && v != NULL)
					snprintf(id, sizeof(id), "%s", v);
				refuse(id, "the cluster cannot be reached");
				natsMsg_Destroy(m);
				free(a);
				continue;
			}
			again_push(a, now);
			return PUB_AGAIN_MS;
		}
		free(a);
	}
}

/* Wait on cv (B.mu held) for at most ms. */
static void
cond_wait_ms(pthread_cond_t *cv, int64_t ms)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		abort();
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	(void)pthread_cond_timedwait(cv, &B.mu, &ts);
}

static void *
run(void *arg)
{
	struct req *r;
	int64_t wait;

	(void)arg;
	if (set_up() == 0)
		post_state(1, B.first_last);
	pthread_mutex_lock(&B.mu);
	for (;;) {
		/* while some wait to be sent again, newer ones wait behind
		 * them: a sender's lines keep their order */
		while ((B.req == NULL || B.again != NULL) && !B.stopping) {
			pthread_mutex_unlock(&B.mu);
			wait = again_due();
			check_reader();
			lease_tick();
			pthread_mutex_lock(&B.mu);
			if ((B.req != NULL && B.again == NULL) || B.stopping)
				break;
			if (wait < 0 || wait > TICK_MS)
				wait = TICK_MS;
			cond_wait_ms(&B.cv, wait);
		}
		if (B.stopping)
			break;
		r = B.req;
		if ((B.req = r->next) == NULL)
			B.reqtail = &B.req;
		pthread_mutex_unlock(&B.mu);
		publish(r);
		free(r);
		check_reader();
		lease_tick();
		pthread_mutex_lock(&B.mu);
	}
	pthread_mutex_unlock(&B.mu);
	return NULL;
}

/* --- the claims thread --------------------------------------------------- */

static void
nick_answer(const struct nreq *r, int rc, uint64_t rev, const char *text,
    int64_t age_ms)
{
	struct item *it = item_new(I_NICK, 0);

	it->time_ms = age_ms;
	snprintf(it->msgid, sizeof(it->msgid), "%s", r->token);
	snprintf(it->subject, sizeof(it->subject), "%s", r->key);
	snprintf(it->text, sizeof(it->text), "%s", text);
	it->ok = rc;
	it->seq = rev;
	push(it);
}

/* The key's holder into owner ("" free) and its revision: 1, 0 when there
 * is no such key, -1 when the bucket did not answer. */
static int
holder(kvStore *kv, const char *key, char *owner, size_t ownersz,
    uint64_t *rev, int64_t *age_ms)
{
	struct timespec ts;
	kvEntry *e = NULL;
	natsStatus s;
	int64_t now;
	int n;

	if ((s = kvStore_Get(&e, kv, key)) == NATS_NOT_FOUND)
		return 0;
	if (s != NATS_OK)
		return -1;
	n = kvEntry_ValueLen(e);
	if (n < 0 || (size_t)n >= ownersz)
		n = (int)ownersz - 1;
	memcpy(owner, kvEntry_Value(e), (size_t)n);
	owner[n] = '\0';
	*rev = kvEntry_Revision(e);
	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		abort();
	now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	*age_ms = now - kvEntry_Created(e) / 1000000;
	kvEntry_Destroy(e);
	return 1;
}

/* Write r's owner over its key at revision last (0: the key absent): 0
 * done (*rev), 1 the key is not at last (someone wrote it), -1 no write
 * in time.  A write that fails while a look finds the key unchanged is
 * the bucket being busy (reads are served by any copy, writes wait for a
 * leader, elected again after a NATS server went): tried again. */
static int
write_at(kvStore *kv, const struct nreq *r, uint64_t last, uint64_t *rev)
{
	char owner[BB_OWNER_MAX];
	uint64_t now_rev = 0;
	int64_t age = 0;
	int h;

	for (;;) {
		if (kvStore_Update(rev, kv, r->key, r->owner,
		    (int)strlen(r->owner), last) == NATS_OK)
			return 0;
		h = holder(kv, r->key, owner, sizeof(owner), &now_rev, &age);
		if ((h == 1 && now_rev != last) || (h == 0 && last != 0))
			return 1;
		if (mono_ms() - r->since_ms >= NICK_WAIT_MS || stopping())
			return -1;
		sleep_ms(100);
	}
}

/* CLAIM: write if absent, or over a free (empty) value at its revision;
 * a key that changes between the look and the write is looked at again. */
static void
nick_claim(kvStore *kv, const struct nreq *r)
{
	char owner[BB_OWNER_MAX];
	uint64_t rev = 0, last = 0;
	int64_t age = 0;
	int tries, h, w;

	for (tries = 0; tries < NICK_TRIES; tries++) {
		if ((w = write_at(kv, r, last, &rev)) == 0) {
			nick_answer(r, BB_NICK_OK, rev, r->owner, 0);
			return;
		}
		if (w == -1 || (h = holder(kv, r->key, owner, sizeof(owner),
		    &rev, &age)) == -1) {
			nick_answer(r, BB_NICK_FAILED, 0, "the nick bucket "
			    "takes no writes", 0);
			return;
		}
		if (h == 0) {
			last = 0;
			continue;
		}
		if (owner[0] != '\0' && strcmp(owner, r->owner) != 0) {
			nick_answer(r, BB_NICK_HELD, rev, owner, age);
			return;
		}
		last = rev;	/* free, or ours already (sent again) */
		if (owner[0] != '\0') {
			nick_answer(r, BB_NICK_OK, rev, r->owner, 0);
			return;
		}
	}
	nick_answer(r, BB_NICK_FAILED, 0, "the nick changed hands too often "
	    "while asked", 0);
}

/* TAKE: over the stale claim at r->rev, if no one was quicker. */
static void
nick_take(kvStore *kv, const struct nreq *r)
{
	char owner[BB_OWNER_MAX];
	uint64_t rev = 0;
	int64_t age = 0;
	int h, w;

	if ((w = write_at(kv, r, r->rev, &rev)) == 0) {
		nick_answer(r, BB_NICK_OK, rev, r->owner, 0);
		return;
	}
	if (w == -1 || (h = holder(kv, r->key, owner, sizeof(owner), &rev,
	    &age)) == -1)
		nick_answer(r, BB_NICK_FAILED, 0, "the nick bucket takes no "
		    "writes", 0);
	else if (h == 1 && strcmp(owner, r->owner) == 0)
		nick_answer(r, BB_NICK_OK, rev, r->owner, 0);
	else if (h == 1 && owner[0] != '\0')
		nick_answer(r, BB_NICK_HELD, rev, owner, age);
	else	/* freed meanwhile: the relay asks again */
		nick_answer(r, BB_NICK_HELD, rev, "", age);
}

/* FREE: the empty value over the caller's own claim; 0 done (or nothing
 * to do), -1 the bucket did not answer. */
static int
nick_free(kvStore *kv, const struct nreq *r)
{
	char owner[BB_OWNER_MAX];
	uint64_t rev = 0;
	int64_t age = 0;
	int h;

	if ((h = holder(kv, r->key, owner, sizeof(owner), &rev, &age)) != 1)
		return h;
	if (strcmp(owner, r->owner) != 0)
		return 0;	/* taken over: not ours to free */
	if (kvStore_Update(NULL, kv, r->key, "", 0, rev) == NATS_OK)
		return 0;
	/* changed under us (taken over), or no answer: look again */
	return holder(kv, r->key, owner, sizeof(owner), &rev, &age) == 1 &&
	    strcmp(owner, r->owner) != 0 ? 0 : -1;
}

/* LOOKUP: the key's holder, "" for no one. */
static void
nick_lookup(kvStore *kv, const struct nreq *r)
{
	char owner[BB_OWNER_MAX] = "";
	uint64_t rev = 0;
	int64_t age = 0;
	int h;

	if ((h = holder(kv, r->key, owner, sizeof(owner), &rev, &age)) == -1)
		nick_answer(r, BB_NICK_FAILED, 0, "the nick bucket does not "
		    "answer", 0);
	else
		nick_answer(r, BB_NICK_HELD, rev, h == 1 ? owner : "", age);
}

static void *
run_nicks(void *arg)
{
	struct nreq *r, **pp;
	kvStore *kv;
	int64_t now, wait;

	(void)arg;
	pthread_mutex_lock(&B.mu);
	while (!B.stopping) {
		now = mono_ms();
		wait = TICK_MS;
		/* the first request that is due; a claim waiting for the
		 * bucket too long is answered FAILED */
		for (pp = &B.nreq; (r = *pp) != NULL; pp = &r->next) {
			if (r->due_ms > now) {
				if (r->due_ms - now < wait)
					wait = r->due_ms - now;
				continue;
			}
			if (B.kv != NULL || (r->op != BB_NICK_FREE &&
			    now - r->since_ms >= NICK_WAIT_MS))
				break;
		}
		if (r == NULL) {
			cond_wait_ms(&B.ncv, wait);
			continue;
		}
		if ((*pp = r->next) == NULL)
			B.nreqtail = pp;
		B.nreqs--;
		kv = B.kv;
		pthread_mutex_unlock(&B.mu);
		if (kv == NULL)
			nick_answer(r, BB_NICK_FAILED, 0, "the cluster cannot "
			    "be reached", 0);
		else if (r->op == BB_NICK_CLAIM)
			nick_claim(kv, r);
		else if (r->op == BB_NICK_TAKE)
			nick_take(kv, r);
		else if (r->op == BB_NICK_LOOKUP)
			nick_lookup(kv, r);
		else if (nick_free(kv, r) == -1 &&
		    now - r->since_ms < FREE_GIVE_UP_MS) {
			r->due_ms = mono_ms() + FREE_AGAIN_MS;
			r->next = NULL;
			pthread_mutex_lock(&B.mu);
			*B.nreqtail = r;
			B.nreqtail = &r->next;
			B.nreqs++;
			continue;
		}
		free(r);
		pthread_mutex_lock(&B.mu);
	}
	pthread_mutex_unlock(&B.mu);
	return NULL;
}

/* --- the relay's side ------------------------------------------------------ */

static int
read_password(char *err, size_t errsz)
{
	FILE *f;
	size_t n;

	B.password[0] = '\0';
	if (B.cfg.backbone_password_file[0] == '\0')
		return 0;
	if ((f = fopen(B.cfg.backbone_password_file, "r")) == NULL) {
		snprintf(err, errsz, "backbone-password-file %s: %s",
		    B.cfg.backbone_password_file, strerror(errno));
		return -1;
	}
	if (fgets(B.password, sizeof(B.password), f) == NULL)
		B.password[0] = '\0';
	if (fclose(f) == EOF) {
		snprintf(err, errsz, "backbone-password-file %s: %s",
		    B.cfg.backbone_password_file, strerror(errno));
		return -1;
	}
	n = strcspn(B.password, "\r\n");
	B.password[n] = '\0';
	if (n == 0) {
		snprintf(err, errsz, "backbone-password-file %s: no password "
		    "on its first line", B.cfg.backbone_password_file);
		return -1;
	}
	return 0;
}

int
bb_start(const struct config *cfg, const char *node, uint64_t boot,
    uint64_t start, const void *hello, size_t hellolen, const char *msgid,
    const struct bb_ops *ops, char *err, size_t errsz)
{
	natsStatus s;
	int rc;

	if (hellolen > sizeof(B.hello)) {
		snprintf(err, errsz, "host message too long");
		return -1;
	}
	memcpy(B.hello, hello, hellolen);
	B.hellolen = hellolen;
	snprintf(B.hello_id, sizeof(B.hello_id), "%s", msgid);
	B.cfg = *cfg;
	B.ops = *ops;
	B.start = start;
	B.boot = boot;
	snprintf(B.node, sizeof(B.node), "%s", node);
	B.in = NULL;
	B.intail = &B.in;
	B.left = NULL;
	B.lefttail = &B.left;
	B.req = NULL;
	B.reqtail = &B.req;
	B.again = NULL;
	B.againtail = &B.again;
	B.nreq = NULL;
	B.nreqtail = &B.nreq;
	B.nreqs = 0;
	if (read_password(err, errsz) == -1)
		return -1;
	if ((B.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		snprintf(err, errsz, "eventfd: %s", strerror(errno));
		return -1;
	}
	if ((s = nats_Open(-1)) != NATS_OK) {
		snprintf(err, errsz, "cannot start libnats: %s",
		    natsStatus_GetText(s));
		return -1;
	}
	if ((rc = pthread_create(&B.thread, NULL, run, NULL)) != 0) {
		snprintf(err, errsz, "cannot start the backbone thread: %s",
		    strerror(rc));
		return -1;
	}
	B.running = 1;
	if ((rc = pthread_create(&B.nthread, NULL, run_nicks, NULL)) != 0) {
		snprintf(err, errsz, "cannot start the claims thread: %s",
		    strerror(rc));
		return -1;
	}
	B.nrunning = 1;
	return B.efd;
}

int
bb_drain(void)
{
	struct item *it;
	uint64_t n;

	if (read(B.efd, &n, sizeof(n)) == -1 && errno != EAGAIN)
		return B.left != NULL;
	pthread_mutex_lock(&B.mu);
	if (B.in != NULL) {
		*B.lefttail = B.in;
		B.lefttail = B.intail;
		B.in = NULL;
		B.intail = &B.in;
	}
	pthread_mutex_unlock(&B.mu);
	while ((it = B.left) != NULL) {
		switch (it->type) {
		case I_MSG:
			if (B.ops.msg(it->seq, it->time_ms, it->subject,
			    it->data, it->len, B.ops.arg) == 1)
				return 1;	/* it and the rest wait */
			break;
		case I_ACK:
			B.ops.acked(it->msgid, it->ok, it->seq, it->dup,
			    it->text, B.ops.arg);
			break;
		case I_STATE:
			B.ops.state(it->ok, it->seq, B.ops.arg);
			break;
		case I_LOG:
			B.ops.log(it->warn, it->text, B.ops.arg);
			break;
		case I_GONE:
			B.ops.gone(it->text, it->seq, B.ops.arg);
			break;
		case I_NICK:
			B.ops.nick(it->msgid, it->subject, it->ok, it->seq,
			    it->text, it->time_ms, B.ops.arg);
			break;
		}
		if ((B.left = it->next) == NULL)
			B.lefttail = &B.left;
		if (it->type == I_MSG) {
			pthread_mutex_lock(&B.mu);
			B.inbytes -= it->len;
			pthread_cond_broadcast(&B.room);
			pthread_mutex_unlock(&B.mu);
		}
		free(it);
	}
	return 0;
}

int
bb_publish(const char *subject, const void *data, size_t len,
    const char *msgid)
{
	struct req *r;

	if (strlen(subject) >= BB_SUBJECT_MAX ||
	    strlen(msgid) >= BB_MSGID_MAX || len > (size_t)INT32_MAX)
		return -1;
	pthread_mutex_lock(&B.mu);
	if (B.inflight >= PUB_QUEUE_MAX) {
		pthread_mutex_unlock(&B.mu);
		return -1;
	}
	B.inflight++;
	pthread_mutex_unlock(&B.mu);
	if ((r = malloc(sizeof(*r) + len)) == NULL) {
		pthread_mutex_lock(&B.mu);
		B.inflight--;
		pthread_mutex_unlock(&B.mu);
		return -1;
	}
	r->next = NULL;
	snprintf(r->subject, sizeof(r->subject), "%s", subject);
	snprintf(r->msgid, sizeof(r->msgid), "%s", msgid);
	r->len = len;
	memcpy(r->data, data, len);
	pthread_mutex_lock(&B.mu);
	*B.reqtail = r;
	B.reqtail = &r->next;
	pthread_cond_signal(&B.cv);
	pthread_mutex_unlock(&B.mu);
	return 0;
}

int
bb_nick(enum bb_nick_op op, const char *key, const char *owner,
    uint64_t rev, const char *token)
{
	struct nreq *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return -1;
	if (strlen(key) >= sizeof(r->key) || strlen(owner) >=
	    sizeof(r->owner) || strlen(token) >= sizeof(r->token)) {
		free(r);
		return -1;
	}
	r->op = op;
	memcpy(r->key, key, strlen(key) + 1);
	memcpy(r->owner, owner, strlen(owner) + 1);
	memcpy(r->token, token, strlen(token) + 1);
	r->rev = rev;
	r->since_ms = r->due_ms = mono_ms();
	pthread_mutex_lock(&B.mu);
	if (op != BB_NICK_FREE && B.nreqs >= NICK_QUEUE_MAX) {
		pthread_mutex_unlock(&B.mu);
		free(r);
		return -1;
	}
	*B.nreqtail = r;
	B.nreqtail = &r->next;
	B.nreqs++;
	pthread_cond_signal(&B.ncv);
	pthread_mutex_unlock(&B.mu);
	return 0;
}

int
bb_alive(const char *node, uint64_t boot)
{
	int64_t now = mono_ms();
	unsigned k;
	int rc = -1;

	pthread_mutex_lock(&B.mu);
	if (strcmp(node, B.node) == 0)
		rc = boot == B.boot;
	else if (B.blind || B.leases_since == 0)
		rc = -1;
	else {
		for (k = 0; k < B.nleases; k++)
			if (strcmp(B.leases[k].node, node) == 0)
				break;
		if (k < B.nleases)	/* a lease not yet run out */
			rc = B.leases[k].boot == boot ? 1 :
			    B.leases[k].boot > boot ? 0 : -1;
		else	/* not heard for as long as a lease lasts */
			rc = now - B.leases_since >= LEASE_MS + LEASE_EVERY_MS ?
			    0 : -1;
	}
	pthread_mutex_unlock(&B.mu);
	return rc;
}

size_t
bb_inflight(void)
{
	size_t n;

	pthread_mutex_lock(&B.mu);
	n = B.inflight;
	pthread_mutex_unlock(&B.mu);
	return n;
}

void
bb_stop(void)
{
	struct item *it;
	struct req *r;
	size_t n;
	int i;

	if (!B.running)
		return;
	/* a clean stop frees its users' nicks for the others at once (a
	 * second at most; what is left the others take over later) */
	for (i = 0; i < 20; i++) {
		pthread_mutex_lock(&B.mu);
		n = B.kv != NULL ? B.nreqs : 0;
		pthread_mutex_unlock(&B.mu);
		if (n == 0)
			break;
		sleep_ms(50);
	}
	pthread_mutex_lock(&B.mu);
	B.stopping = 1;
	pthread_cond_broadcast(&B.cv);
	pthread_cond_broadcast(&B.room);
	pthread_cond_broadcast(&B.ncv);
	pthread_mutex_unlock(&B.mu);
	(void)pthread_join(B.thread, NULL);
	B.running = 0;
	if (B.nrunning)
		(void)pthread_join(B.nthread, NULL);
	B.nrunning = 0;
	if (B.js != NULL) {
		jsPubOptions po;

		jsPubOptions_Init(&po);
		po.MaxWait = 1000;	/* what NATS took by now, at most */
		(void)js_PublishAsyncComplete(B.js, &po);
	}
	if (B.sub != NULL) {
		(void)natsSubscription_Unsubscribe(B.sub);
		natsSubscription_Destroy(B.sub);
	}
	if (B.lsub != NULL) {
		(void)natsSubscription_Unsubscribe(B.lsub);
		natsSubscription_Destroy(B.lsub);
	}
	B.lsub = NULL;
	if (B.kv != NULL)
		kvStore_Destroy(B.kv);
	B.kv = NULL;
	while (B.nreq != NULL) {
		struct nreq *nr = B.nreq;

		B.nreq = nr->next;
		free(nr);
	}
	if (B.js != NULL)
		jsCtx_Destroy(B.js);
	if (B.nc != NULL) {
		natsConnection_Close(B.nc);
		natsConnection_Destroy(B.nc);
	}
	B.sub = NULL;
	B.js = NULL;
	B.nc = NULL;
	nats_Close();
	while ((it = B.in) != NULL) {
		B.in = it->next;
		free(it);
	}
	while ((it = B.left) != NULL) {
		B.left = it->next;
		free(it);
	}
	while ((r = B.req) != NULL) {
		B.req = r->next;
		free(r);
	}
	while (B.again != NULL) {
		struct again *a = B.again;

		B.again = a->next;
		natsMsg_Destroy(a->msg);
		free(a);
	}
	explicit_bzero(B.password, sizeof(B.password));
	if (B.efd != -1)
		(void)close(B.efd);
	B.efd = -1;
}

#endif /* HAVE_NATS */
