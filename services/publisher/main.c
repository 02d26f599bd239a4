/* main.c - spider-publisher entry point: configuration, logging, dispatch.
 * Writes documents from Kafka to every Elasticsearch and OpenSearch cluster
 * of es_conf.json, and to ActiveMQ. The options and rules are this file's
 * with every output plugin's (output.h) spliced in; run and replay walk the
 * plugins and name none.
 *
 *   spider-publisher run   Kafka -> every output the plugins open (publish.c)
 *   spider-publisher purge --git-hash H [--since T] [--dry-run]
 *                          delete a bad build's documents from every cluster
 *   spider-publisher replay --cluster C --from T
 *                          rewind one output's consumer group to time T
 *   spider-publisher setup [--retention-days N]
 *                          index template, alias and retention policy on every cluster (setup.c) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bulk.h"
#include "esconf.h"
#include "kafka.h"
#include "metrics.h"
#include "output.h"
#include "publish.h"
#include "purge.h"
#include "setup.h"
#include "spider.h"

/* The options before the plugins' (output.h), then after them. */
static const sp_opt options_head[] = {
    SP_SERVICE_OPTIONS,
    { "es-conf", SP_OPT_STRING, "etc/es_conf.json", "es-conf", "the clusters, es_conf.json in the reference format" },
    { "ca-file", SP_OPT_STRING, "", "ca-file", "CA bundle for clusters without their own \"ca\" (default: the system's)" },
    { "index-template", SP_OPT_STRING, "cms", "index-template", "daily indices are <template>-YYYY-MM-DD" },
    SP_SERVICE_KAFKA_OPTIONS,
    { "topics", SP_OPT_LIST, "jobs.history,jobs.changes", "topics", "topics to publish (jobs.queue: resend every queued job, as the reference)" },
    { "group", SP_OPT_STRING, "spider-publisher", "group", "consumer group prefix; each cluster reads as <group>.<cluster>" },
    { "deadletter-topic", SP_OPT_STRING, "publisher.deadletter", "deadletter-topic", "where documents a cluster can never take go, with its reason" },
    { "batch.docs", SP_OPT_INT, "1000", "batch-docs", "documents per _bulk at most" },
    { "batch.bytes", SP_OPT_INT, "8388608", "batch-bytes", "bytes of records per _bulk at most" },
    { "batch.ms", SP_OPT_INT, "1000", "batch-ms", "send a batch at least this often (ms)" },
    { "prefetch.bytes", SP_OPT_INT, "16777216", "prefetch-bytes", "per output, bytes read ahead from Kafka at most (with batch.bytes: the memory bound)" },
    { "stall.seconds", SP_OPT_INT, "120", "stall-seconds", "/readyz fails when an output has not committed for this long while messages wait" },
};

static const sp_opt options_tail[] = {
    SP_SERVICE_METRICS_OPTIONS,
    { "git-hash", SP_OPT_STRING, "", "git-hash", "purge: the collector build whose documents go (metadata.spider_git_hash)" },
    { "since", SP_OPT_INT, "0", "since", "purge: only documents with RecordTime >= this epoch second" },
    { "dry-run", SP_OPT_BOOL, "false", "dry-run", "purge: count what would be deleted, delete nothing" },
    { "cluster", SP_OPT_STRING, "", "cluster", "replay: the output to rewind: a cluster name of es_conf.json, or amq" },
    { "from", SP_OPT_STRING, "", "from", "replay: epoch seconds or YYYY-MM-DDTHH:MM:SSZ" },
    { "retention-days", SP_OPT_INT, "39", "retention-days", "setup: delete a daily index this many days after its creation (0: no policy); 39 as the reference's history.py RETENTION_POLICY, past which it sends nothing" },
};

