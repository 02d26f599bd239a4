/* bench_summary_docs.c - documents written per poll for a 70 x 5,000 pool
 * (issue 16): the reference mode (every queued job every poll, into the
 * daily index) against changes mode with summaries and the current-state
 * index (the changed jobs into the daily index, ADDED/CHANGED/REMOVED into
 * <template>-current, one summary document per schedd and group). Queues
 * are spider-sim's, poll after poll, through the collector's conversion
 * and the differ's stream logic with its default summary dimensions, as
 * jobs.queue carries them. A count, not a time: the baseline is the
 * reference mode's count in the same run. BENCH_SCHEDDS=N: a smaller pool. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adreader.h"
#include "convert.h"
#include "document.h"
#include "pool.h"
#include "record.h"
#include "simad.h"
#include "snapdiff.h"
#include "summary.h"

#define SCHEDDS (getenv("BENCH_SCHEDDS") ? atoi(getenv("BENCH_SCHEDDS")) : 70)
#define JOBS 5000
#define FIRST_STEP 12                  /* the pool in its steady state */
#define POLLS 3

typedef struct {
    sp_converter *conv;
    sp_expr_cache *cache;
    sp_ad *res;
    sp_arena arena;
    sp_snapdiff *diff;
    char schedd[32], sid[64];
    long long now;
    uint64_t count, checksum;
    sp_buf buf;
} feeder;

static uint64_t changes[4], summaries;   /* by ChangeEvent kind */

static void on_change(void *ctx, const char *key, const void *record, size_t len)
{
    (void)ctx, (void)key;
    Spider__Record *r = sp_record_unpack(record, len);
    if (r && r->change)
        changes[r->change->kind & 3]++;
    if (r)
        spider__record__free_unpacked(r, NULL);
}

static void on_summary(void *ctx, const char *key, const void *record, size_t len)
{
    (void)ctx, (void)key, (void)record, (void)len;
    summaries++;
}

static void marker(feeder *f, int end)
{
    Spider__Record r = SPIDER__RECORD__INIT;
    Spider__SnapshotBegin b = SPIDER__SNAPSHOT_BEGIN__INIT;
    Spider__SnapshotEnd e = SPIDER__SNAPSHOT_END__INIT;
    b.schedd = e.schedd = f->schedd;
    b.snapshot_id = e.snapshot_id = f->sid;
    b.time_slot = e.time_slot = f->now;
    e.count = f->count;
    e.checksum = f->checksum;
    r.kind_case = end ? SPIDER__RECORD__KIND_SNAPSHOT_END : SPIDER__RECORD__KIND_SNAPSHOT_BEGIN;
    if (end)
        r.snapshot_end = &e;
    else
        r.snapshot_begin = &b;
    sp_record_pack(&r, &f->buf);
    sp_snapdiff_feed(f->diff, f->buf.data, f->buf.len, 0);
}

/* One queue ad: converted as the collector does, fed to the differ. */
static int on_ad(void *ctx, sp_ad *ad)
{
    feeder *f = ctx;
    char err[256];
    sp_convert_job job = { "Global", 0, f->now, f->cache };
    sp_document_meta meta = { "cms", "bench", f->now * 1000, SPIDER__SOURCE__CONDOR_QUEUE, f->sid, 0 };
    if (sp_convert(f->conv, &job, ad, f->res, NULL, err, sizeof(err)) != 1)
        return 0;
    Spider__Document *d = sp_document_build(&f->arena, f->res, &meta, err, sizeof(err));
    if (d) {
        d->schedd = f->schedd;
        Spider__Record r = SPIDER__RECORD__INIT;
        r.kind_case = SPIDER__RECORD__KIND_DOCUMENT;
        r.document = d;
        sp_record_pack(&r, &f->buf);
        sp_snapdiff_feed(f->diff, f->buf.data, f->buf.len, 0);
        f->count++;
        f->checksum = sp_record_checksum_add(f->checksum, d->id, strlen(d->id));
    }
    sp_arena_reset(&f->arena);
    return 0;
}

