/* pool.c - spider-sim's evolving pool: job lives from a seed, and the
 * CMS-shaped job ads HTCondor would show for them. See pool.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"

#define WARMUP_STEPS 10   /* the queue has been filling this long at step 0 */

static const char *sites[] = {
    "T2_CH_CERN", "T1_US_FNAL", "T2_US_Nebraska", "T2_DE_DESY", "T1_DE_KIT",
    "T2_IT_Legnaro", "T2_UK_London_IC", "T1_FR_CCIN2P3", "T2_US_MIT", "T3_US_NERSC",
};
static const char *users[] = { "alice", "bob", "cristina", "dmitri", "erin", "farid", "giulia", "hiro" };
static const char *campaigns[] = { "Run3Summer23", "Run3Winter24Reco", "RunIISummer20UL18", "Run3Summer22EE" };
static const char *wm_types[] = { "Production", "Processing", "Merge", "LogCollect", "Cleanup" };

/* splitmix64: a good, tiny mixer; everything random comes from it. */
static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static uint64_t h(const sim_pool *p, int s, long long j, int salt)
{
    return mix(p->seed ^ mix((uint64_t)s * 0x100000001b3ULL ^ mix((uint64_t)j * 31 + (uint64_t)salt)));
}

void sim_pool_defaults(sim_pool *p)
{
    p->seed = 1;
    p->schedds = 4;
    p->jobs = 100;
    p->t0 = 1763800000;   /* 2025-11-22T08:26:40Z: fixed, so output is reproducible */
    p->interval = 720;
    p->nhuge = 0;
    for (const char *h = getenv("SPIDER_SIM_HUGE"); h && *h && p->nhuge < 4; h = strchr(h, ',') ? strchr(h, ',') + 1 : "") {
        if (sscanf(h, "%d:%lld:%lld", &p->huge[p->nhuge].schedd, &p->huge[p->nhuge].job, &p->huge[p->nhuge].bytes) == 3 &&
            p->huge[p->nhuge].bytes > 0)
            p->nhuge++;
    }
}

/* A huge job's Args (SPIDER_SIM_HUGE): printable characters, reproducible
 * from the seed ("-k3f9..." words of 64). */
static void add_huge_args(const sim_pool *p, int s, const sim_job *job, sim_ad *ad)
{
    int i = 0;
    while (i < p->nhuge && (p->huge[i].schedd != s || p->huge[i].job != job->number))
        i++;
    if (i == p->nhuge)
        return;
    size_t n = (size_t)p->huge[i].bytes;
    char *buf = malloc(n + 1);
    if (!buf)
        return;
    uint64_t x = h(p, s, job->number, 90) | 1;
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        buf[i] = i % 64 == 63 ? ' ' : i % 64 == 0 ? '-' : alphabet[x % (sizeof(alphabet) - 1)];
    }
    buf[n] = '\0';
    sim_ad_str(ad, "Args", buf);
    free(buf);
}

void sim_schedd_name(const sim_pool *p, int i, char *out, size_t len)
{
    (void)p;
    if (i % 3 == 0)
        snprintf(out, len, "crab3@vocms%04d.cern.ch", 100 + i);
    else
        snprintf(out, len, "vocms%04d.cern.ch", 100 + i);
}

int sim_schedd_index(const sim_pool *p, const char *name)
{
    char buf[64];
    for (int i = 0; i < p->schedds; i++) {
        sim_schedd_name(p, i, buf, sizeof(buf));
        if (strcmp(buf, name) == 0)
            return i;
    }
    return -1;
}

static long long arrivals(const sim_pool *p)
{
    return p->jobs / 8 > 0 ? p->jobs / 8 : 1;
}

void sim_job_range(const sim_pool *p, long long k, long long *first, long long *last)
{
    /* Lives last at most 3 + 12 + 2 steps. */
    long long a = arrivals(p);
    long long lo = (k + WARMUP_STEPS - 18) * a;
    *first = lo > 0 ? lo : 0;
    *last = (k + WARMUP_STEPS + 1) * a;
}

