/* main.c - spider-collector: polls HTCondor schedd queues and history and
 * turns job ClassAds into documents on Kafka (jobs.queue, jobs.history).
 *
 *   spider-collector run [--once]     poll every interval (or once, for cron)
 * Configuration, logging and --help come from the shared library; the
 * cycle itself is collector.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "collector.h"
#include "bulk.h"
#include "kafka.h"
#include "metrics.h"
#include "spider.h"

static const sp_opt options[] = {
    SP_SERVICE_OPTIONS,
    { "source", SP_OPT_STRING, "exec", "source", "ad source: exec (condor_q/condor_history on PATH), exec:DIR, file:DIR" },
    { "collectors-file", SP_OPT_STRING, "", "collectors-file", "collectors.json: {\"Pool\": [\"collector:port\", ...]} for schedd discovery" },
    { "schedds", SP_OPT_LIST, NULL, "schedds", "static schedd list instead of discovery (comma separated)" },
    { "schedd-filter", SP_OPT_LIST, NULL, "schedd-filter", "only these schedds (comma separated)" },
    { "process-queue", SP_OPT_BOOL, "true", "process-queue", "poll queues (snapshots to the queue topic)" },
    { "process-history", SP_OPT_BOOL, "true", "process-history", "poll history since the checkpoints" },
    { "once", SP_OPT_BOOL, "false", "once", "run one cycle and exit (cron mode): exit 0 all polls ok, 1 some failed" },
    { "interval", SP_OPT_INT, "720", "interval", "seconds between cycles in daemon mode (the reference's 12 min)" },
    { "history-offset", SP_OPT_INT, "300", "history-offset", "daemon mode: history polls run this many seconds after queue polls (cron 5-59/12)" },
    { "workers", SP_OPT_INT, "8", "workers", "schedd polls at once" },
    { "schedd-timeout", SP_OPT_INT, "600", "schedd-timeout", "seconds one schedd poll may take" },
    { "cycle-timeout", SP_OPT_INT, "700", "cycle-timeout", "seconds a whole cycle may take" },
    { "history-overlap", SP_OPT_INT, "0", "history-overlap", "seconds a history poll reads back before the checkpoint (0: one --interval); records Kafka already acknowledged there are skipped" },
    { "history-query-max-n-minutes", SP_OPT_INT, "720", "history-query-max-n-minutes", "history window without a checkpoint (minutes)" },
    { "scale-out", SP_OPT_BOOL, "false", "scale-out", "share the schedds with other instances (consumer group; checkpoints on --checkpoint-topic)" },
    { "group", SP_OPT_STRING, "spider-collector", "group", "scale-out: the consumer group of the instances" },
    { "checkpoint-topic", SP_OPT_STRING, "collector.checkpoints", "checkpoint-topic", "scale-out: compacted topic of the checkpoints (key = schedd)" },
    { "checkpoint-partitions", SP_OPT_INT, "12", "checkpoint-partitions", "scale-out: its partitions (the most instances that get work); never change it" },
    { "checkpoint-file", SP_OPT_STRING, "checkpoint.json", "checkpoint-file", "history checkpoints (the reference's checkpoint.json, read as is)" },
    { "affiliation-file", SP_OPT_STRING, "", "affiliation-file", "the reference's .affiliation_dir.json, for AffiliationInstitute/Country" },
    { "keep-full-queue-data", SP_OPT_BOOL, "false", "keep-full-queue-data", "queue documents of live jobs keep every field" },
    { "index-template", SP_OPT_STRING, "cms", "index-template", "daily index name prefix: <template>-YYYY-MM-DD" },
    { "output", SP_OPT_STRING, "kafka", "output", "kafka; or, without Kafka, jsonl (documents as JSON lines) or bulk (the _bulk NDJSON the publisher would post)" },
    { "output-file", SP_OPT_STRING, "-", "output-file", "jsonl/bulk output file (appended to), - for stdout" },
    SP_SERVICE_KAFKA_OPTIONS,
    { "kafka.timeout", SP_OPT_INT, "30", "kafka-timeout", "seconds Kafka may take to answer (at the start of each cycle) and to acknowledge a record (message.timeout.ms unless set)" },
    { "topic.queue", SP_OPT_STRING, "jobs.queue", "topic-queue", "queue snapshots topic" },
    { "topic.history", SP_OPT_STRING, "jobs.history", "topic-history", "history documents topic" },
    { "read-only", SP_OPT_BOOL, "false", "read-only", "query and convert, send nothing to Kafka, save no checkpoint (--output jsonl/bulk still write)" },
    { "dry-run", SP_OPT_BOOL, "false", "dry-run", "log the queries that would run; query nothing" },
    { "max-documents", SP_OPT_INT, "0", "max-documents", "at most this many documents per schedd poll (0: all)" },
    { "max-ad-bytes", SP_OPT_INT, "16777216", "max-ad-bytes", "larger ads are skipped and counted (CMS ads are ~6 KB)" },
    { "now", SP_OPT_INT, "0", "now", "with --once: poll as if at this epoch second (replays, tests); 0: the clock" },
    { "hostname", SP_OPT_STRING, "", "hostname", "metadata.spider_hostname (default: this host's name)" },
    SP_SERVICE_METRICS_OPTIONS,
};

static char **list_or_null(sp_config *cfg, const char *key)
{
    json_t *l = sp_config_json(cfg, key);
    size_t n = json_array_size(l);
    if (n == 0)
        return NULL;
    char **out = calloc(n + 1, sizeof(*out));
    for (size_t i = 0; out && i < n; i++)
        out[i] = (char *)json_string_value(json_array_get(l, i));
    return out;
}

/* Sleeps until epoch second t or a signal. */
static void sleep_until(long long t)
{
    while (!sp_service_stop && (long long)time(NULL) < t)
        sleep(1);
}

