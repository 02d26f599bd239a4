/* sink_jsonl.c - the JSON-lines sink (--output jsonl): each document as
 * the reference indexes it, one per line, into a file or stdout; markers
 * are not written (see sink.h; the file handling is sink_file.c's).
 *
 * Ownership: the file is the sink's; the document the caller's arena's. */
#include "sink_impl.h"

#include "docjson.h"

static int write_jsonl(sp_sink_file *f, const Spider__Document *d, sp_buf *buf)
{
    buf->len = 0;
    if (sp_docjson_write(buf, d, NULL) != 0 || sp_buf_append(buf, "\n", 1) != 0)
        return -1;
    return fwrite(buf->data, 1, buf->len, f->out) == buf->len ? 0 : -2;
}

static sp_sink *open_jsonl(const sp_sink_conf *conf, char *err, size_t errlen)
{
    return sp_sink_file_open(&sp_sink_jsonl, conf->path, write_jsonl, "JSON lines", err, errlen);
}

const sp_sink_type sp_sink_jsonl = {
    .name = "jsonl",
    .open = open_jsonl,
    .emit_document = sp_sink_file_emit_document,
    .emit = sp_sink_file_emit,
    .wait = sp_sink_file_wait,
    .close = sp_sink_file_close,
};
