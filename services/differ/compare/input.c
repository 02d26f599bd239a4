/* input.c - one side of a comparison (LEFT or RIGHT) as a stream of
 * records: (id, the document as compact JSON text, the parsed document).
 *
 *   FILE, jsonl:FILE   JSON lines, one reference document per line (what
 *                      `spider-collector run --output jsonl` writes)
 *   FILE, pb:FILE      protobuf Records, each prefixed by its length as a
 *                      varint (delimited framing); documents and change
 *                      events count, snapshot markers are skipped
 *   kafka:TOPIC        every partition from the start to its current end,
 *                      under a fresh consumer group that commits nothing;
 *                      --since/--until bound the message timestamps
 *   es:CLUSTER/INDEX   a search index through es_conf.json (esinput.c)
 * A bare FILE is told by its first byte ('{' or blank: JSON lines). A JSON
 * line is only scanned for its key (jscan.c) when the scanner is sure of
 * it; the others are parsed here, so bad lines are found and named here.
 *
 * A bad record (invalid JSON, not an object, no key, a truncated or invalid
 * protobuf) is logged with FILE:LINE (or FILE:record N), counted, and
 * skipped; with --strict it ends the input with that error.
 *
 * Ownership: the input owns its FILE, buffers, consumer and the record it
 * last returned (valid until the next call or close). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "differ.h"
#include "docjson.h"
#include "esinput.h"
#include "log.h"
#include "pbwire.h"

enum { IN_JSONL, IN_PB, IN_KAFKA, IN_ES };

#define MAX_LOGGED_BAD 10
#define KEY_MAX 4096

struct differ_input {
    int kind;
    const differ_opts *o;
    char *name;
    FILE *f;
    uint64_t size, line, bad;
    char *linebuf;
    size_t linecap;
    sp_buf pb, json;
    json_t *doc;
    char key[KEY_MAX];
    sp_kafka_consumer *consumer;
    int assigned;                /* partitions assigned */
    unsigned char *eof;          /* per partition: at its end */
    int neof, eofcap;
    int idle_ms;
    differ_es *es;
};

static void on_assign(void *ctx, const rd_kafka_topic_partition_list_t *parts, int assigned)
{
    differ_input *in = ctx;
    if (assigned)
        in->assigned += parts->cnt;
    else
        in->assigned -= parts->cnt;
}

static int open_kafka(differ_input *in, const char *topic, char *err, size_t errlen)
{
    if (!in->o->kafka) {
        snprintf(err, errlen, "kafka:%s: no Kafka configuration", topic);
        return -1;
    }
    sp_kafka_props props;
    sp_kafka_props_init(&props);
    for (size_t i = 0; i < in->o->kafka->n; i++)
        sp_kafka_props_set(&props, in->o->kafka->keys[i], in->o->kafka->values[i]);
    sp_kafka_props_set(&props, "enable.partition.eof", "true");
    sp_kafka_props_set(&props, "auto.offset.reset", "earliest");
    char group[128];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(group, sizeof(group), "spider-differ-compare-%ld-%lld%09ld", (long)getpid(),
             (long long)ts.tv_sec, ts.tv_nsec);
    const char *topics[] = { topic };
    in->consumer = sp_kafka_consumer_new(&props, group, topics, 1, on_assign, in, err, errlen);
    sp_kafka_props_free(&props);
    return in->consumer ? 0 : -1;
}

static int sniff(FILE *f)
{
    int c;
    while ((c = getc(f)) == ' ' || c == '\n' || c == '\r' || c == '\t')
        ;
    if (c != EOF)
        ungetc(c, f);
    return c == '{' || c == EOF ? IN_JSONL : IN_PB;
}

