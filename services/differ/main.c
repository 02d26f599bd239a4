/* main.c - spider-differ entry point: configuration, logging, dispatch.
 *
 *   spider-differ stream               jobs.queue -> jobs.changes, lost-job alerts
 *                                       (stream/: stream.c, snapdiff.c, lost.c)
 *   spider-differ compare LEFT RIGHT   two pipeline outputs, keyed by id:
 *                                       exit 0 pass, 1 fail, 2 usage/input error
 *   spider-differ merge REPORT...      parcel reports -> one report and verdict
 *   spider-differ dump IN.jsonl OUT.pb JSON lines -> protobuf dump
 * The comparison itself is compare/ (partition.c and compare.c).
 *
 * The two halves share nothing but lib/ and this file: main.c includes
 * stream/ and compare/, neither of them includes the other (the build puts
 * neither on the other's include path). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bulk.h"
#include "spider.h"

#include "compare/amq.h"
#include "compare/differ.h"
#include "stream/snapdiff.h"
#include "stream/stream.h"


static const sp_opt options[] = {
    SP_SERVICE_OPTIONS,
    { "report", SP_OPT_STRING, "", "report", "write the JSON report (DiffReport fields) to this file" },
    { "html", SP_OPT_STRING, "", "html", "write the report as one self-contained HTML page to this file" },
    { "key", SP_OPT_LIST, NULL, "key", "id fields joined by '#' (default: _id, else GlobalJobId,RecordTime)" },
    { "ignore", SP_OPT_LIST, NULL, "ignore", "fields not compared: glob patterns of dotted paths (compare; default metadata.*), "
                                               "names or prefix* whose change alone is no change (stream; default the clock-driven fields)" },
    { "date-fields", SP_OPT_LIST, NULL, "date-fields", "date fields beyond rules/date_vals.txt, compared as instants" },
    { "tolerance", SP_OPT_STRING, "0", "tolerance", "numbers equal within: REL, rel:REL, abs:ABS or rel:REL,abs:ABS" },
    { "min-match", SP_OPT_STRING, "99.5%", "min-match", "pass when identical/matched and matched/each side reach this (99.5% or 0.995)" },
    { "shift-min", SP_OPT_INT, "10", "shift-min", "a date delta seen in this many documents is reported as one shift finding" },
    { "examples", SP_OPT_INT, "5", "examples", "examples kept per field and per one-sided ids" },
    { "parcel-id", SP_OPT_INT, "0", "parcel-id", "compare only ids with hash(id) % parcel-count == parcel-id" },
    { "parcel-count", SP_OPT_INT, "0", "parcel-count", "number of parcels (0 or 1: all ids)" },
    { "memory-limit", SP_OPT_STRING, "1G", "memory-limit", "memory for one side's documents; larger inputs are partitioned to disk" },
    { "partitions", SP_OPT_INT, "0", "partitions", "partitions on disk (0: from the input size and --memory-limit)" },
    { "tmp-dir", SP_OPT_STRING, "", "tmp-dir", "where partitions go (default: $TMPDIR or /tmp)" },
    { "strict", SP_OPT_BOOL, "false", "strict", "a bad input record is an error (exit 2), not counted and skipped" },
    { "since", SP_OPT_STRING, "", "since", "kafka inputs: messages at or after this time (epoch s or ISO 8601)" },
    { "until", SP_OPT_STRING, "", "until", "kafka inputs: messages at or before this time (epoch s or ISO 8601)" },
    { "es-conf", SP_OPT_STRING, "", "es-conf", "es_conf.json (reference format) for es:CLUSTER/INDEX inputs" },
    { "ca-file", SP_OPT_STRING, "", "ca-file", "CA bundle for clusters without their own \"ca\" (default: system CAs)" },
    { "es-page", SP_OPT_INT, "1000", "es-page", "documents per scroll page of es: inputs" },
    { "amq.topic", SP_OPT_STRING, "/topic/spider.differ.reports", "amq-topic", "compare, merge: destination of the report on ActiveMQ" },
    SP_SERVICE_AMQ_OPTIONS,
    SP_SERVICE_KAFKA_OPTIONS,
    SP_SERVICE_METRICS_OPTIONS,
    { "topic.queue", SP_OPT_STRING, "jobs.queue", "topic-queue", "stream: the collector's queue snapshots" },
    { "topic.changes", SP_OPT_STRING, "jobs.changes", "topic-changes", "stream: where change events go" },
    { "group", SP_OPT_STRING, "spider-differ", "group", "stream: consumer group (instances share the schedds)" },
    { "emit-initial", SP_OPT_BOOL, "false", "emit-initial", "stream: a schedd's first snapshot emits every job as ADDED" },
    { "topic.history", SP_OPT_STRING, "jobs.history", "topic-history", "stream: where removed jobs must show up" },
    { "lost.grace", SP_OPT_INT, "1440", "lost-grace", "stream: seconds (of the pool's time) a removed job's history may take; 0: no tracking" },
    { "topic.summary", SP_OPT_STRING, "jobs.summary", "topic-summary", "stream: summary documents per schedd, poll and group (\"\": none)" },
    { "summary.by", SP_OPT_LIST, SP_SUMMARY_BY, "summary-by", "stream: the dimensions of the summary groups" },
    { "summary.sums", SP_OPT_LIST, SP_SUMMARY_SUMS, "summary-sums", "stream: attributes summed per group (with Count)" },
    { "index-template", SP_OPT_STRING, "cms", "index-template", "stream: summaries go to <template>-summary-YYYY-MM-DD" },
    { "alerts.destination", SP_OPT_STRING, "/topic/spider.alerts", "alerts-destination", "stream: ActiveMQ destination of lost-job alerts" },
};

static const char about[] =
    "Emits only what changed between queue snapshots (stream), and compares two pipeline outputs (compare)\n"
    "document by document to gate a release on them.\n\n"
    "Commands:\n"
    "  stream                jobs.queue -> jobs.changes: ADDED, CHANGED (with the fields) and REMOVED per\n"
    "                        complete snapshot of each schedd; instances share the schedds through --group;\n"
    "                        jobs that left the queue without history within --lost-grace raise alerts\n"
    "                        (ActiveMQ --alerts-destination)\n"
    "  compare LEFT RIGHT    LEFT/RIGHT: FILE (JSON lines or protobuf, by first byte), jsonl:FILE,\n"
    "                        pb:FILE (varint-delimited Records), kafka:TOPIC (--since/--until),\n"
    "                        es:CLUSTER/INDEX (a cluster of --es-conf by host or number; scroll)\n"
    "                        exit 0: pass, 1: fail, 2: usage, input or report-delivery error\n"
    "  merge REPORT...       combines parcel reports (--parcel-id/--parcel-count) into one verdict\n"
    "  dump IN.jsonl OUT.pb  writes JSON lines as a protobuf dump";

/* Borrowed C strings of a list option; the array is the caller's. */
static const char **strings(sp_config *cfg, const char *key, size_t *n)
{
    json_t *l = sp_config_json(cfg, key);
    *n = json_array_size(l);
    const char **out = calloc(*n + 1, sizeof(char *));
    for (size_t i = 0; out && i < *n; i++)
        out[i] = json_string_value(json_array_get(l, i));
    return out;
}

