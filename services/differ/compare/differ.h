/* differ.h - spider-differ compare mode: the shared types of its parts.
 *
 * services/differ/compare/ is the compare half of spider-differ (compare,
 * merge, dump); its files include lib/ and one another, never stream/ (the
 * other half); main.c includes both.
 *
 *   jscan.c      the key of a JSON line without a DOM (parsed once, later)
 *   input.c      LEFT/RIGHT specs -> a stream of (id, document) records:
 *                JSON-lines dumps, protobuf dumps (varint-delimited Records),
 *                Kafka topics; bad records counted with file:line
 *   esinput.c    search indices (es_conf.json, scroll)
 *   dump.c       JSON lines -> protobuf dump (spider-differ dump, tests)
 *   table.c      the records of one partition in memory, keyed by id
 *   partition.c  hash-partitioning both sides to disk when they exceed
 *                --memory-limit, then comparing partition by partition
 *   compare.c    one document against another: fields, tolerance, dates
 *   report.c     the DiffReport being filled, its verdict, JSON and text
 *   report_html.c the same report as one self-contained HTML page
 *   merge.c      parcel reports -> one report
 *   options.c    option defaults, tolerance/fraction/size parsers
 *   amq.c        the report to ActiveMQ (amq.h)
 *
 * Ownership is stated in each file's header comment. */
#ifndef SPIDER_DIFFER_H
#define SPIDER_DIFFER_H

#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#include "kafka.h"
#include "metrics.h"
#include "record.h"
#include "rules.h"

/* ---- options ---- */

typedef struct {
    const char *const *key_fields;  /* NULL: _id, else GlobalJobId#RecordTime */
    size_t nkey_fields;
    const char *const *ignore;      /* glob patterns over dotted field paths */
    size_t nignore;
    const char *const *date_fields; /* extra date fields (beyond rules/date_vals.txt) */
    size_t ndate_fields;
    double tol_rel, tol_abs;        /* numbers equal when within either */
    double min_match;               /* fraction 0..1 */
    uint64_t shift_min;             /* a date delta seen this often is a shift */
    size_t max_examples;
    uint32_t parcel_id, parcel_count;  /* parcel_count 0 or 1: everything */
    uint64_t memory_limit;          /* bytes for one partition in memory */
    int partitions;                 /* 0: from input size and memory_limit */
    const char *tmp_dir;
    int strict;                     /* a bad record stops the comparison */
    int no_scan;                    /* parse every JSON line to key it (tests, benchmark) */
    int64_t since_ms, until_ms;     /* Kafka: message timestamps (0: unbounded) */
    const sp_kafka_props *kafka;    /* NULL: no Kafka inputs */
    const char *es_conf;            /* es_conf.json for es: inputs */
    const char *es_ca;              /* default CA bundle (NULL: system) */
    int es_page;                    /* documents per scroll page */
    sp_metrics *metrics;            /* NULL: none */
} differ_opts;

void differ_opts_defaults(differ_opts *o);
/* "1e-6" (relative), "abs:0.01", "rel:1e-6,abs:0.01". 0 or -1. */
int differ_parse_tolerance(const char *s, double *rel, double *abs_);
/* "99.5%" or "0.995". 0 or -1. */
int differ_parse_fraction(const char *s, double *out);
/* "YYYY-MM-DD[T ]HH:MM:SS[.frac][Z|+HH:MM|-HHMM]" -> epoch seconds (no
 * offset: UTC). 0, or -1 when it is not such a date. */
int differ_parse_iso(const char *s, double *out);
/* "512M", "2G", "1048576". 0 or -1. */
int differ_parse_size(const char *s, uint64_t *out);

/* ---- input: a stream of records ---- */

typedef struct {
    const char *id;     /* not NUL-terminated beyond idlen is not assumed: it is */
    size_t idlen;
    const char *body;   /* the document as compact JSON text */
    size_t bodylen;
    json_t *doc;        /* the parsed document when the source has it, else NULL */
} differ_rec;

typedef struct differ_input differ_input;

/* spec: "FILE" (JSON lines or protobuf, told by the first byte),
 * "jsonl:FILE", "pb:FILE", "kafka:TOPIC", "es:CLUSTER/INDEX". NULL with
 * err on failure. */
differ_input *differ_input_open(const char *spec, const differ_opts *o, char *err, size_t errlen);
/* 1 with rec filled (valid until the next call), 0 at the end, -1 on a
 * fatal error (I/O, or a bad record with --strict) with err. */
int differ_input_next(differ_input *in, differ_rec *rec, char *err, size_t errlen);
uint64_t differ_input_bad(const differ_input *in);   /* bad records skipped */
uint64_t differ_input_size(const differ_input *in);  /* bytes, 0 when unknown */
void differ_input_close(differ_input *in);

/* The key of a parsed document: _id, or the key fields joined by '#'.
 * Writes into buf; returns the length, or -1 when a key field is missing. */
int differ_key(const differ_opts *o, json_t *doc, char *buf, size_t buflen);

/* The key of a JSON-lines document by scanning it (jscan.c): its length,
 * or -1 when the line must be parsed to know (invalid, or unsure). A line
 * it accepts is valid JSON for jansson too. */
int differ_jscan_key(const differ_opts *o, const char *line, size_t n, char *key, size_t keylen);

/* ---- dumps ---- */

