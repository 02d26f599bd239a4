/* itest_differ_stream.c - spider-differ stream against the real Kafka of
 * the local stack, fed by spider-collector polling a spider-sim pool:
 * over several polls the change events on the changes topic are exactly
 * the changes spider-sim made (ADDED, CHANGED, REMOVED, each once), also
 *   - across a SIGKILL of the differ and its restart (it resumes after the
 *     last snapshot it diffed: nothing repeated, nothing lost, no ADDED
 *     storm), and
 *   - when one schedd's poll dies mid-snapshot (its snapshot has no end
 *     marker): that snapshot is never diffed, and the next one is diffed
 *     against the last complete one;
 * and lost jobs: a job that left the queue without its history within the
 * grace period raises a LOST_JOB alert on ActiveMQ, which python3-stomp
 * reads; when a history backfill brings the record, LOST_JOB_RESOLVED
 * follows; jobs whose history came on time raise nothing. */
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

#include <jansson.h>

#include "kafka.h"
#include "log.h"
#include "pool.h"
#include "record.h"
#include "testenv.h"

#define SCHEDDS 4
#define JOBS 40
#define STEPS 6
#define FAILED_SCHEDD 1                /* its poll at step FAILED_STEP dies mid-snapshot */
#define FAILED_STEP 5
#define MAX_EVENTS 4096

static sp_kafka_props props;
static char prefix[96], tq[128], tc[128], th[128], dir[128], cp[160], stepfile[160];
static sim_pool pool;

typedef struct {
    int step, kind;
    char gjid[128];
} change;

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
    tc_unique_name(prefix, sizeof(prefix), "differ");
    snprintf(tq, sizeof(tq), "%s.queue", prefix);
    snprintf(tc, sizeof(tc), "%s.changes", prefix);
    snprintf(th, sizeof(th), "%s.history", prefix);
    if (tc_kafka_topics(&props, 3, tq, tc, th, (char *)NULL) != 0 || tc_tempdir(dir, sizeof(dir), "itest-differ") != 0)
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

/* ---- the processes ---- */

/* spider-collector run --once at step k: the queue to tq, and with
 * history (and a checkpoint file) the history to th. */
