/* compare.c - one document against another, field by field.
 *
 * Nested objects are walked as dotted paths ("metadata.spider_runtime");
 * a path in the ignore list (glob patterns, fnmatch) is skipped, and a field
 * present on one side only is a mismatch of that field. Lists and strings
 * compare exactly; numbers compare within the tolerance (relative or
 * absolute, whichever is wider); date fields (rules/date_vals.txt and
 * --date-fields) compare as instants: epoch seconds, epoch milliseconds
 * (above 1e11) or ISO 8601 text with its offset, and a differing date
 * carries its delta (right - left, seconds) to the report, which turns a
 * constant delta into one shift finding.
 *
 * Ownership: the context owns its path cache (copied names) and a rulemap;
 * it borrows the options and the report, which must outlive it. Documents
 * passed in stay the caller's. */
#include <fnmatch.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "differ.h"

enum { F_KNOWN = 1, F_IGNORED = 2, F_DATE = 4 };

typedef struct {
    char *name;
    unsigned flags;
} path_slot;

struct differ_ctx {
    const differ_opts *o;
    differ_report *r;
    sp_rules rules;
    path_slot *slots;
    size_t nslots, used;
};

differ_ctx *differ_ctx_new(const differ_opts *o, differ_report *r)
{
    differ_ctx *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->o = o;
    c->r = r;
    c->nslots = 256;
    c->slots = calloc(c->nslots, sizeof(path_slot));
    if (!c->slots || sp_rules_init(&c->rules) != 0) {
        free(c->slots);
        free(c);
        return NULL;
    }
    return c;
}

void differ_ctx_free(differ_ctx *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nslots; i++)
        free(c->slots[i].name);
    free(c->slots);
    sp_rules_free(&c->rules);
    free(c);
}

/* ---- what a path is: ignored, a date ---- */

static unsigned classify(const differ_ctx *c, const char *path)
{
    unsigned flags = F_KNOWN;
    if (strcmp(path, "_id") == 0)
        flags |= F_IGNORED;
    for (size_t i = 0; i < c->o->nignore; i++)
        if (fnmatch(c->o->ignore[i], path, 0) == 0)
            flags |= F_IGNORED;
    if (sp_rules_get(&c->rules, path, strlen(path)) & SP_RULES_DATE)
        flags |= F_DATE;
    for (size_t i = 0; i < c->o->ndate_fields; i++)
        if (strcmp(c->o->date_fields[i], path) == 0)
            flags |= F_DATE;
    return flags;
}

static void grow(differ_ctx *c)
{
    path_slot *old = c->slots;
    size_t n = c->nslots;
    c->nslots *= 2;
    c->slots = calloc(c->nslots, sizeof(path_slot));
    if (!c->slots)
        abort();
    for (size_t i = 0; i < n; i++) {
        if (!old[i].name)
            continue;
        size_t s = sp_hash_fnv1a64(old[i].name, strlen(old[i].name)) & (c->nslots - 1);
        while (c->slots[s].name)
            s = (s + 1) & (c->nslots - 1);
        c->slots[s] = old[i];
    }
    free(old);
}

static unsigned path_flags(differ_ctx *c, const char *path)
{
    size_t len = strlen(path);
    size_t s = sp_hash_fnv1a64(path, len) & (c->nslots - 1);
    while (c->slots[s].name) {
        if (strcmp(c->slots[s].name, path) == 0)
            return c->slots[s].flags;
        s = (s + 1) & (c->nslots - 1);
    }
    unsigned flags = classify(c, path);
    c->slots[s].name = strdup(path);
    c->slots[s].flags = flags;
    if (!c->slots[s].name)
        abort();
    if (++c->used * 2 > c->nslots)
        grow(c);
    return flags;
}

/* ---- dates as instants ---- */

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* "YYYY-MM-DD[T ]HH:MM:SS[.frac][Z|+HH:MM|-HHMM]" -> epoch seconds (no
 * offset: UTC). 0, or -1 when it is not such a date. */
int differ_parse_iso(const char *s, double *out)
{
    struct tm tm = { 0 };
    int y, mo, d, h, mi, se;
    if (strlen(s) < 19 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
        digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != ' ') || digits(s + 11, 2, &h) ||
        s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &se))
        return -1;
    const char *p = s + 19;
    double frac = 0;
    if (*p == '.') {
        char *end;
        frac = strtod(p, &end);
        p = end;
    }
    long off = 0;
    if (*p == '+' || *p == '-') {
        int oh, om;
        const char *q = p + 1;
        if (digits(q, 2, &oh))
            return -1;
        q += 2;
        if (*q == ':')
            q++;
        if (digits(q, 2, &om))
            return -1;
        off = (oh * 3600L + om * 60L) * (*p == '-' ? -1 : 1);
        p = q + 2;
    } else if (*p == 'Z') {
        p++;
    }
    if (*p)
        return -1;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    *out = (double)timegm(&tm) - (double)off + frac;
    return 0;
}

