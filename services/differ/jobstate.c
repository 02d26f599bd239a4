/* jobstate.c - per-job hashes of queue documents and the tables of a
 * schedd's last snapshot (see jobstate.h). */
#include "jobstate.h"

#include <stdlib.h>
#include <string.h>

#include "classad.h"                   /* sp_arena */

#define MAX_COLS 65535u
#define LEN(f) ((f) << 3 | 2)                 /* a length-delimited field's key */
#define VARINT(f) ((f) << 3)

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

/* A fast hash of bytes, eight at a time (values and GlobalJobIds: not a
 * contract, unlike the FNV-1a of the snapshot checksum). */
static uint64_t hash_bytes(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ len;
    for (; len >= 8; p += 8, len -= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ mix(w)) * 0xbf58476d1ce4e5b9ULL;
    }
    uint64_t w = 0;
    memcpy(&w, p, len);
    return mix(h ^ mix(w ^ len << 56));
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
    uint64_t *hash_of;                 /* by column: the name's hash */
    unsigned char *ignored;            /* by column */
    unsigned ncols;
    char **patterns;
    size_t npatterns;
    /* documents list their attributes in much the same order: the column
     * seen at each position last time is tried first */
    int32_t *at_pos;
    unsigned status_col;               /* JobStatus's column + 1, 0 unknown */
};

#define MAX_POS 4096

