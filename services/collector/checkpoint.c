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
    json_t *seen;   /* schedd -> {GlobalJobId -> number} (SP_SEEN_KEY in the file) */
};

struct sp_seen {
    json_t *map;    /* GlobalJobId -> number */
};

sp_checkpoints *sp_checkpoints_new(void)
{
    sp_checkpoints *c = calloc(1, sizeof(*c));
    if (c && (!(c->map = json_object()) || !(c->seen = json_object()))) {
        json_decref(c->map);
        free(c);
        return NULL;
    }
    return c;
}

static int numbers_only(const json_t *o)
{
    const char *k;
    json_t *v;
    if (!json_is_object(o))
        return 0;
    json_object_foreach((json_t *)o, k, v)
        if (!json_is_number(v))
            return 0;
    return 1;
}

/* Takes SP_SEEN_KEY out of root: the seen sets, or an empty object when it
 * is missing or malformed (they only save work: a bad one is dropped). */
static json_t *take_seen(json_t *root, const char *path)
{
    json_t *seen = json_incref(json_object_get(root, SP_SEEN_KEY));
    json_object_del(root, SP_SEEN_KEY);
    int ok = json_is_object(seen);
    const char *k;
    json_t *v;
    if (ok)
        json_object_foreach(seen, k, v)
            ok = ok && numbers_only(v);
    if (!ok && seen)
        sp_warn("checkpoint.bad_seen", "path", path, "key", SP_SEEN_KEY, "action", "ignored: the overlap is sent again");
    if (!ok) {
        json_decref(seen);
        seen = json_object();
    }
    return seen;
}

static sp_checkpoints *from_json(json_t *root, const char *path, char *err, size_t errlen)
{
    if (!json_is_object(root)) {
        snprintf(err, errlen, "%s: expected a JSON object of schedd name -> epoch seconds", path);
        json_decref(root);
        return NULL;
    }
    json_t *seen = take_seen(root, path);
    const char *k;
    json_t *v;
    json_object_foreach(root, k, v) {
        if (!json_is_number(v) || json_number_value(v) < 0) {
            snprintf(err, errlen, "%s: key \"%s\": expected epoch seconds (a number), got %s", path, k,
                     json_is_string(v) ? "a string" : json_is_null(v) ? "null" : "something else");
            json_decref(root);
            json_decref(seen);
            return NULL;
        }
    }
    sp_checkpoints *c = malloc(sizeof(*c));
    if (!c || !seen) {
        free(c);
        json_decref(root);
        json_decref(seen);
        return NULL;
    }
    c->map = root;
    c->seen = seen;
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
        return sp_checkpoints_new();
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
    json_decref(c->seen);
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

/* The file's text: the reference's map, and the seen sets under SP_SEEN_KEY
 * when there are any. */
static char *dump_file(const sp_checkpoints *c)
{
    json_t *all = json_copy(c->map);
    if (!all)
        return NULL;
    if (json_object_size(c->seen) > 0)
        json_object_set(all, SP_SEEN_KEY, c->seen);
    char *text = json_dumps(all, JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
    json_decref(all);
    return text;
}

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
    char *text = dump_file(c);
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

/* ---------- the overlap window's acknowledged records ---------- */

sp_seen *sp_seen_new(void)
{
    sp_seen *s = malloc(sizeof(*s));
    if (s && !(s->map = json_object())) {
        free(s);
        return NULL;
    }
    return s;
}

void sp_seen_free(sp_seen *s)
{
    if (!s)
        return;
    json_decref(s->map);
    free(s);
}

int sp_seen_add(sp_seen *s, const char *gjid, double ecs)
{
    double old;
    json_t *v = json_object_get(s->map, gjid);
    if (v && (old = json_number_value(v)) >= ecs)
        return 0;
    v = ecs == (double)(long long)ecs ? json_integer((json_int_t)ecs) : json_real(ecs);
    return v ? json_object_set_new(s->map, gjid, v) : -1;
}

int sp_seen_has(const sp_seen *s, const char *gjid, double ecs)
{
    json_t *v = json_object_get(s->map, gjid);
    return v && json_number_value(v) == ecs;
}

size_t sp_seen_count(const sp_seen *s) { return json_object_size(s->map); }

int sp_seen_merge(sp_seen *into, const sp_seen *from)
{
    const char *k;
    json_t *v;
    json_object_foreach(from->map, k, v)
        if (sp_seen_add(into, k, json_number_value(v)) != 0)
            return -1;
    return 0;
}

size_t sp_seen_prune(sp_seen *s, double floor)
{
    const char *k;
    json_t *v;
    void *tmp;
    size_t n = 0;
    json_object_foreach_safe(s->map, tmp, k, v) {
        if (json_number_value(v) < floor) {
            json_object_del(s->map, k);
            n++;
        }
    }
    return n;
}

int sp_seen_next(sp_seen *seen, const sp_seen *fresh, double checkpoint, long overlap_s)
{
    if (sp_seen_merge(seen, fresh) != 0)
        return -1;
    sp_seen_prune(seen, checkpoint - (double)overlap_s);
    return 0;
}

char *sp_seen_dump(const sp_seen *s) { return json_dumps(s->map, JSON_SORT_KEYS | JSON_COMPACT | JSON_REAL_PRECISION(17)); }

static sp_seen *seen_of(json_t *map)
{
    sp_seen *s = map ? malloc(sizeof(*s)) : NULL;
    if (!s) {
        json_decref(map);
        return NULL;
    }
    s->map = map;
    return s;
}

sp_seen *sp_seen_parse(const char *text, size_t len)
{
    json_t *map = json_loadb(text, len, 0, NULL);
    if (!numbers_only(map)) {
        json_decref(map);
        return NULL;
    }
    return seen_of(map);
}

sp_seen *sp_checkpoints_seen(const sp_checkpoints *c, const char *schedd)
{
    json_t *m = json_object_get(c->seen, schedd);
    return m ? seen_of(json_copy(m)) : sp_seen_new();
}

int sp_checkpoints_set_seen(sp_checkpoints *c, const char *schedd, const sp_seen *s)
{
    json_t *m = json_copy(s->map);
    return m ? json_object_set_new(c->seen, schedd, m) : -1;
}
