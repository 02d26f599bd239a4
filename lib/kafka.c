/* kafka.c - librdkafka producer/consumer/admin wrappers; see kafka.h. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kafka.h"
#include "log.h"
#include "clock.h"

static const char *producer_defaults[] = {
    "enable.idempotence", "true",
    "acks", "all",
    "compression.type", "zstd",
    "linger.ms", "20",
    NULL,
};

static const char *consumer_defaults[] = {
    "enable.auto.commit", "false",
    "enable.auto.offset.store", "false",
    "auto.offset.reset", "earliest",
    NULL,
};

static const char *secret_props[] = { "sasl.password", "ssl.key.password", "ssl.keystore.password", NULL };

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ---- properties ---- */

void sp_kafka_props_init(sp_kafka_props *p)
{
    memset(p, 0, sizeof(*p));
}

int sp_kafka_props_set(sp_kafka_props *p, const char *key, const char *value)
{
    for (size_t i = 0; i < p->n; i++) {
        if (strcmp(p->keys[i], key) == 0) {
            char *v = strdup(value);
            if (!v)
                return -1;
            free(p->values[i]);
            p->values[i] = v;
            return 0;
        }
    }
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        char **k = realloc(p->keys, cap * sizeof(char *));
        if (!k)
            return -1;
        p->keys = k;
        char **v = realloc(p->values, cap * sizeof(char *));
        if (!v)
            return -1;
        p->values = v;
        p->cap = cap;
    }
    p->keys[p->n] = strdup(key);
    p->values[p->n] = strdup(value);
    if (!p->keys[p->n] || !p->values[p->n]) {
        free(p->keys[p->n]);
        free(p->values[p->n]);
        return -1;
    }
    p->n++;
    return 0;
}

static const char *props_get_exact(const sp_kafka_props *p, const char *prefix, const char *key)
{
    size_t n = strlen(prefix);
    for (size_t i = 0; i < p->n; i++)
        if (strncmp(p->keys[i], prefix, n) == 0 && strcmp(p->keys[i] + n, key) == 0)
            return p->values[i];
    return NULL;
}

const char *sp_kafka_props_get(const sp_kafka_props *p, const char *key)
{
    const char *v = props_get_exact(p, "", key);
    if (!v)
        v = props_get_exact(p, SP_KAFKA_CONSUMER_PREFIX, key);
    return v ? v : props_get_exact(p, SP_KAFKA_PRODUCER_PREFIX, key);
}

int sp_kafka_props_from_json(sp_kafka_props *p, const json_t *obj, char *err, size_t errlen)
{
    if (!json_is_object(obj)) {
        set_err(err, errlen, "kafka properties: expected an object of strings");
        return -1;
    }
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v) {
        if (!json_is_string(v)) {
            set_err(err, errlen, "kafka property \"%s\": expected a string", key);
            return -1;
        }
        if (sp_kafka_props_set(p, key, json_string_value(v)) != 0) {
            set_err(err, errlen, "out of memory");
            return -1;
        }
    }
    return 0;
}

/* ---- which client a property is for ---- */

typedef struct {
    char *name;
    char scope;
} prop_scope;

static prop_scope *scopes;
static size_t nscopes;
static pthread_once_t scopes_once = PTHREAD_ONCE_INIT;

/* One line of librdkafka's property table: "name   |  C  | ...". */
static void add_scope(const char *line, size_t *cap)
{
    const char *bar = strchr(line, '|');
    if (!bar || bar == line || line[0] == '-' || line[0] == ' ')
        return;
    size_t n = (size_t)(bar - line);
    while (n && line[n - 1] == ' ')
        n--;
    const char *s = bar + 1;
    while (*s == ' ')
        s++;
    if (*s != 'C' && *s != 'P' && *s != '*')
        return;
    if (nscopes == *cap) {
        size_t c = *cap ? *cap * 2 : 256;
        prop_scope *more = realloc(scopes, c * sizeof(*more));
        if (!more)
            return;
        scopes = more;
        *cap = c;
    }
    scopes[nscopes].name = strndup(line, n);
    scopes[nscopes].scope = *s;
    if (scopes[nscopes].name)
        nscopes++;
}

