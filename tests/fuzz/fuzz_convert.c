/* fuzz_convert.c - libFuzzer target for the collector's whole ad path: any
 * bytes -> ads (either format) -> reference conversion -> the document packed
 * two ways (direct encoder and protobuf-c), which must agree byte for byte,
 * and rendered as JSON, which must parse. Ads from hostile schedds must
 * never crash the collector or produce invalid output. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "adreader.h"
#include "convert.h"
#include "docjson.h"
#include "document.h"

static sp_converter *conv;
static sp_expr_cache *cache;
static sp_ad *res;
static sp_arena docs;
static sp_buf a, b, json;

static int on_ad(void *ctx, sp_ad *ad)
{
    char err[256], id[1024];
    (void)ctx;
    sp_convert_job job = { "Fuzz", ad->n % 2, 1763800000, cache };
    if (sp_convert(conv, &job, ad, res, NULL, err, sizeof(err)) != 1)
        return 0;
    sp_document_meta meta = { "cms", "fuzz", 1, SPIDER__SOURCE__CONDOR_HISTORY, "s", 0 };
    sp_arena_reset(&docs);
    Spider__Document *d = sp_document_build(&docs, res, &meta, err, sizeof(err));
    int direct = sp_document_pack(res, &meta, &b, id, sizeof(id), err, sizeof(err));
    if (!d) {
        if (direct == 0)
            abort();                     /* one path accepted what the other refused */
        return 0;
    }
    Spider__Record rec = SPIDER__RECORD__INIT;
    rec.kind_case = SPIDER__RECORD__KIND_DOCUMENT;
    rec.document = d;
    if (direct != 0 || sp_record_pack(&rec, &a) != 0 || a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
        abort();
    json.len = 0;
    if (sp_docjson_write(&json, d, NULL) != 0)
        abort();
    json_t *j = json_loadb((const char *)json.data, json.len, 0, NULL);
    if (!j)
        abort();                         /* our JSON must always be JSON */
    json_decref(j);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    if (!conv) {
        conv = sp_converter_new(NULL, err, sizeof(err));
        cache = sp_expr_cache_new();
        res = sp_ad_new();
    }
    sp_adreader *r = sp_adreader_new(1 << 20, on_ad, NULL, NULL);
    if (sp_adreader_feed(r, data, size, err, sizeof(err)) == 0)
        sp_adreader_finish(r, err, sizeof(err));
    sp_adreader_free(r);
    return 0;
}
