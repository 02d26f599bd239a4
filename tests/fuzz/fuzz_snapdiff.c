/* fuzz_snapdiff.c - libFuzzer target for the stream differ's reading of
 * jobs.queue records (snapdiff.h: documents read straight from their
 * protobuf bytes). The input is a run of records, each prefixed by its
 * length in two bytes; they are fed to one differ in order, so snapshots
 * can begin, fill and end, and every emitted event must unpack. */
#include <stdint.h>
#include <stdlib.h>

#include "record.h"
#include "snapdiff.h"

static void on_emit(void *ctx, const char *key, const void *record, size_t len)
{
    (void)ctx;
    Spider__Record *r = sp_record_unpack(record, len);
    if (!r || r->kind_case != SPIDER__RECORD__KIND_CHANGE || !key)
        abort();                              /* what we emit always decodes */
    spider__record__free_unpacked(r, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *ignore[] = { "QueueHrs", "Rec*" };
    sp_snapdiff_opts o = { .ignore = ignore, .nignore = 2, .emit_initial = (int)(size & 1), .emit = on_emit };
    sp_snapdiff *d = sp_snapdiff_new(&o);
    if (!d)
        return 0;
    size_t at = 0;
    while (at + 2 <= size) {
        size_t len = (size_t)data[at] << 8 | data[at + 1];
        at += 2;
        if (len > size - at)
            len = size - at;
        sp_snapdiff_feed(d, data + at, len, 0);
        at += len;
    }
    sp_snapdiff_stats st;
    sp_snapdiff_stats_get(d, &st);
    sp_snapdiff_free(d);
    return 0;
}
