/* lost.c - jobs removed from the queue whose history is overdue (see
 * lost.h). Two string-keyed tables: the removed jobs waiting for their
 * history, and the GlobalJobIds of recent history. */
#include "lost.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    char *gjid;                       /* NULL: empty; TOMB: deleted */
    char *schedd;
    long long at;                     /* removal (pending) or arrival (history) time slot */
    int alerted;
} entry;

#define FORGET_S (7 * 86400)           /* a lost job's history is awaited this long */

static char tomb;
#define TOMB (&tomb)

typedef struct {
    entry *e;
    size_t cap, used;                 /* used counts tombstones too */
} table;

struct sp_lost {
    long long grace;
    sp_lost_alert_fn *fn;
    void *ctx;
    table pending, history;
    long long latest;                 /* the latest time slot seen */
    sp_lost_stats st;
};

static uint64_t hash(const char *s) { return sp_hash_fnv1a64(s, strlen(s)); }

static entry *find(table *t, const char *gjid)
{
    if (!t->cap)
        return NULL;
    for (size_t k = hash(gjid) & (t->cap - 1);; k = (k + 1) & (t->cap - 1)) {
        entry *e = &t->e[k];
        if (!e->gjid)
            return NULL;
        if (e->gjid != TOMB && !strcmp(e->gjid, gjid))
            return e;
    }
}

static void drop(entry *e)
{
    free(e->gjid);
    free(e->schedd);
    e->gjid = TOMB;
    e->schedd = NULL;
}

static int insert(table *t, const char *gjid, const char *schedd, long long at);

/* Rebuilds at twice the live entries (tombstones gone). */
static int rehash(table *t)
{
    size_t live = 0;
    for (size_t i = 0; i < t->cap; i++)
        live += t->e[i].gjid && t->e[i].gjid != TOMB;
    table n = { calloc(live * 4 > 1024 ? live * 4 : 1024, sizeof(entry)), 0, 0 };
    if (!n.e)
        return -1;
    n.cap = live * 4 > 1024 ? live * 4 : 1024;
    for (size_t i = 0; i < t->cap; i++) {
        entry *e = &t->e[i];
        if (!e->gjid || e->gjid == TOMB)
            continue;
        size_t k = hash(e->gjid) & (n.cap - 1);
        while (n.e[k].gjid)
            k = (k + 1) & (n.cap - 1);
        n.e[k] = *e;
        n.used++;
    }
    free(t->e);
    *t = n;
    return 0;
}

static int insert(table *t, const char *gjid, const char *schedd, long long at)
{
    entry *e = find(t, gjid);
    if (e) {
        e->at = at;
        return 0;
    }
    if ((t->used + 1) * 2 > t->cap && rehash(t) != 0)
        return -1;
    size_t k = hash(gjid) & (t->cap - 1);
    while (t->e[k].gjid && t->e[k].gjid != TOMB)
        k = (k + 1) & (t->cap - 1);
    e = &t->e[k];
    t->used += !e->gjid;
    *e = (entry){ strdup(gjid), schedd ? strdup(schedd) : NULL, at, 0 };
    return e->gjid ? 0 : -1;
}

static void table_free(table *t)
{
    for (size_t i = 0; i < t->cap; i++)
        if (t->e[i].gjid && t->e[i].gjid != TOMB)
            drop(&t->e[i]);
    free(t->e);
}

sp_lost *sp_lost_new(long long grace_s, sp_lost_alert_fn *fn, void *ctx)
{
    sp_lost *l = calloc(1, sizeof(*l));
    if (l)
        *l = (sp_lost){ .grace = grace_s, .fn = fn, .ctx = ctx };
    return l;
}

void sp_lost_free(sp_lost *l)
{
    if (!l)
        return;
    table_free(&l->pending);
    table_free(&l->history);
    free(l);
}

static void alert(sp_lost *l, int kind, const entry *e)
{
    char msg[512];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (kind == SPIDER__ALERT__KIND__LOST_JOB)
        snprintf(msg, sizeof(msg), "left the queue of %s at %lld and no history within %lld s", e->schedd, e->at,
                 l->grace);
    else
        snprintf(msg, sizeof(msg), "its history arrived late (it left the queue of %s at %lld)", e->schedd, e->at);
    Spider__Alert a = SPIDER__ALERT__INIT;
    a.kind = kind;
    a.schedd = e->schedd;
    a.global_job_id = e->gjid;
    a.message = msg;
    a.raised_at = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    l->fn(l->ctx, &a);
}

void sp_lost_removed(sp_lost *l, const char *schedd, const char *gjid, long long at)
{
    if (at > l->latest)
        l->latest = at;
    entry *h = find(&l->history, gjid);
    if (h)
        return;                                   /* its history is here already */
    if (insert(&l->pending, gjid, schedd, at) == 0)
        l->st.pending++;
}

void sp_lost_history(sp_lost *l, const char *gjid, long long now)
{
    if (now > l->latest)
        l->latest = now;
    entry *p = find(&l->pending, gjid);
    if (p) {
        if (p->alerted) {
            alert(l, SPIDER__ALERT__KIND__LOST_JOB_RESOLVED, p);
            l->st.resolved++;
        }
        drop(p);
        l->st.pending--;
    }
    insert(&l->history, gjid, NULL, l->latest);
}

/* Forgets history older than two grace periods. */
static void prune_history(sp_lost *l)
{
    for (size_t i = 0; i < l->history.cap; i++) {
        entry *e = &l->history.e[i];
        if (e->gjid && e->gjid != TOMB && e->at < l->latest - 2 * l->grace)
            drop(e);
    }
}

void sp_lost_tick(sp_lost *l, const char *schedd, long long now)
{
    if (now > l->latest)
        l->latest = now;
    for (size_t i = 0; i < l->pending.cap; i++) {
        entry *e = &l->pending.e[i];
        if (!e->gjid || e->gjid == TOMB || strcmp(e->schedd, schedd) != 0)
            continue;
        if (e->alerted && now - e->at > FORGET_S) {      /* lost for good: stop waiting */
            drop(e);
            l->st.pending--;
            continue;
        }
        if (e->alerted || now < e->at + l->grace)
            continue;
        e->alerted = 1;
        l->st.lost++;
        alert(l, SPIDER__ALERT__KIND__LOST_JOB, e);
    }
    if (l->history.used > 4096 && l->history.used * 4 > l->history.cap)
        prune_history(l);
}

void sp_lost_stats_get(const sp_lost *l, sp_lost_stats *out) { *out = l->st; }
