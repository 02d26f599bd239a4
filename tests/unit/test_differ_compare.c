/* test_differ_compare.c - spider-differ compare on two dumps with planted
 * differences: it must find exactly the missing ids, the extra ids, the one
 * field changed in 0.4 % of the documents and the 7-hour shift of one date
 * field (as one finding), nothing for numbers within tolerance or dates
 * written as the same instant in another form, and pass identical inputs.
 * The same report must come out of the on-disk partitioned path (tiny
 * memory limit), of protobuf dumps, and of merging parcel reports; bad
 * lines are counted with their file:line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>

#include "differ.h"
#include "log.h"

#define NDOCS 5000
#define SHIFT 25200

static char dir[64];

static char *path_of(const char *name)
{
    static char buf[8][256];
    static int next;
    char *p = buf[next++ % 8];
    snprintf(p, 256, "%s/%s", dir, name);
    return p;
}

/* A CMS-like job document; i makes it unique. */
static json_t *make_doc(int i)
{
    static const char *const sites[] = { "T2_CH_CERN", "T1_US_FNAL", "T2_DE_DESY", "T2_IT_Pisa" };
    long long rt = 1763800000LL + i;
    char gjid[96];
    snprintf(gjid, sizeof(gjid), "vocms0%d.cern.ch#%d.0#1763700000", i % 7, 1000 + i);
    json_t *d = json_pack("{s:s, s:I, s:I, s:I, s:I, s:f, s:I, s:s, s:s, s:b, s:[s,s], s:{s:I, s:s, s:s}}",
                          "GlobalJobId", gjid, "RecordTime", (json_int_t)rt, "CompletionDate", (json_int_t)(rt - 60),
                          "JobCurrentStartDate", (json_int_t)(rt - 3600), "QDate", (json_int_t)(rt - 7200),
                          "CpuEff", 0.25 + (i % 1000) / 1000.0, "RequestMemory", (json_int_t)(2000 + i % 5),
                          "Site", sites[i % 4], "Status", i % 3 ? "Running" : "Idle",
                          "HasSingularity", i % 2, "DESIRED_Sites", sites[i % 4], sites[(i + 1) % 4],
                          "metadata", "spider_runtime", (json_int_t)(rt * 1000), "spider_source", "condor_queue",
                          "spider_hostname", "left-host");
    return d;
}

static void write_line(FILE *f, json_t *d)
{
    char *s = json_dumps(d, JSON_COMPACT | JSON_PRESERVE_ORDER);
    fprintf(f, "%s\n", s);
    free(s);
}

/* The planted differences on the right. */
static int missing(int i) { return i % 701 == 3; }          /* 8 ids only on the left */
static int changed(int i) { return i % 250 == 17; }         /* 20 of 5000: 0.4 % */
static int shifted(int i) { return i % 10 == 1; }           /* 500 documents */
static int jittered(int i) { return i % 1000 == 500; }      /* 5 dates, each off by another delta */
#define NEXTRA 4

static void write_planted(const char *lpath, const char *rpath, const char *extra_bad)
{
    FILE *l = fopen(lpath, "w"), *r = fopen(rpath, "w");
    assert_non_null(l);
    assert_non_null(r);
    for (int i = 0; i < NDOCS; i++) {
        json_t *d = make_doc(i);
        write_line(l, d);
        if (missing(i)) {
            json_decref(d);
            continue;
        }
        json_t *meta = json_object_get(d, "metadata");
        json_object_set_new(meta, "spider_hostname", json_string("right-host"));  /* ignored */
        json_object_set_new(meta, "spider_runtime", json_integer(42));
        if (changed(i))
            json_object_set_new(d, "Site", json_string("T3_US_Changed"));
        if (shifted(i))
            json_object_set_new(d, "JobCurrentStartDate",
                                json_integer(json_integer_value(json_object_get(d, "JobCurrentStartDate")) + SHIFT));
        if (jittered(i))
            json_object_set_new(d, "CompletionDate",
                                json_integer(json_integer_value(json_object_get(d, "CompletionDate")) + 1 + i / 1000));
        double eff = json_real_value(json_object_get(d, "CpuEff"));
        json_object_set_new(d, "CpuEff", json_real(eff * (1 + 1e-9)));     /* within tolerance */
        if (i % 2 == 0) {  /* the same instant, as ISO 8601 with an offset */
            char iso[64];
            time_t t = (time_t)json_integer_value(json_object_get(d, "QDate")) + 7200;
            struct tm tm;
            gmtime_r(&t, &tm);
            strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%S+02:00", &tm);
            json_object_set_new(d, "QDate", json_string(iso));
        }
        write_line(r, d);
        json_decref(d);
        if (i == NDOCS / 2 && extra_bad)
            fputs(extra_bad, r);
    }
    for (int i = 0; i < NEXTRA; i++) {
        json_t *d = make_doc(NDOCS + i);
        write_line(r, d);
        json_decref(d);
    }
    fclose(l);
    fclose(r);
}

