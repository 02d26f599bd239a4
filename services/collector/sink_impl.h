/* sink_impl.h - what a sink backend provides (sink_kafka.c, sink_jsonl.c,
 * sink_bulk.c, sink_null.c), for sink.c; nothing outside the sinks
 * includes it.
 *
 * A backend is one `static const sp_sink_type`: open() is its constructor
 * (sp_sink_new plus its own state in impl), the other members are sink.h's
 * calls; a NULL one means "nothing to do" (no limit, no check, no broker
 * error, always reachable; wait: every record settled when emitted). A new
 * sink is one new file and one row of sink.c's table.
 *
 * Ownership: the sink owns impl; close() frees it (sp_sink_free frees the
 * rest). */
#ifndef SPIDER_COLLECTOR_SINK_IMPL_H
#define SPIDER_COLLECTOR_SINK_IMPL_H

#include <pthread.h>
#include <stdio.h>

#include "bulk.h"
#include "sink.h"

typedef struct sp_sink_type {
    const char *name;                /* --output */
    int sends;                       /* to Kafka: --read-only makes it the null sink */
    sp_sink *(*open)(const sp_sink_conf *conf, char *err, size_t errlen);
    int (*emit_document)(sp_sink *s, sp_track *t, const char *topic, const sp_sink_doc *doc, char *err,
                         size_t errlen);
    int (*emit)(sp_sink *s, sp_track *t, const char *topic, const char *key, const Spider__Record *rec,
                sp_buf *scratch, char *err, size_t errlen);
    int (*wait)(sp_sink *s, sp_track *t, long long deadline_ms);
    size_t (*max_bytes)(const sp_sink *s);
    int (*check)(sp_sink *s, int timeout_ms, char *err, size_t errlen);
    void (*last_error)(sp_sink *s, char *out, size_t len);
    int (*reachable)(sp_sink *s, char *why, size_t whylen);
    void (*close)(sp_sink *s);
} sp_sink_type;

struct sp_sink {
    const sp_sink_type *type;
    void *impl;                      /* the backend's */
    pthread_mutex_t lock;            /* the abandoned list; the file sinks' writes */
    sp_track *abandoned;
};

extern const sp_sink_type sp_sink_kafka, sp_sink_jsonl, sp_sink_bulk, sp_sink_null;

/* A sink of type t with impl NULL; NULL on ENOMEM, with err. */
sp_sink *sp_sink_new(const sp_sink_type *t, char *err, size_t errlen);
/* The record key of doc: its key, or the job's GlobalJobId. */
const char *sp_sink_doc_key(const sp_sink_doc *doc);

/* ---- what the file sinks (jsonl, bulk) share: impl is an sp_sink_file ---- */

typedef struct sp_sink_file sp_sink_file;
/* Writes d to f->out, buf being scratch: 0, -1 on ENOMEM, -2 on a write error. */
typedef int sp_sink_write_fn(sp_sink_file *f, const Spider__Document *d, sp_buf *buf);

struct sp_sink_file {
    FILE *out;
    int own_out;
    sp_sink_write_fn *write;         /* the backend's form of a document */
    const char *what;                /* for errors: "JSON lines" */
    sp_bulk bulk;                    /* bulk: one document's action and source */
};

/* A sink of type t writing to path ("-": stdout) with write; NULL with err. */
sp_sink *sp_sink_file_open(const sp_sink_type *t, const char *path, sp_sink_write_fn *write, const char *what,
                           char *err, size_t errlen);
/* The ops a file sink's type uses: the Document built in doc->arena and
 * written; records written when they are documents; a flush as the wait. */
int sp_sink_file_emit_document(sp_sink *s, sp_track *t, const char *topic, const sp_sink_doc *doc, char *err,
                               size_t errlen);
int sp_sink_file_emit(sp_sink *s, sp_track *t, const char *topic, const char *key, const Spider__Record *rec,
                      sp_buf *scratch, char *err, size_t errlen);
int sp_sink_file_wait(sp_sink *s, sp_track *t, long long deadline_ms);
void sp_sink_file_close(sp_sink *s);

#endif
