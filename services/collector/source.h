/* source.h - where ads come from, behind one interface: the bytes of a
 * queue, history or schedd-list answer are pushed to a callback as they
 * arrive, in whatever format the source speaks (the ad reader tells
 * -json, -jsonl and -long apart).
 *
 * Sources, by the spec string that names them (one file each, one row of
 * source.c's table; source_impl.h is what a backend provides):
 *   exec            (source_exec.c) run condor_q / condor_history / condor_status from PATH
 *   exec:DIR        ... from DIR (e.g. /usr/bin)
 *                   argv only, never a shell; the constraint is one argument;
 *                   stderr is captured into the error; a deadline kills the
 *                   whole process group.
 *   http(s)://HOST[:PORT][/PATH]   (source_http.c)
 *                   an HTTP ad source answering HTCondor -json:
 *                   GET .../queue?schedd=S&pool=P&constraint=C, .../history?...,
 *                   .../schedds?pool=P (spider-sim serve is one); status 200
 *                   or the error body in the error; the deadline is the timeout.
 *   file:DIR        (source_file.c) replay: DIR/<schedd>/queue.json (or .jsonl, .long) and
 *                   DIR/<schedd>/history.*; the schedds are DIR's
 *                   subdirectories. The constraint is not applied: the files
 *                   hold the answer as it was.
 *
 * Ownership: a source owns its paths; the query's strings are the caller's. */
#ifndef SPIDER_COLLECTOR_SOURCE_H
#define SPIDER_COLLECTOR_SOURCE_H

#include <stddef.h>

#include "clock.h"

typedef enum { SP_QUERY_QUEUE, SP_QUERY_HISTORY, SP_QUERY_SCHEDDS } sp_query_kind;

typedef struct {
    sp_query_kind kind;
    const char *schedd;       /* -name (queue, history) */
    const char *pool;         /* -pool: the collector host; NULL for the default */
    const char *constraint;   /* NULL for every ad */
    long long deadline_ms;    /* absolute, sp_source_now_ms() clock; 0 = none */
} sp_query;

/* Non-zero stops the query (sp_source_run then fails with "stopped"). */
typedef int sp_source_bytes_fn(void *ctx, const void *data, size_t len);

typedef struct sp_source sp_source;

sp_source *sp_source_new(const char *spec, char *err, size_t errlen);
void sp_source_free(sp_source *s);
/* Runs one query. 0 when the answer was read whole; -1 with err saying why
 * not (exit status and stderr, timeout, missing file...). */
int sp_source_run(sp_source *s, const sp_query *q, sp_source_bytes_fn *cb, void *ctx, char *err, size_t errlen);
/* The command line an exec source would run, for --dry-run and logs. */
void sp_source_describe(const sp_source *s, const sp_query *q, char *out, size_t outlen);
/* Monotonic milliseconds (lib/clock.h; the old name kept for its callers). */
static inline long long sp_source_now_ms(void) { return sp_clock_mono_ms(); }

#endif
