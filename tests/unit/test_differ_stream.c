/* test_differ_stream.c - the stream differ's logic (snapdiff.h) fed with
 * hand-made jobs.queue records: baselines, ADDED / CHANGED / REMOVED with
 * the changed fields, ignored fields, incomplete and inconsistent
 * snapshots, resuming after a restart, and the job state's hashes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "jobstate.h"
#include "lost.h"
#include "record.h"
#include "snapdiff.h"

#define MAX_EVENTS 64

typedef struct {
    int kind;
    char gjid[64];
    char fields[256];                /* comma-joined */
    char previous[32];
    char snapshot[32];
    int has_attrs;                   /* the document carries attributes */
} event;

static event events[MAX_EVENTS];
static int nevents;

static void on_emit(void *ctx, const char *key, const void *data, size_t len)
{
    (void)ctx;
    Spider__Record *r = sp_record_unpack(data, len);
    assert_non_null(r);
    assert_int_equal(r->kind_case, SPIDER__RECORD__KIND_CHANGE);
    const Spider__ChangeEvent *e = r->change;
    assert_string_equal(key, e->global_job_id);
    assert_non_null(e->document);
    assert_true(nevents < MAX_EVENTS);
    event *ev = &events[nevents++];
    memset(ev, 0, sizeof(*ev));
    ev->kind = e->kind;
    snprintf(ev->gjid, sizeof(ev->gjid), "%s", e->global_job_id);
    for (size_t i = 0; i < e->n_changed_fields; i++)
        snprintf(ev->fields + strlen(ev->fields), sizeof(ev->fields) - strlen(ev->fields), "%s%s", i ? "," : "",
                 e->changed_fields[i]);
    snprintf(ev->previous, sizeof(ev->previous), "%s", e->previous_status);
    snprintf(ev->snapshot, sizeof(ev->snapshot), "%s", e->snapshot_id);
    ev->has_attrs = e->document->n_attributes > 0;
    spider__record__free_unpacked(r, NULL);
}

/* ---- records ---- */

typedef struct {
    const char *gjid;
    int status;
    const char *owner;
    double queue_hrs;                /* ignored: moves with the clock */
} job;

static sp_buf buf;

static void feed(sp_snapdiff *d, const Spider__Record *r)
{
    assert_int_equal(sp_record_pack(r, &buf), 0);
    assert_int_equal(sp_snapdiff_feed(d, buf.data, buf.len, 1000), 0);
}

/* One snapshot of schedd "s1": begin, the jobs, and (unless cut short) an
 * end marker whose count is off by skew. */
static void snapshot(sp_snapdiff *d, const char *sid, const job *jobs, size_t n, int with_end, int skew)
{
    Spider__Record r = SPIDER__RECORD__INIT;
    Spider__SnapshotBegin b = SPIDER__SNAPSHOT_BEGIN__INIT;
    b.schedd = "s1";
    b.snapshot_id = (char *)sid;
    r.kind_case = SPIDER__RECORD__KIND_SNAPSHOT_BEGIN;
    r.snapshot_begin = &b;
    feed(d, &r);
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        Spider__Value v[3] = { SPIDER__VALUE__INIT, SPIDER__VALUE__INIT, SPIDER__VALUE__INIT };
        v[0].kind_case = SPIDER__VALUE__KIND_INT_VALUE;
        v[0].int_value = jobs[i].status;
        v[1].kind_case = SPIDER__VALUE__KIND_STRING_VALUE;
        v[1].string_value = (char *)jobs[i].owner;
        v[2].kind_case = SPIDER__VALUE__KIND_DOUBLE_VALUE;
        v[2].double_value = jobs[i].queue_hrs;
        Spider__Attribute a[3] = { SPIDER__ATTRIBUTE__INIT, SPIDER__ATTRIBUTE__INIT, SPIDER__ATTRIBUTE__INIT };
        const char *names[] = { "JobStatus", "Owner", "QueueHrs" };
        Spider__Attribute *ap[3];
        for (int k = 0; k < 3; k++) {
            a[k].name = (char *)names[k];
            a[k].value = &v[k];
            ap[k] = &a[k];
        }
        char id[128];
        snprintf(id, sizeof(id), "%s#%s", jobs[i].gjid, sid);
        Spider__Document doc = SPIDER__DOCUMENT__INIT;
        doc.id = id;
        doc.index = "cms-2026-11-22";
        doc.schedd = "s1";
        doc.global_job_id = (char *)jobs[i].gjid;
        doc.snapshot_id = (char *)sid;
        doc.attributes = ap;
        doc.n_attributes = 3;
        r = (Spider__Record)SPIDER__RECORD__INIT;
        r.kind_case = SPIDER__RECORD__KIND_DOCUMENT;
        r.document = &doc;
        feed(d, &r);
        sum += sp_hash_fnv1a64(id, strlen(id));
    }
    if (!with_end)
        return;
    Spider__SnapshotEnd e = SPIDER__SNAPSHOT_END__INIT;
    e.schedd = "s1";
    e.snapshot_id = (char *)sid;
    e.count = n + (uint64_t)skew;
    e.checksum = sum;
    e.truncated = with_end == 2;                      /* 2: cut at the collector's --max-documents */
    r = (Spider__Record)SPIDER__RECORD__INIT;
    r.kind_case = SPIDER__RECORD__KIND_SNAPSHOT_END;
    r.snapshot_end = &e;
    feed(d, &r);
}