/* Seconds into a step, so events happen before the poll that sees them. */
static long long before(const sim_pool *p, long long step, uint64_t r)
{
    return p->t0 + step * p->interval - 1 - (long long)(r % (uint64_t)(p->interval / 2));
}

void sim_job_at(const sim_pool *p, int s, long long j, long long k, sim_job *job)
{
    memset(job, 0, sizeof(*job));
    long long sub = j / arrivals(p) - WARMUP_STEPS;
    int idle = 1 + (int)(h(p, s, j, 1) % 3);
    int run = 1 + (int)(h(p, s, j, 2) % 12);
    int fate = (int)(h(p, s, j, 3) % 100);
    job->end_status = fate < 85 ? SIM_COMPLETED : SIM_REMOVED;
    int held = fate >= 95 ? 2 : 0;                    /* held 2 steps, then removed */
    int restart = (h(p, s, j, 4) % 7 == 0 && run >= 3) ? idle + run / 2 : -1;
    long long leave = sub + idle + run + held;
    job->number = j;
    job->crab = s % 3 == 0;
    job->qdate = before(p, sub, h(p, s, j, 5));
    job->end = k >= leave ? before(p, leave, h(p, s, j, 6)) : 0;
    job->history_time = before(p, leave + (h(p, s, j, 7) % 20 == 0 ? 2 : 0), h(p, s, j, 6));
    if (k >= sub + idle)
        job->start = before(p, sub + idle, h(p, s, j, 8));
    long long e = k - sub;
    job->starts = (e >= idle) + (restart >= 0 && e > restart);
    if (k < sub || k >= leave)
        return;                                      /* not in the queue at step k */
    if (e < idle) {
        job->status = SIM_IDLE;
        job->entered = job->qdate;
    } else if (e == restart) {
        job->status = SIM_IDLE;
        job->entered = before(p, sub + restart, h(p, s, j, 9));
    } else if (e < idle + run) {
        job->status = SIM_RUNNING;
        job->entered = restart >= 0 && e > restart ? before(p, sub + restart + 1, h(p, s, j, 10)) : job->start;
    } else {
        job->status = SIM_HELD;
        job->entered = before(p, sub + idle + run, h(p, s, j, 11));
    }
}

static const char *pick(const char *const *list, size_t n, uint64_t r)
{
    return list[r % n];
}

static void global_job_id(char *out, size_t len, const char *schedd, const sim_job *job)
{
    snprintf(out, len, "%s#%lld.0#%lld", schedd, 1000000 + job->number, job->qdate);
}

/* Identity, submission and accounting attributes. */
static void add_identity(const sim_pool *p, int s, const sim_job *job, sim_ad *ad, const char *schedd)
{
    char buf[512];
    const char *user = pick(users, 8, h(p, s, job->number, 20));
    long long cluster = 1000000 + job->number;
    global_job_id(buf, sizeof(buf), schedd, job);
    sim_ad_str(ad, "GlobalJobId", buf);
    sim_ad_int(ad, "ClusterId", cluster);
    sim_ad_int(ad, "ProcId", 0);
    sim_ad_str(ad, "Owner", job->crab ? "cms1234" : "cmsprod");
    snprintf(buf, sizeof(buf), "%s@cms", job->crab ? "cms1234" : "cmsprod");
    sim_ad_str(ad, "User", buf);
    sim_ad_str(ad, "MyType", "Job");
    sim_ad_str(ad, "TargetType", "Machine");
    sim_ad_int(ad, "JobUniverse", 5);
    sim_ad_int(ad, "QDate", job->qdate);
    sim_ad_str(ad, "AccountingGroup", job->crab ? "analysis.cms1234" : "production.cmsprod");
    sim_ad_str(ad, "AcctGroup", job->crab ? "analysis" : "production");
    sim_ad_str(ad, "AcctGroupUser", job->crab ? "cms1234" : "cmsprod");
    snprintf(buf, sizeof(buf), "/DC=ch/DC=cern/OU=Organic Units/OU=Users/CN=%s/CN=%lld/CN=%c%s Tester", user,
             400000 + (long long)(h(p, s, job->number, 21) % 99999), user[0] - 32, user + 1);
    sim_ad_str(ad, "x509userproxysubject", buf);
    sim_ad_str(ad, "x509UserProxyVOName", "cms");
    sim_ad_str(ad, "x509UserProxyFirstFQAN", "/cms/Role=NULL/Capability=NULL");
    sim_ad_str(ad, "Cmd", job->crab ? "/data/srv/glidecondor/condor_local/spool/gWMS-CMSRunAnalysis.sh"
                                     : "/data/srv/wmagent/current/install/wmagentpy3/submit.sh");
    snprintf(buf, sizeof(buf), "-a sandbox.tar.gz --sourceURL=https://cmsweb.cern.ch/crabcache --jobNumber=%lld "
             "--cmsswVersion=CMSSW_13_0_13 --scramArch=el8_amd64_gcc11", job->number);
    sim_ad_str(ad, "Arguments", buf);
    /* Environment strings carry quotes and spaces: a real escaping test. */
    snprintf(buf, sizeof(buf), "\"CRAB3_VERSION=v3.231006 SCRAM_ARCH=el8_amd64_gcc11 "
             "CMS_JOB_ID='%lld.0' X509_USER_PROXY=/tmp/x509up_u%d\"", job->number, 20000 + s);
    sim_ad_str(ad, "Environment", buf);
    snprintf(buf, sizeof(buf), "/data/srv/glidecondor/condor_local/spool/%lld/0/cluster%lld.proc0.subproc0",
             job->number % 10000, 1000000 + job->number);
    sim_ad_str(ad, "Iwd", buf);
    sim_ad_str(ad, "Out", "_condor_stdout");
    sim_ad_str(ad, "Err", "_condor_stderr");
    sim_ad_str(ad, "In", "/dev/null");
}

