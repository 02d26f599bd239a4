/* jobstate.h - what the differ remembers of a schedd's last complete queue
 * snapshot, and how one job's document compares with it.
 *
 * Per job (sp_job): its GlobalJobId, a 64-bit hash of its attributes (the
 * ignored ones left out: fields that move with the clock, see stream.h),
 * its JobStatus, and a 16-bit hash of each attribute by column (one column
 * per attribute name, shared by every job: sp_names), so that a CHANGED
 * event names the fields that changed. A changed job is always seen (the
 * 64-bit hash); a changed field is missing from the names only when its
 * 16-bit hashes collide (1 in 65,536). About 60 bytes plus 2 per column
 * per job, instead of the 3-6 KB of its document.
 *
 * A table keeps the last complete snapshot; the next one marks the jobs it
 * lists as seen, collects only the new and changed ones in a table of its
 * own, and once complete sweeps the unseen jobs out of the state and moves
 * the collected ones in: unchanged jobs are never copied.
 *
 * Ownership: sp_names owns its names. A table owns its jobs and their
 * GlobalJobIds and column arrays (one allocation per job); sp_job values
 * filled by sp_job_of() borrow the caller's scratch columns and GlobalJobId
 * buffer until sp_jobtable_put() copies them. */
#ifndef SPIDER_DIFFER_JOBSTATE_H
#define SPIDER_DIFFER_JOBSTATE_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

typedef struct sp_names sp_names;

/* ignore: attribute names, exact or ending in '*' (a prefix). */
sp_names *sp_names_new(const char *const *ignore, size_t nignore);
void sp_names_free(sp_names *n);
const char *sp_names_name(const sp_names *n, unsigned col);
/* Columns defined so far (the width of sp_job_of's scratch must be 65535). */
unsigned sp_names_count(const sp_names *n);

typedef struct {
    const char *gjid;
    uint64_t hash;                /* of the attributes that are not ignored */
    int32_t status;               /* JobStatus, -1 when absent */
    uint16_t ncols;
    uint16_t *cols;               /* value hash per column, 0 = absent or ignored */
    uint32_t seen;                /* in a table: the last snapshot that listed it (the caller's count) */
} sp_job;

/* A string inside a packed message (not NUL-terminated). */
typedef struct {
    const char *p;
    size_t len;
} sp_str;

/* What identifies a queue document, inside its packed bytes. */
typedef struct {
    sp_str id, schedd, gjid, snapshot_id;
} sp_docref;

/* The job of a packed Document, read straight from its bytes (no unpack:
 * attribute values are hashed as encoded, which our encoder makes
 * canonical). Its columns go in scratch (65535 entries, zeroed before the
 * first use and by sp_job_scratch_clear after each); its GlobalJobId is
 * copied, NUL-terminated, into gjid (gjidlen bytes). 0, or -1 when the
 * bytes are not a Document or it has no GlobalJobId. */
int sp_job_of(sp_names *n, const uint8_t *doc, size_t len, sp_job *out, uint16_t *scratch, sp_docref *ref,
              char *gjid, size_t gjidlen);
/* Zeroes the scratch columns job set (call once its values are copied). */
void sp_job_scratch_clear(const sp_job *job);
/* The names of the fields whose hashes differ between a and b, at most max
 * into out (names owned by n). Returns how many differ in all. */
size_t sp_job_changed_fields(const sp_names *n, const sp_job *a, const sp_job *b, const char **out, size_t max);

typedef struct sp_jobtable sp_jobtable;

sp_jobtable *sp_jobtable_new(void);
void sp_jobtable_free(sp_jobtable *t);
size_t sp_jobtable_count(const sp_jobtable *t);
/* The job with that GlobalJobId, or NULL (the caller may set its seen). */
sp_job *sp_jobtable_get(sp_jobtable *t, const char *gjid);
/* Copies job in (replacing one with the same GlobalJobId, in its place).
 * 0, or -1 when out of memory. */
int sp_jobtable_put(sp_jobtable *t, const sp_job *job);
/* Moves every job of from into t (replacing, as put), leaving from empty.
 * 0, or -1 when out of memory (then nothing moved). */
int sp_jobtable_move(sp_jobtable *t, sp_jobtable *from);
/* Drops the jobs whose seen is not seen, passing each to gone first (in
 * insertion order; the job is valid during the call). How many went. */
typedef void sp_jobtable_gone_fn(void *ctx, const sp_job *job);
size_t sp_jobtable_sweep(sp_jobtable *t, uint32_t seen, sp_jobtable_gone_fn *gone, void *ctx);
/* Empties the table, keeping its arrays for the next snapshot. */
void sp_jobtable_reset(sp_jobtable *t);
/* Bytes the table holds, for the state-size metric. */
size_t sp_jobtable_bytes(const sp_jobtable *t);

#endif
