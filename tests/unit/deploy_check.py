#!/usr/bin/env python3
"""deploy_check.py - structural checks of what deploy/ ships, shared by
tests/unit/test_compose.sh, test_docker.sh and test_k8s.sh:

  deploy_check.py compose CONFIG_YAML   (the output of `docker-compose config`)
  deploy_check.py docker
  deploy_check.py k8s

Everything is checked against the sources of truth: deploy/local/stack.env
(ports, credentials), deploy/docker/Dockerfile (targets, user, ports),
deploy/install-deps.sh (packages) and the programs' own `--help` and
configuration loading (build/spider-*). Prints one "ok:"/"FAIL:" line per
check; exits 1 when one failed. Needs PyYAML (Debian's python3-yaml).
"""
import json
import os
import re
import shlex
import subprocess
import sys

import yaml

ROOT = os.environ["SPIDER_SOURCE_DIR"]
BUILD = os.environ.get("SPIDER_BUILD_DIR", os.path.join(ROOT, "build"))
SERVICES = {  # program -> (stack.env port variable, daemon command)
    "spider-collector": ("COLLECTOR_METRICS_PORT", "run"),
    "spider-differ": ("DIFFER_METRICS_PORT", "stream"),
    "spider-publisher": ("PUBLISHER_METRICS_PORT", "run"),
}
SIM = "spider-sim"
UID = 10001
VERSION = re.search(r'#define SPIDER_VERSION "([^"]+)"', open(os.path.join(ROOT, "lib/version.h")).read()).group(1)
failed = False


def check(name, ok, detail=""):
    global failed
    if ok:
        print(f"ok: {name}")
    else:
        failed = True
        print(f"FAIL: {name}" + (f": {detail}" if detail else ""))
    return ok


def stack_env():
    """deploy/local/stack.env as the shell sees it."""
    out = subprocess.run(
        ["bash", "-c", f'set -a; . "{ROOT}/deploy/local/stack.env"; env -0'],
        capture_output=True, check=True).stdout.decode()
    return dict(kv.split("=", 1) for kv in out.split("\0") if "=" in kv)


def port_of(env, var):
    return int(env[var].rsplit(":", 1)[-1].split("/")[0])


def help_text(program):
    return subprocess.run([os.path.join(BUILD, program), "--help"],
                          capture_output=True, text=True).stdout


def commands_of(program):
    """Words listed under "Commands:" in --help (two-space indent)."""
    words, inside = set(), False
    for line in help_text(program).splitlines():
        if line.startswith("Commands:"):
            inside = True
        elif inside and line.strip() and not line.startswith(" "):
            break
        elif inside:
            m = re.match(r"  ([a-z][\w-]*)(\s|$)", line)
            if m:
                words.add(m.group(1))
    return words


def flags_of(program):
    return set(re.findall(r"--([a-z][a-z0-9-]*)", help_text(program)))


def config_accepted(program, path):
    """The program loads the file (unknown keys and wrong types are errors);
    with no command it stops right after, saying so."""
    r = subprocess.run([os.path.join(BUILD, program), "--config", path],
                       capture_output=True, text=True)
    return "missing COMMAND" in r.stderr, r.stderr.strip()


def check_args(where, program, args):
    """A container's or unit's arguments: a real command, real flags."""
    if not args:
        return check(f"{where}: has arguments", False)
    cmds = commands_of(program) if program != SIM else {"serve", "schedds", "queue", "history"}
    check(f"{where}: command {args[0]!r} is one of {program}'s", args[0] in cmds, f"known: {sorted(cmds)}")
    known = flags_of(program)
    bad = [a for a in args if a.startswith("--") and a[2:].split("=")[0] not in known]
    check(f"{where}: flags exist in {program} --help", not bad, f"unknown: {bad}")


# ---------------------------------------------------------------- Dockerfile

