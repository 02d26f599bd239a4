/* adlong.c - streaming parser for HTCondor's -long ad text; see adlong.h.
 *
 * Two passes per ad, both linear. Pass 1 (scan) runs a byte-at-a-time line
 * state machine, resumable across feeds, that finds where the ad ends: at a
 * blank or "***" line that is not inside a string literal. It follows quotes
 * only after the "Name =" of a line, so a stray quote on a bad line cannot
 * swallow the ads after it. Pass 2 (parse_ad) walks the complete ad line by
 * line and emits events; both passes find the end of a string with the same
 * rule (string_end / the L_STR states). Unescaped strings go to a scratch
 * buffer reserved at the ad's size, so no allocation happens per attribute;
 * strings without escapes point into the input directly. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "adlong.h"
#include "buf.h"
#include "utf8.h"

#define NONE ((size_t)-1)
#define MAX_DEPTH 64          /* lists and nested ads deeper than this are EXPRs */
#define MAX_BRACKETS 256      /* bracket nesting allowed in an expression */

/* Pass 1 line states. */
enum {
    L_START,     /* start of a line, only blanks so far */
    L_STAR1,     /* "*" */
    L_STAR2,     /* "**" */
    L_SEP,       /* a "***" separator line */
    L_NAME,      /* in the attribute name */
    L_NAME_WS,   /* blanks after the name */
    L_VALUE,     /* after the '=', outside strings */
    L_STR,       /* in a string (or quoted name) */
    L_STR_BS,    /* in a string, just after a backslash */
    L_BSQ,       /* in a string, just after backslash-quote: ends the string if the line ends */
    L_BSQ_CR,    /* the same followed by '\r' */
    L_BAD,       /* a line that is not "Name = value": read to its end */
};

struct sp_adlong {
    sp_buf buf;
    size_t pos;          /* scan position in buf */
    size_t ad_start;     /* where the ad in progress starts, or NONE */
    size_t ad_end;       /* end of its last complete line */
    size_t tok_start;    /* first non-blank byte of the current line */
    uint64_t line;       /* line number at pos, 1-based */
    uint64_t ad_line;    /* line where the ad in progress starts */
    uint64_t str_line;   /* line where the open string starts */
    int state;
    char quote;          /* delimiter of the open string */
    int eof, eof_done;
    int skipping;        /* the ad in progress is over the limit */
    int truncated;       /* the input ended inside a string of that ad */
    size_t max;
    uint64_t ads, skipped;
    sp_buf scratch;
    char attr[80];       /* name on the current line, for messages from pass 1 */
    size_t attr_len;
};

/* ---- life cycle ---- */

sp_adlong *sp_adlong_new(size_t max_ad_bytes)
{
    sp_adlong *p = calloc(1, sizeof(*p));
    if (p) {
        p->ad_start = NONE;
        p->line = 1;
        p->max = max_ad_bytes ? max_ad_bytes : SP_ADLONG_MAX_AD;
    }
    return p;
}

void sp_adlong_free(sp_adlong *p)
{
    if (!p)
        return;
    sp_buf_free(&p->buf);
    sp_buf_free(&p->scratch);
    free(p);
}

uint64_t sp_adlong_ads(const sp_adlong *p) { return p->ads; }
uint64_t sp_adlong_skipped(const sp_adlong *p) { return p->skipped; }

/* Drops bytes nobody needs any more: before the ad in progress, or all
 * scanned bytes between ads (but a pending "*" or "**") and while skipping
 * an oversized ad. */
static void compact(sp_adlong *p)
{
    size_t keep = p->pos;
    if (p->ad_start != NONE && !p->skipping)
        keep = p->ad_start;
    else if (p->ad_start == NONE && (p->state == L_STAR1 || p->state == L_STAR2))
        keep = p->tok_start;
    if (keep == 0)
        return;
    memmove(p->buf.data, p->buf.data + keep, p->buf.len - keep);
    p->buf.len -= keep;
    p->pos -= keep;
    if (p->ad_start != NONE && !p->skipping) {
        p->ad_start -= keep;
        p->ad_end -= keep;
    }
    if (p->tok_start >= keep)
        p->tok_start -= keep;
}

int sp_adlong_feed(sp_adlong *p, const void *data, size_t len)
{
    if (p->eof)
        return -1;
    compact(p);
    return sp_buf_append(&p->buf, data, len);
}

