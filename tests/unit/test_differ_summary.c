/* test_differ_summary.c - summary documents (summary.h) out of the stream
 * differ (snapdiff.h): one per group of a complete snapshot, with counts
 * and sums that add up; none for an incomplete, inconsistent or truncated
 * snapshot, nor for one diffed before a restart; the same ids for the
 * same groups. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "record.h"
#include "snapdiff.h"
#include "summary.h"

#define MAX_DOCS 64

typedef struct {
    char id[128], index[64], site[32];
    int has_site;
    long long count, cpus, slot;
    double corehr;
    int corehr_double;
} summary;

static summary got[MAX_DOCS];
static int ngot;

static void on_change(void *ctx, const char *key, const void *data, size_t len)
{
    (void)ctx, (void)key, (void)data, (void)len;
}

static void on_summary(void *ctx, const char *key, const void *data, size_t len)
{
    (void)ctx;
    Spider__Record *r = sp_record_unpack(data, len);
    assert_non_null(r);
    assert_int_equal(r->kind_case, SPIDER__RECORD__KIND_DOCUMENT);
    const Spider__Document *d = r->document;
    assert_string_equal(key, d->id);
    assert_true(ngot < MAX_DOCS);
    summary *s = &got[ngot++];
    memset(s, 0, sizeof(*s));
    snprintf(s->id, sizeof(s->id), "%s", d->id);
    snprintf(s->index, sizeof(s->index), "%s", d->index);
    s->slot = d->record_time;
    for (size_t i = 0; i < d->n_attributes; i++) {
        const Spider__Attribute *a = d->attributes[i];
        if (!strcmp(a->name, "Site")) {
            s->has_site = 1;
            snprintf(s->site, sizeof(s->site), "%s", a->value->string_value);
        } else if (!strcmp(a->name, "Count")) {
            s->count = a->value->int_value;
        } else if (!strcmp(a->name, "RequestCpus")) {
            s->cpus = a->value->int_value;
        } else if (!strcmp(a->name, "CoreHr")) {
            s->corehr_double = a->value->kind_case == SPIDER__VALUE__KIND_DOUBLE_VALUE;
            s->corehr = a->value->double_value;
        } else if (!strcmp(a->name, "RecordTime")) {
            assert_int_equal(a->value->int_value, d->record_time);
        }
    }
    spider__record__free_unpacked(r, NULL);
}

static sp_buf buf;

static void feed(sp_snapdiff *d, const Spider__Record *r)
{
    assert_int_equal(sp_record_pack(r, &buf), 0);
    assert_int_equal(sp_snapdiff_feed(d, buf.data, buf.len, 1000), 0);
}

typedef struct {
    const char *gjid, *site;         /* site NULL: absent */
    int cpus;
    double corehr;
} job;

/* end: 1 a good end marker, 0 none, 2 truncated, 3 a wrong count. */
static void snapshot(sp_snapdiff *d, const char *sid, long long slot, const job *jobs, size_t n, int end)
{
    Spider__Record r = SPIDER__RECORD__INIT;
    Spider__SnapshotBegin b = SPIDER__SNAPSHOT_BEGIN__INIT;
    b.schedd = "s1";
    b.snapshot_id = (char *)sid;
    b.time_slot = slot;
    r.kind_case = SPIDER__RECORD__KIND_SNAPSHOT_BEGIN;
    r.snapshot_begin = &b;
    feed(d, &r);
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        Spider__Value v[3] = { SPIDER__VALUE__INIT, SPIDER__VALUE__INIT, SPIDER__VALUE__INIT };
        v[0].kind_case = SPIDER__VALUE__KIND_STRING_VALUE;
        v[0].string_value = (char *)jobs[i].site;
        v[1].kind_case = SPIDER__VALUE__KIND_INT_VALUE;
        v[1].int_value = jobs[i].cpus;
        v[2].kind_case = SPIDER__VALUE__KIND_DOUBLE_VALUE;
        v[2].double_value = jobs[i].corehr;
        Spider__Attribute a[3] = { SPIDER__ATTRIBUTE__INIT, SPIDER__ATTRIBUTE__INIT, SPIDER__ATTRIBUTE__INIT };
        const char *names[] = { "Site", "RequestCpus", "CoreHr" };
        Spider__Attribute *ap[3];
        size_t na = 0;
        for (int k = jobs[i].site ? 0 : 1; k < 3; k++) {
            a[k].name = (char *)names[k];
            a[k].value = &v[k];
            ap[na++] = &a[k];
        }
        char id[128];
        snprintf(id, sizeof(id), "%s#%lld", jobs[i].gjid, slot);
        Spider__Document doc = SPIDER__DOCUMENT__INIT;
        doc.id = id;
        doc.schedd = "s1";
        doc.global_job_id = (char *)jobs[i].gjid;
        doc.snapshot_id = (char *)sid;
        doc.attributes = ap;
        doc.n_attributes = na;
        r = (Spider__Record)SPIDER__RECORD__INIT;
        r.kind_case = SPIDER__RECORD__KIND_DOCUMENT;
        r.document = &doc;
        feed(d, &r);
        sum += sp_hash_fnv1a64(id, strlen(id));
    }
    if (!end)
        return;
    Spider__SnapshotEnd e = SPIDER__SNAPSHOT_END__INIT;
    e.schedd = "s1";
    e.snapshot_id = (char *)sid;
    e.time_slot = slot;
    e.count = n + (end == 3);
    e.checksum = sum;
    e.truncated = end == 2;
    r = (Spider__Record)SPIDER__RECORD__INIT;
    r.kind_case = SPIDER__RECORD__KIND_SNAPSHOT_END;
    r.snapshot_end = &e;
    feed(d, &r);
}

