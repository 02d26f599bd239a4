/* pycase.c - Python's str.upper()/str.lower() over UTF-8 (see pycase.h). */
#include "pycase.h"

#include <stdlib.h>
#include <string.h>

#include "pycase_data.h"   /* gen/, from lib/pycase_data.txt (cmake/pycase.cmake) */

/* One code point at s (len > 0): its value and byte length; an invalid
 * sequence is one byte, value -1. */
static int decode(const unsigned char *s, size_t len, size_t *n)
{
    unsigned c = s[0];
    size_t need = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
    *n = 1;
    if (need == 0 || need > len)
        return -1;
    if (need == 1)
        return (int)c;
    unsigned v = c & (0x7f >> need);
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return -1;
        v = v << 6 | (s[i] & 0x3f);
    }
    *n = need;
    return (int)v;
}

static int cmp_map(const void *key, const void *elem)
{
    unsigned cp = *(const unsigned *)key, e = ((const sp_case_map *)elem)->cp;
    return cp < e ? -1 : cp > e;
}

static const char *lookup(const sp_case_map *map, size_t n, unsigned cp)
{
    const sp_case_map *m = bsearch(&cp, map, n, sizeof(*map), cmp_map);
    return m ? m->to : NULL;
}

#define N_UPPER (sizeof(sp_upper_map) / sizeof(sp_upper_map[0]))
#define N_LOWER (sizeof(sp_lower_map) / sizeof(sp_lower_map[0]))

/* A letter with case (approximately Unicode's Cased: it has a mapping). */
static int cased(int cp)
{
    return cp >= 0 && (lookup(sp_upper_map, N_UPPER, (unsigned)cp) || lookup(sp_lower_map, N_LOWER, (unsigned)cp));
}

/* Final_Sigma: capital sigma after a cased letter and not before one. */
static int final_sigma(const unsigned char *s, size_t len, size_t at, int prev)
{
    size_t n;
    if (!cased(prev))
        return 0;
    return at + 2 >= len || !cased(decode(s + at + 2, len - at - 2, &n));
}

static int convert(sp_buf *out, const char *text, size_t len, int upper)
{
    const unsigned char *s = (const unsigned char *)text;
    int prev = -1;
    for (size_t i = 0; i < len;) {
        size_t n;
        int cp = decode(s + i, len - i, &n);
        const char *to = NULL;
        if (cp >= 0 && !upper && cp == 0x3a3 && final_sigma(s, len, i, prev))
            to = "\xcf\x82";
        else if (cp >= 0)
            to = upper ? lookup(sp_upper_map, N_UPPER, (unsigned)cp) : lookup(sp_lower_map, N_LOWER, (unsigned)cp);
        if (to ? sp_buf_append(out, to, strlen(to)) : sp_buf_append(out, s + i, n))
            return -1;
        prev = cp;
        i += n;
    }
    return 0;
}

int sp_py_upper(sp_buf *out, const char *s, size_t len)
{
    return convert(out, s, len, 1);
}

int sp_py_lower(sp_buf *out, const char *s, size_t len)
{
    return convert(out, s, len, 0);
}
