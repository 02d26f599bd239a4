/* service.c - common start-up of the services: configuration and logging. */
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
