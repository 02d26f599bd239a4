/* summary.c - per-poll summary documents of a snapshot (see summary.h). */
#include "summary.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pbwire.h"
#include "record.h"

#define MAX_NAMES 64                     /* dimensions and sums, each */

typedef struct {
    int64_t i;
    double d;
    uint8_t any, is_double;
} sum_acc;

/* One group: its key (each dimension's encoded Value, length-prefixed)
 * and what it adds up. One allocation: the group, its sums, its key. */
typedef struct {
    uint64_t hash;
    uint64_t count;
    size_t keylen;
    uint8_t *key;                        /* inside the allocation */
    sum_acc sums[];
} group;

struct sp_summary {
    sp_summary_opts o;
    group **slots;                       /* open addressing, power of two */
    size_t cap;
    group **order;                       /* insertion order: what is emitted */
    size_t n, capord;
    sp_buf key, out;
    /* one document being added */
    const uint8_t *dim[MAX_NAMES];
    size_t dimlen[MAX_NAMES];
    sum_acc val[MAX_NAMES];
};

sp_summary *sp_summary_new(const sp_summary_opts *o)
{
    if (o->nby > MAX_NAMES || o->nsums > MAX_NAMES)
        return NULL;
    sp_summary *s = calloc(1, sizeof(*s));
    if (s)
        s->o = *o;
    return s;
}

void sp_summary_reset(sp_summary *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        free(s->order[i]);
    s->n = 0;
    if (s->slots)
        memset(s->slots, 0, s->cap * sizeof(*s->slots));
}

void sp_summary_free(sp_summary *s)
{
    if (!s)
        return;
    sp_summary_reset(s);
    free(s->slots);
    free(s->order);
    sp_buf_free(&s->key);
    sp_buf_free(&s->out);
    free(s);
}

size_t sp_summary_groups(const sp_summary *s) { return s ? s->n : 0; }

/* ---------- reading a packed Document ---------- */

static int named(const char *want, const uint8_t *name, size_t len)
{
    return strlen(want) == len && !memcmp(want, name, len);
}

/* A number out of an encoded Value: int_value (2), double_value (3) or
 * bool_value (4, as 0/1). 0, or -1 when it is none. */
static int number_of(const uint8_t *p, size_t len, sum_acc *out)
{
    sp_pb_reader w = { p, p + len };
    unsigned f;
    uint64_t v;
    const uint8_t *b;
    size_t l;
    while (sp_pb_next_field(&w, &f, &v, &b, &l) == 1) {
        if (f == SP_PB_KEY_VARINT(SP_PB_VALUE_INT_VALUE) || f == SP_PB_KEY_VARINT(SP_PB_VALUE_BOOL_VALUE)) {
            out->i = (int64_t)v, out->is_double = 0, out->any = 1;
            return 0;
        }
        if (f == SP_PB_KEY_I64(SP_PB_VALUE_DOUBLE_VALUE)) {
            memcpy(&out->d, b, 8);       /* little-endian, as protobuf is */
            out->is_double = 1, out->any = 1;
            return 0;
        }
    }
    return -1;
}

/* One Attribute{name = 1, value = 2}: a dimension or a summed field. */
static int attribute(sp_summary *s, const uint8_t *p, size_t len)
{
    sp_pb_reader w = { p, p + len };
    const uint8_t *name = NULL, *value = p, *b;
    size_t name_len = 0, value_len = 0, l;
    unsigned f;
    uint64_t v;
    int rc;
    while ((rc = sp_pb_next_field(&w, &f, &v, &b, &l)) == 1) {
        if (f == SP_PB_KEY_LEN(SP_PB_ATTRIBUTE_NAME))
            name = b, name_len = l;
        else if (f == SP_PB_KEY_LEN(SP_PB_ATTRIBUTE_VALUE))
            value = b, value_len = l;
    }
    if (rc < 0 || !name)
        return -1;
    for (size_t i = 0; i < s->o.nby; i++)
        if (named(s->o.by[i], name, name_len)) {
            s->dim[i] = value;
            s->dimlen[i] = value_len;
        }
    for (size_t i = 0; i < s->o.nsums; i++)
        if (named(s->o.sums[i], name, name_len))
            number_of(value, value_len, &s->val[i]);
    return 0;
}

