/* snapdiff.h - the differ's stream logic without Kafka: queue snapshots in,
 * change events out.
 *
 * Records of jobs.queue are fed in order (per schedd, as one partition
 * carries them). A snapshot is a SnapshotBegin, its documents and a
 * SnapshotEnd whose count and checksum match what came between. Each
 * document is compared with the schedd's last complete snapshot as it
 * arrives (jobstate.h) and what differs is kept aside; when the end marker
 * proves the snapshot complete, the events go out through the emit
 * callback: ADDED and CHANGED (with the changed fields and the previous
 * status) carrying the new document, then REMOVED for the jobs that left,
 * in the order they came into the state (carrying a document with only the
 * job's identity: the publisher does not index those). The snapshot then
 * becomes the state. A snapshot that never ends (a new begin first), ends
 * with the wrong count or checksum or marked truncated (the collector's
 * --max-documents), or documents outside a snapshot, are
 * counted and never diffed: the next complete snapshot is diffed against
 * the last complete one.
 *
 * The first complete snapshot of a schedd is its baseline: it emits
 * nothing, unless emit_initial (then every job is ADDED). A schedd can be
 * told to treat snapshots as baseline up to and including one it already
 * diffed before a restart (sp_snapdiff_resume), so a restarted differ
 * neither repeats nor loses events.
 *
 * Ownership: the differ owns its state; emitted records are valid during
 * the callback only. Not thread-safe: one thread feeds it. */
#ifndef SPIDER_DIFFER_SNAPDIFF_H
#define SPIDER_DIFFER_SNAPDIFF_H

#include <stddef.h>
#include <stdint.h>

#include "summary.h"

/* One change event: a packed spider Record{change}, keyed by GlobalJobId. */
typedef void sp_snapdiff_emit_fn(void *ctx, const char *key, const void *record, size_t len);
/* A snapshot of schedd (of that time slot) completed and its events were
 * emitted. */
typedef void sp_snapdiff_done_fn(void *ctx, const char *schedd, const char *snapshot_id, long long time_slot);
/* A job left schedd's queue in the snapshot of that time slot. */
typedef void sp_snapdiff_removed_fn(void *ctx, const char *schedd, const char *gjid, long long time_slot);

/* Attributes of a queue document that move with the clock alone (the
 * collector derives them from the poll time), so "changed" means changed:
 * stream's --ignore unless given (main.c), and bench_summary_docs'. */
#define SP_SNAPDIFF_CLOCK_FIELDS "RecordTime,DataCollection,DataCollectionDate,QueueHrs,CoreHr,CommittedCoreHr,WallClockHr," \
                     "CommittedWallClockHr,CpuTimeHr,CpuBadput,Badput,CpuEff,CpuEffOutlier,EventRate,TimePerEvent,KEvents,MegaEvents," \
                     "CMSSWWallHrs,CRAB_TaskCreationDate"

typedef struct {
    const char *const *ignore;        /* attributes that never make a change (exact or prefix*) */
    size_t nignore;
    int emit_initial;                 /* first snapshot of a schedd: every job ADDED */
    sp_snapdiff_emit_fn *emit;
    sp_snapdiff_done_fn *done;        /* may be NULL */
    sp_snapdiff_removed_fn *removed;  /* may be NULL */
    void *ctx;
    /* Summary documents (summary.h) of every complete snapshot that was not
     * diffed before a restart; summary_emit NULL: none. */
    const sp_summary_opts *summary;
    sp_summary_emit_fn *summary_emit;
} sp_snapdiff_opts;

typedef struct {
    uint64_t snapshots, baselines, incomplete, inconsistent, stray, undecodable;
    uint64_t added, changed, removed;
    uint64_t summaries;               /* summary documents emitted */
    uint64_t unsummed;                /* documents diffed but left out of their summary */
    uint64_t jobs, state_bytes;       /* held in the schedds' states */
} sp_snapdiff_stats;

typedef struct sp_snapdiff sp_snapdiff;

sp_snapdiff *sp_snapdiff_new(const sp_snapdiff_opts *o);
void sp_snapdiff_free(sp_snapdiff *d);
/* Feeds one jobs.queue record (packed). now_ms stamps detected_at.
 * 0, or -1 when it is not a spider Record (counted). */
int sp_snapdiff_feed(sp_snapdiff *d, const void *data, size_t len, long long now_ms);
/* Snapshots of schedd up to and including snapshot_id are baselines;
 * snapshot_id NULL ends that (the caller saw it pass the resume point). */
int sp_snapdiff_resume(sp_snapdiff *d, const char *schedd, const char *snapshot_id);
/* Forgets a schedd (its partition went to another instance). */
void sp_snapdiff_forget(sp_snapdiff *d, const char *schedd);
void sp_snapdiff_stats_get(const sp_snapdiff *d, sp_snapdiff_stats *out);

#endif
