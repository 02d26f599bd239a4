/* classad_expr.h - a small HTCondor ClassAd expression evaluator: parses the
 * text of an expression (as found in a job ad, e.g. RequestMemory =
 * ifThenElse(MemoryUsage =!= undefined, MemoryUsage, 2000)) and evaluates it
 * against an sp_ad with ClassAd semantics (UNDEFINED/ERROR propagation,
 * three-valued && and ||, meta-equality, int/real promotion).
 *
 * Covered: literals (int, real, string, true/false, undefined, error,
 * lists), attribute references (MY.x, TARGET.x is UNDEFINED, nested ads),
 * every unary/binary operator, ?: and ?: (elvis), subscripts, and the
 * functions listed in classad_expr_fn.c. Not covered (sp_expr_eval returns -1
 * with a message so the caller can keep the text): unknown functions,
 * time-dependent functions and attributes (time(), CurrentTime), nested ad
 * literals [ a = 1 ].
 *
 * Ownership: sp_expr_parse returns a tree the caller owns and frees with
 * sp_expr_free; it keeps no pointer into `text`. Values produced by the
 * evaluation live in the caller's arena or in the ad they were read from,
 * so they stay valid after sp_expr_free, until that arena or ad is reset. */
#ifndef SPIDER_CLASSAD_EXPR_H
#define SPIDER_CLASSAD_EXPR_H

#include <stddef.h>

#include "classad.h"

typedef struct sp_expr sp_expr;

/* Parses text[0..len). NULL with a message in err on a syntax error, on
 * nesting deeper than the parser allows, or when out of memory. */
sp_expr *sp_expr_parse(const char *text, size_t len, char *err, size_t errlen);
void sp_expr_free(sp_expr *e);

/* Evaluates e against ad (may be NULL). Attribute references look the name
 * up in ad case-insensitively; a value of type SP_CV_EXPR is itself parsed
 * and evaluated (32 levels at most; a circular reference makes the whole
 * result ERROR, as the evaluation fails in libclassad). New
 * strings and lists go into arena. Returns 0 when evaluated (out may be
 * UNDEFINED or ERROR as ClassAds say), -1 when the expression needs
 * something this evaluator does not support (err says what). */
int sp_expr_eval(const sp_expr *e, const sp_ad *ad, sp_arena *arena,
                 sp_cval *out, char *err, size_t errlen);

/* Parse and evaluate in one go; a syntax error returns -1. */
int sp_expr_eval_text(const char *text, size_t len, const sp_ad *ad,
                      sp_arena *arena, sp_cval *out, char *err, size_t errlen);

/* The value of attribute `name` of ad: literal values as they are, an
 * SP_CV_EXPR evaluated, an absent attribute UNDEFINED. Returns as
 * sp_expr_eval. */
int sp_expr_eval_attr(const sp_ad *ad, const char *name, sp_arena *arena,
                    sp_cval *out, char *err, size_t errlen);

/* A cache of parsed attribute expressions (ads of a schedd repeat the same
 * texts). Not thread-safe: one per thread. Owned by the caller. */
typedef struct sp_expr_cache sp_expr_cache;
sp_expr_cache *sp_expr_cache_new(void);
void sp_expr_cache_free(sp_expr_cache *k);
/* sp_expr_eval_attr, parsing expressions through cache (NULL: no cache). */
int sp_expr_eval_attr_cached(const sp_ad *ad, const char *name, sp_expr_cache *cache, sp_arena *arena,
                           sp_cval *out, char *err, size_t errlen);

#endif