differ_input *differ_input_open(const char *spec, const differ_opts *o, char *err, size_t errlen)
{
    differ_input *in = calloc(1, sizeof(*in));
    if (!in)
        return NULL;
    in->o = o;
    in->name = strdup(spec);
    int kind = -1;
    const char *path = spec;
    if (strncmp(spec, "jsonl:", 6) == 0)
        kind = IN_JSONL, path = spec + 6;
    else if (strncmp(spec, "pb:", 3) == 0)
        kind = IN_PB, path = spec + 3;
    else if (strncmp(spec, "kafka:", 6) == 0)
        kind = IN_KAFKA, path = spec + 6;
    else if (strncmp(spec, "es:", 3) == 0) {
        in->kind = IN_ES;
        if (!(in->es = differ_es_open(spec + 3, o->es_conf, o->es_ca, o->es_page, err, errlen))) {
            differ_input_close(in);
            return NULL;
        }
        return in;
    }
    if (kind == IN_KAFKA) {
        in->kind = kind;
        if (open_kafka(in, path, err, errlen) != 0) {
            differ_input_close(in);
            return NULL;
        }
        return in;
    }
    in->f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!in->f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        differ_input_close(in);
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(in->f), &st) == 0 && S_ISREG(st.st_mode))
        in->size = (uint64_t)st.st_size;
    free(in->name);
    in->name = strdup(path);
    in->kind = kind >= 0 ? kind : sniff(in->f);
    return in;
}

void differ_input_close(differ_input *in)
{
    if (!in)
        return;
    if (in->f && in->f != stdin)
        fclose(in->f);
    if (in->consumer)
        sp_kafka_consumer_free(in->consumer);
    differ_es_close(in->es);
    json_decref(in->doc);
    free(in->linebuf);
    free(in->eof);
    sp_buf_free(&in->pb);
    sp_buf_free(&in->json);
    free(in->name);
    free(in);
}

uint64_t differ_input_bad(const differ_input *in)
{
    return in->bad;
}

uint64_t differ_input_size(const differ_input *in)
{
    return in->size;
}

/* Counts a bad record; -1 (ending the input) under --strict, else 0. */
static int bad(differ_input *in, const char *what, char *err, size_t errlen)
{
    in->bad++;
    char where[64];
    snprintf(where, sizeof(where), in->kind == IN_JSONL ? "%llu" : "record %llu", (unsigned long long)in->line);
    snprintf(err, errlen, "%s:%s: %s", in->name, where, what);
    if (in->bad <= MAX_LOGGED_BAD || in->o->strict)
        sp_warn("input.bad_record", "where", err, "hint", in->bad == MAX_LOGGED_BAD ? "further bad records are only counted" : "skipped");
    return in->o->strict ? -1 : 0;
}

/* Sets rec from the parsed in->doc and body; 1, or 0 when it has no key. */
static int finish_rec(differ_input *in, const char *id, differ_rec *rec, const char *body, size_t len)
{
    if (id && *id && !in->o->key_fields) {
        snprintf(in->key, sizeof(in->key), "%s", id);
    } else if (differ_key(in->o, in->doc, in->key, sizeof(in->key)) < 0) {
        return 0;
    }
    rec->id = in->key;
    rec->idlen = strlen(in->key);
    rec->body = body;
    rec->bodylen = len;
    rec->doc = in->doc;
    return 1;
}

static int parse_json(differ_input *in, const char *text, size_t len, char *what, size_t whatlen)
{
    json_error_t je;
    json_decref(in->doc);
    in->doc = json_loadb(text, len, JSON_ALLOW_NUL, &je);
    if (!in->doc) {
        snprintf(what, whatlen, "invalid JSON at column %d: %s", je.column, je.text);
        return -1;
    }
    if (!json_is_object(in->doc)) {
        snprintf(what, whatlen, "not a JSON object");
        return -1;
    }
    return 0;
}

