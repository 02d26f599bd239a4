/* stomp_frame.c - STOMP 1.2 frame codec: encoding with header escaping and
 * content-length, and an incremental parser over a byte buffer. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stomp.h"

static const char *commands[] = {
    "SEND", "SUBSCRIBE", "UNSUBSCRIBE", "BEGIN", "COMMIT", "ABORT", "ACK", "NACK",
    "DISCONNECT", "CONNECT", "STOMP", "CONNECTED", "MESSAGE", "RECEIPT", "ERROR", NULL,
};

static int is_command(const char *s, size_t n)
{
    for (const char **c = commands; *c; c++)
        if (strlen(*c) == n && memcmp(*c, s, n) == 0)
            return 1;
    return 0;
}

/* CONNECT and CONNECTED frames carry no escapes (STOMP 1.2, "Value Encoding"). */
static int escapes_apply(const char *command)
{
    return strcmp(command, "CONNECT") != 0 && strcmp(command, "CONNECTED") != 0 &&
           strcmp(command, "STOMP") != 0;
}

const char *sp_stomp_frame_header(const sp_stomp_frame *f, const char *name)
{
    for (size_t i = 0; i < f->nheaders; i++)
        if (strcmp(f->headers[i].name, name) == 0)
            return f->headers[i].value;
    return NULL;
}

void sp_stomp_frame_free(sp_stomp_frame *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->nheaders; i++) {
        free(f->headers[i].name);
        free(f->headers[i].value);
    }
    free(f->headers);
    free(f->body);
    free(f);
}

/* ---- encoding ---- */

static int put_escaped(sp_buf *out, const char *s, int escape)
{
    if (!escape)
        return sp_buf_append(out, s, strlen(s));
    for (; *s; s++) {
        const char *e = NULL;
        switch (*s) {
        case '\\': e = "\\\\"; break;
        case '\n': e = "\\n"; break;
        case '\r': e = "\\r"; break;
        case ':': e = "\\c"; break;
        }
        if (e ? sp_buf_append(out, e, 2) : sp_buf_append(out, s, 1))
            return -1;
    }
    return 0;
}

int sp_stomp_frame_encode(sp_buf *out, const char *command, const sp_stomp_header *headers,
                          size_t nheaders, const void *body, size_t body_len)
{
    int esc = escapes_apply(command);
    if (sp_buf_append(out, command, strlen(command)) || sp_buf_append(out, "\n", 1))
        return -1;
    for (size_t i = 0; i < nheaders; i++) {
        /* The body's length is ours to write: a caller's may be stale. */
        if (body && strcmp(headers[i].name, "content-length") == 0)
            continue;
        if (put_escaped(out, headers[i].name, esc) || sp_buf_append(out, ":", 1) ||
            put_escaped(out, headers[i].value, esc) || sp_buf_append(out, "\n", 1))
            return -1;
    }
    if (body) {
        char cl[48];
        int n = snprintf(cl, sizeof(cl), "content-length:%zu\n", body_len);
        if (sp_buf_append(out, cl, (size_t)n))
            return -1;
    }
    if (sp_buf_append(out, "\n", 1) || (body_len && sp_buf_append(out, body, body_len)) || sp_buf_append(out, "\0", 1))
        return -1;
    return 0;
}

/* ---- parsing ---- */

struct sp_stomp_parser {
    sp_buf buf;
    size_t pos;          /* start of unparsed bytes */
    size_t max_frame;
    size_t heartbeats;
    char error[160];     /* set once the stream is broken */
};

sp_stomp_parser *sp_stomp_parser_new(size_t max_frame)
{
    sp_stomp_parser *p = calloc(1, sizeof(*p));
    if (p)
        p->max_frame = max_frame ? max_frame : SP_STOMP_MAX_FRAME;
    return p;
}

void sp_stomp_parser_free(sp_stomp_parser *p)
{
    if (!p)
        return;
    sp_buf_free(&p->buf);
    free(p);
}