static void opts_for_test(differ_opts *o)
{
    differ_opts_defaults(o);
    o->tol_rel = 1e-6;
    o->tmp_dir = dir;
}

static const differ_field *field(const differ_report *r, const char *name)
{
    for (size_t i = 0; i < r->nfields; i++)
        if (strcmp(r->fields[i].field, name) == 0)
            return &r->fields[i];
    return NULL;
}

static uint64_t count_of(const differ_report *r, const char *name)
{
    const differ_field *f = field(r, name);
    return f ? f->count : 0;
}

static int has_finding(const differ_report *r, const char *text)
{
    for (size_t i = 0; i < r->nfindings; i++)
        if (strcmp(r->findings[i], text) == 0)
            return 1;
    return 0;
}

static uint64_t planted(int (*pred)(int), int skip_missing)
{
    uint64_t n = 0;
    for (int i = 0; i < NDOCS; i++)
        n += pred(i) && !(skip_missing && missing(i));
    return n;
}

static void check_planted(const differ_report *r)
{
    uint64_t nmiss = planted(missing, 0), nchanged = planted(changed, 1), nshift = planted(shifted, 1);
    assert_int_equal(nmiss, 8);
    assert_int_equal(nchanged, 20);
    assert_int_equal(r->left_count, NDOCS);
    assert_int_equal(r->right_count, NDOCS - nmiss + NEXTRA);
    assert_int_equal(r->matched, NDOCS - nmiss);
    assert_int_equal(r->only_left, nmiss);
    assert_int_equal(r->only_right, NEXTRA);
    /* a document is not identical when changed or shifted */
    uint64_t differing = 0;
    for (int i = 0; i < NDOCS; i++)
        differing += !missing(i) && (changed(i) || shifted(i) || jittered(i));
    assert_int_equal(r->identical, r->matched - differing);
    /* exactly three fields differ: Site (0.4 %), the shifted date (a finding,
     * no mismatch), and a date off by a different delta in 5 documents
     * (mismatches, no finding) */
    assert_int_equal(count_of(r, "Site"), nchanged);
    assert_int_equal(count_of(r, "JobCurrentStartDate"), 0);
    assert_int_equal(field(r, "JobCurrentStartDate")->raw_count, nshift);
    assert_int_equal(count_of(r, "CompletionDate"), planted(jittered, 1));
    assert_int_equal(planted(jittered, 1), 5);
    for (size_t i = 0; i < r->nfields; i++)
        if (strcmp(r->fields[i].field, "Site") && strcmp(r->fields[i].field, "JobCurrentStartDate") &&
            strcmp(r->fields[i].field, "CompletionDate"))
            fail_msg("unexpected mismatching field %s", r->fields[i].field);
    assert_int_equal(r->nfindings, 1 + (r->bad_left + r->bad_right > 0));
    char text[256];
    snprintf(text, sizeof(text), "date field JobCurrentStartDate shifted by +%d s in %llu documents",
             SHIFT, (unsigned long long)nshift);
    if (!has_finding(r, text))
        fail_msg("no finding \"%s\" (%zu findings)", text, r->nfindings);
}