static void add_requests(const sim_pool *p, int s, const sim_job *job, sim_ad *ad)
{
    uint64_t r = h(p, s, job->number, 30);
    int cpus = (int)(1u << (r % 4));                        /* 1, 2, 4, 8 */
    long long rss = 200000 + (long long)(r % 3000000);     /* KiB */
    sim_ad_int(ad, "RequestCpus", cpus);
    sim_ad_expr(ad, "RequestMemory", "ifThenElse(MemoryUsage =!= undefined,MemoryUsage,2000 * RequestCpus)");
    sim_ad_expr(ad, "RequestDisk", "DiskUsage");
    sim_ad_int(ad, "OriginalMemory", 2000 * cpus);
    sim_ad_int(ad, "MaxWallTimeMins", job->crab ? 1250 : 2880);
    sim_ad_expr(ad, "MemoryUsage", "((ResidentSetSize + 1023) / 1024)");
    if (job->status == SIM_RUNNING || job->end) {
        sim_ad_int(ad, "ResidentSetSize", rss);
        sim_ad_int(ad, "ResidentSetSize_RAW", rss + (long long)(r % 1000));
    }
    sim_ad_int(ad, "DiskUsage", 50000 + (long long)(r % 900000));
    sim_ad_int(ad, "DiskUsage_RAW", 50000 + (long long)(r % 900000) + 17);
    sim_ad_int(ad, "ImageSize", rss + 20000);
    sim_ad_int(ad, "ImageSize_RAW", rss + 19876);
    sim_ad_int(ad, "ExecutableSize", 75);
    sim_ad_int(ad, "ExecutableSize_RAW", 73);
    sim_ad_expr(ad, "Requirements",
                "(TARGET.Arch == \"X86_64\") && (TARGET.OpSys == \"LINUX\") && (TARGET.Disk >= RequestDisk) && "
                "(TARGET.Memory >= RequestMemory) && (TARGET.Cpus >= RequestCpus) && "
                "stringListMember(TARGET.GLIDEIN_CMSSite,DESIRED_Sites)");
    sim_ad_real(ad, "Rank", 0.0);
    sim_ad_int(ad, "JobPrio", job->crab ? 10 : 400000);
}

