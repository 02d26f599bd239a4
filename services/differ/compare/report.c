/* report.c - the DiffReport of a comparison (proto/spider.proto) while it is
 * filled, its findings and verdict, and its JSON and text forms.
 *
 * Counts are kept raw so that parcel reports merge exactly: a field's
 * raw_count includes date mismatches that later turn out to be a constant
 * shift, and a date field keeps a histogram of its deltas (right - left,
 * seconds). differ_report_finish() turns every delta seen at least
 * shift_min times into one finding ("date field X shifted by +25200 s in N
 * documents") and takes those documents out of X's mismatch count; a
 * shifted document is still not identical (it does differ).
 *
 * A field keeps at most one example per date delta; an example of a shift
 * stays in the JSON (its "delta" tells it apart) and is left out of the text.
 *
 * JSON: the DiffReport fields under their proto names, plus what a merge
 * needs (mismatches[].raw_count, .deltas, .other_deltas, examples[].delta,
 * bad_*, duplicate_*, shift_min); proto parsers read it with
 * ignore-unknown-fields.
 *
 * Ownership: the report owns every string in it (copied in); the caller
 * owns the report struct. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "differ.h"
#include "pyfmt.h"

static char *dupn(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (!d)
        abort();
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static char *dup(const char *s)
{
    return dupn(s, strlen(s));
}

void differ_report_init(differ_report *r, const char *left, const char *right, const differ_opts *o)
{
    memset(r, 0, sizeof(*r));
    r->left = dup(left ? left : "");
    r->right = dup(right ? right : "");
    r->min_match = o->min_match;
    r->shift_min = o->shift_min;
    r->max_examples = o->max_examples;
    r->parcel_id = o->parcel_id;
    r->parcel_count = o->parcel_count;
    r->only_left_examples = calloc(r->max_examples + 1, sizeof(char *));
    r->only_right_examples = calloc(r->max_examples + 1, sizeof(char *));
}

static void free_examples(differ_field *f)
{
    for (size_t i = 0; i < f->nexamples; i++) {
        free(f->examples[i].id);
        free(f->examples[i].left);
        free(f->examples[i].right);
    }
    free(f->examples);
}

void differ_report_free(differ_report *r)
{
    free(r->left);
    free(r->right);
    for (size_t i = 0; i < r->nonly_left_examples; i++)
        free(r->only_left_examples[i]);
    for (size_t i = 0; i < r->nonly_right_examples; i++)
        free(r->only_right_examples[i]);
    free(r->only_left_examples);
    free(r->only_right_examples);
    for (size_t i = 0; i < r->nfields; i++) {
        free(r->fields[i].field);
        free_examples(&r->fields[i]);
    }
    free(r->fields);
    free(r->slots);
    for (size_t i = 0; i < r->nfindings; i++)
        free(r->findings[i]);
    free(r->findings);
    memset(r, 0, sizeof(*r));
}

/* ---- fields by name ---- */

static size_t name_hash(const char *s)
{
    return (size_t)sp_hash_fnv1a64(s, strlen(s));
}

static void reindex(differ_report *r, size_t nslots)
{
    free(r->slots);
    r->slots = calloc(nslots, sizeof(size_t));
    if (!r->slots)
        abort();
    r->nslots = nslots;
    for (size_t i = 0; i < r->nfields; i++) {
        size_t s = name_hash(r->fields[i].field) & (nslots - 1);
        while (r->slots[s])
            s = (s + 1) & (nslots - 1);
        r->slots[s] = i + 1;
    }
}

differ_field *differ_report_field(differ_report *r, const char *name)
{
    if (r->nslots) {
        size_t s = name_hash(name) & (r->nslots - 1);
        while (r->slots[s]) {
            differ_field *f = &r->fields[r->slots[s] - 1];
            if (strcmp(f->field, name) == 0)
                return f;
            s = (s + 1) & (r->nslots - 1);
        }
    }
    if (r->nfields == r->capfields) {
        r->capfields = r->capfields ? r->capfields * 2 : 16;
        r->fields = realloc(r->fields, r->capfields * sizeof(*r->fields));
        if (!r->fields)
            abort();
    }
    differ_field *f = &r->fields[r->nfields++];
    memset(f, 0, sizeof(*f));
    f->field = dup(name);
    f->examples = calloc(r->max_examples + 1, sizeof(differ_example));
    if (r->nfields * 2 > r->nslots)
        reindex(r, r->nslots ? r->nslots * 2 : 64);
    else {
        size_t s = name_hash(name) & (r->nslots - 1);
        while (r->slots[s])
            s = (s + 1) & (r->nslots - 1);
        r->slots[s] = r->nfields;
    }
    return f;
}

