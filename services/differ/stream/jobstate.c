/* jobstate.c - per-job hashes of queue documents and the tables of a
 * schedd's last snapshot (see jobstate.h). */
#include "jobstate.h"

#include <stdlib.h>
#include <string.h>

#include "pbwire.h"

#define MAX_COLS 65535u
#define LEN(f) SP_PB_KEY_LEN(f)               /* a length-delimited field's key */
#define VARINT(f) SP_PB_KEY_VARINT(f)

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

/* The last len (< 8) bytes of a string at p, as a word: on little-endian
 * machines read whole and masked when the buffer goes on to at least end
 * (a byte-wise copy stalls the load that follows it). */
static uint64_t tail_word(const unsigned char *p, size_t len, const unsigned char *end)
{
    uint64_t w = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (len && end - p >= 8) {
        memcpy(&w, p, 8);
        return w & ~0ULL >> (64 - 8 * len);
    }
#endif
    memcpy(&w, p, len);
    return w;
}

/* A fast hash of bytes, eight at a time, straight from their buffer, which
 * may be read up to end (values and GlobalJobIds: not a contract, unlike
 * the FNV-1a of the snapshot checksum). */
static uint64_t hash_in(const void *data, size_t len, const void *end)
{
    const unsigned char *p = data;
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ len;
    for (; len >= 8; p += 8, len -= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ mix(w)) * 0xbf58476d1ce4e5b9ULL;
    }
    return mix(h ^ mix(tail_word(p, len, end) ^ len << 56));
}

