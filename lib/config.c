/* config.c - service configuration: defaults < JSON file < environment < flags.
 *
 * Every value is kept as a typed json_t in one object keyed by the option's
 * dotted key, so the file, the environment and the flags all go through the
 * same checks. Flags are parsed first (to find --config, --help, --version)
 * and applied last. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "version.h"

#define OPT_BASE 256

struct sp_config {
    const char *program;
    const char *synopsis;
    const char *about;
    const sp_opt *opts;
    size_t nopts;
    json_t *values;         /* key -> typed value */
    const char **origin;    /* per option: "default", "file", "env", "flag" */
    char **args;            /* positional arguments (pointers into argv) */
    int nargs;
    const sp_config_command *cmds; /* sp_config_commands(), or NULL */
    size_t ncmds;
    const sp_opt_rule *rules; /* sp_config_rules(), or NULL */
    size_t nrules;
};

static const char *type_names[] = {
    "a string", "an integer", "a number", "a boolean (true/false)",
    "a list of strings", "an object of string values",
};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

sp_config *sp_config_new(const char *program, const char *synopsis,
                         const char *about, const sp_opt *opts, size_t nopts)
{
    sp_config *cfg = calloc(1, sizeof(*cfg));
    if (!cfg)
        return NULL;
    cfg->program = program;
    cfg->synopsis = synopsis ? synopsis : "";
    cfg->about = about ? about : "";
    cfg->opts = opts;
    cfg->nopts = nopts;
    cfg->values = json_object();
    cfg->origin = calloc(nopts ? nopts : 1, sizeof(*cfg->origin));
    if (!cfg->values || !cfg->origin) {
        sp_config_free(cfg);
        return NULL;
    }
    return cfg;
}

void sp_config_commands(sp_config *cfg, const sp_config_command *cmds, size_t ncmds)
{
    cfg->cmds = cmds;
    cfg->ncmds = ncmds;
}

void sp_config_rules(sp_config *cfg, const sp_opt_rule *rules, size_t nrules)
{
    cfg->rules = rules;
    cfg->nrules = nrules;
}

static const sp_opt_rule *rule_of(const sp_config *cfg, const sp_opt *o)
{
    for (size_t i = 0; i < cfg->nrules; i++)
        if (strcmp(cfg->rules[i].key, o->key) == 0)
            return &cfg->rules[i];
    return NULL;
}

static const char *range_of(const sp_config *cfg, const sp_opt *o)
{
    const sp_opt_rule *r = rule_of(cfg, o);
    return r ? r->range : NULL;
}

void sp_config_free(sp_config *cfg)
{
    if (!cfg)
        return;
    json_decref(cfg->values);
    free(cfg->origin);
    free(cfg->args);
    free(cfg);
}

static const char *json_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "object";
    case JSON_ARRAY: return "array";
    case JSON_STRING: return "string";
    case JSON_INTEGER: return "integer";
    case JSON_REAL: return "number";
    case JSON_TRUE: case JSON_FALSE: return "boolean";
    default: return "null";
    }
}

/* Scalars in an object option become strings: {"linger.ms": 20} is "20". */
static json_t *scalar_as_string(const json_t *v)
{
    char buf[64];
    switch (json_typeof(v)) {
    case JSON_STRING: return json_string(json_string_value(v));
    case JSON_INTEGER: snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v)); break;
    case JSON_REAL: snprintf(buf, sizeof(buf), "%.17g", json_real_value(v)); break;
    case JSON_TRUE: return json_string("true");
    case JSON_FALSE: return json_string("false");
    default: return NULL;
    }
    return json_string(buf);
}

/* Checks a JSON value from the file against the option's type; returns a new
 * reference to the value to store, or NULL with err set. */
