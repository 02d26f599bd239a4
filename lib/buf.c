/* buf.c - the growing byte buffer (see buf.h). */
#include <stdlib.h>
#include <string.h>

#include "buf.h"

int sp_buf_reserve(sp_buf *buf, size_t n)
{
    if (buf->len + n <= buf->cap)
        return 0;
    size_t cap = buf->cap ? buf->cap : 4096;
    while (cap < buf->len + n)
        cap *= 2;
    uint8_t *data = realloc(buf->data, cap);
    if (!data)
        return -1;
    buf->data = data;
    buf->cap = cap;
    return 0;
}

int sp_buf_append(sp_buf *buf, const void *data, size_t n)
{
    if (n == 0)
        return 0;
    if (sp_buf_reserve(buf, n) != 0)
        return -1;
    memcpy(buf->data + buf->len, data, n);
    buf->len += n;
    return 0;
}

void sp_buf_free(sp_buf *buf)
{
    free(buf->data);
    memset(buf, 0, sizeof(*buf));
}