/* ---------- groups ---------- */

static int grow(sp_summary *s)
{
    size_t cap = s->cap ? s->cap * 2 : 64;
    group **slots = calloc(cap, sizeof(*slots));
    if (!slots)
        return -1;
    for (size_t i = 0; i < s->n; i++) {
        size_t k = s->order[i]->hash & (cap - 1);
        while (slots[k])
            k = (k + 1) & (cap - 1);
        slots[k] = s->order[i];
    }
    free(s->slots);
    s->slots = slots;
    s->cap = cap;
    return 0;
}

/* The group of the key in s->key, made when new. NULL when out of memory. */
static group *group_of(sp_summary *s)
{
    uint64_t h = sp_hash_fnv1a64(s->key.data, s->key.len);
    if ((s->n + 1) * 2 > s->cap && grow(s) != 0)
        return NULL;
    size_t k = h & (s->cap - 1);
    for (group *g; (g = s->slots[k]); k = (k + 1) & (s->cap - 1))
        if (g->hash == h && g->keylen == s->key.len && !memcmp(g->key, s->key.data, s->key.len))
            return g;
    if (s->n == s->capord) {
        size_t cap = s->capord ? s->capord * 2 : 64;
        group **o = realloc(s->order, cap * sizeof(*o));
        if (!o)
            return NULL;
        s->order = o;
        s->capord = cap;
    }
    size_t sums = s->o.nsums * sizeof(sum_acc);
    group *g = calloc(1, sizeof(*g) + sums + s->key.len + 1);
    if (!g)
        return NULL;
    g->hash = h;
    g->keylen = s->key.len;
    g->key = (uint8_t *)g->sums + sums;
    memcpy(g->key, s->key.data, s->key.len);
    s->slots[k] = g;
    s->order[s->n++] = g;
    return g;
}

static void add_to(sum_acc *acc, const sum_acc *v)
{
    if (!v->any)
        return;
    acc->any = 1;
    if (v->is_double) {
        if (!acc->is_double)
            acc->d = (double)acc->i, acc->is_double = 1;
        acc->d += v->d;
    } else if (acc->is_double) {
        acc->d += (double)v->i;
    } else {
        acc->i += v->i;
    }
}

int sp_summary_add(sp_summary *s, const uint8_t *doc, size_t len)
{
    memset(s->dim, 0, sizeof(s->dim[0]) * s->o.nby);
    memset(s->val, 0, sizeof(s->val[0]) * s->o.nsums);
    sp_pb_reader w = { doc, doc + len };
    unsigned f;
    uint64_t v;
    const uint8_t *b;
    size_t l;
    int rc;
    while ((rc = sp_pb_next_field(&w, &f, &v, &b, &l)) == 1)
        if (f == SP_PB_KEY_LEN(SP_PB_DOCUMENT_ATTRIBUTES) && attribute(s, b, l) != 0)
            return -1;
    if (rc < 0)
        return -1;
    s->key.len = 0;
    for (size_t i = 0; i < s->o.nby; i++)      /* absent: 0; present: its length + 1 */
        if (sp_pb_buf_put_varint(&s->key, s->dim[i] ? s->dimlen[i] + 1 : 0) != 0 ||
            (s->dim[i] && sp_buf_append(&s->key, s->dim[i], s->dimlen[i]) != 0))
            return -1;
    group *g = group_of(s);
    if (!g)
        return -1;
    g->count++;
    for (size_t i = 0; i < s->o.nsums; i++)
        add_to(&g->sums[i], &s->val[i]);
    return 0;
}

/* ---------- emitting ---------- */

