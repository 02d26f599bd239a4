/* publish.h - the publishing loop: documents from Kafka into every output
 * the plugins of output.h open from the configuration, each at its own pace.
 *
 * One lane per output, with its own consumer group ("<group>.<output
 * name>"), so a slow or dead cluster never holds the others back and
 * catches up from Kafka when it returns. A lane reads a batch (count, bytes
 * or time) and has its output (output.h) encode it while the previous
 * batch is in flight; the output delivers every document or dead-letters
 * it, retrying what can succeed later while the lane reads no further than
 * one batch ahead (the backpressure); then the batch's offsets are
 * committed. Memory per lane is bounded by two batches and the consumer's
 * prefetch (prefetch_bytes), whatever the backlog.
 *
 * Ownership: the publisher owns its threads, consumers, outputs and
 * producer; the options, the configuration and the metrics belong to the
 * caller and must outlive it. */
#ifndef SPIDER_PUBLISHER_PUBLISH_H
#define SPIDER_PUBLISHER_PUBLISH_H

#include "config.h"
#include "kafka.h"
#include "metrics.h"
#include "output.h"

typedef struct {
    const sp_kafka_props *kafka;
    const char *const *topics;       /* jobs.history, jobs.changes (jobs.queue: resend everything) */
    size_t ntopics;
    const char *group;               /* prefix of the per-output groups */
    const char *deadletter_topic;
    int batch_docs;
    size_t batch_bytes;
    int batch_ms;
    size_t prefetch_bytes;           /* queued.max.messages.kbytes, unless set as a property */
    int stall_s;                     /* /readyz fails for an output stalled this long */
} sp_publish_opts;

typedef struct sp_publisher sp_publisher;

/* Opens the outputs every plugin (output.h) finds in cfg, one lane each.
 * NULL with err when one cannot be opened or started. */
sp_publisher *sp_publisher_start(const sp_publish_opts *o, sp_config *cfg, sp_metrics *m, char *err,
                                 size_t errlen);
/* /readyz (metrics.h's sp_metrics_health_fn, ctx the publisher): Kafka answers,
 * and no output went stall_s without a commit while messages wait. */
int sp_publisher_ready(void *ctx, char *why, size_t whylen);
/* Stops reading, finishes the batch in hand (committing what was
 * delivered) and joins the threads. */
void sp_publisher_stop(sp_publisher *p);

#endif
