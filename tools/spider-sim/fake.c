/* fake.c - spider-sim answering as condor_q, condor_history and
 * condor_status, so the collector's exec source runs against it unchanged.
 * Installed as symlinks named after the real tools (build/sim-bin/); the
 * name the program is called by picks the tool.
 *
 * Accepted flags are the real ones the collector uses:
 *   condor_q       [-allusers] -name SCHEDD [-pool HOST] [-constraint EXPR]
 *                  [-attributes A,B] -json|-jsonl|-long
 *   condor_history -name SCHEDD [-pool HOST] [-constraint EXPR] [-match N]
 *                  [-attributes A,B] -json|-jsonl|-long
 *   condor_status  -schedd [-pool HOST] [-constraint EXPR] [-attributes A,B] -json|...
 * Constraints are evaluated with the collector's own ClassAd evaluator.
 *
 * The pool comes from the environment (SPIDER_SIM_SEED, _SCHEDDS, _JOBS,
 * _T0, _INTERVAL; defaults as spider-sim's) and the poll step from
 * SPIDER_SIM_STEP or the file named by SPIDER_SIM_STEP_FILE, so a test
 * moves the pool forward by rewriting one file; SPIDER_SIM_STEP=clock
 * moves it with the wall clock, one step per _INTERVAL from _T0 (the
 * demo, where the collector polls on its own schedule).
 * SPIDER_SIM_FAIL="SCHEDD=MODE[,SCHEDD=MODE]" makes one schedd misbehave:
 * exit (error message, status 1), hang (until the caller is gone: a
 * test that kills the collector leaves no fake behind), truncate (output cut mid-ad),
 * garbage (not ads), huge (one 50 MB ad first), badutf8 (an invalid
 * string in the first ad). */
#include "fake.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "classad_expr.h"
#include "pool.h"

typedef struct {
    const char *tool;
    const char *name, *pool, *constraint, *attributes;
    sim_format format;
    long long match;
    int schedd_ads;                  /* condor_status -schedd */
} fake_args;

static int usage(const char *tool, const char *msg, const char *arg)
{
    fprintf(stderr, "%s: %s%s%s\n", tool, msg, arg ? " " : "", arg ? arg : "");
    return 1;
}

static const char *env(const char *name, const char *dflt)
{
    const char *v = getenv(name);
    return v && *v ? v : dflt;
}

static void pool_from_env(sim_pool *p)
{
    sim_pool_defaults(p);
    p->seed = strtoull(env("SPIDER_SIM_SEED", "1"), NULL, 10);
    p->schedds = atoi(env("SPIDER_SIM_SCHEDDS", "4"));
    p->jobs = atoi(env("SPIDER_SIM_JOBS", "100"));
    p->t0 = atoll(env("SPIDER_SIM_T0", "1763800000"));
    p->interval = atoi(env("SPIDER_SIM_INTERVAL", "720"));
}

static long long step_from_env(void)
{
    const char *file = getenv("SPIDER_SIM_STEP_FILE");
    if (file && *file) {
        FILE *f = fopen(file, "r");
        long long k = 0;
        if (f) {
            if (fscanf(f, "%lld", &k) != 1)
                k = 0;
            fclose(f);
        }
        return k;
    }
    const char *step = env("SPIDER_SIM_STEP", "0");
    if (!strcmp(step, "clock")) {              /* the pool moves with the wall clock (the demo) */
        sim_pool p;
        pool_from_env(&p);
        return (time(NULL) - p.t0) / p.interval;
    }
    return atoll(step);
}

/* The failure mode configured for this schedd, or NULL. */
static const char *fail_mode(const char *schedd, char *buf, size_t len)
{
    const char *spec = getenv("SPIDER_SIM_FAIL");
    if (!spec || !schedd)
        return NULL;
    size_t sl = strlen(schedd);
    for (const char *p = spec; *p;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (n > sl + 1 && strncmp(p, schedd, sl) == 0 && p[sl] == '=' && n - sl - 1 < len) {
            memcpy(buf, p + sl + 1, n - sl - 1);
            buf[n - sl - 1] = '\0';
            return buf;
        }
        p += n + (comma != NULL);
    }
    return NULL;
}

