/* buf.c - the growing byte buffer and its JSON string encoder (see buf.h). */
#include <stdlib.h>
#include <string.h>

#include "buf.h"

int sp_buf_reserve(sp_buf *buf, size_t n)
{
    if (buf->len + n <= buf->cap)
        return 0;
    size_t cap = buf->cap ? buf->cap : 4096;
    while (cap < buf->len + n)
        cap *= 2;
    uint8_t *data = realloc(buf->data, cap);
    if (!data)
        return -1;
    buf->data = data;
    buf->cap = cap;
    return 0;
}

int sp_buf_append(sp_buf *buf, const void *data, size_t n)
{
    if (n == 0)
        return 0;
    if (sp_buf_reserve(buf, n) != 0)
        return -1;
    memcpy(buf->data + buf->len, data, n);
    buf->len += n;
    return 0;
}

void sp_buf_free(sp_buf *buf)
{
    free(buf->data);
    memset(buf, 0, sizeof(*buf));
}

/* Whether any of the eight bytes of w is under 0x20, '"' or '\\' (exact
 * for "any"; which one, the byte loop finds). */
static int word_needs_escape(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
    return (((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((b - ones) & ~b)) & high ? 1 : 0;
}

int sp_buf_append_json_string(sp_buf *out, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    size_t len = strlen(s);
    if (sp_buf_reserve(out, len * 6 + 2) != 0)
        return -1;
    uint8_t *o = out->data + out->len;
    *o++ = '"';
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    for (;;) {
        const unsigned char *run = p;                /* bytes that go out as they are */
        for (uint64_t w; end - p >= 8 && (memcpy(&w, p, 8), !word_needs_escape(w));)
            p += 8;
        while (p < end && *p >= 0x20 && *p != '"' && *p != '\\')
            p++;
        memcpy(o, run, (size_t)(p - run));
        o += p - run;
        if (p == end)
            break;
        switch (*p) {
        case '"': *o++ = '\\'; *o++ = '"'; break;
        case '\\': *o++ = '\\'; *o++ = '\\'; break;
        case '\n': *o++ = '\\'; *o++ = 'n'; break;
        case '\r': *o++ = '\\'; *o++ = 'r'; break;
        case '\t': *o++ = '\\'; *o++ = 't'; break;
        default:
            memcpy(o, "\\u00", 4);
            o[4] = hex[*p >> 4];
            o[5] = hex[*p & 15];
            o += 6;
        }
        p++;
    }
    *o++ = '"';
    out->len = (size_t)(o - out->data);
    return 0;
}
