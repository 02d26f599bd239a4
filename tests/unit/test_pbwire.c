/* test_pbwire.c - lib/pbwire.h against protobuf-c: every named field number
 * is the one protoc-c generated from proto/spider.proto, varints are the
 * bytes protobuf-c writes, and the in-place reader walks what it packs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pbwire.h"
#include "record.h"

typedef struct {
    const ProtobufCMessageDescriptor *msg;
    const char *field;
    unsigned number;
} named_field;

static const named_field FIELDS[] = {
    { &spider__value__descriptor, "null_value", SP_PB_VALUE_NULL_VALUE },
    { &spider__value__descriptor, "int_value", SP_PB_VALUE_INT_VALUE },
    { &spider__value__descriptor, "double_value", SP_PB_VALUE_DOUBLE_VALUE },
    { &spider__value__descriptor, "bool_value", SP_PB_VALUE_BOOL_VALUE },
    { &spider__value__descriptor, "string_value", SP_PB_VALUE_STRING_VALUE },
    { &spider__value__descriptor, "list_value", SP_PB_VALUE_LIST_VALUE },
    { &spider__value__descriptor, "map_value", SP_PB_VALUE_MAP_VALUE },
    { &spider__value_list__descriptor, "values", SP_PB_VALUELIST_VALUES },
    { &spider__attribute__descriptor, "name", SP_PB_ATTRIBUTE_NAME },
    { &spider__attribute__descriptor, "value", SP_PB_ATTRIBUTE_VALUE },
    { &spider__attribute_map__descriptor, "attributes", SP_PB_ATTRIBUTEMAP_ATTRIBUTES },
    { &spider__metadata__descriptor, "spider_git_hash", SP_PB_METADATA_SPIDER_GIT_HASH },
    { &spider__metadata__descriptor, "spider_hostname", SP_PB_METADATA_SPIDER_HOSTNAME },
    { &spider__metadata__descriptor, "spider_runtime", SP_PB_METADATA_SPIDER_RUNTIME },
    { &spider__metadata__descriptor, "spider_source", SP_PB_METADATA_SPIDER_SOURCE },
    { &spider__metadata__descriptor, "publisher_git_hash", SP_PB_METADATA_PUBLISHER_GIT_HASH },
    { &spider__document__descriptor, "id", SP_PB_DOCUMENT_ID },
    { &spider__document__descriptor, "index", SP_PB_DOCUMENT_INDEX },
    { &spider__document__descriptor, "schedd", SP_PB_DOCUMENT_SCHEDD },
    { &spider__document__descriptor, "global_job_id", SP_PB_DOCUMENT_GLOBAL_JOB_ID },
    { &spider__document__descriptor, "record_time", SP_PB_DOCUMENT_RECORD_TIME },
    { &spider__document__descriptor, "attributes", SP_PB_DOCUMENT_ATTRIBUTES },
    { &spider__document__descriptor, "metadata", SP_PB_DOCUMENT_METADATA },
    { &spider__document__descriptor, "snapshot_id", SP_PB_DOCUMENT_SNAPSHOT_ID },
    { &spider__change_event__descriptor, "document", SP_PB_CHANGEEVENT_DOCUMENT },
    { &spider__record__descriptor, "document", SP_PB_RECORD_DOCUMENT },
    { &spider__record__descriptor, "snapshot_begin", SP_PB_RECORD_SNAPSHOT_BEGIN },
    { &spider__record__descriptor, "snapshot_end", SP_PB_RECORD_SNAPSHOT_END },
    { &spider__record__descriptor, "change", SP_PB_RECORD_CHANGE },
};

static void test_field_numbers_are_the_protos(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(FIELDS) / sizeof(FIELDS[0]); i++) {
        const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(FIELDS[i].msg,
                                                                                          FIELDS[i].field);
        if (!f)
            fail_msg("%s has no field %s", FIELDS[i].msg->name, FIELDS[i].field);
        if (f->id != FIELDS[i].number)
            fail_msg("%s.%s is %u in spider.proto, %u in pbwire.h", FIELDS[i].msg->name, FIELDS[i].field, f->id,
                     FIELDS[i].number);
    }
    unsigned last = 0;
    for (unsigned i = 0; i < spider__document__descriptor.n_fields; i++)
        if (spider__document__descriptor.fields[i].id > last)
            last = spider__document__descriptor.fields[i].id;
    assert_int_equal(last, SP_PB_DOCUMENT_LAST_FIELD);
}

static const uint64_t VALUES[] = { 0, 1, 127, 128, 255, 300, 16383, 16384, 1ull << 32, (1ull << 63) - 1,
                                   1ull << 63, UINT64_MAX };

/* SnapshotEnd{count = v} packed by protobuf-c is key 0x20 then v's varint. */
static void test_varint_bytes_are_protobuf_cs(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(VALUES) / sizeof(VALUES[0]); i++) {
        uint64_t v = VALUES[i];
        Spider__SnapshotEnd e = SPIDER__SNAPSHOT_END__INIT;
        e.count = v;
        uint8_t want[16], got[16];
        size_t n = spider__snapshot_end__pack(&e, want);
        uint8_t *end = got;                  /* proto3 leaves out a count of 0 */
        if (v) {
            end = sp_pb_put_varint(end, SP_PB_KEY_VARINT(4));
            end = sp_pb_put_varint(end, v);
            assert_int_equal(sp_pb_varint_len(v), n - 1);
        }
        assert_int_equal((size_t)(end - got), n);
        assert_memory_equal(got, want, n);

        sp_pb_reader r = { want, want + n };
        unsigned key = 0;
        uint64_t back = 0;
        const uint8_t *bytes;
        size_t len;
        if (v) {
            assert_int_equal(sp_pb_next_field(&r, &key, &back, &bytes, &len), 1);
            assert_int_equal(key, SP_PB_KEY_VARINT(4));
            assert_true(back == v);
        }
        assert_int_equal(sp_pb_next_field(&r, &key, &back, &bytes, &len), 0);
    }
}