static int parse_args(fake_args *a, const char *tool, int argc, char **argv)
{
    memset(a, 0, sizeof(*a));
    a->tool = tool;
    a->format = (sim_format)-1;
    a->match = -1;
    for (int i = 1; i < argc; i++) {
        const char *f = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = !strcmp(f, "-name") || !strcmp(f, "-pool") || !strcmp(f, "-constraint") ||
                    !strcmp(f, "-attributes") || !strcmp(f, "-match") || !strcmp(f, "-limit");
        if (takes && !next)
            return usage(a->tool, "option needs an argument:", f);
        if (!strcmp(f, "-name")) a->name = argv[++i];
        else if (!strcmp(f, "-pool")) a->pool = argv[++i];
        else if (!strcmp(f, "-constraint")) a->constraint = argv[++i];
        else if (!strcmp(f, "-attributes")) a->attributes = argv[++i];
        else if (!strcmp(f, "-match") || !strcmp(f, "-limit")) a->match = atoll(argv[++i]);
        else if (!strcmp(f, "-json")) a->format = SIM_FORMAT_JSON;
        else if (!strcmp(f, "-jsonl")) a->format = SIM_FORMAT_JSONL;
        else if (!strcmp(f, "-long")) a->format = SIM_FORMAT_LONG;
        else if (!strcmp(f, "-allusers") && !strcmp(a->tool, "condor_q")) continue;
        else if (!strcmp(f, "-schedd") && !strcmp(a->tool, "condor_status")) a->schedd_ads = 1;
        else return usage(a->tool, "unknown option", f);
    }
    if ((int)a->format < 0)
        return usage(a->tool, "this simulator prints only -json, -jsonl or -long", NULL);
    if (strcmp(a->tool, "condor_status") && !a->name)
        return usage(a->tool, "-name SCHEDD is required by this simulator", NULL);
    if (!strcmp(a->tool, "condor_status") && !a->schedd_ads)
        return usage(a->tool, "this simulator answers only -schedd", NULL);
    return 0;
}

/* A sim ad as an sp_ad, for the constraint. */
static void to_classad(const sim_ad *in, sp_ad *out)
{
    sp_ad_reset(out);
    for (size_t i = 0; i < in->n; i++) {
        const sim_attr *a = &in->attrs[i];
        sp_cval v = sp_cv_undefined();
        switch (a->kind) {
        case SIM_INT: v = sp_cv_int(a->i); break;
        case SIM_REAL: v = sp_cv_real(a->r); break;
        case SIM_BOOL: v = sp_cv_bool((int)a->i); break;
        case SIM_STRING: v = sp_cv_string(out->arena, a->s, strlen(a->s)); break;
        case SIM_EXPR:
            v = sp_cv_string(out->arena, a->s, strlen(a->s));
            v.type = SP_CV_EXPR;
            break;
        case SIM_LIST: {
            sp_cval *items = sp_arena_alloc(out->arena, (a->nitems + 1) * sizeof(*items));
            if (!items)
                break;
            for (size_t k = 0; k < a->nitems; k++)
                items[k] = sp_cv_string(out->arena, a->items[k], strlen(a->items[k]));
            v.type = SP_CV_LIST;
            v.u.list.items = items;
            v.u.list.n = a->nitems;
            break;
        }
        default: break;
        }
        sp_ad_set(out, a->name, strlen(a->name), &v);
    }
}

static void attr_free(sim_attr *a)
{
    free(a->name);
    free(a->s);
    for (size_t t = 0; t < a->nitems; t++)
        free(a->items[t]);
    free(a->items);
}

/* Keeps the ads the constraint is true for, then projects attributes. */
static size_t select_ads(const fake_args *a, sim_ad *ads, size_t n, int *bad, FILE *errout)
{
    char err[256];
    sp_expr *e = NULL;
    *bad = 0;
    if (a->constraint && !(e = sp_expr_parse(a->constraint, strlen(a->constraint), err, sizeof(err)))) {
        fprintf(errout, "%s: Invalid constraint: %s (%s)\n", a->tool, a->constraint, err);
        *bad = 1;
        return 0;
    }
    sp_ad *ad = sp_ad_new();
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int keep = 1;
        if (e) {
            sp_cval v;
            to_classad(&ads[i], ad);
            keep = sp_expr_eval(e, ad, ad->arena, &v, err, sizeof(err)) == 0 && v.type == SP_CV_BOOL && v.u.b;
        }
        if (keep && (a->match < 0 || (long long)k < a->match))
            ads[k++] = ads[i];
        else
            sim_ad_free(&ads[i]);
    }
    sp_ad_free(ad);
    sp_expr_free(e);
    if (a->attributes)
        for (size_t i = 0; i < k; i++) {
            size_t m = 0;
            for (size_t j = 0; j < ads[i].n; j++) {
                const char *name = ads[i].attrs[j].name;
                size_t len = strlen(name);
                int wanted = 0;
                for (const char *p = a->attributes; *p && !wanted;) {
                    const char *c = strchr(p, ',');
                    size_t l = c ? (size_t)(c - p) : strlen(p);
                    wanted = l == len && strncasecmp(p, name, len) == 0;
                    p += l + (c != NULL);
                }
                if (wanted)
                    ads[i].attrs[m++] = ads[i].attrs[j];
                else
                    attr_free(&ads[i].attrs[j]);
            }
            ads[i].n = m;
        }
    return k;
}

static size_t schedd_ads(const sim_pool *p, const char *pool, sim_ad **ads)
{
    *ads = calloc((size_t)p->schedds, sizeof(**ads));
    for (int i = 0; *ads && i < p->schedds; i++) {
        char name[64], addr[128];
        sim_schedd_name(p, i, name, sizeof(name));
        const char *host = strchr(name, '@') ? strchr(name, '@') + 1 : name;
        snprintf(addr, sizeof(addr), "<127.0.0.1:%d?addrs=127.0.0.1-%d&alias=%s>", 9618 + i, 9618 + i, host);
        sim_ad_str(&(*ads)[i], "MyType", "Scheduler");
        sim_ad_str(&(*ads)[i], "Name", name);
        sim_ad_str(&(*ads)[i], "MyAddress", addr);
        sim_ad_str(&(*ads)[i], "ScheddIpAddr", addr);
        sim_ad_str(&(*ads)[i], "CollectorHost", pool ? pool : "127.0.0.1:9618");
    }
    return *ads ? (size_t)p->schedds : 0;
}

