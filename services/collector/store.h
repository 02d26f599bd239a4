/* store.h - where the history checkpoints live, behind one interface:
 * where a schedd's history poll starts and which overlap records it skips,
 * saving the new checkpoint once the sink acknowledged the poll, and (for a
 * shared store) which schedds this instance polls.
 *
 * Stores (one file each, one row of store.c's table; store_impl.h is what a
 * backend provides):
 *   file   (store_file.c)  checkpoint.json (checkpoint.h), one instance
 *   kafka  (store_kafka.c) the compacted checkpoint topic of --scale-out,
 *                          the schedds shared through a consumer group
 *                          (scaleout.h)
 *
 * Ownership: the store owns its checkpoints, file name, consumer and
 * producer; the conf's strings are the caller's and must outlive it. */
#ifndef SPIDER_COLLECTOR_STORE_H
#define SPIDER_COLLECTOR_STORE_H

#include <stddef.h>

#include "checkpoint.h"
#include "kafka.h"

typedef struct {
    int scale_out;                   /* kafka when set, else file */
    const char *file;                /* file: checkpoint.json */
    const sp_kafka_props *kafka;     /* kafka: the brokers */
    const char *group, *topic;
    int partitions;
} sp_store_conf;

typedef struct sp_store sp_store;

sp_store *sp_store_open(const sp_store_conf *conf, char *err, size_t errlen);
void sp_store_free(sp_store *s);
/* Where the schedd's history starts at `now` (checkpoint.h's rules) and, in
 * *seen, a copy of its overlap records Kafka acknowledged (NULL on ENOMEM). */
double sp_store_history_start(sp_store *s, const char *schedd, double now, long max_minutes, sp_seen **seen);
/* Moves the schedd's checkpoint to t with its seen set. 0, or -1 with err. */
int sp_store_save(sp_store *s, const char *schedd, double t, const sp_seen *seen, char *err, size_t errlen);
/* What and where it is, for errors: "file" and the path, or "topic" and
 * the topic. */
const char *sp_store_kind(const sp_store *s);
const char *sp_store_where(const sp_store *s);
/* 1 when instances share the schedds (then sp_store_owns and _loaded say
 * which are this instance's). */
int sp_store_shared(const sp_store *s);
/* 1 when this instance polls the schedd now; always 1 unshared. */
int sp_store_owns(sp_store *s, const char *schedd);
/* Partitions loaded, and in *assigned those assigned; unshared 0 and 0. */
int sp_store_loaded(sp_store *s, int *assigned);

#endif
