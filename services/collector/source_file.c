/* source_file.c - the replay source "file:DIR": DIR/<schedd>/queue.json
 * (or .jsonl, .long) and DIR/<schedd>/history.*, the schedds being DIR's
 * subdirectories. The constraint is not applied: the files hold the answer
 * as it was (see source.h).
 *
 * Ownership: the source owns its dir (source.c frees it); each run opens
 * and closes its own file or directory. */
#include "source_impl.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int accepts(const char *spec)
{
    return !strncmp(spec, "file:", 5);
}

static sp_source *open_file(const char *spec, char *err, size_t errlen)
{
    return sp_source_on_dir(&sp_source_file, spec, err, errlen);
}

static void describe(const sp_source *s, const sp_query *q, char *out, size_t outlen)
{
    snprintf(out, outlen, "read %s/%s/%s.*", s->dir, q->schedd ? q->schedd : "", q->kind == SP_QUERY_QUEUE ? "queue" : "history");
}

static int stream_file(const char *path, sp_source_bytes_fn *cb, void *ctx, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return snprintf(err, errlen, "%s: %s", path, strerror(errno)), -1;
    char buf[65536];
    size_t n;
    int rc = 0;
    while (rc == 0 && (n = fread(buf, 1, sizeof(buf), f)) > 0)
        if (cb(ctx, buf, n) != 0)
            rc = -1, snprintf(err, errlen, "%s: stopped", path);
    if (rc == 0 && ferror(f))
        rc = -1, snprintf(err, errlen, "%s: read error", path);
    fclose(f);
    return rc;
}

/* The schedd list of a replay directory, as JSON lines of {"Name": ...}. */
static int list_schedds(const char *dir, sp_source_bytes_fn *cb, void *ctx, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    if (!d)
        return snprintf(err, errlen, "%s: %s", dir, strerror(errno)), -1;
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d))) {
        if (e->d_name[0] == '.' || strchr(e->d_name, '"') || strchr(e->d_name, '\\'))
            continue;
        char line[600];
        int n = snprintf(line, sizeof(line), "{\"Name\": \"%s\"}\n", e->d_name);
        if (n > 0 && (size_t)n < sizeof(line))
            rc = cb(ctx, line, (size_t)n) ? -1 : 0;
    }
    closedir(d);
    return rc;
}

static int run_file(sp_source *s, const sp_query *q, sp_source_bytes_fn *cb, void *ctx, char *err, size_t errlen)
{
    static const char *const exts[] = { "json", "jsonl", "long" };
    if (q->kind == SP_QUERY_SCHEDDS)
        return list_schedds(s->dir, cb, ctx, err, errlen);
    if (!q->schedd || strchr(q->schedd, '/') || !strcmp(q->schedd, "..") || !strcmp(q->schedd, "."))
        return snprintf(err, errlen, "file source: bad schedd name"), -1;
    char path[4096];
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s/%s/%s.%s", s->dir, q->schedd, q->kind == SP_QUERY_QUEUE ? "queue" : "history", exts[i]);
        if (access(path, R_OK) == 0)
            return stream_file(path, cb, ctx, err, errlen);
    }
    snprintf(err, errlen, "file source: no %s/%s/%s.{json,jsonl,long}", s->dir, q->schedd,
             q->kind == SP_QUERY_QUEUE ? "queue" : "history");
    return -1;
}

const sp_source_type sp_source_file = {
    .name = "file",
    .accepts = accepts,
    .open = open_file,
    .run = run_file,
    .describe = describe,
};
