/* snapdiff.c - queue snapshots in, change events out (see snapdiff.h). */
#include "snapdiff.h"

#include <stdlib.h>
#include <string.h>

#include "jobstate.h"
#include "log.h"
#include "pbwire.h"
#include "record.h"

#define MAX_FIELDS 256               /* changed fields named per event */

typedef struct {
    int kind;                        /* SPIDER__CHANGE_EVENT__KIND__* */
    char *gjid;
    uint8_t *doc;                    /* the packed Document (ADDED, CHANGED) */
    size_t doclen;
    const char **fields;             /* names owned by sp_names */
    size_t nfields;
    int32_t previous;                /* JobStatus before, -1 unknown */
} pending;

typedef struct {
    char *schedd;
    sp_jobtable *state;              /* the last complete snapshot; NULL before the first */
    char *resume_sid;                /* baselines up to this snapshot (a restart) */
    /* the snapshot in progress */
    char *sid;                       /* NULL when none */
    long long time_slot;
    uint32_t number;                 /* snapshots begun: marks the state's jobs it lists (seen) */
    sp_jobtable *next;               /* its new and changed jobs (every job for a baseline) */
    uint64_t count, checksum;
    pending *pend;
    size_t npend, cappend;
    sp_summary *sum;                 /* its groups (summary.h); NULL: no summaries */
} schedd_state;

struct sp_snapdiff {
    sp_snapdiff_opts o;
    sp_names *names;
    uint16_t *scratch;               /* one job's columns */
    schedd_state *schedds;
    size_t n, cap;
    sp_buf out;
    sp_snapdiff_stats st;
};

sp_snapdiff *sp_snapdiff_new(const sp_snapdiff_opts *o)
{
    sp_snapdiff *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->o = *o;
    d->names = sp_names_new(o->ignore, o->nignore);
    d->scratch = calloc(65535, sizeof(uint16_t));
    if (!d->names || !d->scratch) {
        sp_snapdiff_free(d);
        return NULL;
    }
    return d;
}

static void drop_pending(schedd_state *s)
{
    for (size_t i = 0; i < s->npend; i++) {
        free(s->pend[i].gjid);
        free(s->pend[i].doc);
        free(s->pend[i].fields);
    }
    s->npend = 0;
}

static void drop_progress(schedd_state *s)
{
    drop_pending(s);
    sp_summary_reset(s->sum);
    if (s->next)
        sp_jobtable_reset(s->next);
    free(s->sid);
    s->sid = NULL;
    s->count = s->checksum = 0;
}

static void clear_schedd(schedd_state *s)
{
    drop_progress(s);
    free(s->pend);
    s->pend = NULL;
    s->cappend = 0;
    sp_jobtable_free(s->state);
    s->state = NULL;
    sp_jobtable_free(s->next);
    s->next = NULL;
    free(s->resume_sid);
    s->resume_sid = NULL;
    sp_summary_free(s->sum);
    s->sum = NULL;
}

void sp_snapdiff_free(sp_snapdiff *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++) {
        clear_schedd(&d->schedds[i]);
        free(d->schedds[i].schedd);
    }
    free(d->schedds);
    sp_names_free(d->names);
    free(d->scratch);
    sp_buf_free(&d->out);
    free(d);
}

static schedd_state *schedd_of(sp_snapdiff *d, const char *name)
{
    for (size_t i = 0; i < d->n; i++)
        if (!strcmp(d->schedds[i].schedd, name))
            return &d->schedds[i];
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        schedd_state *s = realloc(d->schedds, cap * sizeof(*s));
        if (!s)
            return NULL;
        d->schedds = s;
        d->cap = cap;
    }
    schedd_state *s = &d->schedds[d->n];
    memset(s, 0, sizeof(*s));
    if (!(s->schedd = strdup(name)))
        return NULL;
    d->n++;
    return s;
}

void sp_snapdiff_forget(sp_snapdiff *d, const char *schedd)
{
    for (size_t i = 0; i < d->n; i++)
        if (!strcmp(d->schedds[i].schedd, schedd))
            clear_schedd(&d->schedds[i]);
}

int sp_snapdiff_resume(sp_snapdiff *d, const char *schedd, const char *snapshot_id)
{
    schedd_state *s = schedd_of(d, schedd);
    if (!s)
        return -1;
    if (!snapshot_id) {                      /* past the resume point: diff from here */
        free(s->resume_sid);
        s->resume_sid = NULL;
        return 0;
    }
    clear_schedd(s);
    return (s->resume_sid = strdup(snapshot_id)) ? 0 : -1;
}

