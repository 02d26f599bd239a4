/* stomp.h - STOMP 1.2 for ActiveMQ: the frame codec and a client.
 *
 * Codec: frames are parsed incrementally from bytes as they arrive (partial
 * frames, several frames per read, heart-beat EOLs between frames, LF or
 * CRLF), header values are unescaped (except in CONNECT/CONNECTED, as the
 * spec says), bodies with content-length are binary-safe. Errors are values.
 *
 * Client: connects to the first reachable broker of a list (failover),
 * optional TLS (verified by default), CONNECT with login/passcode and
 * heart-beats; SEND counts only when its RECEIPT arrives; SUBSCRIBE with
 * client-individual ACK/NACK; ERROR frames surface with the broker's message.
 *
 * Threads: none of its own. Heart-beats are sent and checked while the
 * caller is inside the client (send, wait, receive): an otherwise idle user
 * calls sp_stomp_receive() with a timeout shorter than the heart-beat.
 * A client is used by one thread at a time.
 *
 * Ownership: a frame returned by the parser or by sp_stomp_receive() belongs
 * to the caller (sp_stomp_frame_free). The client copies its options. */
#ifndef SPIDER_STOMP_H
#define SPIDER_STOMP_H

#include <stddef.h>

#include "buf.h"

typedef struct {
    char *name;
    char *value;
} sp_stomp_header;

typedef struct {
    char command[16];
    sp_stomp_header *headers;
    size_t nheaders;
    char *body;          /* NUL-terminated for convenience; may contain NULs */
    size_t body_len;
} sp_stomp_frame;

/* The first header of that name (repeated headers: the first wins), or NULL. */
const char *sp_stomp_frame_header(const sp_stomp_frame *f, const char *name);
void sp_stomp_frame_free(sp_stomp_frame *f);

/* Appends one frame to out. Header names and values are escaped unless the
 * command is CONNECT or CONNECTED; a body gets a content-length header of
 * its real length (a content-length among the headers is dropped). */
int sp_stomp_frame_encode(sp_buf *out, const char *command, const sp_stomp_header *headers,
                          size_t nheaders, const void *body, size_t body_len);

/* ---- incremental parser ---- */

#define SP_STOMP_MAX_FRAME (100u << 20)   /* default limit: 100 MiB */
#define SP_STOMP_MAX_HEADERS 256

typedef struct sp_stomp_parser sp_stomp_parser;

/* max_frame 0 means SP_STOMP_MAX_FRAME. */
sp_stomp_parser *sp_stomp_parser_new(size_t max_frame);
void sp_stomp_parser_free(sp_stomp_parser *p);
/* Buffers bytes. 0, or -1 when out of memory. */
int sp_stomp_parser_feed(sp_stomp_parser *p, const void *data, size_t len);
/* 1: *out is the next frame; 0: more bytes needed; -1: the stream is broken
 * (err says why); every later call fails too. */
int sp_stomp_parser_next(sp_stomp_parser *p, sp_stomp_frame **out, char *err, size_t errlen);
/* How many EOL heart-beats were skipped between frames so far. */
size_t sp_stomp_parser_heartbeats(const sp_stomp_parser *p);

/* ---- client ---- */

typedef struct {
    const char *const *brokers;   /* "host:port", tried in order */
    size_t nbrokers;
    const char *login;
    const char *passcode;
    const char *vhost;            /* CONNECT host header; NULL: the broker's host */
    int heartbeat_ms;             /* asked for both ways; 0: none */
    int timeout_ms;               /* connect and CONNECTED wait; 0: 5000 */
    int tls;                      /* 1: TLS (OpenSSL), verified */
    const char *ca_file;          /* NULL: system CAs */
    int insecure;                 /* 1: no TLS verification (explicit, logged) */
} sp_stomp_options;

typedef struct sp_stomp_client sp_stomp_client;

/* Connects to the first broker that answers CONNECTED. NULL with err naming
 * each broker's failure (an ERROR frame's message included). */
sp_stomp_client *sp_stomp_connect(const sp_stomp_options *opts, char *err, size_t errlen);
/* Drops the connection and connects again, starting after the broker that
 * was in use (failover). 0 or -1 with err. */
int sp_stomp_reconnect(sp_stomp_client *c, char *err, size_t errlen);
/* DISCONNECT with receipt (bounded wait), close, free. */
void sp_stomp_close(sp_stomp_client *c);
/* "host:port" of the broker in use. */
const char *sp_stomp_broker(const sp_stomp_client *c);

/* Sends with a receipt and returns once it arrived: 0 confirmed, -1 with err
 * (ERROR frame, timeout, connection lost). Extra headers are sent as given
 * (e.g. persistent:true, content-type). */
int sp_stomp_send(sp_stomp_client *c, const char *destination, const sp_stomp_header *extra,
                  size_t nextra, const void *body, size_t len, int timeout_ms,
                  char *err, size_t errlen);
/* Sends with a receipt without waiting: batches keep several in flight.
 * 0 or -1 (connection lost). */
int sp_stomp_send_async(sp_stomp_client *c, const char *destination, const sp_stomp_header *extra,
                        size_t nextra, const void *body, size_t len, char *err, size_t errlen);
/* Waits until every receipt asked for has arrived: 0, or -1 with err. */
int sp_stomp_wait_receipts(sp_stomp_client *c, int timeout_ms, char *err, size_t errlen);
/* Receipts asked for and not yet arrived; receipts arrived so far (sends,
 * subscriptions and acks each ask for one). */
size_t sp_stomp_pending(const sp_stomp_client *c);
size_t sp_stomp_confirmed(const sp_stomp_client *c);

/* ack: "auto", "client" or "client-individual". Waits for the receipt. */
int sp_stomp_subscribe(sp_stomp_client *c, const char *destination, const char *id,
                       const char *ack, char *err, size_t errlen);
int sp_stomp_unsubscribe(sp_stomp_client *c, const char *id, char *err, size_t errlen);
/* The next MESSAGE: NULL on timeout (err empty) or failure (err set; an
 * ERROR frame's message included). */
sp_stomp_frame *sp_stomp_receive(sp_stomp_client *c, int timeout_ms, char *err, size_t errlen);
/* ACK / NACK a MESSAGE received with ack client or client-individual. */
int sp_stomp_ack(sp_stomp_client *c, const sp_stomp_frame *message, char *err, size_t errlen);
int sp_stomp_nack(sp_stomp_client *c, const sp_stomp_frame *message, char *err, size_t errlen);

#endif
