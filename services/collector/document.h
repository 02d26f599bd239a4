/* document.h - a converted job (convert.h's result ad) as the protobuf
 * Document that goes to Kafka: id "<GlobalJobId>#<RecordTime>", the daily
 * index "<template>-YYYY-MM-DD" of the job's QDate in UTC (the reference's
 * get_index), the typed attributes in order, and metadata.*.
 *
 * Ownership: everything is allocated in the arena given, including the
 * Document; nothing is freed separately (reset the arena instead). */
#ifndef SPIDER_COLLECTOR_DOCUMENT_H
#define SPIDER_COLLECTOR_DOCUMENT_H

#include "classad.h"
#include "record.h"

typedef struct {
    const char *index_template;   /* "cms" */
    const char *hostname;         /* metadata.spider_hostname */
    long long runtime_ms;         /* metadata.spider_runtime */
    Spider__Source source;        /* metadata.spider_source */
    const char *snapshot_id;      /* queue polls, else NULL */
    long long now;                /* queue polls: the poll's time, the index of a
                                     document without QDate (the reference's
                                     time.time()); 0: its RecordTime */
} sp_document_meta;

/* NULL with err when the result has no GlobalJobId or RecordTime, or on ENOMEM. */
Spider__Document *sp_document_build(sp_arena *a, const sp_ad *res, const sp_document_meta *meta,
                                    char *err, size_t errlen);

/* The same document packed straight into out as a Record{document}, byte
 * for byte what protobuf-c packs from sp_document_build()'s result, but
 * without building the message tree (the collector's Kafka path). The id is
 * copied to id (for the snapshot checksum). 0, or -1 with err. */
int sp_document_pack(const sp_ad *res, const sp_document_meta *meta, sp_buf *out,
                     char *id, size_t idlen, char *err, size_t errlen);

/* "<template>-YYYY-MM-DD" for epoch seconds t, in UTC, into out. */
void sp_document_index(const char *index_template, long long t, char *out, size_t outlen);

#endif
