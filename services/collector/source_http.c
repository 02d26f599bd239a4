/* source_http.c - the HTTP source "http(s)://HOST[:PORT][/PATH]": an ad
 * server answering HTCondor -json (spider-sim serve is one) at
 * .../queue?schedd=S&pool=P&constraint=C, .../history?... and
 * .../schedds?pool=P; status 200, or the error body in the error; the
 * deadline is the timeout (see source.h).
 *
 * Ownership: the source owns its base URL (dir, freed by source.c); each
 * run owns its curl handle. */
#include "source_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

static int accepts(const char *spec)
{
    return !strncmp(spec, "http://", 7) || !strncmp(spec, "https://", 8);
}

static sp_source *open_http(const char *spec, char *err, size_t errlen)
{
    char *base = strdup(spec);
    size_t n = strlen(base);
    while (n && base[n - 1] == '/')
        base[--n] = '\0';
    return sp_source_make(&sp_source_http, base, err, errlen);
}

typedef struct {
    sp_source_bytes_fn *cb;
    void *ctx;
    long status;
    int stopped;
    char head[512];          /* start of an error body */
    size_t head_len;
    CURL *curl;
} http_ctx;

static size_t on_http_bytes(char *data, size_t size, size_t n, void *arg)
{
    http_ctx *h = arg;
    size_t len = size * n;
    if (!h->status)
        curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &h->status);
    if (h->status != 200) {
        size_t room = sizeof(h->head) - 1 - h->head_len;
        size_t k = len < room ? len : room;
        memcpy(h->head + h->head_len, data, k);
        h->head_len += k;
        h->head[h->head_len] = '\0';
        return len;
    }
    if (h->cb(h->ctx, data, len) != 0) {
        h->stopped = 1;
        return 0;
    }
    return len;
}

/* base/queue?schedd=S&pool=P&constraint=C (each value URL-encoded). */
static int http_url(CURL *c, const char *base, const sp_query *q, char *url, size_t len)
{
    const char *what = q->kind == SP_QUERY_QUEUE ? "queue" : q->kind == SP_QUERY_HISTORY ? "history" : "schedds";
    const char *names[] = { "schedd", "pool", "constraint" };
    const char *values[] = { q->kind == SP_QUERY_SCHEDDS ? NULL : q->schedd, q->pool, q->constraint };
    size_t used = (size_t)snprintf(url, len, "%s/%s", base, what);
    char sep = '?';
    for (int i = 0; i < 3 && used < len; i++) {
        if (!values[i] || !*values[i])
            continue;
        char *enc = curl_easy_escape(c, values[i], 0);
        if (!enc)
            return -1;
        used += (size_t)snprintf(url + used, len - used, "%c%s=%s", sep, names[i], enc);
        curl_free(enc);
        sep = '&';
    }
    return used < len ? 0 : -1;
}

static int run_http(sp_source *s, const sp_query *q, sp_source_bytes_fn *cb, void *ctx, char *err, size_t errlen)
{
    CURL *c = curl_easy_init();
    char url[8192];
    if (!c)
        return snprintf(err, errlen, "http source: out of memory"), -1;
    if (http_url(c, s->dir, q, url, sizeof(url)) != 0) {
        curl_easy_cleanup(c);
        return snprintf(err, errlen, "http source: query too long"), -1;
    }
    http_ctx h = { .cb = cb, .ctx = ctx, .curl = c };
    long left = q->deadline_ms ? (long)(q->deadline_ms - sp_source_now_ms()) : 0;
    if (q->deadline_ms && left <= 0)
        left = 1;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_http_bytes);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &h);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, left);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    CURLcode rc = curl_easy_perform(c);
    if (!h.status)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &h.status);
    curl_easy_cleanup(c);
    sp_source_oneline(h.head);
    if (h.stopped)
        return snprintf(err, errlen, "http %s: stopped", s->dir), -1;
    if (rc == CURLE_OPERATION_TIMEDOUT)
        return snprintf(err, errlen, "http %s: no complete answer before the deadline", s->dir), -1;
    if (rc != CURLE_OK)
        return snprintf(err, errlen, "http %s: %s", s->dir, curl_easy_strerror(rc)), -1;
    if (h.status != 200)
        return snprintf(err, errlen, "http %s: status %ld%s%s", s->dir, h.status, *h.head ? ": " : "", h.head), -1;
    return 0;
}

static void describe(const sp_source *s, const sp_query *q, char *out, size_t outlen)
{
    CURL *c = curl_easy_init();
    if (!c || http_url(c, s->dir, q, out, outlen) != 0)
        snprintf(out, outlen, "GET %s/...", s->dir);
    curl_easy_cleanup(c);
}

const sp_source_type sp_source_http = {
    .name = "http",
    .accepts = accepts,
    .open = open_http,
    .run = run_http,
    .describe = describe,
};