def dockerfile():
    """Stages of deploy/docker/Dockerfile: name -> {from, lines}."""
    text = open(os.path.join(ROOT, "deploy/docker/Dockerfile")).read()
    text = re.sub(r"\\\n", " ", text)
    stages, cur = {}, None
    args = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = re.match(r"ARG (\w+)=(\S+)", line)
        if m and cur is None:
            args[m.group(1)] = m.group(2)
            continue
        m = re.match(r"FROM (\S+)(?: AS (\S+))?", line, re.I)
        if m:
            base = re.sub(r"\$\{(\w+)\}", lambda g: args.get(g.group(1), ""), m.group(1))
            cur = m.group(2) or f"stage{len(stages)}"
            stages[cur] = {"from": base, "lines": []}
            continue
        stages[cur]["lines"].append(line)
    return stages


def instr(stage, word):
    return [ln[len(word):].strip() for ln in stage["lines"] if ln.upper().startswith(word + " ")]


def stage_env(stages, name):
    env = {}
    chain = []
    while name in stages:
        chain.append(name)
        name = stages[name]["from"]
    for s in reversed(chain):
        for e in instr(stages[s], "ENV"):
            for k, v in re.findall(r"(\w+)=(\S+)", e):
                env[k] = v
    return env


def apt_packages(stage):
    pk = []
    for run in instr(stage, "RUN"):
        m = re.search(r"apt-get install ([^&]*)", run)
        if m:
            pk += [w for w in m.group(1).split() if not w.startswith("-")]
    return pk


def install_deps_packages():
    text = open(os.path.join(ROOT, "deploy/install-deps.sh")).read()
    m = re.search(r"PACKAGES=\((.*?)\n\)", text, re.S)
    words = []
    for line in m.group(1).splitlines():
        words += line.split("#")[0].split()
    return set(words)


def run_docker():
    env = stack_env()
    st = dockerfile()
    check("Dockerfile: stage build from debian:bookworm", st.get("build", {}).get("from") == "debian:bookworm")
    check("Dockerfile: stage runtime from debian:bookworm-slim",
          st.get("runtime", {}).get("from") == "debian:bookworm-slim")
    known = install_deps_packages()
    bpk = apt_packages(st.get("build", {"lines": []}))
    check("Dockerfile: build stage installs packages", bool(bpk))
    check("Dockerfile: build packages are install-deps.sh's", set(bpk) <= known, f"not there: {sorted(set(bpk) - known)}")
    rpk = set(apt_packages(st.get("runtime", {"lines": []})))
    check("Dockerfile: runtime stage has no -dev package", not [p for p in rpk if p.endswith("-dev")], str(sorted(rpk)))
    # every library the binaries link comes from a package the runtime installs
    base = {"libc6", "libgcc-s1"}
    for prog in list(SERVICES) + [SIM]:
        binary = os.path.join(BUILD, prog)
        dyn = subprocess.run(["readelf", "-d", binary], capture_output=True, text=True).stdout
        libs = re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", dyn)
        check(f"{prog}: readelf lists its libraries", bool(libs))
        missing = []
        # a sanitizer build (the ASan unit run) links its runtimes; images never do
        libs = [lib for lib in libs if not re.match(r"lib(a|ub|l|t|hwa)san\.so", lib)]
        for lib in libs:
            path = subprocess.run(["bash", "-c", f"ldconfig -p | awk '$1==\"{lib}\" && /x86-64|64/ {{print $NF; exit}}'"],
                                  capture_output=True, text=True).stdout.strip()
            real = os.path.realpath(path) if path else ""
            owner = ""
            # dpkg knows a file by the path its package ships (usrmerge: /lib or /usr/lib)
            for cand in dict.fromkeys([path, real, re.sub(r"^/usr/", "/", real)]):
                if cand and not owner:
                    owner = subprocess.run(["dpkg", "-S", cand], capture_output=True, text=True).stdout
            pkg = owner.split(":")[0] if owner else f"?({lib})"
            if pkg not in base and pkg not in rpk:
                missing.append(f"{lib} ({pkg})")
        check(f"{prog}: runtime stage installs every library it links", not missing, f"missing: {missing}")
    users = instr(st.get("runtime", {"lines": []}), "USER")
    check(f"Dockerfile: runtime runs as uid {UID}", users and users[-1].split(":")[0] == str(UID), str(users))
    for prog in list(SERVICES) + [SIM]:
        s = st.get(prog)
        if not check(f"Dockerfile: target {prog}", s is not None):
            continue
        check(f"{prog}: built on the runtime stage", s["from"] == "runtime", s["from"])
        check(f"{prog}: binary copied from the build stage",
              any(c.startswith(f"--from=build /build/{prog} ") for c in instr(s, "COPY")))
        ent = instr(s, "ENTRYPOINT")
        check(f"{prog}: ENTRYPOINT is the program", ent and json.loads(ent[-1]) == [f"/usr/local/bin/{prog}"], str(ent))
        cmd = instr(s, "CMD")
        if check(f"{prog}: has a CMD", bool(cmd)):
            check_args(f"{prog} CMD", prog, json.loads(cmd[-1]))
        e = stage_env(st, prog)
        hc = " ".join(instr(s, "HEALTHCHECK"))
        if prog == SIM:
            port = port_of(env, "SIM_PORT")
            check(f"{prog}: SPIDER_PORT is SIM_PORT {port}", e.get("SPIDER_PORT") == str(port), e.get("SPIDER_PORT", "unset"))
            check(f"{prog}: HEALTHCHECK asks /schedds on its port", "${SPIDER_PORT}/schedds" in hc, hc)
        else:
            var = SERVICES[prog][0]
            port = port_of(env, var)
            check(f"{prog}: SPIDER_METRICS_PORT is {var} {port}", e.get("SPIDER_METRICS_PORT") == str(port),
                  e.get("SPIDER_METRICS_PORT", "unset"))
            check(f"{prog}: metrics on every interface", e.get("SPIDER_METRICS_ADDRESS") == "0.0.0.0")
            check(f"{prog}: HEALTHCHECK asks /healthz on the metrics port", "${SPIDER_METRICS_PORT}/healthz" in hc, hc)
        check(f"{prog}: EXPOSE {port}", str(port) in " ".join(instr(s, "EXPOSE")))
    ign = open(os.path.join(ROOT, ".dockerignore")).read().split()
    check(".dockerignore: leaves out .git and build trees", ".git" in ign and "build*/" in ign)


