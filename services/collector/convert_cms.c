/* convert_cms.c - the CMS profile of convert_to_json.py: analysis or not,
 * the guesses (guessTaskType, guessCampaignType, guessCampaign,
 * guessWorkflow), FormattedCrabId and CRAB_TaskCreationDate, the site
 * (Site, Tier, Country, InputData, OverflowType), the lists split from
 * strings (DataLocations, DESIRED_Sites, CMSGroups), the datasets, the
 * CMSSW version, the pilot's rest life time and OutputFiles,
 * CRAB_PostJobStatus and CMS_WMTool.
 *
 * Ownership: every field set here lives in the result's arena, or is
 * borrowed from the ad; default_site() and cms_profile() read the ad,
 * default_site() writes MATCH_EXP_JOB_GLIDEIN_CMSSite into it as the
 * reference does. */
#include "convert_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patterns.h"
#include "pyfmt.h"

/* ---------- the guesses ---------- */

/* A matched group as a string in the arena. */
static char *group(sp_arena *a, const char *s, sp_span g)
{
    return sp_arena_strndup(a, s + g.off, g.len);
}

int sp_conv_is_analysis(const sp_ad *ad)
{
    return strcasecmp(str(ad, "CMS_Type", "unknown"), "analysis") == 0 ||
           strcmp(str(ad, "CMS_JobType", "unknown"), "Analysis") == 0;
}

/* The last path element of WMAgent_SubTaskName ("/UNKNOWN" when absent). */
static const char *subtask_leaf(const sp_ad *ad)
{
    const char *s = str(ad, "WMAgent_SubTaskName", "/UNKNOWN");
    const char *slash = strrchr(s, '/');
    return slash ? slash + 1 : s;
}

static const char *guess_task_type(const sp_ad *ad, sp_arena *a)
{
    const char *job_type = str(ad, "CMS_JobType", "UNKNOWN");
    if (!strcmp(job_type, "Processing"))
        return "DataProcessing";
    if (strcmp(job_type, "Production") != 0)
        return job_type;
    const char *ttype = subtask_leaf(ad);
    const char *dash = strchr(ttype, '-');
    const char *camp2 = ttype;
    if (dash) {                                  /* ttype.split("-")[1] */
        const char *end = strchr(dash + 1, '-');
        camp2 = sp_arena_strndup(a, dash + 1, end ? (size_t)(end - dash - 1) : strlen(dash + 1));
        if (!camp2)
            camp2 = "";
    }
    size_t tl = strlen(ttype);
    if (strstr(ttype, "CleanupUnmerged"))
        return "Cleanup";
    if (strstr(ttype, "Merge"))
        return "Merge";
    if (strstr(ttype, "LogCollect"))
        return "LogCollect";
    if (strstr(str(ad, "WMAgent_RequestName", "UNKNOWN"), "MiniAOD") && !strcmp(ttype, "StepOneProc"))
        return "MINIAOD";
    if (strstr(ttype, "MiniAOD"))
        return "MINIAOD";
    if (!strcmp(ttype, "StepOneProc") && sp_pat_two_digits_then(camp2, "DR"))
        return "DIGIRECO";
    if (sp_pat_two_digits_then(camp2, "GS") && ends(ttype, tl, "_0"))
        return "GENSIM";
    if (ends(ttype, tl, "_0"))
        return "DIGI";
    if (ends(ttype, tl, "_1") || !strcasecmp(ttype, "reco"))
        return "RECO";
    if (!strcmp(ttype, "MonteCarloFromGEN"))
        return "GENSIM";
    return "UNKNOWN";
}

static const char *guess_campaign_type(const sp_ad *ad, int analysis)
{
    const char *camp = str(ad, "WMAgent_RequestName", "UNKNOWN");
    if (analysis)
        return "Analysis";
    if (sp_pat_ultralegacy_mc(camp))
        return "MC Ultralegacy";
    if (strstr(camp, "UltraLegacy"))
        return "Data Ultralegacy";
    if (strstr(camp, "Phase2"))
        return "Phase2 requests";
    if (strstr(camp, "Run3") || strstr(camp, "RunIII"))
        return "Run3 requests";
    if (strstr(camp, "RVCMSSW"))
        return "RelVal";
    if (sp_pat_run2(camp))
        return "Run2 requests";
    if (strstr(camp, "SnowmassWinter21"))
        return "SnowmassWinter21";
    return "UNKNOWN";
}

