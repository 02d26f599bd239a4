/* drill_version.c - the "bad build" of integration.dr_drill
 * (itest_dr_drill.sh): spider-collector-drill is services/collector/main.c
 * with this file in place of lib/version.c, so it stamps a clearly fake git
 * hash on its documents. These two definitions satisfy every reference, so
 * the linker never takes version.o out of libspider.a. Test-only: it is
 * never installed. */
#include <stdio.h>
#include "version.h"

#define DRILL_GIT_HASH "baadbaadbaadbaadbaadbaadbaadbaadbaadbaad"

const char *sp_version_git_hash(void) { return DRILL_GIT_HASH; }

void sp_version_print(const char *program, FILE *out)
{
    fprintf(out, "%s %s (git %s)\n", program, SPIDER_VERSION, DRILL_GIT_HASH);
}
