/* esconf.h - the search clusters, from es_conf.json in the reference
 * spider's format (seed 001), read as it is; the publisher writes to them,
 * the differ reads indices from them:
 *
 *   [ {"host": "es-cmsX.cern.ch", "port": 9203, "username": "u", "password": "p"},
 *     {"host": "es-cmsY.cern.ch/es", "username": "u", "password": "p"} ]
 *
 * A host ending in /es (or /os, which the reference code tests for) is an
 * OpenSearch behind that path prefix and needs no port; any other host is an
 * Elasticsearch and needs its port; hosts carry no scheme. Our additions,
 * all optional: "password_file"/"username_file" (read from a file, as the
 * AMQ credentials are), "ca" (CA bundle), "verify": false (explicit, logged
 * once), "scheme": "http" (plain HTTP, for loopback test clusters only).
 * Errors name the entry (1-based), its host and the field.
 *
 * Ownership: sp_esconf owns every string; sp_esconf_free frees them. */
#ifndef SPIDER_ESCONF_H
#define SPIDER_ESCONF_H

#include <stddef.h>

#include "http.h"

typedef struct {
    char *name;          /* "host" or "host:port", for logs, metrics and group ids */
    char *base_url;      /* https://host:port or https://host/es */
    char *user;
    char *password;
    char *ca_file;       /* NULL: the system CA bundle */
    int insecure;        /* "verify": false */
    int opensearch;      /* path-prefixed OpenSearch */
} sp_esconf_cluster;

typedef struct {
    sp_esconf_cluster *items;
    size_t n;
} sp_esconf;

/* default_ca applies to entries without "ca" (NULL: system CAs). */
int sp_esconf_load(const char *path, const char *default_ca, sp_esconf *out, char *err, size_t errlen);
void sp_esconf_free(sp_esconf *c);
/* An HTTP handle for one cluster (see http.h). */
sp_http *sp_esconf_http(const sp_esconf_cluster *c, long timeout_ms, char *err, size_t errlen);

#endif
