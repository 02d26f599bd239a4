/* adjson.h - streaming parser for HTCondor's JSON ad output (condor_q /
 * condor_history -json, -jsonl), without a JSON DOM.
 *
 * Bytes go in as they arrive (a pipe, a file, an HTTP body); complete ads
 * come out one at a time as a flat sequence of events, so a 2 GB history
 * answer is never held in memory: only the ad being parsed is buffered.
 *
 *   sp_adjson *p = sp_adjson_new(0);
 *   while ((n = read(fd, buf, sizeof buf)) > 0) {
 *       sp_adjson_feed(p, buf, n);
 *       while ((rc = sp_adjson_next(p, on_event, ctx, err, sizeof err)) != 0)
 *           if (rc < 0) count_bad_ad(err);      // that ad is skipped, the stream goes on
 *   }
 *   rc = sp_adjson_finish(p, err, sizeof err);  // truncated input is an error here
 *
 * Both forms are accepted and detected from the first byte: a JSON array of
 * ads ([{...},{...}]) and JSON lines ({...}\n{...}). HTCondor's encoding is
 * kept: a string "\/Expr(<expression>)\/" is an SP_ADJSON_EXPR event carrying
 * the expression text; reals and integers are told apart as written.
 *
 * Numbers beyond the range are read as HTCondor's ClassAd library reads
 * them: an integer is clamped to 64 bits, a real becomes +-infinity (or 0,
 * or subnormal, when too small).
 *
 * Errors: an ad whose structure is whole but whose content is bad (invalid
 * UTF-8, bad escape, missing ':'...) is reported by
 * sp_adjson_next() returning -1 and skipped; the next call goes on with the
 * following ad. An ad over max_ad_bytes is skipped likewise, without being
 * buffered. Input that is not ads at all (e.g. text, or a broken bracket
 * structure) breaks the stream: every later call fails. Messages give the
 * byte offset in the stream and the attribute being read.
 *
 * Ownership: event strings point into the parser's buffer and are valid only
 * during the callback. */
#ifndef SPIDER_ADJSON_H
#define SPIDER_ADJSON_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    SP_ADJSON_NULL = 0,     /* undefined */
    SP_ADJSON_BOOL,
    SP_ADJSON_INT,
    SP_ADJSON_REAL,
    SP_ADJSON_STRING,
    SP_ADJSON_EXPR,         /* "\/Expr(...)\/": str is the expression */
    SP_ADJSON_LIST_BEGIN,
    SP_ADJSON_LIST_END,
    SP_ADJSON_AD_BEGIN,     /* a nested ad (an object value) */
    SP_ADJSON_AD_END,
} sp_adjson_type;

typedef struct {
    sp_adjson_type type;
    const char *name;    /* attribute name; NULL for list items and *_END */
    size_t name_len;
    const char *str;     /* STRING, EXPR: unescaped, UTF-8, not NUL-terminated */
    size_t len;
    long long i;         /* INT; BOOL: 0 or 1 */
    double r;            /* REAL */
    int depth;           /* 0 for the ad's own attributes */
} sp_adjson_event;

/* Return non-zero to stop parsing this ad (it is then reported as an error). */
typedef int sp_adjson_fn(void *ctx, const sp_adjson_event *ev);

typedef struct sp_adjson sp_adjson;

#define SP_ADJSON_MAX_AD (64u << 20)   /* default largest ad: 64 MiB */

/* max_ad_bytes 0 means SP_ADJSON_MAX_AD. */
sp_adjson *sp_adjson_new(size_t max_ad_bytes);
void sp_adjson_free(sp_adjson *p);
/* Buffers bytes (only those of the ad in progress are kept). 0, -1 ENOMEM. */
int sp_adjson_feed(sp_adjson *p, const void *data, size_t len);
/* 1: an ad was parsed and its events delivered; 0: more input needed;
 * -1: one bad ad was skipped (err says why), or the stream is broken. */
int sp_adjson_next(sp_adjson *p, sp_adjson_fn *cb, void *ctx, char *err, size_t errlen);
/* At the end of input: 0 when it ended cleanly (after a whole array, or
 * between JSON lines), -1 with err when it was truncated or broken. */
int sp_adjson_finish(sp_adjson *p, char *err, size_t errlen);
/* 1 once the stream is broken. */
int sp_adjson_broken(const sp_adjson *p);
/* Ads delivered and ads skipped so far. */
uint64_t sp_adjson_ads(const sp_adjson *p);
uint64_t sp_adjson_skipped(const sp_adjson *p);

#endif