int sp_adlong_finish(sp_adlong *p, char *err, size_t errlen)
{
    if (p->eof) {
        snprintf(err, errlen, "the end of input was already marked");
        return -1;
    }
    p->eof = 1;
    return 0;
}

/* ---- pass 1: where does the ad end ---- */

static int is_blank(unsigned char c) { return c == ' ' || c == '\t' || c == '\r'; }
static int name_first(unsigned char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
static int name_char(unsigned char c) { return name_first(c) || (c >= '0' && c <= '9') || c == '.'; }

/* The first non-blank byte of a line that is not a separator. */
static void begin_content(sp_adlong *p, unsigned char c)
{
    if (p->ad_start == NONE) {
        p->ad_start = p->tok_start;
        p->ad_end = p->tok_start;
        p->ad_line = p->line;
    }
    p->attr_len = 0;
    if (name_first(c)) {
        p->attr[p->attr_len++] = (char)c;
        p->state = L_NAME;
    } else {
        p->state = L_BAD;
    }
}

/* At a newline that ends a logical line. 1 when it ends the ad in progress. */
static int end_line(sp_adlong *p, int blank)
{
    p->state = L_START;
    if (!blank) {
        p->ad_end = p->pos + 1;
        return 0;
    }
    return p->ad_start != NONE;
}

static void open_string(sp_adlong *p, unsigned char c)
{
    p->quote = (char)c;
    p->str_line = p->line;
    p->state = L_STR;
}

/* In a string: the byte after the opening quote or any content byte. */
static void in_string(sp_adlong *p, unsigned char c)
{
    if (c == (unsigned char)p->quote)
        p->state = L_VALUE;
    else if (c == '\\')
        p->state = L_STR_BS;
    else
        p->state = L_STR;
}

/* Line states before the value. */
static int step_head(sp_adlong *p, unsigned char c)
{
    switch (p->state) {
    case L_START:
        if (c == '\n')
            return end_line(p, 1);
        if (is_blank(c))
            return 0;
        p->tok_start = p->pos;
        if (c == '*')
            p->state = L_STAR1;
        else
            begin_content(p, c);
        return 0;
    case L_STAR1:
    case L_STAR2:
        if (c == '*') {
            p->state = p->state == L_STAR1 ? L_STAR2 : L_SEP;
            return 0;
        }
        begin_content(p, '*');
        return c == '\n' ? end_line(p, 0) : 0;
    case L_SEP:
        return c == '\n' ? end_line(p, 1) : 0;
    case L_NAME:
        if (name_char(c)) {
            if (p->attr_len < sizeof(p->attr))
                p->attr[p->attr_len++] = (char)c;
            return 0;
        }
        /* fall through */
    default: /* L_NAME_WS */
        if (c == '\n')
            return end_line(p, 0);
        p->state = c == '=' ? L_VALUE : is_blank(c) ? L_NAME_WS : L_BAD;
        return 0;
    }
}

/* One byte of pass 1. 1 when a blank or "***" line ends the ad in progress. */
static int step(sp_adlong *p, unsigned char c)
{
    switch (p->state) {
    case L_VALUE:
        if (c == '"' || c == '\'')
            open_string(p, c);
        return c == '\n' ? end_line(p, 0) : 0;
    case L_STR:
        in_string(p, c);
        return 0;
    case L_STR_BS:
        p->state = c == (unsigned char)p->quote ? L_BSQ : c == '\\' ? L_STR_BS : L_STR;
        return 0;
    case L_BSQ:          /* backslash-quote then newline: the string ended */
        if (c == '\n')
            return end_line(p, 0);
        if (c == '\r')
            p->state = L_BSQ_CR;
        else             /* the quote was part of the string */
            in_string(p, c);
        return 0;
    case L_BSQ_CR:
        if (c == '\n')
            return end_line(p, 0);
        in_string(p, c);
        return 0;
    case L_BAD:
        return c == '\n' ? end_line(p, 0) : 0;
    default:
        return step_head(p, c);
    }
}

/* The end of input ends the current line. 1 when an ad is then complete. */
static int scan_eof(sp_adlong *p)
{
    p->eof_done = 1;
    switch (p->state) {
    case L_START:
    case L_SEP:
        break;
    case L_STAR1:
    case L_STAR2:
        begin_content(p, '*');
        p->ad_end = p->buf.len;
        break;
    case L_STR:
    case L_STR_BS:
        p->truncated = 1;
        /* fall through */
    default:
        p->ad_end = p->buf.len;
        break;
    }
    p->state = L_START;
    return p->ad_start != NONE;
}

static void check_size(sp_adlong *p)
{
    if (p->ad_start != NONE && !p->skipping && p->pos - p->ad_start > p->max)
        p->skipping = 1;
}

/* 1 when the ad in progress is complete ([ad_start, ad_end)), 0 for more. */
static int scan(sp_adlong *p)
{
    const uint8_t *b = p->buf.data;
    size_t n = p->buf.len;
    while (p->pos < n) {
        unsigned char c = b[p->pos];
        int done = step(p, c);
        p->pos++;
        if (c == '\n')
            p->line++;
        if (done) {
            check_size(p);
            return 1;
        }
    }
    check_size(p);
    if (p->eof && !p->eof_done)
        return scan_eof(p);
    return 0;
}

/* ---- pass 2: the ad's content ---- */

typedef struct {
    const char *s, *end;          /* the ad */
    uint64_t line;                /* line number of the line being read */
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
    char why[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    if (c->attr)
        snprintf(c->err, c->errlen, "line %llu: attribute \"%.*s\": %s", (unsigned long long)c->line,
                 (int)(c->attr_len > 80 ? 80 : c->attr_len), c->attr, why);
    else
        snprintf(c->err, c->errlen, "line %llu: %s", (unsigned long long)c->line, why);
    return -1;
}

static int emit(cursor *c, sp_adjson_event *ev)
{
    if (c->cb && c->cb(c->ctx, ev) != 0)
        return fail(c, "stopped by the caller");
    return 0;
}

/* Does a line end at p? (The rule that ends a string after backslash-quote.) */
static int at_eol(const char *p, const char *end)
{
    return p == end || *p == '\n' || (*p == '\r' && (p + 1 == end || p[1] == '\n'));
}

/* The closing delimiter of the string whose content starts at s, or NULL.
 * Old ClassAd rule: a delimiter after a backslash is content, unless the
 * line ends right after it. */
static const char *string_end(const char *s, const char *end, char delim)
{
    for (const char *q = s; q < end; q++) {
        q = memchr(q, delim, (size_t)(end - q));
        if (!q)
            return NULL;
        if (q == s || q[-1] != '\\' || at_eol(q + 1, end))
            return q;
    }
    return NULL;
}

/* Past the string or quoted name whose opening delimiter is at q (within
 * [q, end)); NULL when it is not closed. */
static const char *skip_string(const char *q, const char *end, const char *ad_end)
{
    const char *e = string_end(q + 1, ad_end, *q);
    return e && e < end ? e + 1 : NULL;
}

/* No NUL byte and valid UTF-8 in [s, end). */
static int check_text(cursor *c, const char *s, const char *end)
{
    const unsigned char *p = (const unsigned char *)s, *e = (const unsigned char *)end;
    while (p < e) {
        if (*p == 0)
            return fail(c, "NUL byte in the value");
        if (*p < 0x80) {
            p++;
            continue;
        }
        size_t n = sp_utf8_len(p, e);
        if (!n)
            return fail(c, "invalid UTF-8 in the value");
        p += n;
    }
    return 0;
}

/* Brackets ( [ { match in [s, end), strings aside. */
static int check_brackets(cursor *c, const char *s, const char *end)
{
    char stack[MAX_BRACKETS];
    int n = 0;
    for (const char *q = s; q < end; q++) {
        char ch = *q;
        if (ch == '"' || ch == '\'') {
            const char *e = skip_string(q, end, c->end);
            if (!e)
                return fail(c, "string not closed");
            q = e - 1;
        } else if (ch == '(' || ch == '[' || ch == '{') {
            if (n == MAX_BRACKETS)
                return fail(c, "brackets nested deeper than %d", MAX_BRACKETS);
            stack[n++] = ch == '(' ? ')' : ch == '[' ? ']' : '}';
        } else if (ch == ')' || ch == ']' || ch == '}') {
            if (n == 0 || stack[--n] != ch)
                return fail(c, "unbalanced brackets in the value");
        }
    }
    return n == 0 ? 0 : fail(c, "unbalanced brackets in the value");
}

/* The first `stop` byte at bracket depth 0 in [s, end), the bracket that
 * closes the enclosing one, or end. stop -1: none. Brackets are known to
 * balance and strings to close. */
static const char *find_top(cursor *c, const char *s, const char *end, int stop)
{
    int depth = 0;
    for (const char *q = s; q < end; q++) {
        char ch = *q;
        if (ch == '"' || ch == '\'') {
            const char *e = skip_string(q, end, c->end);
            if (!e)
                return end;
            q = e - 1;
        } else if (ch == '(' || ch == '[' || ch == '{') {
            depth++;
        } else if (ch == ')' || ch == ']' || ch == '}') {
            if (--depth < 0)
                return q;
        } else if (depth == 0 && ch == stop) {
            return q;
        }
    }
    return end;
}

static const char *trim_left(const char *s, const char *end)
{
    while (s < end && is_blank((unsigned char)*s))
        s++;
    return s;
}

static const char *trim_right(const char *s, const char *end)
{
    while (end > s && is_blank((unsigned char)end[-1]))
        end--;
    return end;
}

static const char *read_name(const char *s, const char *end)
{
    if (s >= end || !name_first((unsigned char)*s))
        return s;
    while (s < end && name_char((unsigned char)*s))
        s++;
    return s;
}

/* The string literal [s, end) (quotes included) unescaped: into the input
 * when it holds no backslash-quote, into the scratch buffer otherwise. */
static void decode_string(cursor *c, const char *s, const char *end, sp_adjson_event *ev)
{
    const char *a = s + 1, *b = end - 1;
    if (!memchr(a, '\\', (size_t)(b - a))) {
        ev->str = a;
        ev->len = (size_t)(b - a);
        return;
    }
    char *o0 = (char *)c->scratch->data + c->scratch->len, *o = o0;
    for (const char *q = a; q < b; q++)
        if (!(*q == '\\' && q + 1 < b && q[1] == *s))
            *o++ = *q;
    ev->str = o0;
    ev->len = (size_t)(o - o0);
    c->scratch->len += ev->len;
}

/* A decimal number spanning [s, end): 1 and typed in ev, 0 when it is not
 * one (then it is an expression), -1 when too long. */
static int read_number(cursor *c, const char *s, const char *end, sp_adjson_event *ev)
{
    const char *p = s;
    int real = 0;
    if (p < end && *p == '-')
        p++;
    if (p < end && *p == '0')
        p++;
    else if (p < end && *p >= '1' && *p <= '9')
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    else
        return 0;
    if (p < end && *p == '.') {
        real = 1;
        if (++p >= end || *p < '0' || *p > '9')
            return 0;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        real = 1;
        if (++p < end && (*p == '+' || *p == '-'))
            p++;
        if (p >= end || *p < '0' || *p > '9')
            return 0;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p != end)
        return 0;
    char num[64];
    if ((size_t)(end - s) >= sizeof(num))
        return fail(c, "number too long");
    memcpy(num, s, (size_t)(end - s));
    num[end - s] = '\0';
    /* as HTCondor's ClassAd library reads them: an integer beyond 64 bits
     * is clamped to the range (strtoll), a real beyond it is infinite and
     * one too small 0 or subnormal (strtod); libclassad prints DBL_MAX as
     * 1.797693134862316E+308, which reads back as infinity */
    if (real) {
        ev->type = SP_ADJSON_REAL;
        ev->r = strtod(num, NULL);
    } else {
        ev->type = SP_ADJSON_INT;
        ev->i = strtoll(num, NULL, 10);
    }
    return 1;
}

/* undefined, true, false spanning [s, end): 1 and typed in ev, or 0. */
static int read_keyword(const char *s, const char *end, sp_adjson_event *ev)
{
    size_t n = (size_t)(end - s);
    if (n == 9 && strncasecmp(s, "undefined", 9) == 0) {
        ev->type = SP_ADJSON_NULL;
    } else if (n == 4 && strncasecmp(s, "true", 4) == 0) {
        ev->type = SP_ADJSON_BOOL;
        ev->i = 1;
    } else if (n == 5 && strncasecmp(s, "false", 5) == 0) {
        ev->type = SP_ADJSON_BOOL;
        ev->i = 0;
    } else {
        return 0;
    }
    return 1;
}

/* The items of the list whose content is [s, end) are all non-empty. */
static int list_ok(cursor *c, const char *s, const char *end)
{
    if (trim_left(s, end) == end)
        return 1;                                 /* { } */
    for (;;) {
        const char *e = find_top(c, s, end, ',');
        if (trim_left(s, e) == e)
            return 0;
        if (e == end)
            return 1;
        s = e + 1;
    }
}

/* One "name = value" of a nested ad, [s, end) trimmed: name and value. */
static int split_member(const char *s, const char *end, const char **name_end, const char **value)
{
    const char *n = read_name(s, end);
    if (n == s)
        return 0;
    *name_end = n;
    n = trim_left(n, end);
    if (n >= end || *n != '=')
        return 0;
    *value = trim_left(n + 1, end);
    return *value < end;
}

/* The members of the nested ad whose content is [s, end) are all
 * "name = value"; the last may be empty (a trailing ';'). */
static int record_ok(cursor *c, const char *s, const char *end)
{
    for (;;) {
        const char *e = find_top(c, s, end, ';');
        const char *a = trim_left(s, e), *b = trim_right(a, e), *ne, *v;
        if (a == b && e != end)
            return 0;                             /* only the last may be empty */
        if (a < b && !split_member(a, b, &ne, &v))
            return 0;
        if (e == end)
            return 1;
        s = e + 1;
    }
}

static int read_value(cursor *c, const char *s, const char *end, const char *name, size_t name_len, int depth);

/* { items } spanning [s, end), known to be a list. */
static int read_list(cursor *c, const char *s, const char *end, sp_adjson_event *ev, int depth)
{
    ev->type = SP_ADJSON_LIST_BEGIN;
    if (emit(c, ev) != 0)
        return -1;
    const char *q = s + 1, *close = end - 1;
    if (trim_left(q, close) < close) {
        for (;;) {
            const char *e = find_top(c, q, close, ',');
            const char *a = trim_left(q, e);
            if (read_value(c, a, trim_right(a, e), NULL, 0, depth + 1) != 0)
                return -1;
            if (e == close)
                break;
            q = e + 1;
        }
    }
    sp_adjson_event done = { .type = SP_ADJSON_LIST_END, .depth = depth };
    return emit(c, &done);
}

/* [ name = value; ... ] spanning [s, end), known to be a nested ad. */
static int read_record(cursor *c, const char *s, const char *end, sp_adjson_event *ev, int depth)
{
    ev->type = SP_ADJSON_AD_BEGIN;
    if (emit(c, ev) != 0)
        return -1;
    const char *q = s + 1, *close = end - 1;
    for (;;) {
        const char *e = find_top(c, q, close, ';');
        const char *a = trim_left(q, e), *b = trim_right(a, e), *ne, *v;
        if (a < b && split_member(a, b, &ne, &v) &&
            read_value(c, v, b, a, (size_t)(ne - a), depth + 1) != 0)
            return -1;
        if (e == close)
            break;
        q = e + 1;
    }
    sp_adjson_event done = { .type = SP_ADJSON_AD_END, .depth = depth };
    return emit(c, &done);
}

/* { ... } or [ ... ] spanning exactly [s, end), with well-formed items, not
 * too deep: then it is a structure rather than an expression. */
static int is_structure(cursor *c, const char *s, const char *end, int depth)
{
    if (depth + 1 >= MAX_DEPTH || end - s < 2 || (*s != '{' && *s != '['))
        return 0;
    if (find_top(c, s + 1, end, -1) != end - 1)       /* where its bracket closes */
        return 0;
    return *s == '{' ? list_ok(c, s + 1, end - 1) : record_ok(c, s + 1, end - 1);
}

/* One value, [s, end) trimmed and non-empty; name is NULL in lists. */
static int read_value(cursor *c, const char *s, const char *end, const char *name, size_t name_len, int depth)
{
    sp_adjson_event ev = { .name = name, .name_len = name_len, .depth = depth };
    int rc = 0;
    if (is_structure(c, s, end, depth))
        return *s == '{' ? read_list(c, s, end, &ev, depth) : read_record(c, s, end, &ev, depth);
    if (*s == '"') {
        if (skip_string(s, end, c->end) == end) {
            decode_string(c, s, end, &ev);
            ev.type = SP_ADJSON_STRING;
            rc = 1;
        }
    } else if (*s == '-' || (*s >= '0' && *s <= '9')) {
        rc = read_number(c, s, end, &ev);
    } else {
        rc = read_keyword(s, end, &ev);
    }
    if (rc < 0)
        return -1;
    if (rc == 0) {
        ev.type = SP_ADJSON_EXPR;
        ev.str = s;
        ev.len = (size_t)(end - s);
    }
    return emit(c, &ev);
}

/* Where the logical line starting at s ends: its newline outside strings,
 * or the end of the ad. */
static const char *line_end(cursor *c, const char *s)
{
    for (const char *q = s; q < c->end; q++) {
        if (*q == '\n')
            return q;
        if (*q == '"' || *q == '\'') {
            const char *e = skip_string(q, c->end, c->end);
            if (!e)
                return c->end;
            q = e - 1;
        }
    }
    return c->end;
}

/* A short printable excerpt of [s, end) for messages. */
static void excerpt(const char *s, const char *end, char *out, size_t outlen)
{
    size_t n = 0;
    while (s < end && *s != '\n' && n + 1 < outlen) {
        unsigned char ch = (unsigned char)*s++;
        out[n++] = ch >= 32 && ch < 127 ? (char)ch : '?';
    }
    out[n] = '\0';
}

/* One "Name = value" line at c->s; leaves c->s at the next line. */
static int read_line(cursor *c)
{
    const char *s = trim_left(c->s, c->end);
    const char *n = read_name(s, c->end);
    const char *v = trim_left(n, c->end);
    const char *le = c->end;
    c->attr = NULL;
    if (n == s || v >= c->end || *v != '=' || (v + 1 < c->end && v[1] == '=')) {
        char what[48];
        excerpt(s, c->end, what, sizeof(what));
        return fail(c, "expected 'Name = value', got \"%s\"", what);
    }
    c->attr = s;
    c->attr_len = (size_t)(n - s);
    v = trim_left(v + 1, c->end);
    le = line_end(c, v);
    const char *ve = trim_right(v, le);
    if (v == ve)
        return fail(c, "missing value");
    if (check_text(c, v, ve) != 0 || check_brackets(c, v, ve) != 0)
        return -1;
    if (read_value(c, v, ve, s, (size_t)(n - s), 0) != 0)
        return -1;
    for (const char *q = c->s; q < le; q++)       /* newlines inside strings */
        c->line += *q == '\n';
    c->s = le < c->end ? le + 1 : le;
    c->line += le < c->end;
    return 0;
}

static int parse_ad(sp_adlong *p, const char *s, size_t n, uint64_t line, sp_adjson_fn *cb, void *ctx,
                    char *err, size_t errlen)
{
    p->scratch.len = 0;
    if (sp_buf_reserve(&p->scratch, n + 16) != 0) {
        snprintf(err, errlen, "line %llu: out of memory for an ad of %zu bytes", (unsigned long long)line, n);
        return -1;
    }
    cursor c = { .s = s, .end = s + n, .line = line, .scratch = &p->scratch, .cb = cb, .ctx = ctx,
                 .err = err, .errlen = errlen };
    while (c.s < c.end)
        if (read_line(&c) != 0)
            return -1;
    return 0;
}

/* ---- driver ---- */

/* The ad just scanned could not be parsed: why, and count it. */
static int skip_ad(sp_adlong *p, char *err, size_t errlen)
{
    p->skipped++;
    if (p->truncated)
        snprintf(err, errlen, "line %llu: attribute \"%.*s\": truncated: string not closed at the end of input",
                 (unsigned long long)p->str_line, (int)p->attr_len, p->attr);
    else
        snprintf(err, errlen, "line %llu: ad larger than %zu bytes, skipped", (unsigned long long)p->ad_line,
                 p->max);
    p->truncated = p->skipping = 0;
    return -1;
}

int sp_adlong_next(sp_adlong *p, sp_adjson_fn *cb, void *ctx, char *err, size_t errlen)
{
    err[0] = '\0';
    if (!scan(p)) {
        if (p->skipping)
            compact(p);
        return 0;
    }
    size_t start = p->ad_start, end = p->ad_end;
    p->ad_start = NONE;
    if (p->skipping || p->truncated)
        return skip_ad(p, err, errlen);
    if (parse_ad(p, (const char *)p->buf.data + start, end - start, p->ad_line, cb, ctx, err, errlen) != 0) {
        p->skipped++;
        return -1;
    }
    p->ads++;
    return 1;
}