sp_names *sp_names_new(const char *const *ignore, size_t nignore)
{
    sp_names *n = calloc(1, sizeof(*n));
    if (!n)
        return NULL;
    n->nslots = 1024;
    n->slots = calloc(n->nslots, sizeof(name_slot));
    n->by_col = calloc(MAX_COLS, sizeof(char *));
    n->hash_of = calloc(MAX_COLS, sizeof(uint64_t));
    n->ignored = calloc(MAX_COLS, 1);
    n->at_pos = malloc(MAX_POS * sizeof(int32_t));
    if (n->at_pos)
        memset(n->at_pos, 0xff, MAX_POS * sizeof(int32_t));
    n->patterns = calloc(nignore + 1, sizeof(char *));
    if (!n->slots || !n->by_col || !n->hash_of || !n->ignored || !n->patterns || !n->at_pos) {
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
    free(n->hash_of);
    free(n->ignored);
    free(n->at_pos);
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

/* The column of name[0..len) (defined on first sight). -1 when the
 * columns or memory ran out. */
static long column(sp_names *n, const char *name, size_t len)
{
    uint64_t h = sp_fnv1a64(name, len);
    size_t k = h & (n->nslots - 1);
    while (n->slots[k].name) {
        if (n->slots[k].hash == h && !strncmp(n->slots[k].name, name, len) && !n->slots[k].name[len])
            return n->slots[k].col;
        k = (k + 1) & (n->nslots - 1);
    }
    if (n->ncols == MAX_COLS)
        return -1;
    if ((n->ncols + 1) * 2 > n->nslots) {
        if (grow(n) != 0)
            return -1;
        return column(n, name, len);
    }
    name_slot *s = &n->slots[k];
    if (!(s->name = strndup(name, len)))
        return -1;
    s->hash = h;
    s->col = n->ncols++;
    n->by_col[s->col] = s->name;
    n->hash_of[s->col] = h;
    n->ignored[s->col] = (unsigned char)is_ignored(n, s->name);
    if (!strcmp(s->name, "JobStatus"))
        n->status_col = s->col + 1;
    return s->col;
}

/* ---------- one job ---------- */

/* ---- the protobuf wire format, read in place ---- */

typedef struct {
    const uint8_t *p, *end;
} wire;

static int varint(wire *w, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; w->p < w->end && shift < 64; shift += 7) {
        uint8_t b = *w->p++;
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return 0;
    }
    return -1;
}

/* The next field: its number (with the wire type: field << 3 | type),
 * and its bytes (varints: *v). 1, 0 at the end, -1 when malformed. */
static int next_field(wire *w, unsigned *field, uint64_t *v, const uint8_t **bytes, size_t *len)
{
    uint64_t key;
    if (w->p == w->end)
        return 0;
    if (varint(w, &key) != 0 || key > 0xffffffffu)
        return -1;
    *field = (unsigned)key;
    *bytes = NULL;
    *len = 0;
    switch (key & 7) {
    case 0: return varint(w, v) == 0 ? 1 : -1;
    case 1: *len = 8; break;
    case 5: *len = 4; break;
    case 2:
        if (varint(w, v) != 0 || *v > (uint64_t)(w->end - w->p))
            return -1;
        *len = (size_t)*v;
        break;
    default: return -1;
    }
    if (*len > (size_t)(w->end - w->p))
        return -1;
    *bytes = w->p;
    w->p += *len;
    return 1;
}

/* The column of the attribute at position pos: the one seen there last
 * time when the name matches, else the hash table's. */
static long column_at(sp_names *n, unsigned pos, const uint8_t *name, size_t len)
{
    int32_t c = pos < MAX_POS ? n->at_pos[pos] : -1;
    if (c >= 0 && !strncmp(n->by_col[c], (const char *)name, len) && !n->by_col[c][len])
        return c;
    long col = column(n, (const char *)name, len);
    if (pos < MAX_POS)
        n->at_pos[pos] = (int32_t)col;
    return col;
}

/* One Attribute{name = 1, value = 2}: its column and value hash. */
static int attribute(sp_names *n, unsigned pos, const uint8_t *p, size_t len, sp_job *out, uint16_t *scratch,
                     unsigned *width)
{
    wire w = { p, p + len };
    const uint8_t *name = NULL, *value = (const uint8_t *)"", *b;
    size_t name_len = 0, value_len = 0, l;
    uint64_t v;
    unsigned f;
    int rc;
    while ((rc = next_field(&w, &f, &v, &b, &l)) == 1) {
        if (f == LEN(1))
            name = b, name_len = l;
        else if (f == LEN(2))
            value = b, value_len = l;
        else if (f >> 3 == 1 || f >> 3 == 2)
            return -1;                           /* a known field with the wrong wire type */
    }
    if (rc < 0 || !name)
        return -1;
    long col = column_at(n, pos, name, name_len);
    if (col < 0 || n->ignored[col])
        return 0;
    uint64_t vh = hash_bytes(value, value_len);
    out->hash += mix(n->hash_of[col] ^ vh);                      /* order-independent */
    uint16_t h16 = (uint16_t)(vh ^ vh >> 16 ^ vh >> 32 ^ vh >> 48);
    scratch[col] = h16 ? h16 : 1;
    if ((unsigned)col + 1 > *width)
        *width = (unsigned)col + 1;
    if ((unsigned)col + 1 == n->status_col) {                    /* Value{int_value = 2} */
        wire vw = { value, value + value_len };
        while (next_field(&vw, &f, &v, &b, &l) == 1)
            if (f == VARINT(2))
                out->status = (int32_t)v;
    }
    return 0;
}

int sp_job_of(sp_names *n, const uint8_t *doc, size_t len, sp_job *out, uint16_t *scratch, sp_docref *ref,
              char *gjid, size_t gjidlen)
{
    memset(out, 0, sizeof(*out));
    sp_str none = { "", 0 };                    /* absent fields read as empty */
    *ref = (sp_docref){ none, none, none, none };
    out->status = -1;
    out->cols = scratch;
    out->gjid = gjid;
    wire w = { doc, doc + len };
    unsigned f, width = 0, pos = 0;
    uint64_t v;
    const uint8_t *b;
    size_t l;
    int rc;
    while ((rc = next_field(&w, &f, &v, &b, &l)) == 1) {
        sp_str s = { (const char *)b, l };
        switch (f) {
        case LEN(1): ref->id = s; break;
        case LEN(3): ref->schedd = s; break;
        case LEN(4): ref->gjid = s; break;
        case LEN(8): ref->snapshot_id = s; break;
        case LEN(6):
            if (attribute(n, pos++, b, l, out, scratch, &width) != 0)
                rc = -1;
            break;
        case LEN(2): case VARINT(5): case LEN(7): break;
        default:
            if ((f >> 3) >= 1 && (f >> 3) <= 8)
                rc = -1;                         /* a known field with the wrong wire type */
            break;
        }
        if (rc < 0)
            break;
    }
    out->ncols = (uint16_t)width;
    if (rc < 0 || !ref->gjid.len || ref->gjid.len >= gjidlen)
        return -1;
    memcpy(gjid, ref->gjid.p, ref->gjid.len);
    gjid[ref->gjid.len] = '\0';
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
    uint64_t *keys;                    /* per job: the hash of its GlobalJobId */
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
    free(t->keys);
    free(t->index);
    free(t);
}

size_t sp_jobtable_count(const sp_jobtable *t) { return t->n; }

void sp_jobtable_reset(sp_jobtable *t)
{
    sp_arena_rewind(&t->arena);
    if (t->index)
        memset(t->index, 0, t->nindex * sizeof(uint32_t));
    t->n = 0;
}
const sp_job *sp_jobtable_at(const sp_jobtable *t, size_t i) { return &t->jobs[i]; }

size_t sp_jobtable_bytes(const sp_jobtable *t)
{
    size_t b = t->cap * (sizeof(sp_job) + sizeof(uint64_t)) + t->nindex * sizeof(uint32_t);
    for (size_t i = 0; i < t->n; i++)
        b += strlen(t->jobs[i].gjid) + 1 + t->jobs[i].ncols * sizeof(uint16_t);
    return b;
}

static uint64_t key(const char *gjid) { return hash_bytes(gjid, strlen(gjid)); }

/* The index slot of gjid (whose key is k): its job's, or the empty one
 * where it would go. Stored keys are compared before names. */
static size_t slot_of(const sp_jobtable *t, const char *gjid, uint64_t k)
{
    size_t i = k & (t->nindex - 1);
    for (; t->index[i]; i = (i + 1) & (t->nindex - 1)) {
        uint32_t j = t->index[i] - 1;
        if (t->keys[j] == k && !strcmp(t->jobs[j].gjid, gjid))
            break;
    }
    return i;
}

const sp_job *sp_jobtable_get(const sp_jobtable *t, const char *gjid)
{
    if (!t->nindex)
        return NULL;
    size_t k = slot_of(t, gjid, key(gjid));
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
        t->index[slot_of(t, t->jobs[i].gjid, t->keys[i])] = (uint32_t)i + 1;
    return 0;
}

int sp_jobtable_put(sp_jobtable *t, const sp_job *job)
{
    if ((t->n + 1) * 2 > t->nindex && reindex(t, t->nindex ? t->nindex * 2 : 1024) != 0)
        return -1;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        sp_job *jobs = realloc(t->jobs, cap * sizeof(sp_job));
        if (jobs)
            t->jobs = jobs;
        uint64_t *keys = realloc(t->keys, cap * sizeof(uint64_t));
        if (keys)
            t->keys = keys;
        if (!jobs || !keys)
            return -1;
        t->cap = cap;
    }
    uint64_t k = key(job->gjid);
    size_t slot = slot_of(t, job->gjid, k);
    sp_job copy = *job;
    copy.gjid = sp_arena_strndup(&t->arena, job->gjid, strlen(job->gjid));
    copy.cols = sp_arena_alloc(&t->arena, job->ncols * sizeof(uint16_t) + 1);
    if (!copy.gjid || !copy.cols)
        return -1;
    memcpy(copy.cols, job->cols, job->ncols * sizeof(uint16_t));
    if (t->index[slot]) {
        t->jobs[t->index[slot] - 1] = copy;        /* the same job twice: the last wins */
        return 0;
    }
    t->keys[t->n] = k;
    t->jobs[t->n] = copy;
    t->index[slot] = (uint32_t)++t->n;
    return 0;
}
