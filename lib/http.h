/* http.h - HTTP client over libcurl for the search clusters.
 *
 * One handle is one keep-alive connection to one cluster: a base URL
 * (https://host/es for an OpenSearch behind a path prefix, or
 * http://host:9200), basic auth, and TLS verification ON unless the options
 * say verify = 0 explicitly (logged once as a warning). Paths are appended to
 * the base URL. Credentials never appear in URLs or logs.
 *
 * Ownership: the handle copies the options' strings. A response body belongs
 * to the handle and stays valid until its next request. A handle is not
 * thread-safe: use one per thread. */
#ifndef SPIDER_HTTP_H
#define SPIDER_HTTP_H

#include <stddef.h>

typedef struct {
    const char *base_url;       /* required, no trailing slash needed */
    const char *user;           /* NULL: no auth */
    const char *password;
    const char *ca_file;        /* NULL: the system CA bundle */
    int insecure;               /* 1: do not verify TLS (explicit, logged) */
    long connect_timeout_ms;    /* 0: 5000 */
    long timeout_ms;            /* 0: 60000 */
} sp_http_options;

typedef struct {
    long status;                /* HTTP status */
    const char *body;           /* NUL-terminated, owned by the handle */
    size_t len;
} sp_http_response;

typedef struct sp_http sp_http;

sp_http *sp_http_new(const sp_http_options *opts, char *err, size_t errlen);
void sp_http_free(sp_http *h);

/* Sends METHOD base_url+path. content_type may be NULL (application/json).
 * Returns 0 when an HTTP response arrived (any status: check resp->status),
 * -1 on a transport error (refused, timeout, TLS) with err saying which. */
int sp_http_request(sp_http *h, const char *method, const char *path,
                    const char *content_type, const void *body, size_t len,
                    sp_http_response *resp, char *err, size_t errlen);

/* 1 when the last request failed on TLS (a certificate the CA bundle does
 * not verify, an unreadable CA file, a failed handshake): a configuration
 * error, not a cluster that is down. */
int sp_http_tls_error(const sp_http *h);

/* The handle's base URL, for messages. */
const char *sp_http_base_url(const sp_http *h);

#endif
