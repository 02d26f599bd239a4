/* adjson.c - streaming parser for HTCondor's JSON ads; see adjson.h.
 *
 * Two passes per ad, both linear: scan() finds where the ad ends (strings,
 * escapes and bracket depth, resumable across feeds), then parse_ad() walks
 * the complete ad by recursive descent and emits events. Decoded strings go
 * to a scratch buffer reserved at the ad's size, so event pointers stay put
 * for the whole ad; strings without escapes point into the input directly. */
#include <errno.h>
#include <float.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "adjson.h"
#include "buf.h"
#include "utf8.h"

#define NONE ((size_t)-1)
#define MAX_DEPTH 64

enum { MODE_UNKNOWN, MODE_ARRAY, MODE_LINES };
enum { WANT_AD_OR_END, WANT_AD, WANT_COMMA_OR_END, ARRAY_DONE };

struct sp_adjson {
    sp_buf buf;
    size_t pos;          /* scan position in buf */
    size_t ad_start;     /* where the ad in progress starts, or NONE */
    uint64_t offset;     /* stream offset of buf.data[0] */
    int mode, state;
    int depth, in_string, escape;
    int skipping;        /* the ad in progress is over the limit */
    uint64_t skip_start; /* its stream offset */
    size_t max;
    char broken[256];
    uint64_t ads, skipped;
    sp_buf scratch;
};

/* ---- life cycle ---- */

sp_adjson *sp_adjson_new(size_t max_ad_bytes)
{
    sp_adjson *p = calloc(1, sizeof(*p));
    if (p) {
        p->ad_start = NONE;
        p->max = max_ad_bytes ? max_ad_bytes : SP_ADJSON_MAX_AD;
    }
    return p;
}

void sp_adjson_free(sp_adjson *p)
{
    if (!p)
        return;
    sp_buf_free(&p->buf);
    sp_buf_free(&p->scratch);
    free(p);
}

int sp_adjson_broken(const sp_adjson *p) { return p->broken[0] != 0; }
uint64_t sp_adjson_ads(const sp_adjson *p) { return p->ads; }
uint64_t sp_adjson_skipped(const sp_adjson *p) { return p->skipped; }

/* Drops bytes nobody needs any more: before the ad in progress, or all
 * scanned bytes between ads and while skipping an oversized ad. */
static void compact(sp_adjson *p)
{
    size_t keep = p->skipping ? p->pos : p->ad_start != NONE ? p->ad_start : p->pos;
    if (keep == 0)
        return;
    memmove(p->buf.data, p->buf.data + keep, p->buf.len - keep);
    p->buf.len -= keep;
    p->pos -= keep;
    if (p->ad_start != NONE && !p->skipping)
        p->ad_start -= keep;
    p->offset += keep;
}

int sp_adjson_feed(sp_adjson *p, const void *data, size_t len)
{
    compact(p);
    return sp_buf_append(&p->buf, data, len);
}

