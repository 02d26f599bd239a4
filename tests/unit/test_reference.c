/* test_reference.c - spider's conversion against the reference spider's own
 * output (oracle 2 of issue 12).
 *
 * tests/fixtures/reference/ holds a corpus of job ads printed by HTCondor's
 * ClassAd library (ads.json: printJson, ads.long: printOld) and, in
 * expected.jsonl, what the reference's convert_to_json made of each ad, in
 * queue mode and in history mode (see the README there): the document, its
 * _id and index, or that the reference raised. Every ad is converted by
 * spider from both forms, in both modes, and every document is compared
 * field by field with the reference's: names, values, JSON types (1 is not
 * 1.0, true is not 1), _id and index. Any difference fails the test, naming
 * the ad, the mode, the form and the field.
 *
 * The only exceptions are the deliberate deviations of
 * docs/compatibility.md, each keyed by its id there (D1...), each with its
 * own test below. The summary line gives the counts:
 * "N documents, M fields compared, K differences". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "adjson.h"
#include "adlong.h"
#include "convert.h"
#include "docjson.h"
#include "document.h"

#define NOW 1764676800LL               /* the frozen epoch of the README */
#define MAX_SHOWN 60         /* differences printed in full; SPIDER_REFERENCE_SHOW=n for more */

typedef enum { FORM_JSON, FORM_LONG } ad_form;
typedef enum { MODE_QUEUE, MODE_HISTORY } conv_mode;

static const char *const form_names[] = { "json", "long" };
static const char *const mode_names[] = { "queue", "history" };

/* What the comparison counted. */
typedef struct {
    size_t documents, fields, differences, shown;
    size_t deviations[7];             /* by compatibility.md id D1..D6 */
    json_t *by_field;                 /* "field: what" -> count */
} tally;

/* ---------- reading the fixtures ---------- */

