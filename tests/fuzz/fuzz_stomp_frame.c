/* fuzz_stomp_frame.c - libFuzzer target for the incremental STOMP parser:
 * the input is fed in chunks whose sizes come from the input itself, every
 * frame parsed is re-encoded and parsed again, and must come back equal. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stomp.h"

/* Headers equal in order, content-length aside (the encoder writes its own). */
static int same_headers(const sp_stomp_frame *f, const sp_stomp_frame *g)
{
    size_t i = 0, j = 0;
    for (;;) {
        while (i < f->nheaders && strcmp(f->headers[i].name, "content-length") == 0)
            i++;
        while (j < g->nheaders && strcmp(g->headers[j].name, "content-length") == 0)
            j++;
        if (i == f->nheaders || j == g->nheaders)
            return i == f->nheaders && j == g->nheaders;
        if (strcmp(f->headers[i].name, g->headers[j].name) || strcmp(f->headers[i].value, g->headers[j].value))
            return 0;
        i++, j++;
    }
}

static void check_round_trip(const sp_stomp_frame *f)
{
    sp_buf out = {0};
    if (sp_stomp_frame_encode(&out, f->command, f->headers, f->nheaders, f->body, f->body_len) != 0)
        abort();
    sp_stomp_parser *p = sp_stomp_parser_new(0);
    sp_stomp_frame *g = NULL;
    char err[200];
    sp_stomp_parser_feed(p, out.data, out.len);
    /* CONNECT/CONNECTED values are unescaped: a value with ':' or EOL cannot
     * round-trip, so only frames with escaping are required to. */
    int escaped = strcmp(f->command, "CONNECT") && strcmp(f->command, "CONNECTED") && strcmp(f->command, "STOMP");
    if (sp_stomp_parser_next(p, &g, err, sizeof(err)) == 1) {
        if (escaped && (g->body_len != f->body_len || memcmp(g->body, f->body, f->body_len) != 0 ||
                        !same_headers(f, g)))
            abort();
    } else if (escaped && f->nheaders < SP_STOMP_MAX_HEADERS) {
        abort();   /* at the limit, the content-length added may exceed it */
    }
    sp_stomp_frame_free(g);
    sp_stomp_parser_free(p);
    sp_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sp_stomp_parser *p = sp_stomp_parser_new(1 << 16);
    size_t pos = 0, step = size ? (size_t)(data[0] % 17) + 1 : 1;
    char err[200];
    while (pos < size) {
        size_t n = size - pos < step ? size - pos : step;
        sp_stomp_parser_feed(p, data + pos, n);
        pos += n;
        step = (size_t)(data[pos % size] % 31) + 1;
        sp_stomp_frame *f;
        int rc;
        while ((rc = sp_stomp_parser_next(p, &f, err, sizeof(err))) == 1) {
            check_round_trip(f);
            sp_stomp_frame_free(f);
        }
        if (rc < 0)
            break;
    }
    sp_stomp_parser_free(p);
    return 0;
}
