/* classad_expr_internal.h - what the files of the ClassAd expression
 * evaluator share, and nothing else includes: limits, the parse tree's pool,
 * tokens, the tree, the evaluation context, the value helpers, and the
 * functions one file calls in another. The files:
 *
 *   classad_expr_lex.c    tokens (lexer.cpp)
 *   classad_expr_parse.c  the pool and the recursive-descent parser (source.cpp)
 *   classad_expr.c        evaluation: the parse cache, references, operators
 *                         (operators.cpp), and the public entry points
 *   classad_expr_fn.c     conversions (value.cpp) and the function library
 *                         (fnCall.cpp, compat_classad.cpp)
 *
 * What the evaluator does and where it deliberately differs from HTCondor is
 * said at the top of classad_expr.c. */
#ifndef SPIDER_CLASSAD_EXPR_INTERNAL_H
#define SPIDER_CLASSAD_EXPR_INTERNAL_H

#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "classad_expr.h"

/* Limits (see classad_expr.c). */
#define MAX_PARSE_DEPTH 200
#define MAX_TREE_HEIGHT 1000
#define MAX_EVAL_DEPTH 2000
#define MAX_ATTR_DEPTH 32
#define STEP_BUDGET 1000000L
#define ALLOC_BUDGET (16u << 20)

/* ------------------------------------------------------------------ */
/* Pool: the parse tree's memory, freed all at once.                   */

typedef struct pool_chunk {
    struct pool_chunk *next;
    size_t size, used;
} pool_chunk;

#define POOL_HDR ((sizeof(pool_chunk) + 15) & ~(size_t)15)
#define POOL_CHUNK 4096

/* ------------------------------------------------------------------ */
/* Tokens and lexer (lexer.cpp).                                        */

typedef enum {
    T_END, T_BAD, T_INT, T_REAL, T_BOOL, T_STR, T_UNDEF, T_ERRV, T_IDENT,
    T_DOT, T_MUL, T_DIV, T_MOD, T_PLUS, T_MINUS, T_BNOT, T_BXOR, T_QMARK,
    T_ELVIS, T_COLON, T_SEMI, T_COMMA, T_LBOX, T_RBOX, T_LPAREN, T_RPAREN,
    T_LBRACE, T_RBRACE, T_BAND, T_LAND, T_BOR, T_LOR, T_LT, T_LE, T_LSHIFT,
    T_GT, T_GE, T_RSHIFT, T_URSHIFT, T_ASSIGN, T_EQ, T_META_EQ, T_META_NE,
    T_NOT, T_NE,
} tok_type;

typedef struct {
    tok_type type;
    size_t pos;          /* offset in the text, for messages */
    long long i;         /* INT, BOOL */
    double r;            /* REAL */
    const char *s;       /* STR, IDENT: decoded, NUL-terminated, in pool */
    size_t len;
    const char *why;     /* BAD: what is wrong */
} token;

typedef struct {
    const char *text;
    size_t len, pos;
    pool_chunk **pool;
    token tok;           /* the lookahead */
    tok_type prev;       /* type of the token before the lookahead */
} lexer;

/* ------------------------------------------------------------------ */
/* Parse tree.                                                          */

typedef enum {
    N_LIT,       /* lit */
    N_LIST,      /* args[n] */
    N_ATTR,      /* name, scope */
    N_SELECT,    /* a.name */
    N_UNARY,     /* op a */
    N_BINARY,    /* a op b (also T_ELVIS, T_LBOX = subscript) */
    N_TERNARY,   /* a ? b : c */
    N_CALL,      /* name(args[n]) */
    N_ADLIT,     /* [ ... ]: unsupported */
} node_kind;

enum { SCOPE_NONE, SCOPE_MY, SCOPE_TARGET };

typedef struct node {
    node_kind kind;
    tok_type op;
    int height;
    int scope;
    sp_cval lit;
    const char *name;
    size_t name_len;
    struct node *a, *b, *c;
    struct node **args;
    size_t n;
} node;

struct sp_expr {
    pool_chunk *pool;    /* owns every node and literal string */
    node *root;
};

/* ------------------------------------------------------------------ */
/* Evaluation state.                                                    */

