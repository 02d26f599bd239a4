/* bench_differ_stream.c - the stream differ on one core: a 300,000-job
 * queue snapshot diffed against its predecessor with 2 % of the jobs
 * changed (JobStatus), 0.5 % added and 0.5 % removed, fed as the packed
 * Records jobs.queue carries. Baseline in the same run: decoding the same
 * snapshot once with protobuf-c (unpack + free), the least any consumer of
 * the topic does. Also the state it keeps: bytes per job (its own count,
 * and the growth of the process's RSS). Documents are spider-sim's
 * CMS-shaped queue ads through the collector's conversion, under 300,000
 * GlobalJobIds. Target (design): a 300,000-job snapshot in under 1 s. Each
 * step is timed in wall-clock and in this thread's CPU time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adreader.h"
#include "convert.h"
#include "document.h"
#include "pool.h"
#include "record.h"
#include "simad.h"
#include "snapdiff.h"

#define BASE_ADS_SCHEDDS 2

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double now(void) { return clock_s(CLOCK_MONOTONIC); }

/* This thread's CPU time: what "one core" means on a shared machine. */
static double cpu_now(void) { return clock_s(CLOCK_THREAD_CPUTIME_ID); }

/* A step's wall-clock and thread CPU seconds. */
typedef struct {
    double wall, cpu;
} took;

static took since(double wall0, double cpu0) { return (took){ now() - wall0, cpu_now() - cpu0 }; }

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = 0;
    while (f && fgets(line, sizeof(line), f))
        if (!strncmp(line, "VmRSS:", 6))
            kb = atol(line + 6);
    if (f)
        fclose(f);
    return kb;
}

typedef struct {
    sp_converter *conv;
    sp_expr_cache *cache;
    sp_ad *res;
    sp_arena arena;
    Spider__Document **docs;
    size_t n, cap;
} corpus;

static int on_ad(void *ctx, sp_ad *ad)
{
    corpus *c = ctx;
    char err[256];
    sp_convert_job job = { "Global", 0, 1763800000 + 12 * 720, c->cache };
    sp_document_meta meta = { "cms", "bench", 1763808640000LL, SPIDER__SOURCE__CONDOR_QUEUE, "S", 0 };
    if (sp_convert(c->conv, &job, ad, c->res, NULL, err, sizeof(err)) != 1)
        return 0;
    Spider__Document *d = sp_document_build(&c->arena, c->res, &meta, err, sizeof(err));
    if (!d || c->n == c->cap)
        return 0;
    /* the built document borrows the ad's strings: keep an unpacked copy */
    Spider__Record r = SPIDER__RECORD__INIT;
    r.kind_case = SPIDER__RECORD__KIND_DOCUMENT;
    r.document = d;
    sp_buf b = { 0 };
    sp_record_pack(&r, &b);
    Spider__Record *own = sp_record_unpack(b.data, b.len);
    sp_buf_free(&b);
    sp_arena_reset(&c->arena);
    if (own)
        c->docs[c->n++] = own->document;
    return 0;
}

/* Converted documents of spider-sim's queue ads (the shapes to repeat). */
static void base_documents(corpus *c)
{
    sim_pool pool;
    sim_pool_defaults(&pool);
    pool.jobs = 2000;
    char err[256];
    c->conv = sp_converter_new(NULL, err, sizeof(err));
    c->cache = sp_expr_cache_new();
    c->res = sp_ad_new();
    c->cap = 8192;
    c->docs = calloc(c->cap, sizeof(*c->docs));
    for (int s = 0; s < BASE_ADS_SCHEDDS; s++) {
        sim_ad *ads;
        size_t n = sim_queue(&pool, s, 12, &ads), len;
        char *text = sim_ads_text(ads, n, SIM_FORMAT_JSONL, &len);
        sp_adreader *rd = sp_adreader_new(0, on_ad, NULL, c);
        sp_adreader_feed(rd, text, len, err, sizeof(err));
        sp_adreader_finish(rd, err, sizeof(err));
        sp_adreader_free(rd);
        free(text);
        for (size_t i = 0; i < n; i++)
            sim_ad_free(&ads[i]);
        free(ads);
    }
}

typedef struct {
    void *data;
    size_t len;
} packed;

/* Job j's Record: base document j % n under GlobalJobId "bench#j",
 * JobStatus bumped when changed. */
static packed pack_job(corpus *c, size_t j, int changed)
{
    Spider__Document *d = c->docs[j % c->n];
    char gjid[64], id[80];
    snprintf(gjid, sizeof(gjid), "bench#%zu", j);
    snprintf(id, sizeof(id), "%s#1763808640", gjid);
    char *old_gjid = d->global_job_id, *old_id = d->id, *old_schedd = d->schedd;
    d->global_job_id = gjid;
    d->id = id;
    d->schedd = "vocms0100.cern.ch";
    Spider__Value *status = NULL;
    for (size_t i = 0; i < d->n_attributes; i++)
        if (!strcmp(d->attributes[i]->name, "JobStatus"))
            status = d->attributes[i]->value;
    int64_t was = status ? status->int_value : 0;
    if (status && changed)
        status->int_value = was % 5 + 1;
    Spider__Record r = SPIDER__RECORD__INIT;
    r.kind_case = SPIDER__RECORD__KIND_DOCUMENT;
    r.document = d;
    static sp_buf b;
    sp_record_pack(&r, &b);
    if (status)
        status->int_value = was;
    d->global_job_id = old_gjid;
    d->id = old_id;
    d->schedd = old_schedd;
    packed out = { malloc(b.len), b.len };
    memcpy(out.data, b.data, b.len);
    return out;
}

static size_t events;

