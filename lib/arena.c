/* arena.c - the bump allocator job ads and tables live in (see arena.h). */
#include <stdlib.h>
#include <string.h>

#include "arena.h"

struct sp_arena_chunk {
    sp_arena_chunk *next;
    size_t size;
    _Alignas(16) unsigned char data[];
};

#define ARENA_CHUNK (256u << 10)
#define ARENA_KEEP (4u << 20)     /* reset keeps up to this much for reuse */

/* Chunks are kept in a list from `first`; `head` is the one in use.
 * A reset goes back to the first chunk, so an ad-sized arena stops
 * calling malloc after the first few ads. */
void *sp_arena_alloc(sp_arena *a, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    if (a->head && a->used + n <= a->head->size) {
        void *p = a->head->data + a->used;
        a->used += n;
        return p;
    }
    while (a->head && a->head->next) {          /* reuse a kept chunk that fits */
        a->head = a->head->next;
        a->used = 0;
        if (n <= a->head->size) {
            a->used = n;
            return a->head->data;
        }
    }
    size_t size = n > ARENA_CHUNK ? n : ARENA_CHUNK;
    sp_arena_chunk *c = malloc(sizeof(*c) + size);
    if (!c)
        return NULL;
    c->size = size;
    c->next = NULL;
    if (a->head)
        a->head->next = c;
    else
        a->first = c;
    a->head = c;
    a->used = n;
    return c->data;
}

char *sp_arena_strndup(sp_arena *a, const char *s, size_t len)
{
    char *p = sp_arena_alloc(a, len + 1);
    if (!p)
        return NULL;
    if (len)
        memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

void sp_arena_rewind(sp_arena *a)
{
    a->head = a->first;
    a->used = 0;
}

void sp_arena_reset(sp_arena *a)
{
    size_t kept = 0;
    sp_arena_chunk *c = a->first, *prev = NULL;
    while (c && kept + c->size <= ARENA_KEEP) {  /* the first chunk is always kept */
        kept += c->size;
        prev = c;
        c = c->next;
    }
    if (!prev && c) {
        prev = c;
        c = c->next;
    }
    if (prev)
        prev->next = NULL;
    while (c) {
        sp_arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->head = a->first;
    a->used = 0;
}

void sp_arena_free(sp_arena *a)
{
    sp_arena_chunk *c = a->first;
    while (c) {
        sp_arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->first = a->head = NULL;
    a->used = 0;
}
