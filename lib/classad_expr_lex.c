/* classad_expr_lex.c - the tokens of ClassAd expressions, as HTCondor's
 * src/classad/lexer.cpp reads them (see classad_expr_internal.h). */
#include "classad_expr_internal.h"

#include <stdlib.h>

static int peekc(const lexer *lx, size_t off)
{
    return lx->pos + off < lx->len ? (unsigned char)lx->text[lx->pos + off] : -1;
}

static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
int sp_expr_is_space(int c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

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
        if (c >= 0 && sp_expr_is_space(c)) {
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
    char *out = sp_expr_pool_alloc(lx->pool, n + 1);
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
        while (r < lx->len && sp_expr_is_space((unsigned char)lx->text[r]))
            r++;
        if (r < lx->len && lx->text[r] == delim && delim == '"') {
            p = r;
            continue;
        }
        lx->pos = q + 1;
        break;
    }
    /* second pass: concatenate the raw pieces, then decode */
    char *buf = sp_expr_pool_alloc(lx->pool, raw + 1);
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

int sp_expr_word_is(const char *s, size_t n, const char *w)
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
    if (plain && sp_expr_word_is(s, n, "true")) {
        lx->tok.type = T_BOOL;
        lx->tok.i = 1;
    } else if (plain && sp_expr_word_is(s, n, "false")) {
        lx->tok.type = T_BOOL;
        lx->tok.i = 0;
    } else if (plain && sp_expr_word_is(s, n, "error")) {
        lx->tok.type = T_ERRV;
    } else if (plain && sp_expr_word_is(s, n, "undefined")) {
        lx->tok.type = T_UNDEF;
    } else if (plain && sp_expr_word_is(s, n, "is")) {
        lx->tok.type = T_META_EQ;
    } else if (plain && sp_expr_word_is(s, n, "isnt")) {
        lx->tok.type = T_META_NE;
    } else {
        char *copy = sp_expr_pool_alloc(lx->pool, n + 1);
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
    while (p < lx->len && sp_expr_is_space((unsigned char)lx->text[p]))
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
void sp_expr_lex_next(lexer *lx)
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