# ---------------------------------------------------------------- compose

def container_port(url):
    m = re.search(r"127\.0\.0\.1:(\d+)(/\S*)", url)
    return (int(m.group(1)), m.group(2)) if m else (None, None)


def run_compose(path):
    env = stack_env()
    cfg = yaml.safe_load(open(path))
    svcs = cfg.get("services", {})
    targets = dockerfile()
    kafka_env = svcs.get("kafka", {}).get("environment", {})
    internal = re.search(r"INTERNAL://([\w.-]+:\d+)", str(kafka_env.get("KAFKA_ADVERTISED_LISTENERS", "")))
    check("kafka: has an INTERNAL listener for the services", internal is not None)
    for name in ["spider-sim"] + list(SERVICES):
        s = svcs.get(name)
        if not check(f"{name}: in the compose file", s is not None):
            continue
        b = s.get("build", {})
        check(f"{name}: built from deploy/docker/Dockerfile",
              os.path.realpath(os.path.join(b.get("context", ""), b.get("dockerfile", ""))) ==
              os.path.realpath(os.path.join(ROOT, "deploy/docker/Dockerfile")), str(b))
        check(f"{name}: build target {name} exists in the Dockerfile", b.get("target") == name and name in targets,
              str(b.get("target")))
        check(f"{name}: image named after its target", s.get("image", "").split(":")[0] == name, s.get("image"))
        hc = s.get("healthcheck", {})
        test = " ".join(hc.get("test", [])) if isinstance(hc.get("test"), list) else str(hc.get("test", ""))
        check(f"{name}: has a healthcheck", bool(test) and not hc.get("disable"))
        port, urlpath = container_port(test)
        args = s.get("command", [])
        args = shlex.split(args) if isinstance(args, str) else list(args)
        check_args(f"compose {name} command", name, args)
        e = s.get("environment", {})
        if name == "spider-sim":
            want = port_of(env, "SIM_PORT")
            check(f"{name}: healthcheck on port SIM_PORT {want}", port == want and urlpath == "/schedds", test)
            check(f"{name}: serves on {want}", "--port" in args and args[args.index("--port") + 1] == str(want), str(args))
            pub = []
            for p in s.get("ports", []):
                if isinstance(p, dict):
                    pub.append((p.get("host_ip"), str(p.get("published")), str(p.get("target"))))
                else:
                    f = str(p).split("/")[0].split(":")
                    pub.append(tuple([None] * (3 - len(f)) + f))
            check(f"{name}: port {want} published on 127.0.0.1:{want}",
                  ("127.0.0.1", str(want), str(want)) in pub, str(s.get("ports")))
            continue
        var = SERVICES[name][0]
        want = port_of(env, var)
        check(f"{name}: SPIDER_METRICS_PORT is {var} {want}", str(e.get("SPIDER_METRICS_PORT")) == str(want),
              str(e.get("SPIDER_METRICS_PORT")))
        check(f"{name}: healthcheck on /healthz of port {want}", port == want and urlpath == "/healthz", test)
        check(f"{name}: Kafka through the INTERNAL listener",
              internal is not None and e.get("SPIDER_KAFKA_BROKERS") == internal.group(1), str(e.get("SPIDER_KAFKA_BROKERS")))
        dep = s.get("depends_on", {})
        check(f"{name}: depends_on kafka", "kafka" in dep)
        conds = {k: (v or {}).get("condition") for k, v in dep.items()} if isinstance(dep, dict) else {}
        check(f"{name}: every depends_on waits for service_healthy",
              bool(conds) and all(c == "service_healthy" for c in conds.values()), str(conds))
        for d in conds:
            check(f"{name}: its dependency {d} has a healthcheck", bool(svcs.get(d, {}).get("healthcheck")))
        reps = s.get("deploy", {}).get("replicas")
        check(f"{name}: deploy.replicas set", isinstance(reps, int) and reps >= 1, str(reps))
        # --config FILE: a file of the repository mounted into the container, accepted by the program
        if "--config" in args:
            inside = args[args.index("--config") + 1]
            host = None
            for v in s.get("volumes", []):
                src, dst = (v.get("source"), v.get("target")) if isinstance(v, dict) else v.split(":")[:2]
                if inside.startswith(dst.rstrip("/") + "/"):
                    host = os.path.join(src, inside[len(dst.rstrip("/")) + 1:])
            if check(f"{name}: --config {inside} is mounted from the repository", host and os.path.isfile(host), str(host)):
                ok, err = config_accepted(name, host)
                check(f"{name}: {os.path.relpath(host, ROOT)} accepted by {name}", ok, err)
                conf = json.load(open(host))
                if name == "spider-publisher":
                    check_publisher_conf(env, s, svcs, conf, os.path.dirname(host), cfg)
                if name == "spider-collector":
                    src = conf.get("source", "")
                    check(f"{name}: source is spider-sim on SIM_PORT",
                          src == f"http://spider-sim:{port_of(env, 'SIM_PORT')}", src)
                    check(f"{name}: 2+ replicas share the schedds only in scale-out mode",
                          (reps or 1) < 2 or conf.get("scale-out") is True)
        else:
            check(f"{name}: configured through --config", False)
    reps = svcs.get("spider-publisher", {}).get("deploy", {}).get("replicas", 0)
    check("spider-publisher: scaled out (2+ replicas)", isinstance(reps, int) and reps >= 2, str(reps))


