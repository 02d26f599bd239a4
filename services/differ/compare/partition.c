/* partition.c - the whole comparison, in memory bounded by --memory-limit.
 *
 * When the inputs (their file sizes; unknown for Kafka and search indices)
 * fit the limit, the left records are loaded into one table (table.c) and
 * the right input is streamed against it (its ids not on the left are kept,
 * to count duplicates). Otherwise both sides are hash-partitioned by id into
 * K temporary files each (K = 1.5 x the larger size / limit, or
 * --partitions; 16 when the left size is unknown), unlinked as soon as
 * they are created, and
 * compared partition by partition: only one left partition and the ids
 * seen on the right only are in memory at a time. Either path gives the
 * same counts. The partition of an id uses bits of its hash independent of
 * its parcel (hash % parcel_count), so parcels spread over partitions.
 *
 * Ownership: everything here is freed before differ_compare returns,
 * except the report, which the caller owns (differ_report_free). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "differ.h"
#include "log.h"
#include "pbwire.h"
#include "table.h"

#define MAX_PARTITIONS 400

/* Where records come from: an input, or one partition file of a side. */
typedef struct {
    differ_input *in;
    FILE *f;
    sp_buf buf;
    const differ_opts *o;
    uint64_t read;             /* records returned */
} source;

/* A spilled record: varint id length, id, varint body length, body. */
static int spill_read(source *s, differ_rec *rec, char *err, size_t errlen)
{
    uint64_t idlen, bodylen;
    int v = sp_pb_file_read_varint(s->f, &idlen);
    if (v == 0)
        return 0;
    s->buf.len = 0;
    if (v < 0 || sp_buf_reserve(&s->buf, idlen + 1) != 0 || fread(s->buf.data, 1, idlen, s->f) != idlen ||
        sp_pb_file_read_varint(s->f, &bodylen) != 1 || sp_buf_reserve(&s->buf, idlen + bodylen + 2) != 0 ||
        fread(s->buf.data + idlen + 1, 1, bodylen, s->f) != bodylen) {
        snprintf(err, errlen, "temporary partition file: short read");
        return -1;
    }
    s->buf.data[idlen] = '\0';
    s->buf.data[idlen + 1 + bodylen] = '\0';
    *rec = (differ_rec){ (char *)s->buf.data, idlen, (char *)s->buf.data + idlen + 1, bodylen, NULL };
    return 1;
}

/* The next record of the parcel. */
static int source_next(source *s, differ_rec *rec, char *err, size_t errlen)
{
    if (s->f) {
        int rc = spill_read(s, rec, err, errlen);
        s->read += rc == 1;
        return rc;
    }
    int rc;
    while ((rc = differ_input_next(s->in, rec, err, errlen)) == 1)
        if (differ_in_parcel(s->o, differ_id_hash(rec->id, rec->idlen)))
            break;
    s->read += rc == 1;
    return rc;
}

static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

/* ---- one partition ---- */

typedef struct {
    differ_ctx *ctx;
    differ_report *r;
    const differ_opts *o;
} run;

static int load_left(run *u, source *left, differ_table *t, char *err, size_t errlen)
{
    differ_rec rec;
    int rc, dup;
    while ((rc = source_next(left, &rec, err, errlen)) == 1) {
        if (differ_table_insert(t, differ_id_hash(rec.id, rec.idlen), rec.id, rec.idlen,
                                rec.body, rec.bodylen, &dup) != 0) {
            snprintf(err, errlen, "out of memory loading the left side (lower --memory-limit)");
            return -1;
        }
        u->r->duplicate_left += dup;
    }
    return rc;
}

static json_t *parse_body(const char *body, size_t len, char *err, size_t errlen)
{
    json_error_t je;
    json_t *j = json_loadb(body, len, JSON_ALLOW_NUL, &je);
    if (!j)
        snprintf(err, errlen, "re-reading a stored document: %s", je.text);
    return j;
}

static int compare_one(run *u, differ_table *t, differ_entry *e, differ_rec *rec, char *err, size_t errlen)
{
    json_t *l = parse_body(differ_table_body(t, e), e->bodylen, err, errlen);
    json_t *r = rec->doc ? json_incref(rec->doc) : parse_body(rec->body, rec->bodylen, err, errlen);
    int rc = -1;
    if (l && r) {
        u->r->matched++;
        if (differ_compare_docs(u->ctx, differ_table_id(t, e), l, r) == 0)
            u->r->identical++;
        rc = 0;
    }
    json_decref(l);
    json_decref(r);
    return rc;
}