/* The process's own CPU time (all its threads, librdkafka's included; not
 * the condor tools it ran), for the whole-process benchmark
 * (bench/collector_process.sh). */
static void log_cpu(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return;
    sp_info("process.cpu", "user_seconds", SP_LOG_DBL(ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6),
            "system_seconds", SP_LOG_DBL(ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6));
}

static int run(sp_config *cfg)
{
    char err[512], host[256] = "";
    sp_kafka_props props;
    if (sp_service_kafka_props(cfg, &props, err, sizeof(err)) != 0) {
        fprintf(stderr, "spider-collector: %s\n", err);
        sp_kafka_props_free(&props);
        return 2;
    }
    char mt[32];                     /* records fail within --kafka-timeout, not librdkafka's 300 s */
    snprintf(mt, sizeof(mt), "%lld", sp_config_int(cfg, "kafka.timeout") * 1000);
    if (!sp_kafka_props_get_producer(&props, "message.timeout.ms") && !sp_kafka_props_get_producer(&props, "delivery.timeout.ms"))
        sp_kafka_props_set(&props, SP_KAFKA_PRODUCER_PREFIX "message.timeout.ms", mt);
    const char *hostname = sp_config_str(cfg, "hostname");
    if (!*hostname) {
        gethostname(host, sizeof(host) - 1);
        hostname = host;
    }
    sp_collector_opts o = {
        .source = sp_config_str(cfg, "source"),
        .collectors_file = sp_config_str(cfg, "collectors-file"),
        .schedds = list_or_null(cfg, "schedds"),
        .schedd_filter = list_or_null(cfg, "schedd-filter"),
        .output = sp_config_str(cfg, "output"),
        .output_file = sp_config_str(cfg, "output-file"),
        .kafka = &props,
        .topic_queue = sp_config_str(cfg, "topic.queue"),
        .topic_history = sp_config_str(cfg, "topic.history"),
        .checkpoint_file = sp_config_str(cfg, "checkpoint-file"),
        .scale_out = sp_config_bool(cfg, "scale-out"),
        .group = sp_config_str(cfg, "group"),
        .checkpoint_topic = sp_config_str(cfg, "checkpoint-topic"),
        .checkpoint_partitions = (int)sp_config_int(cfg, "checkpoint-partitions"),
        .affiliation_file = sp_config_str(cfg, "affiliation-file"),
        .index_template = sp_config_str(cfg, "index-template"),
        .hostname = hostname,
        .process_queue = sp_config_bool(cfg, "process-queue"),
        .process_history = sp_config_bool(cfg, "process-history"),
        .workers = (int)sp_config_int(cfg, "workers"),
        .schedd_timeout_s = (int)sp_config_int(cfg, "schedd-timeout"),
        .cycle_timeout_s = (int)sp_config_int(cfg, "cycle-timeout"),
        .history_max_minutes = (long)sp_config_int(cfg, "history-query-max-n-minutes"),
        .history_overlap_s = (long)(sp_config_int(cfg, "history-overlap") > 0 ? sp_config_int(cfg, "history-overlap")
                                                                               : sp_config_int(cfg, "interval")),
        .keep_full_queue_data = sp_config_bool(cfg, "keep-full-queue-data"),
        .read_only = sp_config_bool(cfg, "read-only"),
        .dry_run = sp_config_bool(cfg, "dry-run"),
        .max_documents = sp_config_int(cfg, "max-documents"),
        .max_ad_bytes = (size_t)sp_config_int(cfg, "max-ad-bytes"),
        .kafka_timeout_s = (int)sp_config_int(cfg, "kafka.timeout"),
    };
    int rc = 0;
    if (!o.process_queue && !o.process_history) {
        fprintf(stderr, "spider-collector: nothing to do: both --process-queue and --process-history are off\n");
        rc = 2;
    }
    char why[512];
    if (sp_bulk_index_template_check(o.index_template, why, sizeof(why)) != 0) {
        fprintf(stderr, "spider-collector: --index-template \"%s\": %s\n", o.index_template, why);
        rc = 2;
    }
    if (o.read_only && o.scale_out) {      /* joining the group would take schedds from the instances */
        fprintf(stderr, "spider-collector: --read-only with --scale-out would join the instances' consumer group "
                        "and take schedds from them: run the check with --scale-out=false\n");
        rc = 2;
    }
    sp_metrics *metrics = sp_metrics_new();
    sp_collector *c = rc ? NULL : sp_collector_new(&o, metrics, err, sizeof(err));
    if (!rc && !c) {
        fprintf(stderr, "spider-collector: %s\n", err);
        rc = 2;
    }
    sp_metrics_server *server = NULL;
    if (c && sp_service_metrics(cfg, metrics, sp_collector_healthy, c, &server, err, sizeof(err)) != 0) {
        fprintf(stderr, "spider-collector: metrics: %s\n", err);
        rc = 2;
    }
    sp_metrics_server_set_ready(server, sp_collector_ready, c);
    if (c && rc == 0) {
        sp_service_catch_signals();
        long long interval = sp_config_int(cfg, "interval");
        long long offset = sp_config_int(cfg, "history-offset");
        int once = sp_config_bool(cfg, "once");
        sp_cycle_stats st;
        long long next = (long long)time(NULL);
        if (offset < 0 || offset >= interval)
            offset = 0;
        if (!sp_collector_wait_ready(c, 60000))
            sp_warn("scaleout.not_ready", "hint", "no partitions of the checkpoint topic yet: polling nothing until the group assigns some");
        while (!sp_service_stop) {
            if (once || offset == 0) {
                long long now = once && sp_config_int(cfg, "now") > 0 ? sp_config_int(cfg, "now") : (long long)time(NULL);
                rc = sp_collector_cycle(c, now, SP_POLL_QUEUE | SP_POLL_HISTORY, &st) == 0 ? 0 : 1;
            } else {                     /* queue now, history offset seconds later */
                rc = sp_collector_cycle(c, (long long)time(NULL), SP_POLL_QUEUE, &st) == 0 ? 0 : 1;
                sleep_until(next + offset);
                if (!sp_service_stop)
                    rc |= sp_collector_cycle(c, (long long)time(NULL), SP_POLL_HISTORY, &st) == 0 ? 0 : 1;
            }
            if (once)
                break;
            next += interval > 0 ? interval : 1;
            if (next < (long long)time(NULL))
                next = (long long)time(NULL);
            sleep_until(next);
        }
    }
    sp_metrics_server_stop(server);
    sp_collector_free(c);              /* waits for Kafka's last acknowledgements */
    log_cpu();
    sp_metrics_free(metrics);
    sp_kafka_props_free(&props);
    free(o.schedds);
    free(o.schedd_filter);
    return rc;
}