def check_publisher_conf(env, s, svcs, conf, confdir, cfg):
    amq = conf.get("amq", {})
    brokers = amq.get("brokers", [])
    check("publisher: AMQ brokers are the activemq service on STOMP_PORT",
          brokers == [f"activemq:{env['STOMP_PORT']}"], str(brokers))
    secrets = {x if isinstance(x, str) else x.get("source") for x in s.get("secrets", [])}
    for key, var in (("username_file", "STOMP_USER"), ("password_file", "STOMP_PASSWORD")):
        path = amq.get(key, "")
        m = re.match(r"/run/secrets/(\w+)$", path)
        name = m.group(1) if m else None
        check(f"publisher: amq.{key} is a Docker secret it mounts", name in secrets, path)
        src = cfg.get("secrets", {}).get(name or "", {}).get("file")
        ok = src and os.path.isfile(src) and open(src).read().strip() == env[var]
        check(f"publisher: secret {name} holds stack.env's {var}", bool(ok), str(src))
    es = json.load(open(os.path.join(confdir, os.path.basename(conf.get("es-conf", "es_conf.json")))))
    hosts = [c.get("host") for c in es]
    check("publisher: es_conf.json names the compose clusters",
          sorted(hosts) == ["elasticsearch", "opensearch"], str(hosts))
    dep = s.get("depends_on", {})
    check("publisher: waits for both clusters and ActiveMQ",
          all(d in dep for d in ("elasticsearch", "opensearch", "activemq")), str(list(dep)))