static const char *ignore[] = { "QueueHrs", "metadata.*" };

static sp_snapdiff *differ(int emit_initial)
{
    sp_snapdiff_opts o = { .ignore = ignore, .nignore = 2, .emit_initial = emit_initial, .emit = on_emit };
    nevents = 0;
    return sp_snapdiff_new(&o);
}

static const event *find(const char *gjid)
{
    for (int i = 0; i < nevents; i++)
        if (!strcmp(events[i].gjid, gjid))
            return &events[i];
    return NULL;
}

static const job snap1[] = { { "a", 1, "alice", 1.0 }, { "b", 2, "bob", 2.0 }, { "c", 2, "carol", 3.0 } };
/* a: Idle -> Running; b: only the clock moved; c left; d is new */
static const job snap2[] = { { "a", 2, "alice", 1.5 }, { "b", 2, "bob", 2.5 }, { "d", 1, "dan", 0.0 } };
/* b: Owner changes too */
static const job snap3[] = { { "a", 2, "alice", 1.5 }, { "b", 2, "bobby", 2.5 }, { "d", 1, "dan", 0.0 } };

static void test_added_changed_removed(void **state)
{
    (void)state;
    sp_snapdiff *d = differ(0);
    snapshot(d, "S1", snap1, 3, 1, 0);
    assert_int_equal(nevents, 0);                     /* the first snapshot is the baseline */
    snapshot(d, "S2", snap2, 3, 1, 0);
    assert_int_equal(nevents, 3);
    const event *a = find("a"), *c = find("c"), *dd = find("d");
    assert_non_null(a);
    assert_int_equal(a->kind, SPIDER__CHANGE_EVENT__KIND__CHANGED);
    assert_string_equal(a->fields, "JobStatus");       /* QueueHrs moved too, but is ignored */
    assert_string_equal(a->previous, "Idle");
    assert_true(a->has_attrs);
    assert_string_equal(a->snapshot, "S2");
    assert_null(find("b"));                           /* only an ignored field changed */
    assert_non_null(c);
    assert_int_equal(c->kind, SPIDER__CHANGE_EVENT__KIND__REMOVED);
    assert_string_equal(c->previous, "Running");
    assert_non_null(dd);
    assert_int_equal(dd->kind, SPIDER__CHANGE_EVENT__KIND__ADDED);
    assert_true(dd->has_attrs);
    nevents = 0;
    snapshot(d, "S3", snap3, 3, 1, 0);
    assert_int_equal(nevents, 1);
    assert_string_equal(events[0].gjid, "b");
    assert_string_equal(events[0].fields, "Owner");
    sp_snapdiff_stats st;
    sp_snapdiff_stats_get(d, &st);
    assert_int_equal(st.snapshots, 3);
    assert_int_equal(st.baselines, 1);
    assert_int_equal(st.added, 1);
    assert_int_equal(st.changed, 2);
    assert_int_equal(st.removed, 1);
    assert_int_equal(st.jobs, 3);
    sp_snapdiff_free(d);
}

