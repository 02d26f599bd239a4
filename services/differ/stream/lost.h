/* lost.h - jobs that left a schedd's queue and did not show up in
 * jobs.history within a grace period: lost data, or late data (seed 003).
 *
 * Time is the pool's, not the differ's clock: a job removed by the
 * snapshot of time slot T is overdue once a later snapshot of its schedd
 * has a time slot >= T + grace and its history has not been seen; then a
 * LOST_JOB alert goes out. When its history arrives after all, a
 * LOST_JOB_RESOLVED alert follows. History seen before the removal (the
 * history poll ran first) counts too: the job is remembered for two grace
 * periods. Replays and tests therefore behave as the live pool does.
 *
 * Ownership: the tracker owns its tables; alerts passed to the callback
 * are valid during the call only. Not thread-safe. */
#ifndef SPIDER_DIFFER_LOST_H
#define SPIDER_DIFFER_LOST_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

typedef void sp_lost_alert_fn(void *ctx, const Spider__Alert *alert);

typedef struct {
    uint64_t pending, lost, resolved;   /* now waiting; alerts raised; lost ones found later */
} sp_lost_stats;

typedef struct sp_lost sp_lost;

sp_lost *sp_lost_new(long long grace_s, sp_lost_alert_fn *fn, void *ctx);
void sp_lost_free(sp_lost *l);
/* The job left schedd's queue in the snapshot of time slot at. */
void sp_lost_removed(sp_lost *l, const char *schedd, const char *gjid, long long at);
/* Its history document arrived (now: the latest time slot seen). */
void sp_lost_history(sp_lost *l, const char *gjid, long long now);
/* A snapshot of schedd at time slot now completed: alert what is overdue. */
void sp_lost_tick(sp_lost *l, const char *schedd, long long now);
void sp_lost_stats_get(const sp_lost *l, sp_lost_stats *out);

#endif