/* guessCampaign after its first rule: a true CMS_CampaignName is taken as
 * the ad has it, whatever its type, by sp_conv_cms_profile(). */
static const char *guess_campaign(const sp_ad *ad, int analysis,
                                  const char *campaign_type, sp_arena *a)
{
    const char *camp = str(ad, "WMAgent_RequestName", "UNKNOWN");
    sp_span g;
    if (analysis) {
        const char *user = str(ad, "CRAB_UserHN", "UNKNOWN");
        char *s = sp_arena_alloc(a, strlen(user) + 6);
        if (s)
            sprintf(s, "crab_%s", user);
        return s ? s : "crab_";
    }
    if (starts(camp, "PromptReco"))
        return "PromptReco";
    if (starts(camp, "Repack"))
        return "Repack";
    if (starts(camp, "Express"))
        return "Express";
    if (strstr(camp, "RVCMSSW"))
        return "RelVal";
    if (sp_pat_camp(camp, &g))
        return group(a, camp, g);
    if (sp_pat_rereco(camp, &g) && strstr(str(ad, "WMAgent_SubTaskName", ""), "DataProcessing")) {
        char *g1 = group(a, camp, g);
        char *s = g1 ? sp_arena_alloc(a, strlen(g1) + 13) : NULL;
        if (s)
            sprintf(s, "%sReprocessing", g1);
        return s ? s : camp;
    }
    return campaign_type;
}

static const char *guess_workflow(const sp_ad *ad, int analysis, sp_arena *a)
{
    const char *prep = str(ad, "WMAgent_RequestName", "UNKNOWN");
    sp_span g1, g2;
    if (analysis) {
        const char *wf = str(ad, "CRAB_Workflow", "UNKNOWN");
        const char *colon = strchr(wf, ':');
        return colon ? colon + 1 : wf;
    }
    if (sp_pat_prep(prep, &g1))
        return group(a, prep, g1);
    if (sp_pat_prep_prompt(prep, &g1, &g2)) {
        char *s = sp_arena_alloc(a, g1.len + g2.len + 2);
        if (!s)
            return prep;
        memcpy(s, prep + g1.off, g1.len);
        s[g1.len] = '_';
        memcpy(s + g1.len + 1, prep + g2.off, g2.len);
        s[g1.len + 1 + g2.len] = '\0';
        return s;
    }
    if (sp_pat_rval(prep, &g1))
        return group(a, prep, g1);
    return prep;
}

void sp_conv_cms_profile(sp_ad *ad, sp_ad *res, int analysis, sp_arena *a)
{
    const sp_cval *sub = get(ad, "WMAgent_SubTaskName");
    set(res, "task", sub ? *sub : sp_cv_undefined());
    const sp_cval *jt = get(ad, "CMS_JobType");
    set(res, "CMS_JobType", jt ? sp_conv_py_str(res->arena, jt) : sp_cv_string(res->arena, analysis ? "Analysis" : "Unknown", analysis ? 8 : 7));
    const sp_cval *dest = get(ad, "CRAB_AsyncDest");
    set(res, "CRAB_AsyncDest", dest ? sp_conv_py_str(res->arena, dest) : sp_cv_string(res->arena, S("Unknown")));
    set_str(res, "WMAgent_TaskType", subtask_leaf(ad));
    const char *ctype = guess_campaign_type(ad, analysis);
    set_str(res, "CMS_CampaignType", ctype);
    set_str(res, "Campaign", guess_campaign(ad, analysis, ctype, a));
    const sp_cval *camp_name = get_truthy(ad, "CMS_CampaignName");   /* as the ad has it */
    if (camp_name)
        set(res, "Campaign", *camp_name);
    const sp_cval *ext = rget(res, "CMS_extendedJobType");
    sp_cval task;
    if (ext && ext->type != SP_CV_UNDEFINED && !(ext->type == SP_CV_STRING && !strcmp(ext->u.str.s, "UNKNOWN")))
        task = *ext;
    else if (rget(res, "CMS_TaskType"))
        task = *rget(res, "CMS_TaskType");
    else if (analysis)
        task = *rget(res, "CMS_JobType");
    else if (jt && jt->type != SP_CV_STRING)
        task = *jt;                              /* guessTaskType returns CMS_JobType as it is */
    else
        task = sp_cv_string(res->arena, guess_task_type(ad, a), strlen(guess_task_type(ad, a)));
    set(res, "TaskType", task);
    set_str(res, "Workflow", guess_workflow(ad, analysis, a));
}