/* Every schedd's queue at step: one snapshot each. How many documents. */
static uint64_t poll(feeder *f, const sim_pool *pool, int step)
{
    uint64_t docs = 0;
    char err[256];
    f->now = 1763800000LL + step * 720;
    for (int s = 0; s < pool->schedds; s++) {
        sim_ad *ads;
        size_t n = sim_queue(pool, s, step, &ads), len;
        char *text = sim_ads_text(ads, n, SIM_FORMAT_JSONL, &len);
        snprintf(f->schedd, sizeof(f->schedd), "schedd%02d", s);
        snprintf(f->sid, sizeof(f->sid), "%s-%d", f->schedd, step);
        f->count = f->checksum = 0;
        marker(f, 0);
        sp_adreader *rd = sp_adreader_new(0, on_ad, NULL, f);
        sp_adreader_feed(rd, text, len, err, sizeof(err));
        sp_adreader_finish(rd, err, sizeof(err));
        sp_adreader_free(rd);
        marker(f, 1);
        docs += f->count;
        free(text);
        for (size_t i = 0; i < n; i++)
            sim_ad_free(&ads[i]);
        free(ads);
    }
    return docs;
}

/* A comma list as an array of its names (one allocation, the caller's). */
static const char **names_of(const char *list, size_t *n, char **copy)
{
    *copy = strdup(list);
    const char **out = calloc(64, sizeof(char *));
    *n = 0;
    for (char *save, *t = strtok_r(*copy, ",", &save); t && *n < 64; t = strtok_r(NULL, ",", &save))
        out[(*n)++] = t;
    return out;
}

int main(void)
{
    sim_pool pool;
    sim_pool_defaults(&pool);
    pool.schedds = SCHEDDS;
    pool.jobs = JOBS;
    char err[256], *byc, *sumc;
    size_t nby, nsums;
    const char **by = names_of(SP_SUMMARY_BY, &nby, &byc), **sums = names_of(SP_SUMMARY_SUMS, &nsums, &sumc);
    sp_summary_opts so = { by, nby, sums, nsums, "cms" };
    char *clockc;
    size_t nignore;
    const char **ignore = names_of(SP_SNAPDIFF_CLOCK_FIELDS, &nignore, &clockc);   /* the differ's default --ignore */
    sp_snapdiff_opts o = { .ignore = ignore, .nignore = nignore, .emit_initial = 1, .emit = on_change, .summary = &so, .summary_emit = on_summary };
    feeder f = { .conv = sp_converter_new(NULL, err, sizeof(err)), .cache = sp_expr_cache_new(), .res = sp_ad_new(),
                 .diff = sp_snapdiff_new(&o) };
    if (!f.conv || !f.diff)
        return 1;
    printf("bench_summary_docs: documents written per poll, %d schedds x %d jobs (spider-sim, steps %d..%d)\n",
           SCHEDDS, JOBS, FIRST_STEP, FIRST_STEP + POLLS - 1);
    printf("  poll  reference  | changes (daily)  current (index+delete)  summaries  total  | ratio\n");
    for (int k = 0; k < POLLS; k++) {
        memset(changes, 0, sizeof(changes));
        summaries = 0;
        uint64_t ref = poll(&f, &pool, FIRST_STEP + k);
        uint64_t daily = changes[1] + changes[2], current = daily + changes[3];
        uint64_t total = daily + current + summaries;
        printf("  %4d  %9llu  | %15llu  %22llu  %9llu  %6llu | %.3f%s\n", k + 1, (unsigned long long)ref,
               (unsigned long long)daily, (unsigned long long)current, (unsigned long long)summaries,
               (unsigned long long)total, (double)total / (double)ref, k == 0 ? "  (first poll: every job ADDED)" : "");
    }
    sp_snapdiff_free(f.diff);
    free(by), free(sums), free(byc), free(sumc), free(ignore), free(clockc);
    return 0;
}
