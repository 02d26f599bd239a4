/* oversize.h - a packed document over a sink's size limit (Kafka's
 * message.max.bytes): its largest strings are cut to TRUNCATE_KEEP bytes (at
 * most half each time), one after the other, each ending in
 * "...[truncated by spider-collector: N bytes]", and named in the attribute
 * SpiderTruncated, until it fits; what was done is reported for the
 * caller's log line and metric.
 *
 * Ownership: the cut strings are allocated in the result ad's arena; the
 * report is the caller's. */
#ifndef SPIDER_COLLECTOR_OVERSIZE_H
#define SPIDER_COLLECTOR_OVERSIZE_H

#include <stddef.h>

#include "classad.h"
#include "document.h"

typedef struct {
    int over;                 /* 1: it was over the limit (the fields below are set) */
    int dropped;              /* 1: even cut it is over the limit */
    size_t bytes, limit;      /* packed size before, and the limit */
    size_t now_bytes;         /* packed size after */
    char largest[256];        /* the largest strings before, "Args=3145728,Env=2048" */
    char truncated[512];      /* the attributes cut, "Args,Env" */
} sp_oversize;

/* packed holds res packed by sp_document_pack (id its id); max is the
 * sink's limit (0: none), keylen the record key's length. 0 when it fits
 * (cut or not; packed and id then hold the cut document), 1 when even that
 * cannot make it fit, -1 with err. r->over says whether anything was done. */
int sp_oversize_fit(sp_ad *res, const sp_document_meta *meta, sp_buf *packed, size_t max, size_t keylen,
                    char *id, size_t idlen, sp_oversize *r, char *err, size_t errlen);

#endif
