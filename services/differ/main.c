/* main.c - spider-differ entry point: configuration, logging, dispatch.
 * Emits only what changed between queue snapshots (stream), and compares two pipeline outputs (compare).
 *
 *   spider-differ stream   jobs.queue -> jobs.changes (stream.c, snapdiff.c) */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spider.h"
#include "stream.h"

/* Attributes of a queue document that move with the clock alone (the
 * collector derives them from the poll time), so "changed" means changed. */
#define CLOCK_FIELDS "RecordTime,QueueHrs,CoreHr,CommittedCoreHr,WallClockHr,CommittedWallClockHr,CpuTimeHr," \
                     "CpuBadput,Badput,CpuEff,CpuEffOutlier,EventRate,TimePerEvent,KEvents,MegaEvents," \
                     "CMSSWWallHrs,CRAB_TaskCreationDate"

static const sp_opt options[] = {
    SP_SERVICE_OPTIONS,
    SP_KAFKA_OPTIONS,
    SP_METRICS_OPTIONS,
    { "topic.queue", SP_OPT_STRING, "jobs.queue", "topic-queue", "stream: the collector's queue snapshots" },
    { "topic.changes", SP_OPT_STRING, "jobs.changes", "topic-changes", "stream: where change events go" },
    { "group", SP_OPT_STRING, "spider-differ", "group", "stream: consumer group (instances share the schedds)" },
    { "ignore", SP_OPT_LIST, CLOCK_FIELDS, "ignore", "stream: attributes whose change alone is no change (name, or prefix*)" },
    { "emit-initial", SP_OPT_BOOL, "false", "emit-initial", "stream: a schedd's first snapshot emits every job as ADDED" },
    { "topic.history", SP_OPT_STRING, "jobs.history", "topic-history", "stream: where removed jobs must show up" },
    { "lost.grace", SP_OPT_INT, "1440", "lost-grace", "stream: seconds (of the pool's time) a removed job's history may take; 0: no tracking" },
    { "alerts.destination", SP_OPT_STRING, "/topic/spider.alerts", "alerts-destination", "stream: ActiveMQ destination of lost-job alerts" },
    SP_AMQ_OPTIONS,
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

/* spider-differ stream until SIGINT/SIGTERM. Exit status. */
static int stream(sp_config *cfg)
{
    char err[1024];
    sp_kafka_props props;
    json_t *list = sp_config_json(cfg, "ignore");
    size_t n = json_array_size(list);
    const char **ignore = calloc(n + 1, sizeof(char *));
    for (size_t i = 0; ignore && i < n; i++)
        ignore[i] = json_string_value(json_array_get(list, i));
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
    if (!rc) {
        sp_stream_opts o = { &props, sp_config_str(cfg, "topic.queue"), sp_config_str(cfg, "topic.changes"),
                             sp_config_str(cfg, "group"), ignore, n, sp_config_bool(cfg, "emit-initial"),
                             sp_config_str(cfg, "topic.history"), sp_config_int(cfg, "lost.grace"),
                             amq.stomp.nbrokers ? &amq.stomp : NULL, amq.timeout_ms,
                             sp_config_str(cfg, "alerts.destination") };
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        sp_info("stream.start", "from", o.topic_queue, "to", o.topic_changes, "group", o.group);
        if (sp_stream_run(&o, m, &stop, err, sizeof(err)) != 0) {
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
    return rc;
}

int main(int argc, char **argv)
{
    sp_config *cfg = sp_config_new("spider-differ", "COMMAND [ARGS]",
        "Emits only what changed between queue snapshots (stream), and compares two pipeline outputs (compare).\n\n"
        "Commands:\n"
        "  stream   jobs.queue -> jobs.changes: ADDED, CHANGED (with the fields) and REMOVED per complete\n"
        "           snapshot of each schedd; instances share the schedds through --group; jobs that left\n"
        "           the queue without history within --lost-grace raise alerts (ActiveMQ --alerts-destination)",
        options, sizeof(options) / sizeof(options[0]));
    int rc = sp_service_init(cfg, "differ", argc, argv);
    if (rc < 0) {
        char **args;
        int n = sp_config_args(cfg, &args);
        if (n == 0) {
            fprintf(stderr, "spider-differ: missing COMMAND (see spider-differ --help)\n");
            rc = 2;
        } else if (!strcmp(args[0], "stream")) {
            rc = stream(cfg);
        } else {
            fprintf(stderr, "spider-differ: unknown command \"%s\" (see spider-differ --help)\n", args[0]);
            rc = 2;
        }
    }
    sp_config_free(cfg);
    sp_log_shutdown();
    return rc;
}