static int instant(json_t *v, double *out)
{
    if (json_is_number(v)) {
        double x = json_number_value(v);
        *out = fabs(x) > 1e11 ? x / 1000.0 : x;
        return 0;
    }
    if (json_is_string(v))
        return differ_parse_iso(json_string_value(v), out);
    return -1;
}

/* ---- leaves ---- */

static int numbers_equal(const differ_opts *o, double a, double b)
{
    if (a == b || (isnan(a) && isnan(b)))
        return 1;
    double d = fabs(a - b);
    return d <= o->tol_abs || d <= o->tol_rel * fmax(fabs(a), fabs(b));
}

/* 1 when the two leaves agree; else 0, with the delta of dates in *has_delta and *delta. */
static int leaves_equal(differ_ctx *c, unsigned flags, json_t *l, json_t *r, int *has_delta, long long *delta)
{
    *has_delta = 0;
    if (!l || !r)
        return 0;
    double a, b;
    if ((flags & F_DATE) && instant(l, &a) == 0 && instant(r, &b) == 0) {
        if (a == b)
            return 1;
        *has_delta = 1;
        *delta = llround(b - a);
        return 0;
    }
    if (json_is_number(l) && json_is_number(r))
        return numbers_equal(c->o, json_number_value(l), json_number_value(r));
    return json_equal(l, r);
}

typedef struct {
    differ_ctx *c;
    const char *id;
    size_t differing;
    char path[1024];
} walk;

static void leaf(walk *w, json_t *l, json_t *r)
{
    unsigned flags = path_flags(w->c, w->path);
    if (flags & F_IGNORED)
        return;
    int has_delta;
    long long delta = 0;
    if (leaves_equal(w->c, flags, l, r, &has_delta, &delta))
        return;
    w->differing++;
    differ_report_mismatch(w->c->r, w->path, w->id, l, r, has_delta, delta);
}

static void node(walk *w, json_t *l, json_t *r);

/* Appends ".key" (or "key" at the top) to the path; returns the old length. */
static size_t push(walk *w, const char *key)
{
    size_t n = strlen(w->path);
    snprintf(w->path + n, sizeof(w->path) - n, "%s%s", n ? "." : "", key);
    return n;
}

static void object(walk *w, json_t *l, json_t *r)
{
    const char *key;
    json_t *v;
    json_object_foreach(l, key, v) {
        size_t n = push(w, key);
        node(w, v, json_object_get(r, key));
        w->path[n] = '\0';
    }
    json_object_foreach(r, key, v) {
        if (l && json_object_get(l, key))
            continue;
        size_t n = push(w, key);
        node(w, NULL, v);
        w->path[n] = '\0';
    }
}

static void node(walk *w, json_t *l, json_t *r)
{
    int lo = json_is_object(l), ro = json_is_object(r);
    if ((lo && (ro || !r)) || (ro && !l))
        object(w, lo ? l : NULL, ro ? r : NULL);
    else
        leaf(w, l, r);
}

size_t differ_compare_docs(differ_ctx *c, const char *id, json_t *left, json_t *right)
{
    walk w = { .c = c, .id = id };
    object(&w, left, right);
    return w.differing;
}

/* ---- ids ---- */

uint64_t differ_id_hash(const char *id, size_t len)
{
    return sp_hash_fnv1a64(id, len);
}

int differ_in_parcel(const differ_opts *o, uint64_t h)
{
    return o->parcel_count <= 1 || h % o->parcel_count == o->parcel_id;
}

static int key_part(json_t *v, char *buf, size_t buflen)
{
    if (json_is_string(v))
        return snprintf(buf, buflen, "%s", json_string_value(v));
    if (json_is_integer(v))
        return snprintf(buf, buflen, "%lld", (long long)json_integer_value(v));
    if (json_is_real(v))
        return snprintf(buf, buflen, "%.17g", json_real_value(v));
    if (json_is_boolean(v))
        return snprintf(buf, buflen, "%s", json_is_true(v) ? "true" : "false");
    return -1;
}

int differ_key(const differ_opts *o, json_t *doc, char *buf, size_t buflen)
{
    static const char *const def[] = { "GlobalJobId", "RecordTime" };
    const char *const *fields = o->key_fields ? o->key_fields : def;
    size_t n = o->key_fields ? o->nkey_fields : 2;
    if (!o->key_fields) {
        json_t *id = json_object_get(doc, "_id");
        if (json_is_string(id))
            return key_part(id, buf, buflen) < (int)buflen ? (int)strlen(buf) : -1;
    }
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        if (i && len + 1 < buflen)
            buf[len++] = '#';
        int k = key_part(json_object_get(doc, fields[i]), buf + len, buflen - len);
        if (k < 0 || len + (size_t)k >= buflen)
            return -1;
        len += (size_t)k;
    }
    buf[len] = '\0';
    return (int)len;
}