static int parse_time(const char *s, int64_t *ms)
{
    char *end;
    double v;
    *ms = 0;
    if (!*s)
        return 0;
    v = strtod(s, &end);
    if (*end && differ_parse_iso(s, &v) != 0)
        return -1;
    *ms = (int64_t)(v > 1e11 ? v : v * 1000);
    return 0;
}

typedef struct {
    differ_opts o;
    const char **key, **ignore, **dates;
    sp_kafka_props kafka;
    sp_metrics *metrics;
} setup;

static int load_opts(sp_config *cfg, setup *s)
{
    differ_opts *o = &s->o;
    char err[256];
    differ_opts_defaults(o);
    sp_kafka_props_init(&s->kafka);
    s->key = strings(cfg, "key", &o->nkey_fields);
    static const char *const metadata[] = { "metadata.*" };
    s->ignore = strings(cfg, "ignore", &o->nignore);
    s->dates = strings(cfg, "date-fields", &o->ndate_fields);
    o->key_fields = o->nkey_fields ? s->key : NULL;
    o->ignore = o->nignore ? s->ignore : metadata;
    o->nignore = o->nignore ? o->nignore : 1;
    o->date_fields = s->dates;
    o->shift_min = (uint64_t)sp_config_int(cfg, "shift-min");
    o->max_examples = (size_t)sp_config_int(cfg, "examples");
    o->parcel_id = (uint32_t)sp_config_int(cfg, "parcel-id");
    o->parcel_count = (uint32_t)sp_config_int(cfg, "parcel-count");
    o->partitions = (int)sp_config_int(cfg, "partitions");
    o->strict = sp_config_bool(cfg, "strict");
    o->es_conf = sp_config_str(cfg, "es-conf");
    o->es_ca = *sp_config_str(cfg, "ca-file") ? sp_config_str(cfg, "ca-file") : NULL;
    o->es_page = (int)sp_config_int(cfg, "es-page");
    o->tmp_dir = *sp_config_str(cfg, "tmp-dir") ? sp_config_str(cfg, "tmp-dir") : getenv("TMPDIR");
    const char *bad = NULL;
    if (differ_parse_tolerance(sp_config_str(cfg, "tolerance"), &o->tol_rel, &o->tol_abs) != 0)
        bad = "--tolerance: expected REL, rel:REL, abs:ABS or rel:REL,abs:ABS";
    else if (differ_parse_fraction(sp_config_str(cfg, "min-match"), &o->min_match) != 0)
        bad = "--min-match: expected a percentage (99.5%) or a fraction (0.995)";
    else if (differ_parse_size(sp_config_str(cfg, "memory-limit"), &o->memory_limit) != 0)
        bad = "--memory-limit: expected a size (512M, 2G)";
    else if (sp_config_int(cfg, "parcel-count") < 0 || sp_config_int(cfg, "parcel-id") < 0 ||
             (o->parcel_count > 1 && o->parcel_id >= o->parcel_count) || (o->parcel_count <= 1 && o->parcel_id))
        bad = "--parcel-id must be below --parcel-count";
    else if (sp_config_int(cfg, "examples") < 0 || sp_config_int(cfg, "shift-min") < 0)
        bad = "--examples and --shift-min must not be negative";
    else if (parse_time(sp_config_str(cfg, "since"), &o->since_ms) || parse_time(sp_config_str(cfg, "until"), &o->until_ms))
        bad = "--since/--until: expected epoch seconds or an ISO 8601 time";
    else if (sp_service_kafka_props(cfg, &s->kafka, err, sizeof(err)) != 0)
        bad = err;
    if (bad) {
        fprintf(stderr, "spider-differ: %s\n", bad);
        return -1;
    }
    o->kafka = &s->kafka;
    o->metrics = s->metrics = sp_metrics_new();
    return 0;
}

