/* collector.h - one poll cycle of the collector over every schedd, and the
 * daemon loop around it.
 *
 * A cycle: find the schedds (static list, or condor_status on each pool of
 * collectors.json), then run each schedd's queue poll and history poll on a
 * bounded pool of worker threads. A queue poll is one snapshot on
 * jobs.queue (key = schedd): SnapshotBegin, the documents, SnapshotEnd with
 * their count and checksum. A history poll reads since the schedd's
 * checkpoint (reference rules, checkpoint.h) and emits each document on
 * jobs.history (key = GlobalJobId); the checkpoint moves only once the
 * sink acknowledged every document of that poll. A schedd that fails
 * (exit status, timeout, broken output) is counted and logged; the others
 * go on.
 *
 * Ownership: the collector owns its converter, source (source.h), sink
 * (sink.h), metrics and checkpoint store (store.h); the options' strings belong to the caller (the config). */
#ifndef SPIDER_COLLECTOR_COLLECTOR_H
#define SPIDER_COLLECTOR_COLLECTOR_H

#include <stddef.h>
#include <stdint.h>

#include "kafka.h"
#include "metrics.h"

typedef struct {
    const char *source;              /* exec | exec:DIR | http(s)://... | file:DIR (source.h) */
    const char *collectors_file;     /* collectors.json, or NULL */
    char **schedds;                  /* static list (NULL-terminated) or NULL */
    char **schedd_filter;            /* only these names, or NULL */
    const char *output;              /* kafka | jsonl | bulk (sink.h) */
    const char *output_file;         /* jsonl, bulk: path or "-" */
    const sp_kafka_props *kafka;
    const char *topic_queue, *topic_history;
    const char *checkpoint_file;
    int scale_out;                   /* share schedds through a consumer group (scaleout.h) */
    const char *group, *checkpoint_topic;
    int checkpoint_partitions;
    const char *affiliation_file;    /* or NULL */
    const char *index_template;
    const char *hostname;
    int process_queue, process_history;
    int workers;
    int schedd_timeout_s, cycle_timeout_s;
    long history_max_minutes;
    long history_overlap_s;          /* history polls read back this far before the checkpoint */
    int keep_full_queue_data;
    int read_only, dry_run;
    long long max_documents;         /* per schedd poll; 0 = all (a cut queue snapshot is marked truncated) */
    int kafka_timeout_s;             /* Kafka must answer at the start of a cycle within this */
    size_t max_ad_bytes;
} sp_collector_opts;

typedef struct {
    uint64_t schedds, polls_ok, polls_failed;
    uint64_t ads, bad_ads, documents, convert_failed;
} sp_cycle_stats;

typedef struct sp_collector sp_collector;

sp_collector *sp_collector_new(const sp_collector_opts *o, sp_metrics *metrics, char *err, size_t errlen);
void sp_collector_free(sp_collector *c);
#define SP_POLL_QUEUE 1
#define SP_POLL_HISTORY 2
/* One cycle at epoch second `now` of the polls in `kinds` (SP_POLL_*,
 * further limited by the options). 0 when every poll succeeded, 1 when
 * some failed (the others' data is out), -1 when nothing could run. */
int sp_collector_cycle(sp_collector *c, long long now, int kinds, sp_cycle_stats *stats);
/* Scale-out mode: waits up to timeout_ms for this instance's assignment
 * to be loaded; 1 when it is. Always 1 otherwise. */
int sp_collector_wait_ready(sp_collector *c, int timeout_ms);
/* /healthz: 1 once a cycle has completed (failed schedds show in the
 * metrics, not here). */
int sp_collector_healthy(void *ctx, char *why, size_t whylen);
/* /readyz: healthy, and the sink reachable (Kafka answers). */
int sp_collector_ready(void *ctx, char *why, size_t whylen);

#endif
