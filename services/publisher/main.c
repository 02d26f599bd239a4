/* main.c - spider-publisher entry point: configuration, logging, dispatch.
 * Writes documents from Kafka to every Elasticsearch and OpenSearch cluster
 * of es_conf.json, and to ActiveMQ.
 *
 *   spider-publisher run   Kafka -> every cluster of es_conf.json (publish.c)
 *   spider-publisher purge --git-hash H [--since T] [--dry-run]
 *                          delete a bad build's documents from every cluster */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "esconf.h"
#include "kafka.h"
#include "metrics.h"
#include "publish.h"
#include "purge.h"
#include "spider.h"

static const sp_opt options[] = {
    SP_SERVICE_OPTIONS,
    { "es-conf", SP_OPT_STRING, "etc/es_conf.json", "es-conf", "the clusters, es_conf.json in the reference format" },
    { "ca-file", SP_OPT_STRING, "", "ca-file", "CA bundle for clusters without their own \"ca\" (default: the system's)" },
    { "index-template", SP_OPT_STRING, "cms", "index-template", "daily indices are <template>-YYYY-MM-DD" },
    SP_KAFKA_OPTIONS,
    { "topics", SP_OPT_LIST, "jobs.history,jobs.changes", "topics", "topics to publish (jobs.queue: resend every queued job, as the reference)" },
    { "group", SP_OPT_STRING, "spider-publisher", "group", "consumer group prefix; each cluster reads as <group>.<cluster>" },
    { "deadletter-topic", SP_OPT_STRING, "publisher.deadletter", "deadletter-topic", "where documents a cluster can never take go, with its reason" },
    { "batch.docs", SP_OPT_INT, "1000", "batch-docs", "documents per _bulk at most" },
    { "batch.bytes", SP_OPT_INT, "8388608", "batch-bytes", "bytes of records per _bulk at most" },
    { "batch.ms", SP_OPT_INT, "1000", "batch-ms", "send a batch at least this often (ms)" },
    SP_METRICS_OPTIONS,
    { "git-hash", SP_OPT_STRING, "", "git-hash", "purge: the collector build whose documents go (metadata.spider_git_hash)" },
    { "since", SP_OPT_INT, "0", "since", "purge: only documents with RecordTime >= this epoch second" },
    { "dry-run", SP_OPT_BOOL, "false", "dry-run", "purge: count what would be deleted, delete nothing" },
};