# ---------------------------------------------------------------- k8s

def k8s_docs():
    d = os.path.join(ROOT, "deploy/k8s")
    docs = []
    for f in sorted(os.listdir(d)):
        if f.endswith((".yaml", ".yml")) and f != "kustomization.yaml":
            for doc in yaml.safe_load_all(open(os.path.join(d, f))):
                if doc:
                    docs.append((f, doc))
    return docs


def run_k8s():
    env = stack_env()
    targets = dockerfile()
    docs = k8s_docs()
    check("k8s: manifests found", len(docs) > 0)
    for f, d in docs:
        check(f"k8s {f}: {d.get('kind')}/{d.get('metadata', {}).get('name')} has apiVersion, kind, metadata.name",
              bool(d.get("apiVersion") and d.get("kind") and d.get("metadata", {}).get("name")))
    by_kind = {}
    for f, d in docs:
        by_kind.setdefault(d["kind"], {})[d["metadata"]["name"]] = d
    cms = by_kind.get("ConfigMap", {})
    secrets = by_kind.get("Secret", {})
    for s in secrets.values():
        vals = list((s.get("stringData") or {}).values())
        check(f"k8s Secret {s['metadata']['name']}: placeholders only, clearly marked",
              bool(vals) and all("CHANGE-ME" in v for v in vals), str(vals))
    kus = os.path.join(ROOT, "deploy/k8s/kustomization.yaml")
    if os.path.exists(kus):
        listed = set(yaml.safe_load(open(kus)).get("resources", []))
        files = {f for f, _ in docs}
        check("k8s kustomization.yaml lists every manifest", listed == files, f"{sorted(listed ^ files)}")
    deps = by_kind.get("Deployment", {})
    for prog, (var, cmd) in SERVICES.items():
        d = deps.get(prog)
        if not check(f"k8s: Deployment {prog}", d is not None):
            continue
        spec = d["spec"]
        check(f"{prog}: replicas set", isinstance(spec.get("replicas"), int) and spec["replicas"] >= 1)
        tmpl = spec["template"]
        ann = tmpl.get("metadata", {}).get("annotations", {})
        port = port_of(env, var)
        check(f"{prog}: Prometheus scrape annotations on port {port}",
              ann.get("prometheus.io/scrape") == "true" and ann.get("prometheus.io/port") == str(port)
              and ann.get("prometheus.io/path") == "/metrics", str(ann))
        pod = tmpl["spec"]
        psc = pod.get("securityContext", {})
        check(f"{prog}: pod runs as non-root uid {UID}", psc.get("runAsNonRoot") is True and psc.get("runAsUser") == UID,
              str(psc))
        cs = pod.get("containers", [])
        check(f"{prog}: one container", len(cs) == 1)
        c = cs[0]
        image = c.get("image", "")
        name = image.rsplit("/", 1)[-1].split(":")[0]
        check(f"{prog}: image {image} is the Dockerfile target {prog}", name == prog and prog in targets)
        tag = image.rsplit("/", 1)[-1].partition(":")[2]
        check(f"{prog}: image tagged by the version {VERSION} (not latest, not untagged)", tag == VERSION, image)
        check_k8s_service(prog, d, by_kind.get("Service", {}), port)
        check_k8s_pdb(prog, d, by_kind.get("PodDisruptionBudget", {}))
        sc = c.get("securityContext", {})
        check(f"{prog}: container cannot escalate, drops all capabilities, read-only root",
              sc.get("allowPrivilegeEscalation") is False and sc.get("readOnlyRootFilesystem") is True
              and sc.get("capabilities", {}).get("drop") == ["ALL"], str(sc))
        ports = {p.get("name"): p.get("containerPort") for p in c.get("ports", [])}
        check(f"{prog}: containerPort metrics = {port}", ports.get("metrics") == port, str(ports))
        cenv = {e["name"]: e for e in c.get("env", [])}
        check(f"{prog}: SPIDER_METRICS_PORT = {port}", cenv.get("SPIDER_METRICS_PORT", {}).get("value") == str(port))
        check(f"{prog}: metrics on every interface",
              cenv.get("SPIDER_METRICS_ADDRESS", {}).get("value") == "0.0.0.0")
        for probe in ("livenessProbe", "readinessProbe"):
            g = c.get(probe, {}).get("httpGet", {})
            check(f"{prog}: {probe} on /healthz of the metrics port",
                  g.get("path") == "/healthz" and g.get("port") in ("metrics", port), str(g))
        res = c.get("resources", {})
        if check(f"{prog}: resource requests and limits (cpu, memory)",
                 all(k in res.get(w, {}) for w in ("requests", "limits") for k in ("cpu", "memory")), str(res)):
            for k in ("cpu", "memory"):
                req, lim = quantity(res["requests"][k]), quantity(res["limits"][k])
                check(f"{prog}: {k} request {res['requests'][k]} <= limit {res['limits'][k]}, both quantities",
                      req is not None and lim is not None and 0 < req <= lim)
        args = c.get("args", [])
        check_args(f"k8s {prog} args", prog, args)
        check(f"{prog}: runs its daemon command {cmd}", args[:1] == [cmd], str(args))
        # config files come from a ConfigMap, passwords from a Secret
        files = pod_files(pod, c, cms, secrets, prog)
        if "--config" in args:
            path = args[args.index("--config") + 1]
            src = files.get(path)
            if check(f"{prog}: --config {path} comes from a ConfigMap", src and src[0] == "ConfigMap", str(src)):
                text = cms[src[1]]["data"][src[2]]
                tmp = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"k8s-{os.getpid()}-{src[2]}")
                open(tmp, "w").write(text)
                ok, err = config_accepted(prog, tmp)
                os.unlink(tmp)
                if check(f"{prog}: ConfigMap {src[1]}/{src[2]} accepted by {prog}", ok, err):
                    check_k8s_conf(prog, spec, json.loads(text), files, cms)
        else:
            check(f"{prog}: configured through --config", False)
        helptext = help_text(prog)
        for n in [e["configMapRef"]["name"] for e in c.get("envFrom", []) if "configMapRef" in e]:
            check(f"{prog}: envFrom ConfigMap {n} exists", n in cms)
            for var in (cms.get(n, {}).get("data") or {}):
                check(f"{prog}: {var} from ConfigMap {n} is one of its variables",
                      f"env {var}," in helptext or f"env {var}]" in helptext)


