/* convert_fields.c - the computed fields of convert_to_json.py that are
 * not the CMS profile's: RecordTime (recordTime), the exit code with its
 * ErrorType and ErrorClass (commonExitCode, errorType, errorClass),
 * RequestCpus, the hours (CoreHr, CpuTimeHr, ...), CpuEff, Status, Universe,
 * QueueHrs, the badputs, the proxy's FQAN list and VO, and the machine
 * benchmarks (HS06, DB12) with the CPU model.
 *
 * Ownership: every field set here lives in the result's arena, or is
 * borrowed from the ad. */
#include "convert_internal.h"

#include <stdio.h>
#include <string.h>

#include "patterns.h"
#include "pyfmt.h"

/* recordTime: CompletionDate or JobFinishedHookDone as the ad has it (an
 * int, or a real) for jobs that ended, else the launch time. */
sp_cval sp_conv_record_time(sp_ad *ad, long long now, sp_arena *a, conv_ctx *st)
{
    double status = num(ad, "JobStatus", -1, a, st);
    if (status == 3 || status == 4 || status == 6) {
        const sp_cval *cd = get_truthy(ad, "CompletionDate");
        if (!cd)
            cd = get_truthy(ad, "JobFinishedHookDone");
        if (cd && (cd->type == SP_CV_INT || cd->type == SP_CV_REAL || cd->type == SP_CV_BOOL))
            return *cd;
    }
    return sp_cv_int(now);
}

/* commonExitCode: the exit code as the ad has it (ad.get, not evaluated). */
sp_cval sp_conv_common_exit_code(const sp_ad *ad)
{
    const sp_cval *condor = get(ad, "ExitCode");
    if (!condor)
        return sp_cv_int(50666);
    if (sp_conv_is_analysis(ad)) {
        const sp_cval *v = get(ad, "JobExitCode");
        if (!v)
            v = get(ad, "Chirp_CRAB3_Job_ExitCode");
        return v ? *v : *condor;
    }
    const sp_cval *cmsrun = get(ad, "Chirp_WMCore_cmsRun_ExitCode");
    double x;
    return cmsrun && sp_conv_py_number(cmsrun, &x) && x > 0 ? *cmsrun : *condor;
}

/* The exit code as the document shows it: the Value enum as null
 * (compatibility.md D5), an error literal too. */
sp_cval sp_conv_exit_code_doc(sp_cval v)
{
    return is_error_literal(&v) || v.type == SP_CV_ERROR ? sp_cv_undefined() : v;
}

const char *sp_conv_error_type(double code)
{
    if (code == 0)
        return "Success";
    if ((code >= 10000 && code <= 19999) || code == 50513)
        return "Environment";
    if (code >= 60000 && code <= 69999)
        return code >= 69000 ? "Publication" : "StageOut";
    if (code >= 80000 && code <= 89999)
        return "JobWrapper";
    if (code == 8020 || code == 8028)
        return "FileOpen";
    if (code == 8021)
        return "FileRead";
    if (code == 8030 || code == 8031 || code == 8032 || code == 9000 || (code >= 50660 && code <= 50669))
        return "OutOfBounds";
    if ((code >= 7000 && code <= 9000) || code == 139)
        return "Executable";
    return "Other";
}

const char *sp_conv_error_class(const char *type, int failed)
{
    /* the reference also lists "AsyncStageOut", which errorType never gives */
    if (!strcmp(type, "Environment") || !strcmp(type, "Publication") || !strcmp(type, "StageOut"))
        return "System";
    if (!strcmp(type, "FileOpen") || !strcmp(type, "FileRead"))
        return "DataAccess";
    if (!strcmp(type, "JobWrapper") || !strcmp(type, "OutOfBounds") || !strcmp(type, "Executable"))
        return "Application";
    return failed ? "Other" : "Success";
}

/* ---------- RequestCpus, hours, efficiency, the proxy ---------- */

static const char *const status_names[] = { "Unexpanded", "Idle", "Running", "Removed", "Completed", "Held", "Error" };
static const char *const universe_names[] = { NULL, "Standard", "Pipe", "Linda", "PVM", "Vanilla", "PVMD",
                                              "Scheduler", "MPI", "Grid", "Java", "Parallel", "Local" };

/* RequestCpus: from Cream/Nordugrid attributes or xcount when absent,
 * then int(eval) or 1.0; returns the value used in the hours. */
