/* classad.h - a job ClassAd in memory: typed values, attributes looked up
 * by name case-insensitively (as ClassAds do), everything in one arena.
 *
 * An ad is built from parser events (sp_ad_on_event is an sp_adjson_fn, so
 * both the -json and the -long parser feed it), read by the expression
 * evaluator (classad_expr.h) and by the collector's conversion. Building
 * and reading an ad allocates nothing per attribute with malloc: names,
 * strings, lists and nested ads live in the ad's arena, which
 * sp_ad_reset() empties for the next ad.
 *
 * Ownership: the ad owns its arena and everything in it. A value read from
 * an ad (sp_ad_get) is valid until the next sp_ad_reset/sp_ad_free. */
#ifndef SPIDER_CLASSAD_H
#define SPIDER_CLASSAD_H

#include <stddef.h>

#include "adjson.h"
#include "arena.h"
#include "hash.h"

typedef enum {
    SP_CV_UNDEFINED = 0,
    SP_CV_ERROR,
    SP_CV_BOOL,
    SP_CV_INT,
    SP_CV_REAL,
    SP_CV_STRING,
    SP_CV_LIST,
    SP_CV_AD,
    SP_CV_EXPR,      /* unevaluated expression: s holds its source text */
} sp_cv_type;

struct sp_ad;

typedef struct sp_cval {
    sp_cv_type type;
    union {
        int b;                                  /* BOOL: 0 or 1 */
        long long i;                            /* INT */
        double r;                               /* REAL */
        struct { const char *s; size_t len; } str; /* STRING, EXPR; NUL-terminated */
        struct { struct sp_cval *items; size_t n; } list;
        struct sp_ad *ad;                       /* AD */
    } u;
} sp_cval;

typedef struct {
    const char *name;    /* NUL-terminated, as written */
    size_t name_len;
    unsigned hash;       /* of the case-folded name */
    sp_cval v;
} sp_ad_attr;

typedef struct sp_ad {
    sp_ad_attr *attrs;      /* in the order they were added */
    size_t n, cap;
    unsigned *slots;     /* open-addressing index into attrs (+1; 0 = empty) */
    size_t nslots;
    int exact_names;     /* 1: names match only as spelled (a Python dict,
                            like the converted document); 0: ClassAd rules */
    sp_arena *arena;     /* shared with nested ads */
    sp_arena own;        /* the top-level ad's arena */
    /* builder state while parser events arrive */
    struct sp_ad_build *build;
} sp_ad;

/* A new empty ad with its own arena. NULL when out of memory. */
sp_ad *sp_ad_new(void);
/* Empties the ad (and its arena) for the next one. */
void sp_ad_reset(sp_ad *ad);
void sp_ad_free(sp_ad *ad);

/* The value of an attribute (case-insensitive), or NULL when absent. */
const sp_cval *sp_ad_get(const sp_ad *ad, const char *name, size_t len);
static inline const sp_cval *sp_ad_getz(const sp_ad *ad, const char *name)
{
    size_t n = 0;
    while (name[n])
        n++;
    return sp_ad_get(ad, name, n);
}
/* Sets an attribute (replacing one of the same name, case-insensitively,
 * in place). The name is copied into the arena; the value is stored as
 * given (its strings must live in this ad's arena or longer). 0, -1 ENOMEM. */
int sp_ad_set(sp_ad *ad, const char *name, size_t len, const sp_cval *v);
/* The same without copying the name, which must be NUL-terminated at len
 * and outlive every use of this attribute (e.g. a name of another ad that
 * lives as long). */
int sp_ad_set_borrowed(sp_ad *ad, const char *name, size_t len, const sp_cval *v);
/* Removes an attribute; 1 when it was there. Order of the others is kept. */
int sp_ad_remove(sp_ad *ad, const char *name, size_t len);

/* Keeps only the attributes keep() says yes to, in order. */
void sp_ad_filter(sp_ad *ad, int (*keep)(void *ctx, const sp_ad_attr *a), void *ctx);

/* Value constructors; strings are copied into the arena. */
sp_cval sp_cv_int(long long i);
sp_cval sp_cv_real(double r);
sp_cval sp_cv_bool(int b);
sp_cval sp_cv_undefined(void);
sp_cval sp_cv_error(void);
sp_cval sp_cv_string(sp_arena *a, const char *s, size_t len); /* ERROR on ENOMEM */

/* Parser callback (sp_adjson_fn): ctx is an sp_ad, reset by the caller
 * before each ad. Returns non-zero (stop) when out of memory. */
int sp_ad_on_event(void *ctx, const sp_adjson_event *ev);

#endif