/* ---------- CRAB ids, lists, dates, the site ---------- */

/* FormattedCrabId: "X-N" -> "X.00000N", "N" -> "00000N", else "000000". */
void sp_conv_formatted_crab_id(sp_ad *res, const sp_cval *id)
{
    char out[64] = "000000";
    if (id->type == SP_CV_STRING) {
        const char *s = id->u.str.s;
        const char *dash = strchr(s, '-');
        long long x, n;
        if (dash) {                    /* "{}.{:06d}".format(*parts): the first two */
            char left[32], right[32];
            const char *dash2 = strchr(dash + 1, '-');
            size_t l = (size_t)(dash - s), r = dash2 ? (size_t)(dash2 - dash - 1) : strlen(dash + 1);
            int all = 1;                 /* every part must be an int, or the reference raises */
            for (const char *p = dash2; p && all; p = strchr(p + 1, '-')) {
                const char *e = strchr(p + 1, '-');
                char part[32];
                size_t pl = e ? (size_t)(e - p - 1) : strlen(p + 1);
                if (pl >= sizeof(part))
                    all = 0;
                else {
                    memcpy(part, p + 1, pl);
                    part[pl] = '\0';
                    all = sp_py_parse_int(part, &n);
                }
            }
            if (all && l < sizeof(left) && r < sizeof(right)) {
                memcpy(left, s, l);
                left[l] = '\0';
                memcpy(right, dash + 1, r);
                right[r] = '\0';
                if (sp_py_parse_int(left, &x) && sp_py_parse_int(right, &n))
                    snprintf(out, sizeof(out), "%lld.%06lld", x, n);
            }
        } else if (*s && strspn(s, "0123456789") == strlen(s) && sp_py_parse_int(s, &n)) {
            snprintf(out, sizeof(out), "%06lld", n);
        }
    }
    set_str(res, "FormattedCrabId", out);
}

void sp_conv_default_site(sp_ad *ad)
{
    static const char *const chain[] = { "MATCH_EXP_JOBGLIDEIN_CMSSite", "MATCH_GLIDEIN_CMSSite",
                                         "MachineAttrGLIDEIN_CMSSite0", "MachineAttrCMSProcessingSiteName0" };
    if (has(ad, "MATCH_EXP_JOB_GLIDEIN_CMSSite"))
        return;
    for (size_t i = 0; i < 4; i++) {
        const sp_cval *v = get(ad, chain[i]);
        if (v) {
            sp_cval copy = *v;
            sp_ad_set(ad, S("MATCH_EXP_JOB_GLIDEIN_CMSSite"), &copy);
            return;
        }
    }
    sp_cval unknown = sp_cv_string(ad->arena, S("Unknown"));
    sp_ad_set(ad, S("MATCH_EXP_JOB_GLIDEIN_CMSSite"), &unknown);
}

/* The length of the white-space character at p as Python's str.isspace()
 * and re's \s see it (Unicode, in UTF-8), or 0. */
static size_t py_space(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    if ((*u >= 0x09 && *u <= 0x0d) || (*u >= 0x1c && *u <= 0x20))
        return 1;
    if (u[0] == 0xc2 && (u[1] == 0x85 || u[1] == 0xa0))
        return 2;
    if (u[0] == 0xe1 && u[1] == 0x9a && u[2] == 0x80)                 /* U+1680 */
        return 3;
    if (u[0] == 0xe2 && u[1] == 0x80 && ((u[2] >= 0x80 && u[2] <= 0x8a) || u[2] == 0xa8 || u[2] == 0xa9 || u[2] == 0xaf))
        return 3;                                                     /* U+2000-200A, 2028, 2029, 202F */
    if (u[0] == 0xe2 && u[1] == 0x81 && u[2] == 0x9f)                 /* U+205F */
        return 3;
    if (u[0] == 0xe3 && u[1] == 0x80 && u[2] == 0x80)                 /* U+3000 */
        return 3;
    return 0;
}