static void collector_run(int k, const char *fail, const char *history_cp)
{
    char exe[512], now[32];
    tc_sim sim = { stepfile, SCHEDDS, JOBS };
    tc_build_path(exe, sizeof(exe), "spider-collector");
    snprintf(now, sizeof(now), "%lld", pool.t0 + (long long)k * pool.interval);
    assert_int_equal(tc_sim_set_step(&sim, k), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        tc_sim_child_env(&sim, fail);
        execl(exe, exe, "run", "--once", "--now", now, history_cp ? "--process-history=true" : "--process-history=false",
              "--checkpoint-file", history_cp ? history_cp : cp, "--topic-queue", tq, "--topic-history", th,
              "--kafka-brokers", getenv("KAFKA_BOOTSTRAP"), "--log-level", "error", (char *)NULL);
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
    if (!fail)
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void collector(int k, const char *fail) { collector_run(k, fail, NULL); }

/* spider-differ stream; with alerts, lost-job tracking (grace: one step)
 * with alerts to that ActiveMQ destination. */
static pid_t differ_start_with(const char *alerts)
{
    char exe[512], group[160], user[200], pass[200], grace[16];
    snprintf(exe, sizeof(exe), "%s/spider-differ", getenv("SPIDER_BUILD_DIR"));
    snprintf(group, sizeof(group), "%s.differ", prefix);
    snprintf(user, sizeof(user), "%s/amq_username", dir);
    snprintf(pass, sizeof(pass), "%s/amq_password", dir);
    snprintf(grace, sizeof(grace), "%d", alerts ? pool.interval : 0);
    FILE *f = fopen(user, "w");
    fprintf(f, "%s\n", getenv("STOMP_USER"));
    fclose(f);
    f = fopen(pass, "w");
    fprintf(f, "%s\n", getenv("STOMP_PASSWORD"));
    fclose(f);
    char broker[128];
    snprintf(broker, sizeof(broker), "%s:%s", getenv("STOMP_HOST"), getenv("STOMP_PORT"));
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        execl(exe, exe, "stream", "--topic-queue", tq, "--topic-changes", tc, "--topic-history", th, "--group", group,
              "--kafka-brokers", getenv("KAFKA_BOOTSTRAP"), "--kafka-property", "session.timeout.ms=6000",
              "--lost-grace", grace, "--amq-brokers", alerts ? broker : "", "--alerts-destination",
              alerts ? alerts : "/topic/unused", "--amq-username-file", user, "--amq-password-file", pass,
              "--log-level", "error", (char *)NULL);
        _exit(127);
    }
    return pid;
}

static pid_t differ_start(void) { return differ_start_with(NULL); }

/* ---- the truth, from spider-sim ---- */

_Static_assert(SIM_ADDED == (int)SPIDER__CHANGE_EVENT__KIND__ADDED && SIM_CHANGED == (int)SPIDER__CHANGE_EVENT__KIND__CHANGED &&
               SIM_GONE == (int)SPIDER__CHANGE_EVENT__KIND__REMOVED, "spider-sim's change kinds are ChangeEvent.Kind's");

/* The changes of schedd s between steps from and to, appended to out. */
static size_t truth(int s, int from, int to, int step, change *out, size_t n)
{
    sim_change *c;
    size_t nc = sim_changes(&pool, s, from, to, &c);
    for (size_t i = 0; i < nc; i++) {
        assert_true(n < MAX_EVENTS);
        out[n].step = step;
        out[n].kind = c[i].kind;                     /* numbered as ChangeEvent.Kind */
        snprintf(out[n].gjid, sizeof(out[n].gjid), "%s", c[i].gjid);
        n++;
    }
    free(c);
    return n;
}

/* ---- what the differ emitted ---- */

typedef struct {
    char sid[96];
    int step;
} snapshot_step;

/* Every record of topic, handed to take(); until EOF on its 3 partitions. */
static void read_topic(const char *topic, tc_record_fn *take, void *ctx)
{
    char group[200];
    static int round;
    snprintf(group, sizeof(group), "%s.reader.%d", prefix, round++);
    assert_int_equal(tc_kafka_read_records(group, (const char *[]){ topic }, 1, 3, take, ctx), 3);
}

typedef struct {
    snapshot_step snaps[256];
    size_t nsnaps;
    change got[MAX_EVENTS];
    size_t ngot;
} emitted;

static void take_begin(void *ctx, const char *topic, const Spider__Record *r)
{
    (void)topic;
    emitted *e = ctx;
    if (r->kind_case != SPIDER__RECORD__KIND_SNAPSHOT_BEGIN || e->nsnaps == 256)
        return;
    snapshot_step *s = &e->snaps[e->nsnaps++];
    snprintf(s->sid, sizeof(s->sid), "%s", r->snapshot_begin->snapshot_id);
    s->step = (int)((r->snapshot_begin->time_slot - pool.t0) / pool.interval);
}

static void take_change(void *ctx, const char *topic, const Spider__Record *r)
{
    (void)topic;
    emitted *e = ctx;
    assert_int_equal(r->kind_case, SPIDER__RECORD__KIND_CHANGE);
    assert_true(e->ngot < MAX_EVENTS);
    change *c = &e->got[e->ngot++];
    c->kind = r->change->kind;
    c->step = -1;
    snprintf(c->gjid, sizeof(c->gjid), "%s", r->change->global_job_id);
    for (size_t i = 0; i < e->nsnaps; i++)
        if (!strcmp(e->snaps[i].sid, r->change->snapshot_id))
            c->step = e->snaps[i].step;
}

static int cmp(const void *a, const void *b)
{
    const change *x = a, *y = b;
    if (x->step != y->step)
        return x->step - y->step;
    int c = strcmp(x->gjid, y->gjid);
    return c ? c : x->kind - y->kind;
}

static void read_changes(emitted *e)
{
    memset(e, 0, sizeof(*e));
    read_topic(tq, take_begin, e);
    read_topic(tc, take_change, e);
    qsort(e->got, e->ngot, sizeof(change), cmp);
}

/* Waits until the differ emitted want events (or 60 s). */
static void wait_for(emitted *e, size_t want)
{
    for (int i = 0; i < 30; i++) {
        read_changes(e);
        if (e->ngot >= want)
            return;
        sleep(2);
    }
}

static void test_changes_are_the_true_changes(void **state)
{
    (void)state;
    static change want[MAX_EVENTS];
    static emitted e;
    size_t n = 0;
    for (int k = 1; k <= 3; k++)
        collector(k, NULL);
    pid_t d = differ_start();
    for (int s = 0; s < SCHEDDS; s++)                /* step 1 is every schedd's baseline */
        for (int k = 2; k <= 3; k++)
            n = truth(s, k - 1, k, k, want, n);
    wait_for(&e, n);
    kill(d, SIGKILL);
    waitpid(d, NULL, 0);

    char schedd[64], fail[128];
    sim_schedd_name(&pool, FAILED_SCHEDD, schedd, sizeof(schedd));
    snprintf(fail, sizeof(fail), "%s=truncate", schedd);
    collector(4, NULL);
    collector(FAILED_STEP, fail);                    /* one schedd's snapshot never ends */
    d = differ_start();                              /* resumes after step 3 */
    collector(6, NULL);
    for (int s = 0; s < SCHEDDS; s++)
        for (int k = 4; k <= STEPS; k++) {
            if (s == FAILED_SCHEDD && k == FAILED_STEP)
                continue;
            int from = s == FAILED_SCHEDD && k == FAILED_STEP + 1 ? FAILED_STEP - 1 : k - 1;
            n = truth(s, from, k, k, want, n);
        }
    qsort(want, n, sizeof(change), cmp);
    wait_for(&e, n);
    sleep(2);                                        /* anything extra would show now */
    read_changes(&e);
    kill(d, SIGTERM);
    waitpid(d, NULL, 0);

    size_t kinds[4] = { 0 };
    for (size_t i = 0; i < n; i++)
        kinds[want[i].kind]++;
    fprintf(stderr, "truth: %zu ADDED, %zu CHANGED, %zu REMOVED; emitted %zu\n", kinds[1], kinds[2], kinds[3], e.ngot);
    for (size_t i = 0, j = 0; i < n || j < e.ngot;) {
        int c = i < n && j < e.ngot ? cmp(&want[i], &e.got[j]) : i < n ? -1 : 1;
        if (c < 0)
            fprintf(stderr, "missing: step %d kind %d %s\n", want[i].step, want[i].kind, want[i].gjid);
        else if (c > 0)
            fprintf(stderr, "extra:   step %d kind %d %s\n", e.got[j].step, e.got[j].kind, e.got[j].gjid);
        i += c <= 0;
        j += c >= 0;
    }
    assert_true(kinds[1] > 0 && kinds[2] > 0 && kinds[3] > 0);
    assert_int_equal(e.ngot, n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(cmp(&want[i], &e.got[i]), 0);
}

/* ---- lost jobs ---- */

typedef struct {
    char gjid[128];
    int lost, resolved;
} alerted;

static int has(const alerted *a, size_t n, const char *gjid)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(a[i].gjid, gjid))
            return (int)i;
    return -1;
}

