/* kafka.h - librdkafka wrappers: an idempotent producer whose delivery
 * reports reach the caller, a group consumer that commits only what the
 * caller processed, topic creation and group rewind.
 *
 * Properties are librdkafka's, passed through unchanged: our defaults are
 * set first and anything the configuration names overrides them.
 *   producer: enable.idempotence=true, acks=all, compression.type=zstd,
 *             linger.ms=20
 *   consumer: enable.auto.commit=false, enable.auto.offset.store=false,
 *             auto.offset.reset=earliest
 *
 * Ownership: sp_kafka_props owns copies of its strings. Producers and
 * consumers copy what they need from props at creation. A message returned
 * by sp_kafka_consume() belongs to the caller (rd_kafka_message_destroy). */
#ifndef SPIDER_KAFKA_H
#define SPIDER_KAFKA_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <librdkafka/rdkafka.h>

typedef struct {
    char **keys;
    char **values;
    size_t n;
    size_t cap;
} sp_kafka_props;

void sp_kafka_props_init(sp_kafka_props *p);
/* Sets (or replaces) one property; copies both strings. 0, -1 on ENOMEM. */
int sp_kafka_props_set(sp_kafka_props *p, const char *key, const char *value);
/* KEY's value, else that of consumer:KEY, else producer:KEY; NULL unset. */
const char *sp_kafka_props_get(const sp_kafka_props *p, const char *key);
/* Adds every member of a JSON object of strings (config's "kafka.properties"
 * option). Errors name the key: "kafka property "linger.ms": expected a string". */
int sp_kafka_props_from_json(sp_kafka_props *p, const json_t *obj, char *err, size_t errlen);
void sp_kafka_props_free(sp_kafka_props *p);

/* Properties for one kind of client only are kept under a prefix:
 * "producer:linger.ms" reaches producers (and the admin client),
 * "consumer:session.timeout.ms" consumers; unprefixed keys reach both. */
#define SP_KAFKA_PRODUCER_PREFIX "producer:"
#define SP_KAFKA_CONSUMER_PREFIX "consumer:"
/* Which clients librdkafka takes a property for: 'P' producers, 'C'
 * consumers, '*' both, 0 unknown (from rd_kafka_conf_properties_show). */
char sp_kafka_property_scope(const char *key);
/* A property as a producer sees it: "producer:KEY", else KEY; NULL unset. */
const char *sp_kafka_props_get_producer(const sp_kafka_props *p, const char *key);

/* ---- producer ---- */

typedef struct sp_kafka_producer sp_kafka_producer;

/* Called from sp_kafka_producer_poll()/flush() on the caller's thread, once
 * per produced message: err is RD_KAFKA_RESP_ERR_NO_ERROR when the broker
 * acknowledged it (acks=all), offset is then its offset. */
typedef void sp_kafka_delivery_fn(void *ctx, void *msg_opaque, rd_kafka_resp_err_t err,
                                  const char *topic, int32_t partition, int64_t offset);

sp_kafka_producer *sp_kafka_producer_new(const sp_kafka_props *props, sp_kafka_delivery_fn *cb,
                                         void *ctx, char *err, size_t errlen);
/* Queues a copy of key and value. When the local queue is full, serves
 * delivery reports and retries for up to 30 s. Returns the librdkafka error
 * (RD_KAFKA_RESP_ERR_NO_ERROR when queued). */
rd_kafka_resp_err_t sp_kafka_produce(sp_kafka_producer *p, const char *topic,
                                     const void *key, size_t keylen,
                                     const void *value, size_t valuelen, void *msg_opaque);
/* Serves delivery reports; returns how many were served. */
int sp_kafka_producer_poll(sp_kafka_producer *p, int timeout_ms);
/* Waits until every queued message is reported or timeout; returns how
 * many are still outstanding (0 = all reported). */
int sp_kafka_producer_flush(sp_kafka_producer *p, int timeout_ms);
/* Delivered and failed counts since creation. */
uint64_t sp_kafka_producer_delivered(const sp_kafka_producer *p);
uint64_t sp_kafka_producer_failed(const sp_kafka_producer *p);
/* Asks the brokers for metadata within timeout_ms: 0 when one answered,
 * otherwise -1 with err naming bootstrap.servers and the last error
 * librdkafka reported (connection refused, timed out, ...). */
int sp_kafka_producer_check(sp_kafka_producer *p, int timeout_ms, char *err, size_t errlen);
/* The last error librdkafka reported for this producer's brokers ("" if none). */
void sp_kafka_producer_last_error(sp_kafka_producer *p, char *out, size_t len);
/* A fatal error (e.g. idempotence broken) with its reason, or NO_ERROR. */
rd_kafka_resp_err_t sp_kafka_producer_fatal(sp_kafka_producer *p, char *reason, size_t len);
rd_kafka_t *sp_kafka_producer_handle(sp_kafka_producer *p);
/* Flushes for up to flush_ms, then destroys. Returns messages left unsent. */
int sp_kafka_producer_free(sp_kafka_producer *p, int flush_ms);

/* ---- consumer ---- */

typedef struct sp_kafka_consumer sp_kafka_consumer;

/* Told about partitions gained (assigned = 1) and lost (assigned = 0), on
 * the consuming thread, before the assignment changes. On loss, what was
 * committed with sp_kafka_commit() is already committed synchronously. */
typedef void sp_kafka_assign_fn(void *ctx, const rd_kafka_topic_partition_list_t *parts, int assigned);

sp_kafka_consumer *sp_kafka_consumer_new(const sp_kafka_props *props, const char *group,
                                         const char *const *topics, size_t ntopics,
                                         sp_kafka_assign_fn *cb, void *ctx,
                                         char *err, size_t errlen);
/* The next message, or NULL on timeout. While a subscribed topic does not
 * exist yet, also asks for the cluster's metadata every 2 s, so a topic
 * created later is read within seconds of its creation. A message with ->err set is an event:
 * RD_KAFKA_RESP_ERR__PARTITION_EOF (enable.partition.eof=true) or a broker
 * error; the caller destroys every message it gets. */
rd_kafka_message_t *sp_kafka_consume(sp_kafka_consumer *c, int timeout_ms);
/* Commits the message's partition up to and including it (offset + 1). */
rd_kafka_resp_err_t sp_kafka_commit(sp_kafka_consumer *c, const rd_kafka_message_t *m, int async);
/* Leaves the group (committing nothing more) and destroys. */
void sp_kafka_consumer_free(sp_kafka_consumer *c);
rd_kafka_t *sp_kafka_consumer_handle(sp_kafka_consumer *c);

/* ---- admin ---- */

/* 1 when a broker answers a metadata request on rk (any handle: a
 * producer's or a consumer's) within timeout_ms; 0 with why set. Thread-safe. */
int sp_kafka_reachable(rd_kafka_t *rk, int timeout_ms, char *why, size_t whylen);

/* Creates a topic; an existing topic is success. configs: NULL or
 * key/value pairs, nconfigs pairs (e.g. "cleanup.policy", "compact"). */
int sp_kafka_create_topic(const sp_kafka_props *props, const char *topic, int partitions,
                          const char *const *configs, size_t nconfigs, int timeout_ms,
                          char *err, size_t errlen);

/* Sets the committed offsets of a group on every partition of a topic to the
 * first message at or after ts_ms (epoch milliseconds); partitions with no
 * such message go to their end. The group must have no active member.
 * Returns the number of partitions rewound, or -1 with err set. */
int sp_kafka_rewind_group(const sp_kafka_props *props, const char *group, const char *topic,
                          int64_t ts_ms, int timeout_ms, char *err, size_t errlen);

#endif