static void test_incomplete_and_inconsistent_are_never_diffed(void **state)
{
    (void)state;
    sp_snapdiff *d = differ(0);
    snapshot(d, "S1", snap1, 3, 1, 0);
    snapshot(d, "S2", snap2, 2, 0, 0);                /* the collector died mid-poll */
    snapshot(d, "S3", snap2, 3, 1, 1);                /* the end marker counts one more */
    assert_int_equal(nevents, 0);
    snapshot(d, "S4", snap3, 3, 1, 0);                /* diffed against S1, the last complete */
    assert_int_equal(nevents, 4);
    assert_int_equal(find("a")->kind, SPIDER__CHANGE_EVENT__KIND__CHANGED);
    assert_string_equal(find("b")->fields, "Owner");
    assert_int_equal(find("c")->kind, SPIDER__CHANGE_EVENT__KIND__REMOVED);
    assert_int_equal(find("d")->kind, SPIDER__CHANGE_EVENT__KIND__ADDED);
    sp_snapdiff_stats st;
    sp_snapdiff_stats_get(d, &st);
    assert_int_equal(st.incomplete, 1);
    assert_int_equal(st.inconsistent, 1);
    assert_int_equal(st.snapshots, 2);
    sp_snapdiff_free(d);
}

/* A snapshot the collector cut at --max-documents ends with truncated set:
 * count and checksum match what was sent, yet it is never diffed (the jobs
 * after the cut would all look REMOVED). */
static void test_truncated_snapshot_is_never_diffed(void **state)
{
    (void)state;
    sp_snapdiff *d = differ(0);
    snapshot(d, "S1", snap1, 3, 1, 0);
    snapshot(d, "S2", snap2, 1, 2, 0);                /* only "a", marked truncated */
    assert_int_equal(nevents, 0);
    snapshot(d, "S3", snap2, 3, 1, 0);                /* diffed against S1 */
    assert_int_equal(nevents, 3);
    assert_int_equal(find("c")->kind, SPIDER__CHANGE_EVENT__KIND__REMOVED);
    assert_int_equal(find("d")->kind, SPIDER__CHANGE_EVENT__KIND__ADDED);
    sp_snapdiff_stats st;
    sp_snapdiff_stats_get(d, &st);
    assert_int_equal(st.incomplete, 1);
    assert_int_equal(st.snapshots, 2);
    assert_int_equal(st.removed, 1);
    sp_snapdiff_free(d);
}

static void test_resume_neither_repeats_nor_loses(void **state)
{
    (void)state;
    sp_snapdiff *d = differ(0);
    assert_int_equal(sp_snapdiff_resume(d, "s1", "S2"), 0);   /* S2 was diffed before a restart */
    snapshot(d, "S1", snap1, 3, 1, 0);
    snapshot(d, "S2", snap2, 3, 1, 0);
    assert_int_equal(nevents, 0);
    snapshot(d, "S3", snap3, 3, 1, 0);
    assert_int_equal(nevents, 1);                     /* S3 against S2 only */
    assert_string_equal(events[0].gjid, "b");
    sp_snapdiff_free(d);
}