static void add_state(const sim_pool *p, int s, const sim_job *job, long long k, sim_ad *ad)
{
    uint64_t r = h(p, s, job->number, 40);
    int status = job->status ? job->status : job->end_status;
    long long now = job->end ? job->end : p->t0 + k * p->interval;
    sim_ad_int(ad, "JobStatus", status);
    sim_ad_int(ad, "LastJobStatus", status == SIM_RUNNING ? SIM_IDLE : status == SIM_HELD ? SIM_RUNNING : SIM_IDLE);
    sim_ad_int(ad, "EnteredCurrentStatus", job->status ? job->entered : job->end);
    sim_ad_int(ad, "NumJobStarts", job->starts);
    sim_ad_int(ad, "NumShadowStarts", job->starts);
    sim_ad_int(ad, "JobRunCount", job->starts);
    sim_ad_int(ad, "NumRestarts", job->starts > 1 ? job->starts - 1 : 0);
    sim_ad_int(ad, "NumJobMatches", job->starts);
    sim_ad_int(ad, "CompletionDate", job->end && status == SIM_COMPLETED ? job->end : 0);
    if (!job->status && job->end)     /* set by the schedd when a job leaves the queue */
        sim_ad_int(ad, "JobFinishedHookDone", job->end);
    if (job->start) {
        long long wall = now - job->start;
        double cpu = (double)wall * (0.35 + (double)(r % 60) / 100.0);
        sim_ad_int(ad, "JobStartDate", job->start);
        sim_ad_int(ad, "JobCurrentStartDate", job->start);
        sim_ad_int(ad, "LastMatchTime", job->start - 3);
        sim_ad_real(ad, "RemoteWallClockTime", job->end ? (double)wall : 0.0);
        sim_ad_real(ad, "CumulativeSlotTime", job->end ? (double)wall : 0.0);
        sim_ad_int(ad, "CommittedTime", job->end && status == SIM_COMPLETED ? wall : 0);
        sim_ad_int(ad, "CommittedSlotTime", job->end && status == SIM_COMPLETED ? wall : 0);
        sim_ad_real(ad, "RemoteUserCpu", cpu);
        sim_ad_real(ad, "RemoteSysCpu", cpu / 40.0);
        sim_ad_real(ad, "BytesSent", (double)(r % 50000000));
        sim_ad_real(ad, "BytesRecvd", (double)(r % 7000000) + 0.5);
        const char *site = pick(sites, 10, h(p, s, job->number, 41));
        char buf[256];
        snprintf(buf, sizeof(buf), "slot1_%d@glidein_%llu_%llu@wn%04d.%s.example", (int)(r % 8) + 1,
                 (unsigned long long)(r % 100000), (unsigned long long)(r % 977), (int)(r % 4000),
                 site + 3);
        sim_ad_str(ad, status == SIM_RUNNING ? "RemoteHost" : "LastRemoteHost", buf);
        sim_ad_str(ad, "MATCH_EXP_JOB_GLIDEIN_CMSSite", site);
        sim_ad_str(ad, "MATCH_GLIDEIN_CMSSite", site);
        sim_ad_str(ad, "MATCH_EXP_JOB_GLIDEIN_Entry_Name", "CMSHTPC_T2_glidein_entry_el8");
        sim_ad_str(ad, "MATCH_EXP_JOB_GLIDEIN_Factory", "OSG");
        sim_ad_str(ad, "MATCH_EXP_JOB_GLIDEIN_Name", "gfactory_instance");
        sim_ad_str(ad, "MATCH_EXP_JOB_GLIDEIN_Schedd", "schedd_glideins5@gfactory-2.opensciencegrid.org");
        sim_ad_str(ad, "MATCH_EXP_JOB_GLIDEIN_SiteWMS", "HTCondor");
        snprintf(buf, sizeof(buf), "%d", (int)(r % 8) + 1);
        sim_ad_str(ad, "MATCH_EXP_JOB_GLIDEIN_MaxMemMBs", "20000");
        sim_ad_str(ad, "MATCH_EXP_JOB_GLIDEIN_ProcId", buf);
        sim_ad_str(ad, "MATCH_EXP_JobGLIDEIN_ResourceName", site + 3);
        sim_ad_int(ad, "ChirpCMSSWEvents", (long long)(wall > 0 ? wall * (long long)(1 + r % 5) : 0));
        sim_ad_int(ad, "ChirpCMSSWElapsed", wall);
        sim_ad_int(ad, "ChirpCMSSWFiles", 1 + (long long)(r % 4));
        sim_ad_int(ad, "ChirpCMSSWLastUpdate", now - (long long)(r % 300));
        sim_ad_int(ad, "ChirpCMSSWMaxThreads", 1LL << (r % 4));
        sim_ad_int(ad, "ChirpCMSSWReadBytes", (long long)(r % 4000000000ULL));
        sim_ad_int(ad, "ChirpCMSSWReadOps", (long long)(r % 200000));
        sim_ad_real(ad, "ChirpCMSSWTotalCPU", cpu);
        sim_ad_int(ad, "ChirpCMSSWWriteBytes", (long long)(r % 900000000ULL));
    }
    if (status == SIM_HELD) {
        sim_ad_str(ad, "HoldReason", "Error from slot1_1@glidein: Job has gone over memory limit of 2500 megabytes. "
                                     "Peak usage: 2612 megabytes.");
        sim_ad_int(ad, "HoldReasonCode", 34);
        sim_ad_int(ad, "HoldReasonSubCode", 0);
    }
    if (job->end && status == SIM_COMPLETED) {
        sim_ad_int(ad, "ExitCode", r % 10 == 0 ? 8021 : 0);
        sim_ad_bool(ad, "ExitBySignal", 0);
        sim_ad_int(ad, "Chirp_CRAB3_Job_ExitCode", r % 10 == 0 ? 8021 : 0);
    }
    if (job->end && status == SIM_REMOVED)
        sim_ad_str(ad, "RemoveReason", "via condor_rm (by user cmsprod)");
}

