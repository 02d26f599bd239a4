/* publish.h - the publishing loop: documents from Kafka into every search
 * cluster, each cluster at its own pace.
 *
 * One thread and one consumer group ("<group>.<cluster name>") per cluster,
 * so a slow or dead cluster never holds the others back and catches up from
 * Kafka when it returns. A thread reads a batch (count, bytes or time),
 * creates each daily index it has not seen with the reference mapping
 * (mapping.h), sends one _bulk, retries the items that can succeed later
 * (429, 5xx, timeouts, a cluster that is down: exponential backoff with
 * jitter, without reading more, which is the backpressure), sends the ones
 * that never can (mapping errors) to the dead-letter topic with the
 * cluster's reason, and only then commits the batch's offsets. Document ids
 * are the collector's, so a batch sent twice after a crash writes nothing
 * twice. Every document gets metadata.publisher_git_hash.
 *
 * Ownership: the publisher owns its threads, consumers and producer; the
 * options and clusters belong to the caller and must outlive it. */
#ifndef SPIDER_PUBLISHER_PUBLISH_H
#define SPIDER_PUBLISHER_PUBLISH_H

#include <signal.h>

#include "esconf.h"
#include "kafka.h"
#include "metrics.h"

typedef struct {
    const sp_kafka_props *kafka;
    const char *const *topics;       /* jobs.history, jobs.changes (jobs.queue: resend everything) */
    size_t ntopics;
    const char *group;               /* prefix of the per-cluster groups */
    const char *deadletter_topic;
    int batch_docs;
    size_t batch_bytes;
    int batch_ms;
} sp_publish_opts;

typedef struct sp_publisher sp_publisher;

sp_publisher *sp_publisher_start(const sp_publish_opts *o, const sp_clusters *clusters, sp_metrics *m,
                                 char *err, size_t errlen);
/* Stops reading, finishes the batch in hand (committing what was
 * acknowledged) and joins the threads. */
void sp_publisher_stop(sp_publisher *p);

#endif