size_t sp_stomp_parser_heartbeats(const sp_stomp_parser *p) { return p->heartbeats; }

int sp_stomp_parser_feed(sp_stomp_parser *p, const void *data, size_t len)
{
    /* Drop what was consumed before growing. */
    if (p->pos && p->pos == p->buf.len) {
        p->buf.len = p->pos = 0;
    } else if (p->pos > 65536 && p->pos > p->buf.len / 2) {
        memmove(p->buf.data, p->buf.data + p->pos, p->buf.len - p->pos);
        p->buf.len -= p->pos;
        p->pos = 0;
    }
    return sp_buf_append(&p->buf, data, len);
}

static int fail(sp_stomp_parser *p, char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->error, sizeof(p->error), fmt, ap);
    va_end(ap);
    snprintf(err, errlen, "stomp: %s", p->error);
    return -1;
}

/* Unescapes [s, s+n) into a new string; NULL on an invalid escape. */
static char *unescape(const char *s, size_t n, int escape)
{
    char *out = malloc(n + 1), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (!escape || s[i] != '\\') {
            *o++ = s[i];
            continue;
        }
        if (++i == n) {
            free(out);
            return NULL;
        }
        switch (s[i]) {
        case '\\': *o++ = '\\'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 'c': *o++ = ':'; break;
        default: free(out); return NULL;
        }
    }
    *o = '\0';
    return out;
}

/* The line [s, e) without its trailing CR. */
static size_t line_len(const char *s, const char *e)
{
    return (e > s && e[-1] == '\r') ? (size_t)(e - s - 1) : (size_t)(e - s);
}

static int add_header(sp_stomp_frame *f, const char *line, size_t n, int escape,
                      char *why, size_t whylen)
{
    const char *colon = memchr(line, ':', n);
    if (!colon) {
        snprintf(why, whylen, "header line without ':' in %s frame", f->command);
        return -1;
    }
    if (f->nheaders == SP_STOMP_MAX_HEADERS) {
        snprintf(why, whylen, "more than %d headers in %s frame", SP_STOMP_MAX_HEADERS, f->command);
        return -1;
    }
    if (f->nheaders % 16 == 0) {
        sp_stomp_header *h = realloc(f->headers, (f->nheaders + 16) * sizeof(*h));
        if (!h) {
            snprintf(why, whylen, "out of memory");
            return -1;
        }
        f->headers = h;
    }
    sp_stomp_header *h = &f->headers[f->nheaders];
    h->name = unescape(line, (size_t)(colon - line), escape);
    h->value = unescape(colon + 1, n - (size_t)(colon - line) - 1, escape);
    if (!h->name || !h->value) {
        free(h->name);
        free(h->value);
        snprintf(why, whylen, "invalid escape in header of %s frame", f->command);
        return -1;
    }
    f->nheaders++;
    return 0;
}

/* Parses command and headers in [s, end) (end points at the blank line). */
static sp_stomp_frame *parse_head(const char *s, const char *end, char *why, size_t whylen)
{
    const char *nl = memchr(s, '\n', (size_t)(end - s));
    size_t n = line_len(s, nl ? nl : end);
    if (n == 0 || n >= sizeof(((sp_stomp_frame *)0)->command) || !is_command(s, n)) {
        snprintf(why, whylen, "unknown command \"%.*s\"", (int)(n < 20 ? n : 20), s);
        return NULL;
    }
    sp_stomp_frame *f = calloc(1, sizeof(*f));
    if (!f) {
        snprintf(why, whylen, "out of memory");
        return NULL;
    }
    memcpy(f->command, s, n);
    int escape = escapes_apply(f->command);
    for (const char *line = nl ? nl + 1 : end; line < end;) {
        const char *e = memchr(line, '\n', (size_t)(end - line));
        if (!e)
            e = end;
        if (add_header(f, line, line_len(line, e), escape, why, whylen) != 0) {
            sp_stomp_frame_free(f);
            return NULL;
        }
        line = e + 1;
    }
    return f;
}