static void add_cms_profile(const sim_pool *p, int s, const sim_job *job, sim_ad *ad)
{
    char buf[512];
    uint64_t r = h(p, s, job->number, 50);
    const char *site = pick(sites, 10, h(p, s, job->number, 41));
    snprintf(buf, sizeof(buf), "%s,%s", site, pick(sites, 10, r));
    sim_ad_str(ad, "DESIRED_Sites", buf);
    sim_ad_str(ad, "DESIRED_CMSDataset", "/ZeroBias/Run2023D-PromptReco-v2/MINIAOD");
    sim_ad_str(ad, "CMSGroups", "/cms");
    sim_ad_str(ad, "CMS_ALLOW_OVERFLOW", "True");
    if (job->crab) {
        const char *user = pick(users, 8, h(p, s, job->number, 20));
        long long task = job->number / 50;
        snprintf(buf, sizeof(buf), "251122_%06lld:%s_crab_%s_task%lld", task % 1000000, user,
                 pick(campaigns, 4, (uint64_t)task), task);
        sim_ad_str(ad, "CRAB_Workflow", buf);
        sim_ad_str(ad, "CRAB_ReqName", buf);
        sim_ad_str(ad, "CRAB_UserHN", user);
        sim_ad_str(ad, "CRAB_JobType", "analysis");
        snprintf(buf, sizeof(buf), "%lld", job->number % 50 + 1);
        sim_ad_str(ad, "CRAB_Id", buf);
        sim_ad_int(ad, "CRAB_Retry", job->starts > 1 ? job->starts - 1 : 0);
        sim_ad_str(ad, "CRAB_JobSW", "CMSSW_13_0_13");
        sim_ad_str(ad, "CRAB_AsyncDest", site);
        sim_ad_str(ad, "CRAB_DataBlock", "/ZeroBias/Run2023D-PromptReco-v2/MINIAOD#4f1c2a9e-1d2b-4a7e-9c11-0a1b2c3d4e5f");
        sim_ad_str(ad, "CRAB_PublishName", "crab_ZeroBias_2023D-00000000000000000000000000000000");
        sim_ad_str(ad, "CRAB_SplitAlgo", "Automatic");
        sim_ad_str(ad, "CRAB_UserRole", "undefined");
        sim_ad_undefined(ad, "CRAB_UserGroup");
        sim_ad_str(ad, "CMS_JobType", "Analysis");
        sim_ad_str(ad, "CMS_Type", "analysis");
    } else {
        const char *campaign = pick(campaigns, 4, r);
        long long req = job->number / 200;
        snprintf(buf, sizeof(buf), "pdmvserv_task_EXO-%s-%05lld__v1_T_251122_101010_%04lld", campaign, req % 100000,
                 req % 10000);
        sim_ad_str(ad, "WMAgent_RequestName", buf);
        char sub[600];
        snprintf(sub, sizeof(sub), "/%s/EXO-%s-%05lld_0/EXO-%s-%05lld_0MergeMINIAODSIMoutput", buf, campaign,
                 req % 100000, campaign, req % 100000);
        sim_ad_str(ad, "WMAgent_SubTaskName", sub);
        sim_ad_int(ad, "WMAgent_JobID", 3000000 + job->number);
        sim_ad_str(ad, "WMAgent_AgentName", "vocms0255.cern.ch");
        sim_ad_str(ad, "CMS_JobType", pick(wm_types, 5, r >> 8));
        sim_ad_str(ad, "CMS_Campaign", campaign);
        sim_ad_str(ad, "CMS_RequestType", "StepChain");
        sim_ad_str(ad, "CMS_CampaignType", "MC_Ultralegacy");
        sim_ad_int(ad, "CMS_Priority", 110000 + (long long)(r % 5) * 10000);
        sim_ad_str(ad, "CMSSW_Versions", "CMSSW_13_0_13");
        sim_ad_str(ad, "CMS_Type", "production");
    }
}