static void on_emit(void *ctx, const char *key, const void *record, size_t len)
{
    (void)ctx, (void)key, (void)record, (void)len;
    events++;
}

static void marker(sp_snapdiff *d, int end, uint64_t count, uint64_t checksum)
{
    Spider__Record r = SPIDER__RECORD__INIT;
    Spider__SnapshotBegin b = SPIDER__SNAPSHOT_BEGIN__INIT;
    Spider__SnapshotEnd e = SPIDER__SNAPSHOT_END__INIT;
    b.schedd = e.schedd = "vocms0100.cern.ch";
    b.snapshot_id = e.snapshot_id = "S";
    e.count = count;
    e.checksum = checksum;
    r.kind_case = end ? SPIDER__RECORD__KIND_SNAPSHOT_END : SPIDER__RECORD__KIND_SNAPSHOT_BEGIN;
    if (end)
        r.snapshot_end = &e;
    else
        r.snapshot_begin = &b;
    sp_buf buf = { 0 };
    sp_record_pack(&r, &buf);
    sp_snapdiff_feed(d, buf.data, buf.len, 0);
    sp_buf_free(&buf);
}

/* Feeds one snapshot; returns its time. */
static took feed(sp_snapdiff *d, packed *recs, size_t n, uint64_t checksum)
{
    double t0 = now(), c0 = cpu_now();
    marker(d, 0, 0, 0);
    for (size_t i = 0; i < n; i++)
        sp_snapdiff_feed(d, recs[i].data, recs[i].len, 0);
    marker(d, 1, n, checksum);
    return since(t0, c0);
}

int main(int argc, char **argv)
{
    size_t jobs = argc > 1 ? (size_t)atol(argv[1]) : 300000;
    corpus c = { 0 };
    base_documents(&c);
    if (!c.n)
        return 1;
    size_t nchanged = 0, nnew = jobs / 200;
    packed *s1 = calloc(jobs, sizeof(packed)), *s2 = calloc(jobs, sizeof(packed));
    uint64_t sum1 = 0, sum2 = 0;
    size_t bytes = 0;
    char id[80];
    for (size_t j = 0; j < jobs; j++) {
        s1[j] = pack_job(&c, j, 0);
        bytes += s1[j].len;
        snprintf(id, sizeof(id), "bench#%zu#1763808640", j);
        sum1 += sp_hash_fnv1a64(id, strlen(id));
    }
    /* snapshot 2: the first 0.5 % removed, 0.5 % new at the end, every 50th changed */
    size_t n2 = 0;
    for (size_t j = nnew; j < jobs + nnew; j++) {
        int changed = j % 50 == 0;
        nchanged += changed && j < jobs;
        s2[n2++] = j < jobs && !changed ? s1[j] : pack_job(&c, j, changed);
        snprintf(id, sizeof(id), "bench#%zu#1763808640", j);
        sum2 += sp_hash_fnv1a64(id, strlen(id));
    }
    static const char *ignore[] = { "RecordTime", "QueueHrs" };
    sp_snapdiff_opts o = { .ignore = ignore, .nignore = 2, .emit = on_emit };
    sp_snapdiff *d = sp_snapdiff_new(&o);

    /* baseline: decode the snapshot once with protobuf-c */
    double t0 = now(), c0 = cpu_now();
    for (size_t j = 0; j < n2; j++) {
        Spider__Record *r = sp_record_unpack(s2[j].data, s2[j].len);
        if (!r)
            return 1;
        spider__record__free_unpacked(r, NULL);
    }
    took base = since(t0, c0);

    long rss0 = rss_kb();
    took first = feed(d, s1, jobs, sum1);
    long rss1 = rss_kb();
    took diff = feed(d, s2, n2, sum2);
    sp_snapdiff_stats st;
    sp_snapdiff_stats_get(d, &st);
    if (st.snapshots != 2 || st.changed != nchanged || st.added != nnew || st.removed != nnew) {
        fprintf(stderr, "bench_differ_stream: wrong diff (%llu undecodable, %llu stray): %llu snapshots, %llu added, %llu changed, %llu removed\n", (unsigned long long)st.undecodable, (unsigned long long)st.stray,
                (unsigned long long)st.snapshots, (unsigned long long)st.added, (unsigned long long)st.changed,
                (unsigned long long)st.removed);
        return 1;
    }
    printf("bench_differ_stream: %zu-job snapshot against its predecessor (%zu changed, %zu added, %zu removed), "
           "%.1f KB protobuf/job, one core\n", jobs, (size_t)st.changed, nnew, nnew, (double)bytes / (double)jobs / 1024);
    printf("  (wall-clock s, and this thread's CPU s: the other core's load does not count)\n");
    printf("  protobuf-c decode of the snapshot (baseline): %6.2f s wall %6.2f s cpu  %8.0f jobs/cpu-s\n", base.wall,
           base.cpu, (double)n2 / base.cpu);
    printf("  first snapshot (builds the state):           %6.2f s wall %6.2f s cpu  %8.0f jobs/cpu-s\n", first.wall,
           first.cpu, (double)jobs / first.cpu);
    printf("  diff of the next snapshot, %zu events:     %6.2f s wall %6.2f s cpu  %8.0f jobs/cpu-s  (%.2fx the "
           "baseline's cpu time; target < 1 s: %s)\n", events, diff.wall, diff.cpu, (double)n2 / diff.cpu,
           diff.cpu / base.cpu, diff.cpu < 1.0 ? "met" : "NOT met");
    printf("  state: %.0f bytes/job counted, %.0f bytes/job of RSS growth\n",
           (double)st.state_bytes / (double)st.jobs, (double)(rss1 - rss0) * 1024 / (double)jobs);
    sp_snapdiff_free(d);
    return 0;
}
