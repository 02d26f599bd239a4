/* service.c - common start-up of the services: configuration, logging,
 * command dispatch and signals, and the Kafka and metrics options several of
 * them share. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "service.h"

extern char **environ;

int sp_service_init(sp_config *cfg, const char *service, int argc, char **argv)
{
    char err[512] = "";
    sp_config_result res = sp_config_load(cfg, argc, argv, environ, err, sizeof(err));
    if (res == SP_CONFIG_EXIT_OK)
        return 0;
    sp_log_level level;
    sp_log_format format;
    if (res == SP_CONFIG_OK && sp_log_level_parse(sp_config_str(cfg, "log.level"), &level) != 0)
        snprintf(err, sizeof(err), "key \"log.level\" (%s): expected debug, info, warn or error, got \"%s\"",
                 sp_config_origin(cfg, "log.level"), sp_config_str(cfg, "log.level"));
    else if (res == SP_CONFIG_OK && sp_log_format_parse(sp_config_str(cfg, "log.format"), &format) != 0)
        snprintf(err, sizeof(err), "key \"log.format\" (%s): expected kv or json, got \"%s\"",
                 sp_config_origin(cfg, "log.format"), sp_config_str(cfg, "log.format"));
    else if (res == SP_CONFIG_OK)
        sp_config_check_args(cfg, err, sizeof(err));
    if (err[0]) {
        fprintf(stderr, "spider-%s: %s\n", service, err);
        return 2;
    }
    sp_log_init(service, level, format);
    return -1;
}

int sp_service_main(const sp_service_def *def, int argc, char **argv)
{
    sp_config *cfg = sp_config_new(def->program, def->synopsis, def->about, def->options, def->noptions);
    if (!cfg) {
        fprintf(stderr, "%s: out of memory\n", def->program);
        return 2;
    }
    if (def->ncommands)
        sp_config_commands(cfg, def->commands, def->ncommands);
    if (def->nrules)
        sp_config_rules(cfg, def->rules, def->nrules);
    int rc = sp_service_init(cfg, def->service, argc, argv);
    if (rc < 0) {
        char **args;
        int n = sp_config_args(cfg, &args);    /* checked against def->commands */
        const sp_service_cmd *cmd = NULL;
        for (size_t i = 0; n > 0 && i < def->nrun && !cmd; i++)
            if (strcmp(args[0], def->run[i].name) == 0)
                cmd = &def->run[i];
        if (cmd) {
            rc = cmd->run(cfg);
        } else {
            if (n > 0)
                fprintf(stderr, "%s: unknown command \"%s\" (see %s --help)\n", def->program, args[0], def->program);
            else
                fprintf(stderr, "%s: missing COMMAND (see %s --help)\n", def->program, def->program);
            rc = 2;
        }
    }
    sp_config_free(cfg);
    sp_log_shutdown();
    return rc;
}

volatile sig_atomic_t sp_service_stop;

static void on_stop_signal(int sig)
{
    (void)sig;
    sp_service_stop = 1;
}

void sp_service_catch_signals(void)
{
    signal(SIGINT, on_stop_signal);
    signal(SIGTERM, on_stop_signal);
}

/* The properties of one option; want is 'P', 'C' or '*' (--kafka-property:
 * each goes to the clients librdkafka takes it for). */
static int add_props(sp_kafka_props *props, json_t *obj, char want, const char *flag, char *err, size_t errlen)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        char scope = sp_kafka_property_scope(key), full[256];
        if (!scope) {
            snprintf(err, errlen, "--%s %s: librdkafka has no such property", flag, key);
            return -1;
        }
        if (want != '*' && scope != '*' && scope != want) {
            snprintf(err, errlen, "--%s %s: a %s property (give it with --kafka-%s-property)", flag, key,
                     scope == 'P' ? "producer" : "consumer", scope == 'P' ? "producer" : "consumer");
            return -1;
        }
        char to = want != '*' ? want : scope;
        snprintf(full, sizeof(full), "%s%s", to == 'P' ? SP_KAFKA_PRODUCER_PREFIX : to == 'C' ? SP_KAFKA_CONSUMER_PREFIX : "",
                 key);
        if (sp_kafka_props_set(props, full, json_string_value(v)) != 0)
            return snprintf(err, errlen, "out of memory"), -1;
    }
    return 0;
}

int sp_service_kafka_props(sp_config *cfg, sp_kafka_props *props, char *err, size_t errlen)
{
    sp_kafka_props_init(props);
    if (sp_kafka_props_set(props, "bootstrap.servers", sp_config_str(cfg, "kafka.brokers")) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    static const struct { const char *key, *flag; char want; } opts[] = {
        { "kafka.properties", "kafka-property", '*' },
        { "kafka.producer_properties", "kafka-producer-property", 'P' },
        { "kafka.consumer_properties", "kafka-consumer-property", 'C' },
    };
    for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
        json_t *obj = sp_config_json(cfg, opts[i].key);
        if (obj && add_props(props, obj, opts[i].want, opts[i].flag, err, errlen) != 0)
            return -1;
    }
    return 0;
}

int sp_service_metrics(sp_config *cfg, sp_metrics *m, sp_metrics_health_fn *health, void *ctx,
                       sp_metrics_server **server, char *err, size_t errlen)
{
    *server = NULL;
    if (sp_config_int(cfg, "metrics.port") <= 0)
        return 0;
    *server = sp_metrics_serve(m, sp_config_str(cfg, "metrics.address"), (int)sp_config_int(cfg, "metrics.port"),
                               health, ctx, err, errlen);
    return *server ? 0 : -1;
}

int sp_service_amq_load(sp_config *cfg, sp_service_amq *a, char *err, size_t errlen)
{
    memset(a, 0, sizeof(*a));
    json_t *list = sp_config_json(cfg, "amq.brokers");
    a->brokers = calloc(json_array_size(list) + 1, sizeof(char *));
    if (!a->brokers)
        return snprintf(err, errlen, "out of memory"), -1;
    size_t n = 0;
    for (size_t i = 0; i < json_array_size(list); i++) {
        const char *b = json_string_value(json_array_get(list, i));
        if (b && *b)
            a->brokers[n++] = b;
    }
    if (!n)
        return 0;
    char why[512];
    const char *uf = sp_config_str(cfg, "amq.username_file"), *pf = sp_config_str(cfg, "amq.password_file");
    if (!(a->user = sp_config_read_file_trimmed(uf, why, sizeof(why))) ||
        !(a->password = sp_config_read_file_trimmed(pf, why, sizeof(why))))
        return snprintf(err, errlen, "amq credentials (--amq-username-file %s, --amq-password-file %s): %s", uf, pf, why), -1;
    const char *ca = sp_config_str(cfg, "amq.ca_file");
    a->timeout_ms = (int)sp_config_int(cfg, "amq.timeout_ms");
    a->stomp = (sp_stomp_options){ .brokers = a->brokers, .nbrokers = n, .login = a->user, .passcode = a->password,
                                   .timeout_ms = a->timeout_ms, .tls = sp_config_bool(cfg, "amq.tls"),
                                   .ca_file = *ca ? ca : NULL };
    return 0;
}

void sp_service_amq_free(sp_service_amq *a)
{
    free(a->brokers);
    free(a->user);
    free(a->password);
    memset(a, 0, sizeof(*a));
}
