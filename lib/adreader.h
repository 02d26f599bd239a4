/* adreader.h - a stream of job ads in any of HTCondor's output formats
 * (-json, -jsonl, -long), told apart by the first byte, delivered as
 * sp_ad one at a time. This is how every ad source's bytes become ads.
 *
 *   sp_adreader *r = sp_adreader_new(0, on_ad, on_bad, ctx);
 *   sp_adreader_feed(r, bytes, n);       // as they arrive; on_ad per ad
 *   sp_adreader_finish(r, err, len);     // -1: truncated or not ads at all
 *
 * A bad ad (invalid UTF-8, wrong syntax, over max_ad_bytes) is reported to
 * on_bad with the parser's message and skipped; the ads after it still
 * arrive. Input that is not ads at all breaks the stream.
 *
 * Ownership: the reader owns the ad it passes to on_ad and resets it for
 * the next one, so on_ad may modify it but must copy what it keeps. */
#ifndef SPIDER_ADREADER_H
#define SPIDER_ADREADER_H

#include <stddef.h>
#include <stdint.h>

#include "classad.h"

/* Return non-zero to stop reading (feed then returns -1). */
typedef int sp_adreader_fn(void *ctx, sp_ad *ad);
typedef void sp_adreader_bad_fn(void *ctx, const char *err);

typedef struct sp_adreader sp_adreader;

/* max_ad_bytes 0 means SP_ADJSON_MAX_AD. NULL when out of memory. */
sp_adreader *sp_adreader_new(size_t max_ad_bytes, sp_adreader_fn *on_ad, sp_adreader_bad_fn *on_bad, void *ctx);
void sp_adreader_free(sp_adreader *r);
/* 0, or -1 with err when the stream is broken or on_ad asked to stop. */
int sp_adreader_feed(sp_adreader *r, const void *data, size_t len, char *err, size_t errlen);
/* At the end of input: 0, or -1 with err when it was truncated or broken. */
int sp_adreader_finish(sp_adreader *r, char *err, size_t errlen);
/* Ads delivered so far (bad ones go to on_bad, uncounted here). */
uint64_t sp_adreader_ads(const sp_adreader *r);
/* "json", "long", or "none" before the first byte. */
const char *sp_adreader_format(const sp_adreader *r);

#endif