static json_t *check_json(const sp_opt *o, json_t *v, const char *where, char *err, size_t errlen)
{
    bool ok = false;
    switch (o->type) {
    case SP_OPT_STRING: ok = json_is_string(v); break;
    case SP_OPT_INT: ok = json_is_integer(v); break;
    case SP_OPT_DOUBLE: ok = json_is_number(v); break;
    case SP_OPT_BOOL: ok = json_is_boolean(v); break;
    case SP_OPT_LIST: {
        ok = json_is_array(v);
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item) ok = ok && json_is_string(item);
        break;
    }
    case SP_OPT_OBJECT: {
        if (!json_is_object(v))
            break;
        json_t *out = json_object();
        const char *k;
        json_t *item;
        json_object_foreach(v, k, item) {
            json_t *s = scalar_as_string(item);
            if (!s) {
                set_err(err, errlen, "%s: key \"%s.%s\": expected a string, number or boolean, got %s",
                        where, o->key, k, json_kind(item));
                json_decref(out);
                return NULL;
            }
            json_object_set_new(out, k, s);
        }
        return out;
    }
    }
    if (!ok) {
        set_err(err, errlen, "%s: key \"%s\": expected %s, got %s",
                where, o->key, type_names[o->type], json_kind(v));
        return NULL;
    }
    if (o->type == SP_OPT_DOUBLE && json_is_integer(v))
        return json_real((double)json_integer_value(v));
    return json_incref(v);
}

static int parse_bool(const char *s, bool *out)
{
    static const char *yes[] = { "1", "true", "yes", "on" }, *no[] = { "0", "false", "no", "off" };
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0) { *out = true; return 0; }
        if (strcasecmp(s, no[i]) == 0) { *out = false; return 0; }
    }
    return -1;
}

static json_t *split_list(const char *text)
{
    json_t *arr = json_array();
    const char *p = text;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        while (n && (*p == ' ' || *p == '\t')) p++, n--;
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t')) n--;
        if (n)
            json_array_append_new(arr, json_stringn(p, n));
        if (!comma)
            break;
        p = comma + 1;
    }
    return arr;
}

/* Converts text (default, environment or flag) to the option's type. For an
 * object option, text is JSON ("{...}") or a single key=value that is merged
 * into current. */
static json_t *parse_text(const sp_opt *o, const char *text, const json_t *current,
                          const char *where, char *err, size_t errlen)
{
    char *end;
    switch (o->type) {
    case SP_OPT_STRING:
        return json_string(text);
    case SP_OPT_INT: {
        errno = 0;
        long long v = strtoll(text, &end, 10);
        if (errno || end == text || *end)
            break;
        return json_integer(v);
    }
    case SP_OPT_DOUBLE: {
        errno = 0;
        double v = strtod(text, &end);
        if (errno || end == text || *end)
            break;
        return json_real(v);
    }
    case SP_OPT_BOOL: {
        bool b;
        if (parse_bool(text, &b) != 0)
            break;
        return json_boolean(b);
    }
    case SP_OPT_LIST:
        return split_list(text);
    case SP_OPT_OBJECT: {
        if (text[0] == '{') {
            json_error_t jerr;
            json_t *v = json_loads(text, 0, &jerr);
            if (!v) {
                set_err(err, errlen, "%s: key \"%s\": invalid JSON: %s", where, o->key, jerr.text);
                return NULL;
            }
            json_t *out = check_json(o, v, where, err, errlen);
            json_decref(v);
            return out;
        }
        const char *eq = strchr(text, '=');
        if (!eq || eq == text)
            break;
        json_t *out = current ? json_deep_copy(current) : json_object();
        char *k = strndup(text, (size_t)(eq - text));
        json_object_set_new(out, k, json_string(eq + 1));
        free(k);
        return out;
    }
    }
    set_err(err, errlen, "%s: key \"%s\": expected %s%s, got \"%s\"", where, o->key,
            type_names[o->type], o->type == SP_OPT_OBJECT ? " (key=value or JSON)" : "", text);
    return NULL;
}

static void env_name(const char *key, char *out, size_t outlen)
{
    size_t n = (size_t)snprintf(out, outlen, "SPIDER_");
    for (const char *p = key; *p && n + 1 < outlen; p++)
        out[n++] = (*p == '.' || *p == '-') ? '_' : (char)toupper((unsigned char)*p);
    out[n] = '\0';
}

static const char *getenv_in(char **envp, const char *name)
{
    size_t len = strlen(name);
    for (char **e = envp; e && *e; e++)
        if (strncmp(*e, name, len) == 0 && (*e)[len] == '=')
            return *e + len + 1;
    return NULL;
}

