/* sink_file.c - what the file sinks share (sink_jsonl.c, sink_bulk.c):
 * the output file or stdout, the Document built from the converted job,
 * writes under the sink's lock in the backend's form, and a flush as the
 * acknowledgement (see sink_impl.h). Markers have no file form: only
 * documents are written.
 *
 * Ownership: an sp_sink_file (the sink's impl) owns its FILE unless it is
 * stdout, and its _bulk buffer; documents are built in the caller's arena. */
#include "sink_impl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

sp_sink *sp_sink_file_open(const sp_sink_type *t, const char *path, sp_sink_write_fn *write, const char *what,
                           char *err, size_t errlen)
{
    sp_sink *s = sp_sink_new(t, err, errlen);
    sp_sink_file *f = s ? calloc(1, sizeof(*f)) : NULL;
    if (!f) {
        sp_sink_free(s);
        return snprintf(err, errlen, "out of memory"), NULL;
    }
    s->impl = f;
    f->write = write;
    f->what = what;
    if (!strcmp(path, "-")) {
        f->out = stdout;
    } else if (!(f->out = fopen(path, "a"))) {
        snprintf(err, errlen, "output file %s: %s", path, strerror(errno));
        sp_sink_free(s);
        return NULL;
    } else {
        f->own_out = 1;
    }
    return s;
}

void sp_sink_file_close(sp_sink *s)
{
    sp_sink_file *f = s->impl;
    if (!f)
        return;
    if (f->out)
        fflush(f->out);
    if (f->own_out)
        fclose(f->out);
    sp_bulk_free(&f->bulk);
    free(f);
}

static int write_document(sp_sink *s, const Spider__Document *d, sp_buf *buf, char *err, size_t errlen)
{
    sp_sink_file *f = s->impl;
    pthread_mutex_lock(&s->lock);
    int rc = f->write(f, d, buf);
    pthread_mutex_unlock(&s->lock);
    if (rc == -1)
        return snprintf(err, errlen, "out of memory"), -1;
    if (rc != 0)
        return snprintf(err, errlen, "writing %s: %s", f->what, strerror(errno)), -1;
    return 0;
}

int sp_sink_file_emit_document(sp_sink *s, sp_track *t, const char *topic, const sp_sink_doc *doc, char *err,
                               size_t errlen)
{
    (void)t, (void)topic;
    sp_arena_reset(doc->arena);
    Spider__Document *d = sp_document_build(doc->arena, doc->res, doc->meta, err, errlen);
    if (!d)
        return SP_SINK_BAD_DOCUMENT;
    snprintf(doc->id, doc->idlen, "%s", d->id);
    return write_document(s, d, doc->scratch, err, errlen) != 0 ? SP_SINK_FAILED : 0;
}

int sp_sink_file_emit(sp_sink *s, sp_track *t, const char *topic, const char *key, const Spider__Record *rec,
                      sp_buf *scratch, char *err, size_t errlen)
{
    (void)t, (void)topic, (void)key;
    if (rec->kind_case != SPIDER__RECORD__KIND_DOCUMENT)
        return 0;                          /* markers have no JSON-lines or _bulk form */
    return write_document(s, rec->document, scratch, err, errlen);
}

int sp_sink_file_wait(sp_sink *s, sp_track *t, long long deadline_ms)
{
    sp_sink_file *f = s->impl;
    (void)t, (void)deadline_ms;
    pthread_mutex_lock(&s->lock);
    int rc = fflush(f->out);
    pthread_mutex_unlock(&s->lock);
    return rc == 0 ? 0 : -1;
}