static void test_lost_jobs_alert_on_activemq(void **state)
{
    (void)state;
    char dest[160], cp2[200], cp3[200];
    snprintf(dest, sizeof(dest), "/queue/%s.alerts", prefix);
    snprintf(cp2, sizeof(cp2), "%s/checkpoint-lost.json", dir);
    snprintf(cp3, sizeof(cp3), "%s/checkpoint-backfill.json", dir);
    /* fresh topics: the queue of the first test is done with */
    snprintf(tq, sizeof(tq), "%s.lost.queue", prefix);
    snprintf(tc, sizeof(tc), "%s.lost.changes", prefix);
    snprintf(th, sizeof(th), "%s.lost.history", prefix);
    pid_t d = differ_start_with(dest);
    for (int k = 1; k <= STEPS; k++) {
        collector_run(k, NULL, cp2);
        sleep(3);                                    /* the differ reads step k before step k+1 is polled */
    }
    collector_run(STEPS, NULL, cp3);                 /* a history backfill: every record visible now */
    sleep(5);
    kill(d, SIGTERM);
    waitpid(d, NULL, 0);

    char cmd[512];
    snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s/tests/integration/amq_dump.py '%s' 3", getenv("SPIDER_SOURCE_DIR"),
             dest);
    FILE *py = popen(cmd, "r");
    assert_non_null(py);
    static alerted got[MAX_EVENTS];
    size_t ngot = 0;
    char line[4096];
    while (fgets(line, sizeof(line), py)) {
        json_t *j = json_loads(line, 0, NULL);
        assert_non_null(j);
        const char *kind = json_string_value(json_object_get(j, "kind"));
        const char *gjid = json_string_value(json_object_get(j, "global_job_id"));
        assert_non_null(kind);
        assert_non_null(gjid);
        int i = has(got, ngot, gjid);
        if (i < 0) {
            assert_true(ngot < MAX_EVENTS);
            i = (int)ngot++;
            snprintf(got[i].gjid, sizeof(got[i].gjid), "%s", gjid);
        }
        if (!strcmp(kind, "LOST_JOB"))
            got[i].lost++;
        else if (!strcmp(kind, "LOST_JOB_RESOLVED"))
            got[i].resolved++;
        json_decref(j);
    }
    assert_int_equal(pclose(py), 0);

    /* the truth: jobs that left at step k (2..STEPS-1: a later poll checks
     * them) with their history late (two steps); resolved by the backfill
     * when that history is visible at the last step */
    size_t want_lost = 0, want_resolved = 0;
    for (int s = 0; s < SCHEDDS; s++)
        for (int k = 2; k < STEPS; k++) {
            long long lo, hi;
            sim_job_range(&pool, k, &lo, &hi);
            for (long long j = lo > 100 ? lo - 100 : 0; j < hi; j++) {
                sim_job before, now;
                sim_job_at(&pool, s, j, k - 1, &before);
                sim_job_at(&pool, s, j, k, &now);
                if (!before.status || now.status)
                    continue;                        /* did not leave at step k */
                char schedd[64], gjid[128];
                sim_schedd_name(&pool, s, schedd, sizeof(schedd));
                snprintf(gjid, sizeof(gjid), "%s#%lld.0#%lld", schedd, 1000000 + j, now.qdate);
                int late = now.history_time > now.end;
                int i = has(got, ngot, gjid);
                if (!late) {
                    if (i >= 0)
                        fprintf(stderr, "alert for a job whose history came on time: %s\n", gjid);
                    assert_true(i < 0);
                    continue;
                }
                int visible = now.history_time <= pool.t0 + (long long)STEPS * pool.interval;
                if (i < 0 || got[i].lost != 1 || got[i].resolved != visible)
                    fprintf(stderr, "late job %s: lost %d resolved %d (want 1 and %d)\n", gjid, i < 0 ? 0 : got[i].lost,
                            i < 0 ? 0 : got[i].resolved, visible);
                assert_true(i >= 0);
                assert_int_equal(got[i].lost, 1);
                assert_int_equal(got[i].resolved, visible);
                want_lost++;
                want_resolved += (size_t)visible;
            }
        }
    size_t lost = 0, resolved = 0;
    for (size_t i = 0; i < ngot; i++) {
        lost += (size_t)got[i].lost;
        resolved += (size_t)got[i].resolved;
    }
    fprintf(stderr, "alerts: %zu LOST_JOB, %zu LOST_JOB_RESOLVED (want %zu and %zu)\n", lost, resolved, want_lost,
            want_resolved);
    assert_true(want_lost > 0 && want_resolved > 0);
    assert_int_equal(lost, want_lost);
    assert_int_equal(resolved, want_resolved);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_changes_are_the_true_changes),
        cmocka_unit_test(test_lost_jobs_alert_on_activemq),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
