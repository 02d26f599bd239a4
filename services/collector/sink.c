/* sink.c - the sink interface (see sink.h): --output finds its backend in
 * the table below; the backends are sink_kafka.c, sink_jsonl.c,
 * sink_bulk.c and sink_null.c (sink_impl.h says what each provides).
 *
 * Ownership: sp_sink_free frees the backend's state (close), the abandoned
 * tracks and the sink. */
#include "sink_impl.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"

/* The sinks --output names, in the order the error message lists them. */
static const sp_sink_type *const types[] = { &sp_sink_kafka, &sp_sink_jsonl, &sp_sink_bulk };
#define NTYPES (sizeof(types) / sizeof(types[0]))

sp_sink *sp_sink_new(const sp_sink_type *t, char *err, size_t errlen)
{
    sp_sink *s = calloc(1, sizeof(*s));
    if (!s)
        return snprintf(err, errlen, "out of memory"), NULL;
    s->type = t;
    pthread_mutex_init(&s->lock, NULL);
    return s;
}

sp_sink *sp_sink_open(const sp_sink_conf *conf, char *err, size_t errlen)
{
    if (conf->dry_run)
        return sp_sink_null.open(conf, err, errlen);
    for (size_t i = 0; i < NTYPES; i++) {
        if (strcmp(conf->output, types[i]->name))
            continue;
        /* --read-only sends nothing to Kafka and saves no checkpoint, but
         * --output jsonl/bulk still write the documents: that is what it is for */
        if (conf->read_only && types[i]->sends)
            return sp_sink_null.open(conf, err, errlen);
        return types[i]->open(conf, err, errlen);
    }
    size_t used = (size_t)snprintf(err, errlen, "output \"%s\": expected ", conf->output);
    for (size_t i = 0; i < NTYPES && used < errlen; i++)
        used += (size_t)snprintf(err + used, errlen - used, "%s%s", i == 0 ? "" : i + 1 == NTYPES ? " or " : ", ",
                                 types[i]->name);
    return NULL;
}

void sp_sink_free(sp_sink *s)
{
    if (!s)
        return;
    if (s->type->close)
        s->type->close(s);
    while (s->abandoned) {
        sp_track *next = s->abandoned->next;
        free(s->abandoned);
        s->abandoned = next;
    }
    pthread_mutex_destroy(&s->lock);
    free(s);
}

const char *sp_sink_doc_key(const sp_sink_doc *doc)
{
    return doc->key ? doc->key : sp_ad_getz(doc->res, "GlobalJobId")->u.str.s;
}

int sp_sink_emit_document(sp_sink *s, sp_track *t, const char *topic, const sp_sink_doc *doc, char *err,
                          size_t errlen)
{
    if (doc->oversize)
        doc->oversize->over = 0;
    return s->type->emit_document(s, t, topic, doc, err, errlen);
}

int sp_sink_emit(sp_sink *s, sp_track *t, const char *topic, const char *key,
                 const Spider__Record *rec, sp_buf *scratch, char *err, size_t errlen)
{
    return s->type->emit ? s->type->emit(s, t, topic, key, rec, scratch, err, errlen) : 0;
}

int sp_sink_wait(sp_sink *s, sp_track *t, long long deadline_ms)
{
    if (!deadline_ms)
        deadline_ms = sp_clock_mono_ms() + 300000;
    if (s->type->wait)
        return s->type->wait(s, t, deadline_ms);
    return atomic_load(&t->pending) == 0 && atomic_load(&t->failed) == 0 ? 0 : -1;
}

size_t sp_sink_max_bytes(const sp_sink *s)
{
    return s->type->max_bytes ? s->type->max_bytes(s) : 0;
}

int sp_sink_check(sp_sink *s, int timeout_ms, char *err, size_t errlen)
{
    return s->type->check ? s->type->check(s, timeout_ms, err, errlen) : 0;
}

void sp_sink_failure(sp_sink *s, const sp_track *t, char *out, size_t len)
{
    char last[512] = "";
    int e = atomic_load(&t->first_error);
    if (s->type->last_error)
        s->type->last_error(s, last, sizeof(last));
    snprintf(out, len, "%s%s%s", e ? rd_kafka_err2str((rd_kafka_resp_err_t)e) : "not acknowledged in time",
             last[0] ? "; brokers: " : "", last);
}

void sp_sink_abandon(sp_sink *s, sp_track *t)
{
    pthread_mutex_lock(&s->lock);
    t->next = s->abandoned;
    s->abandoned = t;
    pthread_mutex_unlock(&s->lock);
}

int sp_sink_reachable(sp_sink *s, char *why, size_t whylen)
{
    return s->type->reachable ? s->type->reachable(s, why, whylen) : 1;
}