/* --from: epoch seconds, or an ISO 8601 UTC time. -1 when neither. */
static long long parse_time(const char *s)
{
    char *end;
    long long t = strtoll(s, &end, 10);
    if (*s && !*end)
        return t;
    struct tm tm = { 0 };
    end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!end || (*end && strcmp(end, "Z") != 0))
        return -1;
    return (long long)timegm(&tm);
}

/* --index-template as the clusters' rules allow (bulk.h). 0, or -1 after
 * saying why on stderr. */
static int check_template(sp_config *cfg)
{
    char why[512];
    if (sp_bulk_index_template_check(sp_config_str(cfg, "index-template"), why, sizeof(why)) == 0)
        return 0;
    fprintf(stderr, "spider-publisher: --index-template \"%s\": %s\n", sp_config_str(cfg, "index-template"), why);
    return -1;
}

/* --es-conf (with --ca-file) into cl. 0, or -1 after saying why on stderr. */
static int load_clusters(sp_config *cfg, sp_esconf *cl)
{
    char err[1024];
    const char *ca = sp_config_str(cfg, "ca-file");
    if (sp_esconf_load(sp_config_str(cfg, "es-conf"), *ca ? ca : NULL, cl, err, sizeof(err)) == 0)
        return 0;
    fprintf(stderr, "spider-publisher: %s\n", err);
    return -1;
}

/* The topics option as a NULL-terminated array (strings borrowed). */
static const char **topic_list(sp_config *cfg, size_t *n)
{
    json_t *topics = sp_config_json(cfg, "topics");
    *n = json_array_size(topics);
    const char **tl = calloc(*n + 1, sizeof(*tl));
    for (size_t i = 0; tl && i < *n; i++)
        tl[i] = json_string_value(json_array_get(topics, i));
    return tl;
}

/* The output names the plugins give, and whether want is one of them;
 * list: each plugin's names after the first's behind " and:"
 * (" amq and: es1:9203 os1"). */
typedef struct {
    const char *want;
    int known, fresh;                /* fresh: no name yet of this plugin */
    char list[2048];
} output_names;

static void add_name(void *ctx, const char *name)
{
    output_names *n = ctx;
    n->known |= !strcmp(name, n->want);
    size_t len = strlen(n->list);
    snprintf(n->list + len, sizeof(n->list) - len, "%s %s", n->fresh && len ? " and:" : "", name);
    n->fresh = 0;
}

/* Whether name is an output of some plugin. 1, 0 after saying which there
 * are, -1 after saying why the plugins could not tell (the error of the
 * first that could not, when no other knew name). */
static int known_output(sp_config *cfg, const char *name)
{
    output_names n = { .want = name };
    char err[1024] = "", why[1024];
    for (const sp_output_plugin *const *pl = sp_output_plugins; *pl; pl++) {
        n.fresh = 1;
        if ((*pl)->names(cfg, add_name, &n, why, sizeof(why)) != 0 && !*err)
            snprintf(err, sizeof(err), "%s", why);
    }
    if (n.known)
        return 1;
    if (*err)
        return fprintf(stderr, "spider-publisher: %s\n", err), -1;
    fprintf(stderr, "spider-publisher replay: no output \"%s\"; the outputs are%s\n", name, n.list);
    return 0;
}

/* replay: rewinds <group>.<output> on every topic to --from. The
 * publishers must be stopped (Kafka refuses offsets for a live group);
 * started again, they re-send from there. Exit status. */