/* ---- filling ---- */

static char *value_text(json_t *v)
{
    if (!v)
        return dup("<missing>");
    if (json_is_real(v)) {      /* shortest round-trip, as Python prints it */
        char num[64];
        sp_py_float_repr(json_real_value(v), num, sizeof(num));
        return dup(num);
    }
    char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    return s ? s : dup("?");
}

static void add_delta(differ_field *f, long long delta, uint64_t n)
{
    for (size_t i = 0; i < f->ndeltas; i++)
        if (f->deltas[i].delta == delta) {
            f->deltas[i].count += n;
            return;
        }
    if (f->ndeltas < DIFFER_MAX_DELTAS)
        f->deltas[f->ndeltas++] = (differ_delta){ delta, n };
    else
        f->other_deltas += n;
}

static void add_example(differ_report *r, differ_field *f, const char *id, char *left,
                        char *right, int has_delta, long long delta)
{
    if (f->nexamples >= r->max_examples) {
        free(left);
        free(right);
        return;
    }
    f->examples[f->nexamples++] = (differ_example){ dup(id), left, right, has_delta, delta };
}

void differ_report_mismatch(differ_report *r, const char *field, const char *id,
                            json_t *left, json_t *right, int has_delta, long long delta)
{
    differ_field *f = differ_report_field(r, field);
    f->raw_count++;
    if (has_delta)
        add_delta(f, delta, 1);
    if (f->nexamples >= r->max_examples)
        return;
    /* one example per date delta, so a shift leaves room for the others */
    for (size_t i = 0; has_delta && i < f->nexamples; i++)
        if (f->examples[i].has_delta && f->examples[i].delta == delta)
            return;
    add_example(r, f, id, value_text(left), value_text(right), has_delta, delta);
}

void differ_report_only(differ_report *r, int right_side, const char *id, size_t idlen)
{
    char **ex = right_side ? r->only_right_examples : r->only_left_examples;
    size_t *n = right_side ? &r->nonly_right_examples : &r->nonly_left_examples;
    if (right_side)
        r->only_right++;
    else
        r->only_left++;
    if (*n < r->max_examples)
        ex[(*n)++] = dupn(id, idlen);
}

/* ---- findings and verdict ---- */

static double pct(uint64_t a, uint64_t b)
{
    return b ? 100.0 * (double)a / (double)b : 100.0;
}

static void add_finding(differ_report *r, const char *text)
{
    r->findings = realloc(r->findings, (r->nfindings + 1) * sizeof(char *));
    if (!r->findings)
        abort();
    r->findings[r->nfindings++] = dup(text);
}

int differ_field_is_shift(const differ_report *r, const differ_field *f, long long delta)
{
    for (size_t i = 0; i < f->ndeltas; i++)
        if (f->deltas[i].delta == delta)
            return f->deltas[i].count >= r->shift_min && r->shift_min > 0;
    return 0;
}

static void finish_field(differ_report *r, differ_field *f)
{
    f->count = f->raw_count;
    for (size_t i = 0; i < f->ndeltas; i++) {
        if (!differ_field_is_shift(r, f, f->deltas[i].delta))
            continue;
        char text[512];
        snprintf(text, sizeof(text), "date field %s shifted by %+lld s in %" PRIu64 " documents",
                 f->field, f->deltas[i].delta, f->deltas[i].count);
        add_finding(r, text);
        f->count -= f->deltas[i].count;
    }
}

static differ_failure *fail_on(differ_report *r, const char *criterion)
{
    differ_failure *f = &r->failed[r->nfailed < DIFFER_CRITERIA ? r->nfailed++ : DIFFER_CRITERIA - 1];
    f->criterion = criterion;
    return f;
}

void differ_report_fail(differ_report *r, const char *criterion, const char *reason)
{
    snprintf(fail_on(r, criterion)->reason, sizeof(r->failed[0].reason), "%s", reason);
    r->pass = 0;
}

