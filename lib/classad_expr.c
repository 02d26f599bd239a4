/* classad_expr.c - the ClassAd expression evaluator of classad_expr.h:
 * a lexer and recursive-descent parser that follow HTCondor's
 * src/classad/lexer.cpp and source.cpp (same precedence, same tokens), and
 * an evaluator that follows operators.cpp, fnCall.cpp and value.cpp.
 *
 * Results are checked against HTCondor's libclassad itself, configured as
 * the reference spider's process has it (htcondor imported: old-ClassAd
 * MY./TARGET. semantics, HTCondor's stringList* functions), by
 * unit.classad_oracle (tests/oracle/). Where HTCondor's C++ has undefined
 * behaviour we compute what it does on x86-64: integer arithmetic wraps,
 * shift counts are taken modulo 64, a real out of the range of an integer
 * converts to LLONG_MIN. A real result of +inf is ERROR, -inf and NaN stay
 * reals (as doRealArithmetic); a circular reference fails the whole
 * evaluation (libclassad's Evaluate fails, the Python bindings raise), which
 * sp_expr_eval reports as an ERROR result.
 *
 * Deliberate differences from HTCondor, all for safety:
 *  - list elements are evaluated when the list is, not lazily;
 *  - regexp() uses POSIX extended regexes; a pattern using PCRE-only
 *    syntax (\d outside brackets is translated) makes the evaluation
 *    unsupported (-1) instead of silently matching differently;
 *  - unknown functions are unsupported (-1), not ERROR; so are time(),
 *    random() and CurrentTime, whose values depend on when they run.
 *
 * Limits: parser nesting 200 levels and tree height 1000 (syntax error
 * beyond), evaluation depth 2000 and attribute recursion 32 (ERROR
 * beyond), one million steps and 16 MiB of new values per evaluation
 * (unsupported, -1, beyond) so that no input hangs or exhausts memory.
 *
 * The files: this one evaluates (the parse cache, attribute references,
 * operators, the entry points of classad_expr.h); classad_expr_lex.c,
 * classad_expr_parse.c and classad_expr_fn.c hold the lexer, the parser and
 * the function library, over what classad_expr_internal.h shares.
 *
 * Ownership: an sp_expr owns a private pool holding its nodes and decoded
 * literal strings; sp_expr_free releases it at once. Evaluation results
 * that would point into a pool are copied into the caller's arena before
 * they leave the evaluator. */
#include "classad_expr_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* ------------------------------------------------------------------ */
/* The parse cache: ads of one schedd repeat the same expression texts
 * (Requirements, RequestMemory, ...), so each is parsed once. Open
 * addressing on the text's hash. Emptied whole when half full, but only
 * at the start of a top-level evaluation: during one, cached expressions
 * are being evaluated up the stack (found by fuzz_convert). */

#define CACHE_SLOTS 2048

typedef struct {
    uint64_t hash;
    char *text;
    size_t len;
    sp_expr *e;
} cache_slot;

struct sp_expr_cache {
    cache_slot slots[CACHE_SLOTS];
    size_t used;
};

sp_expr_cache *sp_expr_cache_new(void)
{
    return calloc(1, sizeof(sp_expr_cache));
}

static void cache_clear(sp_expr_cache *k)
{
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        free(k->slots[i].text);
        sp_expr_free(k->slots[i].e);
    }
    memset(k->slots, 0, sizeof(k->slots));
    k->used = 0;
}

void sp_expr_cache_free(sp_expr_cache *k)
{
    if (!k)
        return;
    cache_clear(k);
    free(k);
}

/* The names' hash serves (texts differing only in case merely collide). */
static uint64_t text_hash(const char *s, size_t len)
{
    uint64_t h = sp_hash_name(s, len);
    return h ? h : 1;
}

/* The parsed text, from the cache or parsed now (and kept). With no cache
 * the caller owns the result (*owned = 1). */
