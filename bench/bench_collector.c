/* bench_collector.c - the collector's hot path on one core: raw condor_q /
 * condor_history -json bytes -> ads (adreader) -> reference documents
 * (convert) -> protobuf Records packed for Kafka, against the baseline of
 * only parsing the same bytes into a DOM with jansson, in the same run.
 * Ads are spider-sim's CMS-shaped queue and history ads. Target: >= 50,000
 * ads/s per core from raw bytes to protobuf.
 * BENCH_STAGE=0|1 stops each ad after parsing / converting, to see where
 * the time goes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>

#include "adreader.h"
#include "convert.h"
#include "document.h"
#include "pool.h"
#include "record.h"
#include "simad.h"

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double now(void) { return clock_s(CLOCK_MONOTONIC); }

/* This thread's CPU time: what "per core" means on a shared machine. */
static double cpu_now(void) { return clock_s(CLOCK_THREAD_CPUTIME_ID); }

typedef struct {
    sp_converter *conv;
    sp_expr_cache *cache;
    sp_ad *res;
    sp_buf packed;
    long long now;
    size_t docs_out, bytes_out;
} pipeline;

static int stage = 9;

static int on_ad(void *ctx, sp_ad *ad)
{
    pipeline *p = ctx;
    char err[256];
    if (stage == 0) {
        p->docs_out++;
        return 0;
    }
    sp_convert_job job = { "Global", 0, p->now, p->cache };
    if (sp_convert(p->conv, &job, ad, p->res, NULL, err, sizeof(err)) != 1)
        return 0;
    if (stage == 1) {
        p->docs_out++;
        return 0;
    }
    sp_document_meta meta = { "cms", "bench", p->now * 1000, SPIDER__SOURCE__CONDOR_HISTORY, NULL, 0 };
    char id[1024];
    if (sp_document_pack(p->res, &meta, &p->packed, id, sizeof(id), err, sizeof(err)) != 0)
        return 0;
    p->docs_out++;
    p->bytes_out += p->packed.len;
    return 0;
}

static char *corpus(size_t *len, size_t *nads, size_t *nattrs)
{
    sim_pool pool;
    sim_pool_defaults(&pool);
    pool.jobs = 2000;
    char *text = NULL;
    FILE *out = open_memstream(&text, len);
    *nads = *nattrs = 0;
    for (int s = 0; s < 3; s++) {
        sim_ad *ads;
        size_t n = s < 2 ? sim_queue(&pool, s, 12, &ads) : sim_history(&pool, s, 12, 0, &ads);
        sim_write_ads(out, ads, n, SIM_FORMAT_JSONL);
        for (size_t i = 0; i < n; i++) {
            *nattrs += ads[i].n;
            sim_ad_free(&ads[i]);
        }
        *nads += n;
        free(ads);
    }
    fclose(out);
    return text;
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 5;
    if (getenv("BENCH_STAGE"))
        stage = atoi(getenv("BENCH_STAGE"));
    size_t len, n, nattrs;
    char *text = corpus(&len, &n, &nattrs);
    char err[256];
    pipeline p = { .now = 1763800000 + 12 * 720 };
    p.conv = sp_converter_new(NULL, err, sizeof(err));
    p.res = sp_ad_new();
    p.cache = sp_expr_cache_new();
    if (!p.conv || !p.res)
        return 1;

    double t0 = now(), c0 = cpu_now();
    for (int r = 0; r < rounds; r++) {
        sp_adreader *rd = sp_adreader_new(0, on_ad, NULL, &p);
        for (size_t off = 0; off < len; off += 65536)      /* as a pipe delivers it */
            sp_adreader_feed(rd, text + off, off + 65536 > len ? len - off : 65536, err, sizeof(err));
        if (sp_adreader_finish(rd, err, sizeof(err)) != 0 || sp_adreader_ads(rd) != n) {
            fprintf(stderr, "bench_collector: %s\n", err);
            return 1;
        }
        sp_adreader_free(rd);
    }
    double ours = now() - t0, ours_cpu = cpu_now() - c0;
    if (p.docs_out != n * (size_t)rounds) {
        fprintf(stderr, "bench_collector: %zu documents from %zu ads\n", p.docs_out, n * (size_t)rounds);
        return 1;
    }

    /* baseline: parse the same bytes into a DOM, line by line, and nothing else */
    t0 = now();
    for (int r = 0; r < rounds; r++) {
        for (const char *line = text; line < text + len;) {
            const char *nl = memchr(line, '\n', (size_t)(text + len - line));
            size_t l = nl ? (size_t)(nl - line) : (size_t)(text + len - line);
            json_t *j = json_loadb(line, l, 0, NULL);
            if (!j)
                return 1;
            json_decref(j);
            line += l + 1;
        }
    }
    double base = now() - t0;

    double ads_s = (double)(n * (size_t)rounds) / ours;
    printf("bench_collector: %zu ads (%.0f attributes, %.1f KB each), %d rounds, one core\n", n,
           (double)nattrs / (double)n, (double)len / (double)n / 1024.0, rounds);
    printf("  ours   bytes -> ads -> documents -> protobuf: %8.0f ads/s  %6.1f MB/s in  (%.1f KB protobuf/doc)\n",
           ads_s, (double)len * rounds / ours / 1e6, (double)p.bytes_out / (double)p.docs_out / 1024.0);
    printf("  ours per CPU-second of this thread (others' load aside): %8.0f ads/s\n",
           (double)(n * (size_t)rounds) / ours_cpu);
    printf("  jansson parse only (baseline DOM):           %8.0f ads/s  %6.1f MB/s\n",
           (double)(n * (size_t)rounds) / base, (double)len * rounds / base / 1e6);
    printf("  ratio ours/baseline: %.2fx (target: >= 50,000 ads/s: %s)\n", base / ours, ads_s >= 50000 ? "met" : "NOT met");
    free(text);
    sp_converter_free(p.conv);
    sp_ad_free(p.res);
    sp_expr_cache_free(p.cache);
    sp_buf_free(&p.packed);
    return 0;
}