static int next_jsonl(differ_input *in, differ_rec *rec, char *err, size_t errlen)
{
    ssize_t n;
    char what[256];
    while ((n = getline(&in->linebuf, &in->linecap, in->f)) >= 0) {
        in->line++;
        while (n > 0 && (in->linebuf[n - 1] == '\n' || in->linebuf[n - 1] == '\r'))
            n--;
        size_t skip = 0;
        while (skip < (size_t)n && (in->linebuf[skip] == ' ' || in->linebuf[skip] == '\t'))
            skip++;
        if ((size_t)n == skip)
            continue;
        int k = in->o->no_scan ? -1 : differ_jscan_key(in->o, in->linebuf, (size_t)n, in->key, sizeof(in->key));
        if (k >= 0) {      /* valid, keyed: parsed once, when compared */
            json_decref(in->doc);
            in->doc = NULL;
            *rec = (differ_rec){ in->key, (size_t)k, in->linebuf, (size_t)n, NULL };
            return 1;
        }
        if (parse_json(in, in->linebuf, (size_t)n, what, sizeof(what)) != 0) {
            if (bad(in, what, err, errlen) < 0)
                return -1;
            continue;
        }
        if (finish_rec(in, NULL, rec, in->linebuf, (size_t)n))
            return 1;
        if (bad(in, "no key (the --key fields, or _id, GlobalJobId and RecordTime)", err, errlen) < 0)
            return -1;
    }
    if (ferror(in->f)) {
        snprintf(err, errlen, "%s: %s", in->name, strerror(errno));
        return -1;
    }
    return 0;
}

/* The document a record carries: a document, or a change event's. */
static const Spider__Document *record_document(const Spider__Record *r)
{
    if (r->kind_case == SPIDER__RECORD__KIND_DOCUMENT)
        return r->document;
    if (r->kind_case == SPIDER__RECORD__KIND_CHANGE && r->change)
        return r->change->document;
    return NULL;
}

/* One packed Record -> rec. 1 (a document), 0 (skipped marker), -1 (bad: what). */
static int from_record(differ_input *in, const uint8_t *data, size_t len, differ_rec *rec,
                       char *what, size_t whatlen)
{
    Spider__Record *r = sp_record_unpack(data, len);
    if (!r) {
        snprintf(what, whatlen, "not a valid protobuf Record (%zu bytes)", len);
        return -1;
    }
    const Spider__Document *d = record_document(r);
    int rc = 0;
    if (d) {
        in->json.len = 0;
        sp_docjson_opts jo = { 0 };
        if (sp_docjson_write(&in->json, d, &jo) != 0 || parse_json(in, (char *)in->json.data, in->json.len, what, whatlen) != 0)
            rc = -1;
        else if (!finish_rec(in, d->id, rec, (char *)in->json.data, in->json.len)) {
            snprintf(what, whatlen, "no key (no id, and no key fields)");
            rc = -1;
        } else
            rc = 1;
    }
    spider__record__free_unpacked(r, NULL);
    return rc;
}

static int next_pb(differ_input *in, differ_rec *rec, char *err, size_t errlen)
{
    char what[256];
    for (;;) {
        uint64_t len;
        int v = sp_pb_file_read_varint(in->f, &len);
        if (v == 0)
            return ferror(in->f) ? (snprintf(err, errlen, "%s: read error", in->name), -1) : 0;
        in->line++;
        if (v < 0 || len > (1u << 30)) {
            in->bad++;
            snprintf(err, errlen, "%s:record %llu: bad length prefix: the rest of the file cannot be framed",
                     in->name, (unsigned long long)in->line);
            sp_warn("input.bad_record", "where", err);
            return in->o->strict ? -1 : 0;
        }
        in->pb.len = 0;
        if (sp_buf_reserve(&in->pb, len) != 0)
            return snprintf(err, errlen, "out of memory"), -1;
        if (fread(in->pb.data, 1, len, in->f) != len) {
            in->bad++;
            snprintf(err, errlen, "%s:record %llu: truncated (%llu bytes announced)", in->name,
                     (unsigned long long)in->line, (unsigned long long)len);
            sp_warn("input.bad_record", "where", err);
            return in->o->strict ? -1 : 0;
        }
        int rc = from_record(in, in->pb.data, len, rec, what, sizeof(what));
        if (rc == 1)
            return 1;
        if (rc < 0 && bad(in, what, err, errlen) < 0)
            return -1;
    }
}

