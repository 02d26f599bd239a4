/* itest_collector.c - spider-collector against the real Kafka of the local
 * stack, polling a spider-sim pool through the fake condor_q /
 * condor_history on PATH (build/sim-bin):
 *   - every queue poll is one complete snapshot per schedd: begin, the
 *     documents, end whose count and checksum match what was sent; the
 *     documents are exactly the simulated queue that the reference query
 *     selects;
 *   - history over several cycles, with a collector SIGKILLed while one
 *     schedd hangs, has no gap: every simulated history record in the
 *     window arrives, and nothing outside it;
 *   - a schedd that exits non-zero or prints garbage fails alone: the other
 *     schedds' snapshots are complete;
 *   - scale-out: two daemons in one group split the schedds (each polled by
 *     one instance), and when one is SIGKILLed the other takes them all. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "kafka.h"
#include "log.h"
#include "pool.h"
#include "record.h"
#include "testenv.h"

#define SCHEDDS 4
#define JOBS 40

static sp_kafka_props props;
static char prefix[96], tq[128], th[128], dir[128], cp[160], stepfile[160];
static sim_pool pool;

static long long step_time(int k)
{
    return pool.t0 + (long long)k * pool.interval;
}

static int setup(void **state)
{
    (void)state;
    sp_log_init("itest", SP_LOG_WARN, SP_LOG_FORMAT_KV);
    if (!getenv("SPIDER_BUILD_DIR")) {
        fprintf(stderr, "SPIDER_BUILD_DIR not set (run through ctest)\n");
        return -1;
    }
    if (tc_kafka_props(&props) != 0)
        return -1;
    tc_unique_name(prefix, sizeof(prefix), "collector");
    snprintf(tq, sizeof(tq), "%s.queue", prefix);
    snprintf(th, sizeof(th), "%s.history", prefix);
    if (tc_kafka_topics(&props, 3, tq, th, (char *)NULL) != 0 || tc_tempdir(dir, sizeof(dir), "itest-collector") != 0)
        return -1;
    snprintf(cp, sizeof(cp), "%s/checkpoint.json", dir);
    snprintf(stepfile, sizeof(stepfile), "%s/step", dir);
    sim_pool_defaults(&pool);
    pool.schedds = SCHEDDS;
    pool.jobs = JOBS;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tc_rmtree(dir);
    sp_kafka_props_free(&props);
    sp_log_shutdown();
    return 0;
}

static void set_step(int k)
{
    tc_sim sim = { stepfile, SCHEDDS, JOBS };
    assert_int_equal(tc_sim_set_step(&sim, k), 0);
}

/* Runs spider-collector run --once at step k; kill_after_ms > 0 kills it
 * with SIGKILL then. Returns the exit status, or -9 when killed. */
static int collector(int k, const char *fail, int kill_after_ms)
{
    char exe[512], now[32];
    tc_sim sim = { stepfile, SCHEDDS, JOBS };
    tc_build_path(exe, sizeof(exe), "spider-collector");
    snprintf(now, sizeof(now), "%lld", step_time(k));
    set_step(k);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        tc_sim_child_env(&sim, fail);
        execl(exe, exe, "run", "--once", "--now", now, "--checkpoint-file", cp, "--topic-queue", tq,
              "--topic-history", th, "--kafka-brokers", getenv("KAFKA_BOOTSTRAP"), "--workers", "3",
              "--schedd-timeout", "8", "--log-level", "error", (char *)NULL);
        _exit(127);
    }
    int status;
    if (kill_after_ms > 0) {
        usleep((useconds_t)kill_after_ms * 1000);
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        return WIFSIGNALED(status) ? -WTERMSIG(status) : WEXITSTATUS(status);
    }
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

/* ---- reading the topics back ---- */

typedef struct {
    char id[96];
    char schedd[64];
    char host[32];
    long long time_slot;
    int begun, ended;
    uint64_t end_count, end_checksum, count, checksum;
    char **docs;                 /* GlobalJobIds */
    size_t ndocs;
} snapshot;

typedef struct {
    snapshot s[2048];
    size_t n;
    char **history;              /* document ids */
    size_t nhistory;
} seen;

static snapshot *find_snapshot(seen *out, const char *id)
{
    for (size_t i = 0; i < out->n; i++)
        if (!strcmp(out->s[i].id, id))
            return &out->s[i];
    assert_true(out->n < 2048);
    snapshot *s = &out->s[out->n++];
    memset(s, 0, sizeof(*s));
    snprintf(s->id, sizeof(s->id), "%s", id);
    return s;
}