/* A failure mode that replaces the answer; -1 when there is none. */
static int misbehave(const char *mode, const char *schedd, sim_ad *ads, size_t n, sim_format fmt, FILE *out, FILE *errout)
{
    if (!strcmp(mode, "exit")) {
        fprintf(errout, "-- Failed to fetch ads from: <127.0.0.1:9618> : %s\n"
                        "SECMAN:2007:Failed to end classad message.\n", schedd);
        return 1;
    }
    if (!strcmp(mode, "hang")) {         /* until the caller gives up: never outlives it */
        pid_t caller = getppid();
        while (getppid() == caller)
            sleep(1);
        return 1;
    }
    if (!strcmp(mode, "garbage")) {
        fprintf(out, "<html><body>503 Service Unavailable</body></html>\n");
        return 0;
    }
    if (!strcmp(mode, "huge") || !strcmp(mode, "badutf8")) {
        sim_ad extra = { 0 };
        if (!strcmp(mode, "huge")) {
            size_t len = 50u << 20;
            char *big = malloc(len + 1);
            if (!big)
                return 1;
            memset(big, 'x', len);
            big[len] = '\0';
            sim_ad_str(&extra, "HugeAttribute", big);
            free(big);
        } else {
            sim_ad_str(&extra, "Broken", "caf\xc3");
        }
        sim_ad_str(&extra, "GlobalJobId", "broken#0.0#0");
        /* the broken ad first, then the real answer, in one output */
        sim_ad *all = calloc(n + 1, sizeof(*all));
        if (!all) {
            sim_ad_free(&extra);
            return 1;
        }
        all[0] = extra;
        if (n)
            memcpy(all + 1, ads, n * sizeof(*ads));
        sim_write_ads(out, all, n + 1, fmt);
        sim_ad_free(&extra);
        free(all);
        return 0;
    }
    if (!strcmp(mode, "truncate")) {
        size_t len;
        char *text = sim_ads_text(ads, n, fmt, &len);
        if (text)
            fwrite(text, 1, len / 2, out);
        free(text);
        return 0;
    }
    return -1;
}

/* The answer of `tool` for a into out (errors into errout): exit status. */
static int answer(const fake_args *a, FILE *out, FILE *errout)
{
    sim_pool p;
    pool_from_env(&p);
    long long k = step_from_env();
    sim_ad *ads = NULL;
    size_t n;
    if (!strcmp(a->tool, "condor_status")) {
        n = schedd_ads(&p, a->pool, &ads);
    } else {
        int s = sim_schedd_index(&p, a->name);
        if (s < 0) {
            fprintf(errout, "Error: Couldn't contact the condor_schedd on %s: no such schedd\n", a->name);
            return 1;
        }
        n = !strcmp(a->tool, "condor_q") ? sim_queue(&p, s, k, &ads) : sim_history(&p, s, k, 0, &ads);
    }
    int bad;
    n = select_ads(a, ads, n, &bad, errout);
    int rc = bad ? 1 : 0;
    char modebuf[32];
    const char *mode = fail_mode(a->name, modebuf, sizeof(modebuf));
    int mrc = !bad && mode ? misbehave(mode, a->name, ads, n, a->format, out, errout) : -1;
    if (!bad && mrc < 0 && !strcmp(a->tool, "condor_history"))
        sim_write_history_ads(out, ads, n, a->format);
    else if (!bad && mrc < 0)
        sim_write_ads(out, ads, n, a->format);
    else if (mrc >= 0)
        rc = mrc;
    for (size_t i = 0; i < n; i++)
        sim_ad_free(&ads[i]);
    free(ads);
    fflush(out);
    return rc;
}

int sim_fake_main(const char *tool, int argc, char **argv)
{
    fake_args a;
    if (parse_args(&a, tool, argc, argv) != 0)
        return 1;
    return answer(&a, stdout, stderr);
}

int sim_fake_http(const char *what, const char *schedd, const char *pool, const char *constraint,
                  FILE *out, FILE *errout)
{
    fake_args a;
    memset(&a, 0, sizeof(a));
    a.tool = !strcmp(what, "queue") ? "condor_q" : !strcmp(what, "history") ? "condor_history" : "condor_status";
    a.name = schedd;
    a.pool = pool;
    a.constraint = constraint && *constraint ? constraint : NULL;
    a.format = SIM_FORMAT_JSON;
    a.match = -1;
    a.schedd_ads = 1;
    if (strcmp(a.tool, "condor_status") && !schedd) {
        fprintf(errout, "schedd= is required\n");
        return 1;
    }
    return answer(&a, out, errout);
}
