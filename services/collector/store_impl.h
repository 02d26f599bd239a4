/* store_impl.h - what a checkpoint store backend provides (store_file.c,
 * store_kafka.c), for store.c; nothing outside the stores includes it.
 *
 * A backend is one `static const sp_store_type`: open() is its constructor
 * (its state in impl), the others are store.h's calls; owns and loaded are
 * NULL for a store that is not shared. A new store is one new file and one
 * row of store.c's table.
 *
 * Ownership: the store owns impl; close() frees it. */
#ifndef SPIDER_COLLECTOR_STORE_IMPL_H
#define SPIDER_COLLECTOR_STORE_IMPL_H

#include "store.h"

typedef struct sp_store_type {
    const char *kind;                /* for errors: "file", "topic" */
    int (*accepts)(const sp_store_conf *conf);
    sp_store *(*open)(const sp_store_conf *conf, char *err, size_t errlen);
    double (*history_start)(sp_store *s, const char *schedd, double now, long max_minutes, sp_seen **seen);
    int (*save)(sp_store *s, const char *schedd, double t, const sp_seen *seen, char *err, size_t errlen);
    int (*owns)(sp_store *s, const char *schedd);
    int (*loaded)(sp_store *s, int *assigned);
    void (*close)(sp_store *s);
} sp_store_type;

struct sp_store {
    const sp_store_type *type;
    const char *where;               /* the file or topic (the conf's) */
    void *impl;
};

extern const sp_store_type sp_store_file, sp_store_kafka;

/* A store of type t on where with impl (NULL: closed as it is); NULL with
 * err on ENOMEM (impl is then the caller's). */
sp_store *sp_store_new(const sp_store_type *t, const char *where, void *impl, char *err, size_t errlen);

#endif