static int set_broken(sp_adjson *p, char *err, size_t errlen, uint64_t at, const char *fmt, ...)
{
    char why[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    snprintf(p->broken, sizeof(p->broken), "byte %llu: %s", (unsigned long long)at, why);
    snprintf(err, errlen, "%s", p->broken);
    return -1;
}

/* ---- pass 1: where does the ad end ---- */

static int is_ws(unsigned char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

/* Between ads: the array punctuation, or the start of the next ad.
 * 1 when an ad starts at pos, 0 when more input is needed, -1 broken. */
static int between(sp_adjson *p, char *err, size_t errlen)
{
    const uint8_t *b = p->buf.data;
    while (p->pos < p->buf.len) {
        unsigned char c = b[p->pos];
        if (is_ws(c)) {
            p->pos++;
            continue;
        }
        uint64_t at = p->offset + p->pos;
        if (p->mode == MODE_UNKNOWN && c == '[') {
            p->mode = MODE_ARRAY;
            p->state = WANT_AD_OR_END;
        } else if (c == '{' && (p->mode != MODE_ARRAY || p->state == WANT_AD_OR_END || p->state == WANT_AD)) {
            if (p->mode == MODE_UNKNOWN)
                p->mode = MODE_LINES;
            return 1;
        } else if (p->mode == MODE_ARRAY && c == ',' && p->state == WANT_COMMA_OR_END) {
            p->state = WANT_AD;
        } else if (p->mode == MODE_ARRAY && c == ']' && (p->state == WANT_COMMA_OR_END || p->state == WANT_AD_OR_END)) {
            p->state = ARRAY_DONE;
        } else if (p->mode == MODE_ARRAY && p->state == ARRAY_DONE) {
            return set_broken(p, err, errlen, at, "data after the end of the array");
        } else {
            return set_broken(p, err, errlen, at, "expected %s, got '%c'",
                              p->mode == MODE_UNKNOWN ? "'[' or '{'" : p->mode == MODE_LINES ? "'{'"
                              : p->state == WANT_COMMA_OR_END ? "',' or ']'" : "'{'",
                              c >= 32 && c < 127 ? c : '?');
        }
        p->pos++;
    }
    return 0;
}

/* Eight bytes at a time: each test below sets the high bit of exactly the
 * bytes of w of that kind (no carries between bytes). */
#define ONES 0x0101010101010101ull
#define LOWS 0x7F7F7F7F7F7F7F7Full
#define HIGHS 0x8080808080808080ull

static uint64_t load8(const uint8_t *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

static uint64_t bytes_equal(uint64_t w, unsigned char c)
{
    uint64_t x = w ^ (ONES * c);
    return ~(((x & LOWS) + LOWS) | x) & HIGHS;
}

/* Control characters (< 0x20) and non-ASCII bytes. */
static uint64_t bytes_unusual(uint64_t w)
{
    return (~((w & LOWS) + ONES * 0x60) | w) & HIGHS;
}

/* The offset of the first (lowest-addressed) flagged byte of a nonzero mask. */
static size_t first_flagged(uint64_t m)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return (size_t)__builtin_clzll(m) / 8;
#else
    return (size_t)__builtin_ctzll(m) / 8;
#endif
}

/* The first '"' or '\\' in b[i..n), or n. */
static size_t quote_or_backslash(const uint8_t *b, size_t i, size_t n)
{
    for (; i + 8 <= n; i += 8) {
        uint64_t w = load8(b + i), m = bytes_equal(w, '"') | bytes_equal(w, '\\');
        if (m)
            return i + first_flagged(m);
    }
    while (i < n && b[i] != '"' && b[i] != '\\')
        i++;
    return i;
}

/* The first '"', bracket or brace in b[i..n), or n: '[' | 0x20 is '{' and
 * ']' | 0x20 is '}', and no other byte gives either. */
static size_t structural(const uint8_t *b, size_t i, size_t n)
{
    for (; i + 8 <= n; i += 8) {
        uint64_t w = load8(b + i), f = w | ONES * 0x20;
        uint64_t m = bytes_equal(w, '"') | bytes_equal(f, '{') | bytes_equal(f, '}');
        if (m)
            return i + first_flagged(m);
    }
    while (i < n && b[i] != '"' && (b[i] | 0x20) != '{' && (b[i] | 0x20) != '}')
        i++;
    return i;
}

/* Inside an ad: 1 when pos is just past its closing brace, 0 for more. */
static int scan_ad(sp_adjson *p)
{
    const uint8_t *b = p->buf.data;
    size_t i = p->pos, n = p->buf.len;
    int in_string = p->in_string, escape = p->escape, done = 0;
    while (i < n && !done) {
        if (escape) {
            escape = 0;
            i++;
        } else if (in_string) {
            if ((i = quote_or_backslash(b, i, n)) < n) {
                escape = b[i] == '\\';
                in_string = escape;
                i++;
            }
        } else if ((i = structural(b, i, n)) < n) {
            unsigned char c = b[i++];
            if (c == '"')
                in_string = 1;
            else if (c == '{' || c == '[')
                p->depth++;
            else if (c == '}' || c == ']')
                done = --p->depth == 0;
        }
    }
    p->pos = i;
    p->in_string = in_string;
    p->escape = escape;
    return done;
}

/* ---- pass 2: the ad's content ---- */

typedef struct {
    const char *s, *end, *base;   /* the ad; base: for byte offsets */
    uint64_t offset;              /* stream offset of base */
    sp_buf *scratch;
    sp_adjson_fn *cb;
    void *ctx;
    const char *attr;             /* attribute being read, for messages */
    size_t attr_len;
    char *err;
    size_t errlen;
} cursor;

static int fail(cursor *c, const char *fmt, ...)
{
    char why[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    if (c->attr)
        snprintf(c->err, c->errlen, "byte %llu: attribute \"%.*s\": %s",
                 (unsigned long long)(c->offset + (uint64_t)(c->s - c->base)), (int)(c->attr_len > 80 ? 80 : c->attr_len),
                 c->attr, why);
    else
        snprintf(c->err, c->errlen, "byte %llu: %s", (unsigned long long)(c->offset + (uint64_t)(c->s - c->base)), why);
    return -1;
}

static void skip_ws(cursor *c)
{
    while (c->s < c->end && is_ws((unsigned char)*c->s))
        c->s++;
}

static int hex4(const char *s, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char h = s[i];
        v <<= 4;
        if (h >= '0' && h <= '9') v |= (unsigned)(h - '0');
        else if (h >= 'a' && h <= 'f') v |= (unsigned)(h - 'a' + 10);
        else if (h >= 'A' && h <= 'F') v |= (unsigned)(h - 'A' + 10);
        else return -1;
    }
    *out = v;
    return 0;
}

static char *put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        *o++ = (char)cp;
    } else if (cp < 0x800) {
        *o++ = (char)(0xC0 | (cp >> 6));
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *o++ = (char)(0xE0 | (cp >> 12));
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *o++ = (char)(0xF0 | (cp >> 18));
        *o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    }
    return o;
}