static void free_opts(setup *s)
{
    free(s->key);
    free(s->ignore);
    free(s->dates);
    sp_kafka_props_free(&s->kafka);
    sp_metrics_free(s->metrics);
}

static int send_amq(sp_config *cfg, const differ_report *r)
{
    char err[512];
    sp_service_amq amq;
    int rc = sp_service_amq_load(cfg, &amq, err, sizeof(err));
    if (rc == 0 && amq.stomp.nbrokers) {
        differ_amq_opts a = { &amq.stomp, sp_config_str(cfg, "amq.topic"), amq.timeout_ms };
        rc = differ_amq_send(&a, r, err, sizeof(err));
    }
    if (rc != 0)
        fprintf(stderr, "spider-differ: AMQ report not sent: %s\n", err);
    sp_service_amq_free(&amq);
    return rc;
}

/* Prints the summary, writes the reports (JSON, HTML), sends it: the exit code of the
 * verdict, or 2 when the report could not be written or sent. */
static int conclude(sp_config *cfg, differ_report *r)
{
    char err[512];
    const char *path = sp_config_str(cfg, "report"), *html = sp_config_str(cfg, "html");
    differ_report_summary(r, stdout);
    fflush(stdout);
    if ((*path && differ_report_write(r, path, err, sizeof(err)) != 0) ||
        (*html && differ_report_write_html(r, html, err, sizeof(err)) != 0)) {
        fprintf(stderr, "spider-differ: %s\n", err);
        return 2;
    }
    if (send_amq(cfg, r) != 0)
        return 2;
    return r->pass ? 0 : 1;
}