static int store(sp_config *cfg, size_t i, json_t *v, const char *origin)
{
    if (!v)
        return -1;
    json_object_set_new(cfg->values, cfg->opts[i].key, v);
    cfg->origin[i] = origin;
    return 0;
}

static int apply_defaults(sp_config *cfg, char *err, size_t errlen)
{
    for (size_t i = 0; i < cfg->nopts; i++) {
        const sp_opt *o = &cfg->opts[i];
        if (o->def && store(cfg, i, parse_text(o, o->def, NULL, "default", err, errlen), "default") != 0)
            return -1;
    }
    return 0;
}

/* Finds a dotted key in a JSON object: "a.b" is obj["a"]["b"], or obj["a.b"]. */
static json_t *lookup(json_t *root, const char *key)
{
    json_t *v = json_object_get(root, key);
    if (v)
        return v;
    const char *dot = strchr(key, '.');
    if (!dot)
        return NULL;
    char head[128];
    size_t n = (size_t)(dot - key);
    if (n >= sizeof(head))
        return NULL;
    memcpy(head, key, n);
    head[n] = '\0';
    json_t *sub = json_object_get(root, head);
    return json_is_object(sub) ? lookup(sub, dot + 1) : NULL;
}

/* Reports keys in the file that no option declares (typos). prefix is the
 * dotted path of obj. */
static int check_unknown(const sp_config *cfg, json_t *obj, const char *prefix,
                         const char *path, char *err, size_t errlen)
{
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v) {
        char full[256];
        snprintf(full, sizeof(full), "%s%s%s", prefix, *prefix ? "." : "", k);
        bool known = false, parent = false;
        size_t flen = strlen(full);
        for (size_t i = 0; i < cfg->nopts; i++) {
            known = known || strcmp(cfg->opts[i].key, full) == 0;
            parent = parent || (strncmp(cfg->opts[i].key, full, flen) == 0 && cfg->opts[i].key[flen] == '.');
        }
        if (known)
            continue;
        if (parent && json_is_object(v)) {
            if (check_unknown(cfg, v, full, path, err, errlen) != 0)
                return -1;
            continue;
        }
        set_err(err, errlen, "%s: unknown key \"%s\" (see %s --help)", path, full, cfg->program);
        return -1;
    }
    return 0;
}

json_t *sp_config_read_json(const char *path, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        if (jerr.line < 0 || jerr.position == 0)
            set_err(err, errlen, "%s: %s", path, jerr.text);
        else
            set_err(err, errlen, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
    }
    return root;
}

static int apply_file(sp_config *cfg, const char *path, char *err, size_t errlen)
{
    json_t *root = sp_config_read_json(path, err, errlen);
    if (!root)
        return -1;
    int rc = 0;
    if (!json_is_object(root)) {
        set_err(err, errlen, "%s: expected a JSON object at the top, got %s", path, json_kind(root));
        rc = -1;
    }
    if (rc == 0)
        rc = check_unknown(cfg, root, "", path, err, errlen);
    for (size_t i = 0; rc == 0 && i < cfg->nopts; i++) {
        json_t *v = lookup(root, cfg->opts[i].key);
        if (v)
            rc = store(cfg, i, check_json(&cfg->opts[i], v, path, err, errlen), "file");
    }
    json_decref(root);
    return rc;
}

static int apply_env(sp_config *cfg, char **envp, char *err, size_t errlen)
{
    for (size_t i = 0; i < cfg->nopts; i++) {
        const sp_opt *o = &cfg->opts[i];
        char name[160], where[192];
        env_name(o->key, name, sizeof(name));
        const char *text = getenv_in(envp, name);
        if (!text)
            continue;
        snprintf(where, sizeof(where), "environment %s", name);
        json_t *cur = json_object_get(cfg->values, o->key);
        if (store(cfg, i, parse_text(o, text, cur, where, err, errlen), "env") != 0)
            return -1;
    }
    return 0;
}

/* One flag occurrence, kept until the file and environment are applied. */
typedef struct {
    size_t opt;
    const char *arg;
} flag_use;