/* Appends one Record{document} to f, length-delimited. 0 or -1. */
int differ_dump_write(FILE *f, const Spider__Document *d, sp_buf *scratch);
/* A reference JSON document -> a Document (caller frees with
 * spider__document__free_unpacked(d, NULL)); NULL with err. */
Spider__Document *differ_document_from_json(json_t *doc, const char *id, char *err, size_t errlen);
/* JSON lines -> protobuf dump. Returns documents written, -1 with err. */
long long differ_dump_jsonl(const char *in, const char *out, const differ_opts *o, char *err, size_t errlen);

/* ---- report ---- */

typedef struct {
    char *id, *left, *right;
    int has_delta;
    long long delta;
} differ_example;

typedef struct {
    long long delta;
    uint64_t count;
} differ_delta;

#define DIFFER_MAX_DELTAS 32

typedef struct {
    char *field;
    uint64_t raw_count;          /* every mismatch, shifts included */
    uint64_t count;              /* after differ_report_finish: shifts removed */
    differ_example *examples;
    size_t nexamples;
    differ_delta deltas[DIFFER_MAX_DELTAS]; /* date fields: right - left, s */
    size_t ndeltas;
    uint64_t other_deltas;       /* date deltas beyond DIFFER_MAX_DELTAS distinct */
} differ_field;

/* A criterion of the verdict that failed, and why, in words. */
typedef struct {
    const char *criterion;       /* "identical share", "lost ids", "extra ids", "bad records",
                                    "missing parcels" (merge) */
    char reason[320];
} differ_failure;
#define DIFFER_CRITERIA 5

typedef struct {
    char *left, *right;
    uint64_t left_count, right_count, matched, identical, only_left, only_right;
    char **only_left_examples, **only_right_examples;
    size_t nonly_left_examples, nonly_right_examples;
    uint64_t bad_left, bad_right, duplicate_left, duplicate_right;
    differ_field *fields;        /* in first-seen order */
    size_t nfields, capfields;
    size_t *slots;               /* field name hash index: index+1, 0 empty */
    size_t nslots;
    char **findings;             /* after differ_report_finish */
    size_t nfindings;
    double min_match;
    uint64_t shift_min;
    size_t max_examples;
    int pass;
    differ_failure failed[DIFFER_CRITERIA];   /* after differ_report_finish: why not pass */
    size_t nfailed;
    uint32_t parcel_id, parcel_count;
    double duration_s;
} differ_report;

void differ_report_init(differ_report *r, const char *left, const char *right, const differ_opts *o);
void differ_report_free(differ_report *r);
differ_field *differ_report_field(differ_report *r, const char *name);
/* One field of one document differs. left/right: the values as JSON text
 * (NULL: missing on that side); computed only when an example is kept. */
void differ_report_mismatch(differ_report *r, const char *field, const char *id,
                            json_t *left, json_t *right, int has_delta, long long delta);
void differ_report_only(differ_report *r, int right_side, const char *id, size_t idlen);
/* Findings (date shifts), per-field counts without shifts, the verdict:
 * pass when every criterion holds, each failed one recorded with its reason:
 *   identical share  identical >= min-match x matched, and something matched
 *                    (two empty inputs, or inputs that match nothing, fail)
 *   lost ids         matched >= min-match x left documents
 *   extra ids        matched >= min-match x right documents
 *   bad records      each side's unreadable records <= (1 - min-match) x its records */
void differ_report_finish(differ_report *r);
/* One more failed criterion (after differ_report_finish): pass is 0. */
void differ_report_fail(differ_report *r, const char *criterion, const char *reason);
json_t *differ_report_to_json(const differ_report *r);
/* Reads what differ_report_to_json wrote (the raw counts); NULL with err. */
int differ_report_from_json(differ_report *r, json_t *j, char *err, size_t errlen);
int differ_report_write(const differ_report *r, const char *path, char *err, size_t errlen);
void differ_report_summary(const differ_report *r, FILE *out);
/* 1 when delta is a shift of f: seen in at least shift-min documents. */
int differ_field_is_shift(const differ_report *r, const differ_field *f, long long delta);

/* ---- the report as HTML (report_html.c) ---- */

/* s as HTML text or attribute value: & < > " ' as entities, control
 * characters (but tab and newline) as U+FFFD. */
void differ_html_escape(FILE *out, const char *s);
/* The finished report as one self-contained page (inline CSS and SVG). */
void differ_report_html(const differ_report *r, FILE *out);
int differ_report_write_html(const differ_report *r, const char *path, char *err, size_t errlen);

/* ---- compare ---- */

typedef struct differ_ctx differ_ctx;

differ_ctx *differ_ctx_new(const differ_opts *o, differ_report *r);
void differ_ctx_free(differ_ctx *c);
/* Compares two documents of one id and records what differs. Returns the
 * number of differing fields (0: identical). */
size_t differ_compare_docs(differ_ctx *c, const char *id, json_t *left, json_t *right);

/* The whole comparison: reads both inputs, fills r (finished). 0, or -1
 * with err (input error). */
int differ_compare(const char *left, const char *right, const differ_opts *o,
                   differ_report *r, char *err, size_t errlen);

/* Parcel membership and partition of an id. */
uint64_t differ_id_hash(const char *id, size_t len);
int differ_in_parcel(const differ_opts *o, uint64_t h);

/* ---- merge ---- */

/* Merges parcel reports (files) into r (finished). 0, or -1 with err. */
int differ_merge(const char *const *paths, size_t n, const differ_opts *o,
                 differ_report *r, char *err, size_t errlen);

#endif
