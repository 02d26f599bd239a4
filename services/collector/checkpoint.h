/* checkpoint.h - where each schedd's history was read up to, and where the
 * next history poll starts, with the reference spider's rules.
 *
 * File: checkpoint.json, the reference spider's shape, read as it is:
 *   {"vocms0155.cern.ch": 1763800000, "crab3@vocms0199.cern.ch": 1763799000.5}
 * (schedd name -> epoch seconds of the newest EnteredCurrentStatus seen).
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
