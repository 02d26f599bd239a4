/* adlong.h - streaming parser for HTCondor's "-long" text output
 * (condor_q -long, condor_history -long): "Name = value" lines, one ad per
 * block, blocks separated by blank lines or by lines starting with "***".
 *
 * It is the twin of adjson.h: the same calls, and the same events
 * (sp_adjson_event, sp_adjson_fn), so one consumer builds ads from either
 * format. Bytes go in as they arrive; only the ad in progress is buffered.
 *
 *   sp_adlong *p = sp_adlong_new(0);
 *   while ((n = read(fd, buf, sizeof buf)) > 0) {
 *       sp_adlong_feed(p, buf, n);
 *       while ((rc = sp_adlong_next(p, on_event, ctx, err, sizeof err)) != 0)
 *           if (rc < 0) count_bad_ad(err);      // that ad is skipped, the stream goes on
 *   }
 *   sp_adlong_finish(p, err, sizeof err);       // marks the end of input...
 *   while ((rc = sp_adlong_next(p, on_event, ctx, err, sizeof err)) != 0)
 *       if (rc < 0) count_bad_ad(err);          // ...so the last ad comes out here
 *
 * An ad ends at a blank line, a "***" line, or the end of input; so the last
 * ad, when the output does not end with a blank line, is only delivered by
 * the sp_adlong_next() calls made after sp_adlong_finish().
 *
 * Values (per attribute, one event at depth 0 named after it):
 *   undefined -> SP_ADJSON_NULL; true, false -> SP_ADJSON_BOOL (case-insensitive,
 *   as the ClassAd lexer); 42, -7 -> SP_ADJSON_INT; 2.5, 1E+20, 0.0 -> SP_ADJSON_REAL;
 *   "..." -> SP_ADJSON_STRING, unescaped;
 *   { a, b } -> SP_ADJSON_LIST_BEGIN, one event per item (name NULL, depth + 1),
 *   SP_ADJSON_LIST_END; [ a = 1; b = "x" ] -> SP_ADJSON_AD_BEGIN, one event per
 *   attribute (named, depth + 1), SP_ADJSON_AD_END. Items and nested attributes
 *   are typed the same way, and anything else in them is an SP_ADJSON_EXPR: this
 *   is what HTCondor's -json printer does, so both parsers agree.
 *   Anything else (attribute references, operators, function calls, error,
 *   real("NaN")...) -> SP_ADJSON_EXPR whose str is the source text as printed
 *   (old ClassAd syntax), trimmed.
 *
 * Strings are in old ClassAd syntax, read as HTCondor's lexer reads them
 * (src/classad/lexer.cpp, tokenizeStringOld): a backslash is an ordinary
 * character except before a quote, where it makes the quote part of the
 * string - unless that quote ends the line, which is how a string ending in a
 * backslash is printed ("C:\dir\"). The printer escapes nothing else, so a
 * string may hold raw newlines and span lines; a blank line inside a string
 * does not end the ad. (A backslash before "\r\n" counts as the end of the
 * line too, for CRLF input.)
 *
 * Numbers beyond the range are read as HTCondor's lexer reads them: an
 * integer is clamped to 64 bits, a real becomes +-infinity (libclassad
 * prints DBL_MAX as 1.797693134862316E+308, which reads back so), or 0 or
 * subnormal when too small.
 *
 * Errors: an ad with a bad line (no "Name = value"), invalid UTF-8, a NUL
 * byte or unbalanced brackets is reported by
 * sp_adlong_next() returning -1 and skipped; the next call goes on with the
 * following ad. Events of a bad ad delivered before the error was found must
 * be discarded by the caller. An ad over max_ad_bytes is skipped likewise,
 * without being buffered, and so is a last ad cut inside a string by the end
 * of input. The stream itself never breaks. Messages give the line number
 * (1-based, in the whole stream) and the attribute being read.
 *
 * Ownership: event strings point into the parser's buffers and are valid
 * only during the callback; they are not NUL-terminated. */
#ifndef SPIDER_ADLONG_H
#define SPIDER_ADLONG_H

#include <stddef.h>
#include <stdint.h>

#include "adjson.h"

typedef struct sp_adlong sp_adlong;

#define SP_ADLONG_MAX_AD SP_ADJSON_MAX_AD   /* default largest ad: 64 MiB */

/* max_ad_bytes 0 means SP_ADLONG_MAX_AD. */
sp_adlong *sp_adlong_new(size_t max_ad_bytes);
void sp_adlong_free(sp_adlong *p);
/* Buffers bytes (only those of the ad in progress are kept). 0; -1 when out
 * of memory or called after sp_adlong_finish(). */
int sp_adlong_feed(sp_adlong *p, const void *data, size_t len);
/* 1: an ad was parsed and its events delivered; 0: more input needed (or,
 * after sp_adlong_finish(), no more ads); -1: one bad ad was skipped, err
 * says why. */
int sp_adlong_next(sp_adlong *p, sp_adjson_fn *cb, void *ctx, char *err, size_t errlen);
/* Marks the end of input; call sp_adlong_next() until it returns 0 after it
 * to get the last ad. 0; -1 with err when called twice. */
int sp_adlong_finish(sp_adlong *p, char *err, size_t errlen);
/* Ads delivered and ads skipped so far. */
uint64_t sp_adlong_ads(const sp_adlong *p);
uint64_t sp_adlong_skipped(const sp_adlong *p);

#endif