static int cmd_compare(sp_config *cfg, setup *s, char **args, int n)
{
    char err[512];
    if (n != 3) {
        fprintf(stderr, "spider-differ: compare needs LEFT and RIGHT (see spider-differ --help)\n");
        return 2;
    }
    sp_metrics_server *server = NULL;
    if (sp_service_metrics(cfg, s->metrics, NULL, NULL, &server, err, sizeof(err)) != 0) {
        fprintf(stderr, "spider-differ: metrics: %s\n", err);
        return 2;
    }
    differ_report r;
    int rc = differ_compare(args[1], args[2], &s->o, &r, err, sizeof(err));
    if (rc != 0)
        fprintf(stderr, "spider-differ: %s\n", err);
    else
        rc = conclude(cfg, &r);
    if (rc < 0)
        rc = 2;
    differ_report_free(&r);
    sp_metrics_server_stop(server);
    return rc;
}

static int cmd_merge(sp_config *cfg, setup *s, char **args, int n)
{
    char err[512];
    if (n < 2) {
        fprintf(stderr, "spider-differ: merge needs at least one REPORT\n");
        return 2;
    }
    if (strcmp(sp_config_origin(cfg, "min-match"), "default") == 0)
        s->o.min_match = -1;
    differ_report r;
    int rc = differ_merge((const char *const *)args + 1, (size_t)n - 1, &s->o, &r, err, sizeof(err));
    if (rc != 0) {
        fprintf(stderr, "spider-differ: %s\n", err);
        rc = 2;
    } else {
        rc = conclude(cfg, &r);
    }
    differ_report_free(&r);
    return rc;
}

static int cmd_dump(setup *s, char **args, int n)
{
    char err[512];
    if (n != 3) {
        fprintf(stderr, "spider-differ: dump needs IN.jsonl and OUT.pb\n");
        return 2;
    }
    long long docs = differ_dump_jsonl(args[1], args[2], &s->o, err, sizeof(err));
    if (docs < 0) {
        fprintf(stderr, "spider-differ: %s\n", err);
        return 2;
    }
    printf("%lld documents written to %s\n", docs, args[2]);
    return 0;
}


/* spider-differ stream until SIGINT/SIGTERM. Exit status. */
static int stream(sp_config *cfg)
{
    char err[1024];
    sp_kafka_props props;
    size_t n;
    const char **ignore = strings(cfg, "ignore", &n);
    char *clock = strdup(SP_SNAPDIFF_CLOCK_FIELDS), *save = NULL;
    if (!n && ignore && clock)                         /* the default: the clock-driven fields */
        for (char *f = strtok_r(clock, ",", &save); f && n < 32; f = strtok_r(NULL, ",", &save)) {
            const char **more = realloc(ignore, (n + 2) * sizeof(char *));
            if (!more)
                break;
            ignore = more;
            ignore[n++] = f;
        }
    sp_metrics *m = sp_metrics_new();
    sp_metrics_server *server = NULL;
    sp_service_amq amq = { 0 };
    int rc = 0;
    if (sp_service_kafka_props(cfg, &props, err, sizeof(err)) != 0 ||
        sp_service_amq_load(cfg, &amq, err, sizeof(err)) != 0 ||
        sp_service_metrics(cfg, m, NULL, NULL, &server, err, sizeof(err)) != 0) {
        fprintf(stderr, "spider-differ: %s\n", err);
        rc = 2;
    }
    size_t nby, nsums;
    const char **by = strings(cfg, "summary.by", &nby), **sums = strings(cfg, "summary.sums", &nsums);
    sp_summary_opts so = { by, nby, sums, nsums, sp_config_str(cfg, "index-template") };
    char why[256];
    if (!rc && sp_bulk_index_template_check(so.index_template, why, sizeof(why)) != 0) {
        fprintf(stderr, "spider-differ: --index-template \"%s\": %s\n", so.index_template, why);
        rc = 2;
    }
    if (!rc && (nby > 64 || nsums > 64)) {
        fprintf(stderr, "spider-differ: --summary-by and --summary-sums take at most 64 names each\n");
        rc = 2;
    }
    if (!rc) {
        sp_stream_opts o = { &props, sp_config_str(cfg, "topic.queue"), sp_config_str(cfg, "topic.changes"),
                             sp_config_str(cfg, "group"), ignore, n, sp_config_bool(cfg, "emit-initial"),
                             sp_config_str(cfg, "topic.history"), sp_config_int(cfg, "lost.grace"),
                             amq.stomp.nbrokers ? &amq.stomp : NULL, amq.timeout_ms,
                             sp_config_str(cfg, "alerts.destination"), server, sp_config_str(cfg, "topic.summary"), &so };
        sp_service_catch_signals();
        sp_info("stream.start", "from", o.topic_queue, "to", o.topic_changes, "group", o.group);
        if (sp_stream_run(&o, m, &sp_service_stop, err, sizeof(err)) != 0) {
            sp_error("stream.failed", "error", err);
            fprintf(stderr, "spider-differ: %s\n", err);
            rc = 1;
        }
    }
    sp_metrics_server_stop(server);
    sp_metrics_free(m);
    sp_kafka_props_free(&props);
    sp_service_amq_free(&amq);
    free(ignore);
    free(clock);
    free(by);
    free(sums);
    return rc;
}