/* Ranges of the numeric options, and the commands an option is for. */
static const sp_opt_rule rules[] = {
    { "interval", "1..", NULL },
    { "history-offset", "0..", NULL },
    { "workers", "1..1024", NULL },
    { "schedd-timeout", "1..", NULL },
    { "cycle-timeout", "1..", NULL },
    { "history-overlap", "0..", NULL },
    { "history-query-max-n-minutes", "1..", NULL },
    { "checkpoint-partitions", "1..100000", NULL },
    { "max-documents", "0..", NULL },
    { "max-ad-bytes", "1024..", NULL },
    { "now", "0..", NULL },
    { "kafka.timeout", "1..3600", NULL },
    { "metrics.port", "0..65535", NULL },
};

static const sp_config_command commands[] = {
    { "run", "[--once]", "Polls every --interval seconds, or one cycle with --once (cron): exit 0 when every poll\n"
      "succeeded, 1 when one failed (a schedd, Kafka, a checkpoint that could not be saved), 2 on a usage error.", 0, 0 },
};

static const sp_service_cmd run_table[] = {
    { "run", run },
};

static const sp_service_def service = {
    "spider-collector", "collector", "run [--once]",
    "Polls HTCondor schedd queues and history and turns job ClassAds into documents on Kafka\n"
    "(jobs.queue: one framed snapshot per schedd poll; jobs.history: since each schedd's checkpoint).\n"
    "Documents match the reference spider's (dmwm/cms-htcondor-es); checkpoint.json is read as it is.\n\n"
    "Commands:\n  run    poll every --interval seconds, or one cycle with --once (cron)",
    options, sizeof(options) / sizeof(options[0]), commands, sizeof(commands) / sizeof(commands[0]),
    rules, sizeof(rules) / sizeof(rules[0]), run_table, sizeof(run_table) / sizeof(run_table[0]),
};

int main(int argc, char **argv)
{
    return sp_service_main(&service, argc, argv);
}
