/* bench_adjson.c - parsing condor_q -json output of CMS-sized ads: our
 * streaming parser (lib/adjson.c) against jansson's json_loadb of the same
 * bytes (the baseline, a DOM), in one run, one core. The ads come from
 * spider-sim, about 150 attributes and 6 KB each. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>

#include "adjson.h"
#include "pool.h"
#include "simad.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int count_event(void *ctx, const sp_adjson_event *ev)
{
    (void)ev;
    (*(long *)ctx)++;
    return 0;
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 20;
    sim_pool pool;
    sim_pool_defaults(&pool);
    pool.jobs = 2000;
    sim_ad *ads;
    size_t n = sim_queue(&pool, 0, 12, &ads);
    size_t len;
    char *text = sim_ads_text(ads, n, SIM_FORMAT_JSON, &len);

    long events = 0;
    char err[256];
    double t0 = now();
    for (int r = 0; r < rounds; r++) {
        sp_adjson *p = sp_adjson_new(0);
        for (size_t off = 0; off < len; off += 65536) {   /* as a pipe delivers it */
            sp_adjson_feed(p, text + off, off + 65536 > len ? len - off : 65536);
            while (sp_adjson_next(p, count_event, &events, err, sizeof(err)) > 0)
                ;
        }
        if (sp_adjson_finish(p, err, sizeof(err)) != 0 || sp_adjson_ads(p) != n) {
            fprintf(stderr, "bench_adjson: %s\n", err);
            return 1;
        }
        sp_adjson_free(p);
    }
    double ours = now() - t0;

    t0 = now();
    for (int r = 0; r < rounds; r++) {
        json_t *doc = json_loadb(text, len, 0, NULL);
        if (!doc || json_array_size(doc) != n)
            return 1;
        json_decref(doc);
    }
    double base = now() - t0;

    double mb = (double)len * rounds / 1e6;
    printf("bench_adjson: %d x %zu ads (%.1f KB/ad, %ld events per round)\n", rounds, n,
           (double)len / (double)n / 1e3, events / rounds);
    printf("  adjson (streaming)  %9.0f ads/s  %6.0f MB/s\n", (double)n * rounds / ours, mb / ours);
    printf("  jansson (DOM)       %9.0f ads/s  %6.0f MB/s\n", (double)n * rounds / base, mb / base);
    printf("  ratio adjson/jansson: %.1fx\n", base / ours);
    for (size_t i = 0; i < n; i++)
        sim_ad_free(&ads[i]);
    free(ads);
    free(text);
    return 0;
}