sp_cval sp_conv_request_cpus(sp_ad *ad, sp_ad *res, sp_arena *a, conv_ctx *st)
{
    long long n;
    if (!has(ad, "RequestCpus")) {
        const char *cream = str(ad, "CreamAttributes", "");
        const char *rsl = str(ad, "NordugridRSL", "");
        sp_cval v = sp_cv_int(1);
        if (sp_pat_number_after(cream, "CPUNumber = ", NULL, &n))
            v = sp_cv_int(n);
        else if (sp_pat_number_after(rsl, "(count=", ")", &n))
            v = sp_cv_int(n);
        else if (has(ad, "xcount"))
            v = *get(ad, "xcount");
        sp_ad_set(ad, S("RequestCpus"), &v);
    }
    sp_cval v = eval(ad, "RequestCpus", a, st);
    long long i;
    sp_cval r = sp_conv_py_int(&v, &i) ? sp_cv_int(i) : sp_cv_real(1.0);
    sp_ad_set(ad, S("RequestCpus"), &r);
    set(res, "RequestCpus", r);
    return r;
}

/* ad.get(name, 0) as a Python number: an int stays an int (bool too),
 * anything else that is no number counts as 0. */
static sp_cval raw_num(sp_ad *ad, const char *name, sp_arena *a, conv_ctx *st)
{
    const sp_cval *raw = get(ad, name);
    double x;
    if (raw && (raw->type == SP_CV_UNDEFINED || is_error_literal(raw)) && sp_conv_py_number(raw, &x))
        return sp_cv_int((long long)x);          /* Value.Undefined 2, Value.Error 1, as ints */
    sp_cval v = eval(ad, name, a, st);
    if (v.type == SP_CV_BOOL)
        return sp_cv_int(v.u.b);
    return v.type == SP_CV_INT || v.type == SP_CV_REAL ? v : sp_cv_int(0);
}

/* x * y / div as Python computes it: ints multiply exactly, the product is
 * rounded to a float once. No overflow (a huge RemoteWallClockTime). */
static double py_mul_div(sp_cval x, sp_cval y, double div)
{
    if (x.type == SP_CV_INT && y.type == SP_CV_INT)
        return (double)((__int128)x.u.i * y.u.i) / div;
    return num_of(&x) * num_of(&y) / div;
}

/* (x + y) / div, ints added exactly. */
static double py_add_div(sp_cval x, sp_cval y, double div)
{
    if (x.type == SP_CV_INT && y.type == SP_CV_INT)
        return (double)((__int128)x.u.i + y.u.i) / div;
    return (num_of(&x) + num_of(&y)) / div;
}

void sp_conv_hours(sp_ad *res, sp_ad *ad, sp_cval cpus, sp_arena *a, conv_ctx *st)
{
    sp_cval wall = sp_conv_py_trunc(raw_num(ad, "RemoteWallClockTime", a, st));
    sp_cval committed = raw_num(ad, "CommittedTime", a, st);
    set(res, "CoreHr", sp_cv_real(py_mul_div(cpus, wall, 3600.0)));
    set(res, "CommittedCoreHr", sp_cv_real(py_mul_div(cpus, committed, 3600.0)));
    set(res, "CommittedWallClockHr", sp_cv_real(num_of(&committed) / 3600.0));
    set(res, "CpuTimeHr", sp_cv_real(py_add_div(raw_num(ad, "RemoteSysCpu", a, st), raw_num(ad, "RemoteUserCpu", a, st), 3600.0)));
    sp_cval disk = raw_num(ad, "DiskUsage_RAW", a, st), rss = raw_num(ad, "ResidentSetSize_RAW", a, st);
    set(res, "DiskUsageGB", sp_cv_real(num_of(&disk) / 1000000.0));
    set(res, "MemoryMB", sp_cv_real(num_of(&rss) / 1024.0));
}

void sp_conv_efficiency(sp_ad *res, sp_ad *ad, long long now, sp_arena *a, conv_ctx *st)
{
    double wall = 0, cpu = 0, core = 0, committed = 0;
    rnum(res, "WallClockHr", &wall);
    rnum(res, "CpuTimeHr", &cpu);
    rnum(res, "CoreHr", &core);
    rnum(res, "CommittedCoreHr", &committed);
    if (wall == 0)
        set(res, "CpuEff", sp_cv_int(0));
    else
        set(res, "CpuEff", sp_cv_real(100 * cpu / wall / num(ad, "RequestCpus", 1.0, a, st)));
    double js = num(ad, "JobStatus", -1, a, st), ju = num(ad, "JobUniverse", -1, a, st);
    set_str(res, "Status", js >= 0 && js <= 6 && js == (int)js ? status_names[(int)js] : "Unknown");
    set_str(res, "Universe", ju >= 1 && ju <= 12 && ju == (int)ju ? universe_names[(int)ju] : "Unknown");
    if (has(ad, "QDate"))
        set(res, "QueueHrs", sp_cv_real((num(ad, "JobCurrentStartDate", (double)now, a, st) - num(ad, "QDate", 0, a, st)) / 3600.0));
    set(res, "Badput", sp_cv_real(core - committed > 0 ? core - committed : 0.0));
    set(res, "CpuBadput", sp_cv_real(core - cpu > 0 ? core - cpu : 0.0));
}