static void take(void *ctx, const char *topic, const Spider__Record *r)
{
    seen *out = ctx;
    if (!strcmp(topic, th)) {
        assert_int_equal(r->kind_case, SPIDER__RECORD__KIND_DOCUMENT);
        out->history = realloc(out->history, (out->nhistory + 1) * sizeof(char *));
        out->history[out->nhistory++] = strdup(r->document->id);
        return;
    }
    if (r->kind_case == SPIDER__RECORD__KIND_SNAPSHOT_BEGIN) {
        snapshot *s = find_snapshot(out, r->snapshot_begin->snapshot_id);
        s->begun = 1;
        s->time_slot = r->snapshot_begin->time_slot;
        snprintf(s->schedd, sizeof(s->schedd), "%s", r->snapshot_begin->schedd);
    } else if (r->kind_case == SPIDER__RECORD__KIND_SNAPSHOT_END) {
        snapshot *s = find_snapshot(out, r->snapshot_end->snapshot_id);
        s->ended = 1;
        s->end_count = r->snapshot_end->count;
        s->end_checksum = r->snapshot_end->checksum;
    } else {
        assert_int_equal(r->kind_case, SPIDER__RECORD__KIND_DOCUMENT);
        snapshot *s = find_snapshot(out, r->document->snapshot_id);
        if (r->document->metadata)
            snprintf(s->host, sizeof(s->host), "%s", r->document->metadata->spider_hostname);
        if (!s->begun || s->ended)                  /* documents come between begin and end */
            fail_msg("document %s of snapshot %s (%s) %s", r->document->id, s->id, r->document->schedd,
                     s->begun ? "after the end marker" : "before the begin marker");
        s->count++;
        s->checksum = sp_record_checksum_add(s->checksum, r->document->id, strlen(r->document->id));
        s->docs = realloc(s->docs, (s->ndocs + 1) * sizeof(char *));
        s->docs[s->ndocs++] = strdup(r->document->global_job_id);
    }
}

static void read_all(seen *out)
{
    char group[160];
    static int round;
    memset(out, 0, sizeof(*out));
    snprintf(group, sizeof(group), "%s.reader.%d", prefix, round++);
    assert_int_equal(tc_kafka_read_records(group, (const char *[]){ tq, th }, 2, 6, take, out), 6);
}

static void free_seen(seen *s)
{
    for (size_t i = 0; i < s->n; i++) {
        for (size_t j = 0; j < s->s[i].ndocs; j++)
            free(s->s[i].docs[j]);
        free(s->s[i].docs);
    }
    for (size_t i = 0; i < s->nhistory; i++)
        free(s->history[i]);
    free(s->history);
}

/* ---- what the simulated pool says ---- */

static long long ad_int(const sim_ad *ad, const char *name)
{
    const sim_attr *a = sim_ad_get(ad, name);
    return a && a->kind == SIM_INT ? a->i : 0;
}

static const char *ad_str(const sim_ad *ad, const char *name)
{
    const sim_attr *a = sim_ad_get(ad, name);
    return a && a->kind == SIM_STRING ? a->s : "";
}

/* The reference queue query, written out: live jobs, or ended within 61 min. */
static int queue_selects(const sim_ad *ad, long long now)
{
    long long st = ad_int(ad, "JobStatus");
    return ad_int(ad, "JobUniverse") == 5 && strcmp(ad_str(ad, "CMS_Type"), "DONOTMONIT") &&
           (st < 3 || st > 4 || ad_int(ad, "EnteredCurrentStatus") >= now - 3660);
}

static int has_string(char **list, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(list[i], s))
            return 1;
    return 0;
}

static void check_snapshot(const snapshot *s, int k)
{
    int si = sim_schedd_index(&pool, s->schedd);
    assert_true(si >= 0);
    assert_true(s->begun && s->ended);
    assert_int_equal(s->count, s->end_count);
    assert_true(s->checksum == s->end_checksum);
    sim_ad *ads;
    size_t n = sim_queue(&pool, si, k, &ads), expected = 0;
    for (size_t i = 0; i < n; i++) {
        if (queue_selects(&ads[i], step_time(k))) {
            expected++;
            if (!has_string(s->docs, s->ndocs, ad_str(&ads[i], "GlobalJobId")))
                fail_msg("step %d %s: job %s missing from the snapshot", k, s->schedd, ad_str(&ads[i], "GlobalJobId"));
        }
        sim_ad_free(&ads[i]);
    }
    free(ads);
    assert_int_equal(s->ndocs, expected);
}

