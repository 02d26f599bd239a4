/* service.h - what every spider service does first: load configuration
 * (--help and --version included), set up logging from it, and tell the
 * caller whether to run, exit 0 or exit 2; then run the command the first
 * argument names (sp_service_main, one table of commands per service) and
 * stop on SIGINT/SIGTERM. Services declare their options after
 * SP_SERVICE_OPTIONS in one table. */
#ifndef SPIDER_SERVICE_H
#define SPIDER_SERVICE_H

#include <signal.h>

#include "config.h"
#include "kafka.h"
#include "metrics.h"
#include "stomp.h"

#define SP_SERVICE_OPTIONS \
    { "log.level", SP_OPT_STRING, "info", "log-level", "debug, info, warn or error" }, \
    { "log.format", SP_OPT_STRING, "kv", "log-format", "kv (key=value) or json" }

/* Options of the services that use Kafka, and of those serving metrics. */
#define SP_SERVICE_KAFKA_OPTIONS \
    { "kafka.brokers", SP_OPT_STRING, "127.0.0.1:9092", "kafka-brokers", "bootstrap.servers" }, \
    { "kafka.properties", SP_OPT_OBJECT, NULL, "kafka-property", "librdkafka property, key=value (repeatable); one librdkafka takes for one kind of client only reaches that kind" }, \
    { "kafka.producer_properties", SP_OPT_OBJECT, NULL, "kafka-producer-property", "librdkafka property of the producers only, key=value (repeatable)" }, \
    { "kafka.consumer_properties", SP_OPT_OBJECT, NULL, "kafka-consumer-property", "librdkafka property of the consumers only, key=value (repeatable)" }

#define SP_SERVICE_METRICS_OPTIONS \
    { "metrics.address", SP_OPT_STRING, "127.0.0.1", "metrics-address", "address of /metrics, /healthz and /readyz" }, \
    { "metrics.port", SP_OPT_INT, "0", "metrics-port", "port of /metrics, /healthz and /readyz (0: off)" }

/* ActiveMQ, for the services that send to it; credentials are read from
 * files, as the reference's amq_username / amq_password. */
#define SP_SERVICE_AMQ_OPTIONS \
    { "amq.brokers", SP_OPT_LIST, "", "amq-brokers", "ActiveMQ brokers host:port, in failover order (none: no ActiveMQ)" }, \
    { "amq.username_file", SP_OPT_STRING, "etc/amq_username", "amq-username-file", "file holding the ActiveMQ user, as the reference's" }, \
    { "amq.password_file", SP_OPT_STRING, "etc/amq_password", "amq-password-file", "file holding the ActiveMQ password, as the reference's" }, \
    { "amq.tls", SP_OPT_BOOL, "false", "amq-tls", "STOMP over TLS (verified)" }, \
    { "amq.ca_file", SP_OPT_STRING, "", "amq-ca-file", "CA bundle for the brokers (default: the system's)" }, \
    { "amq.timeout_ms", SP_OPT_INT, "30000", "amq-timeout-ms", "connect and receipt wait (ms)" }

/* The connection SP_SERVICE_AMQ_OPTIONS describe; owns what stomp points to. */
typedef struct {
    sp_stomp_options stomp;          /* nbrokers 0: no broker configured */
    int timeout_ms;
    const char **brokers;
    char *user, *password;
} sp_service_amq;

/* 0 (stomp.nbrokers 0 when none is configured), or -1 with err naming the
 * credentials files. The caller frees a even on error. */
int sp_service_amq_load(sp_config *cfg, sp_service_amq *a, char *err, size_t errlen);
void sp_service_amq_free(sp_service_amq *a);

/* The librdkafka properties of SP_SERVICE_KAFKA_OPTIONS into props (initialized
 * here; the caller frees it even on error). A --kafka-property librdkafka
 * knows for producers only (or consumers only) is kept for those alone; a
 * --kafka-producer-property that is for consumers only, or the reverse, or
 * a property librdkafka does not know, is an error. 0, or -1 with err. */
int sp_service_kafka_props(sp_config *cfg, sp_kafka_props *props, char *err, size_t errlen);

/* Serves /metrics and /healthz as SP_SERVICE_METRICS_OPTIONS say: *server is NULL
 * when metrics.port is 0. 0, or -1 with err when the port cannot be bound. */
int sp_service_metrics(sp_config *cfg, sp_metrics *m, sp_metrics_health_fn *health, void *ctx,
                       sp_metrics_server **server, char *err, size_t errlen);

/* Loads cfg from argv and the environment and starts logging as `service`.
 * Returns -1 when the service should run, otherwise the exit code (0 after
 * --help/--version, 2 after an error, already printed to stderr). */
int sp_service_init(sp_config *cfg, const char *service, int argc, char **argv);

/* What runs one command of a service (args: sp_config_args). Exit status. */
typedef struct {
    const char *name;                 /* as in the sp_config_command table */
    int (*run)(sp_config *cfg);
} sp_service_cmd;

/* A service's main(): its program name, --help text, option, command and
 * rule tables (all static, outliving the call), and what runs each command. */
typedef struct {
    const char *program;              /* "spider-collector" */
    const char *service;              /* the log's service name: "collector" */
    const char *synopsis, *about;
    const sp_opt *options;
    size_t noptions;
    const sp_config_command *commands;
    size_t ncommands;
    const sp_opt_rule *rules;
    size_t nrules;
    const sp_service_cmd *run;
    size_t nrun;
} sp_service_def;

/* Builds the configuration, loads it (sp_service_init), runs the command
 * named by the first argument, and shuts logging down. The exit status. */
int sp_service_main(const sp_service_def *def, int argc, char **argv);

/* Set to 1 by SIGINT and SIGTERM once sp_service_catch_signals() ran: the
 * daemons' loops stop when it is. */
extern volatile sig_atomic_t sp_service_stop;
void sp_service_catch_signals(void);

#endif
