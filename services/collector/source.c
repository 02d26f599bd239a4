/* source.c - the source interface (see source.h): a spec finds its backend
 * in the table below; the backends are source_exec.c, source_http.c and
 * source_file.c (source_impl.h says what each provides).
 *
 * Ownership: sp_source_free frees the source and its dir. */
#include "source_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const sp_source_type *const types[] = { &sp_source_exec, &sp_source_http, &sp_source_file };

sp_source *sp_source_new(const char *spec, char *err, size_t errlen)
{
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (types[i]->accepts(spec))
            return types[i]->open(spec, err, errlen);
    snprintf(err, errlen, "source \"%s\": expected exec, exec:DIR, file:DIR or an http(s):// URL", spec);
    return NULL;
}

sp_source *sp_source_make(const sp_source_type *t, char *dir, char *err, size_t errlen)
{
    sp_source *s = calloc(1, sizeof(*s));
    if (!s) {
        free(dir);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->type = t;
    s->dir = dir;
    return s;
}

sp_source *sp_source_on_dir(const sp_source_type *t, const char *spec, char *err, size_t errlen)
{
    const char *dir = strchr(spec, ':') + 1;
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "source \"%s\": %s is not a directory", spec, dir);
        return NULL;
    }
    return sp_source_make(t, strdup(dir), err, errlen);
}

void sp_source_free(sp_source *s)
{
    if (!s)
        return;
    free(s->dir);
    free(s);
}

int sp_source_run(sp_source *s, const sp_query *q, sp_source_bytes_fn *cb, void *ctx, char *err, size_t errlen)
{
    return s->type->run(s, q, cb, ctx, err, errlen);
}

void sp_source_describe(const sp_source *s, const sp_query *q, char *out, size_t outlen)
{
    s->type->describe(s, q, out, outlen);
}

void sp_source_oneline(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
        s[--n] = '\0';
    for (char *p = s; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
}