static void test_malformed_varints_are_refused(void **state)
{
    (void)state;
    const uint8_t truncated[] = { 0x80, 0x80 };
    sp_pb_reader r = { truncated, truncated + sizeof(truncated) };
    uint64_t v;
    assert_int_equal(sp_pb_read_varint(&r, &v), -1);
    uint8_t eleven[11];
    memset(eleven, 0xff, sizeof(eleven));
    eleven[10] = 0x01;
    r = (sp_pb_reader){ eleven, eleven + sizeof(eleven) };
    assert_int_equal(sp_pb_read_varint(&r, &v), -1);
    /* a length past the end, and wire types 3, 4, 6, 7 */
    const uint8_t too_long[] = { SP_PB_KEY_LEN(1), 5, 'a', 'b' };
    const uint8_t *bytes;
    size_t len;
    unsigned key;
    r = (sp_pb_reader){ too_long, too_long + sizeof(too_long) };
    assert_int_equal(sp_pb_next_field(&r, &key, &v, &bytes, &len), -1);
    for (unsigned t = 3; t <= 7; t++) {
        if (t == SP_PB_I32)
            continue;
        uint8_t group[] = { (uint8_t)SP_PB_KEY(1, t), 0 };
        r = (sp_pb_reader){ group, group + sizeof(group) };
        assert_int_equal(sp_pb_next_field(&r, &key, &v, &bytes, &len), -1);
    }
}

