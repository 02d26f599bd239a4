/* scaleout.c - schedds shared through a consumer group, checkpoints in a
 * compacted topic (see scaleout.h). */
#include "scaleout.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "log.h"
#include "record.h"

#define MAX_PARTITIONS 256

struct sp_scaleout {
    char *topic;
    int partitions;
    sp_kafka_consumer *consumer;
    sp_kafka_producer *producer;
    pthread_t thread;
    atomic_int stop;
    pthread_mutex_t save_lock;       /* one checkpoint write at a time */
    pthread_mutex_t lock;            /* everything below */
    sp_checkpoints *cp;
    unsigned char assigned[MAX_PARTITIONS];
    unsigned char loaded[MAX_PARTITIONS];
    atomic_long acked, failed;
};

static int partition_of(const sp_scaleout *s, const char *schedd)
{
    return (int)(sp_hash_fnv1a64(schedd, strlen(schedd)) % (uint64_t)s->partitions);
}

static void on_assign(void *ctx, const rd_kafka_topic_partition_list_t *parts, int assigned)
{
    sp_scaleout *s = ctx;
    pthread_mutex_lock(&s->lock);
    for (int i = 0; i < parts->cnt; i++) {
        int p = parts->elems[i].partition;
        if (p < 0 || p >= s->partitions)
            continue;
        s->assigned[p] = (unsigned char)assigned;
        s->loaded[p] = 0;
        /* read every assigned partition from its start: nothing is committed */
        if (assigned)
            parts->elems[i].offset = RD_KAFKA_OFFSET_BEGINNING;
    }
    pthread_mutex_unlock(&s->lock);
    sp_info(assigned ? "scaleout.assigned" : "scaleout.revoked", "partitions", SP_LOG_INT(parts->cnt));
}

/* A schedd's seen set (key S#seen): replaces the loaded one. */
static void take_seen(sp_scaleout *s, char *key, const rd_kafka_message_t *m)
{
    key[strlen(key) - strlen(SP_SEEN_SUFFIX)] = '\0';
    sp_seen *seen = sp_seen_parse(m->payload, m->len);
    if (!seen) {
        sp_warn("scaleout.bad_seen", "schedd", key, "action", "ignored: the overlap is sent again");
        return;
    }
    pthread_mutex_lock(&s->lock);
    sp_checkpoints_set_seen(s->cp, key, seen);
    pthread_mutex_unlock(&s->lock);
    sp_seen_free(seen);
}

static int is_seen_key(const char *key)
{
    size_t n = strlen(key), sn = strlen(SP_SEEN_SUFFIX);
    return n > sn && strcmp(key + n - sn, SP_SEEN_SUFFIX) == 0;
}

static void take(sp_scaleout *s, const rd_kafka_message_t *m)
{
    char key[512], val[64];
    if (!m->key || m->key_len >= sizeof(key) || !m->payload)
        return;
    memcpy(key, m->key, m->key_len);
    key[m->key_len] = '\0';
    if (is_seen_key(key)) {
        take_seen(s, key, m);
        return;
    }
    if (m->len >= sizeof(val))
        return;
    memcpy(val, m->payload, m->len);
    val[m->len] = '\0';
    char *end;
    double t = strtod(val, &end);
    if (end == val) {
        sp_warn("scaleout.bad_checkpoint", "schedd", key, "value", val);
        return;
    }
    pthread_mutex_lock(&s->lock);
    sp_checkpoints_advance(s->cp, key, t);
    pthread_mutex_unlock(&s->lock);
}

static void *consume_loop(void *arg)
{
    sp_scaleout *s = arg;
    while (!atomic_load(&s->stop)) {
        rd_kafka_message_t *m = sp_kafka_consume(s->consumer, 200);
        if (!m)
            continue;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            pthread_mutex_lock(&s->lock);
            if (m->partition >= 0 && m->partition < s->partitions && s->assigned[m->partition])
                s->loaded[m->partition] = 1;
            pthread_mutex_unlock(&s->lock);
        } else if (!m->err) {
            take(s, m);
        } else {
            sp_warn("scaleout.consumer", "error", rd_kafka_message_errstr(m));
        }
        rd_kafka_message_destroy(m);
    }
    return NULL;
}

static void on_delivery(void *ctx, void *opaque, rd_kafka_resp_err_t err, const char *topic,
                        int32_t partition, int64_t offset)
{
    sp_scaleout *s = ctx;
    (void)opaque, (void)topic, (void)partition, (void)offset;
    atomic_fetch_add(err ? &s->failed : &s->acked, 1);
}