/* Attributes every HTCondor job ad carries, with plain values. */
static void add_condor_defaults(sim_ad *ad)
{
    static const struct { const char *name; long long v; } ints[] = {
        { "BufferBlockSize", 32768 }, { "BufferSize", 524288 }, { "CoreSize", 0 },
        { "CumulativeSuspensionTime", 0 }, { "CommittedSuspensionTime", 0 }, { "CurrentHosts", 0 },
        { "JobLeaseDuration", 2400 }, { "JobNotification", 0 }, { "LocalSysCpu", 0 }, { "LocalUserCpu", 0 },
        { "MaxHosts", 1 }, { "MinHosts", 1 }, { "NumCkpts", 0 }, { "NumCkpts_RAW", 0 },
        { "NumJobReconnects", 0 }, { "NumSystemHolds", 0 }, { "OrigMaxHosts", 1 }, { "TotalSuspensions", 0 },
        { "StatsLifetimeStarter", 0 }, { "TransferInputSizeMB", 0 }, { "BlockReadKbytes", 0 },
        { "BlockReads", 0 }, { "BlockWriteKbytes", 0 }, { "BlockWrites", 0 }, { "RecentBlockReadKbytes", 0 },
        { "RecentBlockReads", 0 }, { "RecentBlockWriteKbytes", 0 }, { "RecentBlockWrites", 0 },
        { "RecentStatsLifetimeStarter", 0 }, { "AutoClusterId", 17 },
    };
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
        sim_ad_int(ad, ints[i].name, ints[i].v);
    sim_ad_bool(ad, "NiceUser", 0);
    sim_ad_bool(ad, "OnExitHold", 0);
    sim_ad_bool(ad, "OnExitRemove", 1);
    sim_ad_bool(ad, "PeriodicHold", 0);
    sim_ad_bool(ad, "PeriodicRelease", 0);
    sim_ad_expr(ad, "PeriodicRemove",
                "(JobStatus == 5 && (CurrentTime - EnteredCurrentStatus) > 7 * 60) || "
                "(JobStatus == 2 && (CurrentTime - EnteredCurrentStatus) > MaxWallTimeMins * 60)");
    sim_ad_bool(ad, "LeaveJobInQueue", 0);
    sim_ad_bool(ad, "StreamErr", 0);
    sim_ad_bool(ad, "StreamOut", 0);
    sim_ad_bool(ad, "WantRemoteIO", 1);
    sim_ad_bool(ad, "WantCheckpoint", 0);
    sim_ad_str(ad, "ShouldTransferFiles", "YES");
    sim_ad_str(ad, "WhenToTransferOutput", "ON_EXIT_OR_EVICT");
    sim_ad_str(ad, "CondorPlatform", "$CondorPlatform: X86_64-AlmaLinux_9.4 $");
    sim_ad_str(ad, "CondorVersion", "$CondorVersion: 23.0.14 2024-08-08 BuildID: 752003 PackageID: 23.0.14-1 $");
    sim_ad_str(ad, "AutoClusterAttrs",
               "JobUniverse,LastCheckpointPlatform,NumCkpts,MachineLastMatchTime,RequestCpus,RequestDisk,"
               "RequestMemory,DESIRED_Sites,MaxWallTimeMins");
    sim_ad_str(ad, "KillSig", "SIGTERM");
    sim_ad_str(ad, "TransferInput", "CMSRunAnalysis.tar.gz,sandbox.tar.gz,run_and_lumis.tar.gz");
    sim_ad_real(ad, "RecentStatsLifetimeStarter_f", 1.5e-05);
}

