/* esconf.c - es_conf.json, the reference format plus explicit extensions;
 * see esconf.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "config.h"
#include "esconf.h"
#include "log.h"

static int entry_err(char *err, size_t errlen, const char *path, size_t i, const char *host,
                     const char *fmt, ...)
{
    int n = snprintf(err, errlen, "%s: entry %zu%s%s%s: ", path, i + 1, host ? " (host \"" : "",
                     host ? host : "", host ? "\")" : "");
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < errlen)
        vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

static int ends_with(const char *s, const char *tail)
{
    size_t a = strlen(s), b = strlen(tail);
    return a >= b && strcmp(s + a - b, tail) == 0;
}

/* A string field, or the content of FIELD_file. NULL (and no error) when
 * neither is present; *bad set on a wrong type or unreadable file. */
static char *secret_field(json_t *e, const char *field, char *why, size_t whylen, int *bad)
{
    char file_field[64];
    snprintf(file_field, sizeof(file_field), "%s_file", field);
    json_t *v = json_object_get(e, field), *f = json_object_get(e, file_field);
    if (v && !json_is_string(v)) {
        snprintf(why, whylen, "field \"%s\": expected a string", field);
        *bad = 1;
        return NULL;
    }
    if (v)
        return strdup(json_string_value(v));
    if (!f)
        return NULL;
    if (!json_is_string(f)) {
        snprintf(why, whylen, "field \"%s\": expected a file path", file_field);
        *bad = 1;
        return NULL;
    }
    char ferr[300];
    char *s = sp_config_read_file_trimmed(json_string_value(f), ferr, sizeof(ferr));
    if (!s) {
        snprintf(why, whylen, "field \"%s\": %s", file_field, ferr);
        *bad = 1;
    }
    return s;
}

static int parse_entry(json_t *e, size_t i, const char *path, const char *default_ca,
                       sp_esconf_cluster *c, char *err, size_t errlen)
{
    if (!json_is_object(e))
        return entry_err(err, errlen, path, i, NULL, "expected an object");
    json_t *host = json_object_get(e, "host"), *port = json_object_get(e, "port");
    json_t *verify = json_object_get(e, "verify"), *scheme = json_object_get(e, "scheme");
    json_t *ca = json_object_get(e, "ca");
    if (!json_is_string(host) || !*json_string_value(host))
        return entry_err(err, errlen, path, i, NULL, "field \"host\": expected a host name");
    const char *h = json_string_value(host);
    if (strstr(h, "://"))
        return entry_err(err, errlen, path, i, h, "field \"host\": no scheme (the reference convention)");
    c->opensearch = ends_with(h, "/es") || ends_with(h, "/os");
    if (port && (!json_is_integer(port) || json_integer_value(port) < 1 || json_integer_value(port) > 65535))
        return entry_err(err, errlen, path, i, h, "field \"port\": expected a port number");
    if (!c->opensearch && !port)
        return entry_err(err, errlen, path, i, h,
                         "field \"port\": required for an Elasticsearch (a host without /es)");
    if (verify && !json_is_boolean(verify))
        return entry_err(err, errlen, path, i, h, "field \"verify\": expected true or false");
    if (ca && !json_is_string(ca))
        return entry_err(err, errlen, path, i, h, "field \"ca\": expected a file path");
    const char *sch = scheme ? json_string_value(scheme) : "https";
    if (!sch || (strcmp(sch, "https") != 0 && strcmp(sch, "http") != 0))
        return entry_err(err, errlen, path, i, h, "field \"scheme\": expected \"https\" or \"http\"");
    char why[400] = "";
    int bad = 0;
    c->user = secret_field(e, "username", why, sizeof(why), &bad);
    c->password = bad ? NULL : secret_field(e, "password", why, sizeof(why), &bad);
    if (bad)
        return entry_err(err, errlen, path, i, h, "%s", why);
    sp_log_add_secret(c->password);
    /* host[:port][/es]: a port goes before the path prefix. */
    const char *slash = strchr(h, '/');
    size_t hostlen = slash ? (size_t)(slash - h) : strlen(h);
    char url[1024], name[600];
    if (port)
        snprintf(name, sizeof(name), "%.*s:%lld", (int)hostlen, h, (long long)json_integer_value(port));
    else
        snprintf(name, sizeof(name), "%.*s", (int)hostlen, h);
    snprintf(url, sizeof(url), "%s://%s%s", sch, name, slash ? slash : "");
    c->name = strdup(name);
    c->base_url = strdup(url);
    c->insecure = verify && json_is_false(verify);
    const char *cafile = ca ? json_string_value(ca) : default_ca;
    c->ca_file = cafile ? strdup(cafile) : NULL;
    if (strcmp(sch, "http") == 0)
        sp_warn("esconf.plain_http", "cluster", c->name, "why", "scheme \"http\" configured: no TLS");
    return 0;
}

int sp_esconf_load(const char *path, const char *default_ca, sp_esconf *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    json_t *root = sp_config_read_json(path, err, errlen);
    if (!root)
        return -1;
    int rc = 0;
    if (!json_is_array(root) || json_array_size(root) == 0) {
        snprintf(err, errlen, "%s: expected a non-empty list of clusters", path);
        rc = -1;
    } else {
        out->items = calloc(json_array_size(root), sizeof(*out->items));
        for (size_t i = 0; out->items && rc == 0 && i < json_array_size(root); i++, out->n++)
            rc = parse_entry(json_array_get(root, i), i, path, default_ca, &out->items[i], err, errlen);
        if (!out->items)
            rc = -1;
    }
    json_decref(root);
    if (rc != 0)
        sp_esconf_free(out);
    return rc;
}

void sp_esconf_free(sp_esconf *c)
{
    for (size_t i = 0; i < c->n; i++) {
        sp_esconf_cluster *x = &c->items[i];
        free(x->name);
        free(x->base_url);
        free(x->user);
        if (x->password)
            memset(x->password, 0, strlen(x->password));
        free(x->password);
        free(x->ca_file);
    }
    free(c->items);
    memset(c, 0, sizeof(*c));
}

sp_http *sp_esconf_http(const sp_esconf_cluster *c, long timeout_ms, char *err, size_t errlen)
{
    sp_http_options o = { .base_url = c->base_url, .user = c->user, .password = c->password,
                          .ca_file = c->ca_file, .insecure = c->insecure, .timeout_ms = timeout_ms };
    return sp_http_new(&o, err, errlen);
}
