/* arena.h - a bump allocator in chunks, freed all at once: job ads, their
 * values and the differ's tables live in one, so building and dropping
 * them costs no malloc per item.
 *
 * Ownership: the caller owns the sp_arena struct (zeroed = empty); the
 * arena owns every chunk and everything allocated from it, until
 * sp_arena_reset/rewind/free. */
#ifndef SPIDER_ARENA_H
#define SPIDER_ARENA_H

#include <stddef.h>

/* A bump allocator in chunks; freed all at once. */
typedef struct sp_arena_chunk sp_arena_chunk;
typedef struct {
    sp_arena_chunk *first;
    sp_arena_chunk *head;  /* the chunk in use */
    size_t used;           /* bytes used in head */
} sp_arena;

/* 8-aligned memory from the arena, NULL when out of memory. */
void *sp_arena_alloc(sp_arena *a, size_t n);
/* A NUL-terminated copy of s[0..len). */
char *sp_arena_strndup(sp_arena *a, const char *s, size_t len);
/* Forgets everything allocated; keeps up to 4 MiB of chunks for reuse. */
void sp_arena_reset(sp_arena *a);
/* Forgets everything allocated and keeps every chunk (a table refilled to
 * the same size: no memory returned and faulted in again). */
void sp_arena_rewind(sp_arena *a);
void sp_arena_free(sp_arena *a);

#endif