void sim_job_ad(const sim_pool *p, int s, const sim_job *job, long long k, sim_ad *ad)
{
    char schedd[64];
    sim_schedd_name(p, s, schedd, sizeof(schedd));
    add_identity(p, s, job, ad, schedd);
    add_huge_args(p, s, job, ad);
    add_requests(p, s, job, ad);
    add_state(p, s, job, k, ad);
    add_cms_profile(p, s, job, ad);
    add_condor_defaults(ad);
}

static void push(sim_ad **ads, size_t *n, size_t *cap, const sim_pool *p, int s, const sim_job *job, long long k)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 256;
        *ads = realloc(*ads, *cap * sizeof(**ads));
        if (!*ads)
            abort();
    }
    memset(&(*ads)[*n], 0, sizeof(sim_ad));
    sim_job_ad(p, s, job, k, &(*ads)[(*n)++]);
}

size_t sim_queue(const sim_pool *p, int s, long long k, sim_ad **ads)
{
    long long first, last;
    size_t n = 0, cap = 0;
    *ads = NULL;
    sim_job_range(p, k, &first, &last);
    for (long long j = first; j < last; j++) {
        sim_job job;
        sim_job_at(p, s, j, k, &job);
        if (job.status)
            push(ads, &n, &cap, p, s, &job, k);
    }
    return n;
}

size_t sim_history(const sim_pool *p, int s, long long k, long long since, sim_ad **ads)
{
    long long first, last, now = p->t0 + k * p->interval;
    size_t n = 0, cap = 0;
    *ads = NULL;
    sim_job_range(p, k, &first, &last);
    first = first > 40 * arrivals(p) ? first - 40 * arrivals(p) : 0;  /* history reaches further back */
    /* Newest first, as condor_history prints. */
    for (long long j = last - 1; j >= first; j--) {
        sim_job job;
        sim_job_at(p, s, j, k, &job);
        if (job.end && job.history_time <= now && job.end > since)
            push(ads, &n, &cap, p, s, &job, k);
    }
    return n;
}

static int same_state(const sim_job *a, const sim_job *b)
{
    return a->status == b->status && a->entered == b->entered && a->starts == b->starts;
}

size_t sim_changes(const sim_pool *p, int s, long long from, long long to, sim_change **out)
{
    char schedd[64];
    long long lo1, hi1, lo2, hi2;
    size_t n = 0, cap = 0;
    *out = NULL;
    sim_schedd_name(p, s, schedd, sizeof(schedd));
    sim_job_range(p, from, &lo1, &hi1);
    sim_job_range(p, to, &lo2, &hi2);
    for (long long j = lo1 < lo2 ? lo1 : lo2; j < (hi1 > hi2 ? hi1 : hi2); j++) {
        sim_job a, b;
        sim_job_at(p, s, j, from, &a);
        sim_job_at(p, s, j, to, &b);
        int kind = !a.status && b.status   ? SIM_ADDED
                 : a.status && !b.status   ? SIM_GONE
                 : a.status && !same_state(&a, &b) ? SIM_CHANGED : 0;
        if (!kind)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            *out = realloc(*out, cap * sizeof(**out));
            if (!*out)
                abort();
        }
        (*out)[n].kind = kind;
        global_job_id((*out)[n].gjid, sizeof((*out)[n].gjid), schedd, &b);  /* qdate: at any step */
        n++;
    }
    return n;
}
