/* classad.c - job ClassAds in memory: the case-insensitive attribute index
 * and building an ad from parser events (see classad.h; the arena is
 * arena.c, the name hash hash.c). */
#include "classad.h"

#include <stdlib.h>
#include <string.h>

/* ---- values ---- */

sp_cval sp_cv_int(long long i) { sp_cval v = { .type = SP_CV_INT }; v.u.i = i; return v; }
sp_cval sp_cv_real(double r) { sp_cval v = { .type = SP_CV_REAL }; v.u.r = r; return v; }
sp_cval sp_cv_bool(int b) { sp_cval v = { .type = SP_CV_BOOL }; v.u.b = b != 0; return v; }
sp_cval sp_cv_undefined(void) { sp_cval v = { .type = SP_CV_UNDEFINED }; return v; }
sp_cval sp_cv_error(void) { sp_cval v = { .type = SP_CV_ERROR }; return v; }

sp_cval sp_cv_string(sp_arena *a, const char *s, size_t len)
{
    sp_cval v = { .type = SP_CV_STRING };
    v.u.str.s = sp_arena_strndup(a, s, len);
    v.u.str.len = len;
    if (!v.u.str.s)
        return sp_cv_error();
    return v;
}

/* ---- the index ---- */

static void rebuild_slots(sp_ad *ad);

static unsigned char lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static int name_eq(const char *a, size_t alen, const char *b, size_t blen)
{
    if (alen != blen)
        return 0;
    if (!memcmp(a, b, alen))                /* most lookups spell it alike */
        return 1;
    for (size_t i = 0; i < alen; i++)
        if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
            return 0;
    return 1;
}

/* The slot holding name (of hash h), or the empty slot where it would go. */
static size_t find_slot_h(const sp_ad *ad, const char *name, size_t len, unsigned h)
{
    size_t mask = ad->nslots - 1;
    size_t i = h & mask;
    while (ad->slots[i]) {
        const sp_ad_attr *a = &ad->attrs[ad->slots[i] - 1];
        if (a->hash == h && (ad->exact_names ? a->name_len == len && !memcmp(a->name, name, len)
                                             : name_eq(a->name, a->name_len, name, len)))
            return i;
        i = (i + 1) & mask;
    }
    return i;
}

static size_t find_slot(const sp_ad *ad, const char *name, size_t len)
{
    return find_slot_h(ad, name, len, sp_hash_name(name, len));
}

static int reindex(sp_ad *ad, size_t nslots)
{
    unsigned *slots = sp_arena_alloc(ad->arena, nslots * sizeof(*slots));
    if (!slots)
        return -1;
    memset(slots, 0, nslots * sizeof(*slots));
    ad->slots = slots;
    ad->nslots = nslots;
    for (size_t k = 0; k < ad->n; k++)
        ad->slots[find_slot_h(ad, ad->attrs[k].name, ad->attrs[k].name_len, ad->attrs[k].hash)] = (unsigned)k + 1;
    return 0;
}

const sp_cval *sp_ad_get(const sp_ad *ad, const char *name, size_t len)
{
    if (!ad || !ad->nslots)
        return NULL;
    size_t i = find_slot(ad, name, len);
    return ad->slots[i] ? &ad->attrs[ad->slots[i] - 1].v : NULL;
}

static int grow(sp_ad *ad)
{
    size_t cap = ad->cap ? ad->cap * 2 : ad->arena == &ad->own ? 256 : 16;
    sp_ad_attr *attrs = sp_arena_alloc(ad->arena, cap * sizeof(*attrs));
    if (!attrs)
        return -1;
    if (ad->n)
        memcpy(attrs, ad->attrs, ad->n * sizeof(*attrs));
    ad->attrs = attrs;
    ad->cap = cap;
    return reindex(ad, cap * 2);
}

static int set_attr(sp_ad *ad, const char *name, size_t len, const sp_cval *v, int copy)
{
    if (ad->n == ad->cap && grow(ad) != 0)
        return -1;
    unsigned h = sp_hash_name(name, len);
    size_t i = find_slot_h(ad, name, len, h);
    if (ad->slots[i]) {
        ad->attrs[ad->slots[i] - 1].v = *v;
        return 0;
    }
    sp_ad_attr *a = &ad->attrs[ad->n];
    a->name = copy ? sp_arena_strndup(ad->arena, name, len) : name;
    if (!a->name)
        return -1;
    a->name_len = len;
    a->hash = h;
    a->v = *v;
    ad->slots[i] = (unsigned)++ad->n;
    return 0;
}

int sp_ad_set(sp_ad *ad, const char *name, size_t len, const sp_cval *v)
{
    return set_attr(ad, name, len, v, 1);
}

int sp_ad_set_borrowed(sp_ad *ad, const char *name, size_t len, const sp_cval *v)
{
    return set_attr(ad, name, len, v, 0);
}

int sp_ad_remove(sp_ad *ad, const char *name, size_t len)
{
    if (!ad->nslots)
        return 0;
    size_t i = find_slot(ad, name, len);
    if (!ad->slots[i])
        return 0;
    size_t k = ad->slots[i] - 1;
    memmove(&ad->attrs[k], &ad->attrs[k + 1], (ad->n - k - 1) * sizeof(sp_ad_attr));
    ad->n--;
    rebuild_slots(ad);
    return 1;
}

static void rebuild_slots(sp_ad *ad)
{
    memset(ad->slots, 0, ad->nslots * sizeof(*ad->slots));
    for (size_t j = 0; j < ad->n; j++)
        ad->slots[find_slot_h(ad, ad->attrs[j].name, ad->attrs[j].name_len, ad->attrs[j].hash)] = (unsigned)j + 1;
}