/* lost ids / extra ids: the documents of one side that matched nothing. */
static void check_side(differ_report *r, const char *criterion, const char *side, const char *other,
                       uint64_t count, uint64_t only)
{
    if ((double)r->matched >= r->min_match * (double)count)
        return;
    snprintf(fail_on(r, criterion)->reason, sizeof(r->failed[0].reason),
             "%" PRIu64 " of %" PRIu64 " %s documents have no match on the %s (%.3f%% matched; min-match %.3f%%)",
             only, count, side, other, pct(r->matched, count), 100.0 * r->min_match);
}

static void check_bad(differ_report *r, char *text, size_t len, const char *side, uint64_t bad, uint64_t good)
{
    if (!bad || (double)bad <= (1.0 - r->min_match) * (double)(bad + good))
        return;
    size_t n = strlen(text);
    snprintf(text + n, len - n, "%s%" PRIu64 " of %" PRIu64 " records on the %s unreadable (%.3f%%)",
             n ? "; " : "", bad, bad + good, side, pct(bad, bad + good));
}

/* The verdict, criterion by criterion (differ.h). */
static void verdict(differ_report *r)
{
    r->nfailed = 0;
    if (r->matched == 0) {
        snprintf(fail_on(r, "identical share")->reason, sizeof(r->failed[0].reason),
                 r->left_count == 0 && r->right_count == 0
                     ? "both inputs are empty: nothing was compared"
                     : "no document matched by id: nothing was compared");
    } else if ((double)r->identical < r->min_match * (double)r->matched) {
        snprintf(fail_on(r, "identical share")->reason, sizeof(r->failed[0].reason),
                 "%" PRIu64 " of %" PRIu64 " matched documents identical (%.3f%%; min-match %.3f%%)",
                 r->identical, r->matched, pct(r->identical, r->matched), 100.0 * r->min_match);
    }
    check_side(r, "lost ids", "left", "right", r->left_count, r->only_left);
    check_side(r, "extra ids", "right", "left", r->right_count, r->only_right);
    char bad[192] = "";
    check_bad(r, bad, sizeof(bad), "left", r->bad_left, r->left_count);
    check_bad(r, bad, sizeof(bad), "right", r->bad_right, r->right_count);
    if (*bad)
        snprintf(fail_on(r, "bad records")->reason, sizeof(r->failed[0].reason), "%s; at most %.3f%% allowed",
                 bad, 100.0 - 100.0 * r->min_match);
    r->pass = r->nfailed == 0;
}

void differ_report_finish(differ_report *r)
{
    for (size_t i = 0; i < r->nfindings; i++)
        free(r->findings[i]);
    r->nfindings = 0;
    for (size_t i = 0; i < r->nfields; i++)
        finish_field(r, &r->fields[i]);
    char text[256];
    if (r->duplicate_left || r->duplicate_right) {
        snprintf(text, sizeof(text), "duplicate ids: %" PRIu64 " on the left, %" PRIu64 " on the right (the first of each compared)",
                 r->duplicate_left, r->duplicate_right);
        add_finding(r, text);
    }
    if (r->bad_left || r->bad_right) {
        snprintf(text, sizeof(text), "bad records skipped: %" PRIu64 " on the left, %" PRIu64 " on the right",
                 r->bad_left, r->bad_right);
        add_finding(r, text);
    }
    verdict(r);
}

/* ---- JSON ---- */

static json_t *strings(char **s, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(s[i]));
    return a;
}

static json_t *field_json(const differ_field *f)
{
    json_t *ex = json_array();
    for (size_t i = 0; i < f->nexamples; i++) {
        const differ_example *e = &f->examples[i];
        json_t *o = json_pack("{s:s, s:s, s:s}", "id", e->id, "left", e->left, "right", e->right);
        if (e->has_delta)
            json_object_set_new(o, "delta", json_integer(e->delta));
        json_array_append_new(ex, o);
    }
    json_t *d = json_array();
    for (size_t i = 0; i < f->ndeltas; i++)
        json_array_append_new(d, json_pack("{s:I, s:I}", "delta", (json_int_t)f->deltas[i].delta,
                                           "count", (json_int_t)f->deltas[i].count));
    return json_pack("{s:s, s:I, s:o, s:I, s:o, s:I}", "field", f->field, "count", (json_int_t)f->count,
                     "examples", ex, "raw_count", (json_int_t)f->raw_count, "deltas", d,
                     "other_deltas", (json_int_t)f->other_deltas);
}