/* The length of the white-space character ending at e (after b), or 0. */
static size_t py_space_before(const char *b, const char *e)
{
    for (size_t n = 1; n <= 3 && e - (ptrdiff_t)n >= b; n++)
        if (py_space(e - n) == n)
            return n;
    return 0;
}

/* make_list_from_string_field: re.split(r"[\s,]+\s*", value). */
void sp_conv_split_list(sp_ad *res, const char *name, const sp_ad *ad, const char *key)
{
    const sp_cval *v = get(ad, key);
    sp_cval list = { .type = SP_CV_LIST };
    if (!v || v->type != SP_CV_STRING) {
        sp_cval *item = sp_arena_alloc(res->arena, sizeof(*item));
        if (!item)
            return;
        *item = sp_cv_string(res->arena, S("UNKNOWN"));
        list.u.list.items = item;
        list.u.list.n = 1;
        set(res, name, list);
        return;
    }
    const char *s = v->u.str.s;
    size_t n = 1, w;
    for (const char *p = s; *p; p++)
        n += *p == ',' || py_space(p) > 0;      /* at least one separator per item */
    sp_cval *items = sp_arena_alloc(res->arena, n * sizeof(*items));
    if (!items)
        return;
    size_t k = 0;
    const char *start = s, *p = s;
    for (;;) {
        if (*p != '\0' && *p != ',' && !py_space(p)) {
            p++;
            continue;
        }
        items[k++] = sp_cv_string(res->arena, start, (size_t)(p - start));
        if (!*p)
            break;
        while (*p == ',' || (w = py_space(p)) > 0)
            p += *p == ',' ? 1 : w;
        start = p;
    }
    list.u.list.items = items;
    list.u.list.n = k;
    set(res, name, list);
}

static size_t list_len(const sp_cval *v)
{
    if (!v)
        return 0;
    if (v->type == SP_CV_LIST)
        return v->u.list.n;
    if (v->type == SP_CV_STRING)
        return v->u.str.len;
    return 0;
}

void sp_conv_pilot_and_outputs(sp_ad *res, sp_ad *ad, int analysis, sp_arena *a, conv_ctx *st)
{
    set(res, "PilotRestLifeTimeMins", sp_cv_int(-1));
    if (analysis && num(ad, "JobStatus", -1, a, st) == 2 && has(ad, "LastMatchTime")) {
        sp_cval todie = eval(ad, "MATCH_GLIDEIN_ToDie", a, st), ecs = eval(ad, "EnteredCurrentStatus", a, st);
        if (is_num(&todie) && is_num(&ecs))
            set(res, "PilotRestLifeTimeMins", sp_cv_int((long long)((num_of(&todie) - num_of(&ecs)) / 60)));
        else
            set(res, "PilotRestLifeTimeMins", sp_cv_int(-72 * 60));
    }
    const sp_cval *tuned = get(ad, "HasBeenTimingTuned");
    set(res, "HasBeenTimingTuned", tuned ? *tuned : sp_cv_bool(0));
    if (analysis) {
        size_t n = list_len(get(ad, "CRAB_AdditionalOutputFiles")) + list_len(get(ad, "CRAB_TFileOutputFiles")) +
                   list_len(get(ad, "CRAB_EDMOutputFiles"));
        set(res, "OutputFiles", sp_cv_int((long long)n + (long long)num(ad, "CRAB_SaveLogsFlag", 0, a, st)));
    }
}

