/* stream.h - spider-differ stream: jobs.queue in, jobs.changes out, through
 * Kafka, with the logic of snapdiff.h; and the summary documents of each
 * complete snapshot (summary.h) to jobs.summary, flushed with its changes.
 *
 * Instances share the schedds through one consumer group (a schedd's
 * snapshots are on one partition: the collector keys them by schedd). A
 * partition's offset is committed once the changes of a completed snapshot
 * were acknowledged by Kafka: at the begin marker of the oldest snapshot
 * some schedd of that partition still needs (its last diffed one, which
 * becomes its baseline again), with the id and begin offset of the last
 * diffed snapshot of each schedd in the commit's metadata. A restarted
 * instance, or the one a partition moves to, reads from there, rebuilds
 * each schedd's state from the snapshots that begin up to that offset, and
 * diffs from the next one on: no event lost, none repeated, no ADDED
 * storm. A delivery Kafka refuses stops the
 * service (exit 1) before anything after it is committed.
 *
 * services/differ/stream/ is the stream half of spider-differ: stream.c,
 * snapdiff.c, jobstate.c, lost.c, summary.c. Its files include lib/ and one
 * another, never compare/ (the other half); main.c includes both.
 *
 * Ownership: the options belong to the caller. */
#ifndef SPIDER_DIFFER_STREAM_H
#define SPIDER_DIFFER_STREAM_H

#include <signal.h>
#include <stddef.h>

#include "kafka.h"
#include "metrics.h"
#include "stomp.h"
#include "summary.h"

typedef struct {
    const sp_kafka_props *kafka;
    const char *topic_queue;          /* jobs.queue */
    const char *topic_changes;        /* jobs.changes */
    const char *group;
    const char *const *ignore;        /* attributes that never make a change */
    size_t nignore;
    int emit_initial;                 /* a schedd's first snapshot: every job ADDED */
    const char *topic_history;        /* jobs.history: removed jobs must show up there (lost.h) */
    long long lost_grace_s;           /* 0: no lost-job tracking */
    const sp_stomp_options *amq;      /* alerts go here too; NULL: logged and counted only */
    int amq_timeout_ms;
    const char *alerts_destination;   /* /topic/spider.alerts */
    sp_metrics_server *server;        /* its /readyz is the stream's while it runs; NULL: none */
    const char *topic_summary;        /* jobs.summary (summary.h), key = the document's id; "" or NULL: none */
    const sp_summary_opts *summary;
} sp_stream_opts;

/* Runs until *stop. /readyz (o->server): Kafka answers, and the loop came
 * round within the last 60 s (not stuck waiting for Kafka to take changes). 0, or -1 with err (Kafka refused a change). */
int sp_stream_run(const sp_stream_opts *o, sp_metrics *m, volatile sig_atomic_t *stop, char *err, size_t errlen);

#endif