static const char *const by[] = { "Site", "Tier" };
static const char *const sums[] = { "RequestCpus", "CoreHr", "RequestDisk" };
static const sp_summary_opts sopts = { by, 2, sums, 3, "cms" };

static sp_snapdiff *differ(void)
{
    sp_snapdiff_opts o = { .emit = on_change, .summary = &sopts, .summary_emit = on_summary };
    ngot = 0;
    return sp_snapdiff_new(&o);
}

static const summary *find(const char *site)
{
    for (int i = 0; i < ngot; i++)
        if (site ? got[i].has_site && !strcmp(got[i].site, site) : !got[i].has_site)
            return &got[i];
    return NULL;
}

static const job pool[] = {
    { "a#1", "T2_CH_CERN", 1, 0.5 }, { "a#2", "T2_CH_CERN", 4, 0.25 }, { "a#3", "T1_US_FNAL", 8, 2.0 },
    { "a#4", NULL, 2, 1.0 },         { "a#5", "T2_CH_CERN", 2, 0.25 },
};

static void test_groups_add_up(void **state)
{
    (void)state;
    sp_snapdiff *d = differ();
    snapshot(d, "p1", 1764676800, pool, 5, 1);         /* the baseline: summaries too */
    assert_int_equal(ngot, 3);
    const summary *cern = find("T2_CH_CERN"), *fnal = find("T1_US_FNAL"), *none = find(NULL);
    assert_non_null(cern), assert_non_null(fnal), assert_non_null(none);
    assert_int_equal(cern->count, 3);
    assert_int_equal(cern->cpus, 7);
    assert_true(cern->corehr_double);
    assert_true(cern->corehr == 1.0);
    assert_int_equal(fnal->count, 1);
    assert_int_equal(fnal->cpus, 8);
    assert_int_equal(none->count, 1);
    assert_int_equal(none->cpus, 2);
    assert_int_equal(cern->slot, 1764676800);
    assert_string_equal(cern->index, "cms-summary-2025-12-02");
    assert_true(!strncmp(cern->id, "s1#1764676800#", 14));
    assert_int_equal(strlen(cern->id), 14 + 16);
    sp_snapdiff_stats st;
    sp_snapdiff_stats_get(d, &st);
    assert_int_equal(st.summaries, 3);
    /* the next poll: the same groups have the same ids but for the slot */
    summary first = *cern;
    ngot = 0;
    snapshot(d, "p2", 1764677520, pool, 4, 1);
    assert_int_equal(ngot, 3);
    cern = find("T2_CH_CERN");
    assert_int_equal(cern->count, 2);
    assert_string_equal(cern->id + 25, first.id + 25);   /* "s1#" + 10 digits + "#" + hash */
    assert_string_not_equal(cern->id, first.id);
    sp_snapdiff_free(d);
}

static void test_no_summary_of_incomplete_snapshots(void **state)
{
    (void)state;
    sp_snapdiff *d = differ();
    snapshot(d, "p1", 100, pool, 5, 0);                 /* no end: the next begin abandons it */
    snapshot(d, "p2", 200, pool, 5, 2);                 /* truncated */
    snapshot(d, "p3", 300, pool, 5, 3);                 /* the count is wrong */
    assert_int_equal(ngot, 0);
    snapshot(d, "p4", 400, pool, 2, 1);                 /* what was kept of the others is gone */
    assert_int_equal(ngot, 1);
    assert_int_equal(got[0].count, 2);
    assert_int_equal(got[0].cpus, 5);
    assert_int_equal(got[0].slot, 400);
    sp_snapdiff_free(d);
}

static void test_no_summary_again_after_restart(void **state)
{
    (void)state;
    sp_snapdiff *d = differ();
    assert_int_equal(sp_snapdiff_resume(d, "s1", "p2"), 0);
    snapshot(d, "p1", 100, pool, 5, 1);                 /* diffed before the restart: sent then */
    snapshot(d, "p2", 200, pool, 5, 1);
    assert_int_equal(ngot, 0);
    snapshot(d, "p3", 300, pool, 5, 1);
    assert_int_equal(ngot, 3);
    sp_snapdiff_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_groups_add_up),
        cmocka_unit_test(test_no_summary_of_incomplete_snapshots),
        cmocka_unit_test(test_no_summary_again_after_restart),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    sp_buf_free(&buf);
    return rc;
}