static struct option *build_longopts(const sp_config *cfg)
{
    struct option *lo = calloc(cfg->nopts + 4, sizeof(*lo));
    if (!lo)
        return NULL;
    size_t n = 0;
    lo[n++] = (struct option){ "help", no_argument, NULL, 'h' };
    lo[n++] = (struct option){ "version", no_argument, NULL, 'V' };
    lo[n++] = (struct option){ "config", required_argument, NULL, 'c' };
    for (size_t i = 0; i < cfg->nopts; i++) {
        if (!cfg->opts[i].flag)
            continue;
        int has = cfg->opts[i].type == SP_OPT_BOOL ? optional_argument : required_argument;
        lo[n++] = (struct option){ cfg->opts[i].flag, has, NULL, OPT_BASE + (int)i };
    }
    return lo;
}

static sp_config_result apply_flags(sp_config *cfg, const flag_use *uses, size_t nuses,
                                    char *err, size_t errlen)
{
    for (size_t u = 0; u < nuses; u++) {
        const sp_opt *o = &cfg->opts[uses[u].opt];
        char where[128];
        snprintf(where, sizeof(where), "flag --%s", o->flag);
        const char *arg = uses[u].arg ? uses[u].arg : "true";
        json_t *cur = json_object_get(cfg->values, o->key);
        if (store(cfg, uses[u].opt, parse_text(o, arg, cur, where, err, errlen), "flag") != 0)
            return SP_CONFIG_ERROR;
    }
    return SP_CONFIG_OK;
}

/* Parses "MIN..MAX" (either side may be empty). */
static void parse_range(const char *r, double *lo, double *hi)
{
    const char *dots = strstr(r, "..");
    *lo = dots && dots > r ? strtod(r, NULL) : -1e300;      /* strtod stops at "1." of "1..": only the text before ".." counts */
    *hi = dots && dots[2] ? strtod(dots + 2, NULL) : 1e300;
}

