/* main.c - spider-collector entry point: configuration, logging, dispatch.
 * Polls HTCondor schedd queues and history and turns job ClassAds into documents on Kafka (jobs.queue, jobs.history). */
#include <stdio.h>
#include <stdlib.h>

#include "spider.h"

extern char **environ;

static const sp_opt options[] = {
    { "log.level", SP_OPT_STRING, "info", "log-level", "debug, info, warn or error" },
    { "log.format", SP_OPT_STRING, "kv", "log-format", "kv (key=value) or json" },
};

int main(int argc, char **argv)
{
    char err[512] = "";
    sp_config *cfg = sp_config_new("spider-collector", "COMMAND [ARGS]",
        "Polls HTCondor schedd queues and history and turns job ClassAds into documents on Kafka (jobs.queue, jobs.history).\n\nCommands: none in this build yet; see README.md for the plan.",
        options, sizeof(options) / sizeof(options[0]));
    sp_config_result res = sp_config_load(cfg, argc, argv, environ, err, sizeof(err));
    int rc = res == SP_CONFIG_EXIT_OK ? 0 : 2;
    if (res == SP_CONFIG_ERROR)
        fprintf(stderr, "spider-collector: %s\n", err);
    if (res == SP_CONFIG_OK) {
        char **args;
        if (sp_config_args(cfg, &args) == 0)
            fprintf(stderr, "spider-collector: missing COMMAND (see spider-collector --help)\n");
        else
            fprintf(stderr, "spider-collector: unknown command \"%s\" (see spider-collector --help)\n", args[0]);
    }
    sp_config_free(cfg);
    return rc;
}