static int replay(sp_config *cfg)
{
    char err[1024];
    const char *name = sp_config_str(cfg, "cluster"), *from = sp_config_str(cfg, "from");
    long long t = parse_time(from);
    if (!*name || t < 0) {
        fprintf(stderr, "spider-publisher replay: %s\n", !*name ? "--cluster is required (a cluster of es_conf.json, or amq)"
                                                                 : "--from: epoch seconds or YYYY-MM-DDTHH:MM:SSZ");
        return 2;
    }
    if (known_output(cfg, name) != 1)
        return 2;
    sp_kafka_props props;
    size_t nt;
    const char **tl = topic_list(cfg, &nt);
    char group[512];
    snprintf(group, sizeof(group), "%s.%s", sp_config_str(cfg, "group"), name);
    int rc = sp_service_kafka_props(cfg, &props, err, sizeof(err)) == 0 ? 0 : 1;
    for (size_t i = 0; rc == 0 && i < nt; i++) {
        int parts = sp_kafka_rewind_group(&props, group, tl[i], t * 1000, 30000, err, sizeof(err));
        if (parts < 0) {
            rc = 1;
            break;
        }
        printf("%s: group %s rewound on %s (%d partitions) to %s\n", name, group, tl[i], parts, from);
        sp_info("replay.done", "output", name, "group", group, "topic", tl[i], "from", from);
    }
    if (rc)
        fprintf(stderr, "spider-publisher replay: %s (are the publishers stopped?)\n", err);
    free(tl);
    sp_kafka_props_free(&props);
    return rc;
}

/* purge on every cluster; prints one line per cluster. Exit status. */
static int purge(sp_config *cfg)
{
    char err[1024], pattern[256];
    sp_esconf cl;
    const char *hash = sp_config_str(cfg, "git-hash");
    if (!*hash) {
        fprintf(stderr, "spider-publisher purge: --git-hash is required\n");
        return 2;
    }
    if (check_template(cfg) != 0 || load_clusters(cfg, &cl) != 0)
        return 2;
    snprintf(pattern, sizeof(pattern), "%s-*", sp_config_str(cfg, "index-template"));
    sp_purge_opts o = { hash, sp_config_int(cfg, "since"), pattern, sp_config_bool(cfg, "dry-run") };
    int rc = 0;
    for (size_t i = 0; i < cl.n; i++) {
        sp_http *h = sp_esconf_http(&cl.items[i], 600000, err, sizeof(err));
        long long n = 0;
        const char *method = "";
        if (!h || sp_purge(h, &o, &n, &method, err, sizeof(err)) != 0) {
            printf("%s: FAILED: %s\n", cl.items[i].name, err);
            sp_error("purge.failed", "cluster", cl.items[i].name, "error", err);
            rc = 1;
        } else {
            printf("%s: %s %lld documents of git hash %s in %s (%s)\n", cl.items[i].name,
                   o.dry_run ? "would delete" : "deleted", n, hash, pattern, method);
            sp_info("purge.done", "cluster", cl.items[i].name, "git_hash", hash, "documents", SP_LOG_INT(n),
                    "dry_run", o.dry_run ? "true" : "false", "method", method);
        }
        sp_http_free(h);
    }
    sp_esconf_free(&cl);
    return rc;
}

/* setup on every cluster; one line per cluster, then the counts. Exit
 * status: 0, 1 when a cluster failed (the others are still set up). */
static int setup(sp_config *cfg)
{
    char err[1024];
    sp_esconf cl;
    if (check_template(cfg) != 0 || load_clusters(cfg, &cl) != 0)
        return 2;
    sp_setup_opts o = { sp_config_str(cfg, "index-template"), (int)sp_config_int(cfg, "retention-days") };
    int counts[4] = { 0 }, failed = 0;
    for (size_t i = 0; i < cl.n; i++) {
        const sp_esconf_cluster *c = &cl.items[i];
        sp_setup_result r;
        sp_http *h = sp_esconf_http(c, 60000, err, sizeof(err));
        if (!h || sp_setup_cluster(h, c->opensearch, &o, &r, err, sizeof(err)) != 0) {
            fprintf(stderr, "%s: FAILED: %s\n", c->name, err);
            sp_error("setup.failed", "cluster", c->name, "error", err);
            failed++;
        } else {
            counts[r.policy]++;
            counts[r.template]++;
            if (o.retention_days > 0)
                printf("%s: %s policy %s %s (delete %s %d days after creation)\n", c->name,
                       c->opensearch ? "ISM" : "ILM", r.policy_name, sp_setup_change_name(r.policy), r.pattern,
                       o.retention_days);
            printf("%s: index template %s %s (%s, alias %s%s%s)\n", c->name, r.template_name,
                   sp_setup_change_name(r.template), r.pattern, r.alias,
                   c->opensearch || !o.retention_days ? "" : ", index.lifecycle.name ",
                   c->opensearch || !o.retention_days ? "" : r.policy_name);
            sp_info("setup.done", "cluster", c->name, "template", sp_setup_change_name(r.template), "policy",
                    sp_setup_change_name(r.policy));
        }
        sp_http_free(h);
    }
    printf("setup: %zu clusters, %d created, %d updated, %d unchanged, %d failed\n", cl.n,
           counts[SP_SETUP_CREATED], counts[SP_SETUP_UPDATED], counts[SP_SETUP_UNCHANGED], failed);
    sp_esconf_free(&cl);
    return failed ? 1 : 0;
}

