/* table.h - records of one partition in memory, keyed by id (table.c). */
#ifndef SPIDER_DIFFER_TABLE_H
#define SPIDER_DIFFER_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

typedef struct {
    uint64_t hash;
    size_t off;          /* id, NUL, body, NUL in the arena */
    uint32_t idlen, bodylen;
    uint8_t used, matched;
} differ_entry;

typedef struct {
    differ_entry *slots;
    size_t nslots, count;
    sp_buf arena;
} differ_table;

int differ_table_init(differ_table *t);
void differ_table_free(differ_table *t);
/* Adds a record unless its id is there (*duplicate = 1). 0, -1 on ENOMEM. */
int differ_table_insert(differ_table *t, uint64_t h, const char *id, size_t idlen,
                        const char *body, size_t bodylen, int *duplicate);
differ_entry *differ_table_find(differ_table *t, uint64_t h, const char *id, size_t idlen);
const char *differ_table_id(const differ_table *t, const differ_entry *e);
const char *differ_table_body(const differ_table *t, const differ_entry *e);
uint64_t differ_table_bytes(const differ_table *t);

#endif