static int stream_right(run *u, source *right, differ_table *t, differ_table *only, char *err, size_t errlen)
{
    differ_rec rec;
    int rc, dup;
    while ((rc = source_next(right, &rec, err, errlen)) == 1) {
        uint64_t h = differ_id_hash(rec.id, rec.idlen);
        differ_entry *e = differ_table_find(t, h, rec.id, rec.idlen);
        if (e && e->matched) {
            u->r->duplicate_right++;
        } else if (e) {
            e->matched = 1;
            if (compare_one(u, t, e, &rec, err, errlen) != 0)
                return -1;
        } else {
            if (differ_table_insert(only, h, rec.id, rec.idlen, "", 0, &dup) != 0) {
                snprintf(err, errlen, "out of memory");
                return -1;
            }
            if (dup)
                u->r->duplicate_right++;
            else
                differ_report_only(u->r, 1, rec.id, rec.idlen);
        }
    }
    return rc;
}

static int run_partition(run *u, source *left, source *right, char *err, size_t errlen)
{
    differ_table t, only;
    if (differ_table_init(&t) != 0 || differ_table_init(&only) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    uint64_t matched0 = u->r->matched;
    int rc = load_left(u, left, &t, err, errlen);
    if (rc == 0)
        rc = stream_right(u, right, &t, &only, err, errlen);
    for (size_t i = 0; rc == 0 && i < t.nslots; i++)
        if (t.slots[i].used && !t.slots[i].matched)
            differ_report_only(u->r, 0, differ_table_id(&t, &t.slots[i]), t.slots[i].idlen);
    u->r->left_count += t.count;
    u->r->right_count += (u->r->matched - matched0) + only.count;
    differ_table_free(&t);
    differ_table_free(&only);
    return rc;
}

/* ---- spilling to disk ---- */

static FILE *temp_file(const char *dir, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/spider-differ-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    unlink(path);
    FILE *f = fdopen(fd, "w+b");
    if (!f)
        close(fd);
    return f;
}

static void close_files(FILE **files, int k)
{
    for (int i = 0; files && i < k; i++)
        if (files[i])
            fclose(files[i]);
    free(files);
}

/* Every record of the input's parcel into k files by hash. */
static FILE **spill(source *s, int k, const char *dir, char *err, size_t errlen)
{
    FILE **files = calloc((size_t)k, sizeof(FILE *));
    for (int i = 0; files && i < k; i++)
        if (!(files[i] = temp_file(dir, err, errlen))) {
            close_files(files, k);
            return NULL;
        }
    differ_rec rec;
    int rc;
    while ((rc = source_next(s, &rec, err, errlen)) == 1) {
        FILE *f = files[mix(differ_id_hash(rec.id, rec.idlen)) % (uint64_t)k];
        if (sp_pb_file_put_varint(f, rec.idlen) || fwrite(rec.id, 1, rec.idlen, f) != rec.idlen ||
            sp_pb_file_put_varint(f, rec.bodylen) || fwrite(rec.body, 1, rec.bodylen, f) != rec.bodylen) {
            snprintf(err, errlen, "writing a temporary partition file: %s", strerror(errno));
            rc = -1;
            break;
        }
    }
    for (int i = 0; rc == 0 && i < k; i++)
        if (fflush(files[i]) != 0 || fseek(files[i], 0, SEEK_SET) != 0) {
            snprintf(err, errlen, "temporary partition file: %s", strerror(errno));
            rc = -1;
        }
    if (rc != 0) {
        close_files(files, k);
        return NULL;
    }
    return files;
}

static int partitioned(run *u, source *left, source *right, int k, char *err, size_t errlen)
{
    FILE **lf = spill(left, k, u->o->tmp_dir, err, errlen);
    FILE **rf = lf ? spill(right, k, u->o->tmp_dir, err, errlen) : NULL;
    int rc = rf ? 0 : -1;
    for (int p = 0; rc == 0 && p < k; p++) {
        source ls = { .f = lf[p], .o = u->o }, rs = { .f = rf[p], .o = u->o };
        rc = run_partition(u, &ls, &rs, err, errlen);
        sp_buf_free(&ls.buf);
        sp_buf_free(&rs.buf);
    }
    close_files(lf, k);
    close_files(rf, k);
    return rc;
}

static int choose_partitions(const differ_opts *o, differ_input *left, differ_input *right)
{
    if (o->partitions > 0)
        return o->partitions > MAX_PARTITIONS ? MAX_PARTITIONS : o->partitions;
    uint64_t size = differ_input_size(left), rsize = differ_input_size(right);
    if (size == 0)
        return 16;
    if (rsize > size)
        size = rsize;      /* its ids not on the left are held too */
    uint64_t limit = o->memory_limit ? o->memory_limit : 1;
    uint64_t k = (size * 3 / 2 + limit - 1) / limit;
    if (k > MAX_PARTITIONS) {
        sp_warn("compare.partitions", "wanted", SP_LOG_INT(k), "using", SP_LOG_INT(MAX_PARTITIONS),
                "hint", "the left input is larger than 400 x --memory-limit: partitions will exceed the limit");
        k = MAX_PARTITIONS;
    }
    return k < 1 ? 1 : (int)k;
}

/* ---- metrics ---- */

static void count_metrics(const differ_opts *o, const differ_report *r, uint64_t lread, uint64_t rread)
{
    if (!o->metrics)
        return;
    static const char *const side[] = { "side", NULL };
    sp_metric *docs = sp_metrics_counter(o->metrics, "spider_differ_documents_total", "Documents read by compare, per side (in the parcel)", side);
    sp_metric_add(docs, (const char *[]){ "left" }, (double)lread);
    sp_metric_add(docs, (const char *[]){ "right" }, (double)rread);
    sp_metric *bad = sp_metrics_counter(o->metrics, "spider_differ_bad_records_total", "Bad records skipped by compare, per side", side);
    sp_metric_add(bad, (const char *[]){ "left" }, (double)r->bad_left);
    sp_metric_add(bad, (const char *[]){ "right" }, (double)r->bad_right);
    uint64_t mm = 0;
    for (size_t i = 0; i < r->nfields; i++)
        mm += r->fields[i].raw_count;
    sp_metric_add(sp_metrics_counter(o->metrics, "spider_differ_field_mismatches_total", "Field mismatches found by compare (date shifts included)", NULL), NULL, (double)mm);
    sp_metric_add(sp_metrics_counter(o->metrics, "spider_differ_only_total", "Ids found on one side only", NULL), NULL, (double)(r->only_left + r->only_right));
    sp_metric_set(sp_metrics_gauge(o->metrics, "spider_differ_duration_seconds", "Duration of the last comparison", NULL), NULL, r->duration_s);
    static const double buckets[] = { 1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600 };
    sp_metric_observe(sp_metrics_histogram(o->metrics, "spider_differ_compare_seconds", "Duration of one comparison (spider_differ_duration_seconds: the last one)", NULL, buckets, 10), NULL, r->duration_s);
    sp_metric_set(sp_metrics_gauge(o->metrics, "spider_differ_pass", "1 when the last comparison passed", NULL), NULL, r->pass);
}

int differ_compare(const char *left, const char *right, const differ_opts *o,
                   differ_report *r, char *err, size_t errlen)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    differ_report_init(r, left, right, o);
    differ_input *li = differ_input_open(left, o, err, errlen);
    differ_input *ri = li ? differ_input_open(right, o, err, errlen) : NULL;
    differ_ctx *ctx = ri ? differ_ctx_new(o, r) : NULL;
    int rc = -1;
    source ls = { .in = li, .o = o }, rs = { .in = ri, .o = o };
    if (ctx) {
        run u = { ctx, r, o };
        int k = choose_partitions(o, li, ri);
        sp_info("compare.start", "left", left, "right", right, "partitions", SP_LOG_INT(k));
        rc = k == 1 ? run_partition(&u, &ls, &rs, err, errlen) : partitioned(&u, &ls, &rs, k, err, errlen);
        r->bad_left = differ_input_bad(li);
        r->bad_right = differ_input_bad(ri);
    }
    differ_ctx_free(ctx);
    differ_input_close(li);
    differ_input_close(ri);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    r->duration_s = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    differ_report_finish(r);
    count_metrics(o, r, ls.read, rs.read);
    return rc;
}
