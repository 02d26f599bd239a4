/* main.c - spider-differ entry point: configuration, logging, dispatch.
 * Emits only what changed between queue snapshots (stream), and compares two pipeline outputs (compare). */
#include <stdio.h>

#include "spider.h"

static const sp_opt options[] = {
    SP_SERVICE_OPTIONS,
};

int main(int argc, char **argv)
{
    sp_config *cfg = sp_config_new("spider-differ", "COMMAND [ARGS]",
        "Emits only what changed between queue snapshots (stream), and compares two pipeline outputs (compare).\n\nCommands: none in this build yet; see README.md for the plan.",
        options, sizeof(options) / sizeof(options[0]));
    int rc = sp_service_init(cfg, "differ", argc, argv);
    if (rc < 0) {
        char **args;
        if (sp_config_args(cfg, &args) == 0)
            fprintf(stderr, "spider-differ: missing COMMAND (see spider-differ --help)\n");
        else
            fprintf(stderr, "spider-differ: unknown command \"%s\" (see spider-differ --help)\n", args[0]);
        rc = 2;
    }
    sp_config_free(cfg);
    sp_log_shutdown();
    return rc;
}