json_t *differ_report_to_json(const differ_report *r)
{
    json_t *mm = json_array();
    for (size_t i = 0; i < r->nfields; i++)
        if (r->fields[i].raw_count)
            json_array_append_new(mm, field_json(&r->fields[i]));
    json_t *j = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I}",
                          "left", r->left, "right", r->right,
                          "left_count", (json_int_t)r->left_count, "right_count", (json_int_t)r->right_count,
                          "matched", (json_int_t)r->matched, "identical", (json_int_t)r->identical,
                          "only_left", (json_int_t)r->only_left, "only_right", (json_int_t)r->only_right);
    json_object_set_new(j, "only_left_examples", strings(r->only_left_examples, r->nonly_left_examples));
    json_object_set_new(j, "only_right_examples", strings(r->only_right_examples, r->nonly_right_examples));
    json_object_set_new(j, "mismatches", mm);
    json_object_set_new(j, "findings", strings(r->findings, r->nfindings));
    json_object_set_new(j, "min_match", json_real(r->min_match));
    json_object_set_new(j, "pass", json_boolean(r->pass));
    json_t *failed = json_array();
    for (size_t i = 0; i < r->nfailed; i++)
        json_array_append_new(failed, json_pack("{s:s, s:s}", "criterion", r->failed[i].criterion,
                                                "reason", r->failed[i].reason));
    json_object_set_new(j, "failed", failed);
    json_object_set_new(j, "parcel_id", json_integer(r->parcel_id));
    json_object_set_new(j, "parcel_count", json_integer(r->parcel_count));
    json_object_set_new(j, "bad_left", json_integer((json_int_t)r->bad_left));
    json_object_set_new(j, "bad_right", json_integer((json_int_t)r->bad_right));
    json_object_set_new(j, "duplicate_left", json_integer((json_int_t)r->duplicate_left));
    json_object_set_new(j, "duplicate_right", json_integer((json_int_t)r->duplicate_right));
    json_object_set_new(j, "shift_min", json_integer((json_int_t)r->shift_min));
    json_object_set_new(j, "duration_s", json_real(r->duration_s));
    return j;
}

static uint64_t get_u64(json_t *j, const char *key)
{
    json_int_t v = json_integer_value(json_object_get(j, key));
    return v > 0 ? (uint64_t)v : 0;
}

static const char *get_str(json_t *j, const char *key)
{
    const char *s = json_string_value(json_object_get(j, key));
    return s ? s : "";
}

static void read_field(differ_report *r, json_t *m)
{
    differ_field *f = differ_report_field(r, get_str(m, "field"));
    json_t *raw = json_object_get(m, "raw_count");
    f->raw_count += raw ? get_u64(m, "raw_count") : get_u64(m, "count");
    f->other_deltas += get_u64(m, "other_deltas");
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(m, "deltas"), i, v)
        add_delta(f, (long long)json_integer_value(json_object_get(v, "delta")), get_u64(v, "count"));
    json_array_foreach(json_object_get(m, "examples"), i, v) {
        json_t *d = json_object_get(v, "delta");
        add_example(r, f, get_str(v, "id"), dup(get_str(v, "left")), dup(get_str(v, "right")),
                    d != NULL, (long long)json_integer_value(d));
    }
}

static void read_ids(differ_report *r, json_t *a, int right_side)
{
    char **ex = right_side ? r->only_right_examples : r->only_left_examples;
    size_t *n = right_side ? &r->nonly_right_examples : &r->nonly_left_examples;
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
        if (*n < r->max_examples && json_is_string(v))
            ex[(*n)++] = dup(json_string_value(v));
}

