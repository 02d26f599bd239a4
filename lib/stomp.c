/* stomp.c - STOMP 1.2 client: connection with failover and optional TLS,
 * heart-beats, sends confirmed by receipts, subscriptions with ACK/NACK.
 * Frames come from stomp_frame.c; see stomp.h for the contract. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "log.h"
#include "stomp.h"
#include "clock.h"

struct sp_stomp_client {
    char **brokers;
    size_t nbrokers;
    size_t current;            /* broker in use */
    char *login, *passcode, *vhost, *ca_file;
    int heartbeat_ms, timeout_ms, tls, insecure;

    int fd;
    SSL_CTX *ctx;
    SSL *ssl;
    sp_stomp_parser *parser;
    sp_buf out;
    long send_hb_ms, recv_hb_ms;
    long long last_sent, last_recv;

    unsigned long next_receipt;
    size_t pending, confirmed;
    sp_stomp_frame **queue;    /* MESSAGEs that arrived while waiting */
    size_t qlen, qcap;
    char broken[256];          /* why the connection is unusable, or "" */
};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

/* ---- transport ---- */

static void tls_error(char *err, size_t errlen, const char *what)
{
    char buf[256];
    unsigned long e = ERR_get_error();
    ERR_error_string_n(e, buf, sizeof(buf));
    set_err(err, errlen, "%s: %s", what, e ? buf : "TLS failure");
    ERR_clear_error();
}

static void transport_close(sp_stomp_client *c)
{
    if (c->ssl) {
        SSL_shutdown(c->ssl);
        SSL_free(c->ssl);
        c->ssl = NULL;
    }
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    sp_stomp_parser_free(c->parser);
    c->parser = NULL;
}

/* TCP connect with a deadline; the socket is left blocking. */
static int tcp_connect(const char *host, const char *port, int timeout_ms, char *err, size_t errlen)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res, *ai;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        set_err(err, errlen, "%s: %s", host, gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0)
            continue;
        fcntl(fd, F_SETFL, O_NONBLOCK);
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 || errno == EINPROGRESS) {
            struct pollfd pfd = { fd, POLLOUT, 0 };
            int soerr = 0;
            socklen_t len = sizeof(soerr);
            if (poll(&pfd, 1, timeout_ms) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 &&
                soerr == 0) {
                fcntl(fd, F_SETFL, 0);
                break;
            }
            set_err(err, errlen, "%s", soerr ? strerror(soerr) : "connect timed out");
        } else {
            set_err(err, errlen, "%s", strerror(errno));
        }
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd >= 0) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }
    return fd;
}

static int tls_start(sp_stomp_client *c, const char *host, char *err, size_t errlen)
{
    if (!c->ctx) {
        c->ctx = SSL_CTX_new(TLS_client_method());
        if (!c->ctx) {
            tls_error(err, errlen, "TLS context");
            return -1;
        }
        SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
        if (c->insecure) {
            sp_warn("stomp.tls.unverified", "why", "TLS verification turned off by configuration");
            SSL_CTX_set_verify(c->ctx, SSL_VERIFY_NONE, NULL);
        } else {
            SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
            int ok = c->ca_file ? SSL_CTX_load_verify_locations(c->ctx, c->ca_file, NULL)
                                : SSL_CTX_set_default_verify_paths(c->ctx);
            if (!ok) {
                tls_error(err, errlen, c->ca_file ? c->ca_file : "system CA bundle");
                return -1;
            }
        }
    }
    c->ssl = SSL_new(c->ctx);
    SSL_set_fd(c->ssl, c->fd);
    struct in6_addr addr;
    int is_ip = inet_pton(AF_INET, host, &addr) == 1 || inet_pton(AF_INET6, host, &addr) == 1;
    if (is_ip)
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), host);
    else {
        SSL_set_tlsext_host_name(c->ssl, host);
        SSL_set1_host(c->ssl, host);
    }
    if (SSL_connect(c->ssl) != 1) {
        long v = SSL_get_verify_result(c->ssl);
        if (v != X509_V_OK)
            set_err(err, errlen, "TLS certificate verification failed: %s", X509_verify_cert_error_string(v));
        else
            tls_error(err, errlen, "TLS handshake");
        return -1;
    }
    return 0;
}

