/* bench_differ_compare.c - spider-differ compare on two JSON-lines dumps of
 * N documents (default 1,000,000; CMS-like, 32 fields, ~1 KB each), the
 * right one with planted differences (0.1 % of ids missing, 0.4 % with one
 * field changed, 5 % with a date shifted by 7 hours), generated first into
 * $BENCH_DIR (default /tmp). Each mode runs in a child process so its peak
 * RSS (getrusage ru_maxrss) is its own:
 *   memory       --memory-limit 4G: the left side in memory, one pass
 *   partitioned  --memory-limit 64M: both sides hash-partitioned to disk
 * Rates count the documents of both sides per second of wall time.
 * Baseline in the same run: jansson parsing every line of both dumps once
 * and nothing else (the least any JSON comparison must do).
 *
 *   build/bench_differ_compare [N]        BENCH_KEEP=1 keeps the dumps */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>

#include "differ.h"
#include "log.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void write_doc(FILE *f, long i, int right)
{
    static const char *const sites[] = { "T2_CH_CERN", "T1_US_FNAL", "T2_DE_DESY", "T2_IT_Pisa", "T2_UK_London_IC" };
    static const char *const status[] = { "Running", "Idle", "Held", "Completed" };
    long long rt = 1763800000LL + i % 86400;
    long long start = rt - 3600 - i % 7200;
    if (right && i % 20 == 3)
        start += 25200;
    const char *site = right && i % 250 == 17 ? "T3_US_Changed" : sites[i % 5];
    fprintf(f,
            "{\"GlobalJobId\":\"vocms0%ld.cern.ch#%ld.0#1763700000\",\"RecordTime\":%lld,"
            "\"JobCurrentStartDate\":%lld,\"QDate\":%lld,\"EnteredCurrentStatus\":%lld,"
            "\"Status\":\"%s\",\"Universe\":\"Vanilla\",\"Site\":\"%s\",\"Tier\":\"%.2s\",\"Country\":\"%.2s\","
            "\"CpuEff\":%.6f,\"CoreHr\":%.4f,\"WallClockHr\":%.4f,\"CommittedCoreHr\":%.4f,"
            "\"RequestCpus\":%ld,\"RequestMemory\":%ld,\"MemoryMB\":%ld,\"DiskUsageGB\":%.3f,"
            "\"ExitCode\":%ld,\"JobPrio\":%ld,\"NumJobStarts\":%ld,\"NumRestarts\":0,"
            "\"CRAB_UserHN\":\"user%ld\",\"CRAB_Workflow\":\"241122_103000:user%ld_crab_task_%ld\","
            "\"Campaign\":\"RunIISummer20UL18\",\"TaskType\":\"Analysis\",\"Type\":\"analysis\","
            "\"HasSingularity\":%s,\"DESIRED_Sites\":[\"%s\",\"%s\"],\"ScheddName\":\"vocms0%ld.cern.ch\","
            "\"metadata\":{\"spider_git_hash\":\"%s\",\"spider_hostname\":\"host%d\",\"spider_runtime\":%lld,"
            "\"spider_source\":\"condor_queue\"}}\n",
            i % 9, i, rt, start, rt - 86400, rt - 60, status[i % 4], site, sites[i % 5] + 1, sites[i % 5] + 4,
            (double)(i % 1000) / 1000.0, (double)(i % 977) / 7.0, (double)(i % 613) / 3.0, (double)(i % 431) / 5.0,
            1 + i % 8, 2000 + (i % 8) * 500, 1500 + i % 3000, (double)(i % 1000) / 100.0,
            i % 3 ? 0 : 8001 + i % 10, i % 20, 1 + i % 3, i % 500, i % 500, i % 10000,
            i % 2 ? "true" : "false", sites[i % 5], sites[(i + 1) % 5], i % 9,
            right ? "b2c3d4e" : "a1b2c3d", right, rt * 1000 + right);
}

static void generate(const char *path, long n, int right)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(2);
    }
    setvbuf(f, NULL, _IOFBF, 1 << 20);
    for (long i = 0; i < n; i++)
        if (!(right && i % 1000 == 5))
            write_doc(f, i, right);
    if (fclose(f) != 0) {
        perror(path);
        exit(2);
    }
}

/* Parses every line of both files; returns the seconds. */
static double baseline(const char *l, const char *r, long *lines)
{
    double t0 = now();
    char *buf = NULL;
    size_t cap = 0;
    ssize_t len;
    *lines = 0;
    for (int s = 0; s < 2; s++) {
        FILE *f = fopen(s ? r : l, "r");
        while ((len = getline(&buf, &cap, f)) > 0) {
            json_t *j = json_loadb(buf, (size_t)len, 0, NULL);
            if (!j)
                exit(2);
            json_decref(j);
            (*lines)++;
        }
        fclose(f);
    }
    free(buf);
    return now() - t0;
}

/* Runs one compare in a child; prints its rate and peak RSS. */
static void run_mode(const char *name, const char *l, const char *r, uint64_t limit, long docs, double base_rate)
{
    double t0 = now();
    pid_t pid = fork();
    if (pid == 0) {
        differ_opts o;
        differ_opts_defaults(&o);
        o.memory_limit = limit;
        o.tmp_dir = getenv("BENCH_DIR");
        differ_report rep;
        char err[512];
        int rc = differ_compare(l, r, &o, &rep, err, sizeof(err));
        if (rc != 0)
            fprintf(stderr, "bench_differ_compare: %s\n", err);
        else if (rep.only_left == 0 || rep.nfindings == 0)
            rc = 1, fprintf(stderr, "bench_differ_compare: planted differences not found\n");
        differ_report_free(&rep);
        _exit(rc ? 1 : 0);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench_differ_compare: %s run failed\n", name);
        exit(1);
    }
    double secs = now() - t0, rate = (double)docs / secs;
    printf("  %-12s %9.0f docs/s  %6.1f s  peak RSS %7.1f MB  (%.2fx the parse-only baseline's time)\n",
           name, rate, secs, (double)ru.ru_maxrss / 1024.0, base_rate / rate);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    const char *dir = getenv("BENCH_DIR") ? getenv("BENCH_DIR") : "/tmp";
    char l[512], r[512];
    snprintf(l, sizeof(l), "%s/bench_differ_left.%ld.jsonl", dir, (long)getpid());
    snprintf(r, sizeof(r), "%s/bench_differ_right.%ld.jsonl", dir, (long)getpid());
    sp_log_init("bench", SP_LOG_WARN, SP_LOG_FORMAT_KV);
    double t0 = now();
    generate(l, n, 0);
    generate(r, n, 1);
    double gen = now() - t0;
    long lines;
    double base = baseline(l, r, &lines);
    FILE *f = fopen(l, "r");
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);
    printf("bench_differ_compare: 2 x %ld documents (%.0f bytes each, %.0f MB per side), generated in %.1f s\n",
           n, (double)size / (double)n, (double)size / 1e6, gen);
    printf("  %-12s %9.0f docs/s  %6.1f s  (jansson parse of every line, nothing else)\n", "baseline",
           (double)lines / base, base);
    run_mode("memory", l, r, 4ULL << 30, lines, (double)lines / base);
    run_mode("partitioned", l, r, 64ULL << 20, lines, (double)lines / base);
    if (!getenv("BENCH_KEEP")) {
        unlink(l);
        unlink(r);
    }
    sp_log_shutdown();
    return 0;
}
