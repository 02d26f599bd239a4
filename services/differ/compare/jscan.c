/* jscan.c - the key of a JSON-lines document without building a DOM.
 *
 * Loading a side only needs each document's key; the document itself is
 * parsed once, when it is compared. This scanner checks a whole line against
 * the JSON grammar, with strict UTF-8, and picks the key fields out of the
 * top-level object as differ_key() would. It is stricter than jansson on
 * purpose: whatever it accepts, json_loadb accepts too, so a line it accepts
 * is never a bad record later. Anything it is unsure of (escapes in a key
 * value, \u0000 and \u surrogates, numbers near the double range, a real or null key
 * part, a key field twice, nesting deeper than 500) makes it answer -1, and
 * the caller parses the line with jansson, which decides and explains.
 *
 * Owns nothing; writes the key into the caller's buffer. */
#include <string.h>

#include "differ.h"
#include "utf8.h"

#define MAX_DEPTH 500
#define MAX_FIELDS 8

typedef struct {
    const unsigned char *p, *end;
    int depth;
} scan;

/* A key field's value as found: its raw text and kind. */
typedef struct {
    const char *name;
    const unsigned char *val;
    size_t len;
    int kind;            /* 0 not seen, 1 plain string, 2 integer, 3 true/false, -1 unusable */
} want;

static void ws(scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

static int hex4(const unsigned char *p, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned c = p[i];
        unsigned d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                   : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 16;
        if (d > 15)
            return -1;
        v = v * 16 + d;
    }
    *out = v;
    return 0;
}

/* At the opening quote. The raw content in *start and *len; *escaped when it
 * holds a backslash. 0, or -1. */
static int string(scan *s, const unsigned char **start, size_t *len, int *escaped)
{
    s->p++;
    *start = s->p;
    *escaped = 0;
    while (s->p < s->end) {
        unsigned c = *s->p;
        if (c == '"') {
            *len = (size_t)(s->p - *start);
            s->p++;
            return 0;
        }
        if (c < 0x20)
            return -1;
        if (c == '\\') {
            *escaped = 1;
            if (s->end - s->p < 2)
                return -1;
            unsigned e = s->p[1];
            if (e == 'u') {
                unsigned cp;
                if (s->end - s->p < 6 || hex4(s->p + 2, &cp) != 0 || cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF))
                    return -1;          /* \u0000: jansson refuses it in names */
                s->p += 6;
            } else if (strchr("\"\\/bfnrt", (int)e) && e) {
                s->p += 2;
            } else {
                return -1;
            }
        } else if (c >= 0x80) {
            size_t n = sp_utf8_len(s->p, s->end);
            if (n == 0)
                return -1;
            s->p += n;
        } else {
            s->p++;
        }
    }
    return -1;
}

static size_t digits(scan *s)
{
    const unsigned char *b = s->p;
    while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
        s->p++;
    return (size_t)(s->p - b);
}

/* A number; *integer when it has no fraction or exponent. 0, or -1 (also
 * for numbers jansson might refuse: > 18 integer digits, near overflow). */
static int number(scan *s, int *integer)
{
    const unsigned char *b = s->p;
    if (s->p < s->end && *s->p == '-')
        s->p++;
    if (s->p >= s->end)
        return -1;
    size_t n;
    if (*s->p == '0') {
        s->p++;
        n = 1;
    } else if ((n = digits(s)) == 0) {
        return -1;
    }
    *integer = 1;
    size_t frac = 0;
    long exp = 0;
    if (s->p < s->end && *s->p == '.') {
        s->p++;
        if ((frac = digits(s)) == 0)
            return -1;
        *integer = 0;
    }
    if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
        s->p++;
        if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
            s->p++;
        const unsigned char *e = s->p;
        size_t en = digits(s);
        if (en == 0 || en > 3)
            return -1;
        for (; e < s->p; e++)
            exp = exp * 10 + (*e - '0');
        *integer = 0;
    }
    if (*integer)
        return n <= 18 && !(b[0] == '-' && n == 1 && b[1] == '0') ? 0 : -1;
    return n + frac + (size_t)exp <= 300 ? 0 : -1;
}

static int literal(scan *s, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
        return -1;
    s->p += n;
    return 0;
}

static int value(scan *s, want *w, size_t nw);

static int array(scan *s)
{
    s->p++;
    ws(s);
    if (s->p < s->end && *s->p == ']') {
        s->p++;
        return 0;
    }
    for (;;) {
        if (value(s, NULL, 0) != 0)
            return -1;
        ws(s);
        if (s->p >= s->end)
            return -1;
        if (*s->p == ']') {
            s->p++;
            return 0;
        }
        if (*s->p++ != ',')
            return -1;
        ws(s);
    }
}