static void check_examples(const differ_report *r)
{
    for (size_t i = 0; i < r->nonly_left_examples; i++) {
        int n = atoi(strchr(r->only_left_examples[i], '#') + 1) - 1000;
        assert_true(missing(n));
    }
    const differ_field *f = field(r, "Site");
    assert_true(f->nexamples > 0);
    for (size_t i = 0; i < f->nexamples; i++)
        assert_string_equal(f->examples[i].right, "\"T3_US_Changed\"");
    /* the shift keeps one example, tagged with its delta */
    f = field(r, "JobCurrentStartDate");
    assert_int_equal(f->nexamples, 1);
    assert_true(f->examples[0].has_delta && f->examples[0].delta == SHIFT);
    f = field(r, "CompletionDate");
    assert_int_equal(f->nexamples, 5);
}

static void test_planted_differences(void **state)
{
    (void)state;
    write_planted(path_of("l.jsonl"), path_of("r.jsonl"), NULL);
    differ_opts o;
    opts_for_test(&o);
    differ_report r;
    char err[512];
    assert_int_equal(differ_compare(path_of("l.jsonl"), path_of("r.jsonl"), &o, &r, err, sizeof(err)), 0);
    check_planted(&r);
    check_examples(&r);
    /* 500 shifted documents of 4993: far below 99.5 % identical */
    assert_false(r.pass);
    differ_report_free(&r);
}