static void test_snapshots_are_the_queue(void **state)
{
    (void)state;
    assert_int_equal(collector(3, NULL, 0), 0);
    assert_int_equal(collector(4, NULL, 0), 0);
    seen out;
    read_all(&out);
    assert_int_equal(out.n, 2 * SCHEDDS);
    for (size_t i = 0; i < out.n; i++)
        check_snapshot(&out.s[i], out.s[i].time_slot == step_time(3) ? 3 : 4);
    free_seen(&out);
}

static void test_one_bad_schedd_fails_alone(void **state)
{
    (void)state;
    char name0[64], name1[64], fail[200];
    sim_schedd_name(&pool, 0, name0, sizeof(name0));
    sim_schedd_name(&pool, 1, name1, sizeof(name1));
    snprintf(fail, sizeof(fail), "%s=exit,%s=garbage", name0, name1);
    assert_int_equal(collector(5, fail, 0), 1);   /* some polls failed */
    seen out;
    read_all(&out);
    int complete5 = 0;
    for (size_t i = 0; i < out.n; i++) {
        if (out.s[i].time_slot != step_time(5))
            continue;
        if (!strcmp(out.s[i].schedd, name0) || !strcmp(out.s[i].schedd, name1)) {
            assert_false(out.s[i].ended);           /* never a complete snapshot */
        } else {
            check_snapshot(&out.s[i], 5);
            complete5++;
        }
    }
    assert_int_equal(complete5, SCHEDDS - 2);
    free_seen(&out);
}

/* History: steps 3, 4, 5 ran above (step 5 with two failing schedds);
 * step 6 with one hanging schedd is killed mid-cycle; step 7 runs clean.
 * Every record that was on time (visible when the job ended) must be there;
 * records that showed up late may be missed, as with the reference's one
 * period of overlap (the differ reports those); nothing else may appear. */
static void test_history_has_no_gap(void **state)
{
    (void)state;
    char name2[64], fail[100];
    sim_schedd_name(&pool, 2, name2, sizeof(name2));
    snprintf(fail, sizeof(fail), "%s=hang", name2);
    assert_int_equal(collector(6, fail, 1500), -SIGKILL);
    assert_int_equal(collector(7, NULL, 0), 0);
    seen out;
    read_all(&out);
    long long window = step_time(3) - 720 * 60 - 720;   /* first start (no checkpoint) minus the overlap */
    size_t must = 0, allowed_seen = 0;
    for (int s = 0; s < SCHEDDS; s++) {
        sim_ad *ads;
        size_t n = sim_history(&pool, s, 7, 0, &ads);
        for (size_t i = 0; i < n; i++) {
            long long end = ad_int(&ads[i], "JobFinishedHookDone");
            if (ad_int(&ads[i], "EnteredCurrentStatus") >= window) {
                char id[160];
                sim_job job;
                sim_job_at(&pool, s, ad_int(&ads[i], "ClusterId") - 1000000, 7, &job);
                snprintf(id, sizeof(id), "%s#%lld", ad_str(&ads[i], "GlobalJobId"), end);
                int got = has_string(out.history, out.nhistory, id);
                if (job.history_time == end) {
                    must++;
                    if (!got)
                        fail_msg("history record %s never arrived", id);
                }
                allowed_seen += got;
            }
            sim_ad_free(&ads[i]);
        }
        free(ads);
    }
    /* every id that arrived is one of those records (overlap repeats are the same ids) */
    size_t unique = 0;
    for (size_t i = 0; i < out.nhistory; i++) {
        int dup = 0;
        for (size_t j = 0; j < i && !dup; j++)
            dup = !strcmp(out.history[i], out.history[j]);
        unique += !dup;
    }
    assert_true(must > 20);
    assert_int_equal(unique, allowed_seen);
    free_seen(&out);
}