/* The end of the plain ASCII at s: up to a '"', '\\', control character
 * or non-ASCII byte. */
static const char *plain_run(const char *s, const char *end)
{
    const uint8_t *p = (const uint8_t *)s, *e = (const uint8_t *)end;
    for (; e - p >= 8; p += 8) {
        uint64_t w = load8(p), m = bytes_equal(w, '"') | bytes_equal(w, '\\') | bytes_unusual(w);
        if (m)
            return (const char *)p + first_flagged(m);
    }
    while (p < e && *p != '"' && *p != '\\' && *p >= 0x20 && *p < 0x80)
        p++;
    return (const char *)p;
}

/* Reads a string at c->s (on its opening quote). Points *out into the input
 * when nothing needs decoding, into the scratch buffer otherwise. */
/* HTCondor's JSON form of an expression (jsonSource.cpp, util.cpp
 * convert_escapes_json): the raw text between the quotes starts and ends
 * with an escaped slash, \/Expr(...)\/, and decodes to /Expr( (any case)
 * ... )/. A string printed as "/Expr(x)/", slashes unescaped, as the JSON
 * unparser prints a string value, stays a string. */
static int quoted_expr(const char *raw, const char *raw_end, const char *s, size_t len)
{
    size_t n = (size_t)(raw_end - raw);
    return n >= 4 && raw[0] == '\\' && raw[1] == '/' && raw_end[-2] == '\\' && raw_end[-1] == '/' &&
           len >= 8 && strncasecmp(s, "/Expr(", 6) == 0 && memcmp(s + len - 2, ")/", 2) == 0;
}