static void test_tolerance_matters(void **state)
{
    (void)state;
    differ_opts o;
    opts_for_test(&o);
    o.tol_rel = 0;                     /* exact: the 1e-9 perturbation shows */
    differ_report r;
    char err[512];
    assert_int_equal(differ_compare(path_of("l.jsonl"), path_of("r.jsonl"), &o, &r, err, sizeof(err)), 0);
    assert_true(count_of(&r, "CpuEff") > NDOCS / 2);
    /* examples print doubles as Python does (shortest round-trip) */
    const differ_field *f = field(&r, "CpuEff");
    for (size_t i = 0; i < f->nexamples; i++)
        if (strlen(f->examples[i].left) > 6)
            fail_msg("left value %s is not its shortest form", f->examples[i].left);
    differ_report_free(&r);
    o.tol_rel = 0;
    o.tol_abs = 1e-6;                  /* absolute works as well */
    assert_int_equal(differ_compare(path_of("l.jsonl"), path_of("r.jsonl"), &o, &r, err, sizeof(err)), 0);
    assert_int_equal(count_of(&r, "CpuEff"), 0);
    differ_report_free(&r);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* The criterion of that name failed, with a reason containing text. */
static void assert_failed(const differ_report *r, const char *criterion, const char *text)
{
    for (size_t i = 0; i < r->nfailed; i++)
        if (!strcmp(r->failed[i].criterion, criterion)) {
            if (!strstr(r->failed[i].reason, text))
                fail_msg("%s: reason \"%s\" lacks \"%s\"", criterion, r->failed[i].reason, text);
            return;
        }
    fail_msg("criterion \"%s\" did not fail (%zu failed)", criterion, r->nfailed);
}

static void test_verdict_threshold(void **state)
{
    (void)state;
    /* without the shift: 0.4 % changed and 0.14 % missing pass 99.5 %, fail 99.9 % */
    FILE *l = fopen(path_of("v_l.jsonl"), "w"), *rr = fopen(path_of("v_r.jsonl"), "w");
    for (int i = 0; i < NDOCS; i++) {
        json_t *d = make_doc(i);
        write_line(l, d);
        if (changed(i))
            json_object_set_new(d, "Site", json_string("T3_US_Changed"));
        if (!missing(i))
            write_line(rr, d);
        json_decref(d);
    }
    fclose(l);
    fclose(rr);
    differ_opts o;
    opts_for_test(&o);
    differ_report r;
    char err[512];
    assert_int_equal(differ_compare(path_of("v_l.jsonl"), path_of("v_r.jsonl"), &o, &r, err, sizeof(err)), 0);
    assert_int_equal(count_of(&r, "Site"), 20);
    assert_true(r.pass);
    differ_report_free(&r);
    o.min_match = 0.999;
    assert_int_equal(differ_compare(path_of("v_l.jsonl"), path_of("v_r.jsonl"), &o, &r, err, sizeof(err)), 0);
    assert_false(r.pass);
    assert_int_equal(r.nfailed, 2);            /* 0.4 % changed, 0.16 % lost; no extra ids, no bad records */
    assert_failed(&r, "identical share", "min-match 99.900%");
    assert_failed(&r, "lost ids", "8 of 5000 left documents have no match on the right");
    differ_report_free(&r);
}

static void test_identical_pass(void **state)
{
    (void)state;
    differ_opts o;
    opts_for_test(&o);
    o.metrics = sp_metrics_new();
    differ_report r;
    char err[512];
    assert_int_equal(differ_compare(path_of("l.jsonl"), path_of("l.jsonl"), &o, &r, err, sizeof(err)), 0);
    sp_metric *docs = sp_metrics_counter(o.metrics, "spider_differ_documents_total", "", (const char *[]){ "side", NULL });
    assert_int_equal((long long)sp_metric_value(docs, (const char *[]){ "left" }), NDOCS);
    assert_int_equal((long long)sp_metric_value(docs, (const char *[]){ "right" }), NDOCS);
    sp_metric *pass = sp_metrics_gauge(o.metrics, "spider_differ_pass", "", NULL);
    assert_int_equal((long long)sp_metric_value(pass, NULL), 1);
    sp_metrics_free(o.metrics);
    assert_int_equal(r.left_count, NDOCS);
    assert_int_equal(r.matched, NDOCS);
    assert_int_equal(r.identical, NDOCS);
    assert_int_equal(r.only_left + r.only_right + r.nfields + r.nfindings, 0);
    assert_true(r.pass);
    differ_report_free(&r);
}

static void compare_files(const char *left, const char *right, differ_report *r)
{
    differ_opts o;
    opts_for_test(&o);
    char err[512];
    assert_int_equal(differ_compare(path_of(left), path_of(right), &o, r, err, sizeof(err)), 0);
}

/* Nothing compared is no proof: empty inputs, inputs that match nothing and
 * inputs of unreadable records fail, each with the criterion that failed. */
static void test_nothing_compared_fails(void **state)
{
    (void)state;
    differ_report r;
    write_file(path_of("e1.jsonl"), "");
    write_file(path_of("e2.jsonl"), "\n");
    compare_files("e1.jsonl", "e2.jsonl", &r);
    assert_false(r.pass);
    assert_int_equal(r.nfailed, 1);
    assert_failed(&r, "identical share", "both inputs are empty");
    json_t *j = differ_report_to_json(&r);
    assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(j, "failed"), 0), "criterion")),
                        "identical share");
    assert_true(json_is_false(json_object_get(j, "pass")));
    json_decref(j);
    differ_report_free(&r);

    write_file(path_of("a.jsonl"), "{\"GlobalJobId\": \"a\", \"RecordTime\": 1, \"X\": 1}\n"
                                   "{\"GlobalJobId\": \"b\", \"RecordTime\": 1, \"X\": 1}\n");
    write_file(path_of("c.jsonl"), "{\"GlobalJobId\": \"c\", \"RecordTime\": 1, \"X\": 1}\n");
    compare_files("a.jsonl", "c.jsonl", &r);
    assert_false(r.pass);
    assert_int_equal(r.nfailed, 3);
    assert_failed(&r, "identical share", "no document matched by id");
    assert_failed(&r, "lost ids", "2 of 2 left documents have no match on the right");
    assert_failed(&r, "extra ids", "1 of 1 right documents have no match on the left");
    differ_report_free(&r);

    compare_files("a.jsonl", "e1.jsonl", &r);    /* one side empty */
    assert_false(r.pass);
    assert_int_equal(r.nfailed, 2);
    assert_failed(&r, "identical share", "no document matched by id");
    assert_failed(&r, "lost ids", "2 of 2 left documents");
    differ_report_free(&r);

    write_file(path_of("g.jsonl"), "{\"GlobalJobId\": \"a\", \"RecordTime\": 1, \"X\": 1}\nnot json\n[1]\n"
                                   "{\"GlobalJobId\": \"b\", \"RecordTime\": 1, \"X\": 1}\n");
    compare_files("a.jsonl", "g.jsonl", &r);     /* every document matches, but half the right is garbage */
    assert_int_equal(r.identical, 2);
    assert_false(r.pass);
    assert_int_equal(r.nfailed, 1);
    assert_failed(&r, "bad records", "2 of 4 records on the right unreadable");
    differ_report_free(&r);

    compare_files("a.jsonl", "a.jsonl", &r);
    assert_true(r.pass);
    assert_int_equal(r.nfailed, 0);
    differ_report_free(&r);
}

