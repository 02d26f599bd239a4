/* pbwire.c - varints to and from buffers and files (see pbwire.h; the
 * in-place reader and the encoder's helpers are inline there). */
#include "pbwire.h"

int sp_pb_buf_put_varint(sp_buf *buf, uint64_t v)
{
    uint8_t tmp[10];
    return sp_buf_append(buf, tmp, (size_t)(sp_pb_put_varint(tmp, v) - tmp));
}

int sp_pb_file_put_varint(FILE *f, uint64_t v)
{
    uint8_t tmp[10];
    size_t n = (size_t)(sp_pb_put_varint(tmp, v) - tmp);
    return fwrite(tmp, 1, n, f) == n ? 0 : -1;
}

int sp_pb_file_read_varint(FILE *f, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        int c = getc(f);
        if (c == EOF)
            return shift == 0 ? 0 : -1;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *out = v;
            return 1;
        }
    }
    return -1;
}