sp_scaleout *sp_scaleout_new(const sp_kafka_props *props, const char *group, const char *topic,
                             int partitions, char *err, size_t errlen)
{
    if (partitions < 1 || partitions > MAX_PARTITIONS) {
        snprintf(err, errlen, "scale-out: partitions must be 1..%d", MAX_PARTITIONS);
        return NULL;
    }
    static const char *const compact[] = { "cleanup.policy", "compact" };
    if (sp_kafka_create_topic(props, topic, partitions, compact, 1, 15000, err, errlen) != 0)
        return NULL;
    sp_scaleout *s = calloc(1, sizeof(*s));
    if (!s)
        return snprintf(err, errlen, "out of memory"), NULL;
    s->topic = strdup(topic);
    s->partitions = partitions;
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->save_lock, NULL);
    s->cp = sp_checkpoints_new();
    sp_kafka_props cprops;
    sp_kafka_props_init(&cprops);
    for (size_t i = 0; i < props->n; i++)
        sp_kafka_props_set(&cprops, props->keys[i], props->values[i]);
    sp_kafka_props_set(&cprops, SP_KAFKA_CONSUMER_PREFIX "enable.partition.eof", "true");
    if (!sp_kafka_props_get(props, "session.timeout.ms"))
        sp_kafka_props_set(&cprops, SP_KAFKA_CONSUMER_PREFIX "session.timeout.ms", "10000");
    const char *topics[] = { topic };
    s->consumer = sp_kafka_consumer_new(&cprops, group, topics, 1, on_assign, s, err, errlen);
    sp_kafka_props_free(&cprops);
    s->producer = s->consumer ? sp_kafka_producer_new(props, on_delivery, s, err, errlen) : NULL;
    if (!s->cp || !s->producer || pthread_create(&s->thread, NULL, consume_loop, s) != 0) {
        if (s->producer || s->consumer)
            sp_kafka_consumer_free(s->consumer), s->consumer = NULL;
        sp_kafka_producer_free(s->producer, 0);
        sp_checkpoints_free(s->cp);
        free(s->topic);
        free(s);
        return NULL;
    }
    return s;
}

void sp_scaleout_free(sp_scaleout *s)
{
    if (!s)
        return;
    atomic_store(&s->stop, 1);
    pthread_join(s->thread, NULL);
    sp_kafka_consumer_free(s->consumer);
    sp_kafka_producer_free(s->producer, 10000);
    sp_checkpoints_free(s->cp);
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->save_lock);
    free(s->topic);
    free(s);
}

int sp_scaleout_owns(sp_scaleout *s, const char *schedd)
{
    int p = partition_of(s, schedd);
    pthread_mutex_lock(&s->lock);
    int owns = s->assigned[p] && s->loaded[p];
    pthread_mutex_unlock(&s->lock);
    return owns;
}

int sp_scaleout_loaded(sp_scaleout *s, int *assigned)
{
    int loaded = 0, n = 0;
    pthread_mutex_lock(&s->lock);
    for (int p = 0; p < s->partitions; p++) {
        n += s->assigned[p];
        loaded += s->assigned[p] && s->loaded[p];
    }
    pthread_mutex_unlock(&s->lock);
    if (assigned)
        *assigned = n;
    return loaded;
}

double sp_scaleout_history_start(sp_scaleout *s, const char *schedd, double now, long max_minutes)
{
    pthread_mutex_lock(&s->lock);
    double t = sp_history_start(s->cp, schedd, now, max_minutes);
    pthread_mutex_unlock(&s->lock);
    return t;
}

sp_seen *sp_scaleout_seen(sp_scaleout *s, const char *schedd)
{
    pthread_mutex_lock(&s->lock);
    sp_seen *seen = sp_checkpoints_seen(s->cp, schedd);
    pthread_mutex_unlock(&s->lock);
    return seen;
}

static rd_kafka_resp_err_t produce(sp_scaleout *s, const char *schedd, const char *key, const char *val, size_t n)
{
    return rd_kafka_producev(sp_kafka_producer_handle(s->producer), RD_KAFKA_V_TOPIC(s->topic),
                             RD_KAFKA_V_PARTITION(partition_of(s, schedd)), RD_KAFKA_V_KEY(key, strlen(key)),
                             RD_KAFKA_V_VALUE((void *)val, n), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
}

/* The seen set first (same partition, so it is never behind its checkpoint). */
static rd_kafka_resp_err_t produce_seen(sp_scaleout *s, const char *schedd, const sp_seen *seen)
{
    char key[512];
    snprintf(key, sizeof(key), "%s%s", schedd, SP_SEEN_SUFFIX);
    char *text = sp_seen_dump(seen);
    if (!text)
        return RD_KAFKA_RESP_ERR__FAIL;
    rd_kafka_resp_err_t e = produce(s, schedd, key, text, strlen(text));
    free(text);
    return e;
}

int sp_scaleout_save(sp_scaleout *s, const char *schedd, double t, const sp_seen *seen, char *err, size_t errlen)
{
    char val[64];
    int n = snprintf(val, sizeof(val), "%.17g", t), rc = 0;
    pthread_mutex_lock(&s->save_lock);    /* so the flush below waits for this one only */
    long failed = atomic_load(&s->failed), acked = atomic_load(&s->acked);
    rd_kafka_resp_err_t e = produce_seen(s, schedd, seen);
    if (!e)
        e = produce(s, schedd, schedd, val, (size_t)n);
    if (e) {
        snprintf(err, errlen, "checkpoint of %s: %s", schedd, rd_kafka_err2str(e));
        rc = -1;
    } else if (sp_kafka_producer_flush(s->producer, 30000) != 0 || atomic_load(&s->failed) != failed ||
               atomic_load(&s->acked) != acked + 2) {
        snprintf(err, errlen, "checkpoint of %s: not acknowledged by Kafka", schedd);
        rc = -1;
    }
    pthread_mutex_unlock(&s->save_lock);
    if (rc == 0) {
        pthread_mutex_lock(&s->lock);
        sp_checkpoints_advance(s->cp, schedd, t);
        if (sp_checkpoints_set_seen(s->cp, schedd, seen) != 0)
            rc = -1, snprintf(err, errlen, "out of memory");
        pthread_mutex_unlock(&s->lock);
    }
    return rc;
}
