/* service.c - common start-up of the services: configuration, logging, and
 * the Kafka and metrics options several of them share. */
#include <stdio.h>

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
    if (err[0]) {
        fprintf(stderr, "spider-%s: %s\n", service, err);
        return 2;
    }
    sp_log_init(service, level, format);
    return -1;
}

int sp_service_kafka_props(sp_config *cfg, sp_kafka_props *props, char *err, size_t errlen)
{
    sp_kafka_props_init(props);
    if (sp_kafka_props_set(props, "bootstrap.servers", sp_config_str(cfg, "kafka.brokers")) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    json_t *extra = sp_config_json(cfg, "kafka.properties");
    return extra ? sp_kafka_props_from_json(props, extra, err, errlen) : 0;
}

int sp_service_metrics(sp_config *cfg, sp_metrics *m, sp_health_fn *health, void *ctx,
                       sp_metrics_server **server, char *err, size_t errlen)
{
    *server = NULL;
    if (sp_config_int(cfg, "metrics.port") <= 0)
        return 0;
    *server = sp_metrics_serve(m, sp_config_str(cfg, "metrics.address"), (int)sp_config_int(cfg, "metrics.port"),
                               health, ctx, err, errlen);
    return *server ? 0 : -1;
}