static int mark_eof(differ_input *in, int32_t partition)
{
    if (partition < 0 || partition > 100000)
        return 0;
    if (partition >= in->eofcap) {
        int cap = partition + 16;
        in->eof = realloc(in->eof, (size_t)cap);
        if (!in->eof)
            abort();
        memset(in->eof + in->eofcap, 0, (size_t)(cap - in->eofcap));
        in->eofcap = cap;
    }
    if (!in->eof[partition]) {
        in->eof[partition] = 1;
        in->neof++;
    }
    return in->assigned > 0 && in->neof >= in->assigned;
}

static int in_window(const differ_opts *o, const rd_kafka_message_t *m)
{
    int64_t ts = rd_kafka_message_timestamp(m, NULL);
    if (o->since_ms && ts >= 0 && ts < o->since_ms)
        return 0;
    if (o->until_ms && ts >= 0 && ts > o->until_ms)
        return 0;
    return 1;
}

static int next_kafka(differ_input *in, differ_rec *rec, char *err, size_t errlen)
{
    char what[256];
    for (;;) {
        rd_kafka_message_t *m = sp_kafka_consume(in->consumer, 500);
        if (!m) {
            in->idle_ms += 500;
            if (in->assigned == 0 && in->idle_ms >= 30000) {
                snprintf(err, errlen, "%s: no partition assigned in 30 s (does the topic exist?)", in->name);
                return -1;
            }
            continue;
        }
        in->idle_ms = 0;
        int rc = 0;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            int done = mark_eof(in, m->partition);
            rd_kafka_message_destroy(m);
            if (done)
                return 0;
            continue;
        }
        if (m->err) {
            snprintf(err, errlen, "%s: %s", in->name, rd_kafka_message_errstr(m));
            rd_kafka_message_destroy(m);
            return -1;
        }
        in->line++;
        if (in_window(in->o, m))
            rc = from_record(in, m->payload, m->len, rec, what, sizeof(what));
        rd_kafka_message_destroy(m);
        if (rc == 1)
            return 1;
        if (rc < 0 && bad(in, what, err, errlen) < 0)
            return -1;
    }
}

static int next_es(differ_input *in, differ_rec *rec, char *err, size_t errlen)
{
    const char *id;
    json_t *source;
    char what[256];
    for (;;) {
        int rc = differ_es_next(in->es, &id, &source, what, sizeof(what));
        if (rc == 0 || rc == -1) {
            if (rc < 0)
                snprintf(err, errlen, "%s: %s", in->name, what);
            return rc;
        }
        in->line++;
        if (rc == 2) {
            if (bad(in, what, err, errlen) < 0)
                return -1;
            continue;
        }
        json_decref(in->doc);
        in->doc = json_incref(source);
        in->json.len = 0;
        char *text = json_dumps(source, JSON_COMPACT);
        int ok = text && sp_buf_append(&in->json, text, strlen(text)) == 0;
        free(text);
        if (!ok)
            return snprintf(err, errlen, "out of memory"), -1;
        if (finish_rec(in, id, rec, (char *)in->json.data, in->json.len))
            return 1;
        if (bad(in, "no key (the --key fields)", err, errlen) < 0)
            return -1;
    }
}

int differ_input_next(differ_input *in, differ_rec *rec, char *err, size_t errlen)
{
    switch (in->kind) {
    case IN_JSONL:
        return next_jsonl(in, rec, err, errlen);
    case IN_PB:
        return next_pb(in, rec, err, errlen);
    case IN_ES:
        return next_es(in, rec, err, errlen);
    default:
        return next_kafka(in, rec, err, errlen);
    }
}
