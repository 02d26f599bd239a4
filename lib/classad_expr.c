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
 * Ownership: an sp_expr owns a private pool holding its nodes and decoded
 * literal strings; sp_expr_free releases it at once. Evaluation results
 * that would point into a pool are copied into the caller's arena before
 * they leave the evaluator. */
#include "classad_expr.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static unsigned char *chunk_data(pool_chunk *c)
{
    return (unsigned char *)c + POOL_HDR;
}

/* 16-aligned memory owned by *head; NULL when out of memory. */
static void *pool_alloc(pool_chunk **head, size_t n)
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

static int pool_owns(const pool_chunk *c, const void *p)
{
    uintptr_t q = (uintptr_t)p;
    for (; c; c = c->next) {
        uintptr_t lo = (uintptr_t)chunk_data((pool_chunk *)c);
        if (q >= lo && q < lo + c->size)
            return 1;
    }
    return 0;
}

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

static int peekc(const lexer *lx, size_t off)
{
    return lx->pos + off < lx->len ? (unsigned char)lx->text[lx->pos + off] : -1;
}

static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int is_space(int c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

static void lex_bad(lexer *lx, const char *why)
{
    lx->tok.type = T_BAD;
    lx->tok.why = why;
}

/* Skips white space and comments; 0, or -1 on an unterminated comment. */
static int skip_space(lexer *lx)
{
    for (;;) {
        int c = peekc(lx, 0);
        if (c >= 0 && is_space(c)) {
            lx->pos++;
        } else if (c == '/' && peekc(lx, 1) == '/') {
            while (lx->pos < lx->len && lx->text[lx->pos] != '\n')
                lx->pos++;
        } else if (c == '/' && peekc(lx, 1) == '*') {
            size_t p = lx->pos + 2;
            while (p + 1 < lx->len && !(lx->text[p] == '*' && lx->text[p + 1] == '/'))
                p++;
            if (p + 1 >= lx->len)
                return -1;
            lx->pos = p + 2;
        } else {
            return 0;
        }
    }
}

/* A decimal integer literal; out of range it is clamped, as strtoll does. */
static void lex_integer(lexer *lx, size_t start, int neg)
{
    unsigned long long v = 0, limit = neg ? (unsigned long long)LLONG_MAX + 1
                                          : (unsigned long long)LLONG_MAX;
    for (size_t p = start + (neg ? 1 : 0); p < lx->pos; p++) {
        unsigned d = (unsigned)(lx->text[p] - '0');
        if (v > (limit - d) / 10) {
            v = limit;
            break;
        }
        v = v * 10 + d;
    }
    lx->tok.type = T_INT;
    lx->tok.i = neg ? (long long)(0ULL - v) : (long long)v;
}

static void lex_real(lexer *lx, size_t start)
{
    size_t n = lx->pos - start;
    char buf[512];
    if (n >= sizeof(buf)) {
        lex_bad(lx, "real literal too long");
        return;
    }
    memcpy(buf, lx->text + start, n);
    buf[n] = '\0';
    lx->tok.type = T_REAL;
    lx->tok.r = strtod(buf, NULL);
}

static void skip_digits(lexer *lx)
{
    while (is_digit(peekc(lx, 0)))
        lx->pos++;
}

/* A number starting at lx->pos (maybe with a leading '-'), as
 * tokenizeNumber: decimal integers (no hex, no leading zero: both are
 * syntax errors in libclassad) and reals with fraction and exponent. */
static void lex_number(lexer *lx)
{
    size_t start = lx->pos;
    int neg = peekc(lx, 0) == '-', is_real = 0;
    if (neg)
        lx->pos++;
    if (peekc(lx, 0) == '0' && tolower(peekc(lx, 1)) == 'x') {
        lex_bad(lx, "hex literals are not ClassAd syntax");
        return;
    }
    int leading_zero = peekc(lx, 0) == '0' && is_digit(peekc(lx, 1));
    skip_digits(lx);
    if (peekc(lx, 0) == '.') {
        lx->pos++;
        if (!is_digit(peekc(lx, 0)) && lx->pos - start == 1 + (size_t)neg) {
            lex_bad(lx, "bad number");
            return;
        }
        if (!is_digit(peekc(lx, 0)) && lx->pos - start > 1 + (size_t)neg) {
            lex_bad(lx, "digit expected after '.'");
            return;
        }
        skip_digits(lx);
        is_real = 1;
    }
    if (tolower(peekc(lx, 0)) == 'e') {
        lx->pos++;
        if (peekc(lx, 0) == '+' || peekc(lx, 0) == '-')
            lx->pos++;
        if (!is_digit(peekc(lx, 0))) {
            lex_bad(lx, "bad exponent");
            return;
        }
        skip_digits(lx);
        is_real = 1;
    }
    if (is_real) {
        lex_real(lx, start);
        return;
    }
    if (leading_zero) {
        lex_bad(lx, "integer literal with a leading zero");
        return;
    }
    lex_integer(lx, start, neg);
}

/* Decodes the escapes of s[0..n) (convert_escapes) into pool memory. */
static void lex_decode(lexer *lx, const char *s, size_t n)
{
    char *out = pool_alloc(lx->pool, n + 1);
    if (!out) {
        lex_bad(lx, "out of memory");
        return;
    }
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\\' && i + 1 < n) {
            c = s[++i];
            switch (c) {
            case 'a': c = '\a'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case 'v': c = '\v'; break;
            default:
                if (c >= '0' && c <= '7') {
                    unsigned num = (unsigned)(c - '0');
                    if (i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '7') {
                        num = (num << 3) + (unsigned)(s[++i] - '0');
                        if (num < 0x20 && i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '7')
                            num = (num << 3) + (unsigned)(s[++i] - '0');
                    }
                    c = (char)num;
                    if (c == 0) {
                        lex_bad(lx, "\\0 in a string");
                        return;
                    }
                }
                break;
            }
        }
        out[o++] = c;
    }
    out[o] = '\0';
    lx->tok.s = out;
    lx->tok.len = o;
}

/* A quoted string (delim '"') or quoted attribute name (delim '\'');
 * adjacent string literals separated by white space are concatenated. */
static void lex_string(lexer *lx, char delim)
{
    /* first pass: find the extent, collecting the raw pieces' length */
    size_t p = lx->pos, raw = 0;
    for (;;) {
        size_t q = p + 1;
        int odd = 0;
        while (q < lx->len && lx->text[q] && (lx->text[q] != delim || odd)) {
            odd = !odd && lx->text[q] == '\\';
            q++;
        }
        if (q >= lx->len || !lx->text[q]) {
            lex_bad(lx, "unterminated string");
            return;
        }
        raw += q - p - 1;
        size_t r = q + 1;
        while (r < lx->len && is_space((unsigned char)lx->text[r]))
            r++;
        if (r < lx->len && lx->text[r] == delim && delim == '"') {
            p = r;
            continue;
        }
        lx->pos = q + 1;
        break;
    }
    /* second pass: concatenate the raw pieces, then decode */
    char *buf = pool_alloc(lx->pool, raw + 1);
    if (!buf) {
        lex_bad(lx, "out of memory");
        return;
    }
    size_t o = 0;
    for (p = lx->tok.pos; p < lx->pos;) {
        size_t q = p + 1;
        int odd = 0;
        while (lx->text[q] != delim || odd) {
            odd = !odd && lx->text[q] == '\\';
            q++;
        }
        memcpy(buf + o, lx->text + p + 1, q - p - 1);
        o += q - p - 1;
        p = q + 1;
        while (p < lx->pos && lx->text[p] != delim)
            p++;
    }
    lx->tok.type = delim == '"' ? T_STR : T_IDENT;
    lex_decode(lx, buf, o);
}

