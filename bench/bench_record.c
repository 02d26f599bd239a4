/* bench_record.c - the wire format: pack+unpack of a CMS-sized job document
 * as a protobuf Record (our Kafka payload) against json_dumps+json_loads of
 * the same document with jansson (the baseline), in one run.
 * Prints one line per format and the ratio. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>

#include "record.h"

#define NATTR 160

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A document shaped like a CMS job ad: a third ints, a third strings, the
 * rest doubles and booleans, names of ClassAd length. */
static void build(Spider__Document *doc, Spider__Attribute *attrs, Spider__Attribute **ap,
                  Spider__Value *vals, char names[][32], char strs[][48], json_t *obj)
{
    for (int i = 0; i < NATTR; i++) {
        snprintf(names[i], 32, "CMS_Attribute_%03d", i);
        spider__value__init(&vals[i]);
        switch (i % 6) {
        case 0: case 1:
            vals[i].kind_case = SPIDER__VALUE__KIND_INT_VALUE;
            vals[i].int_value = 1763800000LL + i;
            json_object_set_new(obj, names[i], json_integer(vals[i].int_value));
            break;
        case 2: case 3:
            snprintf(strs[i], 48, "T2_CH_CERN/vocms%04d.cern.ch#%d", i, i * 7);
            vals[i].kind_case = SPIDER__VALUE__KIND_STRING_VALUE;
            vals[i].string_value = strs[i];
            json_object_set_new(obj, names[i], json_string(strs[i]));
            break;
        case 4:
            vals[i].kind_case = SPIDER__VALUE__KIND_DOUBLE_VALUE;
            vals[i].double_value = i * 0.731;
            json_object_set_new(obj, names[i], json_real(vals[i].double_value));
            break;
        default:
            vals[i].kind_case = SPIDER__VALUE__KIND_BOOL_VALUE;
            vals[i].bool_value = i & 1;
            json_object_set_new(obj, names[i], json_boolean(i & 1));
        }
        spider__attribute__init(&attrs[i]);
        attrs[i].name = names[i];
        attrs[i].value = &vals[i];
        ap[i] = &attrs[i];
    }
    doc->id = "vocms0155.cern.ch#1234567.0#1763800000#1763800100";
    doc->n_attributes = NATTR;
    doc->attributes = ap;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 20000;
    static Spider__Attribute attrs[NATTR], *ap[NATTR];
    static Spider__Value vals[NATTR];
    static char names[NATTR][32], strs[NATTR][48];
    Spider__Document doc = SPIDER__DOCUMENT__INIT;
    json_t *obj = json_object();
    build(&doc, attrs, ap, vals, names, strs, obj);
    Spider__Record rec = SPIDER__RECORD__INIT;
    rec.kind_case = SPIDER__RECORD__KIND_DOCUMENT;
    rec.document = &doc;

    sp_buf buf = {0};
    size_t pb_bytes = 0, json_bytes = 0;
    double t0 = now();
    for (int i = 0; i < n; i++)
        if (sp_record_pack(&rec, &buf) != 0)
            return 1;
    double pack_only = now() - t0;

    t0 = now();
    for (int i = 0; i < n; i++) {
        if (sp_record_pack(&rec, &buf) != 0)
            return 1;
        Spider__Record *back = sp_record_unpack(buf.data, buf.len);
        if (!back || back->document->n_attributes != NATTR)
            return 1;
        pb_bytes = buf.len;
        spider__record__free_unpacked(back, NULL);
    }
    double pb = now() - t0;

    t0 = now();
    for (int i = 0; i < n; i++) {
        char *s = json_dumps(obj, JSON_COMPACT);
        json_t *back = json_loads(s, 0, NULL);
        if (!back || json_object_size(back) != NATTR)
            return 1;
        json_bytes = strlen(s);
        json_decref(back);
        free(s);
    }
    double js = now() - t0;

    printf("bench_record: %d documents of %d attributes\n", n, NATTR);
    printf("  protobuf  pack only:   %9.0f docs/s  (what the collector does)\n", n / pack_only);
    printf("  protobuf  pack+unpack: %9.0f docs/s  (%zu bytes/doc)\n", n / pb, pb_bytes);
    printf("  jansson   dump+load:   %9.0f docs/s  (%zu bytes/doc)\n", n / js, json_bytes);
    printf("  ratio protobuf/jansson: %.1fx\n", js / pb);
    sp_buf_free(&buf);
    json_decref(obj);
    return 0;
}
