/* store_kafka.c - the Kafka checkpoint store of --scale-out: checkpoints
 * and seen sets in the compacted checkpoint topic, the schedds shared with
 * the other instances of the consumer group by partition (scaleout.h holds
 * the protocol; see store.h).
 *
 * Ownership: the store owns the scale-out state (consumer, producer,
 * thread); the topic name is the conf's. */
#include "store_impl.h"

#include "scaleout.h"

static int accepts(const sp_store_conf *conf)
{
    return conf->scale_out;
}

static void close_kafka(sp_store *s)
{
    sp_scaleout_free(s->impl);
}

static sp_store *open_kafka(const sp_store_conf *conf, char *err, size_t errlen)
{
    sp_scaleout *so = sp_scaleout_new(conf->kafka, conf->group, conf->topic, conf->partitions, err, errlen);
    if (!so)
        return NULL;
    sp_store *s = sp_store_new(&sp_store_kafka, conf->topic, so, err, errlen);
    if (!s)
        sp_scaleout_free(so);
    return s;
}

static double history_start(sp_store *s, const char *schedd, double now, long max_minutes, sp_seen **seen)
{
    double start = sp_scaleout_history_start(s->impl, schedd, now, max_minutes);
    *seen = sp_scaleout_seen(s->impl, schedd);
    return start;
}

static int save(sp_store *s, const char *schedd, double t, const sp_seen *seen, char *err, size_t errlen)
{
    return sp_scaleout_save(s->impl, schedd, t, seen, err, errlen);
}

static int owns(sp_store *s, const char *schedd)
{
    return sp_scaleout_owns(s->impl, schedd);
}

static int loaded(sp_store *s, int *assigned)
{
    return sp_scaleout_loaded(s->impl, assigned);
}

const sp_store_type sp_store_kafka = {
    .kind = "topic",
    .accepts = accepts,
    .open = open_kafka,
    .history_start = history_start,
    .save = save,
    .owns = owns,
    .loaded = loaded,
    .close = close_kafka,
};
