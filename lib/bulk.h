/* bulk.h - Elasticsearch/OpenSearch `_bulk`: request bodies written straight
 * into a reused buffer (no JSON DOM), and per-item results of the response.
 *
 *   sp_bulk b; sp_bulk_init(&b);
 *   sp_bulk_index(&b, "cms-2026-11-22", id, doc_json, doc_len);
 *   ... POST b.buf.data (b.buf.len bytes) to /_bulk as application/x-ndjson
 *   sp_bulk_parse_response(body, len, b.items, &res, err, sizeof(err));
 *
 * Ownership: sp_bulk owns its buffer (reused after sp_bulk_reset); a
 * sp_bulk_result owns its items' strings until sp_bulk_result_free(). */
#ifndef SPIDER_BULK_H
#define SPIDER_BULK_H

#include <stddef.h>

#include "buf.h"

typedef struct {
    sp_buf buf;       /* NDJSON body */
    size_t items;     /* actions in it */
} sp_bulk;

void sp_bulk_init(sp_bulk *b);
void sp_bulk_reset(sp_bulk *b);
void sp_bulk_free(sp_bulk *b);
/* Appends {"index":{"_index":..,"_id":..}} and the document source, which
 * must be one line of JSON already. 0, or -1 when out of memory. */
int sp_bulk_index(sp_bulk *b, const char *index, const char *id, const char *doc, size_t len);
/* Appends {"delete":{"_index":..,"_id":..}}. */
int sp_bulk_delete(sp_bulk *b, const char *index, const char *id);

typedef enum {
    SP_BULK_OK = 0,   /* indexed/deleted (a delete of a missing id is OK) */
    SP_BULK_RETRY,    /* 429, 5xx, rejected execution: try again later */
    SP_BULK_REJECT,   /* can never succeed (mapping, parse errors): dead-letter */
} sp_bulk_outcome;

typedef struct {
    sp_bulk_outcome outcome;
    int status;
    char *id;          /* may be NULL on the fast path */
    char *error_type;  /* NULL when OK */
    char *reason;
} sp_bulk_item;

typedef struct {
    sp_bulk_item *items;
    size_t n;
    size_t ok, retry, reject;
} sp_bulk_result;

/* Parses a `_bulk` response for a request of `expected` actions. When the
 * response says "errors":false every item is OK without a full parse.
 * -1 with err set when the body is not a bulk response or its item count
 * differs from expected (then nothing can be assumed about any item). */
int sp_bulk_parse_response(const char *body, size_t len, size_t expected,
                           sp_bulk_result *res, char *err, size_t errlen);
void sp_bulk_result_free(sp_bulk_result *res);

/* Whether a cluster takes name as an index name, by the rules Elasticsearch
 * and OpenSearch share: not empty, lowercase, none of \ / * ? " < > | , # :
 * space or control characters, not starting with - _ +, not . or .., at most
 * 255 bytes. 0, or -1 with why saying which rule it breaks. */
int sp_bulk_index_name_check(const char *name, char *why, size_t whylen);

/* An --index-template whose daily indices (<template>-YYYY-MM-DD) pass
 * sp_bulk_index_name_check. 0, or -1 with why. */
int sp_bulk_index_template_check(const char *index_template, char *why, size_t whylen);

/* The outcome of one item's HTTP status and error type. */
sp_bulk_outcome sp_bulk_classify(int status, const char *error_type);

#endif
