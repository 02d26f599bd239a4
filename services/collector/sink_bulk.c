/* sink_bulk.c - the _bulk sink (--output bulk): each document as the
 * Elasticsearch _bulk NDJSON the publisher of this build posts for it,
 * {"index":{"_index":I,"_id":D}} then the source with
 * metadata.publisher_git_hash, into a file or stdout; markers are not
 * written (see sink.h; the file handling is sink_file.c's).
 *
 * Ownership: the file and the _bulk buffer are the sink's; the document the
 * caller's arena's. */
#include "sink_impl.h"

#include "docjson.h"
#include "version.h"

/* The document as the publisher's out_es.c posts it: the same docjson with
 * this build's metadata.publisher_git_hash, into the same sp_bulk_index. */
static int write_bulk(sp_sink_file *f, const Spider__Document *d, sp_buf *buf)
{
    sp_docjson_opts o = { NULL, sp_version_git_hash() };
    buf->len = 0;
    if (sp_docjson_write(buf, d, &o) != 0)
        return -1;
    sp_bulk_reset(&f->bulk);
    if (sp_bulk_index(&f->bulk, d->index, d->id, (const char *)buf->data, buf->len) != 0)
        return -1;
    return fwrite(f->bulk.buf.data, 1, f->bulk.buf.len, f->out) == f->bulk.buf.len ? 0 : -2;
}

static sp_sink *open_bulk(const sp_sink_conf *conf, char *err, size_t errlen)
{
    return sp_sink_file_open(&sp_sink_bulk, conf->path, write_bulk, "_bulk NDJSON", err, errlen);
}

const sp_sink_type sp_sink_bulk = {
    .name = "bulk",
    .open = open_bulk,
    .emit_document = sp_sink_file_emit_document,
    .emit = sp_sink_file_emit,
    .wait = sp_sink_file_wait,
    .close = sp_sink_file_close,
};