/* Counts, per-field counts and findings equal (examples may differ). */
static void assert_same_report(const differ_report *a, const differ_report *b)
{
    assert_int_equal(a->left_count, b->left_count);
    assert_int_equal(a->right_count, b->right_count);
    assert_int_equal(a->matched, b->matched);
    assert_int_equal(a->identical, b->identical);
    assert_int_equal(a->only_left, b->only_left);
    assert_int_equal(a->only_right, b->only_right);
    assert_int_equal(a->bad_left, b->bad_left);
    assert_int_equal(a->bad_right, b->bad_right);
    assert_int_equal(a->pass, b->pass);
    assert_int_equal(a->nfields, b->nfields);
    for (size_t i = 0; i < a->nfields; i++) {
        const differ_field *f = field(b, a->fields[i].field);
        assert_non_null(f);
        assert_int_equal(a->fields[i].count, f->count);
        assert_int_equal(a->fields[i].raw_count, f->raw_count);
    }
    assert_int_equal(a->nfindings, b->nfindings);
    for (size_t i = 0; i < a->nfindings; i++)
        assert_true(has_finding(b, a->findings[i]));
}

/* Also: keying lines with the scanner (jscan.c) or with jansson agrees. */
static void test_partitioned_equals_memory(void **state)
{
    (void)state;
    write_planted(path_of("l.jsonl"), path_of("r.jsonl"), "{oops\n");
    differ_opts o;
    opts_for_test(&o);
    differ_report mem, disk;
    char err[512];
    assert_int_equal(differ_compare(path_of("l.jsonl"), path_of("r.jsonl"), &o, &mem, err, sizeof(err)), 0);
    o.memory_limit = 64 * 1024;        /* ~1.3 MB of left input: ~30 partitions */
    assert_int_equal(differ_compare(path_of("l.jsonl"), path_of("r.jsonl"), &o, &disk, err, sizeof(err)), 0);
    check_planted(&disk);
    assert_same_report(&mem, &disk);
    differ_report_free(&disk);
    o.partitions = 3;
    assert_int_equal(differ_compare(path_of("l.jsonl"), path_of("r.jsonl"), &o, &disk, err, sizeof(err)), 0);
    assert_same_report(&mem, &disk);
    differ_report_free(&disk);
    /* keyed by jansson instead of the scanner: the same */
    o.no_scan = 1;
    o.partitions = 0;
    o.memory_limit = 1ULL << 30;
    assert_int_equal(differ_compare(path_of("l.jsonl"), path_of("r.jsonl"), &o, &disk, err, sizeof(err)), 0);
    assert_same_report(&mem, &disk);
    differ_report_free(&disk);
    differ_report_free(&mem);
}

