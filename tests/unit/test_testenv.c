/* test_testenv.c - the C tests' shared set-up (tests/common/testenv.h):
 * tc_rmtree removes a whole tree depth first and follows no link out of
 * it, temp dirs and names are unique, and the Kafka properties come from
 * KAFKA_BOOTSTRAP or fail loudly without it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "testenv.h"

static void touch(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("x\n", f);
    fclose(f);
}

static int exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

static void test_rmtree_removes_the_tree_and_follows_no_link(void **state)
{
    (void)state;
    char tree[128], outside[128], path[512];
    assert_int_equal(tc_tempdir(tree, sizeof(tree), "test-testenv-tree"), 0);
    assert_int_equal(tc_tempdir(outside, sizeof(outside), "test-testenv-outside"), 0);
    assert_string_not_equal(tree, outside);
    touch(outside, "keep");
    snprintf(path, sizeof(path), "%s/a", tree);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof(path), "%s/a/b", tree);
    assert_int_equal(mkdir(path, 0700), 0);
    touch(path, "deep file");
    touch(tree, "top; rm -rf nothing");           /* a name a shell would misread */
    snprintf(path, sizeof(path), "%s/a/link", tree);
    assert_int_equal(symlink(outside, path), 0);

    assert_int_equal(tc_rmtree(tree), 0);
    assert_false(exists(tree));
    snprintf(path, sizeof(path), "%s/keep", outside);
    assert_true(exists(path));                    /* the link's target is left alone */
    assert_int_equal(tc_rmtree(outside), 0);
    assert_false(exists(outside));
    assert_int_equal(tc_rmtree(outside), -1);     /* nothing there: an error, said */
}

static void test_unique_names(void **state)
{
    (void)state;
    char a[96], b[96], want[64];
    tc_unique_name(a, sizeof(a), "what");
    usleep(2000);
    tc_unique_name(b, sizeof(b), "what");
    snprintf(want, sizeof(want), "itest.what.%d.", (int)getpid());
    assert_memory_equal(a, want, strlen(want));
    assert_string_not_equal(a, b);
}

static void test_kafka_props_come_from_the_environment(void **state)
{
    (void)state;
    sp_kafka_props p;
    unsetenv("KAFKA_BOOTSTRAP");
    assert_int_equal(tc_kafka_props(&p), -1);
    setenv("KAFKA_BOOTSTRAP", "127.0.0.1:1", 1);
    assert_int_equal(tc_kafka_reader_props(&p), 0);
    assert_string_equal(sp_kafka_props_get(&p, "bootstrap.servers"), "127.0.0.1:1");
    assert_string_equal(sp_kafka_props_get(&p, "enable.partition.eof"), "true");
    sp_kafka_props_free(&p);
    assert_int_equal(tc_kafka_props(&p), 0);
    assert_null(sp_kafka_props_get(&p, "enable.partition.eof"));
    sp_kafka_props_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rmtree_removes_the_tree_and_follows_no_link),
        cmocka_unit_test(test_unique_names),
        cmocka_unit_test(test_kafka_props_come_from_the_environment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
