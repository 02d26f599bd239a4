/* fuzz_adjson.c - libFuzzer target for the streaming ad parser: input fed in
 * chunks whose sizes come from the input, every event checked for sane
 * strings, and the parser must never read outside what it was given. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "adjson.h"

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
    (void)sink;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sp_adjson *p = sp_adjson_new(4096);
    char err[256];
    size_t pos = 0, step = size ? (size_t)(data[0] % 61) + 1 : 1;
    while (pos < size) {
        size_t n = size - pos < step ? size - pos : step;
        sp_adjson_feed(p, data + pos, n);
        pos += n;
        step = (size_t)(data[pos % size] % 61) + 1;
        int rc;
        while ((rc = sp_adjson_next(p, check, NULL, err, sizeof(err))) != 0)
            if (rc < 0 && sp_adjson_broken(p))
                break;
        if (sp_adjson_broken(p))
            break;
    }
    sp_adjson_finish(p, err, sizeof(err));
    sp_adjson_free(p);
    return 0;
}