static void test_parcels_merge_equals_single_run(void **state)
{
    (void)state;
    enum { N = 3 };
    differ_opts o;
    opts_for_test(&o);
    differ_report single, merged;
    char err[512];
    assert_int_equal(differ_compare(path_of("l.jsonl"), path_of("r.jsonl"), &o, &single, err, sizeof(err)), 0);
    const char *paths[N];
    char names[N][256];
    uint64_t left_sum = 0;
    for (int p = 0; p < N; p++) {
        differ_report part;
        o.parcel_id = (uint32_t)p;
        o.parcel_count = N;
        o.shift_min = 10;
        assert_int_equal(differ_compare(path_of("l.jsonl"), path_of("r.jsonl"), &o, &part, err, sizeof(err)), 0);
        assert_true(part.left_count > 0 && part.left_count < NDOCS);
        left_sum += part.left_count;
        snprintf(names[p], sizeof(names[p]), "%s/parcel%d.json", dir, p);
        assert_int_equal(differ_report_write(&part, names[p], err, sizeof(err)), 0);
        paths[p] = names[p];
        differ_report_free(&part);
    }
    assert_int_equal(left_sum, NDOCS);
    o.min_match = -1;
    assert_int_equal(differ_merge(paths, N, &o, &merged, err, sizeof(err)), 0);
    assert_same_report(&single, &merged);
    assert_int_equal(merged.parcel_count, 0);
    differ_report_free(&merged);
    /* a missing parcel fails the verdict and says so */
    assert_int_equal(differ_merge(paths, N - 1, &o, &merged, err, sizeof(err)), 0);
    assert_false(merged.pass);
    assert_true(has_finding(&merged, "1 of 3 parcels missing: the verdict covers part of the ids only"));
    assert_failed(&merged, "missing parcels", "1 of 3 parcels missing");
    differ_report_free(&merged);
    /* the same parcel twice is an error */
    const char *twice[] = { paths[0], paths[0] };
    assert_int_equal(differ_merge(twice, 2, &o, &merged, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "given twice"));
    differ_report_free(&merged);
    differ_report_free(&single);
}

static void test_bad_lines_counted(void **state)
{
    (void)state;
    write_planted(path_of("l.jsonl"), path_of("r.jsonl"),
                  "{\"truncated\": \n[1, 2]\n{\"GlobalJobId\": \"no-record-time\"}\n\n");
    differ_opts o;
    opts_for_test(&o);
    differ_report r;
    char err[512];
    assert_int_equal(differ_compare(path_of("l.jsonl"), path_of("r.jsonl"), &o, &r, err, sizeof(err)), 0);
    assert_int_equal(r.bad_left, 0);
    assert_int_equal(r.bad_right, 3);            /* the blank line is not bad */
    check_planted(&r);                           /* and nothing else changed */
    assert_true(has_finding(&r, "bad records skipped: 0 on the left, 3 on the right"));
    differ_report_free(&r);
    o.strict = 1;
    assert_int_equal(differ_compare(path_of("l.jsonl"), path_of("r.jsonl"), &o, &r, err, sizeof(err)), -1);
    char where[300];
    /* the line: every document up to NDOCS/2 that is not missing, then the bad one */
    int line = 0;
    for (int i = 0; i <= NDOCS / 2; i++)
        line += !missing(i);
    snprintf(where, sizeof(where), "%s:%d: invalid JSON", path_of("r.jsonl"), line + 1);
    if (!strstr(err, where))
        fail_msg("error \"%s\" does not name %s", err, where);
    differ_report_free(&r);
}

static void test_protobuf_dumps(void **state)
{
    (void)state;
    write_planted(path_of("l.jsonl"), path_of("r.jsonl"), NULL);
    differ_opts o;
    opts_for_test(&o);
    char err[512];
    assert_int_equal(differ_dump_jsonl(path_of("l.jsonl"), path_of("l.pb"), &o, err, sizeof(err)), NDOCS);
    assert_int_equal(differ_dump_jsonl(path_of("r.jsonl"), path_of("r.pb"), &o, err, sizeof(err)),
                     NDOCS - planted(missing, 0) + NEXTRA);
    differ_report r, j;
    /* the same documents as protobuf and as JSON lines are identical */
    assert_int_equal(differ_compare(path_of("l.jsonl"), path_of("l.pb"), &o, &r, err, sizeof(err)), 0);
    assert_int_equal(r.identical, NDOCS);
    assert_true(r.pass);
    differ_report_free(&r);
    /* protobuf against protobuf finds the planted differences, as JSON does */
    assert_int_equal(differ_compare(path_of("l.pb"), path_of("r.pb"), &o, &r, err, sizeof(err)), 0);
    check_planted(&r);
    assert_int_equal(differ_compare(path_of("l.jsonl"), path_of("r.jsonl"), &o, &j, err, sizeof(err)), 0);
    assert_same_report(&j, &r);
    differ_report_free(&r);
    differ_report_free(&j);
    /* a truncated last record is counted, the rest compared */
    FILE *f = fopen(path_of("l.pb"), "ab");
    fputs("\x7f{{{", f);
    fclose(f);
    assert_int_equal(differ_compare(path_of("l.pb"), path_of("r.pb"), &o, &r, err, sizeof(err)), 0);
    assert_int_equal(r.bad_left, 1);
    assert_int_equal(r.left_count, NDOCS);
    differ_report_free(&r);
}

