/* fuzz_adlong.c - libFuzzer target for the streaming -long ad parser: input
 * fed in chunks whose sizes come from the input, the end of input marked and
 * the last ad drained, every event checked for sane strings, and the parser
 * must never read outside what it was given. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "adlong.h"

static int check(void *ctx, const sp_adjson_event *ev)
{
    (void)ctx;
    volatile char sink = 0;
    for (size_t i = 0; i < ev->len; i++)      /* ASan catches a bad pointer */
        sink ^= ev->str[i];
    for (size_t i = 0; i < ev->name_len; i++)
        sink ^= ev->name[i];
    if (ev->depth < 0 || ev->depth > 64)
        abort();
    if (ev->depth == 0 && ev->type != SP_ADJSON_LIST_END && ev->type != SP_ADJSON_AD_END && !ev->name)
        abort();                              /* every attribute is named */
    (void)sink;
    return 0;
}

static void drain(sp_adlong *p)
{
    char err[256];
    int guard = 0;
    while (sp_adlong_next(p, check, NULL, err, sizeof(err)) != 0)
        if (++guard > 1 << 20)
            abort();                          /* next() must make progress */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sp_adlong *p = sp_adlong_new(4096);
    char err[256];
    size_t pos = 0, step = size ? (size_t)(data[0] % 61) + 1 : 1;
    while (pos < size) {
        size_t n = size - pos < step ? size - pos : step;
        sp_adlong_feed(p, data + pos, n);
        pos += n;
        step = (size_t)(data[pos % size] % 61) + 1;
        drain(p);
    }
    sp_adlong_finish(p, err, sizeof(err));
    drain(p);
    sp_adlong_free(p);
    return 0;
}