/* Records a top-level member's value if it is a key field. */
static void capture(want *w, size_t nw, const unsigned char *key, size_t klen, int kescaped,
                    const unsigned char *val, size_t vlen, int kind)
{
    if (kescaped)
        return;                  /* an escaped name could still be a key field: caller gives up */
    for (size_t i = 0; i < nw; i++)
        if (strlen(w[i].name) == klen && memcmp(w[i].name, key, klen) == 0) {
            w[i].kind = w[i].kind ? -1 : kind;   /* twice: jansson keeps the last; not worth it */
            w[i].val = val;
            w[i].len = vlen;
        }
}

static int object(scan *s, want *w, size_t nw)
{
    s->p++;
    ws(s);
    if (s->p < s->end && *s->p == '}') {
        s->p++;
        return 0;
    }
    for (;;) {
        const unsigned char *key, *vstart;
        size_t klen, vlen = 0;
        int kesc, vesc = 0, kind = -1, integer;
        if (s->p >= s->end || *s->p != '"' || string(s, &key, &klen, &kesc) != 0)
            return -1;
        if (kesc && nw)
            return -1;
        ws(s);
        if (s->p >= s->end || *s->p++ != ':')
            return -1;
        ws(s);
        if (s->p >= s->end)
            return -1;
        if (nw && *s->p == '"') {
            if (string(s, &vstart, &vlen, &vesc) != 0)
                return -1;
            kind = vesc ? -1 : 1;
        } else if (nw && (*s->p == '-' || (*s->p >= '0' && *s->p <= '9'))) {
            vstart = s->p;
            if (number(s, &integer) != 0)
                return -1;
            vlen = (size_t)(s->p - vstart);
            kind = integer ? 2 : -1;
        } else if (nw && (*s->p == 't' || *s->p == 'f')) {
            vstart = s->p;
            if (literal(s, *s->p == 't' ? "true" : "false") != 0)
                return -1;
            vlen = (size_t)(s->p - vstart);
            kind = 3;
        } else {
            vstart = s->p;
            if (value(s, NULL, 0) != 0)
                return -1;
        }
        if (nw)
            capture(w, nw, key, klen, kesc, vstart, vlen, kind);
        ws(s);
        if (s->p >= s->end)
            return -1;
        if (*s->p == '}') {
            s->p++;
            return 0;
        }
        if (*s->p++ != ',')
            return -1;
        ws(s);
    }
}

static int value(scan *s, want *w, size_t nw)
{
    if (s->p >= s->end)
        return -1;
    const unsigned char *start;
    size_t len;
    int esc, integer, rc;
    switch (*s->p) {
    case '{':
    case '[':
        if (++s->depth > MAX_DEPTH)
            return -1;
        rc = *s->p == '{' ? object(s, w, nw) : array(s);
        s->depth--;
        return rc;
    case '"':
        return string(s, &start, &len, &esc);
    case 't':
        return literal(s, "true");
    case 'f':
        return literal(s, "false");
    case 'n':
        return literal(s, "null");
    default:
        return number(s, &integer);
    }
}

static int join(const want *w, size_t nw, char *key, size_t keylen)
{
    size_t len = 0;
    for (size_t i = 0; i < nw; i++) {
        if (w[i].kind <= 0 || len + w[i].len + 2 > keylen)
            return -1;
        if (i)
            key[len++] = '#';
        memcpy(key + len, w[i].val, w[i].len);
        len += w[i].len;
    }
    key[len] = '\0';
    return (int)len;
}

int differ_jscan_key(const differ_opts *o, const char *line, size_t n, char *key, size_t keylen)
{
    want w[MAX_FIELDS + 1] = { { "_id", NULL, 0, 0 }, { "GlobalJobId", NULL, 0, 0 }, { "RecordTime", NULL, 0, 0 } };
    size_t nw = 3;
    if (o->key_fields) {
        if (o->nkey_fields == 0 || o->nkey_fields > MAX_FIELDS)
            return -1;
        for (size_t i = 0; i < o->nkey_fields; i++)
            w[i] = (want){ o->key_fields[i], NULL, 0, 0 };
        nw = o->nkey_fields;
    }
    scan s = { (const unsigned char *)line, (const unsigned char *)line + n, 0 };
    ws(&s);
    if (s.p >= s.end || *s.p != '{' || value(&s, w, nw) != 0)
        return -1;
    ws(&s);
    if (s.p != s.end)
        return -1;
    if (o->key_fields)
        return join(w, nw, key, keylen);
    if (w[0].kind == 1)                     /* _id, a string: the id */
        return join(w, 1, key, keylen);
    if (w[0].kind != 0)
        return -1;                          /* an _id differ_key would treat otherwise */
    return join(w + 1, 2, key, keylen);
}
