/* main.c - spider-collector entry point: configuration, logging, dispatch.
 * Polls HTCondor schedd queues and history and turns job ClassAds into documents on Kafka (jobs.queue, jobs.history). */
#include <stdio.h>

#include "spider.h"

static const sp_opt options[] = {
    SP_SERVICE_OPTIONS,
};

int main(int argc, char **argv)
{
    sp_config *cfg = sp_config_new("spider-collector", "COMMAND [ARGS]",
        "Polls HTCondor schedd queues and history and turns job ClassAds into documents on Kafka (jobs.queue, jobs.history).\n\nCommands: none in this build yet; see README.md for the plan.",
        options, sizeof(options) / sizeof(options[0]));
    int rc = sp_service_init(cfg, "collector", argc, argv);
    if (rc < 0) {
        char **args;
        if (sp_config_args(cfg, &args) == 0)
            fprintf(stderr, "spider-collector: missing COMMAND (see spider-collector --help)\n");
        else
            fprintf(stderr, "spider-collector: unknown command \"%s\" (see spider-collector --help)\n", args[0]);
        rc = 2;
    }
    sp_config_free(cfg);
    sp_log_shutdown();
    return rc;
}