static sp_expr *cached_parse(sp_expr_cache *k, const char *text, size_t len, int *owned, char *err, size_t errlen)
{
    *owned = 0;
    if (!k) {
        *owned = 1;
        return sp_expr_parse(text, len, err, errlen);
    }
    uint64_t h = text_hash(text, len);
    size_t i = (size_t)h & (CACHE_SLOTS - 1);
    for (; k->slots[i].hash; i = (i + 1) & (CACHE_SLOTS - 1))
        if (k->slots[i].hash == h && k->slots[i].len == len && !memcmp(k->slots[i].text, text, len))
            return k->slots[i].e;
    sp_expr *e = sp_expr_parse(text, len, err, errlen);
    if (!e)
        return NULL;
    if (k->used >= CACHE_SLOTS / 2) {    /* full: this one is not kept (expressions */
        *owned = 1;                      /* up the stack may be cached ones in use) */
        return e;
    }
    char *copy = malloc(len + 1);
    if (!copy) {
        *owned = 1;
        return e;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    k->slots[i] = (cache_slot){ h, copy, len, e };
    k->used++;
    return e;
}

int sp_expr_unsupported(evctx *c, const char *fmt, ...)
{
    if (c->err && c->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->err, c->errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

void *sp_expr_ev_alloc(evctx *c, size_t n)
{
    if (n > ALLOC_BUDGET || c->alloc + n > ALLOC_BUDGET)
        return NULL;
    c->alloc += n;
    return sp_arena_alloc(c->arena, n ? n : 1);
}

int sp_expr_ev_nomem(evctx *c)
{
    if (c->alloc >= ALLOC_BUDGET / 2)
        return sp_expr_unsupported(c, "evaluation needs too much memory");
    return sp_expr_unsupported(c, "out of memory");
}

/* A STRING value of s[0..len) copied into the arena. */
int sp_expr_make_string(evctx *c, const char *s, size_t len, sp_cval *out)
{
    char *d = sp_expr_ev_alloc(c, len + 1);
    if (!d)
        return sp_expr_ev_nomem(c);
    if (len)
        memcpy(d, s, len);
    d[len] = '\0';
    out->type = SP_CV_STRING;
    out->u.str.s = d;
    out->u.str.len = len;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Values leaving a pool are copied into the arena.                      */

static int needs_export(const pool_chunk *pool, const sp_cval *v, int depth)
{
    if (v->type == SP_CV_STRING)
        return sp_expr_pool_owns(pool, v->u.str.s);
    if (v->type != SP_CV_LIST || depth > MAX_TREE_HEIGHT)
        return 0;
    for (size_t i = 0; i < v->u.list.n; i++)
        if (needs_export(pool, &v->u.list.items[i], depth + 1))
            return 1;
    return 0;
}

static int export_value(evctx *c, const pool_chunk *pool, sp_cval *v, int depth)
{
    if (!needs_export(pool, v, depth))
        return 0;
    if (v->type == SP_CV_STRING)
        return sp_expr_make_string(c, v->u.str.s, v->u.str.len, v);
    size_t n = v->u.list.n;
    sp_cval *items = sp_expr_ev_alloc(c, n * sizeof(*items));
    if (!items)
        return sp_expr_ev_nomem(c);
    for (size_t i = 0; i < n; i++) {
        items[i] = v->u.list.items[i];
        if (export_value(c, pool, &items[i], depth + 1) < 0)
            return -1;
    }
    v->u.list.items = items;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Attribute references.                                                */

static int active_has(const evctx *c, const sp_cval *v)
{
    for (int i = 0; i < c->nactive; i++)
        if (c->active[i] == v)
            return 1;
    return 0;
}

/* The value of an attribute value v of ad: an EXPR is parsed and
 * evaluated in ad's scope; a circular or too deep reference is ERROR. */
int sp_expr_resolve(evctx *c, const sp_ad *ad, const sp_cval *v, sp_cval *out)
{
    if (v->type != SP_CV_EXPR) {
        *out = *v;
        return 0;
    }
    if (active_has(c, v)) {       /* libclassad fails the whole evaluation */
        c->circular = 1;
        return sp_expr_unsupported(c, "circular attribute reference");
    }
    if (c->nactive >= MAX_ATTR_DEPTH) {
        set_type(out, SP_CV_ERROR);
        return 0;
    }
    if (c->steps < 0 || (c->steps -= (long)(v->u.str.len / 8) + 1) < 0)
        return sp_expr_unsupported(c, "evaluation takes too many steps");
    char perr[160];
    int owned;
    sp_expr *sub = cached_parse(c->cache, v->u.str.s, v->u.str.len, &owned, perr, sizeof(perr));
    if (!sub)
        return sp_expr_unsupported(c, "attribute expression: %s", perr);
    c->active[c->nactive++] = v;
    int rc = sp_expr_eval_node(c, sub->root, ad, out);
    c->nactive--;
    if (rc == 0)
        rc = export_value(c, sub->pool, out, 0);
    if (owned)
        sp_expr_free(sub);
    return rc;
}

/* A name the ad does not have: MY is the ad itself and CurrentTime the
 * clock, as in HTCondor's (old ClassAd) semantics; anything else UNDEFINED. */
static int lookup_missing(evctx *c, const sp_ad *ad, const char *name, size_t len, sp_cval *out)
{
    if (ad && sp_expr_word_is(name, len, "my")) {
        out->type = SP_CV_AD;
        out->u.ad = (sp_ad *)ad;
        return 0;
    }
    if (sp_expr_word_is(name, len, "currenttime"))
        return sp_expr_unsupported(c, "CurrentTime depends on when it is evaluated");
    set_type(out, SP_CV_UNDEFINED);
    return 0;
}

static int lookup(evctx *c, const sp_ad *ad, const char *name, size_t len, sp_cval *out)
{
    const sp_cval *v = ad ? sp_ad_get(ad, name, len) : NULL;
    if (!v)
        return lookup_missing(c, ad, name, len, out);
    return sp_expr_resolve(c, ad, v, out);
}

static int eval_attr(evctx *c, const node *n, const sp_ad *ad, sp_cval *out)
{
    if (n->scope == SCOPE_TARGET) {
        set_type(out, SP_CV_UNDEFINED);
        return 0;
    }
    return lookup(c, ad, n->name, n->name_len, out);
}

/* base.name: an attribute of a nested ad, in that ad's scope. */
static int eval_select(evctx *c, const node *n, const sp_ad *ad, sp_cval *out)
{
    sp_cval base;
    if (sp_expr_eval_node(c, n->a, ad, &base) < 0)
        return -1;
    if (base.type == SP_CV_AD)
        return lookup(c, base.u.ad, n->name, n->name_len, out);
    set_type(out, base.type == SP_CV_UNDEFINED ? SP_CV_UNDEFINED : SP_CV_ERROR);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Operators (operators.cpp).                                           */

typedef enum { K_AD, K_LIST, K_STRING, K_UNDEF, K_ERROR, K_INT, K_REAL } num_kind;

/* coerceToNumber: bools become ints, an int meeting a real becomes real. */
static num_kind coerce(sp_cval *a, sp_cval *b)
{
    if (a->type == SP_CV_AD || b->type == SP_CV_AD) return K_AD;
    if (a->type == SP_CV_LIST || b->type == SP_CV_LIST) return K_LIST;
    if (a->type == SP_CV_STRING || b->type == SP_CV_STRING) return K_STRING;
    if (a->type == SP_CV_UNDEFINED || b->type == SP_CV_UNDEFINED) return K_UNDEF;
    if (a->type == SP_CV_ERROR || b->type == SP_CV_ERROR) return K_ERROR;
    if (a->type == SP_CV_BOOL) set_int(a, a->u.b);
    if (b->type == SP_CV_BOOL) set_int(b, b->u.b);
    if (a->type == SP_CV_INT && b->type == SP_CV_INT) return K_INT;
    if (a->type == SP_CV_INT) set_real(a, (double)a->u.i);
    if (b->type == SP_CV_INT) set_real(b, (double)b->u.i);
    return K_REAL;
}

static int cmp_result(tok_type op, int cmp)
{
    switch (op) {
    case T_LT: return cmp < 0;
    case T_LE: return cmp <= 0;
    case T_GT: return cmp > 0;
    case T_GE: return cmp >= 0;
    case T_EQ: case T_META_EQ: return cmp == 0;
    default: return cmp != 0;     /* T_NE, T_META_NE */
    }
}

static int three_way_real(double x, double y)
{
    return x < y ? -1 : x > y ? 1 : x == y ? 0 : 2;  /* 2: unordered */
}

/* Comparison of two values that are neither ERROR nor UNDEFINED for the
 * ordinary operators (doComparison). */
void sp_expr_compare(tok_type op, sp_cval a, sp_cval b, sp_cval *out)
{
    int meta = op == T_META_EQ || op == T_META_NE;
    num_kind k;
    if (meta) {
        if (a.type != b.type) {
            set_bool(out, op == T_META_NE);
            return;
        }
        if (is_exceptional(&a)) {
            set_bool(out, op == T_META_EQ);
            return;
        }
        k = a.type == SP_CV_STRING ? K_STRING : a.type == SP_CV_INT ? K_INT
          : a.type == SP_CV_REAL ? K_REAL : a.type == SP_CV_BOOL ? K_INT : K_LIST;
    } else {
        k = coerce(&a, &b);
    }
    switch (k) {
    case K_STRING:
        if (a.type != SP_CV_STRING || b.type != SP_CV_STRING) {
            set_type(out, SP_CV_ERROR);
            return;
        }
        set_bool(out, cmp_result(op, ci_cmp(a.u.str.s, a.u.str.len, b.u.str.s,
                                            b.u.str.len, !meta)));
        return;
    case K_INT: {
        long long x = a.type == SP_CV_BOOL ? a.u.b : a.u.i;
        long long y = b.type == SP_CV_BOOL ? b.u.b : b.u.i;
        set_bool(out, cmp_result(op, x < y ? -1 : x > y));
        return;
    }
    case K_REAL: {
        int r = three_way_real(a.u.r, b.u.r);
        set_bool(out, r == 2 ? (op == T_NE || op == T_META_NE) : cmp_result(op, r));
        return;
    }
    default:
        set_type(out, SP_CV_ERROR);   /* lists, ads */
        return;
    }
}

static long long wrap_op(tok_type op, long long x, long long y)
{
    unsigned long long ux = (unsigned long long)x, uy = (unsigned long long)y;
    switch (op) {
    case T_PLUS: return (long long)(ux + uy);
    case T_MINUS: return (long long)(ux - uy);
    default: return (long long)(ux * uy);
    }
}

static void int_arith(tok_type op, long long x, long long y, sp_cval *out)
{
    if (op == T_DIV || op == T_MOD) {
        if (y == 0)
            set_type(out, SP_CV_ERROR);
        else if (x == LLONG_MIN && y == -1)
            set_int(out, op == T_DIV ? LLONG_MAX : 0);
        else
            set_int(out, op == T_DIV ? x / y : x % y);
        return;
    }
    set_int(out, wrap_op(op, x, y));
}

static void real_arith(tok_type op, double x, double y, sp_cval *out)
{
    double r;
    switch (op) {
    case T_PLUS: r = x + y; break;
    case T_MINUS: r = x - y; break;
    case T_MUL: r = x * y; break;
    case T_DIV: r = x / y; break;
    default: set_type(out, SP_CV_ERROR); return;   /* real % is EDOM */
    }
    if (r == HUGE_VAL)                 /* doRealArithmetic: +inf only */
        set_type(out, SP_CV_ERROR);
    else
        set_real(out, r);
}

/* + - * / % on operands that are neither ERROR nor UNDEFINED. */
void sp_expr_arith(tok_type op, sp_cval a, sp_cval b, sp_cval *out)
{
    if (!is_number(&a) || !is_number(&b)) {
        set_type(out, SP_CV_ERROR);
        return;
    }
    if (coerce(&a, &b) == K_INT)
        int_arith(op, a.u.i, b.u.i, out);
    else
        real_arith(op, a.u.r, b.u.r, out);
}

static void bitwise(tok_type op, const sp_cval *a, const sp_cval *b, sp_cval *out)
{
    if (a->type != SP_CV_INT || b->type != SP_CV_INT) {
        set_type(out, SP_CV_ERROR);
        return;
    }
    unsigned long long x = (unsigned long long)a->u.i;
    long long y = b->u.i;
    /* doBitwise on x86-64, where a shift count is taken modulo 64 */
    unsigned sh = (unsigned)((unsigned long long)y & 63);
    switch (op) {
    case T_BAND: set_int(out, (long long)(x & (unsigned long long)y)); break;
    case T_BOR: set_int(out, (long long)(x | (unsigned long long)y)); break;
    case T_BXOR: set_int(out, (long long)(x ^ (unsigned long long)y)); break;
    case T_LSHIFT: set_int(out, (long long)(x << sh)); break;
    case T_URSHIFT:   /* negative: shifted by one, sign cleared, then by y - 1 */
        if (a->u.i >= 0)
            set_int(out, (long long)(x >> sh));
        else
            set_int(out, (long long)((x >> 1) >> (((unsigned long long)y - 1) & 63)));
        break;
    default:          /* >>: negative values shifted min(64, y) times, sign kept */
        if (a->u.i >= 0)
            set_int(out, (long long)(x >> sh));
        else if (y <= 0)
            set_int(out, a->u.i);
        else
            set_int(out, y >= 63 ? -1 : (long long)~(~x >> y));
        break;
    }
}

/* Strict operators: ERROR first, then UNDEFINED, propagate. */
int sp_expr_strict_exceptional(const sp_cval *a, const sp_cval *b, sp_cval *out)
{
    if (a->type == SP_CV_ERROR || (b && b->type == SP_CV_ERROR)) {
        set_type(out, SP_CV_ERROR);
        return 1;
    }
    if (a->type == SP_CV_UNDEFINED || (b && b->type == SP_CV_UNDEFINED)) {
        set_type(out, SP_CV_UNDEFINED);
        return 1;
    }
    return 0;
}

static int eval_unary(evctx *c, const node *n, const sp_ad *ad, sp_cval *out)
{
    sp_cval a;
    if (sp_expr_eval_node(c, n->a, ad, &a) < 0)
        return -1;
    int b;
    if (n->op == T_PLUS) {   /* not strict: numbers and exceptional pass */
        if (a.type == SP_CV_INT || a.type == SP_CV_REAL || is_exceptional(&a))
            *out = a;
        else
            set_type(out, SP_CV_ERROR);
        return 0;
    }
    if (sp_expr_strict_exceptional(&a, NULL, out))
        return 0;
    if (n->op == T_MINUS && a.type == SP_CV_INT)
        set_int(out, (long long)(0ULL - (unsigned long long)a.u.i));
    else if (n->op == T_MINUS && a.type == SP_CV_REAL)
        set_real(out, -a.u.r);
    else if (n->op == T_NOT && bool_equiv(&a, &b))
        set_bool(out, !b);
    else if (n->op == T_BNOT && a.type == SP_CV_INT)
        set_int(out, ~a.u.i);
    else
        set_type(out, SP_CV_ERROR);   /* includes -true, as HTCondor */
    return 0;
}

/* && and || (doLogical after shortCircuit). */
static int eval_logic(evctx *c, const node *n, const sp_ad *ad, sp_cval *out)
{
    int is_and = n->op == T_LAND, b1, b2;
    sp_cval a, b;
    if (sp_expr_eval_node(c, n->a, ad, &a) < 0)
        return -1;
    int a_bool = bool_equiv(&a, &b1);
    if (a_bool && b1 == !is_and) {
        set_bool(out, b1);
        return 0;
    }
    if (a.type == SP_CV_ERROR || (!a_bool && a.type != SP_CV_UNDEFINED)) {
        /* the right side is evaluated on (only its failure can matter),
         * the result is ERROR either way */
        if (sp_expr_eval_node(c, n->b, ad, &b) < 0)
            return -1;
        set_type(out, SP_CV_ERROR);
        return 0;
    }
    if (sp_expr_eval_node(c, n->b, ad, &b) < 0)
        return -1;
    int b_bool = bool_equiv(&b, &b2);
    if (!b_bool && !is_exceptional(&b))
        set_type(out, SP_CV_ERROR);
    else if (a_bool)                       /* left was the neutral value */
        b_bool ? set_bool(out, b2) : set_type(out, b.type);
    else if (!b_bool)                      /* UNDEFINED op exceptional */
        set_type(out, b.type);
    else if (b2 == !is_and)                /* UNDEFINED || true, && false */
        set_bool(out, b2);
    else
        set_type(out, SP_CV_UNDEFINED);
    return 0;
}

/* list[i] (subscript, strict). Ads subscripted by name are looked up. */
static int subscript(evctx *c, const sp_ad *ad, const sp_cval *a, const sp_cval *i, sp_cval *out)
{
    if (a->type == SP_CV_AD && i->type == SP_CV_STRING)
        return lookup(c, a->u.ad, i->u.str.s, i->u.str.len, out);
    if (a->type != SP_CV_LIST || i->type != SP_CV_INT || i->u.i < 0 ||
        (unsigned long long)i->u.i >= a->u.list.n) {
        set_type(out, SP_CV_ERROR);
        return 0;
    }
    return sp_expr_resolve(c, ad, &a->u.list.items[i->u.i], out);
}

static int eval_binary(evctx *c, const node *n, const sp_ad *ad, sp_cval *out)
{
    if (n->op == T_LAND || n->op == T_LOR)
        return eval_logic(c, n, ad, out);
    sp_cval a, b;
    if (sp_expr_eval_node(c, n->a, ad, &a) < 0)
        return -1;
    /* a ?: b is libclassad's ternary without a middle: a false-like a
     * (false, 0, 0.0) is the result at once, otherwise b is evaluated too
     * (so a failing b fails 7 ?: b) and the result is b only when a is
     * UNDEFINED */
    int ab;
    if (n->op == T_ELVIS && bool_equiv(&a, &ab) && !ab) {
        *out = a;
        return 0;
    }
    if (sp_expr_eval_node(c, n->b, ad, &b) < 0)
        return -1;
    switch (n->op) {
    case T_ELVIS: *out = a.type == SP_CV_UNDEFINED ? b : a; return 0;
    case T_META_EQ: case T_META_NE: sp_expr_compare(n->op, a, b, out); return 0;
    default: break;
    }
    if (sp_expr_strict_exceptional(&a, &b, out))
        return 0;
    switch (n->op) {
    case T_LT: case T_LE: case T_GT: case T_GE: case T_EQ: case T_NE:
        sp_expr_compare(n->op, a, b, out);
        return 0;
    case T_PLUS: case T_MINUS: case T_MUL: case T_DIV: case T_MOD:
        sp_expr_arith(n->op, a, b, out);
        return 0;
    case T_LBOX:
        return subscript(c, ad, &a, &b, out);
    default:
        bitwise(n->op, &a, &b, out);
        return 0;
    }
}

static int eval_ternary(evctx *c, const node *n, const sp_ad *ad, sp_cval *out)
{
    sp_cval cond;
    int b;
    if (sp_expr_eval_node(c, n->a, ad, &cond) < 0)
        return -1;
    if (bool_equiv(&cond, &b))
        return sp_expr_eval_node(c, b ? n->b : n->c, ad, out);
    /* a selector that is not boolean: libclassad evaluates both branches
     * before it gives UNDEFINED or ERROR (so a failing branch fails it) */
    sp_cval ignored;
    if (sp_expr_eval_node(c, n->b, ad, &ignored) < 0 || sp_expr_eval_node(c, n->c, ad, &ignored) < 0)
        return -1;
    set_type(out, cond.type == SP_CV_UNDEFINED ? SP_CV_UNDEFINED : SP_CV_ERROR);
    return 0;
}

static int eval_list(evctx *c, const node *n, const sp_ad *ad, sp_cval *out)
{
    sp_cval *items = sp_expr_ev_alloc(c, n->n * sizeof(*items));
    if (!items)
        return sp_expr_ev_nomem(c);
    for (size_t i = 0; i < n->n; i++) {
        if (sp_expr_eval_node(c, n->args[i], ad, &items[i]) == 0)
            continue;
        if (!c->circular)
            return -1;
        /* libclassad evaluates items lazily: a circular one fails only
         * itself, as an ERROR item */
        c->circular = 0;
        set_type(&items[i], SP_CV_ERROR);
    }
    out->type = SP_CV_LIST;
    out->u.list.items = items;
    out->u.list.n = n->n;
    return 0;
}

/* ------------------------------------------------------------------ */

int sp_expr_eval_node(evctx *c, const node *n, const sp_ad *ad, sp_cval *out)
{
    if (--c->steps < 0)
        return sp_expr_unsupported(c, "evaluation takes too many steps");
    if (c->depth >= MAX_EVAL_DEPTH) {
        set_type(out, SP_CV_ERROR);
        return 0;
    }
    c->depth++;
    int rc = 0;
    switch (n->kind) {
    case N_LIT: *out = n->lit; break;
    case N_LIST: rc = eval_list(c, n, ad, out); break;
    case N_ATTR: rc = eval_attr(c, n, ad, out); break;
    case N_SELECT: rc = eval_select(c, n, ad, out); break;
    case N_UNARY: rc = eval_unary(c, n, ad, out); break;
    case N_BINARY: rc = eval_binary(c, n, ad, out); break;
    case N_TERNARY: rc = eval_ternary(c, n, ad, out); break;
    case N_CALL: rc = sp_expr_eval_call(c, n, ad, out); break;
    default: rc = sp_expr_unsupported(c, "nested ad literals are not supported"); break;
    }
    c->depth--;
    return rc;
}

static void ctx_init(evctx *c, sp_arena *arena, char *err, size_t errlen)
{
    memset(c, 0, sizeof(*c));
    c->arena = arena;
    c->err = err;
    c->errlen = errlen;
    c->steps = STEP_BUDGET;
}

int sp_expr_eval(const sp_expr *e, const sp_ad *ad, sp_arena *arena,
                 sp_cval *out, char *err, size_t errlen)
{
    evctx c;
    ctx_init(&c, arena, err, errlen);
    set_type(out, SP_CV_ERROR);
    if (!e || !arena)
        return sp_expr_unsupported(&c, "no expression or arena");
    if (sp_expr_eval_node(&c, e->root, ad, out) < 0 || export_value(&c, e->pool, out, 0) < 0) {
        set_type(out, SP_CV_ERROR);
        return c.circular ? 0 : -1;
    }
    return 0;
}

int sp_expr_eval_text(const char *text, size_t len, const sp_ad *ad,
                      sp_arena *arena, sp_cval *out, char *err, size_t errlen)
{
    sp_expr *e = sp_expr_parse(text, len, err, errlen);
    if (!e) {
        set_type(out, SP_CV_ERROR);
        return -1;
    }
    int rc = sp_expr_eval(e, ad, arena, out, err, errlen);
    sp_expr_free(e);
    return rc;
}

int sp_expr_eval_attr(const sp_ad *ad, const char *name, sp_arena *arena,
                    sp_cval *out, char *err, size_t errlen)
{
    return sp_expr_eval_attr_cached(ad, name, NULL, arena, out, err, errlen);
}

int sp_expr_eval_attr_cached(const sp_ad *ad, const char *name, sp_expr_cache *cache, sp_arena *arena,
                           sp_cval *out, char *err, size_t errlen)
{
    evctx c;
    ctx_init(&c, arena, err, errlen);
    if (cache && cache->used >= CACHE_SLOTS / 2)
        cache_clear(cache);              /* nothing of it is in use here */
    c.cache = cache;
    set_type(out, SP_CV_UNDEFINED);
    if (!ad || !name)
        return 0;
    const sp_cval *v = sp_ad_get(ad, name, strlen(name));
    if (!v)
        return 0;
    if (v->type != SP_CV_EXPR) {
        *out = *v;
        return 0;
    }
    if (!arena)
        return sp_expr_unsupported(&c, "no arena");
    if (sp_expr_resolve(&c, ad, v, out) < 0) {
        set_type(out, SP_CV_ERROR);
        return c.circular ? 0 : -1;
    }
    return 0;
}
