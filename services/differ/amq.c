/* amq.c - the report to ActiveMQ: one STOMP SEND of the JSON report to
 * --amq-topic (/topic/spider.differ.reports), persistent, with a receipt,
 * to the first broker of --amq-brokers that answers (failover). Credentials
 * come from files (--amq-username-file, --amq-password-file) and are
 * registered as log secrets. Headers say what the report is about without
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

static char *read_secret(const char *path, char *err, size_t errlen)
{
    if (!path || !*path)
        return NULL;
    char e[256];
    char *s = sp_read_file_trimmed(path, e, sizeof(e));
    if (!s)
        snprintf(err, errlen, "AMQ credentials: %s", e);
    else
        sp_log_add_secret(s);
    return s;
}

int differ_amq_send(const differ_amq_opts *a, const differ_report *r, char *err, size_t errlen)
{
    char *login = read_secret(a->username_file, err, errlen);
    if (a->username_file && *a->username_file && !login)
        return -1;
    char *pass = read_secret(a->password_file, err, errlen);
    if (a->password_file && *a->password_file && !pass) {
        free(login);
        return -1;
    }
    sp_stomp_options so = {
        .brokers = a->brokers, .nbrokers = a->nbrokers, .login = login, .passcode = pass,
        .timeout_ms = a->timeout_ms, .tls = a->tls, .ca_file = a->ca_file,
    };
    sp_stomp_client *c = sp_stomp_connect(&so, err, errlen);
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
    free(login);
    free(pass);
    return rc;
}