/* /readyz while the publisher starts (creating topics, asking clusters). */
static int starting(void *ctx, char *why, size_t whylen)
{
    (void)ctx;
    snprintf(why, whylen, "starting");
    return 0;
}

/* The publishing loop until SIGINT/SIGTERM. Exit status. */
static int run(sp_config *cfg)
{
    char err[1024];
    sp_kafka_props props;
    int rc = sp_service_kafka_props(cfg, &props, err, sizeof(err)) == 0 ? 0 : 2;
    size_t nt;
    const char **tl = topic_list(cfg, &nt);
    if (rc || !nt) {
        fprintf(stderr, "spider-publisher: %s\n", nt ? err : "--topics: at least one topic");
        rc = 2;
    }
    sp_publish_opts o = {
        .kafka = &props, .topics = tl, .ntopics = nt, .group = sp_config_str(cfg, "group"),
        .deadletter_topic = sp_config_str(cfg, "deadletter-topic"), .batch_docs = (int)sp_config_int(cfg, "batch.docs"),
        .batch_bytes = (size_t)sp_config_int(cfg, "batch.bytes"), .batch_ms = (int)sp_config_int(cfg, "batch.ms"),
        .prefetch_bytes = (size_t)sp_config_int(cfg, "prefetch.bytes"), .stall_s = (int)sp_config_int(cfg, "stall.seconds"),
    };
    sp_metrics *m = sp_metrics_new();
    sp_metrics_server *server = NULL;
    sp_publisher *p = NULL;
    if (!rc && sp_service_metrics(cfg, m, NULL, NULL, &server, err, sizeof(err)) != 0) {
        fprintf(stderr, "spider-publisher: metrics: %s\n", err);
        rc = 2;
    }
    sp_metrics_server_set_ready(server, starting, NULL);
    if (!rc && !(p = sp_publisher_start(&o, cfg, m, err, sizeof(err)))) {
        fprintf(stderr, "spider-publisher: %s\n", err);
        rc = 2;
    }
    if (p) {
        sp_metrics_server_set_ready(server, sp_publisher_ready, p);
        sp_service_catch_signals();
        while (!sp_service_stop)
            pause();
        sp_info("publish.stopping");
        sp_metrics_server_set_ready(server, NULL, NULL);
        sp_publisher_stop(p);
    }
    sp_metrics_server_stop(server);
    sp_metrics_free(m);
    free(tl);
    sp_kafka_props_free(&props);
    return rc;
}

/* Ranges of the numeric options, and the commands an option is for (the
 * plugins' follow). */