static int word_is(const char *s, size_t n, const char *w)
{
    return strlen(w) == n && strncasecmp(s, w, n) == 0;
}

/* Identifiers and the reserved words true false error undefined is isnt. */
static void lex_word(lexer *lx)
{
    size_t start = lx->pos;
    while (is_alpha(peekc(lx, 0)))
        lx->pos++;
    int plain = !(is_digit(peekc(lx, 0)) || peekc(lx, 0) == '_');
    while (is_alpha(peekc(lx, 0)) || is_digit(peekc(lx, 0)) || peekc(lx, 0) == '_')
        lx->pos++;
    const char *s = lx->text + start;
    size_t n = lx->pos - start;
    if (plain && word_is(s, n, "true")) {
        lx->tok.type = T_BOOL;
        lx->tok.i = 1;
    } else if (plain && word_is(s, n, "false")) {
        lx->tok.type = T_BOOL;
        lx->tok.i = 0;
    } else if (plain && word_is(s, n, "error")) {
        lx->tok.type = T_ERRV;
    } else if (plain && word_is(s, n, "undefined")) {
        lx->tok.type = T_UNDEF;
    } else if (plain && word_is(s, n, "is")) {
        lx->tok.type = T_META_EQ;
    } else if (plain && word_is(s, n, "isnt")) {
        lx->tok.type = T_META_NE;
    } else {
        char *copy = pool_alloc(lx->pool, n + 1);
        if (!copy) {
            lex_bad(lx, "out of memory");
            return;
        }
        memcpy(copy, s, n);
        copy[n] = '\0';
        lx->tok.type = T_IDENT;
        lx->tok.s = copy;
        lx->tok.len = n;
    }
}

/* Two-character operators: c followed by next gives two. */
static tok_type lex_pair(lexer *lx, int next, tok_type two, tok_type one)
{
    if (peekc(lx, 0) == next) {
        lx->pos++;
        return two;
    }
    return one;
}

static tok_type lex_gt(lexer *lx)
{
    if (peekc(lx, 0) == '=') {
        lx->pos++;
        return T_GE;
    }
    if (peekc(lx, 0) != '>')
        return T_GT;
    lx->pos++;
    return lex_pair(lx, '>', T_URSHIFT, T_RSHIFT);
}

static tok_type lex_assign(lexer *lx)
{
    int c = peekc(lx, 0);
    if (c == '=') {
        lx->pos++;
        return T_EQ;
    }
    if (c == '?') {
        if (peekc(lx, 1) != '=')
            return T_BAD;
        lx->pos += 2;
        return T_META_EQ;
    }
    if (c == '!' && peekc(lx, 1) == '=') {
        lx->pos += 2;
        return T_META_NE;
    }
    return T_ASSIGN;
}

static tok_type lex_qmark(lexer *lx)
{
    size_t p = lx->pos;
    while (p < lx->len && is_space((unsigned char)lx->text[p]))
        p++;
    if (p < lx->len && lx->text[p] == ':') {
        lx->pos = p + 1;
        return T_ELVIS;
    }
    return T_QMARK;
}

static void lex_punct(lexer *lx)
{
    int c = peekc(lx, 0);
    lx->pos++;
    tok_type t;
    switch (c) {
    case '.': t = T_DOT; break;
    case '*': t = T_MUL; break;
    case '/': t = T_DIV; break;
    case '%': t = T_MOD; break;
    case '+': t = T_PLUS; break;
    case '-': t = T_MINUS; break;
    case '~': t = T_BNOT; break;
    case '^': t = T_BXOR; break;
    case ':': t = T_COLON; break;
    case ';': t = T_SEMI; break;
    case ',': t = T_COMMA; break;
    case '[': t = T_LBOX; break;
    case ']': t = T_RBOX; break;
    case '(': t = T_LPAREN; break;
    case ')': t = T_RPAREN; break;
    case '{': t = T_LBRACE; break;
    case '}': t = T_RBRACE; break;
    case '?': t = lex_qmark(lx); break;
    case '&': t = lex_pair(lx, '&', T_LAND, T_BAND); break;
    case '|': t = lex_pair(lx, '|', T_LOR, T_BOR); break;
    case '!': t = lex_pair(lx, '=', T_NE, T_NOT); break;
    case '<':
        t = peekc(lx, 0) == '<' ? lex_pair(lx, '<', T_LSHIFT, T_LT)
                                : lex_pair(lx, '=', T_LE, T_LT);
        break;
    case '>': t = lex_gt(lx); break;
    case '=': t = lex_assign(lx); break;
    default: t = T_BAD; break;
    }
    lx->tok.type = t;
    if (t == T_BAD)
        lx->tok.why = "unexpected character";
}

/* After these a '-' is the binary operator, elsewhere it may start a
 * negative number literal (as LoadToken decides). */
static int ends_operand(tok_type t)
{
    switch (t) {
    case T_INT: case T_REAL: case T_BOOL: case T_STR: case T_UNDEF:
    case T_ERRV: case T_IDENT: case T_DOT: case T_RBOX: case T_RPAREN:
    case T_RBRACE:
        return 1;
    default:
        return 0;
    }
}

/* Reads the next token into lx->tok. */
static void lex_next(lexer *lx)
{
    lx->prev = lx->tok.type;
    memset(&lx->tok, 0, sizeof(lx->tok));
    if (skip_space(lx) < 0) {
        lx->tok.pos = lx->pos;
        lex_bad(lx, "unterminated comment");
        return;
    }
    lx->tok.pos = lx->pos;
    int c = peekc(lx, 0);
    if (c < 0 || c == 0) {
        lx->tok.type = T_END;
    } else if (c == '-' && !ends_operand(lx->prev) &&
               (is_digit(peekc(lx, 1)) || (peekc(lx, 1) == '.' && is_digit(peekc(lx, 2))))) {
        lex_number(lx);
    } else if (is_digit(c) || (c == '.' && is_digit(peekc(lx, 1)))) {
        lex_number(lx);
    } else if (is_alpha(c) || c == '_') {
        lex_word(lx);
    } else if (c == '"' || c == '\'') {
        lex_string(lx, (char)c);
    } else {
        lex_punct(lx);
    }
}

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
    node *n = pool_alloc(p->lx.pool, sizeof(*n));
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
    lex_next(&p->lx);
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
        lex_next(&p->lx);
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
    lex_next(&p->lx);
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
    lex_next(&p->lx);
    n->args = pool_alloc(p->lx.pool, (count ? count : 1) * sizeof(node *));
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
    lex_next(&p->lx);
    return n;
}