def check_k8s_service(prog, dep, services, port):
    """A Service selecting the Deployment's pods with its metrics port."""
    labels = dep["spec"]["template"]["metadata"].get("labels", {})
    svc = services.get(f"{prog}-metrics")
    if not check(f"{prog}: Service {prog}-metrics", svc is not None):
        return
    sel = svc["spec"].get("selector", {})
    check(f"{prog}-metrics: selects the Deployment's pods", bool(sel) and all(labels.get(k) == v for k, v in sel.items()),
          f"{sel} vs {labels}")
    ports = {p.get("name"): p for p in svc["spec"].get("ports", [])}
    m = ports.get("metrics", {})
    check(f"{prog}-metrics: port metrics {port} -> the container's metrics port",
          m.get("port") == port and m.get("targetPort") in ("metrics", port), str(ports))
    check(f"{prog}-metrics: in the Deployment's namespace",
          svc["metadata"].get("namespace") == dep["metadata"].get("namespace"))


def check_k8s_pdb(prog, dep, pdbs):
    """A PodDisruptionBudget selecting the Deployment's pods that lets a
    drain go on: at least one pod may go, at least one stays."""
    pdb = [b for b in pdbs.values() if b["spec"].get("selector") == dep["spec"]["selector"]]
    if not check(f"{prog}: one PodDisruptionBudget selects its pods", len(pdb) == 1, str(list(pdbs))):
        return
    spec, replicas = pdb[0]["spec"], dep["spec"]["replicas"]
    if "maxUnavailable" in spec:
        ok = isinstance(spec["maxUnavailable"], int) and 1 <= spec["maxUnavailable"] < replicas
    else:
        ok = isinstance(spec.get("minAvailable"), int) and 1 <= spec["minAvailable"] < replicas
    check(f"{prog}: its budget lets one pod go and keeps one of {replicas} ({spec})", ok)