static const sp_opt_rule rules[] = {
    { "batch.docs", "1..", "run" },
    { "batch.bytes", "1024..", "run" },
    { "batch.ms", "1..", "run" },
    { "prefetch.bytes", "1024..", "run" },
    { "since", "0..", "purge" },
    { "git-hash", NULL, "purge" },
    { "dry-run", NULL, "purge" },
    { "cluster", NULL, "replay" },
    { "from", NULL, "replay" },
    { "retention-days", "0..36500", "setup" },
    { "deadletter-topic", NULL, "run" },
    { "topics", NULL, "run,replay" },
    { "group", NULL, "run,replay" },
    { "index-template", NULL, "run,purge,setup" },
    { "metrics.port", "0..65535", NULL },
};

static const sp_config_command commands[] = {
    { "run", "", "Publishes from Kafka (--topics) to every cluster of --es-conf and to ActiveMQ until SIGTERM;\n"
      "each output reads as its own consumer group <group>.<cluster>.", 0, 0 },
    { "purge", "--git-hash H [--since T] [--dry-run]", "Deletes the documents a bad collector build wrote (metadata.spider_git_hash)\n"
      "from every cluster of --es-conf, in the indices <index-template>-*.", 0, 0 },
    { "replay", "--cluster C --from T", "Rewinds output C (a cluster of --es-conf, or amq) on every topic to time T; the publishers\n"
      "must be stopped, and re-send from T when started.", 0, 0 },
    { "setup", "[--retention-days N]", "Installs, on every cluster of --es-conf, what the daily indices <index-template>-YYYY-MM-DD\n"
      "need before run creates them: the index template spider-<t>-daily (for <t>-2*: the mapping and\n"
      "settings run creates an index with, and the alias <t>), and a retention policy spider-<t>-retention\n"
      "deleting an index --retention-days after its creation (Elasticsearch ILM, attached by the\n"
      "template's index.lifecycle.name; OpenSearch ISM, attached by its ism_template). The default, 39\n"
      "days, is the reference spider's RETENTION_POLICY (history.py): it never sends a record older, so\n"
      "an older index takes no more writes. Idempotent: what already carries the same digest is left\n"
      "unchanged. Indices created before setup keep no policy. Exit 1 when a cluster failed (its error\n"
      "names it; a cluster without ILM/ISM fails unless --retention-days 0).", 0, 0 },
};

static const sp_service_cmd run_table[] = {
    { "run", run },
    { "purge", purge },
    { "replay", replay },
    { "setup", setup },
};

static sp_service_def service = {
    "spider-publisher", "publisher", "COMMAND [ARGS]",
    "Writes documents from Kafka to every Elasticsearch and OpenSearch cluster of es_conf.json, and to ActiveMQ.\n\n"
    "Commands:\n"
    "  run                                          publish from Kafka to every cluster until SIGTERM\n"
    "  purge --git-hash H [--since T] [--dry-run]   delete the documents a bad collector build wrote,\n"
    "                                               from every cluster (the runbook in README.md)\n"
    "  replay --cluster C --from T                  rewind output C (a cluster, or amq) to time T; the\n"
    "                                               publishers must be stopped, and re-send from T when started\n"
    "  setup [--retention-days N]                   index template, alias and retention policy (ILM/ISM)\n"
    "                                               of the daily indices, on every cluster; idempotent",
    NULL, 0, commands, sizeof(commands) / sizeof(commands[0]),
    NULL, 0, run_table, sizeof(run_table) / sizeof(run_table[0]),
};

int main(int argc, char **argv)
{
    sp_opt *options = sp_output_options(options_head, sizeof(options_head) / sizeof(options_head[0]), options_tail,
                                        sizeof(options_tail) / sizeof(options_tail[0]), &service.noptions);
    sp_opt_rule *all_rules = sp_output_rules(rules, sizeof(rules) / sizeof(rules[0]), &service.nrules);
    if (!options || !all_rules) {
        fprintf(stderr, "spider-publisher: out of memory\n");
        return 2;
    }
    service.options = options;
    service.rules = all_rules;
    int rc = sp_service_main(&service, argc, argv);
    free(options);
    free(all_rules);
    return rc;
}
