/* fuzz_differ_jscan.c - libFuzzer target for the differ's JSON-lines key
 * scanner (services/differ/compare/jscan.c): it must never read outside the line,
 * and whatever it accepts jansson must parse to an object with the same key
 * (differ_key), or the comparison would count documents differently. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "differ.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static differ_opts o;
    static int ready;
    if (!ready) {
        differ_opts_defaults(&o);
        ready = 1;
    }
    char *line = malloc(size ? size : 1);      /* exact size: ASan sees overreads */
    memcpy(line, data, size);
    char key[512], want[512];
    int k = differ_jscan_key(&o, line, size, key, sizeof(key));
    if (k >= 0) {
        json_t *j = json_loadb(line, size, JSON_ALLOW_NUL, NULL);
        if (!j || !json_is_object(j))
            abort();
        int w = differ_key(&o, j, want, sizeof(want));
        if (w != k || strcmp(key, want) != 0)
            abort();
        json_decref(j);
    }
    free(line);
    return 0;
}
