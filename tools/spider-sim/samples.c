/* samples.c - `spider-sim samples`: ads that hold every class of value
 * HTCondor's printers treat differently (see samples.h), so unit.sim_oracle
 * proves spider-sim's writers against libclassad beyond the pool's
 * everyday CMS ads. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "samples.h"

static uint64_t next(uint64_t *s)
{
    uint64_t x = (*s += 0x9e3779b97f4a7c15ULL);
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* Pieces of strings: escapes, slashes, control bytes, UTF-8, quotes. */
static const char *const pieces[] = {
    "plain", " ", "\"", "\\", "/", "\t", "\n", "\r", "\b", "\f", "\x01", "\x1f", "\x7f",
    "caf\xc3\xa9", "\xe6\x97\xa5\xe6\x9c\xac", "\xf0\x9f\x98\x80", "'", "{}[]", ",", "=", "#", "\\/",
    "T2_CH_CERN", "0.5", "1e300", "true", "undefined", "/Expr(1)/",
};

static void random_string(uint64_t *s, char *buf, size_t len)
{
    size_t n = next(s) % 6, used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const char *p = pieces[next(s) % (sizeof(pieces) / sizeof(pieces[0]))];
        size_t l = strlen(p);
        if (used + l + 1 > len)
            break;
        memcpy(buf + used, p, l + 1);
        used += l;
    }
}

/* Expressions in libclassad's canonical old syntax (as -long prints them). */
static const char *const exprs[] = {
    "TARGET.Memory >= RequestMemory && stringListMember(TARGET.GLIDEIN_CMSSite,DESIRED_Sites)",
    "ifThenElse(MemoryUsage =!= undefined,MemoryUsage,2000 * RequestCpus)",
    "x =?= 1.0 && y =!= \"s\" ||  -z > 25000000000.0 ? TARGET.a : MY.b",
    "strcat(\"q\\\"x\",\"caf\xc3\xa9\",\"tab\there\",Owner)",
    "(JobStatus == 5 && (CurrentTime - EnteredCurrentStatus) > 7 * 60) || (JobUniverse != 5)",
    "RequestCpus * 0.5 + 1.5E-05 - 2.0",
    "member(\"a\",{ \"a\",\"b\" }) &&  !(NumJobStarts > 3)",
    "real(\"NaN\")",
    "MY.RemoteWallClockTime / (RequestCpus ?: 1)",
    "regexp(\"^T[12]_\",Site) ? \"Tier\" : undefined",
};

static const double reals[] = {
    0.0, -0.0, 1e300, -1e300, 5e-324, 2.5, 1.5e-05, 1e16, 123456789.125, 0.1, 9007199254740992.0,
    -3.0, 1e-300, 1e308,   /* not DBL_MAX: its %.16G rounds up past it, and reads back as INF */
};

static const long long ints[] = {
    0, -1, 1, INT64_MAX, INT64_MIN, 9007199254740993LL, 2147483648LL, -2147483649LL,
};

/* Every fixed value class once, then random values of every kind. */
static void fixed_values(sim_ad *ad)
{
    char name[32];
    for (size_t i = 0; i < sizeof(reals) / sizeof(reals[0]); i++) {
        snprintf(name, sizeof(name), "Real_%zu", i);
        sim_ad_real(ad, name, reals[i]);
    }
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
        snprintf(name, sizeof(name), "int_%zu", i);
        sim_ad_int(ad, name, ints[i]);
    }
    sim_ad_real(ad, "NotANumber", NAN);
    sim_ad_real(ad, "Infinite", INFINITY);
    sim_ad_real(ad, "minusInfinite", -INFINITY);
    sim_ad_bool(ad, "yes", 1);
    sim_ad_bool(ad, "No", 0);
    sim_ad_undefined(ad, "Nothing");
    sim_ad_str(ad, "Empty", "");
    sim_ad_str(ad, "LooksLikeExpr", "/Expr(RequestCpus)/");   /* a string: -json prints it unescaped */
    const char *items[] = { "a", "b\"c", "caf\xc3\xa9", "tab\there" };
    sim_ad_list(ad, "Items", items, 4);
    sim_ad_list(ad, "NoItems", items, 0);
}

static void random_values(uint64_t *s, sim_ad *ad, int k)
{
    char name[32], buf[256];
    for (int i = 0; i < 12; i++) {
        /* names in mixed case and with _ and digits, to test the sort */
        snprintf(name, sizeof(name), "%c%s_%d_%d", "aAzZ_mM"[next(s) % 7], (next(s) & 1) ? "Attr" : "attr", k, i);
        switch (next(s) % 6) {
        case 0: sim_ad_int(ad, name, (long long)next(s)); break;
        case 1: {
            uint64_t bits = next(s);
            double r;
            memcpy(&r, &bits, sizeof(r));
            sim_ad_real(ad, name, isfinite(r) ? r : (double)(bits >> 11) / 3.0);
            break;
        }
        case 2: random_string(s, buf, sizeof(buf)); sim_ad_str(ad, name, buf); break;
        case 3: sim_ad_expr(ad, name, exprs[next(s) % (sizeof(exprs) / sizeof(exprs[0]))]); break;
        case 4: {
            char a[64], b[64];
            random_string(s, a, sizeof(a));
            random_string(s, b, sizeof(b));
            const char *items[] = { a, b };
            sim_ad_list(ad, name, items, 1 + next(s) % 2);
            break;
        }
        default: sim_ad_bool(ad, name, (int)(next(s) & 1)); break;
        }
    }
}

size_t sim_samples(uint64_t seed, size_t n, sim_ad **ads)
{
    *ads = calloc(n ? n : 1, sizeof(**ads));
    if (!*ads)
        return 0;
    uint64_t s = seed;
    for (size_t k = 0; k < n; k++) {
        char buf[64];
        snprintf(buf, sizeof(buf), "sample%llu#%zu.0#1763800000", (unsigned long long)seed, k);
        sim_ad_str(&(*ads)[k], "GlobalJobId", buf);
        if (k == 0)
            fixed_values(&(*ads)[k]);
        random_values(&s, &(*ads)[k], (int)k);
    }
    return n;
}