typedef struct {
    sp_arena *arena;
    char *err;
    size_t errlen;
    long steps;                   /* left of STEP_BUDGET */
    size_t alloc;                 /* bytes put into arena */
    int depth;                    /* eval_node recursion */
    int nactive;
    const sp_cval *active[MAX_ATTR_DEPTH + 1]; /* attributes being evaluated */
    int circular;                 /* a circular reference aborted the evaluation */
    sp_expr_cache *cache;         /* parsed attribute expressions, or NULL */
} evctx;


/* ------------------------------------------------------------------ */
/* Value helpers.                                                       */

static inline void set_bool(sp_cval *v, int b)
{
    v->type = SP_CV_BOOL;
    v->u.b = b != 0;
}
static inline void set_int(sp_cval *v, long long i)
{
    v->type = SP_CV_INT;
    v->u.i = i;
}
static inline void set_real(sp_cval *v, double r)
{
    v->type = SP_CV_REAL;
    v->u.r = r;
}
static inline void set_type(sp_cval *v, sp_cv_type t)
{
    memset(v, 0, sizeof(*v));
    v->type = t;
}

static inline int is_exceptional(const sp_cval *v)
{
    return v->type == SP_CV_UNDEFINED || v->type == SP_CV_ERROR;
}

/* IsBooleanValueEquiv: bool, or a number (non-zero is true). */
static inline int bool_equiv(const sp_cval *v, int *b)
{
    switch (v->type) {
    case SP_CV_BOOL: *b = v->u.b; return 1;
    case SP_CV_INT: *b = v->u.i != 0; return 1;
    case SP_CV_REAL: *b = v->u.r != 0.0; return 1;
    default: return 0;
    }
}

static inline int is_number(const sp_cval *v)
{
    return v->type == SP_CV_BOOL || v->type == SP_CV_INT || v->type == SP_CV_REAL;
}

static inline double num_real(const sp_cval *v)
{
    return v->type == SP_CV_REAL ? v->u.r : v->type == SP_CV_INT ? (double)v->u.i : (double)v->u.b;
}

/* A double to long long as the x86-64 conversion libclassad's casts
 * compile to: NaN and out of range give LLONG_MIN. */
static inline long long real_to_ll(double r)
{
    if (!(r >= -9223372036854775808.0 && r < 9223372036854775808.0))
        return LLONG_MIN;
    return (long long)r;
}

static inline int ci_cmp(const char *a, size_t an, const char *b, size_t bn, int fold)
{
    size_t n = an < bn ? an : bn;
    for (size_t i = 0; i < n; i++) {
        int x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (fold) {
            x = tolower(x);
            y = tolower(y);
        }
        if (x != y)
            return x < y ? -1 : 1;
    }
    return an == bn ? 0 : an < bn ? -1 : 1;
}

/* ------------------------------------------------------------------ */
/* Across the files.                                                    */

void *sp_expr_pool_alloc(pool_chunk **head, size_t n);
int sp_expr_pool_owns(const pool_chunk *c, const void *p);
void sp_expr_lex_next(lexer *lx);
int sp_expr_eval_node(evctx *c, const node *n, const sp_ad *ad, sp_cval *out);
int sp_expr_eval_call(evctx *c, const node *n, const sp_ad *ad, sp_cval *out);
int sp_expr_unsupported(evctx *c, const char *fmt, ...);
void *sp_expr_ev_alloc(evctx *c, size_t n);
int sp_expr_ev_nomem(evctx *c);
int sp_expr_make_string(evctx *c, const char *s, size_t len, sp_cval *out);
int sp_expr_word_is(const char *s, size_t n, const char *w);
int sp_expr_is_space(int c);
int sp_expr_resolve(evctx *c, const sp_ad *ad, const sp_cval *v, sp_cval *out);
void sp_expr_compare(tok_type op, sp_cval a, sp_cval b, sp_cval *out);
void sp_expr_arith(tok_type op, sp_cval a, sp_cval b, sp_cval *out);
int sp_expr_strict_exceptional(const sp_cval *a, const sp_cval *b, sp_cval *out);

#endif