static void load_scopes(void)
{
    char *text = NULL, *save = NULL;
    size_t len = 0, cap = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return;
    rd_kafka_conf_properties_show(f);
    fclose(f);
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
        if (strncmp(line, "Property ", 9) != 0)
            add_scope(line, &cap);
    free(text);
}

char sp_kafka_property_scope(const char *key)
{
    pthread_once(&scopes_once, load_scopes);
    for (size_t i = 0; i < nscopes; i++)
        if (strcmp(scopes[i].name, key) == 0)
            return scopes[i].scope;
    return 0;
}

const char *sp_kafka_props_get_producer(const sp_kafka_props *p, const char *key)
{
    const char *v = props_get_exact(p, SP_KAFKA_PRODUCER_PREFIX, key);
    return v ? v : props_get_exact(p, "", key);
}

void sp_kafka_props_free(sp_kafka_props *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->keys[i]);
        free(p->values[i]);
    }
    free(p->keys);
    free(p->values);
    memset(p, 0, sizeof(*p));
}

/* ---- configuration ---- */

static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk;
    sp_log_level l = level <= 3 ? SP_LOG_ERROR : level == 4 ? SP_LOG_WARN : level <= 6 ? SP_LOG_INFO : SP_LOG_DEBUG;
    sp_log(l, "kafka.log", "facility", fac, "message", buf, (const char *)0);
}

static int conf_set(rd_kafka_conf_t *conf, const char *key, const char *value, char *err, size_t errlen)
{
    char why[512];
    if (rd_kafka_conf_set(conf, key, value, why, sizeof(why)) != RD_KAFKA_CONF_OK) {
        set_err(err, errlen, "kafka property \"%s\": %s", key, why);
        return -1;
    }
    for (const char **s = secret_props; *s; s++)
        if (strcmp(*s, key) == 0)
            sp_log_add_secret(value);
    return 0;
}

/* The name of a property for a client of kind role ('P' or 'C'): without
 * its prefix, or NULL when it is for the other kind. */
static const char *key_for(const char *key, char role)
{
    size_t np = strlen(SP_KAFKA_PRODUCER_PREFIX), nc = strlen(SP_KAFKA_CONSUMER_PREFIX);
    if (strncmp(key, SP_KAFKA_PRODUCER_PREFIX, np) == 0)
        return role == 'P' ? key + np : NULL;
    if (strncmp(key, SP_KAFKA_CONSUMER_PREFIX, nc) == 0)
        return role == 'C' ? key + nc : NULL;
    return key;
}

/* Our defaults, then every configured property for this kind of client
 * (role 'P' or 'C') unchanged. */
static rd_kafka_conf_t *make_conf(const sp_kafka_props *props, const char **defaults, char role,
                                  char *err, size_t errlen)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set_log_cb(conf, on_log);
    for (size_t i = 0; defaults && defaults[i]; i += 2) {
        if (conf_set(conf, defaults[i], defaults[i + 1], err, errlen) != 0)
            goto fail;
    }
    for (int pass = 0; pass < 2; pass++) {       /* the common ones, then those of this kind */
        for (size_t i = 0; props && i < props->n; i++) {
            const char *key = key_for(props->keys[i], role);
            if (key && (key != props->keys[i]) == pass && conf_set(conf, key, props->values[i], err, errlen) != 0)
                goto fail;
        }
    }
    return conf;
fail:
    rd_kafka_conf_destroy(conf);
    return NULL;
}

/* ---- producer ---- */

struct sp_kafka_producer {
    rd_kafka_t *rk;
    sp_kafka_delivery_fn *cb;
    void *ctx;
    uint64_t delivered;
    uint64_t failed;
    char *brokers;                       /* bootstrap.servers, for messages */
    pthread_mutex_t lock;                /* last_error: written by librdkafka's threads */
    char last_error[512];
};

/* A producer's librdkafka log: connection failures ("FAIL") at debug, as
 * on_error keeps them for the one message the caller gives per failure. */
static void on_producer_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    if (strcmp(fac, "FAIL") == 0)
        level = 7;
    on_log(rk, level, fac, buf);
}

