/* amq.h - the report to ActiveMQ over STOMP (amq.c). */
#ifndef SPIDER_DIFFER_AMQ_H
#define SPIDER_DIFFER_AMQ_H

#include "differ.h"

typedef struct {
    const char *const *brokers;  /* "host:port" */
    size_t nbrokers;
    const char *topic;           /* "/topic/spider.differ.reports" */
    const char *username_file;   /* NULL or "": no login */
    const char *password_file;
    int tls;
    const char *ca_file;
    int timeout_ms;              /* connect and receipt; 0: 5 s / 10 s */
} differ_amq_opts;

/* Sends the report; 0 once the broker confirmed it, -1 with err. */
int differ_amq_send(const differ_amq_opts *a, const differ_report *r, char *err, size_t errlen);

#endif
