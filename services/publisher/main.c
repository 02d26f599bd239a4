/* main.c - spider-publisher entry point: configuration, logging, dispatch.
 * Writes documents from Kafka to every Elasticsearch and OpenSearch cluster of es_conf.json, and to ActiveMQ. */
#include <stdio.h>

#include "spider.h"

static const sp_opt options[] = {
    SP_SERVICE_OPTIONS,
};

int main(int argc, char **argv)
{
    sp_config *cfg = sp_config_new("spider-publisher", "COMMAND [ARGS]",
        "Writes documents from Kafka to every Elasticsearch and OpenSearch cluster of es_conf.json, and to ActiveMQ.\n\nCommands: none in this build yet; see README.md for the plan.",
        options, sizeof(options) / sizeof(options[0]));
    int rc = sp_service_init(cfg, "publisher", argc, argv);
    if (rc < 0) {
        char **args;
        if (sp_config_args(cfg, &args) == 0)
            fprintf(stderr, "spider-publisher: missing COMMAND (see spider-publisher --help)\n");
        else
            fprintf(stderr, "spider-publisher: unknown command \"%s\" (see spider-publisher --help)\n", args[0]);
        rc = 2;
    }
    sp_config_free(cfg);
    sp_log_shutdown();
    return rc;
}