static uint64_t hash_bytes(const void *data, size_t len) { return hash_in(data, len, data); }

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
    uint32_t *len_of;                  /* by column: the name's length on the wire */
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
    n->len_of = calloc(MAX_COLS, sizeof(uint32_t));
    n->hash_of = calloc(MAX_COLS, sizeof(uint64_t));
    n->ignored = calloc(MAX_COLS, 1);
    n->at_pos = malloc(MAX_POS * sizeof(int32_t));
    if (n->at_pos)
        memset(n->at_pos, 0xff, MAX_POS * sizeof(int32_t));
    n->patterns = calloc(nignore + 1, sizeof(char *));
    if (!n->slots || !n->by_col || !n->len_of || !n->hash_of || !n->ignored || !n->patterns || !n->at_pos) {
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
    free(n->len_of);
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

/* Whether column col is named name[0..len). */
static int named(const sp_names *n, unsigned col, const char *name, size_t len)
{
    return n->len_of[col] == len && !memcmp(n->by_col[col], name, len);
}

/* The column of name[0..len) (defined on first sight; a name is kept with
 * all its wire bytes, and reads as a C string up to a NUL in it). -1 when
 * the columns or memory ran out. */
static long column(sp_names *n, const char *name, size_t len)
{
    uint64_t h = sp_hash_fnv1a64(name, len);
    size_t k = h & (n->nslots - 1);
    while (n->slots[k].name) {
        if (n->slots[k].hash == h && named(n, n->slots[k].col, name, len))
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
    if (len > UINT32_MAX || !(s->name = malloc(len + 1)))
        return -1;
    memcpy(s->name, name, len);
    s->name[len] = '\0';
    s->hash = h;
    s->col = n->ncols++;
    n->by_col[s->col] = s->name;
    n->len_of[s->col] = (uint32_t)len;
    n->hash_of[s->col] = h;
    n->ignored[s->col] = (unsigned char)is_ignored(n, s->name);
    if (!strcmp(s->name, "JobStatus"))
        n->status_col = s->col + 1;
    return s->col;
}

/* ---------- one job ---------- */

/* ---- the protobuf wire format, read in place (lib/pbwire.h) ---- */

/* The column of the attribute at position pos: the one seen there last
 * time when the name matches, else the hash table's. */
static long column_at(sp_names *n, unsigned pos, const uint8_t *name, size_t len)
{
    int32_t c = pos < MAX_POS ? n->at_pos[pos] : -1;
    if (c >= 0 && named(n, (unsigned)c, (const char *)name, len))
        return c;
    long col = column(n, (const char *)name, len);
    if (pos < MAX_POS)
        n->at_pos[pos] = (int32_t)col;
    return col;
}

/* A document being read: where its job goes, and how far it may be read. */
typedef struct {
    sp_names *n;
    sp_job *out;
    uint16_t *scratch;
    unsigned width, pos;
    const uint8_t *end;               /* the document's last byte + 1 */
} reading;

/* The attribute at the next position, name = value (its encoded Value,
 * inside the document). */
static void add_attribute(reading *r, const uint8_t *name, size_t name_len, const uint8_t *value, size_t value_len)
{
    sp_names *n = r->n;
    long col = column_at(n, r->pos++, name, name_len);
    if (col < 0 || n->ignored[col])
        return;
    uint64_t vh = hash_in(value, value_len, r->end);
    r->out->hash += mix(n->hash_of[col] ^ vh);                   /* order-independent */
    uint16_t h16 = (uint16_t)(vh ^ vh >> 16 ^ vh >> 32 ^ vh >> 48);
    r->scratch[col] = h16 ? h16 : 1;
    if ((unsigned)col + 1 > r->width)
        r->width = (unsigned)col + 1;
    if ((unsigned)col + 1 == n->status_col) {                    /* Value{int_value = 2} */
        sp_pb_reader vw = { value, value + value_len };
        const uint8_t *b;
        size_t l;
        uint64_t v;
        unsigned f;
        while (sp_pb_next_field(&vw, &f, &v, &b, &l) == 1)
            if (f == VARINT(SP_PB_VALUE_INT_VALUE))
                r->out->status = (int32_t)v;
    }
}

/* One Attribute{name = 1, value = 2}, any encoding. */
static int attribute(reading *r, const uint8_t *p, size_t len)
{
    sp_pb_reader w = { p, p + len };
    const uint8_t *name = NULL, *value = p, *b;         /* no value: empty */
    size_t name_len = 0, value_len = 0, l;
    uint64_t v;
    unsigned f;
    int rc;
    while ((rc = sp_pb_next_field(&w, &f, &v, &b, &l)) == 1) {
        if (f == LEN(SP_PB_ATTRIBUTE_NAME))
            name = b, name_len = l;
        else if (f == LEN(SP_PB_ATTRIBUTE_VALUE))
            value = b, value_len = l;
        else if (SP_PB_FIELD_OF(f) == SP_PB_ATTRIBUTE_NAME || SP_PB_FIELD_OF(f) == SP_PB_ATTRIBUTE_VALUE)
            return -1;                           /* a known field with the wrong wire type */
    }
    if (rc < 0 || !name)
        return -1;
    add_attribute(r, name, name_len, value, value_len);
    return 0;
}

/* Document.attributes (6) = Attribute{name = 1, value = 2} as our encoder
 * writes most of them, every length in one byte: read without the general
 * reader. 1 when it was (w moves past it), 0 to read it generally. */
static int short_attribute(reading *r, sp_pb_reader *w)
{
    const uint8_t *p = w->p;
    if (w->end - p < 6 || p[0] != LEN(SP_PB_DOCUMENT_ATTRIBUTES) || p[1] > 0x7f || p[2] != LEN(SP_PB_ATTRIBUTE_NAME) || p[3] > 0x7f)
        return 0;
    size_t len = p[1], name_len = p[3];
    const uint8_t *name = p + 4, *value = name + name_len + 2, *end = p + 2 + len;
    if (end > w->end || value > end || value[-2] != LEN(SP_PB_ATTRIBUTE_VALUE) || value[-1] > 0x7f || value + value[-1] != end)
        return 0;
    add_attribute(r, name, name_len, value, value[-1]);
    w->p = end;
    return 1;
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
    sp_pb_reader w = { doc, doc + len };
    reading r = { n, out, scratch, 0, 0, doc + len };
    unsigned f;
    uint64_t v;
    const uint8_t *b;
    size_t l;
    int rc = 1;
    while (rc == 1) {
        if (short_attribute(&r, &w))
            continue;
        if ((rc = sp_pb_next_field(&w, &f, &v, &b, &l)) != 1)
            break;
        sp_str s = { (const char *)b, l };
        switch (f) {
        case LEN(SP_PB_DOCUMENT_ID): ref->id = s; break;
        case LEN(SP_PB_DOCUMENT_SCHEDD): ref->schedd = s; break;
        case LEN(SP_PB_DOCUMENT_GLOBAL_JOB_ID): ref->gjid = s; break;
        case LEN(SP_PB_DOCUMENT_SNAPSHOT_ID): ref->snapshot_id = s; break;
        case LEN(SP_PB_DOCUMENT_ATTRIBUTES):
            if (attribute(&r, b, l) != 0)
                rc = -1;
            break;
        case LEN(SP_PB_DOCUMENT_INDEX): case VARINT(SP_PB_DOCUMENT_RECORD_TIME): case LEN(SP_PB_DOCUMENT_METADATA): break;
        default:
            if (SP_PB_FIELD_OF(f) >= 1 && SP_PB_FIELD_OF(f) <= SP_PB_DOCUMENT_LAST_FIELD)
                rc = -1;                         /* a known field with the wrong wire type */
            break;
        }
    }
    out->ncols = (uint16_t)r.width;
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

/* Each job's columns and GlobalJobId share one allocation (cols first),
 * owned by the table and freed with free(job->cols). */
struct sp_jobtable {
    sp_job *jobs;                      /* in insertion order */
    uint64_t *keys;                    /* per job: the hash of its GlobalJobId */
    size_t n, cap;
    uint32_t *index;                   /* job index + 1; 0 = empty */
    size_t nindex;                     /* a power of two */
};

sp_jobtable *sp_jobtable_new(void) { return calloc(1, sizeof(sp_jobtable)); }

void sp_jobtable_reset(sp_jobtable *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->jobs[i].cols);
    if (t->index)
        memset(t->index, 0, t->nindex * sizeof(uint32_t));
    t->n = 0;
}

void sp_jobtable_free(sp_jobtable *t)
{
    if (!t)
        return;
    sp_jobtable_reset(t);
    free(t->jobs);
    free(t->keys);
    free(t->index);
    free(t);
}

size_t sp_jobtable_count(const sp_jobtable *t) { return t->n; }

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

sp_job *sp_jobtable_get(sp_jobtable *t, const char *gjid)
{
    if (!t->nindex)
        return NULL;
    size_t k = slot_of(t, gjid, key(gjid));
    return t->index[k] ? &t->jobs[t->index[k] - 1] : NULL;
}

static void index_all(sp_jobtable *t)
{
    memset(t->index, 0, t->nindex * sizeof(uint32_t));
    for (size_t i = 0; i < t->n; i++)
        t->index[slot_of(t, t->jobs[i].gjid, t->keys[i])] = (uint32_t)i + 1;
}

static int reindex(sp_jobtable *t, size_t nindex)
{
    uint32_t *index = malloc(nindex * sizeof(uint32_t));
    if (!index)
        return -1;
    free(t->index);
    t->index = index;
    t->nindex = nindex;
    index_all(t);
    return 0;
}

/* Room for n more jobs, so that placing them cannot fail. */
static int reserve(sp_jobtable *t, size_t n)
{
    size_t nindex = t->nindex ? t->nindex : 1024;
    while ((t->n + n + 1) * 2 > nindex)
        nindex *= 2;
    if (nindex != t->nindex && reindex(t, nindex) != 0)
        return -1;
    size_t cap = t->cap ? t->cap : 256;
    while (cap < t->n + n)
        cap *= 2;
    if (cap == t->cap)
        return 0;
    sp_job *jobs = realloc(t->jobs, cap * sizeof(sp_job));
    if (jobs)
        t->jobs = jobs;
    uint64_t *keys = realloc(t->keys, cap * sizeof(uint64_t));
    if (keys)
        t->keys = keys;
    if (!jobs || !keys)
        return -1;
    t->cap = cap;
    return 0;
}

/* Adds job, whose storage the table takes over (room reserved). One with
 * the same GlobalJobId is replaced in its place: the last wins. */
static void place(sp_jobtable *t, const sp_job *job, uint64_t k)
{
    size_t slot = slot_of(t, job->gjid, k);
    if (t->index[slot]) {
        sp_job *old = &t->jobs[t->index[slot] - 1];
        free(old->cols);
        *old = *job;
        return;
    }
    t->keys[t->n] = k;
    t->jobs[t->n] = *job;
    t->index[slot] = (uint32_t)++t->n;
}

int sp_jobtable_put(sp_jobtable *t, const sp_job *job)
{
    size_t cols = job->ncols * sizeof(uint16_t), len = strlen(job->gjid);
    if (reserve(t, 1) != 0)
        return -1;
    sp_job copy = *job;
    if (!(copy.cols = malloc(cols + len + 1)))
        return -1;
    memcpy(copy.cols, job->cols, cols);
    copy.gjid = memcpy((char *)copy.cols + cols, job->gjid, len + 1);
    place(t, &copy, key(copy.gjid));
    return 0;
}

int sp_jobtable_move(sp_jobtable *t, sp_jobtable *from)
{
    if (reserve(t, from->n) != 0)
        return -1;
    for (size_t i = 0; i < from->n; i++)
        place(t, &from->jobs[i], from->keys[i]);
    from->n = 0;
    if (from->index)
        memset(from->index, 0, from->nindex * sizeof(uint32_t));
    return 0;
}

size_t sp_jobtable_sweep(sp_jobtable *t, uint32_t seen, sp_jobtable_gone_fn *gone, void *ctx)
{
    size_t kept = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (t->jobs[i].seen == seen) {
            t->keys[kept] = t->keys[i];
            t->jobs[kept++] = t->jobs[i];
            continue;
        }
        gone(ctx, &t->jobs[i]);
        free(t->jobs[i].cols);
    }
    size_t swept = t->n - kept;
    t->n = kept;
    if (swept)
        index_all(t);
    return swept;
}
