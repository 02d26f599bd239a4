/* jobstate.c - per-job hashes of queue documents and the tables of a
 * schedd's last snapshot (see jobstate.h). */
#include "jobstate.h"

#include <stdlib.h>
#include <string.h>

#include "classad.h"                   /* sp_arena */

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL
#define MAX_COLS 65535u

static uint64_t fnv(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * FNV_PRIME;
    return h;
}

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

/* ---------- names ---------- */

typedef struct {
    char *name;                        /* NULL: empty slot */
    uint64_t hash;
    unsigned col;
} name_slot;

struct sp_names {
    name_slot *slots;
    size_t nslots;                     /* a power of two */
    char **by_col;
    unsigned char *ignored;            /* by column */
    unsigned ncols;
    char **patterns;
    size_t npatterns;
};

sp_names *sp_names_new(const char *const *ignore, size_t nignore)
{
    sp_names *n = calloc(1, sizeof(*n));
    if (!n)
        return NULL;
    n->nslots = 1024;
    n->slots = calloc(n->nslots, sizeof(name_slot));
    n->by_col = calloc(MAX_COLS, sizeof(char *));
    n->ignored = calloc(MAX_COLS, 1);
    n->patterns = calloc(nignore + 1, sizeof(char *));
    if (!n->slots || !n->by_col || !n->ignored || !n->patterns) {
        sp_names_free(n);
        return NULL;
    }
    for (size_t i = 0; i < nignore; i++)
        n->patterns[n->npatterns++] = strdup(ignore[i]);
    return n;
}

void sp_names_free(sp_names *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->nslots; i++)
        free(n->slots[i].name);
    for (size_t i = 0; i < n->npatterns; i++)
        free(n->patterns[i]);
    free(n->patterns);
    free(n->slots);
    free(n->by_col);
    free(n->ignored);
    free(n);
}

const char *sp_names_name(const sp_names *n, unsigned col) { return col < n->ncols ? n->by_col[col] : ""; }
unsigned sp_names_count(const sp_names *n) { return n->ncols; }

static int is_ignored(const sp_names *n, const char *name)
{
    for (size_t i = 0; i < n->npatterns; i++) {
        const char *p = n->patterns[i];
        size_t len = strlen(p);
        if (len && p[len - 1] == '*' ? !strncmp(name, p, len - 1) : !strcmp(name, p))
            return 1;
    }
    return 0;
}

static int grow(sp_names *n)
{
    size_t ns = n->nslots * 2;
    name_slot *slots = calloc(ns, sizeof(name_slot));
    if (!slots)
        return -1;
    for (size_t i = 0; i < n->nslots; i++) {
        if (!n->slots[i].name)
            continue;
        size_t k = n->slots[i].hash & (ns - 1);
        while (slots[k].name)
            k = (k + 1) & (ns - 1);
        slots[k] = n->slots[i];
    }
    free(n->slots);
    n->slots = slots;
    n->nslots = ns;
    return 0;
}

/* The column of name (defined on first sight); *h its hash. -1 when the
 * columns or memory ran out. */
static long column(sp_names *n, const char *name, uint64_t *h)
{
    size_t len = strlen(name);
    *h = fnv(FNV_OFFSET, name, len);
    size_t k = *h & (n->nslots - 1);
    while (n->slots[k].name) {
        if (n->slots[k].hash == *h && !strcmp(n->slots[k].name, name))
            return n->slots[k].col;
        k = (k + 1) & (n->nslots - 1);
    }
    if (n->ncols == MAX_COLS)
        return -1;
    if ((n->ncols + 1) * 2 > n->nslots) {
        if (grow(n) != 0)
            return -1;
        return column(n, name, h);
    }
    name_slot *s = &n->slots[k];
    if (!(s->name = strdup(name)))
        return -1;
    s->hash = *h;
    s->col = n->ncols++;
    n->by_col[s->col] = s->name;
    n->ignored[s->col] = (unsigned char)is_ignored(n, name);
    return s->col;
}

/* ---------- one job ---------- */

static uint64_t value_hash(uint64_t h, const Spider__Value *v)
{
    if (!v)
        return fnv(h, "u", 1);
    unsigned char kind = (unsigned char)v->kind_case;
    h = fnv(h, &kind, 1);
    switch (v->kind_case) {
    case SPIDER__VALUE__KIND_INT_VALUE: return fnv(h, &v->int_value, sizeof(v->int_value));
    case SPIDER__VALUE__KIND_DOUBLE_VALUE: return fnv(h, &v->double_value, sizeof(v->double_value));
    case SPIDER__VALUE__KIND_BOOL_VALUE: {
        unsigned char b = v->bool_value != 0;
        return fnv(h, &b, 1);
    }
    case SPIDER__VALUE__KIND_STRING_VALUE: return fnv(h, v->string_value, strlen(v->string_value) + 1);
    case SPIDER__VALUE__KIND_LIST_VALUE:
        for (size_t i = 0; v->list_value && i < v->list_value->n_values; i++)
            h = value_hash(h, v->list_value->values[i]);
        return fnv(h, "]", 1);
    case SPIDER__VALUE__KIND_MAP_VALUE:
        for (size_t i = 0; v->map_value && i < v->map_value->n_attributes; i++) {
            const Spider__Attribute *a = v->map_value->attributes[i];
            h = value_hash(fnv(h, a->name, strlen(a->name) + 1), a->value);
        }
        return fnv(h, "}", 1);
    default: return h;
    }
}