/* purge on every cluster; prints one line per cluster. Exit status. */
static int purge(sp_config *cfg)
{
    char err[1024], pattern[256];
    sp_clusters cl;
    const char *hash = sp_config_str(cfg, "git-hash");
    if (!*hash) {
        fprintf(stderr, "spider-publisher purge: --git-hash is required\n");
        return 2;
    }
    const char *ca = sp_config_str(cfg, "ca-file");
    if (sp_clusters_load(sp_config_str(cfg, "es-conf"), *ca ? ca : NULL, &cl, err, sizeof(err)) != 0) {
        fprintf(stderr, "spider-publisher: %s\n", err);
        return 2;
    }
    snprintf(pattern, sizeof(pattern), "%s-*", sp_config_str(cfg, "index-template"));
    sp_purge_opts o = { hash, sp_config_int(cfg, "since"), pattern, sp_config_bool(cfg, "dry-run") };
    int rc = 0;
    for (size_t i = 0; i < cl.n; i++) {
        sp_http *h = sp_cluster_http(&cl.items[i], 600000, err, sizeof(err));
        long long n = 0;
        const char *method = "";
        if (!h || sp_purge(h, &o, &n, &method, err, sizeof(err)) != 0) {
            printf("%s: FAILED: %s\n", cl.items[i].name, err);
            sp_error("purge.failed", "cluster", cl.items[i].name, "error", err);
            rc = 1;
        } else {
            printf("%s: %s %lld documents of git hash %s in %s (%s)\n", cl.items[i].name,
                   o.dry_run ? "would delete" : "deleted", n, hash, pattern, method);
            sp_info("purge.done", "cluster", cl.items[i].name, "git_hash", hash, "documents", SP_INT(n),
                    "dry_run", o.dry_run ? "true" : "false", "method", method);
        }
        sp_http_free(h);
    }
    sp_clusters_free(&cl);
    return rc;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

/* The publishing loop until SIGINT/SIGTERM. Exit status. */
static int run(sp_config *cfg)
{
    char err[1024];
    sp_clusters cl;
    const char *ca = sp_config_str(cfg, "ca-file");
    if (sp_clusters_load(sp_config_str(cfg, "es-conf"), *ca ? ca : NULL, &cl, err, sizeof(err)) != 0) {
        fprintf(stderr, "spider-publisher: %s\n", err);
        return 2;
    }
    sp_kafka_props props;
    int props_rc = sp_service_kafka_props(cfg, &props, err, sizeof(err));
    json_t *topics = sp_config_json(cfg, "topics");
    size_t nt = json_array_size(topics);
    const char **tl = calloc(nt + 1, sizeof(*tl));
    for (size_t i = 0; tl && i < nt; i++)
        tl[i] = json_string_value(json_array_get(topics, i));
    int rc = 0;
    if (props_rc != 0 || !nt) {
        fprintf(stderr, "spider-publisher: %s\n", nt ? err : "--topics: at least one topic");
        rc = 2;
    }
    sp_publish_opts o = { &props, tl, nt, sp_config_str(cfg, "group"), sp_config_str(cfg, "deadletter-topic"),
                          (int)sp_config_int(cfg, "batch.docs"), (size_t)sp_config_int(cfg, "batch.bytes"),
                          (int)sp_config_int(cfg, "batch.ms") };
    sp_metrics *m = sp_metrics_new();
    sp_metrics_server *server = NULL;
    sp_publisher *p = NULL;
    if (!rc && sp_service_metrics(cfg, m, NULL, NULL, &server, err, sizeof(err)) != 0) {
        fprintf(stderr, "spider-publisher: metrics: %s\n", err);
        rc = 2;
    }
    if (!rc && !(p = sp_publisher_start(&o, &cl, m, err, sizeof(err)))) {
        fprintf(stderr, "spider-publisher: %s\n", err);
        rc = 2;
    }
    if (p) {
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        while (!stop)
            pause();
        sp_info("publish.stopping");
        sp_publisher_stop(p);
    }
    sp_metrics_server_stop(server);
    sp_metrics_free(m);
    free(tl);
    sp_kafka_props_free(&props);
    sp_clusters_free(&cl);
    return rc;
}

int main(int argc, char **argv)
{
    sp_config *cfg = sp_config_new("spider-publisher", "COMMAND [ARGS]",
        "Writes documents from Kafka to every Elasticsearch and OpenSearch cluster of es_conf.json, and to ActiveMQ.\n\n"
        "Commands:\n"
        "  run                                          publish from Kafka to every cluster until SIGTERM\n"
        "  purge --git-hash H [--since T] [--dry-run]   delete the documents a bad collector build wrote,\n"
        "                                               from every cluster (the runbook in README.md)\n"
        "Not yet in this build (issue 4): the AMQ sink, replay, the benchmark.",
        options, sizeof(options) / sizeof(options[0]));
    int rc = sp_service_init(cfg, "publisher", argc, argv);
    if (rc < 0) {
        char **args;
        int n = sp_config_args(cfg, &args);
        if (n == 0) {
            fprintf(stderr, "spider-publisher: missing COMMAND (see spider-publisher --help)\n");
            rc = 2;
        } else if (!strcmp(args[0], "run")) {
            rc = run(cfg);
        } else if (!strcmp(args[0], "purge")) {
            rc = purge(cfg);
        } else {
            fprintf(stderr, "spider-publisher: unknown command \"%s\" (see spider-publisher --help)\n", args[0]);
            rc = 2;
        }
    }
    sp_config_free(cfg);
    sp_log_shutdown();
    return rc;
}
