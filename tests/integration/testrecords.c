/* testrecords.c - spider-testrecords DIR TEMPLATE: writes the records the
 * robustness tests put on Kafka with kcat, one protobuf Record per file
 * (DIR/NAME.pb, its Kafka key in DIR/NAME.key), so a real client produces
 * them byte for byte:
 *   good-01 .. good-20  documents of index TEMPLATE-2025-11-22, ids
 *                       t#<i>.0#1763800000#1763800000, 3 KB of Cmd each
 *   marker              a snapshot begin marker (nothing to deliver)
 *   idless              a document without an id
 *   noindex             a document whose index is "" (an empty name)
 *   capital             a document of index TEMPLATE-UPPER-2025-11-22 in capitals
 *   alias               a document of index TEMPLATE-alias-2025-11-22 (the test
 *                       makes that name an alias, so the cluster refuses to create it)
 *   mapping             JobStatus as a string: the cluster's mapping refuses it
 *   big                 a document of 40 KB (over the test's --max-request-bytes)
 *   nodoc               an ADDED change event without its document
 * Garbage bytes and the empty record are written by the test itself. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"

static const char *dir, *tpl;

static void write_file(const char *name, const char *ext, const void *data, size_t len)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s.%s", dir, name, ext);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "spider-testrecords: cannot write %s\n", path);
        exit(1);
    }
}

static void write_record(const char *name, const char *key, const Spider__Record *r)
{
    sp_buf buf = { 0 };
    if (sp_record_pack(r, &buf) != 0) {
        fprintf(stderr, "spider-testrecords: cannot pack %s\n", name);
        exit(1);
    }
    write_file(name, "pb", buf.data, buf.len);
    write_file(name, "key", key, strlen(key));
    sp_buf_free(&buf);
}

/* A document: id (may be ""), index, JobStatus as given, Cmd of cmd_len bytes. */
static void write_doc(const char *name, int n, const char *id, const char *index, int status_as_string,
                      size_t cmd_len)
{
    char gj[64];
    snprintf(gj, sizeof(gj), "t#%d.0#1763800000", n);
    char *cmd = malloc(cmd_len + 1);
    memset(cmd, 'x', cmd_len);
    cmd[cmd_len] = '\0';
    Spider__Value v[4] = { SPIDER__VALUE__INIT, SPIDER__VALUE__INIT, SPIDER__VALUE__INIT, SPIDER__VALUE__INIT };
    Spider__Attribute a[4] = { SPIDER__ATTRIBUTE__INIT, SPIDER__ATTRIBUTE__INIT, SPIDER__ATTRIBUTE__INIT,
                               SPIDER__ATTRIBUTE__INIT };
    Spider__Attribute *attrs[4] = { &a[0], &a[1], &a[2], &a[3] };
    a[0].name = "JobStatus";
    if (status_as_string) {
        v[0].kind_case = SPIDER__VALUE__KIND_STRING_VALUE;
        v[0].string_value = "not-a-number";
    } else {
        v[0].kind_case = SPIDER__VALUE__KIND_INT_VALUE;
        v[0].int_value = 2;
    }
    a[1].name = "GlobalJobId";
    v[1].kind_case = SPIDER__VALUE__KIND_STRING_VALUE;
    v[1].string_value = gj;
    a[2].name = "RecordTime";
    v[2].kind_case = SPIDER__VALUE__KIND_INT_VALUE;
    v[2].int_value = 1763800000;
    a[3].name = "Cmd";
    v[3].kind_case = SPIDER__VALUE__KIND_STRING_VALUE;
    v[3].string_value = cmd;
    for (int i = 0; i < 4; i++)
        a[i].value = &v[i];
    Spider__Metadata md = SPIDER__METADATA__INIT;
    md.spider_git_hash = "itest";
    md.spider_source = SPIDER__SOURCE__CONDOR_HISTORY;
    Spider__Document d = SPIDER__DOCUMENT__INIT;
    d.id = (char *)id;
    d.index = (char *)index;
    d.global_job_id = gj;
    d.record_time = 1763800000;
    d.attributes = attrs;
    d.n_attributes = 4;
    d.metadata = &md;
    Spider__Record r = SPIDER__RECORD__INIT;
    r.kind_case = SPIDER__RECORD__KIND_DOCUMENT;
    r.document = &d;
    write_record(name, gj, &r);
    free(cmd);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: spider-testrecords DIR TEMPLATE\n");
        return 2;
    }
    dir = argv[1];
    tpl = argv[2];
    char index[256], id[128], name[32], upper[256];
    snprintf(index, sizeof(index), "%s-2025-11-22", tpl);
    for (int i = 1; i <= 20; i++) {
        snprintf(name, sizeof(name), "good-%02d", i);
        snprintf(id, sizeof(id), "t#%d.0#1763800000#1763800000", i);
        write_doc(name, i, id, index, 0, 3000);
    }
    write_doc("idless", 101, "", index, 0, 10);
    write_doc("noindex", 102, "t#102.0#1763800000#1763800000", "", 0, 10);
    snprintf(upper, sizeof(upper), "%s-UPPER-2025-11-22", tpl);
    write_doc("capital", 103, "t#103.0#1763800000#1763800000", upper, 0, 10);
    char alias[256];
    snprintf(alias, sizeof(alias), "%s-alias-2025-11-22", tpl);
    write_doc("alias", 104, "t#104.0#1763800000#1763800000", alias, 0, 10);
    write_doc("mapping", 105, "t#105.0#1763800000#1763800000", index, 1, 10);
    write_doc("big", 106, "t#106.0#1763800000#1763800000", index, 0, 40000);

    Spider__SnapshotBegin b = SPIDER__SNAPSHOT_BEGIN__INIT;
    b.schedd = "schedd1";
    b.snapshot_id = "s1";
    b.time_slot = 1763800000;
    Spider__Record r = SPIDER__RECORD__INIT;
    r.kind_case = SPIDER__RECORD__KIND_SNAPSHOT_BEGIN;
    r.snapshot_begin = &b;
    write_record("marker", "schedd1", &r);

    Spider__ChangeEvent ce = SPIDER__CHANGE_EVENT__INIT;
    ce.kind = SPIDER__CHANGE_EVENT__KIND__ADDED;
    ce.schedd = "schedd1";
    ce.global_job_id = "t#107.0#1763800000";
    Spider__Record rc = SPIDER__RECORD__INIT;
    rc.kind_case = SPIDER__RECORD__KIND_CHANGE;
    rc.change = &ce;
    write_record("nodoc", "t#107.0#1763800000", &rc);
    return 0;
}