/* Adds a report's raw counts into r (a merge: call once per parcel). */
int differ_report_from_json(differ_report *r, json_t *j, char *err, size_t errlen)
{
    if (!json_is_object(j) || !json_is_integer(json_object_get(j, "left_count")) ||
        !json_is_array(json_object_get(j, "mismatches"))) {
        snprintf(err, errlen, "not a spider-differ report (no left_count or mismatches)");
        return -1;
    }
    r->left_count += get_u64(j, "left_count");
    r->right_count += get_u64(j, "right_count");
    r->matched += get_u64(j, "matched");
    r->identical += get_u64(j, "identical");
    r->only_left += get_u64(j, "only_left");
    r->only_right += get_u64(j, "only_right");
    r->duplicate_left += get_u64(j, "duplicate_left");
    r->duplicate_right += get_u64(j, "duplicate_right");
    /* every parcel reads every record, so each saw all the bad ones */
    if (get_u64(j, "bad_left") > r->bad_left)
        r->bad_left = get_u64(j, "bad_left");
    if (get_u64(j, "bad_right") > r->bad_right)
        r->bad_right = get_u64(j, "bad_right");
    read_ids(r, json_object_get(j, "only_left_examples"), 0);
    read_ids(r, json_object_get(j, "only_right_examples"), 1);
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(j, "mismatches"), i, m)
        read_field(r, m);
    double d = json_number_value(json_object_get(j, "duration_s"));
    if (d > r->duration_s)
        r->duration_s = d;
    return 0;
}

int differ_report_write(const differ_report *r, const char *path, char *err, size_t errlen)
{
    json_t *j = differ_report_to_json(r);
    int rc = json_dump_file(j, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(j);
    if (rc != 0)
        snprintf(err, errlen, "%s: cannot write the report", path);
    return rc;
}

/* ---- one screen of text ---- */

static void print_ids(FILE *out, const char *what, uint64_t n, char **ex, size_t nex)
{
    fprintf(out, "  only %s: %" PRIu64, what, n);
    for (size_t i = 0; i < nex && i < 3; i++)
        fprintf(out, "%s%s", i ? ", " : " (e.g. ", ex[i]);
    fprintf(out, "%s\n", nex ? ")" : "");
}

static void print_field(FILE *out, const differ_report *r, const differ_field *f)
{
    fprintf(out, "    %-32s %10" PRIu64, f->field, f->count);
    for (size_t i = 0; i < f->nexamples; i++) {
        const differ_example *e = &f->examples[i];
        if (e->has_delta && differ_field_is_shift(r, f, e->delta))
            continue;
        fprintf(out, "  e.g. %.60s: %.40s -> %.40s", e->id, e->left, e->right);
        break;
    }
    fputc('\n', out);
}

void differ_report_summary(const differ_report *r, FILE *out)
{
    fprintf(out, "spider-differ compare: %s", r->pass ? "PASS" : "FAIL");
    if (r->parcel_count > 1)
        fprintf(out, " (parcel %u of %u)", r->parcel_id, r->parcel_count);
    fputc('\n', out);
    for (size_t i = 0; i < r->nfailed; i++)
        fprintf(out, "  failed: %s: %s\n", r->failed[i].criterion, r->failed[i].reason);
    fprintf(out, "  left  %s: %" PRIu64 " documents\n  right %s: %" PRIu64 " documents\n",
            r->left, r->left_count, r->right, r->right_count);
    if (r->matched)
        fprintf(out, "  matched %" PRIu64 ", identical %" PRIu64 " (%.3f%% of matched; min-match %.3f%%)\n",
                r->matched, r->identical, pct(r->identical, r->matched), 100.0 * r->min_match);
    else
        fprintf(out, "  matched 0, identical 0 (nothing compared; min-match %.3f%%)\n", 100.0 * r->min_match);
    print_ids(out, "left", r->only_left, r->only_left_examples, r->nonly_left_examples);
    print_ids(out, "right", r->only_right, r->only_right_examples, r->nonly_right_examples);
    for (size_t i = 0; i < r->nfindings; i++)
        fprintf(out, "%s%s\n", i ? "    " : "  findings:\n    ", r->findings[i]);
    size_t shown = 0, listed = 0;
    for (size_t i = 0; i < r->nfields; i++)
        listed += r->fields[i].count > 0;
    if (listed)
        fprintf(out, "  field mismatches (%zu fields):\n", listed);
    for (size_t i = 0; i < r->nfields && shown < 12; i++)
        if (r->fields[i].count) {
            print_field(out, r, &r->fields[i]);
            shown++;
        }
    if (listed > shown)
        fprintf(out, "    ... %zu more in the JSON report\n", listed - shown);
}