static void test_keys_and_ids(void **state)
{
    (void)state;
    differ_opts o;
    differ_opts_defaults(&o);
    char key[256];
    json_t *d = json_pack("{s:s, s:s, s:I}", "_id", "explicit", "GlobalJobId", "g#1.0#2", "RecordTime", (json_int_t)7);
    assert_int_equal(differ_key(&o, d, key, sizeof(key)), 8);
    assert_string_equal(key, "explicit");
    json_object_del(d, "_id");
    assert_true(differ_key(&o, d, key, sizeof(key)) > 0);
    assert_string_equal(key, "g#1.0#2#7");
    const char *fields[] = { "RecordTime" };
    o.key_fields = fields;
    o.nkey_fields = 1;
    assert_true(differ_key(&o, d, key, sizeof(key)) > 0);
    assert_string_equal(key, "7");
    fields[0] = "Nope";
    assert_int_equal(differ_key(&o, d, key, sizeof(key)), -1);
    json_decref(d);
}

static void test_option_parsers(void **state)
{
    (void)state;
    double rel, abs_, f;
    uint64_t size;
    assert_int_equal(differ_parse_tolerance("rel:1e-6,abs:0.5", &rel, &abs_), 0);
    assert_true(rel == 1e-6 && abs_ == 0.5);
    assert_int_equal(differ_parse_tolerance("0.01", &rel, &abs_), 0);
    assert_true(rel == 0.01 && abs_ == 0);
    assert_int_equal(differ_parse_tolerance("abs:x", &rel, &abs_), -1);
    assert_int_equal(differ_parse_fraction("99.5%", &f), 0);
    assert_true(f > 0.99499 && f < 0.99501);
    assert_int_equal(differ_parse_fraction("0.9", &f), 0);
    assert_true(f == 0.9);
    assert_int_equal(differ_parse_fraction("120%", &f), -1);
    assert_int_equal(differ_parse_size("512M", &size), 0);
    assert_int_equal(size, 512ULL << 20);
    assert_int_equal(differ_parse_size("2GiB", &size), 0);
    assert_int_equal(size, 2ULL << 30);
    assert_int_equal(differ_parse_size("lots", &size), -1);
    double t;
    assert_int_equal(differ_parse_iso("2026-11-22T10:00:00+07:00", &t), 0);
    assert_true(t == 1795316400.0);
    assert_int_equal(differ_parse_iso("2026-11-22 03:00:00Z", &t), 0);
    assert_true(t == 1795316400.0);
    assert_int_equal(differ_parse_iso("yesterday", &t), -1);
}

static int setup(void **state)
{
    (void)state;
    sp_log_init("test", SP_LOG_ERROR, SP_LOG_FORMAT_KV);
    snprintf(dir, sizeof(dir), "/tmp/test_differ_XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    static const char *const files[] = { "l.jsonl", "r.jsonl", "v_l.jsonl", "v_r.jsonl", "l.pb", "r.pb",
                                         "parcel0.json", "parcel1.json", "parcel2.json" };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        unlink(path_of(files[i]));
    rmdir(dir);
    sp_log_shutdown();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_option_parsers),
        cmocka_unit_test(test_keys_and_ids),
        cmocka_unit_test(test_planted_differences),
        cmocka_unit_test(test_tolerance_matters),
        cmocka_unit_test(test_verdict_threshold),
        cmocka_unit_test(test_identical_pass),
        cmocka_unit_test(test_nothing_compared_fails),
        cmocka_unit_test(test_partitioned_equals_memory),
        cmocka_unit_test(test_parcels_merge_equals_single_run),
        cmocka_unit_test(test_bad_lines_counted),
        cmocka_unit_test(test_protobuf_dumps),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
