/* testenv.h - the set-up the C tests share: temp dirs (removed with nftw,
 * never through a shell), unique names for topics and groups, and the Kafka
 * properties and topics of the integration tests, which talk to the local
 * stack's real Kafka (KAFKA_BOOTSTRAP, set by run-with-stack.sh).
 *
 * Linked into every unit and integration test (library spider-testcommon);
 * prefix tc_. Nothing here allocates but what sp_kafka_props owns. */
#ifndef SPIDER_TESTENV_H
#define SPIDER_TESTENV_H

#include <stddef.h>

#include "kafka.h"

/* A new directory /tmp/<what>-XXXXXX, its path into dir. 0, or -1 with a
 * message on stderr. */
int tc_tempdir(char *dir, size_t len, const char *what);
/* Removes dir and everything below it, depth first, following no link.
 * 0, or -1 with a message on stderr (what could be removed is). */
int tc_rmtree(const char *dir);

/* "itest.<what>.<pid>.<epoch ms>": a prefix no other run uses. */
void tc_unique_name(char *out, size_t len, const char *what);

/* props initialised with bootstrap.servers = $KAFKA_BOOTSTRAP. 0, or -1
 * with a message on stderr when it is not set (not run through ctest). The
 * caller frees with sp_kafka_props_free. */
int tc_kafka_props(sp_kafka_props *props);
/* The same for reading a topic back to its end: enable.partition.eof. */
int tc_kafka_reader_props(sp_kafka_props *props);
/* Creates every topic named after partitions (a NULL-terminated list),
 * each with that many partitions. 0, or -1 with a message on stderr. */
int tc_kafka_topics(const sp_kafka_props *props, int partitions, ...);

#endif
