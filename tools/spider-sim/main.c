/* main.c - spider-sim: a simulated HTCondor pool that prints what condor_q
 * and condor_history would, reproducibly from a seed. It stands in for
 * HTCondor (which has no package here) in tests, the demo and benchmarks.
 *
 *   spider-sim schedds                         the schedd names
 *   spider-sim queue SCHEDD STEP               the queue at poll STEP
 *   spider-sim history SCHEDD STEP [SINCE]     history visible at STEP, ended after SINCE
 *   spider-sim changes SCHEDD STEP [FROM]      the truth: ADDED/CHANGED/REMOVED GlobalJobId lines
 *                                              between polls FROM (default STEP-1) and STEP
 *   spider-sim samples                         --jobs ads with every class of value (samples.c)
 *   spider-sim serve [--port N]                the HTTP ad source (serve.c)
 * Options: --format json|jsonl|long, --seed N, --schedds N, --jobs N,
 *          --t0 EPOCH, --interval SECONDS.
 * Called as condor_q, condor_history or condor_status (the symlinks in
 * build/sim-bin/), it answers as those tools do: see fake.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake.h"
#include "serve.h"
#include "pool.h"
#include "samples.h"
#include "spider.h"

static const sp_opt options[] = {
    SP_SERVICE_OPTIONS,
    { "format", SP_OPT_STRING, "json", "format", "json (condor_q -json), jsonl or long (-long)" },
    { "seed", SP_OPT_INT, "1", "seed", "seed of the pool: same seed, same pool" },
    { "schedds", SP_OPT_INT, "4", "schedds", "number of schedds" },
    { "jobs", SP_OPT_INT, "100", "jobs", "jobs in each queue in the steady state" },
    { "t0", SP_OPT_INT, "1763800000", "t0", "epoch seconds of step 0" },
    { "interval", SP_OPT_INT, "720", "interval", "seconds between steps (polls)" },
    { "address", SP_OPT_STRING, "127.0.0.1", "address", "serve: address to listen on" },
    { "port", SP_OPT_INT, "9680", "port", "serve: port to listen on" },
};

static int fail(const char *fmt, const char *arg)
{
    fprintf(stderr, "spider-sim: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (see spider-sim --help)\n");
    return 2;
}

static int print_changes(const sim_pool *p, int s, long long from, long long to)
{
    static const char *const kinds[] = { "", "ADDED", "CHANGED", "REMOVED" };
    sim_change *c;
    size_t n = sim_changes(p, s, from, to, &c);
    for (size_t i = 0; i < n; i++)
        printf("%s %s\n", kinds[c[i].kind], c[i].gjid);
    free(c);
    return 0;
}

static int print_samples(const sim_pool *p, sim_format format)
{
    sim_ad *ads;
    size_t n = sim_samples(p->seed, (size_t)p->jobs, &ads);
    sim_write_ads(stdout, ads, n, format);
    for (size_t i = 0; i < n; i++)
        sim_ad_free(&ads[i]);
    free(ads);
    return 0;
}

static int run(sp_config *cfg)
{
    sim_pool p;
    sim_format format;
    sim_pool_defaults(&p);
    p.seed = (uint64_t)sp_config_int(cfg, "seed");
    p.schedds = (int)sp_config_int(cfg, "schedds");
    p.jobs = (int)sp_config_int(cfg, "jobs");
    p.t0 = sp_config_int(cfg, "t0");
    p.interval = (int)sp_config_int(cfg, "interval");
    if (sim_format_parse(sp_config_str(cfg, "format"), &format) != 0)
        return fail("--format: expected json, jsonl or long, got \"%s\"", sp_config_str(cfg, "format"));
    if (p.schedds < 1 || p.jobs < 1 || p.interval < 2)
        return fail("%s", "--schedds, --jobs must be positive and --interval at least 2");
    char **args;
    int n = sp_config_args(cfg, &args);
    if (n == 0)
        return fail("%s", "missing COMMAND");
    if (strcmp(args[0], "serve") == 0) {
        /* the pool of the HTTP answers comes from SPIDER_SIM_* like the fake tools' */
        return sim_serve(sp_config_str(cfg, "address"), (int)sp_config_int(cfg, "port"));
    }
    if (strcmp(args[0], "schedds") == 0) {
        char name[64];
        for (int i = 0; i < p.schedds; i++) {
            sim_schedd_name(&p, i, name, sizeof(name));
            printf("%s\n", name);
        }
        return 0;
    }
    if (strcmp(args[0], "samples") == 0)
        return print_samples(&p, format);
    int queue = strcmp(args[0], "queue") == 0, changes = strcmp(args[0], "changes") == 0;
    if (!queue && !changes && strcmp(args[0], "history") != 0)
        return fail("unknown command \"%s\"", args[0]);
    if (n < 3)
        return fail("%s: needs SCHEDD STEP", args[0]);
    int s = sim_schedd_index(&p, args[1]);
    if (s < 0)
        return fail("no schedd \"%s\" in this pool", args[1]);
    long long step = atoll(args[2]);
    if (changes)
        return print_changes(&p, s, n > 3 ? atoll(args[3]) : step - 1, step);
    sim_ad *ads;
    size_t count = queue ? sim_queue(&p, s, step, &ads)
                         : sim_history(&p, s, step, n > 3 ? atoll(args[3]) : 0, &ads);
    (queue ? sim_write_ads : sim_write_history_ads)(stdout, ads, count, format);
    for (size_t i = 0; i < count; i++)
        sim_ad_free(&ads[i]);
    free(ads);
    return 0;
}

int main(int argc, char **argv)
{
    const char *self = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    if (!strcmp(self, "condor_q") || !strcmp(self, "condor_history") || !strcmp(self, "condor_status"))
        return sim_fake_main(self, argc, argv);
    sp_config *cfg = sp_config_new("spider-sim", "schedds | queue SCHEDD STEP | history SCHEDD STEP [SINCE] | changes SCHEDD STEP [FROM] | samples | serve",
        "A simulated HTCondor pool: prints what condor_q / condor_history would print,\n"
        "in their -json, -jsonl or -long formats, for any poll step, reproducibly from a seed.",
        options, sizeof(options) / sizeof(options[0]));
    int rc = sp_service_init(cfg, "sim", argc, argv);
    if (rc < 0)
        rc = run(cfg);
    sp_config_free(cfg);
    sp_log_shutdown();
    return rc;
}
