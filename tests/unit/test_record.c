/* test_record.c - proto/spider.proto round trips (every value type, empty and
 * huge values, every record kind) and the snapshot checksum. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "record.h"

/* Builders over caller-provided storage: test records live on the stack. */
static void v_int(Spider__Value *v, int64_t x)
{
    spider__value__init(v);
    v->kind_case = SPIDER__VALUE__KIND_INT_VALUE;
    v->int_value = x;
}

static void v_double(Spider__Value *v, double x)
{
    spider__value__init(v);
    v->kind_case = SPIDER__VALUE__KIND_DOUBLE_VALUE;
    v->double_value = x;
}

static void v_string(Spider__Value *v, char *s)
{
    spider__value__init(v);
    v->kind_case = SPIDER__VALUE__KIND_STRING_VALUE;
    v->string_value = s;
}

static void v_bool(Spider__Value *v, protobuf_c_boolean b)
{
    spider__value__init(v);
    v->kind_case = SPIDER__VALUE__KIND_BOOL_VALUE;
    v->bool_value = b;
}

static void v_null(Spider__Value *v)
{
    spider__value__init(v);
    v->kind_case = SPIDER__VALUE__KIND_NULL_VALUE;
    v->null_value = SPIDER__VALUE__NULL__NULL_VALUE;
}

static void attr(Spider__Attribute *a, char *name, Spider__Value *v)
{
    spider__attribute__init(a);
    a->name = name;
    a->value = v;
}

static Spider__Record *roundtrip(const Spider__Record *rec)
{
    sp_buf buf = {0};
    assert_int_equal(sp_record_pack(rec, &buf), 0);
    assert_true(buf.len > 0);
    Spider__Record *back = sp_record_unpack(buf.data, buf.len);
    assert_non_null(back);
    /* Re-packing what was read gives the same bytes. */
    sp_buf again = {0};
    assert_int_equal(sp_record_pack(back, &again), 0);
    assert_int_equal(again.len, buf.len);
    assert_memory_equal(again.data, buf.data, buf.len);
    sp_buf_free(&buf);
    sp_buf_free(&again);
    return back;
}