static node *parse_ident(parser *p)
{
    const char *name = p->lx.tok.s;
    size_t len = p->lx.tok.len;
    lex_next(&p->lx);
    node *n = new_node(p, p->lx.tok.type == T_LPAREN ? N_CALL : N_ATTR, NULL, NULL, NULL);
    if (!n)
        return NULL;
    n->name = name;
    n->name_len = len;
    if (n->kind == N_CALL) {
        lex_next(&p->lx);
        return parse_seq(p, n, T_RPAREN);
    }
    return n;
}

static node *parse_paren(parser *p)
{
    lex_next(&p->lx);
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
        lex_next(&p->lx);
        node *n = new_node(p, N_LIST, NULL, NULL, NULL);
        return n ? parse_seq(p, n, T_RBRACE) : NULL;
    }
    case T_LBOX:
        lex_next(&p->lx);
        return parse_adlit(p);
    case T_DOT: {      /* .name: absolute reference, the ad itself */
        lex_next(&p->lx);
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
        if (word_is(base->name, base->name_len, "my"))
            scope = SCOPE_MY;
        else if (word_is(base->name, base->name_len, "target"))
            scope = SCOPE_TARGET;
    }
    node *n = new_node(p, scope ? N_ATTR : N_SELECT, scope ? NULL : base, NULL, NULL);
    if (!n)
        return NULL;
    n->scope = scope;
    n->name = p->lx.tok.s;
    n->name_len = p->lx.tok.len;
    lex_next(&p->lx);
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
    lex_next(&p.lx);
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
    uint64_t h = sp_name_hash(s, len);
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

