/* test_patterns.c - services/collector/patterns.c gives the groups the
 * reference's Python regular expressions give, on request names of the
 * shapes CMS uses (and on near misses that must not match). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "patterns.h"

static void assert_group(const char *s, sp_span g, const char *want)
{
    assert_int_equal(g.len, strlen(want));
    assert_memory_equal(s + g.off, want, g.len);
}

static void test_campaign_and_workflow(void **state)
{
    (void)state;
    sp_span g, g2, g3;
    const char *req = "pdmvserv_task_HIG-RunIISummer20UL16wmLHEGEN-00482__v1_T_211208_125036_3179";
    assert_true(sp_pat_camp(req, &g));
    assert_group(req, g, "RunIISummer20UL16wmLHEGEN");
    assert_true(sp_pat_prep(req, &g));
    assert_group(req, g, "HIG-RunIISummer20UL16wmLHEGEN-00482");
    assert_false(sp_pat_camp("nodash_at_all", &g));
    assert_false(sp_pat_camp("lower_abc-x-", &g));            /* [A-Z0-9]+ after the last '_' */
    assert_false(sp_pat_prep("pdmvserv_HIG1-Camp-00482", &g)); /* [A-Z]+ only */
    const char *rv = "pdmvserv_RVCMSSW_12_4_0ZMM_14__2026_02_01";
    assert_true(sp_pat_rval(rv, &g));                          /* no anchor at the end */
    assert_group(rv, g, "RVCMSSW_12_4_0");
    assert_false(sp_pat_rval("pdmv_serv_RVCMSSW_12_4_0", &g)); /* first part has no '_' */
    const char *rv2 = "pdmvserv_RVCMSSW_12_4_0_ZMM";
    assert_true(sp_pat_rval(rv2, &g));
    assert_group(rv2, g, "RVCMSSW_12_4_0");
    const char *pr = "PromptReco_Run2023D_ZeroBias_extra";
    assert_true(sp_pat_prep_prompt(pr, &g, &g2));
    assert_group(pr, g, "PromptReco");
    assert_group(pr, g2, "ZeroBias");
    const char *rr = "cerminar_Run2016B-v2-JetHT-23Sep2016_8020_160923_164036_4747";
    assert_true(sp_pat_rereco(rr, &g));
    assert_group(rr, g, "23Sep2016");
    assert_false(sp_pat_rereco("cerminar_Run2016B", &g));
    const char *sw = "CMSSW_10_6_29_patch1";
    assert_true(sp_pat_cmssw_version(sw, &g, &g2, &g3));
    assert_group(sw, g, "10_6_29_patch1");
    assert_group(sw, g2, "10");
    assert_group(sw, g3, "6");
    assert_true(sp_pat_cmssw_version("CMSSW___x", &g, &g2, &g3));  /* the digit runs may be empty */
    assert_int_equal(g2.len, 0);
    assert_false(sp_pat_cmssw_version("CMSSW_10", &g, &g2, &g3));
}

static void test_searches(void **state)
{
    (void)state;
    assert_true(sp_pat_ultralegacy_mc("x_RunIISummer19UL17GEN"));
    assert_true(sp_pat_ultralegacy_mc("x_UL2017_y"));
    assert_false(sp_pat_ultralegacy_mc("x_RunIISummer30UL"));
    assert_false(sp_pat_ultralegacy_mc("x_ULtra"));
    assert_true(sp_pat_run2("task_RunIIFall17"));
    assert_true(sp_pat_run2("task_Autumn18DR"));
    assert_true(sp_pat_run2("task_Summer20x"));
    assert_false(sp_pat_run2("task_Summer21x"));
    assert_false(sp_pat_run2("task_Winter14"));
    assert_true(sp_pat_two_digits_then("Summer19DR", "DR"));
    assert_false(sp_pat_two_digits_then("Summer09DR", "DR"));
    assert_false(sp_pat_two_digits_then("DR", "DR"));
    assert_true(sp_pat_wmcore_exception("Chirp_WMCore_cmsRun1_Exception_Message"));
    assert_false(sp_pat_wmcore_exception("Chirp_WMCore_cmsRun1_Exception_Message2"));
    assert_false(sp_pat_wmcore_exception("Chirp_WMCore__Exception_Message"));
    long long n;
    assert_true(sp_pat_number_after("(a)(count=8)(b)", "(count=", ")", &n));
    assert_int_equal(n, 8);
    assert_false(sp_pat_number_after("(count=8", "(count=", ")", &n));
    assert_true(sp_pat_number_after("x CPUNumber = 4 y", "CPUNumber = ", NULL, &n));
    assert_int_equal(n, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_campaign_and_workflow),
        cmocka_unit_test(test_searches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