static void test_document_every_value_type(void **state)
{
    (void)state;
    Spider__Value vi, vmin, vd, vnan, vinf, vs, vempty, vutf, vb, vn, vlist, vmap, li[3], inner;
    v_int(&vi, 42);
    v_int(&vmin, INT64_MIN);
    v_double(&vd, -0.125);
    v_double(&vnan, NAN);
    v_double(&vinf, -INFINITY);
    v_string(&vs, "T2_CH_CERN");
    v_string(&vempty, "");
    v_string(&vutf, "caf\xc3\xa9 \xe2\x9c\x93");
    v_bool(&vb, 1);
    v_null(&vn);
    /* list [1, "x", [ ]] */
    Spider__Value *items[3] = { &li[0], &li[1], &li[2] };
    v_int(&li[0], 1);
    v_string(&li[1], "x");
    Spider__ValueList empty_list = SPIDER__VALUE_LIST__INIT;
    spider__value__init(&li[2]);
    li[2].kind_case = SPIDER__VALUE__KIND_LIST_VALUE;
    li[2].list_value = &empty_list;
    Spider__ValueList list = SPIDER__VALUE_LIST__INIT;
    list.n_values = 3;
    list.values = items;
    spider__value__init(&vlist);
    vlist.kind_case = SPIDER__VALUE__KIND_LIST_VALUE;
    vlist.list_value = &list;
    /* nested map {"Inner": 7} */
    Spider__Attribute inner_attr, *inner_attrs[1] = { &inner_attr };
    v_int(&inner, 7);
    attr(&inner_attr, "Inner", &inner);
    Spider__AttributeMap map = SPIDER__ATTRIBUTE_MAP__INIT;
    map.n_attributes = 1;
    map.attributes = inner_attrs;
    spider__value__init(&vmap);
    vmap.kind_case = SPIDER__VALUE__KIND_MAP_VALUE;
    vmap.map_value = &map;

    Spider__Value *vals[] = { &vi, &vmin, &vd, &vnan, &vinf, &vs, &vempty, &vutf, &vb, &vn, &vlist, &vmap };
    char *names[] = { "ExitCode", "Min", "Neg", "NaN", "Inf", "Site", "Empty", "Utf", "Bool", "Undefined",
                      "List", "Map" };
    enum { N = sizeof(vals) / sizeof(vals[0]) };
    Spider__Attribute attrs[N], *attrp[N];
    for (int i = 0; i < N; i++) {
        attr(&attrs[i], names[i], vals[i]);
        attrp[i] = &attrs[i];
    }
    Spider__Metadata md = SPIDER__METADATA__INIT;
    md.spider_git_hash = "0123abcd";
    md.spider_hostname = "collector-1";
    md.spider_runtime = 1763800000123;
    md.spider_source = SPIDER__SOURCE__CONDOR_HISTORY;
    Spider__Document doc = SPIDER__DOCUMENT__INIT;
    doc.id = "vocms01#123.0#1700000000#1700000100";
    doc.index = "cms-2026-11-22";
    doc.record_time = 1700000100;
    doc.n_attributes = N;
    doc.attributes = attrp;
    doc.metadata = &md;
    Spider__Record rec = SPIDER__RECORD__INIT;
    rec.kind_case = SPIDER__RECORD__KIND_DOCUMENT;
    rec.document = &doc;

    Spider__Record *back = roundtrip(&rec);
    assert_int_equal(back->kind_case, SPIDER__RECORD__KIND_DOCUMENT);
    Spider__Document *d = back->document;
    assert_string_equal(d->id, doc.id);
    assert_int_equal(d->record_time, 1700000100);
    assert_string_equal(d->metadata->spider_git_hash, "0123abcd");
    assert_int_equal(d->metadata->spider_runtime, 1763800000123);
    assert_string_equal(sp_record_source_name(d->metadata->spider_source), "condor_history");
    assert_int_equal(d->n_attributes, N);
    for (int i = 0; i < N; i++) {
        assert_string_equal(d->attributes[i]->name, names[i]);
        assert_int_equal(d->attributes[i]->value->kind_case, vals[i]->kind_case);
    }
    assert_int_equal(d->attributes[1]->value->int_value, INT64_MIN);
    assert_true(d->attributes[2]->value->double_value == -0.125);
    assert_true(isnan(d->attributes[3]->value->double_value));
    assert_true(isinf(d->attributes[4]->value->double_value));
    assert_string_equal(d->attributes[6]->value->string_value, "");
    assert_string_equal(d->attributes[7]->value->string_value, "caf\xc3\xa9 \xe2\x9c\x93");
    assert_true(d->attributes[8]->value->bool_value);
    Spider__ValueList *l = d->attributes[10]->value->list_value;
    assert_int_equal(l->n_values, 3);
    assert_string_equal(l->values[1]->string_value, "x");
    assert_int_equal(l->values[2]->kind_case, SPIDER__VALUE__KIND_LIST_VALUE);
    assert_int_equal(l->values[2]->list_value->n_values, 0);
    assert_int_equal(d->attributes[11]->value->map_value->attributes[0]->value->int_value, 7);
    spider__record__free_unpacked(back, NULL);
}

static void test_empty_and_huge(void **state)
{
    (void)state;
    Spider__Record rec = SPIDER__RECORD__INIT;
    rec.kind_case = SPIDER__RECORD__KIND_DOCUMENT;
    Spider__Document doc = SPIDER__DOCUMENT__INIT;
    rec.document = &doc;
    Spider__Record *back = roundtrip(&rec);
    assert_string_equal(back->document->id, "");
    assert_int_equal(back->document->n_attributes, 0);
    assert_null(back->document->metadata);
    spider__record__free_unpacked(back, NULL);

    size_t big = 20u << 20;     /* a 20 MiB attribute value */
    char *s = malloc(big + 1);
    assert_non_null(s);
    for (size_t i = 0; i < big; i++)
        s[i] = (char)('a' + i % 26);
    s[big] = '\0';
    Spider__Value v;
    v_string(&v, s);
    Spider__Attribute a, *ap = &a;
    attr(&a, "Huge", &v);
    doc.n_attributes = 1;
    doc.attributes = &ap;
    back = roundtrip(&rec);
    assert_int_equal(strlen(back->document->attributes[0]->value->string_value), big);
    assert_memory_equal(back->document->attributes[0]->value->string_value, s, big);
    spider__record__free_unpacked(back, NULL);
    free(s);
}

