/* source_impl.h - what a source backend provides (source_exec.c,
 * source_http.c, source_file.c), for source.c's table; nothing outside the
 * sources includes it.
 *
 * A backend is one `static const sp_source_type` and its constructor:
 * accepts() says whether a spec names it, open() makes the source (dir is
 * the backend's, freed by sp_source_free), run() and describe() are
 * source.h's calls. A new source is one new file and one row in source.c.
 *
 * Ownership: a source owns dir; sp_source_free frees it and the source. */
#ifndef SPIDER_COLLECTOR_SOURCE_IMPL_H
#define SPIDER_COLLECTOR_SOURCE_IMPL_H

#include "source.h"

typedef struct sp_source_type {
    const char *name;
    int (*accepts)(const char *spec);
    sp_source *(*open)(const char *spec, char *err, size_t errlen);
    int (*run)(sp_source *s, const sp_query *q, sp_source_bytes_fn *cb, void *ctx, char *err, size_t errlen);
    void (*describe)(const sp_source *s, const sp_query *q, char *out, size_t outlen);
} sp_source_type;

struct sp_source {
    const sp_source_type *type;
    char *dir;               /* exec: where the tools are (NULL: PATH); file: the replay dir; http: base URL */
};

extern const sp_source_type sp_source_exec, sp_source_http, sp_source_file;

/* A source of type t with dir (taken over; NULL allowed); NULL on ENOMEM
 * (dir is freed) with err. */
sp_source *sp_source_make(const sp_source_type *t, char *dir, char *err, size_t errlen);
/* For "exec:DIR" and "file:DIR": a source of type t on DIR, or NULL with err
 * when DIR is not a directory. */
sp_source *sp_source_on_dir(const sp_source_type *t, const char *spec, char *err, size_t errlen);
/* Trailing blanks and newlines dropped, inner ones made spaces (an error
 * message on one line). */
void sp_source_oneline(char *s);

#endif
