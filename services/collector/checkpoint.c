/* checkpoint.c - checkpoint.json (reference shape, atomic replace, .back)
 * and the reference rules for where a history poll starts. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>

#include "checkpoint.h"
#include "config.h"
#include "log.h"

struct sp_checkpoints {
    json_t *map;    /* schedd -> number */
};

sp_checkpoints *sp_checkpoints_new(void)
{
    sp_checkpoints *c = calloc(1, sizeof(*c));
    if (c && !(c->map = json_object())) {
        free(c);
        return NULL;
    }
    return c;
}

static sp_checkpoints *from_json(json_t *root, const char *path, char *err, size_t errlen)
{
    if (!json_is_object(root)) {
        snprintf(err, errlen, "%s: expected a JSON object of schedd name -> epoch seconds", path);
        json_decref(root);
        return NULL;
    }
    const char *k;
    json_t *v;
    json_object_foreach(root, k, v) {
        if (!json_is_number(v) || json_number_value(v) < 0) {
            snprintf(err, errlen, "%s: key \"%s\": expected epoch seconds (a number), got %s", path, k,
                     json_is_string(v) ? "a string" : json_is_null(v) ? "null" : "something else");
            json_decref(root);
            return NULL;
        }
    }
    sp_checkpoints *c = malloc(sizeof(*c));
    if (!c) {
        json_decref(root);
        return NULL;
    }
    c->map = root;
    return c;
}

static sp_checkpoints *load_one(const char *path, char *err, size_t errlen)
{
    json_t *root = sp_config_read_json(path, err, errlen);
    return root ? from_json(root, path, err, errlen) : NULL;
}

sp_checkpoints *sp_checkpoints_load(const char *path, char *err, size_t errlen)
{
    char back[4096];
    snprintf(back, sizeof(back), "%s.back", path);
    int have = access(path, F_OK) == 0, have_back = access(back, F_OK) == 0;
    if (!have && !have_back) {
        sp_info("checkpoint.none", "path", path, "meaning", "first run: history starts from the configured window");
        sp_checkpoints *c = malloc(sizeof(*c));
        if (c)
            c->map = json_object();
        return c;
    }
    char why[512] = "missing";
    sp_checkpoints *c = have ? load_one(path, why, sizeof(why)) : NULL;
    if (c)
        return c;
    char why_back[512] = "";
    if (have_back && (c = load_one(back, why_back, sizeof(why_back))) != NULL) {
        sp_warn("checkpoint.from_back", "path", path, "why", why, "using", back);
        return c;
    }
    snprintf(err, errlen, "%s%s%s", have ? why : path, have_back ? "; and its .back: " : "", why_back);
    return NULL;
}

void sp_checkpoints_free(sp_checkpoints *c)
{
    if (!c)
        return;
    json_decref(c->map);
    free(c);
}

int sp_checkpoints_get(const sp_checkpoints *c, const char *schedd, double *t)
{
    json_t *v = json_object_get(c->map, schedd);
    if (!v)
        return 0;
    *t = json_number_value(v);
    return 1;
}

int sp_checkpoints_advance(sp_checkpoints *c, const char *schedd, double t)
{
    double old;
    if (sp_checkpoints_get(c, schedd, &old) && old >= t)
        return 0;
    /* Whole seconds stay integers in the file, as the reference writes them. */
    json_t *v = t == (double)(long long)t ? json_integer((json_int_t)t) : json_real(t);
    return v ? json_object_set_new(c->map, schedd, v) : -1;
}

size_t sp_checkpoints_count(const sp_checkpoints *c) { return json_object_size(c->map); }

int sp_checkpoints_save(const sp_checkpoints *c, const char *path, char *err, size_t errlen)
{
    char tmp[4096], back[4096];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    snprintf(back, sizeof(back), "%s.back", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        return -1;
    }
    char *text = json_dumps(c->map, JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
    size_t len = text ? strlen(text) : 0;
    int ok = text && write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
    free(text);
    if (close(fd) != 0 || !ok) {
        snprintf(err, errlen, "%s: write failed: %s", tmp, strerror(errno));
        unlink(tmp);
        return -1;
    }
    /* The previous checkpoint becomes .back; then the new one takes its place. */
    if ((access(path, F_OK) == 0 && rename(path, back) != 0) || rename(tmp, path) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

double sp_history_start(const sp_checkpoints *c, const char *schedd, double now, long max_minutes)
{
    double window = now - (double)max_minutes * 60;
    double start;
    if (!c || !sp_checkpoints_get(c, schedd, &start))
        start = window;
    if (start < now - (double)SP_RETENTION_SECONDS)
        start = now - (double)SP_RETENTION_SECONDS;
    if (strncmp(schedd, "crab", 4) == 0 && start < now - (double)SP_CRAB_MAX_SPAN_SECONDS)
        start = window;
    return start;
}

long long sp_history_since(double start, long period_seconds)
{
    return (long long)start - period_seconds;
}