/* ---------- emitting ---------- */

static const char *status_name(int32_t st)
{
    static const char *names[] = { "Unexpanded", "Idle", "Running", "Removed", "Completed", "Held",
                                   "Transferring Output", "Suspended" };
    return st >= 0 && st < 8 ? names[st] : "";
}

/* Emits Record{change = ev} with the document appended as it was packed
 * (ChangeEvent.document = 6): fields may come in any order on the wire,
 * so the kept bytes need no unpacking and packing again. */
static void emit(sp_snapdiff *d, const Spider__ChangeEvent *ev, const uint8_t *doc, size_t doclen)
{
    size_t evlen = spider__change_event__get_packed_size(ev);
    size_t doc_field = doc ? 1 + 10 + doclen : 0;
    sp_buf *b = &d->out;
    b->len = 0;
    if (sp_buf_reserve(b, 1 + 10 + evlen + doc_field) != 0) {
        sp_error("differ.emit", "error", "out of memory");
        return;
    }
    uint8_t key_change = SP_PB_KEY_LEN(SP_PB_RECORD_CHANGE), key_doc = SP_PB_KEY_LEN(SP_PB_CHANGEEVENT_DOCUMENT);
    sp_buf_append(b, &key_change, 1);
    sp_pb_buf_put_varint(b, evlen + (doc ? sp_pb_len_field_size(doclen) : 0));
    b->len += spider__change_event__pack(ev, b->data + b->len);
    if (doc) {
        sp_buf_append(b, &key_doc, 1);
        sp_pb_buf_put_varint(b, doclen);
        sp_buf_append(b, doc, doclen);
    }
    d->o.emit(d->o.ctx, ev->global_job_id, b->data, b->len);
}

static void emit_pending(sp_snapdiff *d, const schedd_state *s, const pending *p, long long now_ms)
{
    Spider__ChangeEvent ev = SPIDER__CHANGE_EVENT__INIT;
    ev.kind = p->kind;
    ev.schedd = s->schedd;
    ev.global_job_id = p->gjid;
    ev.changed_fields = (char **)p->fields;
    ev.n_changed_fields = p->nfields;
    ev.previous_status = (char *)status_name(p->previous);
    ev.snapshot_id = s->sid;
    ev.detected_at = now_ms;
    emit(d, &ev, p->doc, p->doclen);
}

static void emit_removed(sp_snapdiff *d, const schedd_state *s, const sp_job *job, long long now_ms)
{
    Spider__Document doc = SPIDER__DOCUMENT__INIT;
    doc.schedd = s->schedd;
    doc.global_job_id = (char *)job->gjid;
    doc.snapshot_id = s->sid;
    Spider__ChangeEvent ev = SPIDER__CHANGE_EVENT__INIT;
    ev.kind = SPIDER__CHANGE_EVENT__KIND__REMOVED;
    ev.schedd = s->schedd;
    ev.global_job_id = (char *)job->gjid;
    ev.previous_status = (char *)status_name(job->status);
    ev.snapshot_id = s->sid;
    ev.detected_at = now_ms;
    ev.document = &doc;
    emit(d, &ev, NULL, 0);
}

/* ---------- feeding ---------- */

static int begin(sp_snapdiff *d, const Spider__SnapshotBegin *b)
{
    schedd_state *s = schedd_of(d, b->schedd);
    if (!s)
        return -1;
    if (s->sid) {
        d->st.incomplete++;
        sp_warn("differ.incomplete_snapshot", "schedd", s->schedd, "snapshot", s->sid,
                "why", "a new snapshot began before its end marker", "documents_seen", SP_LOG_INT((long long)s->count));
        drop_progress(s);
    }
    s->sid = strdup(b->snapshot_id);
    s->time_slot = b->time_slot;
    s->number++;
    if (!s->next)
        s->next = sp_jobtable_new();
    if (!s->sum && d->o.summary_emit)
        s->sum = sp_summary_new(d->o.summary);
    return s->sid && s->next && (s->sum || !d->o.summary_emit) ? 0 : -1;
}

/* The Document's bytes inside a packed Record{document}. */
static int document_bytes(const uint8_t *data, size_t len, const uint8_t **doc, size_t *doclen)
{
    sp_pb_reader r = { data, data + len };
    unsigned key;
    uint64_t n;
    if (sp_pb_next_field(&r, &key, &n, doc, doclen) != 1 || key != SP_PB_KEY_LEN(SP_PB_RECORD_DOCUMENT))
        return -1;
    return 0;
}