/* compare, merge and dump: the options they share, then the command. */
static int offline(sp_config *cfg)
{
    char **args;
    int n = sp_config_args(cfg, &args);
    setup s = { 0 };
    int rc = load_opts(cfg, &s);
    if (rc != 0)
        rc = 2;
    else if (strcmp(args[0], "compare") == 0)
        rc = cmd_compare(cfg, &s, args, n);
    else if (strcmp(args[0], "merge") == 0)
        rc = cmd_merge(cfg, &s, args, n);
    else
        rc = cmd_dump(&s, args, n);
    free_opts(&s);
    return rc;
}

/* Ranges of the numeric options, and the commands an option is for. */
static const sp_opt_rule rules[] = {
    { "report", NULL, "compare,merge" },
    { "html", NULL, "compare,merge" },
    { "key", NULL, "compare,dump" },
    { "date-fields", NULL, "compare,dump" },
    { "tolerance", NULL, "compare" },
    { "min-match", NULL, "compare,merge" },
    { "shift-min", "0..", "compare" },
    { "examples", "0..", "compare,merge" },
    { "parcel-id", "0..", "compare,merge" },
    { "parcel-count", "0..", "compare,merge" },
    { "memory-limit", NULL, "compare" },
    { "partitions", "0..1024", "compare" },
    { "tmp-dir", NULL, "compare" },
    { "strict", NULL, "compare,dump" },
    { "since", NULL, "compare" },
    { "until", NULL, "compare" },
    { "es-conf", NULL, "compare" },
    { "ca-file", NULL, "compare" },
    { "es-page", "1..", "compare" },
    { "amq.topic", NULL, "compare,merge" },
    { "topic.queue", NULL, "stream" },
    { "topic.changes", NULL, "stream" },
    { "group", NULL, "stream" },
    { "emit-initial", NULL, "stream" },
    { "topic.history", NULL, "stream" },
    { "lost.grace", "0..", "stream" },
    { "alerts.destination", NULL, "stream" },
    { "ignore", NULL, "compare,stream,dump" },
    { "metrics.port", "0..65535", NULL },
    { "amq.timeout_ms", "1..", NULL },
};

static const sp_config_command commands[] = {
    { "stream", "", "jobs.queue -> jobs.changes: ADDED, CHANGED (with the fields) and REMOVED per complete snapshot\n"
      "of each schedd; instances share the schedds through --group; jobs that left the queue without\n"
      "history within --lost-grace raise alerts (ActiveMQ --alerts-destination).", 0, 0 },
    { "compare", "LEFT RIGHT", "LEFT/RIGHT: FILE (JSON lines or protobuf, by first byte), jsonl:FILE, pb:FILE\n"
      "(varint-delimited Records), kafka:TOPIC (--since/--until), es:CLUSTER/INDEX (a cluster of --es-conf\n"
      "by host or number; scroll). Exit 0: pass, 1: fail, 2: usage, input or report-delivery error.", 2, 2 },
    { "merge", "REPORT...", "Combines parcel reports (--parcel-id/--parcel-count) into one verdict.", 1, -1 },
    { "dump", "IN.jsonl OUT.pb", "Writes JSON lines as a protobuf dump.", 2, 2 },
};

static const sp_service_cmd run_table[] = {
    { "stream", stream },
    { "compare", offline },
    { "merge", offline },
    { "dump", offline },
};

static const sp_service_def service = {
    "spider-differ", "differ", "COMMAND [ARGS]", about,
    options, sizeof(options) / sizeof(options[0]), commands, sizeof(commands) / sizeof(commands[0]),
    rules, sizeof(rules) / sizeof(rules[0]), run_table, sizeof(run_table) / sizeof(run_table[0]),
};

int main(int argc, char **argv)
{
    return sp_service_main(&service, argc, argv);
}
