/* bulkfiles.c - the baseline's input for bench/publisher.sh: reads every
 * document of a Kafka topic and writes the _bulk bodies the publisher would
 * send for them (same JSON, same metadata.publisher_git_hash, same batch
 * size), under another index prefix, as files DIR/bulk-NNNNN.ndjson. Also
 * writes DIR/mapping.json (the index body the publisher creates indices
 * with) and DIR/indices (one index name per line).
 *
 *   bench-bulkfiles BROKERS TOPIC FROM_PREFIX TO_PREFIX DIR [BATCH]
 *
 * Reads until the topic has been idle for 5 s. Prints the document count. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bulk.h"
#include "docjson.h"
#include "kafka.h"
#include "mapping.h"
#include "version.h"

static char indices[64][256];
static size_t nindices;

static void remember(const char *index)
{
    for (size_t i = 0; i < nindices; i++)
        if (!strcmp(indices[i], index))
            return;
    if (nindices < 64)
        snprintf(indices[nindices++], sizeof(indices[0]), "%s", index);
}

static int flush(const char *dir, int *nfile, sp_bulk *b)
{
    if (!b->items)
        return 0;
    char path[4096];
    snprintf(path, sizeof(path), "%s/bulk-%05d.ndjson", dir, (*nfile)++);
    FILE *f = fopen(path, "w");
    if (!f || fwrite(b->buf.data, 1, b->buf.len, f) != b->buf.len || fclose(f) != 0) {
        perror(path);
        return -1;
    }
    sp_bulk_reset(b);
    return 0;
}

static int write_text(const char *dir, const char *name, const char *text)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        perror(path);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: bench-bulkfiles BROKERS TOPIC FROM_PREFIX TO_PREFIX DIR [BATCH]\n");
        return 2;
    }
    const char *topic = argv[2], *from = argv[3], *to = argv[4], *dir = argv[5];
    size_t batch = argc > 6 ? (size_t)atoi(argv[6]) : 1000, from_len = strlen(from);
    char err[512], group[256];
    sp_kafka_props props;
    sp_kafka_props_init(&props);
    sp_kafka_props_set(&props, "bootstrap.servers", argv[1]);
    snprintf(group, sizeof(group), "bench-bulkfiles-%ld", (long)time(NULL));
    const char *topics[] = { topic };
    sp_kafka_consumer *c = sp_kafka_consumer_new(&props, group, topics, 1, NULL, NULL, err, sizeof(err));
    if (!c) {
        fprintf(stderr, "bench-bulkfiles: %s\n", err);
        return 1;
    }
    sp_bulk b;
    sp_bulk_init(&b);
    sp_buf json = { 0 };
    sp_docjson_opts o = { NULL, sp_version_git_hash() };
    long long docs = 0;
    int nfile = 0, idle = 0, rc = 0;
    while (rc == 0 && idle < (docs ? 50 : 600)) {            /* 5 s idle once started, 60 s before */
        rd_kafka_message_t *m = sp_kafka_consume(c, 100);
        if (!m || m->err) {
            idle++;
            if (m)
                rd_kafka_message_destroy(m);
            continue;
        }
        idle = 0;
        Spider__Record *r = sp_record_unpack(m->payload, m->len);
        const Spider__Document *d = r && r->kind_case == SPIDER__RECORD__KIND_DOCUMENT ? r->document : NULL;
        if (d && !strncmp(d->index, from, from_len)) {
            char index[256];
            snprintf(index, sizeof(index), "%s%s", to, d->index + from_len);
            remember(index);
            json.len = 0;
            sp_docjson_write(&json, d, &o);
            sp_bulk_index(&b, index, d->id, (const char *)json.data, json.len);
            docs++;
            if (b.items >= batch)
                rc = flush(dir, &nfile, &b);
        }
        if (r)
            spider__record__free_unpacked(r, NULL);
        rd_kafka_message_destroy(m);
    }
    if (rc == 0)
        rc = flush(dir, &nfile, &b);
    json_t *body = sp_mapping_index_body();
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    rc |= write_text(dir, "mapping.json", text);
    free(text);
    sp_buf list = { 0 };
    for (size_t i = 0; i < nindices; i++) {
        sp_buf_append(&list, indices[i], strlen(indices[i]));
        sp_buf_append(&list, "\n", 1);
    }
    sp_buf_append(&list, "", 1);
    rc |= write_text(dir, "indices", list.data ? (const char *)list.data : "");
    printf("%lld\n", docs);
    sp_buf_free(&list);
    sp_buf_free(&json);
    sp_bulk_free(&b);
    sp_kafka_consumer_free(c);
    sp_kafka_props_free(&props);
    return rc ? 1 : 0;
}