/* librdkafka's error events (broker down, all brokers down, ...): kept for
 * the messages that say why Kafka is unreachable, logged at debug only;
 * the caller reports the failure once. */
static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    (void)rk;
    sp_kafka_producer *p = opaque;
    if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN && p->last_error[0])
        return;                          /* keep the cause, not the summary */
    pthread_mutex_lock(&p->lock);
    snprintf(p->last_error, sizeof(p->last_error), "%s", reason);
    pthread_mutex_unlock(&p->lock);
    sp_debug("kafka.error", "error", rd_kafka_err2str(err), "reason", reason);
}

void sp_kafka_producer_last_error(sp_kafka_producer *p, char *out, size_t len)
{
    pthread_mutex_lock(&p->lock);
    snprintf(out, len, "%s", p->last_error);
    pthread_mutex_unlock(&p->lock);
}

int sp_kafka_producer_check(sp_kafka_producer *p, int timeout_ms, char *err, size_t errlen)
{
    rd_kafka_resp_err_t e = RD_KAFKA_RESP_ERR__TIMED_OUT;
    for (int left = timeout_ms; left > 0 && e; left -= 500) {    /* polling between tries brings on_error */
        const struct rd_kafka_metadata *md = NULL;
        e = rd_kafka_metadata(p->rk, 0, NULL, &md, left < 500 ? left : 500);
        if (md)
            rd_kafka_metadata_destroy(md);
        rd_kafka_poll(p->rk, 0);
    }
    if (!e)
        return 0;
    char last[512];
    sp_kafka_producer_last_error(p, last, sizeof(last));
    set_err(err, errlen, "Kafka brokers %s unreachable: no metadata within %d ms (%s): %s", p->brokers, timeout_ms,
            rd_kafka_err2str(e), last[0] ? last : "no broker answered (connected to something that is not Kafka, or to a broker too slow)");
    return -1;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    sp_kafka_producer *p = opaque;
    if (m->err)
        p->failed++;
    else
        p->delivered++;
    if (p->cb)
        p->cb(p->ctx, m->_private, m->err, rd_kafka_topic_name(m->rkt), m->partition, m->offset);
}

sp_kafka_producer *sp_kafka_producer_new(const sp_kafka_props *props, sp_kafka_delivery_fn *cb,
                                         void *ctx, char *err, size_t errlen)
{
    sp_kafka_producer *p = calloc(1, sizeof(*p));
    if (!p) {
        set_err(err, errlen, "out of memory");
        return NULL;
    }
    rd_kafka_conf_t *conf = make_conf(props, producer_defaults, 'P', err, errlen);
    if (!conf) {
        free(p);
        return NULL;
    }
    p->cb = cb;
    p->ctx = ctx;
    const char *b = sp_kafka_props_get_producer(props, "bootstrap.servers");
    p->brokers = strdup(b ? b : "(bootstrap.servers unset)");
    pthread_mutex_init(&p->lock, NULL);
    rd_kafka_conf_set_opaque(conf, p);
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_error_cb(conf, on_error);
    rd_kafka_conf_set_log_cb(conf, on_producer_log);
    char why[512];
    p->rk = p->brokers ? rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof(why)) : NULL;
    if (!p->rk) {
        set_err(err, errlen, "kafka producer: %s", p->brokers ? why : "out of memory");
        rd_kafka_conf_destroy(conf);
        pthread_mutex_destroy(&p->lock);
        free(p->brokers);
        free(p);
        return NULL;
    }
    return p;
}

rd_kafka_resp_err_t sp_kafka_produce(sp_kafka_producer *p, const char *topic,
                                     const void *key, size_t keylen,
                                     const void *value, size_t valuelen, void *msg_opaque)
{
    for (int waited_ms = 0;; waited_ms += 100) {
        rd_kafka_resp_err_t e = rd_kafka_producev(
            p->rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY((void *)key, keylen),
            RD_KAFKA_V_VALUE((void *)value, valuelen), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_OPAQUE(msg_opaque), RD_KAFKA_V_END);
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL || waited_ms >= 30000)
            return e;
        rd_kafka_poll(p->rk, 100);
    }
}

