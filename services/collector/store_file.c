/* store_file.c - the file checkpoint store: checkpoint.json as the
 * reference spider reads it, with the overlap's seen sets (checkpoint.h),
 * for a collector that polls every schedd itself. Workers share it under
 * one lock; each save writes the whole file (see store.h).
 *
 * Ownership: the store owns the loaded checkpoints; the path is the conf's. */
#include "store_impl.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
    sp_checkpoints *cp;
    pthread_mutex_t lock;
} file_store;

static int accepts(const sp_store_conf *conf)
{
    return !conf->scale_out;
}

static void close_file(sp_store *s)
{
    file_store *f = s->impl;
    if (!f)
        return;
    sp_checkpoints_free(f->cp);
    pthread_mutex_destroy(&f->lock);
    free(f);
}

static sp_store *open_file(const sp_store_conf *conf, char *err, size_t errlen)
{
    sp_checkpoints *cp = sp_checkpoints_load(conf->file, err, errlen);
    file_store *f = cp ? calloc(1, sizeof(*f)) : NULL;
    if (!f) {
        if (cp)
            snprintf(err, errlen, "out of memory");
        sp_checkpoints_free(cp);
        return NULL;
    }
    f->cp = cp;
    pthread_mutex_init(&f->lock, NULL);
    sp_store *s = sp_store_new(&sp_store_file, conf->file, f, err, errlen);
    if (!s)
        close_file(&(sp_store){ .impl = f });
    return s;
}

static double history_start(sp_store *s, const char *schedd, double now, long max_minutes, sp_seen **seen)
{
    file_store *f = s->impl;
    pthread_mutex_lock(&f->lock);
    double start = sp_history_start(f->cp, schedd, now, max_minutes);
    *seen = sp_checkpoints_seen(f->cp, schedd);
    pthread_mutex_unlock(&f->lock);
    return start;
}

static int save(sp_store *s, const char *schedd, double t, const sp_seen *seen, char *err, size_t errlen)
{
    file_store *f = s->impl;
    pthread_mutex_lock(&f->lock);
    int rc = sp_checkpoints_advance(f->cp, schedd, t);
    if (rc == 0)
        rc = sp_checkpoints_set_seen(f->cp, schedd, seen);
    if (rc == 0)
        rc = sp_checkpoints_save(f->cp, s->where, err, errlen);
    else
        snprintf(err, errlen, "out of memory");
    pthread_mutex_unlock(&f->lock);
    return rc;
}

const sp_store_type sp_store_file = {
    .kind = "file",
    .accepts = accepts,
    .open = open_file,
    .history_start = history_start,
    .save = save,
    .close = close_file,
};
