/* config.h - service configuration: defaults < JSON file < environment < flags.
 *
 * A service declares its options once in a table of sp_opt. From that table
 * config builds getopt_long flags, reads the JSON file given by --config
 * (jansson), applies SPIDER_<KEY> environment overrides (key upper-cased,
 * '.' and '-' become '_'), and prints --help. Errors name the file, the key
 * and what was expected:
 *   collector.json: key "poll.interval": expected an integer, got string
 *
 * Keys may be dotted ("kafka.bootstrap"): in the file that is a nested
 * object path. Options of type SP_OPT_OBJECT are JSON objects kept as they
 * are (e.g. "kafka.properties", every librdkafka property passed through
 * unchanged); a flag for them takes key=value and may repeat.
 *
 * Ownership: sp_config owns every string and json_t it returns; they live
 * until sp_config_free(). */
#ifndef SPIDER_CONFIG_H
#define SPIDER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

typedef enum {
    SP_OPT_STRING = 0,
    SP_OPT_INT,
    SP_OPT_DOUBLE,
    SP_OPT_BOOL,      /* a flag without argument sets it true */
    SP_OPT_LIST,      /* list of strings: JSON array, comma list in env/flag */
    SP_OPT_OBJECT,    /* JSON object of string values; flag takes key=value */
} sp_opt_type;

typedef struct {
    const char *key;     /* "poll.interval" */
    sp_opt_type type;
    const char *def;     /* default, as text (NULL: unset) */
    const char *flag;    /* long flag without dashes, NULL for file/env only */
    const char *help;    /* one line */
} sp_opt;

/* More about an option, in a table beside the options. */
typedef struct {
    const char *key;
    /* SP_OPT_INT/SP_OPT_DOUBLE: "MIN..MAX", "MIN.." or "..MAX", checked
     * whatever the value's origin; NULL: any value. */
    const char *range;
    /* Commands the option is for, comma separated ("compare,merge"): the
     * per-command --help lists only these and the common ones. NULL: all. */
    const char *cmds;
} sp_opt_rule;

/* A command of a program ("run", "compare"): its arguments after the
 * command name, and what --help says about it. */
typedef struct {
    const char *name;
    const char *synopsis;   /* "LEFT RIGHT" */
    const char *about;      /* a paragraph */
    int min_args, max_args; /* arguments after the name; max -1: no limit */
} sp_config_command;

typedef struct sp_config sp_config;

/* Result of sp_config_load(). */
typedef enum {
    SP_CONFIG_OK = 0,
    SP_CONFIG_EXIT_OK,   /* --help or --version was answered: exit 0 */
    SP_CONFIG_ERROR,     /* err holds the message: exit 2 */
} sp_config_result;

/* program: "spider-collector"; synopsis: the usage line after the name;
 * about: a paragraph for --help. opts must outlive the config. */
sp_config *sp_config_new(const char *program, const char *synopsis,
                         const char *about, const sp_opt *opts, size_t nopts);
void sp_config_free(sp_config *cfg);
/* Declares the program's commands (cmds must outlive cfg). Then the first
 * positional argument must be one of them and the others within its
 * min_args..max_args (a stray argument is an error, exit 2), and
 * `PROGRAM COMMAND --help` prints that command's help. */
void sp_config_commands(sp_config *cfg, const sp_config_command *cmds, size_t ncmds);
/* Declares ranges and commands of options (rules must outlive cfg). */
void sp_config_rules(sp_config *cfg, const sp_opt_rule *rules, size_t nrules);
/* After sp_config_load(): 0, or -1 with err when the positional arguments
 * are not one declared command and its arguments (always 0 without
 * declared commands). sp_service_init() calls it. */
int sp_config_check_args(const sp_config *cfg, char *err, size_t errlen);

/* Parses argv (flags, plus --config FILE, --help, --version), the file, the
 * environment (envp, NULL-terminated "K=V" strings). Remaining positional
 * arguments are available from sp_config_args(). */
sp_config_result sp_config_load(sp_config *cfg, int argc, char **argv,
                                char **envp, char *err, size_t errlen);

/* Loads a JSON document from a file with an error that names the file, line
 * and column. Caller owns the result (json_decref). */
json_t *sp_config_read_json(const char *path, char *err, size_t errlen);

const char *sp_config_str(const sp_config *cfg, const char *key);
long long sp_config_int(const sp_config *cfg, const char *key);
double sp_config_double(const sp_config *cfg, const char *key);
bool sp_config_bool(const sp_config *cfg, const char *key);
/* SP_OPT_LIST: a JSON array of strings. SP_OPT_OBJECT: a JSON object. */
json_t *sp_config_json(const sp_config *cfg, const char *key);
/* Positional arguments left after the flags. */
int sp_config_args(const sp_config *cfg, char ***argv);
/* Where a key's value came from: "default", "file", "env" or "flag". */
const char *sp_config_origin(const sp_config *cfg, const char *key);

void sp_config_usage(const sp_config *cfg, FILE *out);
/* The help of one command: its usage, about, and its options. */
void sp_config_usage_command(const sp_config *cfg, const sp_config_command *cmd, FILE *out);

/* Reads a whole small file (secrets, CA paths checks); trailing newline
 * stripped. Caller frees. NULL with err set on failure. */
char *sp_config_read_file_trimmed(const char *path, char *err, size_t errlen);

#endif