int sp_kafka_producer_poll(sp_kafka_producer *p, int timeout_ms)
{
    return rd_kafka_poll(p->rk, timeout_ms);
}

int sp_kafka_producer_flush(sp_kafka_producer *p, int timeout_ms)
{
    rd_kafka_flush(p->rk, timeout_ms);
    return rd_kafka_outq_len(p->rk);
}

uint64_t sp_kafka_producer_delivered(const sp_kafka_producer *p) { return p->delivered; }
uint64_t sp_kafka_producer_failed(const sp_kafka_producer *p) { return p->failed; }
rd_kafka_t *sp_kafka_producer_handle(sp_kafka_producer *p) { return p->rk; }

rd_kafka_resp_err_t sp_kafka_producer_fatal(sp_kafka_producer *p, char *reason, size_t len)
{
    return rd_kafka_fatal_error(p->rk, reason, len);
}

int sp_kafka_producer_free(sp_kafka_producer *p, int flush_ms)
{
    if (!p)
        return 0;
    int left = sp_kafka_producer_flush(p, flush_ms);
    if (left > 0)
        sp_warn("kafka.producer.unsent", "messages", SP_LOG_INT(left));
    rd_kafka_destroy(p->rk);
    pthread_mutex_destroy(&p->lock);
    free(p->brokers);
    free(p);
    return left;
}

/* ---- consumer ---- */

struct sp_kafka_consumer {
    rd_kafka_t *rk;
    sp_kafka_assign_fn *cb;
    void *ctx;
    char **topics;                     /* subscribed, for the missing-topic check */
    size_t ntopics;
    int missing;                       /* some subscribed topic not seen in the metadata yet */
    long long next_check_ms;
};

/* 1 when every subscribed topic is in the cluster's metadata. */
static int all_topics_exist(const sp_kafka_consumer *c, const struct rd_kafka_metadata *md)
{
    for (size_t i = 0; i < c->ntopics; i++) {
        int found = 0;
        for (int k = 0; !found && k < md->topic_cnt; k++)
            found = !strcmp(md->topics[k].topic, c->topics[i]) && !md->topics[k].err;
        if (!found)
            return 0;
    }
    return 1;
}

/* While a subscribed topic is missing, asks for the whole cluster's
 * metadata every 2 s: that is what makes librdkafka's group see a topic
 * created after the subscription (a request for the topic alone does not,
 * and the periodic refresh, topic.metadata.refresh.interval.ms, comes after
 * 5 minutes). Once all are there, nothing more is asked. */