/* A collector daemon in scale-out mode, polling every 2 s as `host`. */
static pid_t daemon_start(const char *host, const char topics[100])
{
    char exe[512], path[4096], t0[32], q[160], h[160], cpt[160], group[160];
    snprintf(exe, sizeof(exe), "%s/spider-collector", getenv("SPIDER_BUILD_DIR"));
    snprintf(path, sizeof(path), "%s/sim-bin:%s", getenv("SPIDER_BUILD_DIR"), getenv("PATH"));
    snprintf(t0, sizeof(t0), "%lld", (long long)time(NULL) - 5 * 720);
    snprintf(q, sizeof(q), "%s.queue", topics);
    snprintf(h, sizeof(h), "%s.history", topics);
    snprintf(cpt, sizeof(cpt), "%s.checkpoints", topics);
    snprintf(group, sizeof(group), "%s.group", topics);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        setenv("PATH", path, 1);
        setenv("SPIDER_SIM_SCHEDDS", "6", 1);
        setenv("SPIDER_SIM_JOBS", "20", 1);
        setenv("SPIDER_SIM_STEP", "5", 1);
        setenv("SPIDER_SIM_T0", t0, 1);
        execl(exe, exe, "run", "--scale-out", "--hostname", host, "--interval", "2", "--history-offset", "0",
              "--group", group, "--checkpoint-topic", cpt, "--checkpoint-partitions", "6", "--topic-queue", q,
              "--topic-history", h, "--kafka-brokers", getenv("KAFKA_BOOTSTRAP"), "--kafka-property",
              "session.timeout.ms=6000", "--kafka-property", "heartbeat.interval.ms=1000", "--log-level", "error",
              (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* For each schedd, the hosts that polled it with time slots in [from, to). */
static int hosts_of(seen *out, const char *schedd, long long from, long long to, char hosts[4][32])
{
    int n = 0;
    for (size_t i = 0; i < out->n; i++) {
        const snapshot *s = &out->s[i];
        if (strcmp(s->schedd, schedd) || s->time_slot < from || s->time_slot >= to || !s->ended || !*s->host)
            continue;
        int known = 0;
        for (int k = 0; k < n; k++)
            known |= !strcmp(hosts[k], s->host);
        if (!known && n < 4)
            snprintf(hosts[n++], 32, "%s", s->host);
    }
    return n;
}

static void test_scale_out_shares_and_fails_over(void **state)
{
    (void)state;
    char topics[100];
    snprintf(topics, sizeof(topics), "%.96s.so", prefix);
    pid_t a = daemon_start("instance-a", topics);
    pid_t b = daemon_start("instance-b", topics);
    sleep(20);                                /* join, rebalance, several cycles */
    long long before_kill = (long long)time(NULL);
    kill(a, SIGKILL);
    waitpid(a, NULL, 0);
    sleep(25);                                /* session timeout, rebalance, cycles */
    long long end = (long long)time(NULL);
    kill(b, SIGTERM);
    waitpid(b, NULL, 0);

    char saved_tq[128], saved_th[128];
    snprintf(saved_tq, sizeof(saved_tq), "%s", tq);
    snprintf(saved_th, sizeof(saved_th), "%s", th);
    snprintf(tq, sizeof(tq), "%s.queue", topics);
    snprintf(th, sizeof(th), "%s.history", topics);
    seen out;
    read_all(&out);
    snprintf(tq, sizeof(tq), "%s", saved_tq);
    snprintf(th, sizeof(th), "%s", saved_th);

    int a_had = 0, b_had = 0;
    for (int i = 0; i < 6; i++) {
        sim_pool six = pool;
        char name[64], hosts[4][32];
        six.schedds = 6;
        sim_schedd_name(&six, i, name, sizeof(name));
        /* steady state with both: one instance per schedd */
        int n = hosts_of(&out, name, before_kill - 6, before_kill, hosts);
        if (n != 1)
            fail_msg("%s polled by %d instances before the kill", name, n);
        a_had |= !strcmp(hosts[0], "instance-a");
        b_had |= !strcmp(hosts[0], "instance-b");
        /* after the kill: all of them by the survivor */
        n = hosts_of(&out, name, end - 8, end, hosts);
        if (n != 1 || strcmp(hosts[0], "instance-b"))
            fail_msg("%s not taken over by instance-b after the kill", name);
    }
    assert_true(a_had && b_had);              /* the work was shared */
    free_seen(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_snapshots_are_the_queue),
        cmocka_unit_test(test_one_bad_schedd_fails_alone),
        cmocka_unit_test(test_history_has_no_gap),
        cmocka_unit_test(test_scale_out_shares_and_fails_over),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