/* The dimension values of a key, unpacked into vals (NULL: absent). */
static int unpack_key(const sp_summary *s, const group *g, Spider__Value **vals)
{
    sp_pb_reader w = { g->key, g->key + g->keylen };
    memset(vals, 0, s->o.nby * sizeof(*vals));
    for (size_t i = 0; i < s->o.nby; i++) {
        uint64_t n;
        if (sp_pb_read_varint(&w, &n) != 0 || (n && n - 1 > (uint64_t)(w.end - w.p)))
            return -1;
        if (!n)
            continue;
        if (!(vals[i] = spider__value__unpack(NULL, (size_t)(n - 1), w.p)))
            return -1;
        w.p += n - 1;
    }
    return 0;
}

static int emit_group(sp_summary *s, const group *g, const char *schedd, long long slot, const char *index,
                      sp_summary_emit_fn *fn, void *ctx)
{
    Spider__Value *vals[MAX_NAMES];
    Spider__Value nums[MAX_NAMES + 3];
    Spider__Attribute attrs[2 * MAX_NAMES + 3], *ptrs[2 * MAX_NAMES + 3];
    size_t na = 0, nv = 0;
    int rc = unpack_key(s, g, vals);
    char id[512];
    snprintf(id, sizeof(id), "%s#%lld#%016llx", schedd, slot, (unsigned long long)g->hash);
#define ATTR(nm, val) (spider__attribute__init(&attrs[na]), attrs[na].name = (char *)(nm), attrs[na].value = (val), \
                       ptrs[na] = &attrs[na], na++)
    for (size_t i = 0; rc == 0 && i < s->o.nby; i++)
        if (vals[i])
            ATTR(s->o.by[i], vals[i]);
    spider__value__init(&nums[nv]);
    nums[nv].kind_case = SPIDER__VALUE__KIND_INT_VALUE, nums[nv].int_value = (int64_t)g->count;
    ATTR("Count", &nums[nv]), nv++;
    for (size_t i = 0; i < s->o.nsums; i++) {
        const sum_acc *a = &g->sums[i];
        if (!a->any)
            continue;
        spider__value__init(&nums[nv]);
        if (a->is_double)
            nums[nv].kind_case = SPIDER__VALUE__KIND_DOUBLE_VALUE, nums[nv].double_value = a->d;
        else
            nums[nv].kind_case = SPIDER__VALUE__KIND_INT_VALUE, nums[nv].int_value = a->i;
        ATTR(s->o.sums[i], &nums[nv]), nv++;
    }
    Spider__Value rt = SPIDER__VALUE__INIT, sn = SPIDER__VALUE__INIT;
    rt.kind_case = SPIDER__VALUE__KIND_INT_VALUE, rt.int_value = slot;
    sn.kind_case = SPIDER__VALUE__KIND_STRING_VALUE, sn.string_value = (char *)schedd;
    ATTR("RecordTime", &rt);
    ATTR("ScheddName", &sn);
#undef ATTR
    Spider__Document doc = SPIDER__DOCUMENT__INIT;
    doc.id = id;
    doc.index = (char *)index;
    doc.schedd = (char *)schedd;
    doc.record_time = slot;
    doc.attributes = ptrs;
    doc.n_attributes = na;
    Spider__Record rec = SPIDER__RECORD__INIT;
    rec.kind_case = SPIDER__RECORD__KIND_DOCUMENT;
    rec.document = &doc;
    if (rc == 0 && (rc = sp_record_pack(&rec, &s->out)) == 0)
        fn(ctx, id, s->out.data, s->out.len);
    for (size_t i = 0; i < s->o.nby; i++)
        if (vals[i])
            spider__value__free_unpacked(vals[i], NULL);
    return rc;
}

long sp_summary_emit(sp_summary *s, const char *schedd, long long slot, sp_summary_emit_fn *fn, void *ctx)
{
    char index[300];
    time_t t = (time_t)slot;
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(index, sizeof(index), "%s-summary-%04d-%02d-%02d", s->o.index_template, tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday);
    long n = 0;
    for (size_t i = 0; i < s->n; i++, n++)
        if (emit_group(s, s->order[i], schedd, slot, index, fn, ctx) != 0) {
            n = -1;
            break;
        }
    sp_summary_reset(s);
    return n;
}
