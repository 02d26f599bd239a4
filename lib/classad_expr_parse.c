/* classad_expr_parse.c - the recursive-descent parser of ClassAd
 * expressions, same precedence as HTCondor's source.cpp, building a tree in a
 * pool freed at once (see classad_expr_internal.h). */
#include "classad_expr_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static unsigned char *chunk_data(pool_chunk *c)
{
    return (unsigned char *)c + POOL_HDR;
}

/* 16-aligned memory owned by *head; NULL when out of memory. */
void *sp_expr_pool_alloc(pool_chunk **head, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    pool_chunk *c = *head;
    if (!c || c->used + n > c->size) {
        size_t size = n > POOL_CHUNK ? n : POOL_CHUNK;
        c = malloc(POOL_HDR + size);
        if (!c)
            return NULL;
        c->size = size;
        c->used = 0;
        c->next = *head;
        *head = c;
    }
    void *p = chunk_data(c) + c->used;
    c->used += n;
    return p;
}

static void pool_free(pool_chunk *c)
{
    while (c) {
        pool_chunk *next = c->next;
        free(c);
        c = next;
    }
}

int sp_expr_pool_owns(const pool_chunk *c, const void *p)
{
    uintptr_t q = (uintptr_t)p;
    for (; c; c = c->next) {
        uintptr_t lo = (uintptr_t)chunk_data((pool_chunk *)c);
        if (q >= lo && q < lo + c->size)
            return 1;
    }
    return 0;
}


typedef struct {
    lexer lx;
    int depth;
    char *err;
    size_t errlen;
    int failed;
} parser;

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static node *fail(parser *p, const char *why)
{
    if (!p->failed) {
        p->failed = 1;
        set_err(p->err, p->errlen, "syntax error at offset %zu: %s",
                p->lx.tok.pos, why);
    }
    return NULL;
}

static node *new_node(parser *p, node_kind kind, node *a, node *b, node *c)
{
    node *n = sp_expr_pool_alloc(p->lx.pool, sizeof(*n));
    if (!n)
        return fail(p, "out of memory");
    memset(n, 0, sizeof(*n));
    n->kind = kind;
    n->a = a;
    n->b = b;
    n->c = c;
    int h = 0;
    if (a && a->height > h) h = a->height;
    if (b && b->height > h) h = b->height;
    if (c && c->height > h) h = c->height;
    n->height = h + 1;
    if (n->height > MAX_TREE_HEIGHT)
        return fail(p, "expression nested too deeply");
    return n;
}

static int accept(parser *p, tok_type t)
{
    if (p->lx.tok.type != t)
        return 0;
    sp_expr_lex_next(&p->lx);
    return 1;
}

static int enter(parser *p)
{
    if (++p->depth > MAX_PARSE_DEPTH) {
        fail(p, "expression nested too deeply");
        return 0;
    }
    return 1;
}

static node *parse_expr(parser *p);
static node *parse_unary(parser *p);
static node *parse_postfix(parser *p);

static node *binary(parser *p, tok_type op, node *a, node *b)
{
    if (!a || !b)
        return NULL;
    node *n = new_node(p, N_BINARY, a, b, NULL);
    if (n)
        n->op = op;
    return n;
}

/* One level of left-associative binary operators: ops[] ends with T_END. */
typedef node *(*level_fn)(parser *);
static node *parse_level(parser *p, level_fn next, const tok_type *ops)
{
    node *left = next(p);
    while (left) {
        tok_type t = p->lx.tok.type;
        size_t i = 0;
        while (ops[i] != T_END && ops[i] != t)
            i++;
        if (ops[i] == T_END)
            break;
        sp_expr_lex_next(&p->lx);
        left = binary(p, t, left, next(p));
    }
    return left;
}

static node *parse_mul(parser *p)
{
    static const tok_type ops[] = { T_MUL, T_DIV, T_MOD, T_END };
    return parse_level(p, parse_unary, ops);
}
static node *parse_add(parser *p)
{
    static const tok_type ops[] = { T_PLUS, T_MINUS, T_END };
    return parse_level(p, parse_mul, ops);
}
static node *parse_shift(parser *p)
{
    static const tok_type ops[] = { T_LSHIFT, T_RSHIFT, T_URSHIFT, T_END };
    return parse_level(p, parse_add, ops);
}
static node *parse_rel(parser *p)
{
    static const tok_type ops[] = { T_LT, T_LE, T_GT, T_GE, T_END };
    return parse_level(p, parse_shift, ops);
}
static node *parse_eq(parser *p)
{
    static const tok_type ops[] = { T_EQ, T_NE, T_META_EQ, T_META_NE, T_END };
    return parse_level(p, parse_rel, ops);
}
static node *parse_band(parser *p)
{
    static const tok_type ops[] = { T_BAND, T_END };
    return parse_level(p, parse_eq, ops);
}
static node *parse_bxor(parser *p)
{
    static const tok_type ops[] = { T_BXOR, T_END };
    return parse_level(p, parse_band, ops);
}
static node *parse_bor(parser *p)
{
    static const tok_type ops[] = { T_BOR, T_END };
    return parse_level(p, parse_bxor, ops);
}
static node *parse_land(parser *p)
{
    static const tok_type ops[] = { T_LAND, T_END };
    return parse_level(p, parse_bor, ops);
}
static node *parse_lor(parser *p)
{
    static const tok_type ops[] = { T_LOR, T_END };
    return parse_level(p, parse_land, ops);
}

