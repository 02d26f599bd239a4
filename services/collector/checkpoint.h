/* checkpoint.h - where each schedd's history was read up to, and where the
 * next history poll starts, with the reference spider's rules.
 *
 * File: checkpoint.json, the reference spider's shape, read as it is:
 *   {"vocms0155.cern.ch": 1763800000, "crab3@vocms0199.cern.ch": 1763799000.5}
 * (schedd name -> epoch seconds of the newest EnteredCurrentStatus seen).
 * spider-collector adds one key no schedd is named, SP_SEEN_KEY, holding
 * per schedd the history records of the overlap window Kafka already
 * acknowledged (GlobalJobId -> EnteredCurrentStatus), so a poll that reads
 * the overlap again skips them; the reference reads schedds by name and
 * never looks at it:
 *   {"vocms0155.cern.ch": 1763800000,
 *    "spider.history_seen": {"vocms0155.cern.ch": {"vocms0155.cern.ch#1.0#1763799000": 1763799990}}}
 * Saving writes CHECKPOINT.tmp, fsyncs it, keeps the previous file as
 * CHECKPOINT.back and renames the new one into place, so a crash at any
 * point leaves a readable checkpoint or its .back. Loading falls back to
 * .back when the file is missing or unreadable after a crash (and says so).
 *
 * Ownership: sp_checkpoints owns its names; free with sp_checkpoints_free. */
#ifndef SPIDER_COLLECTOR_CHECKPOINT_H
#define SPIDER_COLLECTOR_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

typedef struct sp_checkpoints sp_checkpoints;

/* A missing file (and no .back) is an empty set, as on a first run. A file
 * that is not a JSON object of numbers is an error naming the file and key,
 * unless its .back is good. */
sp_checkpoints *sp_checkpoints_load(const char *path, char *err, size_t errlen);
void sp_checkpoints_free(sp_checkpoints *c);
/* An empty set (scale-out mode fills it from Kafka). NULL on ENOMEM. */
sp_checkpoints *sp_checkpoints_new(void);
/* 1 and *t when the schedd has a checkpoint, 0 otherwise. */
int sp_checkpoints_get(const sp_checkpoints *c, const char *schedd, double *t);
/* Moves a schedd's checkpoint forward (never back). 0, or -1 on ENOMEM. */
int sp_checkpoints_advance(sp_checkpoints *c, const char *schedd, double t);
size_t sp_checkpoints_count(const sp_checkpoints *c);

/* ---------- the overlap window's acknowledged records ---------- */

#define SP_SEEN_KEY "spider.history_seen"

/* A set of history records: GlobalJobId -> EnteredCurrentStatus. */
typedef struct sp_seen sp_seen;
sp_seen *sp_seen_new(void);           /* NULL on ENOMEM */
void sp_seen_free(sp_seen *s);
/* 0, or -1 on ENOMEM. A later completion time replaces an earlier one. */
int sp_seen_add(sp_seen *s, const char *gjid, double ecs);
/* 1 when the record (this job, this completion time) is in the set. */
int sp_seen_has(const sp_seen *s, const char *gjid, double ecs);
size_t sp_seen_count(const sp_seen *s);
/* Adds every record of `from` to `into`. 0 or -1 on ENOMEM. */
int sp_seen_merge(sp_seen *into, const sp_seen *from);
/* Drops the records completed before floor (outside the overlap window);
 * the number dropped. */
size_t sp_seen_prune(sp_seen *s, double floor);
/* The set the next poll skips, after a poll that Kafka acknowledged whole:
 * seen plus what the poll sent (fresh), less the records the next overlap
 * cannot read again (completed before checkpoint - overlap_s). 0 or -1 on
 * ENOMEM. */
int sp_seen_next(sp_seen *seen, const sp_seen *fresh, double checkpoint, long overlap_s);
/* As compact JSON (caller frees), and back; NULL when not an object of numbers. */
char *sp_seen_dump(const sp_seen *s);
sp_seen *sp_seen_parse(const char *text, size_t len);
/* A copy of the schedd's set (empty without one); NULL on ENOMEM. */
sp_seen *sp_checkpoints_seen(const sp_checkpoints *c, const char *schedd);
/* Replaces the schedd's set with a copy of s. 0 or -1 on ENOMEM. */
int sp_checkpoints_set_seen(sp_checkpoints *c, const char *schedd, const sp_seen *s);
int sp_checkpoints_save(const sp_checkpoints *c, const char *path, char *err, size_t errlen);

/* The reference spider's history rules (history.py). */
#define SP_RETENTION_SECONDS (39LL * 24 * 3600)   /* never ask for older history */
#define SP_CRAB_MAX_SPAN_SECONDS (12LL * 3600)    /* crab* schedds: at most 12 h back */

/* Where the history of `schedd` starts being read at time `now`: its
 * checkpoint, or now - max_minutes without one; never before the 39-day
 * retention; for crab* schedds whose checkpoint is over 12 h old, now -
 * max_minutes again. */
double sp_history_start(const sp_checkpoints *c, const char *schedd, double now, long max_minutes);
/* The query's lower bound on EnteredCurrentStatus / CRAB_PostJobLastUpdate:
 * one poll period before the start, so nothing at the edge is missed. */
long long sp_history_since(double start, long period_seconds);

#endif