int sp_job_of(sp_names *n, const Spider__Document *d, sp_job *out, uint16_t *scratch)
{
    memset(out, 0, sizeof(*out));
    if (!d->global_job_id || !*d->global_job_id)
        return -1;
    out->gjid = d->global_job_id;
    out->status = -1;
    out->cols = scratch;
    unsigned width = 0;
    for (size_t i = 0; i < d->n_attributes; i++) {
        const Spider__Attribute *a = d->attributes[i];
        uint64_t nh;
        long col = column(n, a->name, &nh);
        if (col < 0 || n->ignored[col])
            continue;
        uint64_t vh = value_hash(FNV_OFFSET, a->value);
        out->hash += mix(nh ^ vh);                  /* order-independent */
        uint16_t h16 = (uint16_t)(vh ^ vh >> 16 ^ vh >> 32 ^ vh >> 48);
        scratch[col] = h16 ? h16 : 1;
        if ((unsigned)col + 1 > width)
            width = (unsigned)col + 1;
        if (!strcmp(a->name, "JobStatus") && a->value && a->value->kind_case == SPIDER__VALUE__KIND_INT_VALUE)
            out->status = (int32_t)a->value->int_value;
    }
    out->ncols = (uint16_t)width;
    return 0;
}

void sp_job_scratch_clear(const sp_job *job)
{
    memset(job->cols, 0, job->ncols * sizeof(uint16_t));
}

size_t sp_job_changed_fields(const sp_names *n, const sp_job *a, const sp_job *b, const char **out, size_t max)
{
    size_t count = 0;
    unsigned width = a->ncols > b->ncols ? a->ncols : b->ncols;
    for (unsigned c = 0; c < width; c++) {
        uint16_t x = c < a->ncols ? a->cols[c] : 0, y = c < b->ncols ? b->cols[c] : 0;
        if (x == y)
            continue;
        if (count < max)
            out[count] = n->by_col[c];
        count++;
    }
    return count;
}

/* ---------- tables ---------- */

struct sp_jobtable {
    sp_arena arena;                    /* GlobalJobIds and column arrays */
    sp_job *jobs;
    size_t n, cap;
    uint32_t *index;                   /* job index + 1; 0 = empty */
    size_t nindex;                     /* a power of two */
};

sp_jobtable *sp_jobtable_new(void) { return calloc(1, sizeof(sp_jobtable)); }

void sp_jobtable_free(sp_jobtable *t)
{
    if (!t)
        return;
    sp_arena_free(&t->arena);
    free(t->jobs);
    free(t->index);
    free(t);
}

size_t sp_jobtable_count(const sp_jobtable *t) { return t->n; }
const sp_job *sp_jobtable_at(const sp_jobtable *t, size_t i) { return &t->jobs[i]; }

size_t sp_jobtable_bytes(const sp_jobtable *t)
{
    size_t b = t->cap * sizeof(sp_job) + t->nindex * sizeof(uint32_t);
    for (size_t i = 0; i < t->n; i++)
        b += strlen(t->jobs[i].gjid) + 1 + t->jobs[i].ncols * sizeof(uint16_t);
    return b;
}

static uint64_t key(const char *gjid) { return fnv(FNV_OFFSET, gjid, strlen(gjid)); }

/* The index slot of gjid: its job's, or the empty one where it would go. */
static size_t slot_of(const sp_jobtable *t, const char *gjid)
{
    size_t k = key(gjid) & (t->nindex - 1);
    while (t->index[k] && strcmp(t->jobs[t->index[k] - 1].gjid, gjid) != 0)
        k = (k + 1) & (t->nindex - 1);
    return k;
}

const sp_job *sp_jobtable_get(const sp_jobtable *t, const char *gjid)
{
    if (!t->nindex)
        return NULL;
    size_t k = slot_of(t, gjid);
    return t->index[k] ? &t->jobs[t->index[k] - 1] : NULL;
}

static int reindex(sp_jobtable *t, size_t nindex)
{
    uint32_t *index = calloc(nindex, sizeof(uint32_t));
    if (!index)
        return -1;
    free(t->index);
    t->index = index;
    t->nindex = nindex;
    for (size_t i = 0; i < t->n; i++)
        t->index[slot_of(t, t->jobs[i].gjid)] = (uint32_t)i + 1;
    return 0;
}

int sp_jobtable_put(sp_jobtable *t, const sp_job *job)
{
    if ((t->n + 1) * 2 > t->nindex && reindex(t, t->nindex ? t->nindex * 2 : 1024) != 0)
        return -1;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        sp_job *jobs = realloc(t->jobs, cap * sizeof(sp_job));
        if (!jobs)
            return -1;
        t->jobs = jobs;
        t->cap = cap;
    }
    size_t k = slot_of(t, job->gjid);
    sp_job copy = *job;
    copy.gjid = sp_arena_strndup(&t->arena, job->gjid, strlen(job->gjid));
    copy.cols = sp_arena_alloc(&t->arena, job->ncols * sizeof(uint16_t) + 1);
    if (!copy.gjid || !copy.cols)
        return -1;
    memcpy(copy.cols, job->cols, job->ncols * sizeof(uint16_t));
    if (t->index[k]) {
        t->jobs[t->index[k] - 1] = copy;           /* the same job twice: the last wins */
        return 0;
    }
    t->jobs[t->n] = copy;
    t->index[k] = (uint32_t)++t->n;
    return 0;
}
