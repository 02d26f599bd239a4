/* http.c - libcurl client for the search clusters; see http.h. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>

#include "http.h"
#include "log.h"
#include "buf.h"

struct sp_http {
    CURL *curl;
    char *base_url;
    char *userpwd;
    sp_buf body;
    char errbuf[CURL_ERROR_SIZE];
    CURLcode last;                  /* of the last request */
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t on_body(char *data, size_t size, size_t n, void *opaque)
{
    sp_buf *b = opaque;
    size_t len = size * n;
    return sp_buf_append(b, data, len) == 0 ? len : 0;   /* 0: curl reports a write error */
}

static char *join_userpwd(const char *user, const char *password)
{
    size_t n = strlen(user) + 1 + strlen(password ? password : "") + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s:%s", user, password ? password : "");
    return s;
}

sp_http *sp_http_new(const sp_http_options *o, char *err, size_t errlen)
{
    pthread_once(&curl_once, curl_init_once);
    sp_http *h = calloc(1, sizeof(*h));
    if (!h || !o->base_url || !(h->curl = curl_easy_init())) {
        snprintf(err, errlen, "%s", o->base_url ? "out of memory" : "http: no base URL");
        free(h);
        return NULL;
    }
    h->base_url = strdup(o->base_url);
    size_t n = strlen(h->base_url);
    while (n && h->base_url[n - 1] == '/')
        h->base_url[--n] = '\0';
    CURL *c = h->curl;
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &h->body);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms ? o->connect_timeout_ms : 5000L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, o->timeout_ms ? o->timeout_ms : 60000L);
    curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    if (o->user) {
        h->userpwd = join_userpwd(o->user, o->password);
        sp_log_add_secret(o->password);
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERPWD, h->userpwd);
    }
    if (o->ca_file)
        curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_file);
    if (o->insecure) {
        sp_warn("http.tls.unverified", "url", h->base_url,
                "why", "TLS verification turned off by configuration");
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    return h;
}

void sp_http_free(sp_http *h)
{
    if (!h)
        return;
    curl_easy_cleanup(h->curl);
    free(h->base_url);
    if (h->userpwd) {
        memset(h->userpwd, 0, strlen(h->userpwd));
        free(h->userpwd);
    }
    sp_buf_free(&h->body);
    free(h);
}

const char *sp_http_base_url(const sp_http *h) { return h->base_url; }

int sp_http_tls_error(const sp_http *h)
{
    switch (h->last) {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
        return 1;
    default:
        return 0;
    }
}

int sp_http_request(sp_http *h, const char *method, const char *path,
                    const char *content_type, const void *body, size_t len,
                    sp_http_response *resp, char *err, size_t errlen)
{
    CURL *c = h->curl;
    size_t urllen = strlen(h->base_url) + strlen(path) + 2;
    char *url = malloc(urllen);
    if (!url) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    snprintf(url, urllen, "%s%s%s", h->base_url, path[0] == '/' ? "" : "/", path);
    char ct[128];
    snprintf(ct, sizeof(ct), "Content-Type: %s", content_type ? content_type : "application/json");
    struct curl_slist *headers = curl_slist_append(NULL, ct);
    h->body.len = 0;
    h->errbuf[0] = '\0';
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    int head = strcmp(method, "HEAD") == 0;
    curl_easy_setopt(c, CURLOPT_NOBODY, head ? 1L : 0L);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    } else if (!head) {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, head ? NULL : method);
    CURLcode rc = curl_easy_perform(c);
    h->last = rc;
    curl_slist_free_all(headers);
    if (rc != CURLE_OK) {
        snprintf(err, errlen, "%s %s: %s", method, url, h->errbuf[0] ? h->errbuf : curl_easy_strerror(rc));
        free(url);
        return -1;
    }
    free(url);
    if (sp_buf_reserve(&h->body, 1) == 0)
        h->body.data[h->body.len] = '\0';
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
    resp->body = h->body.data ? (const char *)h->body.data : "";
    resp->len = h->body.len;
    return 0;
}