static int read_string(cursor *c, const char **out, size_t *len)
{
    const char *s = ++c->s;
    const char *p = plain_run(s, c->end);
    if (p < c->end && *p == '"') {          /* the common case: plain ASCII */
        *out = s;
        *len = (size_t)(p - s);
        c->s = p + 1;
        return 0;
    }
    char *o0 = (char *)c->scratch->data + c->scratch->len, *o = o0;
    memcpy(o, s, (size_t)(p - s));
    o += p - s;
    while (p < c->end && *p != '"') {
        unsigned char ch = (unsigned char)*p;
        if (ch < 0x20) {
            c->s = p;
            return fail(c, "control character 0x%02x in a string", ch);
        }
        if (ch >= 0x80) {
            size_t n = sp_utf8_len((const unsigned char *)p, (const unsigned char *)c->end);
            if (!n) {
                c->s = p;
                return fail(c, "invalid UTF-8 in a string");
            }
            memcpy(o, p, n);
            o += n;
            p += n;
            continue;
        }
        if (ch != '\\') {                        /* plain ASCII up to the next special */
            const char *q = plain_run(p + 1, c->end);
            memcpy(o, p, (size_t)(q - p));
            o += q - p;
            p = q;
            continue;
        }
        if (p + 1 >= c->end) {
            c->s = p;
            return fail(c, "unterminated escape");
        }
        char e = p[1];
        p += 2;
        switch (e) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '/': *o++ = '/'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u': {
            unsigned cp, lo;
            if (c->end - p < 4 || hex4(p, &cp) != 0) {
                c->s = p;
                return fail(c, "bad \\u escape");
            }
            p += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (c->end - p < 6 || p[0] != '\\' || p[1] != 'u' || hex4(p + 2, &lo) != 0 || lo < 0xDC00 || lo > 0xDFFF) {
                    c->s = p;
                    return fail(c, "unpaired surrogate in \\u escape");
                }
                p += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                c->s = p;
                return fail(c, "unpaired surrogate in \\u escape");
            }
            o = put_utf8(o, cp);
            break;
        }
        default:
            c->s = p - 2;
            return fail(c, "bad escape \\%c", e >= 32 && e < 127 ? e : '?');
        }
    }
    if (p >= c->end) {
        c->s = p;
        return fail(c, "unterminated string");
    }
    *out = o0;
    *len = (size_t)(o - o0);
    c->scratch->len += *len;
    c->s = p + 1;
    return 0;
}

static int emit(cursor *c, sp_adjson_event *ev)
{
    if (c->cb && c->cb(c->ctx, ev) != 0)
        return fail(c, "stopped by the caller");
    return 0;
}

/* An integer of at most 18 digits (s..end is valid JSON), as strtoll
 * reads it; 0 for longer ones. */
static int exact_int(const char *s, const char *end, long long *out)
{
    int neg = *s == '-';
    s += neg;
    if (end - s > 18)
        return 0;
    long long v = 0;
    for (; s < end; s++)
        v = v * 10 + (*s - '0');
    *out = neg ? -v : v;
    return 1;
}

/* A real of at most 15 significant digits and a power of ten within
 * 1e22: one correctly rounded multiplication or division of two exact
 * doubles, so the same double as strtod (Clinger's fast path); 0 for the
 * others (s..end is valid JSON). */
static int exact_real(const char *s, const char *end, double *out)
{
    static const double pow10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };
    int neg = *s == '-', digits = 0, dot = 0;
    long long m = 0, e = 0;
    if (FLT_EVAL_METHOD != 0)                   /* x87: double rounding */
        return 0;
    for (s += neg; s < end && *s != 'e' && *s != 'E'; s++) {
        if (*s == '.') {
            dot = 1;
            continue;
        }
        if ((m || *s != '0') && ++digits > 15)
            return 0;
        m = m * 10 + (*s - '0');
        e -= dot;
    }
    if (s < end) {                              /* the exponent */
        int eneg = *++s == '-';
        s += *s == '-' || *s == '+';
        if (end - s > 4)
            return 0;
        long long x = 0;
        for (; s < end; s++)
            x = x * 10 + (*s - '0');
        e += eneg ? -x : x;
    }
    if (e < -22 || e > 22)
        return 0;
    double v = e < 0 ? (double)m / pow10[-e] : (double)m * pow10[e];
    *out = neg ? -v : v;
    return 1;
}

