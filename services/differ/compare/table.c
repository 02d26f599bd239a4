/* table.c - the left records of one partition in memory, keyed by id: an
 * arena of (id, body) bytes and an open-addressing index over it, so a
 * record costs its bytes plus 32 bytes of index.
 *
 * Ownership: the table owns its arena and index; record pointers it hands
 * out stay valid until the next insert or differ_table_free. */
#include <stdlib.h>
#include <string.h>

#include "table.h"

int differ_table_init(differ_table *t)
{
    memset(t, 0, sizeof(*t));
    t->nslots = 1024;
    t->slots = calloc(t->nslots, sizeof(differ_entry));
    return t->slots ? 0 : -1;
}

void differ_table_free(differ_table *t)
{
    free(t->slots);
    sp_buf_free(&t->arena);
    memset(t, 0, sizeof(*t));
}

uint64_t differ_table_bytes(const differ_table *t)
{
    return t->arena.cap + t->nslots * sizeof(differ_entry);
}

static int grow(differ_table *t)
{
    size_t n = t->nslots * 2;
    differ_entry *s = calloc(n, sizeof(differ_entry));
    if (!s)
        return -1;
    for (size_t i = 0; i < t->nslots; i++) {
        if (!t->slots[i].used)
            continue;
        size_t j = t->slots[i].hash & (n - 1);
        while (s[j].used)
            j = (j + 1) & (n - 1);
        s[j] = t->slots[i];
    }
    free(t->slots);
    t->slots = s;
    t->nslots = n;
    return 0;
}

const char *differ_table_id(const differ_table *t, const differ_entry *e)
{
    return (const char *)t->arena.data + e->off;
}

const char *differ_table_body(const differ_table *t, const differ_entry *e)
{
    return (const char *)t->arena.data + e->off + e->idlen + 1;
}

differ_entry *differ_table_find(differ_table *t, uint64_t h, const char *id, size_t idlen)
{
    size_t j = h & (t->nslots - 1);
    while (t->slots[j].used) {
        differ_entry *e = &t->slots[j];
        if (e->hash == h && e->idlen == idlen && memcmp(differ_table_id(t, e), id, idlen) == 0)
            return e;
        j = (j + 1) & (t->nslots - 1);
    }
    return NULL;
}

int differ_table_insert(differ_table *t, uint64_t h, const char *id, size_t idlen,
                        const char *body, size_t bodylen, int *duplicate)
{
    *duplicate = differ_table_find(t, h, id, idlen) != NULL;
    if (*duplicate)
        return 0;
    if ((t->count + 1) * 4 > t->nslots * 3 && grow(t) != 0)
        return -1;
    size_t off = t->arena.len;
    static const char nul = '\0';
    if (sp_buf_append(&t->arena, id, idlen) || sp_buf_append(&t->arena, &nul, 1) ||
        sp_buf_append(&t->arena, body, bodylen) || sp_buf_append(&t->arena, &nul, 1))
        return -1;
    size_t j = h & (t->nslots - 1);
    while (t->slots[j].used)
        j = (j + 1) & (t->nslots - 1);
    t->slots[j] = (differ_entry){ h, off, (uint32_t)idlen, (uint32_t)bodylen, 1, 0 };
    t->count++;
    return 0;
}