def pod_files(pod, c, cms, secrets, prog):
    """Path in the container -> (kind, name, key) of every file that a
    ConfigMap, Secret or projected volume puts there."""
    vols = {v["name"]: v for v in pod.get("volumes", [])}
    files = {}

    def add(mount, kind, name, items, defaults):
        obj = (cms if kind == "ConfigMap" else secrets).get(name)
        if not check(f"{prog}: {kind} {name} of a volume exists", obj is not None):
            return
        keys = set(obj.get("data") or {}) | set(obj.get("stringData") or {})
        for it in items if items is not None else [{"key": k, "path": k} for k in sorted(keys)]:
            check(f"{prog}: {kind} {name} has key {it['key']}", it["key"] in keys)
            files[os.path.join(mount, it["path"])] = (kind, name, it["key"])

    for m in c.get("volumeMounts", []):
        v = vols.get(m["name"])
        if not check(f"{prog}: volume {m['name']} of mount {m['mountPath']} exists", v is not None):
            continue
        srcs = [x for x in v.get("projected", {}).get("sources", [])] or [v]
        for x in srcs:
            if "configMap" in x:
                add(m["mountPath"], "ConfigMap", x["configMap"]["name"], x["configMap"].get("items"), None)
            if "secret" in x:
                sec = x["secret"]
                add(m["mountPath"], "Secret", sec.get("secretName") or sec.get("name"), sec.get("items"), None)
    return files


def check_k8s_conf(prog, spec, conf, files, cms):
    for key, val in flat(conf):
        if key.endswith("_file") or key in ("es-conf", "collectors-file", "affiliation-file"):
            check(f"{prog}: {key} {val} is a file of a mounted volume", str(val) in files, str(sorted(files)))
        if key.endswith(("password_file", "username_file")):
            check(f"{prog}: {key} comes from a Secret", files.get(val, ("",))[0] == "Secret")
    if prog == "spider-publisher":
        src = files.get(conf.get("es-conf", ""))
        try:
            es = json.loads(cms[src[1]]["data"][src[2]]) if src and src[0] == "ConfigMap" else None
        except ValueError as e:
            es = e
        if check(f"{prog}: es_conf.json from the ConfigMap is a JSON list of clusters",
                 isinstance(es, list) and es and all(isinstance(x, dict) and x.get("host") for x in es), str(es)):
            for cl in es:
                check(f"{prog}: {cl['host']}: no password in the ConfigMap", "password" not in cl and "username" not in cl)
                for key, val in cl.items():
                    if key.endswith("_file"):
                        check(f"{prog}: {cl['host']} {key} is a file of a Secret", files.get(val, ("",))[0] == "Secret",
                              str(val))
    if prog == "spider-collector":
        check(f"{prog}: {spec['replicas']} replicas only in scale-out mode",
              spec["replicas"] < 2 or conf.get("scale-out") is True)


def quantity(q):
    """A Kubernetes resource quantity as a number, None when it is not one."""
    m = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?", str(q))
    if not m:
        return None
    mult = {None: 1, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12,
            "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}[m.group(2)]
    return float(m.group(1)) * mult


def flat(obj, prefix=""):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from flat(v, f"{prefix}{'.' if prefix else ''}{k}")
    else:
        yield prefix, obj


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else ""
    if what == "compose":
        run_compose(sys.argv[2])
    elif what == "docker":
        run_docker()
    elif what == "k8s":
        run_k8s()
    else:
        sys.exit("usage: deploy_check.py compose CONFIG_YAML | docker | k8s")
    sys.exit(1 if failed else 0)
