/* adreader.c - HTCondor ad output of any format -> one sp_ad at a time
 * (see adreader.h). */
#include "adreader.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include "adjson.h"
#include "adlong.h"

typedef enum { FMT_NONE, FMT_JSON, FMT_LONG } fmt;

struct sp_adreader {
    fmt format;
    size_t max_ad;
    sp_adjson *json;
    sp_adlong *lng;
    sp_ad *ad;
    sp_adreader_fn *on_ad;
    sp_adreader_bad_fn *on_bad;
    void *ctx;
    uint64_t ads;
    int stopped;
};

sp_adreader *sp_adreader_new(size_t max_ad_bytes, sp_adreader_fn *on_ad, sp_adreader_bad_fn *on_bad, void *ctx)
{
    sp_adreader *r = calloc(1, sizeof(*r));
    if (!r || !(r->ad = sp_ad_new())) {
        free(r);
        return NULL;
    }
    r->max_ad = max_ad_bytes;
    r->on_ad = on_ad;
    r->on_bad = on_bad;
    r->ctx = ctx;
    return r;
}

void sp_adreader_free(sp_adreader *r)
{
    if (!r)
        return;
    sp_adjson_free(r->json);
    sp_adlong_free(r->lng);
    sp_ad_free(r->ad);
    free(r);
}

/* 1 when p starts like "-long" output: an attribute name, then '=' (or a
 * "***" separator line). */
static int looks_long(const unsigned char *p, size_t len)
{
    size_t i = 0;
    if (len >= 3 && !memcmp(p, "***", 3))
        return 1;
    if (!len || !(isalpha(p[0]) || p[0] == '_'))
        return 0;
    while (i < len && (isalnum(p[i]) || p[i] == '_' || p[i] == '.'))
        i++;
    while (i < len && (p[i] == ' ' || p[i] == '\t'))
        i++;
    return i == len || p[i] == '=';
}

/* Picks the parser from the first byte that is not white space; output
 * that is neither JSON nor -long breaks the stream. */
static int detect(sp_adreader *r, const unsigned char *p, size_t len, char *err, size_t errlen)
{
    for (size_t i = 0; i < len; i++) {
        if (p[i] == ' ' || p[i] == '\n' || p[i] == '\r' || p[i] == '\t')
            continue;
        if (p[i] == '[' || p[i] == '{') {
            r->format = FMT_JSON;
            r->json = sp_adjson_new(r->max_ad);
            return r->json ? 0 : (snprintf(err, errlen, "out of memory"), -1);
        }
        if (!looks_long(p + i, len - i)) {
            char start[41];
            size_t n = len - i < 40 ? len - i : 40;
            for (size_t k = 0; k < n; k++)
                start[k] = isprint(p[i + k]) ? (char)p[i + k] : '?';
            start[n] = '\0';
            snprintf(err, errlen, "not HTCondor ad output (-json, -jsonl or -long): starts with \"%s\"", start);
            r->stopped = 1;
            return -1;
        }
        r->format = FMT_LONG;
        r->lng = sp_adlong_new(r->max_ad);
        return r->lng ? 0 : (snprintf(err, errlen, "out of memory"), -1);
    }
    return 0;
}

static int next(sp_adreader *r, char *err, size_t errlen)
{
    sp_ad_reset(r->ad);
    if (r->format == FMT_JSON)
        return sp_adjson_next(r->json, sp_ad_on_event, r->ad, err, errlen);
    return sp_adlong_next(r->lng, sp_ad_on_event, r->ad, err, errlen);
}

static int broken(const sp_adreader *r)
{
    return r->format == FMT_JSON && sp_adjson_broken(r->json);
}

/* Delivers every complete ad buffered so far. */
static int drain(sp_adreader *r, char *err, size_t errlen)
{
    int rc;
    while ((rc = next(r, err, errlen)) != 0) {
        if (rc < 0) {
            if (broken(r))
                return -1;
            if (r->on_bad)
                r->on_bad(r->ctx, err);
            continue;
        }
        r->ads++;
        if (r->on_ad(r->ctx, r->ad) != 0) {
            r->stopped = 1;
            snprintf(err, errlen, "stopped after %llu ads", (unsigned long long)r->ads);
            return -1;
        }
    }
    return 0;
}

int sp_adreader_feed(sp_adreader *r, const void *data, size_t len, char *err, size_t errlen)
{
    if (r->stopped)
        return -1;
    if (r->format == FMT_NONE && detect(r, data, len, err, errlen) != 0)
        return -1;
    if (r->format == FMT_NONE)
        return 0;
    int rc = r->format == FMT_JSON ? sp_adjson_feed(r->json, data, len) : sp_adlong_feed(r->lng, data, len);
    if (rc != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return drain(r, err, errlen);
}

int sp_adreader_finish(sp_adreader *r, char *err, size_t errlen)
{
    if (r->stopped)
        return -1;
    if (r->format == FMT_JSON)
        return sp_adjson_finish(r->json, err, errlen);
    if (r->format == FMT_LONG) {
        int rc = sp_adlong_finish(r->lng, err, errlen);
        if (drain(r, err, errlen) != 0)
            return -1;
        return rc;
    }
    return 0;
}

uint64_t sp_adreader_ads(const sp_adreader *r) { return r->ads; }

const char *sp_adreader_format(const sp_adreader *r)
{
    return r->format == FMT_JSON ? "json" : r->format == FMT_LONG ? "long" : "none";
}