static void check_missing_topics(sp_kafka_consumer *c)
{
    long long now = sp_clock_mono_ms();
    if (!c->missing || now < c->next_check_ms)
        return;
    c->next_check_ms = now + 2000;
    const struct rd_kafka_metadata *md = NULL;
    if (rd_kafka_metadata(c->rk, 1, NULL, &md, 1000) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return;
    if (all_topics_exist(c, md)) {
        c->missing = 0;
        sp_debug("kafka.topics.present", "topics", SP_LOG_INT((long long)c->ntopics));
    }
    rd_kafka_metadata_destroy(md);
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t e,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    sp_kafka_consumer *c = opaque;
    int cooperative = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    if (e == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        if (c->cb)
            c->cb(c->ctx, parts, 1);
        if (cooperative)
            rd_kafka_error_destroy(rd_kafka_incremental_assign(rk, parts));
        else
            rd_kafka_assign(rk, parts);
        return;
    }
    /* Revoked (or lost): commit what was stored as processed, then let go. */
    if (c->cb)
        c->cb(c->ctx, parts, 0);
    if (e == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS && !rd_kafka_assignment_lost(rk))
        rd_kafka_commit(rk, NULL, 0);
    if (cooperative)
        rd_kafka_error_destroy(rd_kafka_incremental_unassign(rk, parts));
    else
        rd_kafka_assign(rk, NULL);
}

sp_kafka_consumer *sp_kafka_consumer_new(const sp_kafka_props *props, const char *group,
                                         const char *const *topics, size_t ntopics,
                                         sp_kafka_assign_fn *cb, void *ctx,
                                         char *err, size_t errlen)
{
    sp_kafka_consumer *c = calloc(1, sizeof(*c));
    rd_kafka_conf_t *conf = c ? make_conf(props, consumer_defaults, 'C', err, errlen) : NULL;
    if (!conf || conf_set(conf, "group.id", group, err, errlen) != 0) {
        if (conf)
            rd_kafka_conf_destroy(conf);
        if (!c)
            set_err(err, errlen, "out of memory");
        free(c);
        return NULL;
    }
    c->cb = cb;
    c->ctx = ctx;
    rd_kafka_conf_set_opaque(conf, c);
    rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
    char why[512];
    c->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, why, sizeof(why));
    if (!c->rk) {
        set_err(err, errlen, "kafka consumer: %s", why);
        rd_kafka_conf_destroy(conf);
        free(c);
        return NULL;
    }
    rd_kafka_poll_set_consumer(c->rk);
    rd_kafka_topic_partition_list_t *subs = rd_kafka_topic_partition_list_new((int)ntopics);
    c->topics = calloc(ntopics ? ntopics : 1, sizeof(char *));
    for (size_t i = 0; c->topics && i < ntopics; i++)
        if ((c->topics[c->ntopics] = strdup(topics[i])))
            c->ntopics++;
    c->missing = 1;                    /* until the metadata says otherwise */
    for (size_t i = 0; i < ntopics; i++)
        rd_kafka_topic_partition_list_add(subs, topics[i], RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(c->rk, subs);
    rd_kafka_topic_partition_list_destroy(subs);
    if (e) {
        set_err(err, errlen, "kafka subscribe: %s", rd_kafka_err2str(e));
        sp_kafka_consumer_free(c);
        return NULL;
    }
    return c;
}

rd_kafka_message_t *sp_kafka_consume(sp_kafka_consumer *c, int timeout_ms)
{
    check_missing_topics(c);
    return rd_kafka_consumer_poll(c->rk, timeout_ms);
}

rd_kafka_resp_err_t sp_kafka_commit(sp_kafka_consumer *c, const rd_kafka_message_t *m, int async)
{
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(list, rd_kafka_topic_name(m->rkt), m->partition)->offset = m->offset + 1;
    /* Stored too, so a revoke commits it synchronously even if this async
     * commit is still in flight. */
    rd_kafka_offsets_store(c->rk, list);
    rd_kafka_resp_err_t e = rd_kafka_commit(c->rk, list, async);
    rd_kafka_topic_partition_list_destroy(list);
    return e;
}

rd_kafka_t *sp_kafka_consumer_handle(sp_kafka_consumer *c) { return c->rk; }

void sp_kafka_consumer_free(sp_kafka_consumer *c)
{
    if (!c)
        return;
    rd_kafka_consumer_close(c->rk);
    rd_kafka_destroy(c->rk);
    for (size_t i = 0; i < c->ntopics; i++)
        free(c->topics[i]);
    free(c->topics);
    free(c);
}

/* ---- admin ---- */

int sp_kafka_reachable(rd_kafka_t *rk, int timeout_ms, char *why, size_t whylen)
{
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, NULL, &md, timeout_ms);
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR && md->broker_cnt > 0) {
        rd_kafka_metadata_destroy(md);
        return 1;
    }
    if (md)
        rd_kafka_metadata_destroy(md);
    set_err(why, whylen, "kafka unreachable: %s", e ? rd_kafka_err2str(e) : "no brokers in the metadata");
    return 0;
}