/* The reader walks a Document protobuf-c packs, every field where it is. */
static void test_reader_walks_a_packed_document(void **state)
{
    (void)state;
    Spider__Metadata md = SPIDER__METADATA__INIT;
    md.spider_hostname = "host";
    md.spider_runtime = 1700000000123;
    Spider__Document d = SPIDER__DOCUMENT__INIT;
    d.id = "schedd#1.0#1700000000";
    d.global_job_id = "schedd#1.0";
    d.record_time = 1700000000;
    d.metadata = &md;
    d.snapshot_id = "s1";
    Spider__Record rec = SPIDER__RECORD__INIT;
    rec.kind_case = SPIDER__RECORD__KIND_DOCUMENT;
    rec.document = &d;
    sp_buf buf = { 0 };
    assert_int_equal(sp_record_pack(&rec, &buf), 0);

    sp_pb_reader r = { buf.data, buf.data + buf.len };
    unsigned key;
    uint64_t v;
    const uint8_t *doc, *b;
    size_t doclen, len;
    assert_int_equal(sp_pb_next_field(&r, &key, &v, &doc, &doclen), 1);
    assert_int_equal(key, SP_PB_KEY_LEN(SP_PB_RECORD_DOCUMENT));
    assert_int_equal(sp_pb_next_field(&r, &key, &v, &b, &len), 0);

    r = (sp_pb_reader){ doc, doc + doclen };
    int seen = 0;
    while (sp_pb_next_field(&r, &key, &v, &b, &len) == 1) {
        switch (key) {
        case SP_PB_KEY_LEN(SP_PB_DOCUMENT_ID):
            assert_int_equal(len, strlen(d.id));
            assert_memory_equal(b, d.id, len);
            seen |= 1;
            break;
        case SP_PB_KEY_LEN(SP_PB_DOCUMENT_GLOBAL_JOB_ID):
            assert_memory_equal(b, d.global_job_id, len);
            seen |= 2;
            break;
        case SP_PB_KEY_VARINT(SP_PB_DOCUMENT_RECORD_TIME):
            assert_true(v == 1700000000);
            seen |= 4;
            break;
        case SP_PB_KEY_LEN(SP_PB_DOCUMENT_METADATA): {
            sp_pb_reader m = { b, b + len };
            unsigned mk;
            uint64_t mv;
            const uint8_t *mb;
            size_t ml;
            while (sp_pb_next_field(&m, &mk, &mv, &mb, &ml) == 1)
                if (mk == SP_PB_KEY_VARINT(SP_PB_METADATA_SPIDER_RUNTIME)) {
                    assert_true(mv == 1700000000123ull);
                    seen |= 8;
                }
            break;
        }
        case SP_PB_KEY_LEN(SP_PB_DOCUMENT_SNAPSHOT_ID):
            assert_memory_equal(b, "s1", 2);
            seen |= 16;
            break;
        default:
            fail_msg("unexpected key %u", key);
        }
    }
    assert_int_equal(seen, 31);
    sp_buf_free(&buf);
}

/* Varints through a buffer and through a file, back again. */
static void test_buffer_and_file_varints_round_trip(void **state)
{
    (void)state;
    sp_buf buf = { 0 };
    FILE *f = tmpfile();
    assert_non_null(f);
    size_t n = sizeof(VALUES) / sizeof(VALUES[0]);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(sp_pb_buf_put_varint(&buf, VALUES[i]), 0);
        assert_int_equal(sp_pb_file_put_varint(f, VALUES[i]), 0);
    }
    assert_int_equal(ftell(f), (long)buf.len);
    rewind(f);
    sp_pb_reader r = { buf.data, buf.data + buf.len };
    for (size_t i = 0; i < n; i++) {
        uint64_t a = 0, b = 0;
        assert_int_equal(sp_pb_read_varint(&r, &a), 0);
        assert_int_equal(sp_pb_file_read_varint(f, &b), 1);
        assert_true(a == VALUES[i]);
        assert_true(b == VALUES[i]);
    }
    uint64_t v;
    assert_int_equal(sp_pb_file_read_varint(f, &v), 0);       /* a clean end */
    fclose(f);
    f = tmpfile();
    assert_non_null(f);
    fputc(0x80, f);                                           /* a varint cut short */
    rewind(f);
    assert_int_equal(sp_pb_file_read_varint(f, &v), -1);
    fclose(f);
    sp_buf_free(&buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_field_numbers_are_the_protos),
        cmocka_unit_test(test_varint_bytes_are_protobuf_cs),
        cmocka_unit_test(test_malformed_varints_are_refused),
        cmocka_unit_test(test_reader_walks_a_packed_document),
        cmocka_unit_test(test_buffer_and_file_varints_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