/* Expression ::= LogicalOR [ '?' Expression ':' Expression | '?:' Expression ]
 * (a ?: b is the ternary without its middle, as in libclassad's parser) */
static node *parse_expr(parser *p)
{
    if (!enter(p))
        return NULL;
    node *cond = parse_lor(p), *res = cond;
    if (cond && accept(p, T_ELVIS)) {
        res = binary(p, T_ELVIS, cond, parse_expr(p));
    } else if (cond && accept(p, T_QMARK)) {
        node *yes = parse_expr(p);
        if (yes && !accept(p, T_COLON))
            res = fail(p, "':' expected");
        else {
            node *no = yes ? parse_expr(p) : NULL;
            res = no ? new_node(p, N_TERNARY, cond, yes, no) : NULL;
        }
    }
    p->depth--;
    return res;
}

static node *parse_unary(parser *p)
{
    tok_type t = p->lx.tok.type;
    if (t != T_MINUS && t != T_PLUS && t != T_BNOT && t != T_NOT)
        return parse_postfix(p);
    if (!enter(p))
        return NULL;
    sp_expr_lex_next(&p->lx);
    node *a = parse_unary(p), *n = a ? new_node(p, N_UNARY, a, NULL, NULL) : NULL;
    if (n)
        n->op = t;
    p->depth--;
    return n;
}

/* Comma-separated expressions up to `close` (a trailing comma is allowed,
 * as in HTCondor), stored as an array in the pool. The growing array is a
 * private malloc'd buffer, freed here. */
static node *parse_seq(parser *p, node *n, tok_type close)
{
    node **tmp = NULL;
    size_t count = 0, cap = 0;
    while (p->lx.tok.type != close) {
        node *e = parse_expr(p);
        if (!e)
            goto out;
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            node **grown = realloc(tmp, ncap * sizeof(*grown));
            if (!grown) {
                fail(p, "out of memory");
                goto out;
            }
            tmp = grown;
            cap = ncap;
        }
        tmp[count++] = e;
        if (e->height + 1 > n->height)
            n->height = e->height + 1;
        if (!accept(p, T_COMMA) && p->lx.tok.type != close) {
            fail(p, close == T_RPAREN ? "',' or ')' expected" : "',' or '}' expected");
            goto out;
        }
    }
    sp_expr_lex_next(&p->lx);
    n->args = sp_expr_pool_alloc(p->lx.pool, (count ? count : 1) * sizeof(node *));
    if (!n->args) {
        fail(p, "out of memory");
        goto out;
    }
    if (count)
        memcpy(n->args, tmp, count * sizeof(node *));
    n->n = count;
    free(tmp);
    return n;
out:
    free(tmp);
    return NULL;
}

/* [ name = expr; ... ]: parsed so that the text is valid, never evaluated. */
static node *parse_adlit(parser *p)
{
    node *n = new_node(p, N_ADLIT, NULL, NULL, NULL);
    while (n && p->lx.tok.type != T_RBOX) {
        if (!accept(p, T_IDENT))
            return fail(p, "attribute name expected");
        if (!accept(p, T_ASSIGN))
            return fail(p, "'=' expected");
        node *e = parse_expr(p);
        if (!e)
            return NULL;
        if (e->height + 1 > n->height)
            n->height = e->height + 1;
        if (!accept(p, T_SEMI) && p->lx.tok.type != T_RBOX)
            return fail(p, "';' or ']' expected");
    }
    return n && accept(p, T_RBOX) ? n : NULL;
}

static node *literal(parser *p, sp_cval v)
{
    node *n = new_node(p, N_LIT, NULL, NULL, NULL);
    if (n)
        n->lit = v;
    sp_expr_lex_next(&p->lx);
    return n;
}

static node *parse_ident(parser *p)
{
    const char *name = p->lx.tok.s;
    size_t len = p->lx.tok.len;
    sp_expr_lex_next(&p->lx);
    node *n = new_node(p, p->lx.tok.type == T_LPAREN ? N_CALL : N_ATTR, NULL, NULL, NULL);
    if (!n)
        return NULL;
    n->name = name;
    n->name_len = len;
    if (n->kind == N_CALL) {
        sp_expr_lex_next(&p->lx);
        return parse_seq(p, n, T_RPAREN);
    }
    return n;
}

