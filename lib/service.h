/* service.h - what every spider service does first: load configuration
 * (--help and --version included), set up logging from it, and tell the
 * caller whether to run, exit 0 or exit 2. Services declare their options
 * after SP_SERVICE_OPTIONS in one table. */
#ifndef SPIDER_SERVICE_H
#define SPIDER_SERVICE_H

#include "config.h"

#define SP_SERVICE_OPTIONS \
    { "log.level", SP_OPT_STRING, "info", "log-level", "debug, info, warn or error" }, \
    { "log.format", SP_OPT_STRING, "kv", "log-format", "kv (key=value) or json" }

/* Loads cfg from argv and the environment and starts logging as `service`.
 * Returns -1 when the service should run, otherwise the exit code (0 after
 * --help/--version, 2 after an error, already printed to stderr). */
int sp_service_init(sp_config *cfg, const char *service, int argc, char **argv);

#endif