/* Every numeric option inside its declared range, whatever its origin. */
static int check_ranges(const sp_config *cfg, char *err, size_t errlen)
{
    for (size_t i = 0; i < cfg->nopts; i++) {
        const sp_opt *o = &cfg->opts[i];
        json_t *v = json_object_get(cfg->values, o->key);
        const char *range = range_of(cfg, o);
        if (!range || !v || (o->type != SP_OPT_INT && o->type != SP_OPT_DOUBLE))
            continue;
        double lo, hi, x = json_number_value(v);
        parse_range(range, &lo, &hi);
        if (x >= lo && x <= hi)
            continue;
        char got[64];
        if (json_is_integer(v))
            snprintf(got, sizeof(got), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        else
            snprintf(got, sizeof(got), "%g", x);
        set_err(err, errlen, "key \"%s\" (%s%s%s): expected %s in %s, got %s", o->key,
                cfg->origin[i] ? cfg->origin[i] : "default", o->flag ? " --" : "", o->flag ? o->flag : "",
                type_names[o->type], range, got);
        return -1;
    }
    return 0;
}

static const sp_config_command *find_command(const sp_config *cfg, const char *name)
{
    for (size_t i = 0; name && i < cfg->ncmds; i++)
        if (strcmp(cfg->cmds[i].name, name) == 0)
            return &cfg->cmds[i];
    return NULL;
}

/* With declared commands: a known command first, then as many arguments as
 * it takes; a stray one is an error (a forgotten --config, typically). */
int sp_config_check_args(const sp_config *cfg, char *err, size_t errlen)
{
    if (!cfg->ncmds)
        return 0;
    if (cfg->nargs == 0) {
        set_err(err, errlen, "missing COMMAND (see %s --help)", cfg->program);
        return -1;
    }
    const sp_config_command *c = find_command(cfg, cfg->args[0]);
    if (!c) {
        set_err(err, errlen, "unknown command \"%s\" (see %s --help)", cfg->args[0], cfg->program);
        return -1;
    }
    int n = cfg->nargs - 1;
    if (n > c->max_args && c->max_args >= 0) {
        const char *stray = cfg->args[1 + c->max_args];
        set_err(err, errlen, "%s: unexpected argument \"%s\"%s (see %s %s --help)", c->name, stray,
                strstr(stray, ".json") ? " (a configuration file is given with --config FILE)" : "",
                cfg->program, c->name);
        return -1;
    }
    if (n < c->min_args) {
        set_err(err, errlen, "%s needs %s (see %s %s --help)", c->name, c->synopsis, cfg->program, c->name);
        return -1;
    }
    return 0;
}

static void keep_args(sp_config *cfg, int argc, char **argv)
{
    free(cfg->args);
    cfg->nargs = argc - optind;
    cfg->args = calloc((size_t)cfg->nargs + 1, sizeof(char *));
    for (int i = 0; cfg->args && i < cfg->nargs; i++)
        cfg->args[i] = argv[optind + i];
    if (!cfg->args)
        cfg->nargs = 0;
}

sp_config_result sp_config_load(sp_config *cfg, int argc, char **argv,
                                char **envp, char *err, size_t errlen)
{
    struct option *lo = build_longopts(cfg);
    flag_use *uses = calloc((size_t)argc + 1, sizeof(*uses));
    sp_config_result res = SP_CONFIG_OK;
    const char *path = getenv_in(envp, "SPIDER_CONFIG");
    if (!lo || !uses) {
        set_err(err, errlen, "out of memory");
        res = SP_CONFIG_ERROR;
        goto out;
    }
    size_t nuses = 0;
    int c, help = 0;
    optind = 1;
    opterr = 0;
    while (res == SP_CONFIG_OK && (c = getopt_long(argc, argv, "hVc:", lo, NULL)) != -1) {
        if (c == 'h') {
            help = 1;                    /* after the scan: the command's help, if one is named */
        } else if (c == 'V') {
            sp_version_print(cfg->program, stdout);
            res = SP_CONFIG_EXIT_OK;
        } else if (c == 'c') {
            path = optarg;
        } else if (c >= OPT_BASE) {
            uses[nuses++] = (flag_use){ (size_t)(c - OPT_BASE), optarg };
        } else {
            const char *bad = argv[optind - 1];
            if (optopt == 'c' || optopt >= OPT_BASE)
                set_err(err, errlen, "option %s needs a value (see %s --help)", bad, cfg->program);
            else if (optopt)
                set_err(err, errlen, "unknown option -%c (see %s --help)", optopt, cfg->program);
            else
                set_err(err, errlen, "unknown option %s (see %s --help)", bad, cfg->program);
            res = SP_CONFIG_ERROR;
        }
    }
    if (res != SP_CONFIG_OK)
        goto out;
    keep_args(cfg, argc, argv);
    if (help) {
        const sp_config_command *cmd = find_command(cfg, cfg->nargs ? cfg->args[0] : NULL);
        if (cmd)
            sp_config_usage_command(cfg, cmd, stdout);
        else
            sp_config_usage(cfg, stdout);
        res = SP_CONFIG_EXIT_OK;
        goto out;
    }
    if (apply_defaults(cfg, err, errlen) != 0 ||
        (path && apply_file(cfg, path, err, errlen) != 0) ||
        apply_env(cfg, envp, err, errlen) != 0)
        res = SP_CONFIG_ERROR;
    else
        res = apply_flags(cfg, uses, nuses, err, errlen);
    if (res == SP_CONFIG_OK && check_ranges(cfg, err, errlen) != 0)
        res = SP_CONFIG_ERROR;
out:
    free(lo);
    free(uses);
    return res;
}

static const sp_opt *find_opt(const sp_config *cfg, const char *key, size_t *index)
{
    for (size_t i = 0; i < cfg->nopts; i++) {
        if (strcmp(cfg->opts[i].key, key) == 0) {
            if (index)
                *index = i;
            return &cfg->opts[i];
        }
    }
    fprintf(stderr, "%s: internal error: undeclared configuration key \"%s\"\n", cfg->program, key);
    abort();
}

const char *sp_config_str(const sp_config *cfg, const char *key)
{
    find_opt(cfg, key, NULL);
    return json_string_value(json_object_get(cfg->values, key));
}

long long sp_config_int(const sp_config *cfg, const char *key)
{
    find_opt(cfg, key, NULL);
    return json_integer_value(json_object_get(cfg->values, key));
}

double sp_config_double(const sp_config *cfg, const char *key)
{
    find_opt(cfg, key, NULL);
    return json_number_value(json_object_get(cfg->values, key));
}

bool sp_config_bool(const sp_config *cfg, const char *key)
{
    find_opt(cfg, key, NULL);
    return json_is_true(json_object_get(cfg->values, key));
}

json_t *sp_config_json(const sp_config *cfg, const char *key)
{
    find_opt(cfg, key, NULL);
    return json_object_get(cfg->values, key);
}

int sp_config_args(const sp_config *cfg, char ***argv)
{
    if (argv)
        *argv = cfg->args;
    return cfg->nargs;
}

const char *sp_config_origin(const sp_config *cfg, const char *key)
{
    size_t i;
    find_opt(cfg, key, &i);
    return cfg->origin[i] ? cfg->origin[i] : "unset";
}

static const char *metavar(sp_opt_type t)
{
    static const char *names[] = { "TEXT", "N", "X", "[=false]", "A,B", "KEY=VALUE" };
    return names[t];
}

/* 1 when option o is for command name (listed in its cmds, or common). */
static int opt_for(const sp_config *cfg, const sp_opt *o, const char *name)
{
    const sp_opt_rule *r = rule_of(cfg, o);
    const char *cmds = r ? r->cmds : NULL;
    if (!cmds || !name)
        return 1;
    size_t n = strlen(name);
    for (const char *p = cmds; (p = strstr(p, name)) != NULL; p += n)
        if ((p == cmds || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
            return 1;
    return 0;
}

static void usage_options(const sp_config *cfg, const char *cmd, FILE *out)
{
    fprintf(out, "\nOptions (precedence: defaults < --config file < SPIDER_* environment < flags):\n");
    fprintf(out, "  -h, --help                 this help\n");
    fprintf(out, "  -V, --version              version and the git hash built in\n");
    fprintf(out, "  -c, --config FILE          JSON configuration file (env SPIDER_CONFIG)\n");
    for (size_t i = 0; i < cfg->nopts; i++) {
        const sp_opt *o = &cfg->opts[i];
        if (!opt_for(cfg, o, cmd))
            continue;
        char left[96], env[160], help[512];
        env_name(o->key, env, sizeof(env));
        if (o->flag)
            snprintf(left, sizeof(left), "      --%s%s%s", o->flag,
                     o->type == SP_OPT_BOOL ? "" : " ", metavar(o->type));
        else
            snprintf(left, sizeof(left), "      (file/env only)");
        const char *range = range_of(cfg, o);
        snprintf(help, sizeof(help), "%s%s%s%s", o->help ? o->help : "", range ? " (" : "", range ? range : "",
                 range ? ")" : "");
        fprintf(out, "%-28s %s\n", left, help);
        fprintf(out, "%-28s [key %s, env %s%s%s]\n", "", o->key, env,
                o->def ? ", default " : "", o->def ? o->def : "");
    }
}

void sp_config_usage(const sp_config *cfg, FILE *out)
{
    fprintf(out, "Usage: %s [OPTIONS] %s\n", cfg->program, cfg->synopsis);
    if (*cfg->about)
        fprintf(out, "\n%s\n", cfg->about);
    if (cfg->ncmds)
        fprintf(out, "\n%s COMMAND --help: the help of one command.\n", cfg->program);
    usage_options(cfg, NULL, out);
}

void sp_config_usage_command(const sp_config *cfg, const sp_config_command *cmd, FILE *out)
{
    fprintf(out, "Usage: %s [OPTIONS] %s%s%s\n", cfg->program, cmd->name, *cmd->synopsis ? " " : "", cmd->synopsis);
    if (cmd->about && *cmd->about)
        fprintf(out, "\n%s\n", cmd->about);
    usage_options(cfg, cmd->name, out);
}

char *sp_config_read_file_trimmed(const char *path, char *err, size_t errlen)
{
    err[0] = '\0';
    FILE *f = fopen(path, "rb");
    if (!f) {
        set_err(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (len + 1 == cap) {
            if (cap >= (1u << 20)) {
                set_err(err, errlen, "%s: larger than 1 MiB", path);
                free(buf);
                buf = NULL;
                break;
            }
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    if (buf && ferror(f)) {
        set_err(err, errlen, "%s: read error", path);
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (!buf) {
        if (!*err)
            set_err(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' '))
        len--;
    buf[len] = '\0';
    return buf;
}