static node *parse_paren(parser *p)
{
    sp_expr_lex_next(&p->lx);
    node *e = parse_expr(p);
    if (e && !accept(p, T_RPAREN))
        return fail(p, "')' expected");
    return e;
}

static node *parse_primary(parser *p)
{
    token *t = &p->lx.tok;
    sp_cval v = { .type = SP_CV_UNDEFINED };
    switch (t->type) {
    case T_IDENT: return parse_ident(p);
    case T_LPAREN: return parse_paren(p);
    case T_INT: v.type = SP_CV_INT; v.u.i = t->i; return literal(p, v);
    case T_REAL:
        v.type = SP_CV_REAL;
        v.u.r = t->r;
        return literal(p, v);
    case T_BOOL: v.type = SP_CV_BOOL; v.u.b = (int)t->i; return literal(p, v);
    case T_STR:
        v.type = SP_CV_STRING;
        v.u.str.s = t->s;
        v.u.str.len = t->len;
        return literal(p, v);
    case T_UNDEF: return literal(p, v);
    case T_ERRV: v.type = SP_CV_ERROR; return literal(p, v);
    case T_LBRACE: {
        sp_expr_lex_next(&p->lx);
        node *n = new_node(p, N_LIST, NULL, NULL, NULL);
        return n ? parse_seq(p, n, T_RBRACE) : NULL;
    }
    case T_LBOX:
        sp_expr_lex_next(&p->lx);
        return parse_adlit(p);
    case T_DOT: {      /* .name: absolute reference, the ad itself */
        sp_expr_lex_next(&p->lx);
        if (t->type != T_IDENT)
            return fail(p, "attribute name expected after '.'");
        node *n = parse_ident(p);
        if (n && n->kind == N_ATTR)
            n->scope = SCOPE_MY;
        return n && n->kind == N_ATTR ? n : fail(p, "attribute name expected after '.'");
    }
    case T_BAD: return fail(p, t->why ? t->why : "bad token");
    case T_END: return fail(p, "unexpected end of expression");
    default: return fail(p, "unexpected token");
    }
}

/* base.name: MY.x and TARGET.x become scoped references. */
static node *select_attr(parser *p, node *base)
{
    if (p->lx.tok.type != T_IDENT)
        return fail(p, "attribute name expected after '.'");
    int scope = SCOPE_NONE;
    if (base->kind == N_ATTR && base->scope == SCOPE_NONE && !base->a) {
        if (sp_expr_word_is(base->name, base->name_len, "my"))
            scope = SCOPE_MY;
        else if (sp_expr_word_is(base->name, base->name_len, "target"))
            scope = SCOPE_TARGET;
    }
    node *n = new_node(p, scope ? N_ATTR : N_SELECT, scope ? NULL : base, NULL, NULL);
    if (!n)
        return NULL;
    n->scope = scope;
    n->name = p->lx.tok.s;
    n->name_len = p->lx.tok.len;
    sp_expr_lex_next(&p->lx);
    return n;
}

/* Postfix ::= Primary { '[' Expression ']' | '.' Identifier } */
static node *parse_postfix(parser *p)
{
    node *e = parse_primary(p);
    while (e) {
        if (accept(p, T_LBOX)) {
            node *idx = parse_expr(p);
            e = binary(p, T_LBOX, e, idx);
            if (e && !accept(p, T_RBOX))
                e = fail(p, "']' expected");
        } else if (accept(p, T_DOT)) {
            e = select_attr(p, e);
        } else {
            break;
        }
    }
    return e;
}

sp_expr *sp_expr_parse(const char *text, size_t len, char *err, size_t errlen)
{
    sp_expr *e = calloc(1, sizeof(*e));
    if (!e) {
        set_err(err, errlen, "out of memory");
        return NULL;
    }
    parser p = { .err = err, .errlen = errlen };
    p.lx.text = text ? text : "";
    p.lx.len = text ? len : 0;
    p.lx.pool = &e->pool;
    p.lx.tok.type = T_LPAREN;      /* "nothing before": '-' may start a number */
    sp_expr_lex_next(&p.lx);
    e->root = parse_expr(&p);
    if (e->root && p.lx.tok.type != T_END)
        e->root = fail(&p, p.lx.tok.type == T_BAD && p.lx.tok.why ? p.lx.tok.why
                                                               : "unexpected token after expression");
    if (!e->root) {
        if (!p.failed)
            set_err(err, errlen, "syntax error");
        sp_expr_free(e);
        return NULL;
    }
    return e;
}

void sp_expr_free(sp_expr *e)
{
    if (!e)
        return;
    pool_free(e->pool);
    free(e);
}