static void test_markers_change_report_alert(void **state)
{
    (void)state;
    Spider__SnapshotEnd end = SPIDER__SNAPSHOT_END__INIT;
    end.schedd = "crab3@vocms0155.cern.ch";
    end.snapshot_id = "s-1";
    end.count = 2;
    end.checksum = sp_record_checksum_add(sp_record_checksum_add(0, "a", 1), "b", 1);
    Spider__Record rec = SPIDER__RECORD__INIT;
    rec.kind_case = SPIDER__RECORD__KIND_SNAPSHOT_END;
    rec.snapshot_end = &end;
    Spider__Record *back = roundtrip(&rec);
    assert_int_equal(back->snapshot_end->count, 2);
    assert_true(back->snapshot_end->checksum == end.checksum);
    spider__record__free_unpacked(back, NULL);

    Spider__SnapshotBegin begin = SPIDER__SNAPSHOT_BEGIN__INIT;
    begin.schedd = "s";
    begin.snapshot_id = "s-2";
    begin.time_slot = 1763800000;
    rec.kind_case = SPIDER__RECORD__KIND_SNAPSHOT_BEGIN;
    rec.snapshot_begin = &begin;
    back = roundtrip(&rec);
    assert_int_equal(back->snapshot_begin->time_slot, 1763800000);
    spider__record__free_unpacked(back, NULL);

    Spider__ChangeEvent ch = SPIDER__CHANGE_EVENT__INIT;
    char *fields[] = { "Status", "RemoteWallClockTime" };
    Spider__Document doc = SPIDER__DOCUMENT__INIT;
    doc.id = "j#1";
    ch.kind = SPIDER__CHANGE_EVENT__KIND__CHANGED;
    ch.n_changed_fields = 2;
    ch.changed_fields = fields;
    ch.previous_status = "Idle";
    ch.document = &doc;
    rec.kind_case = SPIDER__RECORD__KIND_CHANGE;
    rec.change = &ch;
    back = roundtrip(&rec);
    assert_int_equal(back->change->kind, SPIDER__CHANGE_EVENT__KIND__CHANGED);
    assert_string_equal(back->change->changed_fields[1], "RemoteWallClockTime");
    assert_string_equal(back->change->document->id, "j#1");
    spider__record__free_unpacked(back, NULL);

    /* DiffReport and Alert are top-level messages of their own. */
    Spider__FieldMismatch__Example ex = SPIDER__FIELD_MISMATCH__EXAMPLE__INIT, *exp = &ex;
    ex.id = "j#1";
    ex.left = "1";
    ex.right = "2";
    Spider__FieldMismatch fm = SPIDER__FIELD_MISMATCH__INIT, *fmp = &fm;
    fm.field = "CpuEff";
    fm.count = 35;
    fm.n_examples = 1;
    fm.examples = &exp;
    Spider__DiffReport rep = SPIDER__DIFF_REPORT__INIT;
    rep.left_count = 8788;
    rep.right_count = 8791;
    rep.n_mismatches = 1;
    rep.mismatches = &fmp;
    rep.min_match = 0.995;
    size_t n = spider__diff_report__get_packed_size(&rep);
    uint8_t *bytes = malloc(n);
    spider__diff_report__pack(&rep, bytes);
    Spider__DiffReport *r2 = spider__diff_report__unpack(NULL, n, bytes);
    assert_non_null(r2);
    assert_int_equal(r2->right_count, 8791);
    assert_int_equal(r2->mismatches[0]->count, 35);
    assert_string_equal(r2->mismatches[0]->examples[0]->right, "2");
    assert_true(r2->min_match == 0.995);
    spider__diff_report__free_unpacked(r2, NULL);
    free(bytes);
}

static void test_garbage_rejected(void **state)
{
    (void)state;
    static const uint8_t junk[] = { 0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01 };
    assert_null(sp_record_unpack(junk, sizeof(junk)));
    static const uint8_t truncated[] = { 0x0a, 0x05, 0x0a, 0x03, 'a' };
    assert_null(sp_record_unpack(truncated, sizeof(truncated)));
}

static void test_checksum_order_independent(void **state)
{
    (void)state;
    /* Known FNV-1a 64 vectors. */
    assert_true(sp_hash_fnv1a64("", 0) == 0xcbf29ce484222325ULL);
    assert_true(sp_hash_fnv1a64("a", 1) == 0xaf63dc4c8601ec8cULL);
    uint64_t ab = sp_record_checksum_add(sp_record_checksum_add(0, "a", 1), "b", 1);
    uint64_t ba = sp_record_checksum_add(sp_record_checksum_add(0, "b", 1), "a", 1);
    assert_true(ab == ba);
    assert_true(ab != sp_record_checksum_add(0, "a", 1));
    assert_int_equal(sp_record_source_parse("condor_queue"), SPIDER__SOURCE__CONDOR_QUEUE);
    assert_int_equal(sp_record_source_parse("bogus"), SPIDER__SOURCE__SOURCE_UNSPECIFIED);
    assert_null(sp_record_source_name(SPIDER__SOURCE__SOURCE_UNSPECIFIED));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_document_every_value_type),
        cmocka_unit_test(test_empty_and_huge),
        cmocka_unit_test(test_markers_change_report_alert),
        cmocka_unit_test(test_garbage_rejected),
        cmocka_unit_test(test_checksum_order_independent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