static int read_number(cursor *c, sp_adjson_event *ev)
{
    const char *s = c->s, *p = s;
    int real = 0;
    if (p < c->end && *p == '-')
        p++;
    if (p < c->end && *p == '0')
        p++;
    else if (p < c->end && *p >= '1' && *p <= '9')
        while (p < c->end && *p >= '0' && *p <= '9')
            p++;
    else
        return fail(c, "bad number");
    if (p < c->end && *p == '.') {
        real = 1;
        if (++p >= c->end || *p < '0' || *p > '9')
            return fail(c, "bad number");
        while (p < c->end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < c->end && (*p == 'e' || *p == 'E')) {
        real = 1;
        if (++p < c->end && (*p == '+' || *p == '-'))
            p++;
        if (p >= c->end || *p < '0' || *p > '9')
            return fail(c, "bad number");
        while (p < c->end && *p >= '0' && *p <= '9')
            p++;
    }
    ev->type = real ? SP_ADJSON_REAL : SP_ADJSON_INT;
    if (real ? exact_real(s, p, &ev->r) : exact_int(s, p, &ev->i)) {
        c->s = p;
        return 0;
    }
    char num[64];
    if ((size_t)(p - s) >= sizeof(num))
        return fail(c, "number too long");
    memcpy(num, s, (size_t)(p - s));
    num[p - s] = '\0';
    /* as HTCondor's ClassAd library reads them: an integer beyond 64 bits
     * is clamped to the range (strtoll), a real beyond it is infinite and
     * one too small 0 or subnormal (strtod) */
    if (real)
        ev->r = strtod(num, NULL);
    else
        ev->i = strtoll(num, NULL, 10);
    c->s = p;
    return 0;
}

static int literal(cursor *c, const char *word, size_t n)
{
    if ((size_t)(c->end - c->s) < n || memcmp(c->s, word, n) != 0)
        return fail(c, "unexpected '%c'", *c->s >= 32 && *c->s < 127 ? *c->s : '?');
    c->s += n;
    return 0;
}

static int read_members(cursor *c, int depth);

/* One value; name is NULL inside lists. */
static int read_value(cursor *c, const char *name, size_t name_len, int depth)
{
    sp_adjson_event ev = { .name = name, .name_len = name_len, .depth = depth };
    skip_ws(c);
    if (c->s >= c->end)
        return fail(c, "missing value");
    switch (*c->s) {
    case '"': {
        const char *raw = c->s + 1;
        if (read_string(c, &ev.str, &ev.len) != 0)
            return -1;
        ev.type = SP_ADJSON_STRING;
        if (quoted_expr(raw, c->s - 1, ev.str, ev.len)) {
            ev.type = SP_ADJSON_EXPR;
            ev.str += 6;
            ev.len -= 8;
        }
        return emit(c, &ev);
    }
    case '{':
        if (depth + 1 >= MAX_DEPTH)
            return fail(c, "nested deeper than %d", MAX_DEPTH);
        ev.type = SP_ADJSON_AD_BEGIN;
        if (emit(c, &ev) != 0)
            return -1;
        c->s++;
        if (read_members(c, depth + 1) != 0)
            return -1;
        ev = (sp_adjson_event){ .type = SP_ADJSON_AD_END, .depth = depth };
        return emit(c, &ev);
    case '[': {
        if (depth + 1 >= MAX_DEPTH)
            return fail(c, "nested deeper than %d", MAX_DEPTH);
        ev.type = SP_ADJSON_LIST_BEGIN;
        if (emit(c, &ev) != 0)
            return -1;
        c->s++;
        skip_ws(c);
        if (c->s < c->end && *c->s == ']') {
            c->s++;
        } else {
            for (;;) {
                if (read_value(c, NULL, 0, depth + 1) != 0)
                    return -1;
                skip_ws(c);
                if (c->s < c->end && *c->s == ',') {
                    c->s++;
                    continue;
                }
                if (c->s < c->end && *c->s == ']') {
                    c->s++;
                    break;
                }
                return fail(c, "expected ',' or ']' in a list");
            }
        }
        ev = (sp_adjson_event){ .type = SP_ADJSON_LIST_END, .depth = depth };
        return emit(c, &ev);
    }
    case 't':
        ev.type = SP_ADJSON_BOOL;
        ev.i = 1;
        return literal(c, "true", 4) || emit(c, &ev);
    case 'f':
        ev.type = SP_ADJSON_BOOL;
        return literal(c, "false", 5) || emit(c, &ev);
    case 'n':
        ev.type = SP_ADJSON_NULL;
        return literal(c, "null", 4) || emit(c, &ev);
    default:
        if (read_number(c, &ev) != 0)
            return -1;
        return emit(c, &ev);
    }
}

/* "name": value pairs up to the closing brace (c->s is past the '{'). */
static int read_members(cursor *c, int depth)
{
    skip_ws(c);
    if (c->s < c->end && *c->s == '}') {
        c->s++;
        return 0;
    }
    for (;;) {
        skip_ws(c);
        if (c->s >= c->end || *c->s != '"')
            return fail(c, "expected an attribute name");
        const char *name;
        size_t name_len;
        if (read_string(c, &name, &name_len) != 0)
            return -1;
        if (depth == 0) {       /* messages name the ad's own attribute */
            c->attr = name;
            c->attr_len = name_len;
        }
        skip_ws(c);
        if (c->s >= c->end || *c->s != ':')
            return fail(c, "expected ':' after the name");
        c->s++;
        if (read_value(c, name, name_len, depth) != 0)
            return -1;
        skip_ws(c);
        if (c->s < c->end && *c->s == ',') {
            c->s++;
            continue;
        }
        if (c->s < c->end && *c->s == '}') {
            c->s++;
            return 0;
        }
        return fail(c, "expected ',' or '}'");
    }
}

static int parse_ad(sp_adjson *p, const char *s, size_t n, sp_adjson_fn *cb, void *ctx, char *err, size_t errlen)
{
    p->scratch.len = 0;
    if (sp_buf_reserve(&p->scratch, n + 16) != 0) {
        snprintf(err, errlen, "out of memory for an ad of %zu bytes", n);
        return -1;
    }
    cursor c = { .s = s, .end = s + n, .base = s, .offset = p->offset + (uint64_t)(s - (const char *)p->buf.data),
                 .scratch = &p->scratch, .cb = cb, .ctx = ctx, .err = err, .errlen = errlen };
    if (*c.s != '{')
        return fail(&c, "expected an ad ('{')");
    c.s++;
    if (read_members(&c, 0) != 0)
        return -1;
    return 0;
}

/* ---- driver ---- */

int sp_adjson_next(sp_adjson *p, sp_adjson_fn *cb, void *ctx, char *err, size_t errlen)
{
    err[0] = '\0';
    if (p->broken[0]) {
        snprintf(err, errlen, "%s", p->broken);
        return -1;
    }
    for (;;) {
        if (p->ad_start == NONE) {
            int rc = between(p, err, errlen);
            if (rc <= 0)
                return rc;
            p->ad_start = p->pos;
            p->depth = 1;
            p->in_string = p->escape = 0;
            p->pos++;
        }
        int done = scan_ad(p);
        if (!p->skipping && p->pos - p->ad_start > p->max) {
            p->skipping = 1;
            p->skip_start = p->offset + p->ad_start;
        }
        if (!done) {
            if (p->skipping)
                compact(p);
            return 0;
        }
        size_t start = p->ad_start, end = p->pos;
        p->ad_start = NONE;
        if (p->mode == MODE_ARRAY)
            p->state = WANT_COMMA_OR_END;
        if (p->skipping) {
            p->skipping = 0;
            p->skipped++;
            snprintf(err, errlen, "byte %llu: ad larger than %zu bytes, skipped",
                     (unsigned long long)p->skip_start, p->max);
            return -1;
        }
        if (p->buf.data[start] != '{' || p->buf.data[end - 1] != '}') {
            p->skipped++;
            snprintf(err, errlen, "byte %llu: brackets do not match in this ad", (unsigned long long)(p->offset + start));
            return -1;
        }
        if (parse_ad(p, (const char *)p->buf.data + start, end - start, cb, ctx, err, errlen) != 0) {
            p->skipped++;
            return -1;
        }
        p->ads++;
        return 1;
    }
}

int sp_adjson_finish(sp_adjson *p, char *err, size_t errlen)
{
    if (p->broken[0]) {
        snprintf(err, errlen, "%s", p->broken);
        return -1;
    }
    if (p->ad_start != NONE || p->skipping)
        return set_broken(p, err, errlen, p->skipping ? p->skip_start : p->offset + p->ad_start,
                          "truncated: the ad starting here never ends");
    if (p->mode == MODE_ARRAY && p->state != ARRAY_DONE)
        return set_broken(p, err, errlen, p->offset + p->pos, "truncated: the list of ads is not closed with ']'");
    return 0;
}