static void test_emit_initial(void **state)
{
    (void)state;
    sp_snapdiff *d = differ(1);
    snapshot(d, "S1", snap1, 3, 1, 0);
    assert_int_equal(nevents, 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(events[i].kind, SPIDER__CHANGE_EVENT__KIND__ADDED);
    sp_snapdiff_free(d);
}

/* A job listed twice in one snapshot: each listing is compared with the
 * last snapshot, and the last listing is what the next one is compared with. */
static const job back[] = { { "a", 2, "alice", 1.0 }, { "a", 1, "alice", 1.0 }, { "b", 2, "bob", 2.0 },
                            { "c", 2, "carol", 3.0 } };
static const job on[] = { { "a", 1, "alice", 1.0 }, { "a", 2, "alice", 1.0 }, { "b", 2, "bob", 2.0 },
                          { "c", 2, "carol", 3.0 } };

static void test_listed_twice(void **state)
{
    (void)state;
    sp_snapdiff *d = differ(0);
    snapshot(d, "S1", snap1, 3, 1, 0);
    snapshot(d, "S2", back, 4, 1, 0);
    assert_int_equal(nevents, 1);                     /* the first listing of a changed */
    assert_int_equal(events[0].kind, SPIDER__CHANGE_EVENT__KIND__CHANGED);
    nevents = 0;
    snapshot(d, "S3", snap1, 3, 1, 0);
    assert_int_equal(nevents, 0);                     /* a is as its last listing in S2 */
    snapshot(d, "S4", on, 4, 1, 0);
    assert_int_equal(nevents, 1);
    nevents = 0;
    snapshot(d, "S5", snap1, 3, 1, 0);
    assert_int_equal(nevents, 1);                     /* back from S4's last listing */
    assert_string_equal(events[0].gjid, "a");
    assert_string_equal(events[0].previous, "Running");
    sp_snapdiff_stats st;
    sp_snapdiff_stats_get(d, &st);
    assert_int_equal(st.jobs, 3);
    assert_int_equal(st.removed, 0);
    sp_snapdiff_free(d);
}

static void test_jobtable(void **state)
{
    (void)state;
    sp_jobtable *t = sp_jobtable_new();
    uint16_t cols[4] = { 1, 2, 3, 4 };
    char name[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(name, sizeof(name), "job%d", i);
        sp_job j = { name, (uint64_t)i, i % 5, 4, cols, 0 };
        assert_int_equal(sp_jobtable_put(t, &j), 0);
    }
    assert_int_equal(sp_jobtable_count(t), 5000);
    const sp_job *j = sp_jobtable_get(t, "job4321");
    assert_non_null(j);
    assert_int_equal(j->hash, 4321);
    assert_int_equal(j->cols[3], 4);
    assert_null(sp_jobtable_get(t, "job5000"));
    sp_jobtable_free(t);
}

static char alerts[16][96];
static int nalerts;

static void on_alert(void *ctx, const Spider__Alert *a)
{
    (void)ctx;
    assert_true(nalerts < 16);
    assert_non_null(strstr(a->message, "s1"));
    snprintf(alerts[nalerts++], sizeof(alerts[0]), "%s %s",
             a->kind == SPIDER__ALERT__KIND__LOST_JOB ? "LOST" : "RESOLVED", a->global_job_id);
}

static void test_lost_and_late_jobs(void **state)
{
    (void)state;
    nalerts = 0;
    sp_lost *l = sp_lost_new(720, on_alert, NULL);
    sp_lost_history(l, "early", 0);                  /* history polled before the queue saw it go */
    sp_lost_removed(l, "s1", "early", 1000);
    sp_lost_removed(l, "s1", "ontime", 1000);
    sp_lost_removed(l, "s1", "late", 1000);
    sp_lost_removed(l, "s1", "gone", 1000);
    sp_lost_history(l, "ontime", 1000);
    sp_lost_tick(l, "s1", 1719);                     /* not overdue yet */
    sp_lost_tick(l, "s2", 1720);                     /* another schedd's poll decides nothing for s1 */
    assert_int_equal(nalerts, 0);
    sp_lost_tick(l, "s1", 1720);
    assert_int_equal(nalerts, 2);
    assert_true((!strcmp(alerts[0], "LOST late") && !strcmp(alerts[1], "LOST gone")) ||
                (!strcmp(alerts[1], "LOST late") && !strcmp(alerts[0], "LOST gone")));
    sp_lost_tick(l, "s1", 2440);                     /* alerted once only */
    assert_int_equal(nalerts, 2);
    sp_lost_history(l, "late", 2440);
    assert_int_equal(nalerts, 3);
    assert_string_equal(alerts[2], "RESOLVED late");
    sp_lost_stats st;
    sp_lost_stats_get(l, &st);
    assert_int_equal(st.lost, 2);
    assert_int_equal(st.resolved, 1);
    assert_int_equal(st.pending, 1);                 /* "gone" is still awaited */
    sp_lost_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_added_changed_removed),
        cmocka_unit_test(test_incomplete_and_inconsistent_are_never_diffed),
        cmocka_unit_test(test_truncated_snapshot_is_never_diffed),
        cmocka_unit_test(test_resume_neither_repeats_nor_loses),
        cmocka_unit_test(test_emit_initial),
        cmocka_unit_test(test_listed_twice),
        cmocka_unit_test(test_jobtable),
        cmocka_unit_test(test_lost_and_late_jobs),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    sp_buf_free(&buf);
    return rc;
}
