/* outputs.c - the table of output plugins (output.h), and what is built
 * from it: the publisher's options and rules with every plugin's. The only
 * place that names the plugins.
 *
 * Ownership: the arrays sp_output_options() and sp_output_rules() return
 * are the caller's (their strings are the plugins' static ones). */
#include <stdlib.h>
#include <string.h>

#include "output.h"

extern const sp_output_plugin sp_out_es_plugin, sp_out_amq_plugin;

/* In the order they open (ActiveMQ first: its credentials fail at once,
 * before any cluster is asked), and replay lists their outputs. */
const sp_output_plugin *const sp_output_plugins[] = {
    &sp_out_amq_plugin,
    &sp_out_es_plugin,
    NULL,
};

/* head, each plugin's part (options or rules, of elem bytes each), tail. */
static void *gather(size_t elem, int rules, const void *head, size_t nhead, const void *tail, size_t ntail,
                    size_t *n)
{
    size_t total = nhead + ntail;
    for (const sp_output_plugin *const *p = sp_output_plugins; *p; p++)
        total += rules ? (*p)->nrules : (*p)->noptions;
    char *all = malloc(total * elem + 1), *at = all;
    if (!all)
        return NULL;
    if (nhead)
        memcpy(at, head, nhead * elem);
    at += nhead * elem;
    for (const sp_output_plugin *const *p = sp_output_plugins; *p; p++) {
        size_t k = rules ? (*p)->nrules : (*p)->noptions;
        if (k)
            memcpy(at, rules ? (const void *)(*p)->rules : (const void *)(*p)->options, k * elem);
        at += k * elem;
    }
    if (ntail)
        memcpy(at, tail, ntail * elem);
    *n = total;
    return all;
}

sp_opt *sp_output_options(const sp_opt *head, size_t nhead, const sp_opt *tail, size_t ntail, size_t *n)
{
    return gather(sizeof(sp_opt), 0, head, nhead, tail, ntail, n);
}

sp_opt_rule *sp_output_rules(const sp_opt_rule *core, size_t ncore, size_t *n)
{
    return gather(sizeof(sp_opt_rule), 1, core, ncore, NULL, 0, n);
}
