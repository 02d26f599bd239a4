/* testenv.c - the C tests' shared set-up (see testenv.h). */
#include "testenv.h"

#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"

int tc_tempdir(char *dir, size_t len, const char *what)
{
    if ((size_t)snprintf(dir, len, "/tmp/%s-XXXXXX", what) >= len || !mkdtemp(dir)) {
        fprintf(stderr, "cannot make a temp dir for %s: %s\n", what, strerror(errno));
        return -1;
    }
    return 0;
}

static int failed_removals;

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    if (remove(path) != 0) {
        fprintf(stderr, "could not remove %s: %s\n", path, strerror(errno));
        failed_removals++;
    }
    return 0;                          /* go on: remove what can be */
}

int tc_rmtree(const char *dir)
{
    failed_removals = 0;
    if (nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS) != 0) {
        fprintf(stderr, "could not walk %s: %s\n", dir, strerror(errno));
        return -1;
    }
    return failed_removals ? -1 : 0;
}

void tc_unique_name(char *out, size_t len, const char *what)
{
    snprintf(out, len, "itest.%s.%d.%lld", what, (int)getpid(), sp_clock_wall_ms());
}

int tc_kafka_props(sp_kafka_props *props)
{
    const char *bootstrap = getenv("KAFKA_BOOTSTRAP");
    if (!bootstrap || !*bootstrap) {
        fprintf(stderr, "KAFKA_BOOTSTRAP is not set (run through ctest: tests/integration/run-with-stack.sh)\n");
        return -1;
    }
    sp_kafka_props_init(props);
    sp_kafka_props_set(props, "bootstrap.servers", bootstrap);
    return 0;
}

int tc_kafka_reader_props(sp_kafka_props *props)
{
    if (tc_kafka_props(props) != 0)
        return -1;
    sp_kafka_props_set(props, "enable.partition.eof", "true");
    return 0;
}

int tc_kafka_topics(const sp_kafka_props *props, int partitions, ...)
{
    va_list ap;
    va_start(ap, partitions);
    int rc = 0;
    for (const char *name; rc == 0 && (name = va_arg(ap, const char *));) {
        char err[512];
        if (sp_kafka_create_topic(props, name, partitions, NULL, 0, 15000, err, sizeof(err)) != 0) {
            fprintf(stderr, "cannot create topic %s: %s\n", name, err);
            rc = -1;
        }
    }
    va_end(ap);
    return rc;
}