/* CRAB_TaskCreationDate from "YYMMDD_HHMMSS:user_task", else RecordTime. */
sp_cval sp_conv_task_creation(const sp_ad *ad, sp_cval record)
{
    const char *wf = str(ad, "CRAB_Workflow", NULL);
    int y, mo, d, h, mi, s, n = 0;
    if (!wf || sscanf(wf, "%2d%2d%2d_%2d%2d%2d%n", &y, &mo, &d, &h, &mi, &s, &n) != 6 || n != 13 ||
        (wf[13] && wf[13] != ':') || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 61)
        return record;
    for (int i = 0; i < 13; i++)
        if (i != 6 && !isdigit((unsigned char)wf[i]))
            return record;
    int year = (y < 69 ? 2000 : 1900) + y;       /* strptime %y */
    static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (d > mdays[mo - 1] + (mo == 2 && leap) || s > 59)
        return record;
    /* days from civil (UTC), no timezone involved */
    int yy = year - (mo <= 2);
    int era = (yy >= 0 ? yy : yy - 399) / 400;
    int yoe = yy - era * 400;
    int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    long long days = (long long)era * 146097 + doe - 719468;
    return sp_cv_int(days * 86400 + h * 3600 + mi * 60 + s);
}

void sp_conv_datasets(sp_ad *res)
{
    const char *ds = rstr(res, "DESIRED_CMSDataset");
    set_str(res, "CMSPrimaryPrimaryDataset", "Unknown");
    set_str(res, "CMSPrimaryProcessedDataset", "Unknown");
    set_str(res, "CMSPrimaryDataTier", "Unknown");
    if (!ds)
        return;
    const char *p[64];
    size_t n = 0;
    p[n++] = ds;
    for (const char *s = ds; *s && n < 64; s++)
        if (*s == '/')
            p[n++] = s + 1;
    if (n <= 3)
        return;
    set_strn(res, "CMSPrimaryPrimaryDataset", p[1], (size_t)(p[2] - p[1] - 1));
    set_strn(res, "CMSPrimaryProcessedDataset", p[2], (size_t)(p[3] - p[2] - 1));
    set_str(res, "CMSPrimaryDataTier", p[n - 1]);
}

/* Python's str.strip(chars): removes any of chars from both ends. */
static const char *strip_chars(sp_arena *a, const char *s, const char *chars)
{
    size_t b = 0, e = strlen(s);
    while (b < e && strchr(chars, s[b]))
        b++;
    while (e > b && strchr(chars, s[e - 1]))
        e--;
    char *out = sp_arena_strndup(a, s + b, e - b);
    return out ? out : s;
}

static void tier_country(sp_ad *res, const char *site)
{
    const char *u1 = strchr(site, '_');
    const char *u2 = u1 ? strchr(u1 + 1, '_') : NULL;
    if (u2) {
        set_strn(res, "Tier", site, (size_t)(u1 - site));
        set_strn(res, "Country", u1 + 1, (size_t)(u2 - u1 - 1));
    } else {
        set_str(res, "Tier", "Unknown");
        set_str(res, "Country", "Unknown");
    }
}

static int list_has(const sp_cval *list, const char *s)
{
    if (!list || list->type != SP_CV_LIST)
        return 0;
    for (size_t i = 0; i < list->u.list.n; i++)
        if (list->u.list.items[i].type == SP_CV_STRING && !strcmp(list->u.list.items[i].u.str.s, s))
            return 1;
    return 0;
}

static void input_data(sp_ad *res, const sp_ad *ad, const char *site, int analysis, sp_arena *a,
                       conv_ctx *st)
{
    const sp_cval *locs = rget(res, "DESIRED_CMSDataLocations");
    if (!locs || locs->type == SP_CV_UNDEFINED) {
        set_str(res, "InputData", "Onsite");
    } else if (locs->type == SP_CV_STRING ? strstr(locs->u.str.s, site) != NULL : list_has(locs, site)) {
        set_str(res, "InputData", "Onsite");
    } else if (strcmp(site, "UNKNOWN") != 0 && num(ad, "JobStatus", -1, a, st) != 1) {
        set_str(res, "InputData", "Offsite");
        if (analysis)
            set_str(res, "OverflowType", list_has(rget(res, "DESIRED_Sites"), site) ? "IgnoreLocality" : "FrontendOverflow");
        else
            set_str(res, "OverflowType", "Unified");
    }
}