static int keep(schedd_state *s, int kind, const sp_job *job, const uint8_t *doc, size_t doclen,
                const char **fields, size_t nfields, int32_t previous)
{
    if (s->npend == s->cappend) {
        size_t cap = s->cappend ? s->cappend * 2 : 64;
        pending *p = realloc(s->pend, cap * sizeof(*p));
        if (!p)
            return -1;
        s->pend = p;
        s->cappend = cap;
    }
    pending *p = &s->pend[s->npend];
    memset(p, 0, sizeof(*p));
    p->kind = kind;
    p->previous = previous;
    p->gjid = strdup(job->gjid);
    p->doc = malloc(doclen ? doclen : 1);
    if (nfields && (p->fields = malloc(nfields * sizeof(char *))))
        memcpy(p->fields, fields, nfields * sizeof(char *));
    if (!p->gjid || !p->doc || (nfields && !p->fields)) {
        free(p->gjid);
        free(p->doc);
        free(p->fields);
        return -1;
    }
    memcpy(p->doc, doc, doclen);
    p->doclen = doclen;
    p->nfields = nfields;
    s->npend++;
    return 0;
}

static int str_is(sp_str a, const char *b)
{
    return b && strlen(b) == a.len && !memcmp(a.p, b, a.len);
}

/* One document of a snapshot in progress, read from its packed bytes. */
static int document(sp_snapdiff *d, const uint8_t *doc, size_t doclen)
{
    sp_job job;
    sp_docref ref;
    char gjid[512], schedd[256];
    int ok = sp_job_of(d->names, doc, doclen, &job, d->scratch, &ref, gjid, sizeof(gjid)) == 0 &&
             ref.schedd.len < sizeof(schedd);
    schedd_state *s = NULL;
    if (ok) {
        memcpy(schedd, ref.schedd.p, ref.schedd.len);
        schedd[ref.schedd.len] = '\0';
        s = schedd_of(d, schedd);
    }
    if (!ok || !s || !s->sid || !str_is(ref.snapshot_id, s->sid)) {
        sp_job_scratch_clear(&job);
        if (!ok) {
            d->st.undecodable++;
            return -1;
        }
        d->st.stray++;                      /* outside any snapshot in progress */
        return 0;
    }
    s->count++;
    s->checksum = sp_record_checksum_add(s->checksum, ref.id.p, ref.id.len);
    int rc = 0;
    if (s->sum && !s->resume_sid && sp_summary_add(s->sum, doc, doclen) != 0) {
        d->st.unsummed++;
        sp_warn("differ.summary", "schedd", s->schedd, "snapshot", s->sid, "global_job_id", gjid, "error",
                "document not summed (not decodable, or out of memory)");
    }
    sp_job *old = s->state ? sp_jobtable_get(s->state, job.gjid) : NULL;
    /* an unchanged job listed once stays as it is in the state */
    int stays = old && old->seen != s->number && old->hash == job.hash && old->status == job.status;
    if (!s->resume_sid && (s->state ? !old || old->hash != job.hash : d->o.emit_initial)) {
        Spider__Document *check = spider__document__unpack(NULL, doclen, doc);
        if (!check) {                        /* its event must decode: protobuf-c says */
            d->st.undecodable++;
            sp_job_scratch_clear(&job);
            return -1;
        }
        spider__document__free_unpacked(check, NULL);
        const char *fields[MAX_FIELDS];
        size_t nf = old ? sp_job_changed_fields(d->names, old, &job, fields, MAX_FIELDS) : 0;
        rc = keep(s, old ? SPIDER__CHANGE_EVENT__KIND__CHANGED : SPIDER__CHANGE_EVENT__KIND__ADDED, &job, doc,
                  doclen, fields, nf < MAX_FIELDS ? nf : MAX_FIELDS, old ? old->status : -1);
    }
    if (rc == 0 && !stays)
        rc = sp_jobtable_put(s->next, &job);
    if (rc == 0 && old)
        old->seen = s->number;               /* listed: it does not leave */
    sp_job_scratch_clear(&job);
    return rc;
}

typedef struct {
    sp_snapdiff *d;
    schedd_state *s;
    long long now_ms;
    int baseline;                    /* no events */
} sweeping;

/* A job of the state that the completed snapshot did not list. */
static void gone(void *ctx, const sp_job *job)
{
    sweeping *w = ctx;
    if (w->baseline)
        return;
    emit_removed(w->d, w->s, job, w->now_ms);
    w->d->st.removed++;
    if (w->d->o.removed)
        w->d->o.removed(w->d->o.ctx, w->s->schedd, job->gjid, w->s->time_slot);
}