void sp_ad_filter(sp_ad *ad, int (*keep)(void *ctx, const sp_ad_attr *a), void *ctx)
{
    size_t k = 0;
    for (size_t i = 0; i < ad->n; i++)
        if (keep(ctx, &ad->attrs[i]))
            ad->attrs[k++] = ad->attrs[i];
    ad->n = k;
    if (ad->nslots)
        rebuild_slots(ad);
}

/* ---- life cycle ---- */

sp_ad *sp_ad_new(void)
{
    sp_ad *ad = calloc(1, sizeof(*ad));
    if (ad)
        ad->arena = &ad->own;
    return ad;
}

void sp_ad_reset(sp_ad *ad)
{
    sp_arena_reset(ad->arena);
    ad->attrs = NULL;
    ad->n = ad->cap = 0;
    ad->slots = NULL;
    ad->nslots = 0;
    ad->build = NULL;
}

void sp_ad_free(sp_ad *ad)
{
    if (!ad)
        return;
    sp_arena_free(&ad->own);
    free(ad);
}

/* ---- building from parser events ----
 * Containers being filled (lists, nested ads) form a stack kept in the
 * arena; a list's items grow by doubling inside the arena. */

#define BUILD_DEPTH 64

typedef struct {
    char *name;          /* attribute or NULL for a list item */
    size_t name_len;
    sp_cval v;           /* SP_CV_LIST or SP_CV_AD being filled */
    size_t cap;          /* list capacity */
} frame;

struct sp_ad_build {
    frame stack[BUILD_DEPTH];
    int depth;
};

static sp_ad *nested_ad(sp_ad *top)
{
    sp_ad *ad = sp_arena_alloc(top->arena, sizeof(*ad));
    if (!ad)
        return NULL;
    memset(ad, 0, sizeof(*ad));
    ad->arena = top->arena;
    return ad;
}

static int list_push(sp_arena *a, frame *f, const sp_cval *v)
{
    if (f->v.u.list.n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 8;
        sp_cval *items = sp_arena_alloc(a, cap * sizeof(*items));
        if (!items)
            return -1;
        if (f->v.u.list.n)
            memcpy(items, f->v.u.list.items, f->v.u.list.n * sizeof(*items));
        f->v.u.list.items = items;
        f->cap = cap;
    }
    f->v.u.list.items[f->v.u.list.n++] = *v;
    return 0;
}

/* Puts a finished value where it belongs: the current container, or the ad. */
static int place(sp_ad *top, const char *name, size_t name_len, const sp_cval *v)
{
    struct sp_ad_build *b = top->build;
    if (b->depth == 0)
        return sp_ad_set(top, name, name_len, v);
    frame *f = &b->stack[b->depth - 1];
    if (f->v.type == SP_CV_LIST)
        return list_push(top->arena, f, v);
    return sp_ad_set(f->v.u.ad, name ? name : "", name ? name_len : 0, v);
}

static int open_frame(sp_ad *top, const sp_adjson_event *ev, sp_cv_type type)
{
    struct sp_ad_build *b = top->build;
    if (b->depth == BUILD_DEPTH)
        return -1;
    frame *f = &b->stack[b->depth];
    memset(f, 0, sizeof(*f));
    f->name = ev->name ? sp_arena_strndup(top->arena, ev->name, ev->name_len) : NULL;
    f->name_len = ev->name ? ev->name_len : 0;
    if (ev->name && !f->name)
        return -1;
    f->v.type = type;
    if (type == SP_CV_AD && !(f->v.u.ad = nested_ad(top)))
        return -1;
    b->depth++;
    return 0;
}

static int close_frame(sp_ad *top)
{
    struct sp_ad_build *b = top->build;
    if (b->depth == 0)
        return -1;
    frame f = b->stack[--b->depth];
    return place(top, f.name, f.name_len, &f.v);
}

static int scalar(sp_ad *top, const sp_adjson_event *ev)
{
    sp_cval v;
    switch (ev->type) {
    case SP_ADJSON_BOOL: v = sp_cv_bool((int)ev->i); break;
    case SP_ADJSON_INT: v = sp_cv_int(ev->i); break;
    case SP_ADJSON_REAL: v = sp_cv_real(ev->r); break;
    case SP_ADJSON_STRING:
    case SP_ADJSON_EXPR:
        v.type = ev->type == SP_ADJSON_STRING ? SP_CV_STRING : SP_CV_EXPR;
        v.u.str.s = sp_arena_strndup(top->arena, ev->str, ev->len);
        v.u.str.len = ev->len;
        if (!v.u.str.s)
            return -1;
        break;
    default: v = sp_cv_undefined(); break;
    }
    return place(top, ev->name, ev->name_len, &v);
}

int sp_ad_on_event(void *ctx, const sp_adjson_event *ev)
{
    sp_ad *top = ctx;
    if (!top->build) {
        top->build = sp_arena_alloc(top->arena, sizeof(*top->build));
        if (!top->build)
            return 1;
        top->build->depth = 0;
    }
    int rc;
    switch (ev->type) {
    case SP_ADJSON_LIST_BEGIN: rc = open_frame(top, ev, SP_CV_LIST); break;
    case SP_ADJSON_AD_BEGIN: rc = open_frame(top, ev, SP_CV_AD); break;
    case SP_ADJSON_LIST_END:
    case SP_ADJSON_AD_END: rc = close_frame(top); break;
    default: rc = scalar(top, ev); break;
    }
    return rc != 0;
}