void sp_conv_site_fields(sp_ad *res, sp_ad *ad, int analysis, sp_arena *a, conv_ctx *st)
{
    sp_cval sv = eval(ad, "MATCH_EXP_JOB_GLIDEIN_CMSSite", a, st);
    sp_cval s = sp_conv_py_str(res->arena, &sv);
    const char *site = s.type == SP_CV_STRING ? s.u.str.s : "UNKNOWN";
    if (ends(site, strlen(site), "_Disk"))
        site = strip_chars(res->arena, site, "_Disk");
    set_str(res, "Site", site);
    tier_country(res, site);
    input_data(res, ad, site, analysis, a, st);
}

void sp_conv_cmssw_version(sp_ad *res)
{
    const char *sw = rstr(res, "CRAB_JobSW");
    sp_span g1, g2, g3;
    set_str(res, "CMSSWVersion", "Unknown");
    set_str(res, "CMSSWMajorVersion", "Unknown");
    set_str(res, "CMSSWReleaseSeries", "Unknown");
    if (!sw || !sp_pat_cmssw_version(sw, &g1, &g2, &g3))
        return;
    /* int("") raises in the reference, leaving the later fields "Unknown" */
    set_strn(res, "CMSSWVersion", sw + g1.off, g1.len);
    if (g2.len == 0 || g3.len == 0 || g2.len > 9 || g3.len > 9)
        return;
    char buf[64];
    int major = atoi(sw + g2.off), minor = atoi(sw + g3.off);
    snprintf(buf, sizeof(buf), "%d_X_X", major);
    set_str(res, "CMSSWMajorVersion", buf);
    snprintf(buf, sizeof(buf), "%d_%d_X", major, minor);
    set_str(res, "CMSSWReleaseSeries", buf);
}

/* ---------- post-job status, tools ---------- */

static const char *postjob_decode(const char *s)
{
    static const char *const map[][2] = {
        { "NOT RUN", "postProc" }, { "TRANSFERRING", "transferring" }, { "COOLOFF", "toRetry" },
        { "FAILED", "failed" }, { "FINISHED", "finished" },
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (!strcmp(s, map[i][0]))
            return map[i][1];
    return s;
}

void sp_conv_postjob_status(sp_ad *res)
{
    const char *pj = rstr(res, "CRAB_PostJobStatus");
    const char *status = rstr(res, "Status");
    const char *norm = "";
    if (pj && *pj) {                             /* .strip().upper() */
        const char *b = pj, *e = pj + strlen(pj);
        size_t w;
        while (b < e && (w = py_space(b)) > 0)
            b += w;
        while (e > b && (w = py_space_before(b, e)) > 0)
            e -= w;
        norm = sp_conv_py_case(res->arena, b, (size_t)(e - b), 1);
    }
    if (*norm && ((!strcmp(status, "Removed") && strcmp(norm, "NOT RUN")) || !strcmp(status, "Completed"))) {
        set_str(res, "CRAB_PostJobStatus", postjob_decode(norm));
        if (!rget(res, "CompletionDate")) {
            const sp_cval *ecs = rget(res, "EnteredCurrentStatus");
            set(res, "CompletionDate", ecs ? *ecs : sp_cv_undefined());
        }
        double ct = 0;
        if (!rget(res, "CommittedTime") || (rnum(res, "CommittedTime", &ct) && ct == 0)) {
            const sp_cval *rw = rget(res, "RemoteWallClockTime");
            set(res, "CommittedTime", rw ? *rw : sp_cv_undefined());
        }
    } else if (rget(res, "CRAB_Id")) {
        set_str(res, "CRAB_PostJobStatus", status);
    }
}

void sp_conv_wm_tool(sp_ad *res)
{
    const char *tool = rstr(res, "CMS_WMTool");
    if (!rget(res, "CMS_WMTool")) {
        const char *sub = rstr(res, "CMS_SubmissionTool");
        tool = sub && !strcmp(sub, "InstitutionalSchedd") ? "User" : "UNKNOWN";
    }
    if (!tool)
        return;                                  /* None: the reference would fail on .lower() */
    set_str(res, "CMS_WMTool", !strcasecmp(tool, "user") ? "User" : tool);
}
