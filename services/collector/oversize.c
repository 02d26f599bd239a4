/* oversize.c - cutting a document's largest strings until it fits the
 * sink's limit (see oversize.h).
 *
 * Ownership: the cut strings live in the result ad's arena. */
#include "oversize.h"

#include <stdio.h>
#include <string.h>

#define RECORD_OVERHEAD 256              /* Kafka record framing beyond key and value, and then some */
#define TRUNCATE_KEEP (64 * 1024)        /* an oversized document's largest strings keep at most this */
#define TRUNCATE_MIN 256                 /* strings this short are never truncated */

/* The largest string attribute of res over min bytes and not in names
 * (",A,B,"), or NULL. */
static sp_ad_attr *largest_string(sp_ad *res, const char *names, size_t min)
{
    sp_ad_attr *best = NULL;
    for (size_t i = 0; i < res->n; i++) {
        sp_ad_attr *a = &res->attrs[i];
        if ((a->v.type != SP_CV_STRING && a->v.type != SP_CV_EXPR) || a->v.u.str.len <= min)
            continue;
        char quoted[300];
        snprintf(quoted, sizeof(quoted), ",%s,", a->name);
        if (!strstr(names, quoted) && (!best || a->v.u.str.len > best->v.u.str.len))
            best = a;
    }
    return best;
}

/* Cuts a's value to its first keep bytes (on a UTF-8 boundary) followed by
 * a marker naming the original size. -1 on ENOMEM. */
static int truncate_attr(sp_ad *res, sp_ad_attr *a, size_t keep)
{
    const char *s = a->v.u.str.s;
    size_t orig = a->v.u.str.len;
    while (keep > 0 && ((unsigned char)s[keep] & 0xC0) == 0x80)
        keep--;
    char mark[96];
    int m = snprintf(mark, sizeof(mark), "...[truncated by spider-collector: %zu bytes]", orig);
    char *buf = sp_arena_alloc(res->arena, keep + (size_t)m + 1);
    if (!buf)
        return -1;
    memcpy(buf, s, keep);
    memcpy(buf + keep, mark, (size_t)m + 1);
    a->v.u.str.s = buf;
    a->v.u.str.len = keep + (size_t)m;
    return 0;
}

/* The sizes of the largest string attributes, "Args=3145728,Env=2048", into out. */
static void largest_attrs(const sp_ad *res, char *out, size_t len)
{
    char seen[512] = ",";
    size_t n = 0;
    out[0] = '\0';
    for (int k = 0; k < 3; k++) {
        sp_ad_attr *a = largest_string((sp_ad *)res, seen, 0);
        if (!a)
            break;
        n += (size_t)snprintf(out + n, n < len ? len - n : 0, "%s%s=%zu", k ? "," : "", a->name, a->v.u.str.len);
        snprintf(seen + strlen(seen), sizeof(seen) - strlen(seen), "%s,", a->name);
    }
}

int sp_oversize_fit(sp_ad *res, const sp_document_meta *meta, sp_buf *packed, size_t max, size_t keylen,
                    char *id, size_t idlen, sp_oversize *r, char *err, size_t errlen)
{
    char names[512] = ",", before[256];
    size_t orig = packed->len;
    r->over = 0;
    if (!max || orig + keylen + RECORD_OVERHEAD <= max)
        return 0;
    largest_attrs(res, before, sizeof(before));
    while (packed->len + keylen + RECORD_OVERHEAD > max) {
        sp_ad_attr *a = largest_string(res, names, TRUNCATE_MIN);
        size_t nl = strlen(names);
        if (!a || nl + a->name_len + 2 >= sizeof(names))
            break;
        snprintf(names + nl, sizeof(names) - nl, "%s,", a->name);
        size_t keep = a->v.u.str.len / 2 < TRUNCATE_KEEP ? a->v.u.str.len / 2 : TRUNCATE_KEEP;
        size_t listed = strlen(names) - 2;
        sp_cval v = sp_cv_string(res->arena, names + 1, listed);
        if (truncate_attr(res, a, keep) != 0 || v.type != SP_CV_STRING || sp_ad_set(res, "SpiderTruncated", 15, &v) != 0)
            return snprintf(err, errlen, "out of memory"), -1;
        if (sp_document_pack(res, meta, packed, id, idlen, err, errlen) != 0)
            return -1;
    }
    int fits = packed->len + keylen + RECORD_OVERHEAD <= max;
    if (strlen(names) > 1)
        names[strlen(names) - 1] = '\0';             /* ",Args,Env," -> ",Args,Env" */
    r->over = 1;
    r->dropped = !fits;
    r->bytes = orig;
    r->limit = max;
    r->now_bytes = packed->len;
    snprintf(r->largest, sizeof(r->largest), "%s", before);
    snprintf(r->truncated, sizeof(r->truncated), "%s", names + 1);
    return fits ? 0 : 1;
}
