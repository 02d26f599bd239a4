/* store.c - the checkpoint store interface (see store.h): the conf finds
 * its backend in the table below; the backends are store_file.c and
 * store_kafka.c (store_impl.h says what each provides).
 *
 * Ownership: sp_store_free frees the backend's state (close) and the store. */
#include "store_impl.h"

#include <stdio.h>
#include <stdlib.h>

static const sp_store_type *const types[] = { &sp_store_kafka, &sp_store_file };

sp_store *sp_store_new(const sp_store_type *t, const char *where, void *impl, char *err, size_t errlen)
{
    sp_store *s = calloc(1, sizeof(*s));
    if (!s)
        return snprintf(err, errlen, "out of memory"), NULL;
    s->type = t;
    s->where = where;
    s->impl = impl;
    return s;
}

sp_store *sp_store_open(const sp_store_conf *conf, char *err, size_t errlen)
{
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (types[i]->accepts(conf))
            return types[i]->open(conf, err, errlen);
    snprintf(err, errlen, "no checkpoint store for this configuration");
    return NULL;
}

void sp_store_free(sp_store *s)
{
    if (!s)
        return;
    s->type->close(s);
    free(s);
}

double sp_store_history_start(sp_store *s, const char *schedd, double now, long max_minutes, sp_seen **seen)
{
    return s->type->history_start(s, schedd, now, max_minutes, seen);
}

int sp_store_save(sp_store *s, const char *schedd, double t, const sp_seen *seen, char *err, size_t errlen)
{
    return s->type->save(s, schedd, t, seen, err, errlen);
}

const char *sp_store_kind(const sp_store *s)
{
    return s->type->kind;
}

const char *sp_store_where(const sp_store *s)
{
    return s->where;
}

int sp_store_shared(const sp_store *s)
{
    return s->type->owns != NULL;
}

int sp_store_owns(sp_store *s, const char *schedd)
{
    return s->type->owns ? s->type->owns(s, schedd) : 1;
}

int sp_store_loaded(sp_store *s, int *assigned)
{
    *assigned = 0;
    return s->type->loaded ? s->type->loaded(s, assigned) : 0;
}