/* Finds the blank line ending the headers: returns the offset of the
 * header block's end and sets *body to the first body byte; -1 if absent. */
static long find_head_end(const char *s, size_t n, size_t *body)
{
    for (size_t i = 0; i + 1 < n; i++) {
        if (s[i] != '\n')
            continue;
        if (s[i + 1] == '\n') {
            *body = i + 2;
            return (long)i;
        }
        if (s[i + 1] == '\r' && i + 2 < n && s[i + 2] == '\n') {
            *body = i + 3;
            return (long)i;
        }
    }
    return -1;
}

/* Body length from content-length; -1 if none, -2 if invalid. */
static long long content_length(const sp_stomp_frame *f)
{
    const char *v = sp_stomp_frame_header(f, "content-length");
    if (!v)
        return -1;
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    return (errno || end == v || *end || n < 0) ? -2 : n;
}

int sp_stomp_parser_next(sp_stomp_parser *p, sp_stomp_frame **out, char *err, size_t errlen)
{
    *out = NULL;
    if (p->error[0]) {
        snprintf(err, errlen, "stomp: %s", p->error);
        return -1;
    }
    const char *base = (const char *)p->buf.data;
    /* Heart-beats: EOLs between frames. */
    while (p->pos < p->buf.len && (base[p->pos] == '\n' || base[p->pos] == '\r')) {
        if (base[p->pos] == '\n')
            p->heartbeats++;
        p->pos++;
    }
    const char *s = base + p->pos;
    size_t avail = p->buf.len - p->pos;
    if (avail == 0)
        return 0;
    size_t body_off;
    long head_end = find_head_end(s, avail, &body_off);
    if (head_end < 0) {
        if (avail > p->max_frame)
            return fail(p, err, errlen, "frame headers larger than %zu bytes", p->max_frame);
        /* A command line that cannot become valid fails early. */
        const char *nl = memchr(s, '\n', avail);
        if (nl && !is_command(s, line_len(s, nl)))
            return fail(p, err, errlen, "unknown command \"%.*s\"", (int)(line_len(s, nl) < 20 ? line_len(s, nl) : 20), s);
        return 0;
    }
    char why[128];
    sp_stomp_frame *f = parse_head(s, s + head_end, why, sizeof(why));
    if (!f)
        return fail(p, err, errlen, "%s", why);
    long long clen = content_length(f);
    size_t blen;
    if (clen == -2) {
        sp_stomp_frame_free(f);
        return fail(p, err, errlen, "invalid content-length header");
    }
    if (clen >= 0) {
        if ((unsigned long long)clen > p->max_frame) {
            sp_stomp_frame_free(f);
            return fail(p, err, errlen, "content-length %lld over the %zu byte limit", clen, p->max_frame);
        }
        if (avail < body_off + (size_t)clen + 1) {
            sp_stomp_frame_free(f);
            return 0;
        }
        if (s[body_off + (size_t)clen] != '\0') {
            sp_stomp_frame_free(f);
            return fail(p, err, errlen, "no NUL after a %lld byte body (wrong content-length)", clen);
        }
        blen = (size_t)clen;
    } else {
        const char *nul = memchr(s + body_off, '\0', avail - body_off);
        if (!nul) {
            sp_stomp_frame_free(f);
            if (avail > p->max_frame)
                return fail(p, err, errlen, "frame larger than %zu bytes", p->max_frame);
            return 0;
        }
        blen = (size_t)(nul - (s + body_off));
    }
    f->body = malloc(blen + 1);
    if (!f->body) {
        sp_stomp_frame_free(f);
        return fail(p, err, errlen, "out of memory");
    }
    memcpy(f->body, s + body_off, blen);
    f->body[blen] = '\0';
    f->body_len = blen;
    p->pos += body_off + blen + 1;
    *out = f;
    return 1;
}