int sp_kafka_create_topic(const sp_kafka_props *props, const char *topic, int partitions,
                          const char *const *configs, size_t nconfigs, int timeout_ms,
                          char *err, size_t errlen)
{
    rd_kafka_conf_t *conf = make_conf(props, NULL, 'P', err, errlen);
    if (!conf)
        return -1;
    char why[512];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof(why));
    if (!rk) {
        set_err(err, errlen, "kafka admin: %s", why);
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(topic, partitions, -1, why, sizeof(why));
    for (size_t i = 0; nt && i < nconfigs; i++)
        rd_kafka_NewTopic_set_config(nt, configs[2 * i], configs[2 * i + 1]);
    int rc = -1;
    if (!nt) {
        set_err(err, errlen, "kafka topic %s: %s", topic, why);
        goto out;
    }
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_operation_timeout(opts, timeout_ms, NULL, 0);
    rd_kafka_CreateTopics(rk, &nt, 1, opts, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, timeout_ms + 1000);
    if (!ev) {
        set_err(err, errlen, "kafka topic %s: no answer within %d ms from the brokers %s (unreachable?)", topic, timeout_ms,
                sp_kafka_props_get_producer(props, "bootstrap.servers"));
    } else if (rd_kafka_event_error(ev)) {
        set_err(err, errlen, "kafka topic %s: %s", topic, rd_kafka_event_error_string(ev));
    } else {
        size_t n;
        const rd_kafka_topic_result_t **res =
            rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
        rd_kafka_resp_err_t e = n ? rd_kafka_topic_result_error(res[0]) : RD_KAFKA_RESP_ERR_UNKNOWN;
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR || e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
            rc = 0;
        else
            set_err(err, errlen, "kafka topic %s: %s", topic,
                    n ? rd_kafka_topic_result_error_string(res[0]) : "no result");
    }
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(opts);
    rd_kafka_queue_destroy(q);
    rd_kafka_NewTopic_destroy(nt);
out:
    rd_kafka_destroy(rk);
    return rc;
}

/* Every partition of topic, offsets set to ts_ms for offsets_for_times. */
static rd_kafka_topic_partition_list_t *partitions_at(rd_kafka_t *rk, const char *topic, int64_t ts_ms,
                                                      int timeout_ms, char *err, size_t errlen)
{
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, rkt, &md, timeout_ms);
    rd_kafka_topic_partition_list_t *list = NULL;
    if (e || md->topic_cnt != 1 || md->topics[0].err) {
        set_err(err, errlen, "kafka topic %s: %s", topic,
                rd_kafka_err2str(e ? e : md->topic_cnt ? md->topics[0].err : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART));
    } else {
        list = rd_kafka_topic_partition_list_new(md->topics[0].partition_cnt);
        for (int i = 0; i < md->topics[0].partition_cnt; i++)
            rd_kafka_topic_partition_list_add(list, topic, md->topics[0].partitions[i].id)->offset = ts_ms;
    }
    if (md)
        rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);
    return list;
}

int sp_kafka_rewind_group(const sp_kafka_props *props, const char *group, const char *topic,
                          int64_t ts_ms, int timeout_ms, char *err, size_t errlen)
{
    rd_kafka_conf_t *conf = make_conf(props, consumer_defaults, 'C', err, errlen);
    if (!conf || conf_set(conf, "group.id", group, err, errlen) != 0) {
        if (conf)
            rd_kafka_conf_destroy(conf);
        return -1;
    }
    char why[512];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, why, sizeof(why));
    if (!rk) {
        set_err(err, errlen, "kafka consumer: %s", why);
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    int rc = -1;
    rd_kafka_topic_partition_list_t *list = partitions_at(rk, topic, ts_ms, timeout_ms, err, errlen);
    if (!list)
        goto out;
    rd_kafka_resp_err_t e = rd_kafka_offsets_for_times(rk, list, timeout_ms);
    for (int i = 0; !e && i < list->cnt; i++) {
        int64_t lo, hi;
        rd_kafka_topic_partition_t *tp = &list->elems[i];
        if (tp->offset >= 0)
            continue;
        /* No message at or after ts: start after everything there is. */
        e = rd_kafka_query_watermark_offsets(rk, topic, tp->partition, &lo, &hi, timeout_ms);
        tp->offset = hi;
    }
    if (!e)
        e = rd_kafka_commit(rk, list, 0);
    if (e)
        set_err(err, errlen, "kafka rewind of group %s on %s: %s", group, topic, rd_kafka_err2str(e));
    else
        rc = list->cnt;
    rd_kafka_topic_partition_list_destroy(list);
out:
    rd_kafka_destroy(rk);
    return rc;
}