static char *fixture_path(const char *name)
{
    static char path[1024];
    const char *src = getenv("SPIDER_SOURCE_DIR");
    snprintf(path, sizeof(path), "%s/tests/fixtures/reference/%s", src ? src : ".", name);
    return path;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot read %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    *len = fread(buf, 1, (size_t)n, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

/* expected.jsonl: one record per ad and mode, as an array indexed
 * [ad * 2 + mode]. */
static json_t **load_expected(size_t *n_ads)
{
    size_t len, cap = 0, n = 0;
    char *text = slurp(fixture_path("expected.jsonl"), &len);
    json_t **recs = NULL;
    for (char *line = text, *nl; line < text + len; line = nl + 1) {
        nl = strchr(line, '\n');
        if (!nl)
            nl = text + len;
        if (nl == line)
            continue;
        json_error_t je;
        json_t *r = json_loadb(line, (size_t)(nl - line), 0, &je);
        if (!r)
            fail_msg("expected.jsonl: %s", je.text);
        size_t ad = (size_t)json_integer_value(json_object_get(r, "ad"));
        int mode = strcmp(json_string_value(json_object_get(r, "mode")), "queue") ? MODE_HISTORY : MODE_QUEUE;
        size_t slot = ad * 2 + (size_t)mode;
        if (slot >= cap) {
            size_t ncap = cap ? cap * 2 : 4096;
            while (ncap <= slot)
                ncap *= 2;
            recs = realloc(recs, ncap * sizeof(*recs));
            memset(recs + cap, 0, (ncap - cap) * sizeof(*recs));
            cap = ncap;
        }
        recs[slot] = r;
        if (ad + 1 > n)
            n = ad + 1;
    }
    free(text);
    *n_ads = n;
    return recs;
}

/* ---------- one conversion ---------- */

typedef struct {
    int rc;                  /* sp_convert's */
    json_t *doc;             /* the document without metadata, or NULL */
    char id[1024], index[128];
    char err[256];           /* why there is no document */
} spider_out;

static void convert_one(const sp_converter *c, sp_ad *ad, conv_mode mode, spider_out *out)
{
    char *err = out->err;
    sp_ad *res = sp_ad_new();
    sp_convert_job job = { "Global", mode == MODE_QUEUE, NOW, NULL };
    memset(out, 0, sizeof(*out));
    out->rc = sp_convert(c, &job, ad, res, NULL, err, sizeof(out->err));
    if (out->rc == 1) {
        sp_arena a = { 0 };
        sp_document_meta meta = { "cms", "reference-test", 1,
                                  mode == MODE_QUEUE ? SPIDER__SOURCE__CONDOR_QUEUE : SPIDER__SOURCE__CONDOR_HISTORY,
                                  NULL, mode == MODE_QUEUE ? NOW : 0 };
        Spider__Document *d = sp_document_build(&a, res, &meta, err, sizeof(out->err));
        if (d) {
            sp_buf b = { 0 };
            assert_int_equal(sp_docjson_write(&b, d, NULL), 0);
            json_error_t je;
            out->doc = json_loadb((const char *)b.data, b.len, 0, &je);
            if (!out->doc)
                fail_msg("spider wrote invalid JSON: %s", je.text);
            json_object_del(out->doc, "metadata");
            snprintf(out->id, sizeof(out->id), "%s", d->id);
            snprintf(out->index, sizeof(out->index), "%s", d->index);
            sp_buf_free(&b);
        } else {
            out->rc = -2;                /* converted, but no document */
        }
        sp_arena_free(&a);
    }
    sp_ad_free(res);
}

/* ---------- comparing ---------- */

static void report(tally *t, size_t ad, conv_mode mode, ad_form form, const char *field,
                   json_t *want, json_t *got, const char *what)
{
    t->differences++;
    if (t->by_field) {
        char key[256];
        snprintf(key, sizeof(key), "%s: %s", field, what);
        json_t *n = json_object_get(t->by_field, key);
        json_object_set_new(t->by_field, key, json_integer(n ? json_integer_value(n) + 1 : 1));
    }
    const char *show = getenv("SPIDER_REFERENCE_SHOW");
    if (t->shown++ >= (show ? strtoul(show, NULL, 10) : MAX_SHOWN))
        return;
    char *w = want ? json_dumps(want, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
    char *g = got ? json_dumps(got, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
    fprintf(stderr, "ad %zu %s from -%s: %s: %s: reference %.200s, spider %.200s\n", ad, mode_names[mode],
            form_names[form], field, what, w ? w : "(absent)", g ? g : "(absent)");
    free(w);
    free(g);
}

static const char *type_name(json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "object";
    case JSON_ARRAY: return "array";
    case JSON_STRING: return "string";
    case JSON_INTEGER: return "integer";
    case JSON_REAL: return "real";
    case JSON_TRUE: case JSON_FALSE: return "bool";
    default: return "null";
    }
}

/* Same value and same JSON type, recursively; reals exactly. */
static int same_value(json_t *want, json_t *got)
{
    if (strcmp(type_name(want), type_name(got)) != 0)
        return 0;
    if (json_is_real(want))
        return json_real_value(want) == json_real_value(got);
    if (json_is_array(want)) {
        if (json_array_size(want) != json_array_size(got))
            return 0;
        for (size_t i = 0; i < json_array_size(want); i++)
            if (!same_value(json_array_get(want, i), json_array_get(got, i)))
                return 0;
        return 1;
    }
    if (json_is_object(want)) {
        if (json_object_size(want) != json_object_size(got))
            return 0;
        const char *k;
        json_t *v;
        json_object_foreach(want, k, v) {
            json_t *g = json_object_get(got, k);
            if (!g || !same_value(v, g))
                return 0;
        }
        return 1;
    }
    return json_equal(want, got);
}

/* A path listed in the record's key (e.g. "nonfinite"), so a deviation. */
static int listed(json_t *rec, const char *key, const char *field)
{
    size_t i;
    json_t *p, *list = json_object_get(rec, key);
    if (json_is_object(list))
        return json_object_get(list, field) != NULL;
    json_array_foreach(list, i, p)
        if (!strcmp(json_string_value(p), field))
            return 1;
    return 0;
}

/* D6: the reference iterates a Python set of the ad's names, whose order
 * changes from run to run (hash randomization), and libclassad's hash table
 * of a nested ad: the order of the ChirpCMSSW_SiteIO entries, of the pieces
 * of a string ChirpCMSSW_* sum and of the items of a nested ad's str()
 * (a dict) is arbitrary there, the ad's own order here. The same entries,
 * the same characters. */
static int cmp_char(const void *a, const void *b)
{
    return *(const unsigned char *)a - *(const unsigned char *)b;
}

static int same_chars(const char *w, const char *g)
{
    size_t n = strlen(w);
    if (strlen(g) != n)
        return 0;
    char *a = strdup(w), *b = strdup(g);
    qsort(a, n, 1, cmp_char);
    qsort(b, n, 1, cmp_char);
    int same = !memcmp(a, b, n);
    free(a);
    free(b);
    return same;
}

static int set_order(const char *field, json_t *want, json_t *got)
{
    if (!strcmp(field, "ChirpCMSSW_SiteIO") && json_is_array(want) && json_is_array(got) &&
        json_array_size(want) == json_array_size(got)) {
        size_t i, j;
        json_t *w, *g;
        json_array_foreach(want, i, w) {
            int found = 0;
            json_array_foreach(got, j, g)
                found |= same_value(w, g);
            if (!found)
                return 0;
        }
        return 1;
    }
    if (!json_is_string(want) || !json_is_string(got))
        return 0;
    const char *w = json_string_value(want);
    int dict = w[0] == '{' && strstr(w, "': ") != NULL;
    return (dict || !strncmp(field, "ChirpCMSSW", 10)) && same_chars(w, json_string_value(got));
}

/* D3: an integer outside int64 in the reference's document (the driver
 * recorded it as its decimal text): spider leaves the field out. */
static int bigint_deviation(json_t *rec, const char *field, json_t *got, tally *t)
{
    if (!listed(rec, "bigint", field))
        return 0;
    if (!got) {
        t->deviations[3]++;
        return 1;
    }
    return 0;
}

static void compare_fields(json_t *rec, json_t *want, json_t *got, size_t ad, conv_mode mode, ad_form form,
                           tally *t)
{
    const char *k;
    json_t *v;
    json_object_foreach(want, k, v) {
        json_t *g = json_object_get(got, k);
        t->fields++;
        if (bigint_deviation(rec, k, g, t))
            continue;
        if (listed(rec, "nonfinite", k))
            t->deviations[4]++;                     /* D4: compared with null */
        if (listed(rec, "classad_value", k))
            t->deviations[5]++;                     /* D5: compared with null */
        if (g && !same_value(v, g) && set_order(k, v, g)) {
            t->deviations[6]++;
            continue;
        }
        if (!g)
            report(t, ad, mode, form, k, v, NULL, "missing");
        else if (!same_value(v, g))
            report(t, ad, mode, form, k, v, g, strcmp(type_name(v), type_name(g)) ? "type" : "value");
    }
    json_object_foreach(got, k, v) {
        if (!json_object_get(want, k)) {
            t->fields++;
            report(t, ad, mode, form, k, NULL, v, "extra");
        }
    }
}

/* D2: the reference names a queue document's index after the first
 * document of its bunch; spider after the document's own QDate, as the
 * reference does for history (the driver records that as _index_own). */
static const char *expected_index(json_t *rec, conv_mode mode, tally *t)
{
    const char *own = json_string_value(json_object_get(rec, "_index_own"));
    const char *batch = json_string_value(json_object_get(rec, "_index"));
    if (mode == MODE_QUEUE && own) {
        if (strcmp(own, batch) != 0)
            t->deviations[2]++;
        return own;
    }
    return batch;
}

static void compare_record(json_t *rec, const spider_out *out, size_t ad, conv_mode mode, ad_form form,
                           tally *t)
{
    json_t *want = json_object_get(rec, "doc");
    if (json_object_get(rec, "crash")) {
        /* D1: the reference raised; spider converts (or, with no
         * GlobalJobId, refuses the ad the same way) */
        t->deviations[1]++;
        if (out->rc != 1 && !(out->rc < 0 && strstr(out->err, "GlobalJobId")))
            report(t, ad, mode, form, "(document)", json_object_get(rec, "crash"), NULL,
                   "D1: the reference raised; spider must still write a document");
        return;
    }
    if (json_object_get(rec, "none")) {
        if (out->rc != 0)
            report(t, ad, mode, form, "(document)", json_string("none"), out->doc, "not a document");
        return;
    }
    t->documents++;
    const char *want_id = json_string_value(json_object_get(rec, "_id"));
    const char *hash = strrchr(want_id, '#');
    if (out->rc == -2 && hash && strlen(hash + 1) > 19) {
        t->deviations[3]++;          /* D3: a RecordTime outside int64: no document */
        return;
    }
    if (out->rc != 1 || !out->doc) {
        report(t, ad, mode, form, "(document)", want, NULL, "spider wrote no document");
        return;
    }
    t->fields += 2;
    const char *id = json_string_value(json_object_get(rec, "_id"));
    if (strcmp(id, out->id) != 0)
        report(t, ad, mode, form, "_id", json_object_get(rec, "_id"), json_string(out->id), "value");
    const char *index = expected_index(rec, mode, t);
    if (strcmp(index, out->index) != 0)
        report(t, ad, mode, form, "_index", json_string(index), json_string(out->index), "value");
    compare_fields(rec, want, out->doc, ad, mode, form, t);
}

/* ---------- the passes ---------- */

typedef struct {
    sp_adjson *j;
    sp_adlong *l;
} ad_stream;

static int next_ad(ad_stream *s, sp_ad *ad, char *err, size_t errlen)
{
    sp_ad_reset(ad);
    return s->j ? sp_adjson_next(s->j, sp_ad_on_event, ad, err, errlen)
                : sp_adlong_next(s->l, sp_ad_on_event, ad, err, errlen);
}

static void open_stream(ad_stream *s, ad_form form, char **text)
{
    size_t len;
    char err[256];
    memset(s, 0, sizeof(*s));
    *text = slurp(fixture_path(form == FORM_JSON ? "ads.json" : "ads.long"), &len);
    if (form == FORM_JSON) {
        s->j = sp_adjson_new(0);
        assert_int_equal(sp_adjson_feed(s->j, *text, len), 0);
    } else {
        s->l = sp_adlong_new(0);
        assert_int_equal(sp_adlong_feed(s->l, *text, len), 0);
        assert_int_equal(sp_adlong_finish(s->l, err, sizeof(err)), 0);
    }
}

static void close_stream(ad_stream *s, char *text)
{
    sp_adjson_free(s->j);
    sp_adlong_free(s->l);
    free(text);
}

/* Converts every ad of one form in one mode and compares; calls check()
 * with each record and spider's output when given (the deviation tests). */
typedef void (*record_fn)(json_t *rec, const spider_out *out, size_t ad, void *ctx);

static size_t run_pass(json_t **recs, size_t n_ads, ad_form form, conv_mode mode, tally *t, record_fn fn,
                       void *ctx)
{
    char err[256], *text;
    ad_stream s;
    sp_converter *c = sp_converter_new(fixture_path("affiliation.json"), err, sizeof(err));
    if (!c)
        fail_msg("%s", err);
    sp_ad *ad = sp_ad_new();
    open_stream(&s, form, &text);
    size_t k = 0;
    int rc;
    while ((rc = next_ad(&s, ad, err, sizeof(err))) != 0) {
        if (rc < 0)
            fail_msg("-%s ad %zu: %s", form_names[form], k, err);
        assert_true(k < n_ads);
        json_t *rec = recs[k * 2 + mode];
        assert_non_null(rec);
        spider_out out;
        convert_one(c, ad, mode, &out);
        if (t)
            compare_record(rec, &out, k, mode, form, t);
        if (fn)
            fn(rec, &out, k, ctx);
        json_decref(out.doc);
        k++;
    }
    close_stream(&s, text);
    sp_ad_free(ad);
    sp_converter_free(c);
    return k;
}

static json_t **g_recs;
static size_t g_n_ads;

static int setup(void **state)
{
    (void)state;
    g_recs = load_expected(&g_n_ads);
    return g_n_ads >= 1000 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < g_n_ads * 2; i++)
        json_decref(g_recs[i]);
    free(g_recs);
    return 0;
}

/* The comparison itself: every ad, both forms, both modes. */
static void test_identical_to_reference(void **state)
{
    (void)state;
    tally t = { 0 };
    t.by_field = json_object();
    for (int form = FORM_JSON; form <= FORM_LONG; form++)
        for (int mode = MODE_QUEUE; mode <= MODE_HISTORY; mode++)
            assert_int_equal(run_pass(g_recs, g_n_ads, (ad_form)form, (conv_mode)mode, &t, NULL, NULL), g_n_ads);
    fprintf(stderr, "reference: %zu ads, %zu documents, %zu fields compared, %zu differences\n", g_n_ads,
            t.documents, t.fields, t.differences);
    fprintf(stderr, "reference: deviations used: D1 %zu, D2 %zu, D3 %zu, D4 %zu, D5 %zu, D6 %zu\n",
            t.deviations[1], t.deviations[2], t.deviations[3], t.deviations[4], t.deviations[5], t.deviations[6]);
    const char *k;
    json_t *v;
    json_object_foreach(t.by_field, k, v)
        fprintf(stderr, "reference: %6lld x %s\n", json_integer_value(v), k);
    json_decref(t.by_field);
    assert_true(t.documents > 1000);
    assert_int_equal(t.differences, 0);
}

/* ---------- one test per deviation (docs/compatibility.md) ---------- */

typedef struct {
    size_t seen, ok, kinds[4];
} dev_count;

/* D1: where the reference raised, spider still writes the document (an ad
 * without a GlobalJobId string excepted: refused, with the reason). */
static void d1_check(json_t *rec, const spider_out *out, size_t ad, void *ctx)
{
    dev_count *n = ctx;
    static const char *const where[] = { "convert_to_json", "unique_doc_id", "get_index", "json.dumps" };
    const char *w = json_string_value(json_object_get(rec, "where"));
    if (!w)
        return;
    n->seen++;
    for (size_t i = 0; i < 4; i++)
        n->kinds[i] += !strcmp(w, where[i]);
    if (out->rc == 1 && out->doc && strchr(out->id, '#'))
        n->ok++;
    else if (out->rc < 0 && strstr(out->err, "GlobalJobId"))
        n->ok++;
    else
        fprintf(stderr, "D1: ad %zu: the reference raised %s; spider: rc %d %s\n", ad,
                json_string_value(json_object_get(rec, "crash")), out->rc, out->err);
}

static void test_d1_reference_raises(void **state)
{
    (void)state;
    dev_count n = { 0 };
    for (int mode = MODE_QUEUE; mode <= MODE_HISTORY; mode++)   /* the forms agree: see above */
        run_pass(g_recs, g_n_ads, FORM_LONG, (conv_mode)mode, NULL, d1_check, &n);
    assert_true(n.seen > 100);
    for (size_t i = 0; i < 4; i++)
        assert_true(n.kinds[i] > 0);                /* every place the reference raises */
    assert_int_equal(n.ok, n.seen);
}

/* D2: a queue document's index is its own QDate's day (the poll's time
 * without one), not the first document's of the reference's bunch. */
static void d2_check(json_t *rec, const spider_out *out, size_t ad, void *ctx)
{
    dev_count *n = ctx;
    const char *own = json_string_value(json_object_get(rec, "_index_own"));
    const char *batch = json_string_value(json_object_get(rec, "_index"));
    if (!own || out->rc != 1)
        return;
    n->seen++;
    n->kinds[0] += strcmp(own, batch) != 0;
    if (!strcmp(out->index, own))
        n->ok++;
    else
        fprintf(stderr, "D2: ad %zu: index %s, its own QDate gives %s\n", ad, out->index, own);
}

static void test_d2_queue_index_per_document(void **state)
{
    (void)state;
    dev_count n = { 0 };
    run_pass(g_recs, g_n_ads, FORM_JSON, MODE_QUEUE, NULL, d2_check, &n);
    assert_true(n.seen > 1000);
    assert_true(n.kinds[0] > 100);                  /* where the bunch's index is another day */
    assert_int_equal(n.ok, n.seen);
}

/* D3: a field the reference writes as an integer outside 64 bits is left
 * out; a RecordTime outside 64 bits makes no document. */
static void d3_check(json_t *rec, const spider_out *out, size_t ad, void *ctx)
{
    dev_count *n = ctx;
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(rec, "bigint"), i, p) {
        const char *field = json_string_value(p);
        if (strchr(field, '.') || strchr(field, '['))
            continue;
        n->seen++;
        if (!strcmp(field, "RecordTime") ? out->rc == -2 : (out->doc && !json_object_get(out->doc, field)))
            n->ok++;
        else
            fprintf(stderr, "D3: ad %zu: %s is still written\n", ad, field);
    }
}

static void test_d3_integers_beyond_64_bits(void **state)
{
    (void)state;
    dev_count n = { 0 };
    run_pass(g_recs, g_n_ads, FORM_LONG, MODE_HISTORY, NULL, d3_check, &n);
    assert_true(n.seen > 50);
    assert_int_equal(n.ok, n.seen);
}

/* D4: a float that is NaN or infinite is written as null (the reference's
 * json.dumps writes NaN, which is no JSON). Spider's evaluator gives such
 * values only once real("NaN") evaluates as libclassad does, so the values
 * are also set directly here. */
static void test_d4_nonfinite_as_null(void **state)
{
    (void)state;
    char err[256];
    sp_converter *c = sp_converter_new(NULL, err, sizeof(err));
    sp_ad *ad = sp_ad_new();
    sp_cval v = sp_cv_string(ad->arena, "s.cern.ch#1.0#1", 15);
    sp_ad_set(ad, "GlobalJobId", 11, &v);
    v = sp_cv_int(4);
    sp_ad_set(ad, "JobStatus", 9, &v);
    v = sp_cv_int(1764000000);
    sp_ad_set(ad, "QDate", 5, &v);
    v = sp_cv_real(NAN);
    sp_ad_set(ad, "SomeRatio", 9, &v);
    v = sp_cv_real(INFINITY);
    sp_ad_set(ad, "SomeRate", 8, &v);
    spider_out out;
    convert_one(c, ad, MODE_HISTORY, &out);
    assert_int_equal(out.rc, 1);
    assert_true(json_is_null(json_object_get(out.doc, "SomeRatio")));
    assert_true(json_is_null(json_object_get(out.doc, "SomeRate")));
    json_decref(out.doc);
    sp_ad_free(ad);
    sp_converter_free(c);
}

/* D5: what the reference copies from the ad as classad.Value.Undefined or
 * .Error (written 2 and 1 by json.dumps) is null. */
static void d5_check(json_t *rec, const spider_out *out, size_t ad, void *ctx)
{
    dev_count *n = ctx;
    const char *field;
    json_t *v;
    json_object_foreach(json_object_get(rec, "classad_value"), field, v) {
        n->seen++;
        if (out->doc && json_is_null(json_object_get(out->doc, field)))
            n->ok++;
        else
            fprintf(stderr, "D5: ad %zu: %s (%s in the reference) is not null\n", ad, field, json_string_value(v));
    }
}

static void test_d5_classad_values_as_null(void **state)
{
    (void)state;
    dev_count n = { 0 };
    for (int mode = MODE_QUEUE; mode <= MODE_HISTORY; mode++)
        run_pass(g_recs, g_n_ads, FORM_JSON, (conv_mode)mode, NULL, d5_check, &n);
    assert_true(n.seen >= 10);
    assert_int_equal(n.ok, n.seen);
}

/* D6: where the reference's result depends on its set's order, spider's
 * follows the ad: SiteIO entries and string sums in the ad's order, and a
 * different order of the same entries is what the comparison lets by. */
static void test_d6_set_order(void **state)
{
    (void)state;
    char err[256];
    sp_converter *c = sp_converter_new(NULL, err, sizeof(err));
    sp_ad *ad = sp_ad_new();
    const char *text = "GlobalJobId = \"s.cern.ch#1.0#1\"\nJobStatus = 4\nQDate = 1764000000\n"
                       "ChirpCMSSW_XrdIOSite_T1_US_FNAL_ReadBytes = 5\nChirpCMSSW_XrdIOSite_T1_US_FNAL_ReadTimeMS = 6\n"
                       "ChirpCMSSWIOSite_T2_CH_CERN_ReadBytes = 1\nChirpCMSSWIOSite_T2_CH_CERN_ReadTimeMS = 2\n"
                       "ChirpCMSSW_Version = \"CMSSW_1\"\nChirpCMSSW_1_Version = \"_patch\"\n"
                       "MATCH_EXP_JOB_Foo = 1\nFoo = 2\nBar = 3\nMATCH_EXP_JOB_Bar = 4\n"
                       "Owner = [ b = 1; a = \"x\" ]\n";
    sp_adlong *p = sp_adlong_new(0);
    assert_int_equal(sp_adlong_feed(p, text, strlen(text)), 0);
    assert_int_equal(sp_adlong_finish(p, err, sizeof(err)), 0);
    assert_int_equal(sp_adlong_next(p, sp_ad_on_event, ad, err, sizeof(err)), 1);
    spider_out out;
    convert_one(c, ad, MODE_HISTORY, &out);
    assert_int_equal(out.rc, 1);
    json_t *io = json_object_get(out.doc, "ChirpCMSSW_SiteIO");
    assert_int_equal(json_array_size(io), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(io, 0), "SiteName")), "T1_US_FNAL");
    assert_string_equal(json_string_value(json_object_get(json_array_get(io, 1), "SiteName")), "T2_CH_CERN");
    assert_string_equal(json_string_value(json_object_get(out.doc, "ChirpCMSSWVersion")), "CMSSW_1_patch");
    assert_int_equal(json_integer_value(json_object_get(out.doc, "Foo")), 2);   /* the later one wins */
    assert_int_equal(json_integer_value(json_object_get(out.doc, "Bar")), 4);
    json_t *owner = json_object_get(out.doc, "Owner");
    assert_string_equal(json_string_value(owner), "{'b': 1, 'a': 'x'}");    /* str() of a dict, ad order */
    json_t *dict = json_string("{'a': 'x', 'b': 1}"), *other = json_string("{'a': 'y', 'b': 1}");
    assert_true(set_order("Owner", dict, owner));
    assert_false(set_order("Owner", other, owner));
    json_decref(dict);
    json_decref(other);
    /* the other order of the same entries and pieces passes, other values do not */
    json_t *swapped = json_array();
    json_array_append_new(swapped, json_deep_copy(json_array_get(io, 1)));
    json_array_append_new(swapped, json_deep_copy(json_array_get(io, 0)));
    assert_true(set_order("ChirpCMSSW_SiteIO", swapped, io));
    json_object_set_new(json_array_get(swapped, 0), "ReadBytes", json_integer(7));
    assert_false(set_order("ChirpCMSSW_SiteIO", swapped, io));
    json_t *w = json_string("_patchCMSSW_1"), *x = json_string("_patchCMSSW_2");
    assert_true(set_order("ChirpCMSSWVersion", w, json_object_get(out.doc, "ChirpCMSSWVersion")));
    assert_false(set_order("ChirpCMSSWVersion", x, json_object_get(out.doc, "ChirpCMSSWVersion")));
    assert_false(set_order("Owner", w, json_object_get(out.doc, "ChirpCMSSWVersion")));
    json_decref(w);
    json_decref(x);
    json_decref(swapped);
    json_decref(out.doc);
    sp_adlong_free(p);
    sp_ad_free(ad);
    sp_converter_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identical_to_reference),
        cmocka_unit_test(test_d1_reference_raises),
        cmocka_unit_test(test_d2_queue_index_per_document),
        cmocka_unit_test(test_d3_integers_beyond_64_bits),
        cmocka_unit_test(test_d4_nonfinite_as_null),
        cmocka_unit_test(test_d5_classad_values_as_null),
        cmocka_unit_test(test_d6_set_order),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
