/* docjson.h - a protobuf Document as the JSON document the reference spider
 * indexes: its attributes in order plus "metadata": {spider_git_hash,
 * spider_hostname, spider_runtime, spider_source[, publisher_git_hash]}.
 * Numbers print as Python's json.dumps prints them (pyfmt.h); NaN and
 * infinities, which are not JSON, print as null. Written straight into a
 * reused buffer, without a JSON DOM: this is the publisher's hot path and
 * the collector's --output jsonl.
 *
 * Ownership: appends to the caller's buffer; keeps nothing. */
#ifndef SPIDER_DOCJSON_H
#define SPIDER_DOCJSON_H

#include "record.h"
#include "rules.h"

typedef struct {
    const sp_rules *ms_dates;      /* its date attributes x1000 (AMQ wants epoch ms); NULL */
    const char *publisher_git_hash;  /* metadata.publisher_git_hash; NULL to leave out */
} sp_docjson_opts;

/* Appends one line of JSON (no newline). 0, or -1 when out of memory. */
int sp_docjson_write(sp_buf *out, const Spider__Document *d, const sp_docjson_opts *opts);
/* Appends one value. */
int sp_docjson_value(sp_buf *out, const Spider__Value *v);

#endif
