/* amq.c - the report to ActiveMQ: one STOMP SEND of the JSON report to
 * --amq-topic (/topic/spider.differ.reports), persistent, with a receipt,
 * to the first broker of --amq-brokers that answers (failover), with the
 * service's ActiveMQ options (SP_SERVICE_AMQ_OPTIONS: credentials from files). Headers say what the report is about without
 * parsing it: spider-differ-pass, -left, -right, -parcel.
 *
 * Ownership: everything is freed before differ_amq_send returns. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amq.h"
#include "config.h"
#include "log.h"
#include "stomp.h"

int differ_amq_send(const differ_amq_opts *a, const differ_report *r, char *err, size_t errlen)
{
    sp_stomp_client *c = sp_stomp_connect(a->stomp, err, errlen);
    int rc = -1;
    if (c) {
        json_t *j = differ_report_to_json(r);
        char *body = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
        char parcel[32];
        snprintf(parcel, sizeof(parcel), "%u/%u", r->parcel_id, r->parcel_count);
        sp_stomp_header h[] = {
            { "content-type", "application/json" }, { "persistent", "true" },
            { "spider-differ-pass", r->pass ? "true" : "false" }, { "spider-differ-left", r->left },
            { "spider-differ-right", r->right }, { "spider-differ-parcel", parcel },
        };
        rc = body ? sp_stomp_send(c, a->topic, h, sizeof(h) / sizeof(h[0]), body, strlen(body),
                                  a->timeout_ms ? a->timeout_ms : 10000, err, errlen) : -1;
        if (rc == 0)
            sp_info("amq.report_sent", "broker", sp_stomp_broker(c), "topic", a->topic);
        free(body);
        json_decref(j);
        sp_stomp_close(c);
    }
    return rc;
}
