/* record.h - helpers around the protobuf records of proto/spider.proto.
 *
 * The generated types (Spider__Record, Spider__Document, ...) come from
 * protoc-c at build time (gen/proto/spider.pb-c.h) and are used directly;
 * this file adds what every service needs on top: the snapshot checksum,
 * the names the reference spider uses, and packing into a reused buffer
 * (buf.h and hash.h, included here for the callers that reach sp_buf and
 * sp_hash_fnv1a64 through it). */
#ifndef SPIDER_RECORD_H
#define SPIDER_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "proto/spider.pb-c.h"
#include "buf.h"
#include "hash.h"

/* The SnapshotEnd checksum: order-independent sum mod 2^64 of FNV-1a-64 of
 * each document id. Start from 0 and add every id. */
static inline uint64_t sp_record_checksum_add(uint64_t acc, const char *id, size_t len)
{
    return acc + sp_hash_fnv1a64(id, len);
}

/* "condor_queue" / "condor_history" (metadata.spider_source), or NULL. */
const char *sp_record_source_name(Spider__Source source);
/* The inverse; SPIDER__SOURCE__SOURCE_UNSPECIFIED when unknown. */
Spider__Source sp_record_source_parse(const char *name);

/* Packs a record into buf (replacing its content). 0, or -1 when out of memory. */
int sp_record_pack(const Spider__Record *rec, sp_buf *buf);
/* Unpacks; the caller frees with spider__record__free_unpacked(r, NULL).
 * NULL when the bytes are not a valid Record. */
Spider__Record *sp_record_unpack(const void *data, size_t len);

#endif
