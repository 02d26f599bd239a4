/* jansson_ads.c - a baseline of bench/collector_process.sh: jansson parsing
 * the same condor_q -json files the collector reads (each file one JSON
 * array of ads, into a DOM, nothing else), timed in this process's own CPU.
 *
 *   bench-jansson-ads FILE...
 *
 * Prints "ads N cpu_seconds S". */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* Reads the whole file into one buffer (owned by the caller). */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 20, n = 0, got;
    char *b = malloc(cap);
    while (b && (got = fread(b + n, 1, cap - n, f)) > 0)
        if ((n += got) == cap && !(b = realloc(b, cap *= 2)))
            break;
    fclose(f);
    *len = n;
    return b;
}

int main(int argc, char **argv)
{
    long long ads = 0;
    double cpu = 0;
    for (int i = 1; i < argc; i++) {
        size_t len;
        char *b = slurp(argv[i], &len);
        if (!b)
            return fprintf(stderr, "bench-jansson-ads: cannot read %s\n", argv[i]), 1;
        double t0 = cpu_seconds();          /* parsing only, not reading the file */
        json_error_t e;
        json_t *doc = json_loadb(b, len, 0, &e);
        if (!json_is_array(doc))
            return fprintf(stderr, "bench-jansson-ads: %s: %s\n", argv[i], e.text), 1;
        ads += (long long)json_array_size(doc);
        json_decref(doc);
        cpu += cpu_seconds() - t0;
        free(b);
    }
    printf("ads %lld cpu_seconds %.4f\n", ads, cpu);
    return 0;
}
