/* utf8.h - UTF-8 validation shared by the ad parsers (adjson, adlong). */
#ifndef SPIDER_UTF8_H
#define SPIDER_UTF8_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence at s (lead byte >= 0x80) that ends
 * before end, or 0: overlong forms, surrogates and code points past
 * U+10FFFF are invalid. */
static inline size_t sp_utf8_len(const unsigned char *s, const unsigned char *end)
{
    unsigned char c = s[0];
    size_t n;
    unsigned min, cp;
    if (c >= 0xC2 && c <= 0xDF) { n = 2; cp = c & 0x1F; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { n = 3; cp = c & 0x0F; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { n = 4; cp = c & 0x07; min = 0x10000; }
    else return 0;
    if ((size_t)(end - s) < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

#endif
