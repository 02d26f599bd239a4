/* hash.h - the hashes of libspider: FNV-1a 64 over bytes (document ids,
 * the snapshot checksum) and the case-folded hash of ClassAd attribute
 * names that the ad's index keeps (sp_ad_attr.hash). */
#ifndef SPIDER_HASH_H
#define SPIDER_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* FNV-1a 64 of bytes. */
uint64_t sp_hash_fnv1a64(const void *data, size_t len);

/* The hash of a name as the index keeps it (sp_ad_attr.hash): case-folded.
 * Inline: it runs on every attribute lookup of the conversion's hot path. */
/* Case-folding by | 0x20 maps letters to lower case and may merge a few
 * punctuation pairs ('@' and '`', ...), which only costs a collision:
 * names are compared properly after the hashes match. Eight bytes at a
 * time; the last eight overlap the words before them (with the length
 * hashed too, the same name always gives the same hash). */
static inline uint64_t sp_hash_word_(uint64_t h, uint64_t w)
{
    h = (h ^ w) * 0x9E3779B97F4A7C15ull;
    return h ^ (h >> 29);
}

static inline unsigned sp_hash_name(const char *s, size_t len)
{
    const uint64_t fold = 0x2020202020202020ull;
    uint64_t h = len * 0x9E3779B97F4A7C15ull, w = 0;
    if (len < 8) {
        for (size_t i = 0; i < len; i++)
            w = w << 8 | ((unsigned char)s[i] | 0x20u);
        h = sp_hash_word_(h, w);
    } else {
        for (size_t i = 0; i + 8 < len; i += 8) {
            memcpy(&w, s + i, 8);
            h = sp_hash_word_(h, w | fold);
        }
        memcpy(&w, s + len - 8, 8);
        h = sp_hash_word_(h, w | fold);
    }
    return (unsigned)(h ^ (h >> 32));
}

#endif