static int write_all(sp_stomp_client *c, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = c->ssl ? SSL_write(c->ssl, p, (int)len) : send(c->fd, p, len, MSG_NOSIGNAL);
        if (n <= 0) {
            if (!c->ssl && n < 0 && errno == EINTR)
                continue;
            snprintf(c->broken, sizeof(c->broken), "write to %s failed: %s", c->brokers[c->current],
                     c->ssl ? "TLS write error" : strerror(errno));
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    c->last_sent = sp_clock_mono_ms();
    return 0;
}

/* ---- frames in and out ---- */

static int send_frame(sp_stomp_client *c, const char *command, const sp_stomp_header *h, size_t n,
                      const void *body, size_t len)
{
    if (c->broken[0])
        return -1;
    c->out.len = 0;
    if (sp_stomp_frame_encode(&c->out, command, h, n, body, len) != 0) {
        snprintf(c->broken, sizeof(c->broken), "out of memory");
        return -1;
    }
    return write_all(c, c->out.data, c->out.len);
}

static void enqueue(sp_stomp_client *c, sp_stomp_frame *f)
{
    if (c->qlen == c->qcap) {
        size_t cap = c->qcap ? c->qcap * 2 : 16;
        sp_stomp_frame **q = realloc(c->queue, cap * sizeof(*q));
        if (!q) {
            sp_stomp_frame_free(f);
            snprintf(c->broken, sizeof(c->broken), "out of memory");
            return;
        }
        c->queue = q;
        c->qcap = cap;
    }
    c->queue[c->qlen++] = f;
}

static sp_stomp_frame *dequeue(sp_stomp_client *c)
{
    if (c->qlen == 0)
        return NULL;
    sp_stomp_frame *f = c->queue[0];
    memmove(c->queue, c->queue + 1, --c->qlen * sizeof(*c->queue));
    return f;
}

static void on_frame(sp_stomp_client *c, sp_stomp_frame *f)
{
    if (strcmp(f->command, "RECEIPT") == 0) {
        const char *id = sp_stomp_frame_header(f, "receipt-id");
        if (id && strncmp(id, "r-", 2) == 0 && c->pending > 0) {
            c->pending--;
            c->confirmed++;
        }
        sp_stomp_frame_free(f);
    } else if (strcmp(f->command, "MESSAGE") == 0) {
        enqueue(c, f);
    } else if (strcmp(f->command, "ERROR") == 0) {
        const char *msg = sp_stomp_frame_header(f, "message");
        snprintf(c->broken, sizeof(c->broken), "broker %s sent ERROR: %s%s%.*s", c->brokers[c->current],
                 msg ? msg : "(no message)", f->body_len ? ": " : "", (int)(f->body_len > 120 ? 120 : f->body_len),
                 f->body ? f->body : "");
        sp_error("stomp.error_frame", "broker", c->brokers[c->current], "message", msg ? msg : "");
        sp_stomp_frame_free(f);
    } else {
        sp_stomp_frame_free(f);
    }
}

/* Reads what arrives within timeout_ms (sending heart-beats when due) and
 * handles every complete frame. 0 or -1 when the connection broke. */
static int pump(sp_stomp_client *c, int timeout_ms)
{
    if (c->broken[0])
        return -1;
    long long deadline = sp_clock_mono_ms() + timeout_ms;
    for (;;) {
        long long now = sp_clock_mono_ms();
        if (c->send_hb_ms && now - c->last_sent >= c->send_hb_ms && write_all(c, "\n", 1) != 0)
            return -1;
        /* silent for two periods, and at least 2 s more than one: a busy
         * broker (or machine) sends late, and a false alarm costs a reconnect */
        long long grace = 2 * c->recv_hb_ms > c->recv_hb_ms + 2000 ? 2 * c->recv_hb_ms : c->recv_hb_ms + 2000;
        if (c->recv_hb_ms && now - c->last_recv > grace) {
            snprintf(c->broken, sizeof(c->broken), "no heart-beat from %s for %lld ms",
                     c->brokers[c->current], now - c->last_recv);
            return -1;
        }
        long long wait = deadline - now;
        if (c->send_hb_ms && c->send_hb_ms - (now - c->last_sent) < wait)
            wait = c->send_hb_ms - (now - c->last_sent);
        if (wait < 0)
            wait = 0;
        int ready = c->ssl && SSL_pending(c->ssl) > 0;
        if (!ready) {
            struct pollfd pfd = { c->fd, POLLIN, 0 };
            int n = poll(&pfd, 1, (int)wait);
            if (n < 0 && errno != EINTR) {
                snprintf(c->broken, sizeof(c->broken), "poll: %s", strerror(errno));
                return -1;
            }
            ready = n > 0;
        }
        if (ready) {
            char buf[65536];
            ssize_t n = c->ssl ? SSL_read(c->ssl, buf, sizeof(buf)) : recv(c->fd, buf, sizeof(buf), 0);
            if (n <= 0) {
                if (!c->broken[0])
                    snprintf(c->broken, sizeof(c->broken), "connection to %s closed", c->brokers[c->current]);
                return -1;
            }
            c->last_recv = sp_clock_mono_ms();
            sp_stomp_parser_feed(c->parser, buf, (size_t)n);
            sp_stomp_frame *f;
            char why[200];
            int rc;
            while ((rc = sp_stomp_parser_next(c->parser, &f, why, sizeof(why))) == 1)
                on_frame(c, f);
            if (rc < 0) {
                snprintf(c->broken, sizeof(c->broken), "from %s: %s", c->brokers[c->current], why);
                return -1;
            }
            if (c->broken[0])
                return -1;
            return 0;
        }
        if (sp_clock_mono_ms() >= deadline)
            return 0;
    }
}

/* ---- connecting ---- */

static void parse_heartbeat(sp_stomp_client *c, const char *hb)
{
    long sx = 0, sy = 0;
    if (hb)
        sscanf(hb, "%ld,%ld", &sx, &sy);
    /* We send at max(ours, what the broker wants); expect at max(ours, its). */
    c->send_hb_ms = (c->heartbeat_ms && sy) ? (sy > c->heartbeat_ms ? sy : c->heartbeat_ms) : 0;
    c->recv_hb_ms = (c->heartbeat_ms && sx) ? (sx > c->heartbeat_ms ? sx : c->heartbeat_ms) : 0;
}

/* CONNECT and wait for CONNECTED on an open transport. */
static int handshake(sp_stomp_client *c, const char *host, char *err, size_t errlen)
{
    char hb[48];
    snprintf(hb, sizeof(hb), "%d,%d", c->heartbeat_ms, c->heartbeat_ms);
    sp_stomp_header h[5] = {
        { "accept-version", "1.2" }, { "host", c->vhost ? c->vhost : (char *)host }, { "heart-beat", hb },
    };
    size_t n = 3;
    if (c->login) {
        h[n++] = (sp_stomp_header){ "login", c->login };
        h[n++] = (sp_stomp_header){ "passcode", c->passcode ? c->passcode : "" };
    }
    c->parser = sp_stomp_parser_new(0);
    if (!c->parser || send_frame(c, "CONNECT", h, n, NULL, 0) != 0) {
        set_err(err, errlen, "%s", c->broken[0] ? c->broken : "out of memory");
        return -1;
    }
    long long deadline = sp_clock_mono_ms() + c->timeout_ms;
    while (sp_clock_mono_ms() < deadline) {
        struct pollfd pfd = { c->fd, POLLIN, 0 };
        if (!(c->ssl && SSL_pending(c->ssl)) && poll(&pfd, 1, (int)(deadline - sp_clock_mono_ms())) <= 0)
            break;
        char buf[8192];
        ssize_t r = c->ssl ? SSL_read(c->ssl, buf, sizeof(buf)) : recv(c->fd, buf, sizeof(buf), 0);
        if (r <= 0) {
            if (r == 0 || c->ssl)
                set_err(err, errlen, "the broker closed the connection before CONNECTED, with no ERROR frame");
            else
                set_err(err, errlen, "reading the reply to CONNECT: %s", strerror(errno));
            return -1;
        }
        sp_stomp_parser_feed(c->parser, buf, (size_t)r);
        sp_stomp_frame *f;
        char why[200];
        int rc = sp_stomp_parser_next(c->parser, &f, why, sizeof(why));
        if (rc < 0) {
            set_err(err, errlen, "%s", why);
            return -1;
        }
        if (rc == 0)
            continue;
        int ok = strcmp(f->command, "CONNECTED") == 0;
        if (ok) {
            parse_heartbeat(c, sp_stomp_frame_header(f, "heart-beat"));
        } else {
            const char *msg = sp_stomp_frame_header(f, "message");
            set_err(err, errlen, "%s: %s", f->command, msg ? msg : "(no message)");
        }
        sp_stomp_frame_free(f);
        c->last_recv = sp_clock_mono_ms();
        return ok ? 0 : -1;
    }
    set_err(err, errlen, "no CONNECTED within %d ms", c->timeout_ms);
    return -1;
}

static int connect_one(sp_stomp_client *c, size_t i, char *err, size_t errlen)
{
    char host[256];
    const char *b = c->brokers[i], *colon = strrchr(b, ':');
    if (!colon || colon == b || (size_t)(colon - b) >= sizeof(host)) {
        set_err(err, errlen, "not host:port");
        return -1;
    }
    memcpy(host, b, (size_t)(colon - b));
    host[colon - b] = '\0';
    c->current = i;
    c->broken[0] = '\0';
    c->fd = tcp_connect(host, colon + 1, c->timeout_ms, err, errlen);
    if (c->fd < 0)
        return -1;
    struct timeval tv = { c->timeout_ms / 1000, (c->timeout_ms % 1000) * 1000 };
    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if ((c->tls && tls_start(c, host, err, errlen) != 0) || handshake(c, host, err, errlen) != 0) {
        transport_close(c);
        return -1;
    }
    c->pending = 0;
    return 0;
}

/* Tries every broker once, starting at index first. */
static int connect_any(sp_stomp_client *c, size_t first, char *err, size_t errlen)
{
    size_t used = 0;
    err[0] = '\0';
    for (size_t k = 0; k < c->nbrokers; k++) {
        size_t i = (first + k) % c->nbrokers;
        char why[300];
        if (connect_one(c, i, why, sizeof(why)) == 0) {
            sp_info("stomp.connected", "broker", c->brokers[i], "heartbeat_send_ms", SP_LOG_INT(c->send_hb_ms),
                    "heartbeat_recv_ms", SP_LOG_INT(c->recv_hb_ms));
            return 0;
        }
        sp_warn("stomp.connect_failed", "broker", c->brokers[i], "error", why);
        int n = snprintf(err + used, errlen - used, "%s%s: %s", used ? "; " : "", c->brokers[i], why);
        if (n > 0 && (size_t)n < errlen - used)
            used += (size_t)n;
    }
    return -1;
}

static void client_free(sp_stomp_client *c)
{
    transport_close(c);
    for (size_t i = 0; i < c->nbrokers; i++)
        free(c->brokers[i]);
    free(c->brokers);
    free(c->login);
    if (c->passcode) {
        memset(c->passcode, 0, strlen(c->passcode));
        free(c->passcode);
    }
    free(c->vhost);
    free(c->ca_file);
    while (c->qlen)
        sp_stomp_frame_free(dequeue(c));
    free(c->queue);
    sp_buf_free(&c->out);
    if (c->ctx)
        SSL_CTX_free(c->ctx);
    free(c);
}

sp_stomp_client *sp_stomp_connect(const sp_stomp_options *o, char *err, size_t errlen)
{
    if (!o->nbrokers) {
        set_err(err, errlen, "stomp: no broker given");
        return NULL;
    }
    sp_stomp_client *c = calloc(1, sizeof(*c));
    if (!c || !(c->brokers = calloc(o->nbrokers, sizeof(char *)))) {
        free(c);
        set_err(err, errlen, "out of memory");
        return NULL;
    }
    c->fd = -1;
    c->nbrokers = o->nbrokers;
    for (size_t i = 0; i < o->nbrokers; i++)
        c->brokers[i] = strdup(o->brokers[i]);
    c->login = dup_or_null(o->login);
    c->passcode = dup_or_null(o->passcode);
    sp_log_add_secret(o->passcode);
    c->vhost = dup_or_null(o->vhost);
    c->ca_file = dup_or_null(o->ca_file);
    c->heartbeat_ms = o->heartbeat_ms;
    c->timeout_ms = o->timeout_ms ? o->timeout_ms : 5000;
    c->tls = o->tls;
    c->insecure = o->insecure;
    if (connect_any(c, 0, err, errlen) != 0) {
        client_free(c);
        return NULL;
    }
    return c;
}

int sp_stomp_reconnect(sp_stomp_client *c, char *err, size_t errlen)
{
    transport_close(c);
    return connect_any(c, (c->current + 1) % c->nbrokers, err, errlen);
}

const char *sp_stomp_broker(const sp_stomp_client *c) { return c->brokers[c->current]; }
size_t sp_stomp_pending(const sp_stomp_client *c) { return c->pending; }
size_t sp_stomp_confirmed(const sp_stomp_client *c) { return c->confirmed; }

void sp_stomp_close(sp_stomp_client *c)
{
    if (!c)
        return;
    if (c->fd >= 0 && !c->broken[0]) {
        sp_stomp_header h = { "receipt", "disconnect" };
        if (send_frame(c, "DISCONNECT", &h, 1, NULL, 0) == 0)
            pump(c, 2000);   /* the broker answers RECEIPT, then closes */
    }
    client_free(c);
}

/* ---- sending and receiving ---- */

static int broken(sp_stomp_client *c, char *err, size_t errlen)
{
    set_err(err, errlen, "%s", c->broken);
    return -1;
}

/* Sends a frame with a fresh receipt header added. */
static int send_with_receipt(sp_stomp_client *c, const char *command, const sp_stomp_header *h, size_t n,
                             const void *body, size_t len, char *err, size_t errlen)
{
    sp_stomp_header all[40];
    if (n > 38) {
        set_err(err, errlen, "stomp: too many headers");
        return -1;
    }
    char receipt[32];
    snprintf(receipt, sizeof(receipt), "r-%lu", ++c->next_receipt);
    if (n)
        memcpy(all, h, n * sizeof(*h));
    all[n] = (sp_stomp_header){ "receipt", receipt };
    if (send_frame(c, command, all, n + 1, body, len) != 0)
        return broken(c, err, errlen);
    c->pending++;
    return 0;
}

int sp_stomp_wait_receipts(sp_stomp_client *c, int timeout_ms, char *err, size_t errlen)
{
    long long deadline = sp_clock_mono_ms() + timeout_ms;
    while (c->pending > 0) {
        long long left = deadline - sp_clock_mono_ms();
        if (left <= 0) {
            set_err(err, errlen, "%zu receipts from %s not received within %d ms", c->pending,
                    c->brokers[c->current], timeout_ms);
            return -1;
        }
        if (pump(c, (int)left) != 0)
            return broken(c, err, errlen);
    }
    return 0;
}

int sp_stomp_send_async(sp_stomp_client *c, const char *destination, const sp_stomp_header *extra,
                        size_t nextra, const void *body, size_t len, char *err, size_t errlen)
{
    sp_stomp_header h[40];
    if (nextra > 37) {
        set_err(err, errlen, "stomp: too many headers");
        return -1;
    }
    h[0] = (sp_stomp_header){ "destination", (char *)destination };
    if (nextra)
        memcpy(h + 1, extra, nextra * sizeof(*extra));
    int rc = send_with_receipt(c, "SEND", h, nextra + 1, body ? body : "", len, err, errlen);
    /* Serve receipts as they come so a long batch does not fill buffers. */
    if (rc == 0 && pump(c, 0) != 0)
        return broken(c, err, errlen);
    return rc;
}

int sp_stomp_send(sp_stomp_client *c, const char *destination, const sp_stomp_header *extra,
                  size_t nextra, const void *body, size_t len, int timeout_ms,
                  char *err, size_t errlen)
{
    if (sp_stomp_send_async(c, destination, extra, nextra, body, len, err, errlen) != 0)
        return -1;
    return sp_stomp_wait_receipts(c, timeout_ms, err, errlen);
}

int sp_stomp_subscribe(sp_stomp_client *c, const char *destination, const char *id,
                       const char *ack, char *err, size_t errlen)
{
    sp_stomp_header h[3] = {
        { "destination", (char *)destination }, { "id", (char *)id }, { "ack", (char *)(ack ? ack : "auto") },
    };
    if (send_with_receipt(c, "SUBSCRIBE", h, 3, NULL, 0, err, errlen) != 0)
        return -1;
    return sp_stomp_wait_receipts(c, c->timeout_ms, err, errlen);
}

int sp_stomp_unsubscribe(sp_stomp_client *c, const char *id, char *err, size_t errlen)
{
    sp_stomp_header h = { "id", (char *)id };
    if (send_with_receipt(c, "UNSUBSCRIBE", &h, 1, NULL, 0, err, errlen) != 0)
        return -1;
    return sp_stomp_wait_receipts(c, c->timeout_ms, err, errlen);
}

sp_stomp_frame *sp_stomp_receive(sp_stomp_client *c, int timeout_ms, char *err, size_t errlen)
{
    err[0] = '\0';
    long long deadline = sp_clock_mono_ms() + timeout_ms;
    while (c->qlen == 0) {
        long long left = deadline - sp_clock_mono_ms();
        if (left <= 0)
            return NULL;
        if (pump(c, (int)left) != 0) {
            broken(c, err, errlen);
            return NULL;
        }
    }
    return dequeue(c);
}

static int ack_or_nack(sp_stomp_client *c, const char *command, const sp_stomp_frame *m,
                       char *err, size_t errlen)
{
    const char *id = sp_stomp_frame_header(m, "ack");
    if (!id) {
        set_err(err, errlen, "stomp: %s of a message without an ack header (subscription ack mode auto?)", command);
        return -1;
    }
    sp_stomp_header h = { "id", (char *)id };
    if (send_with_receipt(c, command, &h, 1, NULL, 0, err, errlen) != 0)
        return -1;
    return sp_stomp_wait_receipts(c, c->timeout_ms, err, errlen);
}

int sp_stomp_ack(sp_stomp_client *c, const sp_stomp_frame *m, char *err, size_t errlen)
{
    return ack_or_nack(c, "ACK", m, err, errlen);
}

int sp_stomp_nack(sp_stomp_client *c, const sp_stomp_frame *m, char *err, size_t errlen)
{
    return ack_or_nack(c, "NACK", m, err, errlen);
}
