/* amq.h - the report to ActiveMQ over STOMP (amq.c). */
#ifndef SPIDER_DIFFER_AMQ_H
#define SPIDER_DIFFER_AMQ_H

#include "differ.h"

#include "stomp.h"

typedef struct {
    const sp_stomp_options *stomp;  /* brokers (failover order), credentials, TLS */
    const char *topic;              /* "/topic/spider.differ.reports" */
    int timeout_ms;                 /* receipt; 0: 10 s */
} differ_amq_opts;

/* Sends the report; 0 once the broker confirmed it, -1 with err. */
int differ_amq_send(const differ_amq_opts *a, const differ_report *r, char *err, size_t errlen);

#endif