void sp_conv_proxy_fields(sp_ad *res, sp_ad *ad)
{
    const sp_cval *fqan = get(ad, "x509UserProxyFQAN");
    if (fqan) {
        sp_cval s = sp_conv_py_str(res->arena, fqan);
        size_t n = 1;
        for (size_t i = 0; i < s.u.str.len; i++)
            n += s.u.str.s[i] == ',';
        sp_cval *items = sp_arena_alloc(res->arena, n * sizeof(*items));
        if (items && s.type == SP_CV_STRING) {
            const char *start = s.u.str.s;
            size_t k = 0;
            for (const char *p = start;; p++)
                if (*p == ',' || !*p) {
                    items[k++] = sp_cv_string(res->arena, start, (size_t)(p - start));
                    if (!*p)
                        break;
                    start = p + 1;
                }
            sp_cval list = { .type = SP_CV_LIST };
            list.u.list.items = items;
            list.u.list.n = k;
            set(res, "x509UserProxyFQAN", list);
        }
    }
    const sp_cval *vo = get(ad, "x509UserProxyVOName");
    if (vo)
        set(res, "VO", sp_conv_py_str(res->arena, vo));
}

/* ---------- machine benchmarks ---------- */

static void benchmark(sp_ad *res, const char *prefix, double bench)
{
    static const char *const rate_in[] = { "EventRate", "CpuEventRate" };
    static const char *const time_in[] = { "CpuTimePerEvent", "TimePerEvent" };
    static const char *const hr_in[] = { "CoreHr", "CommittedCoreHr", "CpuTimeHr" };
    char name[64];
    double v;
    for (size_t i = 0; i < 2; i++)
        if (rnum(res, rate_in[i], &v) && v > 0) {
            snprintf(name, sizeof(name), "%s%s", prefix, rate_in[i]);
            set(res, name, sp_cv_real(v / bench));
        }
    for (size_t i = 0; i < 2; i++)
        if (rnum(res, time_in[i], &v) && v > 0) {
            snprintf(name, sizeof(name), "%s%s", prefix, time_in[i]);
            set(res, name, sp_cv_real(v * bench));
        }
    for (size_t i = 0; i < 3; i++)
        if (rnum(res, hr_in[i], &v)) {
            snprintf(name, sizeof(name), "%s%s", prefix, hr_in[i]);
            set(res, name, sp_cv_real(v * bench));
        }
}

/* Python float() of a value: numbers, and strings that parse. */
static int py_float(const sp_cval *v, double *out)
{
    if (is_num(v)) {
        *out = num_of(v);
        return 1;
    }
    if (v && v->type == SP_CV_STRING)
        return sp_py_parse_float(v->u.str.s, out);
    return 0;
}

void sp_conv_machine_benchmarks(sp_ad *res, sp_ad *ad, sp_arena *a, conv_ctx *st)
{
    double cpus, hs06;
    const sp_cval *hv = get(ad, "MachineAttrMJF_JOB_HS06_JOB0");
    if (py_float(rget(res, "GLIDEIN_Cpus"), &cpus) && hv && py_float(hv, &hs06) && cpus != 0) {
        set(res, "BenchmarkJobHS06", sp_cv_real(hs06 / cpus));
        benchmark(res, "HS06", hs06 / cpus);
    } else {
        sp_ad_remove(res, S("MachineAttrMJF_JOB_HS06_JOB0"));
    }
    sp_cval db12 = eval(ad, "MachineAttrDIRACBenchmark0", a, st);
    double d;
    if (db12.type != SP_CV_UNDEFINED && has(ad, "MachineAttrDIRACBenchmark0") && py_float(&db12, &d)) {
        set(res, "BenchmarkJobDB12", sp_cv_real(d));
        benchmark(res, "DB12", d);
    }
    /* "MachineAttrHAS_SINGULARITY0 is true": identical to the boolean true */
    sp_cval sing = eval(ad, "MachineAttrHAS_SINGULARITY0", a, st);
    set(res, "HasSingularity", sp_cv_bool(sing.type == SP_CV_BOOL && sing.u.b));
    const sp_cval *cpu = get(ad, "ChirpCMSSWCPUModels");
    if (!cpu || is_expr_tree(cpu))
        cpu = get(ad, "MachineAttrCPUModel0");
    if (cpu) {
        sp_cval s = sp_conv_py_str(res->arena, cpu);
        set(res, "CPUModel", s);
        set(res, "CPUModelName", s);
        set(res, "Processor", s);
    }
}
