/* pbwire.h - the protobuf wire format, for the encoders and readers that
 * write and read proto/spider.proto by hand instead of through protoc-c's
 * message trees (the collector's document packer, the differ's in-place
 * job reader, change events that carry a document's bytes as they came,
 * varint-framed dumps and spill files).
 *
 * Field numbers are named after the messages and fields of spider.proto
 * (SP_PB_<MESSAGE>_<FIELD>); unit.pbwire checks every one against the
 * descriptors protoc-c generates. The hot functions are inline.
 *
 * Ownership: nothing here allocates but through an sp_buf the caller owns. */
#ifndef SPIDER_PBWIRE_H
#define SPIDER_PBWIRE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"

/* Wire types. */
enum { SP_PB_VARINT = 0, SP_PB_I64 = 1, SP_PB_LEN = 2, SP_PB_I32 = 5 };

/* A field's key (tag): its number and wire type. One byte below field 16. */
#define SP_PB_KEY(field, type) ((unsigned)(field) << 3 | (unsigned)(type))
#define SP_PB_KEY_LEN(field) SP_PB_KEY(field, SP_PB_LEN)
#define SP_PB_KEY_VARINT(field) SP_PB_KEY(field, SP_PB_VARINT)
#define SP_PB_KEY_I64(field) SP_PB_KEY(field, SP_PB_I64)
#define SP_PB_FIELD_OF(key) ((unsigned)(key) >> 3)
#define SP_PB_TYPE_OF(key) ((unsigned)(key) & 7u)

/* The field numbers of proto/spider.proto the hand-written code uses. */
enum {
    SP_PB_VALUE_NULL_VALUE = 1,
    SP_PB_VALUE_INT_VALUE = 2,
    SP_PB_VALUE_DOUBLE_VALUE = 3,
    SP_PB_VALUE_BOOL_VALUE = 4,
    SP_PB_VALUE_STRING_VALUE = 5,
    SP_PB_VALUE_LIST_VALUE = 6,
    SP_PB_VALUE_MAP_VALUE = 7,

    SP_PB_VALUELIST_VALUES = 1,

    SP_PB_ATTRIBUTE_NAME = 1,
    SP_PB_ATTRIBUTE_VALUE = 2,

    SP_PB_ATTRIBUTEMAP_ATTRIBUTES = 1,

    SP_PB_METADATA_SPIDER_GIT_HASH = 1,
    SP_PB_METADATA_SPIDER_HOSTNAME = 2,
    SP_PB_METADATA_SPIDER_RUNTIME = 3,
    SP_PB_METADATA_SPIDER_SOURCE = 4,
    SP_PB_METADATA_PUBLISHER_GIT_HASH = 5,

    SP_PB_DOCUMENT_ID = 1,
    SP_PB_DOCUMENT_INDEX = 2,
    SP_PB_DOCUMENT_SCHEDD = 3,
    SP_PB_DOCUMENT_GLOBAL_JOB_ID = 4,
    SP_PB_DOCUMENT_RECORD_TIME = 5,
    SP_PB_DOCUMENT_ATTRIBUTES = 6,
    SP_PB_DOCUMENT_METADATA = 7,
    SP_PB_DOCUMENT_SNAPSHOT_ID = 8,
    SP_PB_DOCUMENT_LAST_FIELD = 8,     /* the highest field number Document has */

    SP_PB_CHANGEEVENT_DOCUMENT = 6,

    SP_PB_RECORD_DOCUMENT = 1,
    SP_PB_RECORD_SNAPSHOT_BEGIN = 2,
    SP_PB_RECORD_SNAPSHOT_END = 3,
    SP_PB_RECORD_CHANGE = 4,
};

/* ---- writing ---- */

/* Bytes of v as a varint (1 to 10). */
static inline size_t sp_pb_varint_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

/* Writes v at p (room for 10 bytes); returns the byte after it. */
static inline uint8_t *sp_pb_put_varint(uint8_t *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

/* The size of a length-delimited field of a one-byte key (field < 16):
 * key + length + body. */
static inline size_t sp_pb_len_field_size(size_t body)
{
    return 1 + sp_pb_varint_len(body) + body;
}

/* Appends v as a varint to buf. 0, or -1 when out of memory. */
int sp_pb_buf_put_varint(sp_buf *buf, uint64_t v);
/* Writes v as a varint to f. 0, or -1 on a write error. */
int sp_pb_file_put_varint(FILE *f, uint64_t v);

/* ---- reading in place ---- */

/* The bytes still to read. */
typedef struct {
    const uint8_t *p, *end;
} sp_pb_reader;

/* A varint. 0, or -1 when truncated or longer than 64 bits. */
static inline int sp_pb_read_varint(sp_pb_reader *r, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; r->p < r->end && shift < 64; shift += 7) {
        uint8_t b = *r->p++;
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return 0;
    }
    return -1;
}

/* The next field: its key (SP_PB_KEY), and its bytes (a varint's value in
 * *v; a length-delimited field's length in *v too). 1, 0 at the end, -1
 * when malformed. */
static inline int sp_pb_next_field(sp_pb_reader *r, unsigned *key, uint64_t *v, const uint8_t **bytes,
                                   size_t *len)
{
    uint64_t k;
    if (r->p == r->end)
        return 0;
    if (sp_pb_read_varint(r, &k) != 0 || k > 0xffffffffu)
        return -1;
    *key = (unsigned)k;
    *bytes = NULL;
    *len = 0;
    switch (k & 7) {
    case SP_PB_VARINT: return sp_pb_read_varint(r, v) == 0 ? 1 : -1;
    case SP_PB_I64: *len = 8; break;
    case SP_PB_I32: *len = 4; break;
    case SP_PB_LEN:
        if (sp_pb_read_varint(r, v) != 0 || *v > (uint64_t)(r->end - r->p))
            return -1;
        *len = (size_t)*v;
        break;
    default: return -1;
    }
    if (*len > (size_t)(r->end - r->p))
        return -1;
    *bytes = r->p;
    r->p += *len;
    return 1;
}

/* A varint from f: 1, 0 at a clean end (EOF before its first byte), -1
 * when truncated or too long. */
int sp_pb_file_read_varint(FILE *f, uint64_t *out);

#endif