static int unsupported(evctx *c, const char *fmt, ...)
{
    if (c->err && c->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->err, c->errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static void *ev_alloc(evctx *c, size_t n)
{
    if (n > ALLOC_BUDGET || c->alloc + n > ALLOC_BUDGET)
        return NULL;
    c->alloc += n;
    return sp_arena_alloc(c->arena, n ? n : 1);
}

static int ev_nomem(evctx *c)
{
    if (c->alloc >= ALLOC_BUDGET / 2)
        return unsupported(c, "evaluation needs too much memory");
    return unsupported(c, "out of memory");
}

/* A STRING value of s[0..len) copied into the arena. */
static int make_string(evctx *c, const char *s, size_t len, sp_cval *out)
{
    char *d = ev_alloc(c, len + 1);
    if (!d)
        return ev_nomem(c);
    if (len)
        memcpy(d, s, len);
    d[len] = '\0';
    out->type = SP_CV_STRING;
    out->u.str.s = d;
    out->u.str.len = len;
    return 0;
}

static void set_bool(sp_cval *v, int b)
{
    v->type = SP_CV_BOOL;
    v->u.b = b != 0;
}
static void set_int(sp_cval *v, long long i)
{
    v->type = SP_CV_INT;
    v->u.i = i;
}
static void set_real(sp_cval *v, double r)
{
    v->type = SP_CV_REAL;
    v->u.r = r;
}
static void set_type(sp_cval *v, sp_cv_type t)
{
    memset(v, 0, sizeof(*v));
    v->type = t;
}

static int is_exceptional(const sp_cval *v)
{
    return v->type == SP_CV_UNDEFINED || v->type == SP_CV_ERROR;
}

/* IsBooleanValueEquiv: bool, or a number (non-zero is true). */
static int bool_equiv(const sp_cval *v, int *b)
{
    switch (v->type) {
    case SP_CV_BOOL: *b = v->u.b; return 1;
    case SP_CV_INT: *b = v->u.i != 0; return 1;
    case SP_CV_REAL: *b = v->u.r != 0.0; return 1;
    default: return 0;
    }
}

static int is_number(const sp_cval *v)
{
    return v->type == SP_CV_BOOL || v->type == SP_CV_INT || v->type == SP_CV_REAL;
}

static double num_real(const sp_cval *v)
{
    return v->type == SP_CV_REAL ? v->u.r : v->type == SP_CV_INT ? (double)v->u.i : (double)v->u.b;
}

/* A double to long long as the x86-64 conversion libclassad's casts
 * compile to: NaN and out of range give LLONG_MIN. */
static long long real_to_ll(double r)
{
    if (!(r >= -9223372036854775808.0 && r < 9223372036854775808.0))
        return LLONG_MIN;
    return (long long)r;
}

static int ci_cmp(const char *a, size_t an, const char *b, size_t bn, int fold)
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

static int eval_node(evctx *c, const node *n, const sp_ad *ad, sp_cval *out);

/* ------------------------------------------------------------------ */
/* Values leaving a pool are copied into the arena.                      */

static int needs_export(const pool_chunk *pool, const sp_cval *v, int depth)
{
    if (v->type == SP_CV_STRING)
        return pool_owns(pool, v->u.str.s);
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
        return make_string(c, v->u.str.s, v->u.str.len, v);
    size_t n = v->u.list.n;
    sp_cval *items = ev_alloc(c, n * sizeof(*items));
    if (!items)
        return ev_nomem(c);
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
static int resolve(evctx *c, const sp_ad *ad, const sp_cval *v, sp_cval *out)
{
    if (v->type != SP_CV_EXPR) {
        *out = *v;
        return 0;
    }
    if (active_has(c, v)) {       /* libclassad fails the whole evaluation */
        c->circular = 1;
        return unsupported(c, "circular attribute reference");
    }
    if (c->nactive >= MAX_ATTR_DEPTH) {
        set_type(out, SP_CV_ERROR);
        return 0;
    }
    if (c->steps < 0 || (c->steps -= (long)(v->u.str.len / 8) + 1) < 0)
        return unsupported(c, "evaluation takes too many steps");
    char perr[160];
    int owned;
    sp_expr *sub = cached_parse(c->cache, v->u.str.s, v->u.str.len, &owned, perr, sizeof(perr));
    if (!sub)
        return unsupported(c, "attribute expression: %s", perr);
    c->active[c->nactive++] = v;
    int rc = eval_node(c, sub->root, ad, out);
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
    if (ad && word_is(name, len, "my")) {
        out->type = SP_CV_AD;
        out->u.ad = (sp_ad *)ad;
        return 0;
    }
    if (word_is(name, len, "currenttime"))
        return unsupported(c, "CurrentTime depends on when it is evaluated");
    set_type(out, SP_CV_UNDEFINED);
    return 0;
}

static int lookup(evctx *c, const sp_ad *ad, const char *name, size_t len, sp_cval *out)
{
    const sp_cval *v = ad ? sp_ad_get(ad, name, len) : NULL;
    if (!v)
        return lookup_missing(c, ad, name, len, out);
    return resolve(c, ad, v, out);
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
    if (eval_node(c, n->a, ad, &base) < 0)
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
static void compare(tok_type op, sp_cval a, sp_cval b, sp_cval *out)
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
static void arith(tok_type op, sp_cval a, sp_cval b, sp_cval *out)
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
static int strict_exceptional(const sp_cval *a, const sp_cval *b, sp_cval *out)
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
    if (eval_node(c, n->a, ad, &a) < 0)
        return -1;
    int b;
    if (n->op == T_PLUS) {   /* not strict: numbers and exceptional pass */
        if (a.type == SP_CV_INT || a.type == SP_CV_REAL || is_exceptional(&a))
            *out = a;
        else
            set_type(out, SP_CV_ERROR);
        return 0;
    }
    if (strict_exceptional(&a, NULL, out))
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
    if (eval_node(c, n->a, ad, &a) < 0)
        return -1;
    int a_bool = bool_equiv(&a, &b1);
    if (a_bool && b1 == !is_and) {
        set_bool(out, b1);
        return 0;
    }
    if (a.type == SP_CV_ERROR || (!a_bool && a.type != SP_CV_UNDEFINED)) {
        /* the right side is evaluated on (only its failure can matter),
         * the result is ERROR either way */
        if (eval_node(c, n->b, ad, &b) < 0)
            return -1;
        set_type(out, SP_CV_ERROR);
        return 0;
    }
    if (eval_node(c, n->b, ad, &b) < 0)
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
    return resolve(c, ad, &a->u.list.items[i->u.i], out);
}

static int eval_binary(evctx *c, const node *n, const sp_ad *ad, sp_cval *out)
{
    if (n->op == T_LAND || n->op == T_LOR)
        return eval_logic(c, n, ad, out);
    sp_cval a, b;
    if (eval_node(c, n->a, ad, &a) < 0)
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
    if (eval_node(c, n->b, ad, &b) < 0)
        return -1;
    switch (n->op) {
    case T_ELVIS: *out = a.type == SP_CV_UNDEFINED ? b : a; return 0;
    case T_META_EQ: case T_META_NE: compare(n->op, a, b, out); return 0;
    default: break;
    }
    if (strict_exceptional(&a, &b, out))
        return 0;
    switch (n->op) {
    case T_LT: case T_LE: case T_GT: case T_GE: case T_EQ: case T_NE:
        compare(n->op, a, b, out);
        return 0;
    case T_PLUS: case T_MINUS: case T_MUL: case T_DIV: case T_MOD:
        arith(n->op, a, b, out);
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
    if (eval_node(c, n->a, ad, &cond) < 0)
        return -1;
    if (bool_equiv(&cond, &b))
        return eval_node(c, b ? n->b : n->c, ad, out);
    /* a selector that is not boolean: libclassad evaluates both branches
     * before it gives UNDEFINED or ERROR (so a failing branch fails it) */
    sp_cval ignored;
    if (eval_node(c, n->b, ad, &ignored) < 0 || eval_node(c, n->c, ad, &ignored) < 0)
        return -1;
    set_type(out, cond.type == SP_CV_UNDEFINED ? SP_CV_UNDEFINED : SP_CV_ERROR);
    return 0;
}

static int eval_list(evctx *c, const node *n, const sp_ad *ad, sp_cval *out)
{
    sp_cval *items = ev_alloc(c, n->n * sizeof(*items));
    if (!items)
        return ev_nomem(c);
    for (size_t i = 0; i < n->n; i++) {
        if (eval_node(c, n->args[i], ad, &items[i]) == 0)
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
/* Conversions (value.cpp).                                             */

/* A growable string in the arena (for unparsing). */
typedef struct {
    evctx *c;
    char *s;
    size_t len, cap;
    int failed;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *d = ev_alloc(b->c, cap);
        if (!d) {
            b->failed = 1;
            return;
        }
        if (b->len)
            memcpy(d, b->s, b->len);
        b->s = d;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void sb_addz(sbuf *b, const char *s) { sb_add(b, s, strlen(s)); }

static void unparse_real(sbuf *b, double r)
{
    char tmp[64];
    if (r == 0.0)
        snprintf(tmp, sizeof(tmp), "%.1f", r);
    else
        snprintf(tmp, sizeof(tmp), "%1.15E", r);
    sb_addz(b, tmp);
}

static void unparse_string(sbuf *b, const char *s, size_t n)
{
    sb_add(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        const char *esc = NULL;
        char tmp[8];
        switch (ch) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\a': esc = "\\a"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        case '\v': esc = "\\v"; break;
        default:
            if (!isprint(ch)) {
                snprintf(tmp, sizeof(tmp), "\\%03o", ch);
                esc = tmp;
            }
        }
        if (esc)
            sb_addz(b, esc);
        else
            sb_add(b, (const char *)&s[i], 1);
    }
    sb_add(b, "\"", 1);
}

static int unparse(evctx *c, const sp_ad *ad, const sp_cval *v, sbuf *b, int depth);

/* A nested ad as "[ a = 1; b = x + 1 ]": values unparsed, expressions as
 * the ad's text has them (HTCondor printed them). */
static int unparse_ad(evctx *c, const sp_ad *nested, sbuf *b, int depth)
{
    sb_addz(b, "[ ");
    for (size_t i = 0; i < nested->n; i++) {
        const sp_attr *at = &nested->attrs[i];
        sb_add(b, at->name, at->name_len);
        sb_addz(b, " = ");
        if (unparse(c, nested, &at->v, b, depth + 1) < 0)
            return -1;
        if (i + 1 < nested->n)
            sb_addz(b, "; ");
    }
    sb_addz(b, " ]");
    return 0;
}

/* ClassAdUnParser::Unparse of a value. */
static int unparse(evctx *c, const sp_ad *ad, const sp_cval *v, sbuf *b, int depth)
{
    char tmp[32];
    if (depth > MAX_TREE_HEIGHT)
        return unsupported(c, "list nested too deeply");
    switch (v->type) {
    case SP_CV_UNDEFINED: sb_addz(b, "undefined"); return 0;
    case SP_CV_ERROR: sb_addz(b, "error"); return 0;
    case SP_CV_BOOL: sb_addz(b, v->u.b ? "true" : "false"); return 0;
    case SP_CV_INT: snprintf(tmp, sizeof(tmp), "%lld", v->u.i); sb_addz(b, tmp); return 0;
    case SP_CV_REAL: unparse_real(b, v->u.r); return 0;
    case SP_CV_STRING: unparse_string(b, v->u.str.s, v->u.str.len); return 0;
    case SP_CV_LIST:
        sb_addz(b, "{ ");
        for (size_t i = 0; i < v->u.list.n; i++) {
            sp_cval item;
            if (resolve(c, ad, &v->u.list.items[i], &item) < 0 ||
                unparse(c, ad, &item, b, depth + 1) < 0)
                return -1;
            if (i + 1 < v->u.list.n)
                sb_add(b, ",", 1);
        }
        sb_addz(b, " }");
        return 0;
    case SP_CV_AD: return unparse_ad(c, v->u.ad, b, depth);
    default:   /* SP_CV_EXPR, inside lists and nested ads: as printed */
        sb_add(b, v->u.str.s, v->u.str.len);
        return 0;
    }
}

/* convertValueToStringValue: 1 converted, 0 not (out UNDEFINED/ERROR),
 * -1 unsupported. */
static int to_string(evctx *c, const sp_ad *ad, const sp_cval *v, sp_cval *out)
{
    if (v->type == SP_CV_STRING) {
        *out = *v;
        return 1;
    }
    if (is_exceptional(v)) {
        set_type(out, v->type);
        return 0;
    }
    sbuf b = { .c = c };
    if (unparse(c, ad, v, &b, 0) < 0)
        return -1;
    if (b.failed)
        return ev_nomem(c);
    return make_string(c, b.s ? b.s : "", b.len, out) < 0 ? -1 : 1;
}

/* strtod on a value's string (which is NUL-terminated). */
static int parse_num(const sp_cval *v, double *r)
{
    char *end;
    errno = 0;
    *r = strtod(v->u.str.s, &end);
    return !(end == v->u.str.s && *r == 0.0);
}

/* convertValueToRealValue: 1 converted, 0 not (out UNDEFINED/ERROR). */
static int to_real(const sp_cval *v, sp_cval *out)
{
    double r;
    switch (v->type) {
    case SP_CV_UNDEFINED: set_type(out, SP_CV_UNDEFINED); return 0;
    case SP_CV_BOOL: case SP_CV_INT: case SP_CV_REAL:
        set_real(out, num_real(v));
        return out->type == SP_CV_REAL;
    case SP_CV_STRING:
        if (!parse_num(v, &r)) {
            set_type(out, SP_CV_ERROR);
            return 0;
        }
        set_real(out, r);
        return out->type == SP_CV_REAL;
    default: set_type(out, SP_CV_ERROR); return 0;
    }
}

/* convertValueToIntegerValue: 1 converted, 0 not (out UNDEFINED/ERROR). */
static int to_int(const sp_cval *v, sp_cval *out)
{
    double r;
    switch (v->type) {
    case SP_CV_UNDEFINED: set_type(out, SP_CV_UNDEFINED); return 0;
    case SP_CV_BOOL: set_int(out, v->u.b); return 1;
    case SP_CV_INT: *out = *v; return 1;
    case SP_CV_REAL: r = v->u.r; break;
    case SP_CV_STRING:
        if (!parse_num(v, &r)) {
            set_type(out, SP_CV_ERROR);
            return 0;
        }
        break;
    default: set_type(out, SP_CV_ERROR); return 0;
    }
    set_int(out, real_to_ll(r));
    return 1;
}

/* ------------------------------------------------------------------ */
/* Functions (fnCall.cpp, compat_classad.cpp).                          */

typedef int (*fn_impl)(evctx *c, const sp_ad *ad, const char *name,
                       node *const *args, size_t n, sp_cval *out);

/* Evaluates args[0..n) into v[]. */
static int eval_args(evctx *c, const sp_ad *ad, node *const *args, size_t n, sp_cval *v)
{
    for (size_t i = 0; i < n; i++)
        if (eval_node(c, args[i], ad, &v[i]) < 0)
            return -1;
    return 0;
}

/* Exactly `want` arguments evaluated into v, or out = ERROR and 1. */
static int args_exact(evctx *c, const sp_ad *ad, node *const *args, size_t n,
                      size_t want, sp_cval *v, sp_cval *out)
{
    if (n != want) {
        set_type(out, SP_CV_ERROR);
        return 1;
    }
    return eval_args(c, ad, args, n, v) < 0 ? -1 : 0;
}

#define ARGS(want, v) do {                                               \
        int rc_ = args_exact(c, ad, args, n, (want), (v), out);          \
        if (rc_) return rc_ < 0 ? -1 : 0;                                \
    } while (0)

static int fn_is_type(evctx *c, const sp_ad *ad, const char *name,
                      node *const *args, size_t n, sp_cval *out)
{
    static const struct { const char *name; sp_cv_type t; } types[] = {
        { "isundefined", SP_CV_UNDEFINED }, { "iserror", SP_CV_ERROR },
        { "isstring", SP_CV_STRING }, { "isinteger", SP_CV_INT },
        { "isreal", SP_CV_REAL }, { "isboolean", SP_CV_BOOL },
        { "islist", SP_CV_LIST }, { "isclassad", SP_CV_AD },
    };
    sp_cval v;
    ARGS(1, &v);
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (strcasecmp(name, types[i].name) == 0)
            set_bool(out, v.type == types[i].t);
    return 0;
}

static int fn_if_then_else(evctx *c, const sp_ad *ad, const char *name,
                           node *const *args, size_t n, sp_cval *out)
{
    (void)name;
    sp_cval cond;
    int b;
    if (n != 3) {
        set_type(out, SP_CV_ERROR);
        return 0;
    }
    if (eval_node(c, args[0], ad, &cond) < 0)
        return -1;
    if (bool_equiv(&cond, &b))
        return eval_node(c, args[b ? 1 : 2], ad, out);
    set_type(out, cond.type == SP_CV_UNDEFINED ? SP_CV_UNDEFINED : SP_CV_ERROR);
    return 0;
}

static int fn_int(evctx *c, const sp_ad *ad, const char *name,
                  node *const *args, size_t n, sp_cval *out)
{
    (void)name;
    sp_cval v;
    ARGS(1, &v);
    to_int(&v, out);
    return 0;
}

static int fn_real(evctx *c, const sp_ad *ad, const char *name,
                   node *const *args, size_t n, sp_cval *out)
{
    (void)name;
    sp_cval v;
    ARGS(1, &v);
    to_real(&v, out);
    return 0;
}

static int fn_string(evctx *c, const sp_ad *ad, const char *name,
                     node *const *args, size_t n, sp_cval *out)
{
    (void)name;
    sp_cval v;
    ARGS(1, &v);
    return to_string(c, ad, &v, out) < 0 ? -1 : 0;
}

/* floor, ceiling, round: an int stays, anything else goes through real. */
static int fn_round(evctx *c, const sp_ad *ad, const char *name,
                    node *const *args, size_t n, sp_cval *out)
{
    sp_cval v, r;
    ARGS(1, &v);
    if (v.type == SP_CV_INT) {
        *out = v;
        return 0;
    }
    if (!to_real(&v, &r)) {
        set_type(out, SP_CV_ERROR);
        return 0;
    }
    double x = strcasecmp(name, "floor") == 0 ? floor(r.u.r)
             : strcasecmp(name, "round") == 0 ? rint(r.u.r) : ceil(r.u.r);
    set_int(out, real_to_ll(x));
    return 0;
}

static int fn_pow(evctx *c, const sp_ad *ad, const char *name,
                  node *const *args, size_t n, sp_cval *out)
{
    (void)name;
    sp_cval v[2], x, y;
    ARGS(2, v);
    if (v[0].type == SP_CV_INT && v[1].type == SP_CV_INT && v[1].u.i >= 0) {
        /* as HTCondor: (long long)(pow + 0.5), truncating */
        set_int(out, real_to_ll(pow((double)v[0].u.i, (double)v[1].u.i) + 0.5));
        return 0;
    }
    if (!to_real(&v[0], &x) || !to_real(&v[1], &y))
        set_type(out, SP_CV_ERROR);
    else
        set_real(out, pow(x.u.r, y.u.r));
    return 0;
}

/* The one list argument of min/max/sum/avg: 1 ok, 0 out is set, -1. */
static int list_arg(evctx *c, const sp_ad *ad, node *const *args, size_t n,
                    sp_cval *list, sp_cval *out)
{
    int rc = args_exact(c, ad, args, n, 1, list, out);
    if (rc)
        return rc < 0 ? -1 : 0;
    if (list->type == SP_CV_LIST)
        return 1;
    set_type(out, list->type == SP_CV_UNDEFINED ? SP_CV_UNDEFINED : SP_CV_ERROR);
    return 0;
}

static int fn_min_max(evctx *c, const sp_ad *ad, const char *name,
                      node *const *args, size_t n, sp_cval *out)
{
    sp_cval list, item, cmp, best = { .type = SP_CV_UNDEFINED };
    int rc = list_arg(c, ad, args, n, &list, out);
    if (rc <= 0)
        return rc;
    tok_type op = tolower((unsigned char)name[1]) == 'i' ? T_LT : T_GT;
    int any_real = 0;
    for (size_t i = 0; i < list.u.list.n; i++) {
        if (resolve(c, ad, &list.u.list.items[i], &item) < 0)
            return -1;
        if (item.type == SP_CV_UNDEFINED)
            continue;
        if (!is_number(&item)) {
            set_type(out, SP_CV_ERROR);
            return 0;
        }
        any_real |= item.type == SP_CV_REAL;
        if (best.type == SP_CV_UNDEFINED) {
            best = item;
            continue;
        }
        compare(op, item, best, &cmp);
        if (cmp.type == SP_CV_BOOL && cmp.u.b)
            best = item;
    }
    if (any_real && best.type != SP_CV_REAL)   /* one real makes the result real */
        set_real(&best, num_real(&best));
    *out = best;
    return 0;
}

static int fn_sum_avg(evctx *c, const sp_ad *ad, const char *name,
                      node *const *args, size_t n, sp_cval *out)
{
    sp_cval list, item, sum;
    size_t count = 0;
    int rc = list_arg(c, ad, args, n, &list, out);
    if (rc <= 0)
        return rc;
    set_int(&sum, 0);
    for (size_t i = 0; i < list.u.list.n; i++) {
        if (resolve(c, ad, &list.u.list.items[i], &item) < 0)
            return -1;
        if (item.type == SP_CV_UNDEFINED)
            continue;
        if (!is_number(&item)) {
            set_type(out, SP_CV_ERROR);
            return 0;
        }
        if (count++ == 0)
            sum = item;
        else
            arith(T_PLUS, sum, item, &sum);
    }
    if (strcasecmp(name, "avg") == 0 && count > 0) {
        sp_cval len;
        set_real(&len, (double)count);
        if (!is_exceptional(&sum))
            arith(T_DIV, sum, len, &sum);
    }
    *out = sum;
    return 0;
}

static int fn_size(evctx *c, const sp_ad *ad, const char *name,
                   node *const *args, size_t n, sp_cval *out)
{
    (void)name;
    sp_cval v;
    ARGS(1, &v);
    switch (v.type) {
    case SP_CV_UNDEFINED: set_type(out, SP_CV_UNDEFINED); break;
    case SP_CV_LIST: set_int(out, (long long)v.u.list.n); break;
    case SP_CV_AD: set_int(out, (long long)v.u.ad->n); break;
    case SP_CV_STRING: set_int(out, (long long)v.u.str.len); break;
    default: set_type(out, SP_CV_ERROR); break;
    }
    return 0;
}

static int fn_strcat(evctx *c, const sp_ad *ad, const char *name,
                     node *const *args, size_t n, sp_cval *out)
{
    (void)name;
    sbuf b = { .c = c };
    for (size_t i = 0; i < n; i++) {
        sp_cval v, s = { 0 };   /* = { 0 }: GCC -O3 (Release) warns maybe-uninitialized, a false positive */
        if (eval_node(c, args[i], ad, &v) < 0)
            return -1;
        int rc = to_string(c, ad, &v, &s);
        if (rc < 0)
            return -1;
        if (rc == 0) {
            set_type(out, s.type);
            return 0;
        }
        sb_add(&b, s.u.str.s, s.u.str.len);
    }
    if (b.failed)
        return ev_nomem(c);
    return make_string(c, b.s ? b.s : "", b.len, out);
}

static int fn_change_case(evctx *c, const sp_ad *ad, const char *name,
                          node *const *args, size_t n, sp_cval *out)
{
    sp_cval v, s;
    ARGS(1, &v);
    int rc = to_string(c, ad, &v, &s);
    if (rc <= 0) {
        if (rc == 0)
            set_type(out, s.type);
        return rc;
    }
    if (make_string(c, s.u.str.s, s.u.str.len, out) < 0)
        return -1;
    int lower = strcasecmp(name, "tolower") == 0;
    char *d = (char *)out->u.str.s;
    for (size_t i = 0; i < out->u.str.len; i++)
        d[i] = (char)(lower ? tolower((unsigned char)d[i]) : toupper((unsigned char)d[i]));
    return 0;
}

/* The low 32 bits as a signed int: libclassad reads substr's offsets into
 * an int. */
static long long clamp_int(long long v)
{
    return (long long)(int32_t)(uint32_t)(unsigned long long)v;
}

/* substr(s, offset [, length]), perl-like negative offset and length. */
static int fn_substr(evctx *c, const sp_ad *ad, const char *name,
                     node *const *args, size_t n, sp_cval *out)
{
    (void)name;
    sp_cval v[3];
    if (n < 2 || n > 3) {
        set_type(out, SP_CV_ERROR);
        return 0;
    }
    if (eval_args(c, ad, args, n, v) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (v[i].type == SP_CV_UNDEFINED) {
            set_type(out, SP_CV_UNDEFINED);
            return 0;
        }
    if (v[0].type != SP_CV_STRING || v[1].type != SP_CV_INT ||
        (n > 2 && v[2].type != SP_CV_INT)) {
        set_type(out, SP_CV_ERROR);
        return 0;
    }
    long long alen = (long long)v[0].u.str.len, off = clamp_int(v[1].u.i);
    long long len = n > 2 ? clamp_int(v[2].u.i) : 0;
    if (off < 0) {
        off += alen;
        if (off < 0)
            off = 0;
    } else if (off >= alen) {
        off = alen;
    }
    if (len <= 0) {
        len = alen - off + len;
        if (len < 0)
            len = 0;
    } else if (len > alen - off) {
        len = alen - off;
    }
    if (n > 2 && v[2].u.i == 0)
        len = 0;
    return make_string(c, v[0].u.str.s + off, (size_t)len, out);
}

static int fn_strcmp(evctx *c, const sp_ad *ad, const char *name,
                     node *const *args, size_t n, sp_cval *out)
{
    sp_cval v[2], s[2];
    ARGS(2, v);
    if (v[0].type == SP_CV_UNDEFINED || v[1].type == SP_CV_UNDEFINED) {
        set_type(out, SP_CV_UNDEFINED);
        return 0;
    }
    for (int i = 0; i < 2; i++) {
        int rc = to_string(c, ad, &v[i], &s[i]);
        if (rc < 0)
            return -1;
        if (rc == 0) {
            set_type(out, SP_CV_ERROR);
            return 0;
        }
    }
    int fold = strcasecmp(name, "stricmp") == 0;
    set_int(out, ci_cmp(s[0].u.str.s, s[0].u.str.len, s[1].u.str.s, s[1].u.str.len, fold));
    return 0;
}

/* member / identicalMember: x equal (==, or =?=) to an element. */
static int fn_member(evctx *c, const sp_ad *ad, const char *name,
                     node *const *args, size_t n, sp_cval *out)
{
    sp_cval v[2], item, r;
    int is = strcasecmp(name, "identicalmember") == 0;
    ARGS(2, v);
    if (v[1].type == SP_CV_UNDEFINED || (!is && v[0].type == SP_CV_UNDEFINED)) {
        set_type(out, SP_CV_UNDEFINED);
        return 0;
    }
    if (v[1].type != SP_CV_LIST || v[0].type == SP_CV_LIST || v[0].type == SP_CV_AD ||
        (!is && v[0].type == SP_CV_ERROR)) {
        set_type(out, SP_CV_ERROR);
        return 0;
    }
    for (size_t i = 0; i < v[1].u.list.n; i++) {
        if (resolve(c, ad, &v[1].u.list.items[i], &item) < 0)
            return -1;
        if (!is && strict_exceptional(&item, NULL, &r))
            continue;
        compare(is ? T_META_EQ : T_EQ, item, v[0], &r);
        if (r.type == SP_CV_BOOL && r.u.b) {
            set_bool(out, 1);
            return 0;
        }
    }
    set_bool(out, 0);
    return 0;
}

/* StringTokenIterator: the next token of s[*pos..len) split at any byte
 * of delims, white space trimmed, empty tokens skipped. 0 at the end. */
static int next_token(const char *s, size_t len, const char *delims, size_t *pos,
                      const char **tok, size_t *toklen)
{
    size_t i = *pos;
    while (i < len && s[i] && (strchr(delims, s[i]) || is_space((unsigned char)s[i])))
        i++;
    size_t start = i, end = i;
    while (i < len && s[i] && !strchr(delims, s[i])) {
        if (!is_space((unsigned char)s[i]))
            end = i + 1;
        i++;
    }
    *pos = i;
    if (i <= start)
        return 0;
    *tok = s + start;
    *toklen = end - start;
    return 1;
}

/* The delimiter set of argument v, or dflt; NULL when v is not a string. */
static const char *delims_of(const sp_cval *v, int given, const char *dflt)
{
    if (!given || v->type == SP_CV_UNDEFINED)
        return dflt;
    return v->type == SP_CV_STRING ? v->u.str.s : NULL;
}

static int fn_string_list_size(evctx *c, const sp_ad *ad, const char *name,
                               node *const *args, size_t n, sp_cval *out)
{
    (void)name;
    sp_cval v[2];
    if (n < 1 || n > 2) {
        set_type(out, SP_CV_ERROR);
        return 0;
    }
    if (eval_args(c, ad, args, n, v) < 0)
        return -1;
    const char *delims = n > 1 && v[1].type == SP_CV_STRING ? v[1].u.str.s : ", ";
    if (v[0].type != SP_CV_STRING || (n > 1 && v[1].type != SP_CV_STRING)) {
        set_type(out, SP_CV_ERROR);
        return 0;
    }
    size_t pos = 0, toklen, count = 0;
    const char *tok;
    while (next_token(v[0].u.str.s, v[0].u.str.len, delims, &pos, &tok, &toklen))
        count++;
    set_int(out, (long long)count);
    return 0;
}

/* stringListMember(item, list [, delims]) and stringListIMember. */
static int fn_string_list_member(evctx *c, const sp_ad *ad, const char *name,
                                 node *const *args, size_t n, sp_cval *out)
{
    sp_cval v[3];
    if (n < 2 || n > 3) {
        set_type(out, SP_CV_ERROR);
        return 0;
    }
    if (eval_args(c, ad, args, n, v) < 0)
        return -1;
    const char *delims = delims_of(&v[2], n > 2, ", \t\r\n");
    for (int i = 0; i < 2; i++)
        if (v[i].type != SP_CV_UNDEFINED && v[i].type != SP_CV_STRING)
            delims = NULL;
    if (!delims) {
        set_type(out, SP_CV_ERROR);
        return 0;
    }
    if (v[0].type == SP_CV_UNDEFINED && v[1].type == SP_CV_UNDEFINED) {
        set_type(out, SP_CV_UNDEFINED);
        return 0;
    }
    const char *item = v[0].type == SP_CV_STRING ? v[0].u.str.s : "";
    size_t item_len = v[0].type == SP_CV_STRING ? v[0].u.str.len : 0;
    const char *list = v[1].type == SP_CV_STRING ? v[1].u.str.s : "";
    size_t list_len = v[1].type == SP_CV_STRING ? v[1].u.str.len : 0;
    int fold = tolower((unsigned char)name[10]) == 'i';
    size_t pos = 0, toklen;
    const char *tok;
    set_bool(out, 0);
    while (next_token(list, list_len, delims, &pos, &tok, &toklen))
        if (ci_cmp(tok, toklen, item, item_len, fold) == 0)
            set_bool(out, 1);
    return 0;
}

/* stringListsIntersect(a, b [, delims]): a token of a is a token of b
 * (case-sensitive; real Requirements use it, e.g. FNAL jobsub's). */
static int fn_string_lists_intersect(evctx *c, const sp_ad *ad, const char *name,
                                     node *const *args, size_t n, sp_cval *out)
{
    (void)name;
    sp_cval v[3];
    if (n < 2 || n > 3) {
        set_type(out, SP_CV_ERROR);
        return 0;
    }
    if (eval_args(c, ad, args, n, v) < 0)
        return -1;
    /* an ERROR argument wins, then an UNDEFINED one, then a non-string */
    int error = 0, undef = 0, other = 0;
    for (size_t i = 0; i < n; i++) {
        error |= v[i].type == SP_CV_ERROR;
        undef |= v[i].type == SP_CV_UNDEFINED;
        other |= v[i].type != SP_CV_STRING;
    }
    if (error || undef || other) {
        set_type(out, !error && undef ? SP_CV_UNDEFINED : SP_CV_ERROR);
        return 0;
    }
    const char *delims = n > 2 ? v[2].u.str.s : ", ";
    size_t pa = 0, la;
    const char *ta;
    set_bool(out, 0);
    while (!out->u.b && next_token(v[0].u.str.s, v[0].u.str.len, delims, &pa, &ta, &la)) {
        size_t pb = 0, lb;
        const char *tb;
        while (next_token(v[1].u.str.s, v[1].u.str.len, delims, &pb, &tb, &lb))
            if (ci_cmp(ta, la, tb, lb, 0) == 0) {
                set_bool(out, 1);
                break;
            }
    }
    return 0;
}

/* PCRE to POSIX ERE: \d and \D outside brackets are rewritten; other
 * PCRE-only syntax is refused (0) rather than matched differently. */
static int pcre_to_ere(const char *pat, sbuf *b)
{
    int in_bracket = 0;
    for (size_t i = 0; pat[i]; i++) {
        char ch = pat[i], nx = pat[i + 1];
        if (in_bracket) {
            if (ch == '[' && nx == ':') {
                const char *end = strstr(pat + i + 2, ":]");
                if (!end)
                    return 0;
                sb_add(b, pat + i, (size_t)(end + 2 - (pat + i)));
                i = (size_t)(end + 1 - pat);
                in_bracket++;
                continue;
            }
            if (ch == '\\' || (ch == '[' && (nx == '.' || nx == '=')))
                return 0;
            if (ch == ']' && in_bracket > 1)
                in_bracket = 0;
            else
                in_bracket++;
            sb_add(b, &pat[i], 1);
            continue;
        }
        if (ch == '[') {
            in_bracket = 1;
            if (nx == '^') {
                sb_add(b, "[^", 2);
                i++;
            } else {
                sb_add(b, "[", 1);
            }
            continue;
        }
        if ((ch == '(' && nx == '?') ||
            ((ch == '*' || ch == '+' || ch == '?' || ch == '}') && (nx == '?' || nx == '+')))
            return 0;
        if (ch == '\\') {
            if (nx == 'd' || nx == 'D') {
                sb_addz(b, nx == 'd' ? "[0-9]" : "[^0-9]");
                i++;
                continue;
            }
            if (!nx || !strchr(".[]()*+?{}|^$\\/-wWsSbB", nx))
                return 0;
            sb_add(b, &pat[i], 2);
            i++;
            continue;
        }
        sb_add(b, &pat[i], 1);
    }
    if (in_bracket)
        return 0;
    sb_add(b, "", 0);
    return 1;
}

static int fn_regexp(evctx *c, const sp_ad *ad, const char *name,
                     node *const *args, size_t n, sp_cval *out)
{
    (void)name;
    sp_cval v[3];
    if (n < 2 || n > 3) {
        set_type(out, SP_CV_ERROR);
        return 0;
    }
    if (eval_args(c, ad, args, n, v) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (v[i].type == SP_CV_ERROR) {
            set_type(out, SP_CV_ERROR);
            return 0;
        }
    for (size_t i = 0; i < n; i++)
        if (v[i].type == SP_CV_UNDEFINED) {
            set_type(out, SP_CV_UNDEFINED);
            return 0;
        }
    for (size_t i = 0; i < n; i++)
        if (v[i].type != SP_CV_STRING) {
            set_type(out, SP_CV_ERROR);
            return 0;
        }
    sbuf b = { .c = c };
    if (!pcre_to_ere(v[0].u.str.s, &b))
        return unsupported(c, "regexp: PCRE-only pattern syntax is not supported");
    if (b.failed)
        return ev_nomem(c);
    int flags = REG_EXTENDED | REG_NOSUB;
    if (n > 2 && strchr(v[2].u.str.s, 'i'))
        flags |= REG_ICASE;
    regex_t re;
    if (regcomp(&re, b.s ? b.s : "", flags) != 0) {
        set_type(out, SP_CV_ERROR);
        return 0;
    }
    set_bool(out, regexec(&re, v[1].u.str.s, 0, NULL, 0) == 0);
    regfree(&re);
    return 0;
}

static const struct {
    const char *name;
    fn_impl fn;
} functions[] = {
    { "isundefined", fn_is_type }, { "iserror", fn_is_type },
    { "isstring", fn_is_type }, { "isinteger", fn_is_type },
    { "isreal", fn_is_type }, { "isboolean", fn_is_type },
    { "islist", fn_is_type }, { "isclassad", fn_is_type },
    { "ifthenelse", fn_if_then_else },
    { "int", fn_int }, { "real", fn_real }, { "string", fn_string },
    { "floor", fn_round }, { "ceil", fn_round }, { "ceiling", fn_round },
    { "round", fn_round }, { "pow", fn_pow },
    { "min", fn_min_max }, { "max", fn_min_max },
    { "sum", fn_sum_avg }, { "avg", fn_sum_avg },
    { "size", fn_size }, { "strcat", fn_strcat },
    { "tolower", fn_change_case }, { "toupper", fn_change_case },
    { "substr", fn_substr }, { "strcmp", fn_strcmp }, { "stricmp", fn_strcmp },
    { "member", fn_member }, { "identicalmember", fn_member },
    { "regexp", fn_regexp },
    { "stringlistsize", fn_string_list_size },
    { "stringlistmember", fn_string_list_member },
    { "stringlistimember", fn_string_list_member },
    { "stringlistsintersect", fn_string_lists_intersect },
};

static int eval_call(evctx *c, const node *n, const sp_ad *ad, sp_cval *out)
{
    for (size_t i = 0; i < sizeof(functions) / sizeof(functions[0]); i++)
        if (strcasecmp(n->name, functions[i].name) == 0)
            return functions[i].fn(c, ad, functions[i].name, n->args, n->n, out);
    if (strcasecmp(n->name, "time") == 0 || strcasecmp(n->name, "currenttime") == 0 ||
        strcasecmp(n->name, "random") == 0)
        return unsupported(c, "function %.64s() depends on when it is evaluated", n->name);
    return unsupported(c, "function %.64s() is not supported", n->name);
}

/* ------------------------------------------------------------------ */

static int eval_node(evctx *c, const node *n, const sp_ad *ad, sp_cval *out)
{
    if (--c->steps < 0)
        return unsupported(c, "evaluation takes too many steps");
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
    case N_CALL: rc = eval_call(c, n, ad, out); break;
    default: rc = unsupported(c, "nested ad literals are not supported"); break;
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
        return unsupported(&c, "no expression or arena");
    if (eval_node(&c, e->root, ad, out) < 0 || export_value(&c, e->pool, out, 0) < 0) {
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

int sp_ad_eval_attr(const sp_ad *ad, const char *name, sp_arena *arena,
                    sp_cval *out, char *err, size_t errlen)
{
    return sp_ad_eval_attr_cached(ad, name, NULL, arena, out, err, errlen);
}

int sp_ad_eval_attr_cached(const sp_ad *ad, const char *name, sp_expr_cache *cache, sp_arena *arena,
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
        return unsupported(&c, "no arena");
    if (resolve(&c, ad, v, out) < 0) {
        set_type(out, SP_CV_ERROR);
        return c.circular ? 0 : -1;
    }
    return 0;
}
