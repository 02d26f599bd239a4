/* buf.h - a growing byte buffer, the one every encoder and packer of
 * libspider and the services writes into and reuses across messages.
 *
 * Ownership: the caller owns the struct and its data; sp_buf_free releases
 * the data. A zeroed sp_buf is an empty buffer. */
#ifndef SPIDER_BUF_H
#define SPIDER_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint8_t *data;
    size_t len;
    size_t cap;
} sp_buf;

/* Ensures room for n more bytes. 0, or -1 when out of memory. */
int sp_buf_reserve(sp_buf *buf, size_t n);
/* Appends n bytes. 0, or -1 when out of memory. */
int sp_buf_append(sp_buf *buf, const void *data, size_t n);
void sp_buf_free(sp_buf *buf);
/* Appends s (NUL-terminated) as a JSON string, quotes included, escaping
 * what JSON needs. 0, or -1 when out of memory. */
int sp_buf_append_json_string(sp_buf *out, const char *s);

#endif
