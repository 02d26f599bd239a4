/* sink_null.c - the null sink (--dry-run, --read-only with Kafka): each
 * document is packed as for Kafka (so a job that cannot be one is counted
 * the same) and dropped; markers are dropped; everything is settled at
 * once (see sink.h).
 *
 * Ownership: it holds nothing. */
#include "sink_impl.h"

static sp_sink *open_null(const sp_sink_conf *conf, char *err, size_t errlen)
{
    (void)conf;
    return sp_sink_new(&sp_sink_null, err, errlen);
}

static int emit_document(sp_sink *s, sp_track *t, const char *topic, const sp_sink_doc *doc, char *err,
                         size_t errlen)
{
    (void)s, (void)t, (void)topic;
    if (sp_document_pack(doc->res, doc->meta, doc->scratch, doc->id, doc->idlen, err, errlen) != 0)
        return SP_SINK_BAD_DOCUMENT;
    return 0;
}

const sp_sink_type sp_sink_null = {
    .name = "null",
    .open = open_null,
    .emit_document = emit_document,
};