/* The state becomes the completed snapshot: the jobs it did not list
 * leave, its new and changed jobs move in. */
static void update_state(sp_snapdiff *d, schedd_state *s, long long now_ms, int baseline)
{
    if (!s->state) {
        s->state = s->next;
        s->next = NULL;
        return;
    }
    sweeping w = { d, s, now_ms, baseline };
    sp_jobtable_sweep(s->state, s->number, gone, &w);
    if (sp_jobtable_move(s->state, s->next) != 0) {
        sp_error("differ.state", "schedd", s->schedd, "error", "out of memory: the next snapshot is a baseline");
        sp_jobtable_free(s->state);
        s->state = NULL;
    }
}

/* A complete snapshot: its events out, then it is the state. A snapshot
 * diffed before a restart (resume) is a baseline too. */
static void complete(sp_snapdiff *d, schedd_state *s, long long now_ms)
{
    int baseline = !s->state || s->resume_sid;
    for (size_t i = 0; i < s->npend; i++) {
        emit_pending(d, s, &s->pend[i], now_ms);
        if (s->pend[i].kind == SPIDER__CHANGE_EVENT__KIND__ADDED)
            d->st.added++;
        else
            d->st.changed++;
    }
    update_state(d, s, now_ms, baseline);
    if (s->sum && !s->resume_sid) {          /* a snapshot diffed before a restart had its summary sent */
        long n = sp_summary_emit(s->sum, s->schedd, s->time_slot, d->o.summary_emit, d->o.ctx);
        if (n < 0)
            sp_error("differ.summary", "schedd", s->schedd, "snapshot", s->sid, "error", "out of memory");
        else
            d->st.summaries += (uint64_t)n;
    }
    if (baseline)
        d->st.baselines++;
    d->st.snapshots++;
    if (d->o.done)
        d->o.done(d->o.ctx, s->schedd, s->sid, s->time_slot);
    if (s->resume_sid && !strcmp(s->resume_sid, s->sid)) {
        free(s->resume_sid);                /* caught up with what was diffed before */
        s->resume_sid = NULL;
    }
    drop_progress(s);
}

static void end(sp_snapdiff *d, const Spider__SnapshotEnd *e, long long now_ms)
{
    schedd_state *s = schedd_of(d, e->schedd);
    if (!s || !s->sid || strcmp(s->sid, e->snapshot_id) != 0) {
        d->st.stray++;
        return;
    }
    if (e->truncated) {                     /* cut at --max-documents: never a whole snapshot */
        d->st.incomplete++;
        sp_warn("differ.incomplete_snapshot", "schedd", s->schedd, "snapshot", s->sid,
                "why", "the collector cut it (--max-documents)", "documents_seen", SP_LOG_INT((long long)s->count));
        drop_progress(s);
        return;
    }
    if (s->count != e->count || s->checksum != e->checksum) {
        d->st.inconsistent++;
        sp_warn("differ.inconsistent_snapshot", "schedd", s->schedd, "snapshot", s->sid, "documents_seen",
                SP_LOG_INT((long long)s->count), "documents_announced", SP_LOG_INT((long long)e->count));
        drop_progress(s);
        return;
    }
    complete(d, s, now_ms);
}

int sp_snapdiff_feed(sp_snapdiff *d, const void *data, size_t len, long long now_ms)
{
    const uint8_t *doc;
    size_t doclen;
    if (document_bytes(data, len, &doc, &doclen) == 0)    /* most records: read in place */
        return document(d, doc, doclen);
    Spider__Record *r = sp_record_unpack(data, len);
    if (!r) {
        d->st.undecodable++;
        return -1;
    }
    int rc = 0;
    switch (r->kind_case) {
    case SPIDER__RECORD__KIND_SNAPSHOT_BEGIN: rc = begin(d, r->snapshot_begin); break;
    case SPIDER__RECORD__KIND_SNAPSHOT_END: end(d, r->snapshot_end, now_ms); break;
    default: d->st.stray++; break;
    }
    spider__record__free_unpacked(r, NULL);
    return rc;
}

void sp_snapdiff_stats_get(const sp_snapdiff *d, sp_snapdiff_stats *out)
{
    *out = d->st;
    out->jobs = out->state_bytes = 0;
    for (size_t i = 0; i < d->n; i++) {
        if (!d->schedds[i].state)
            continue;
        out->jobs += sp_jobtable_count(d->schedds[i].state);
        out->state_bytes += sp_jobtable_bytes(d->schedds[i].state);
    }
}
