"""gen_corpus.py - writes the committed corpus of the ClassAd oracle test
(tests/oracle/README.md), deterministically, with any Python 3:

  corpus/real.jsonl       every expression of real_exprs.txt in each real-like ad
  corpus/generated.jsonl  every operator and every function of
                          lib/classad_expr.c over operands of every type

Cases whose result depends on when they are evaluated (time(),
CurrentTime, random()) or that need what the evaluator deliberately does not
do (nested ad literals) carry "unsupported": <reason>; the test then asserts
our evaluator refuses them (returns -1) rather than comparing values.
Disagreements found by expr_fuzz.py go to corpus/fuzz.jsonl (kept by hand).

  python3 tests/oracle/gen_corpus.py [--out DIR]   (rewrites both files;
                                                    default DIR: corpus/)
"""
import itertools
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# Ads in -long text form (old ClassAd syntax, as condor_q -long prints them).
JOB_COMMON = """ClusterId = 4217
ProcId = 3
Owner = "cmsuser"
UidDomain = "cern.ch"
GlobalJobId = "vocms0255.cern.ch#4217.3#1700000000"
QDate = 1700000000
JobUniverse = 5
RequestCpus = 1
OriginalMemory = 2000
RequestMemory = ifThenElse(MemoryUsage =!= undefined,MemoryUsage,2000 * RequestCpus)
RequestDisk = DiskUsage
MemoryUsage = ((ResidentSetSize + 1023) / 1024)
DiskUsage = 50000
ImageSize = 120000
ExecutableSize = 75
MaxWallTimeMins = 2880
DESIRED_Sites = "T2_US_UCSD,T2_CH_CERN,T1_US_FNAL"
REQUIRED_OS = "rhel7,rhel8"
FileSystemDomain = "cern.ch"
x509UserProxyExpiration = 1700900000
CMS_Type = "production"
WMAgent_AgentName = "vocms0255"
CRAB_Dest = "/store/user/cmsuser/out"
DesiredOS = "sl7"
DESIRED_usage_model = "DEDICATED,OPPORTUNISTIC"
"""
ADS = {
    "empty": "",
    "idle": JOB_COMMON + "JobStatus = 1\nEnteredCurrentStatus = 1700000100\nNumJobStarts = 0\n",
    "running": JOB_COMMON + """JobStatus = 2
EnteredCurrentStatus = 1700001000
JobCurrentStartDate = 1700001000
ServerTime = 1700004600
ResidentSetSize = 2500000
NumJobStarts = 1
JobRunCount = 1
RemoteWallClockTime = 0.0
RemoteUserCpu = 3500.0
RemoteSysCpu = 100.5
RemoteHost = "slot1_1@glidein_1_2@wn0001.example"
MATCH_GLIDEIN_ToDie = 1700090000
ChirpCMSSWEvents = 1200
""",
    "held": JOB_COMMON + """JobStatus = 5
EnteredCurrentStatus = 1700002000
HoldReasonCode = 34
HoldReasonSubCode = 0
NumJobStarts = 2
NumHolds = 1
ResidentSetSize = 4100000
ProportionalSetSizeKb = 3900000
""",
    "completed": JOB_COMMON + """JobStatus = 4
EnteredCurrentStatus = 1700009000
CompletionDate = 1700009000
ExitCode = 0
ExitBySignal = false
NumJobStarts = 1
ResidentSetSize = 1800000
RemoteWallClockTime = 7200.0
CumulativeSuspensionTime = 0
RemoteUserCpu = 7000.0
RemoteSysCpu = 90.0
LastRemoteHost = "slot1_2@glidein_3_4@wn0002.example"
ChirpCMSSWEvents = 5000
MachineAttrDIRACBenchmark0 = 12.5
MachineAttrHAS_SINGULARITY0 = true
""",
    "failed": JOB_COMMON + """JobStatus = 4
ExitCode = 1.0
ExitBySignal = true
NumJobStarts = 5
RemoteWallClockTime = 1.0e300
ChirpCMSSWEvents = undefined
MachineAttrDIRACBenchmark0 = undefined
WMAgent_AgentName = undefined
""",
}

# The ad of the generated cases: one attribute of every type, names in
# several cases, expressions, a circular reference, a nested ad and lists.
TYPED_AD = """I = 7
Neg = -3
Zero = 0
R = 2.5
RZero = 0.0
RNeg = -0.5
Big = 9223372036854775807
Small = -9223372036854775808
Huge = 1.0e308
S = "Hello"
SUp = "HELLO"
SNum = "42"
SReal = " 3.5e2 "
Empty = ""
List = "a, b ,c"
B = true
F = false
U = undefined
E = error
Expr = I * 2 + 1
ExprStr = strcat(S, "!")
ExprU = Missing + 1
Circ = Circ + 1
Ping = Pong
Pong = Ping
L = { 1, 2.5, "x" }
LEmpty = { }
Nested = [ x = 1; y = "s"; z = x + 1 ]
"""

# Operands of every type: literals, references in other cases, scopes.
OPERANDS = [
    "0", "1", "-1", "7", "2.5", "0.0", "-0.5", "1e300", "9223372036854775807",
    "true", "false", "undefined", "error", '"abc"', '"ABC"', '""', '"42"',
    "{1, 2}", "{}", "I", "i", "R", "S", "sup", "B", "U", "E", "Missing",
    "MY.I", "my.s", "TARGET.I", "Expr", "Circ", "Big", "Small", "Huge", "L", "Nested",
]
# A smaller set for functions of two or three arguments.
ARGS2 = ["0", "2", "-1", "2.5", "true", "undefined", "error", '"abc"', '"a,b"', '""',
         "{1, 2.5}", "S", "Missing", "TARGET.X", "Big"]
ARGS3 = ["1", "2.5", "undefined", "error", '"abc"', '","', "Missing"]

BINARY = ["+", "-", "*", "/", "%", "<", "<=", ">", ">=", "==", "!=", "=?=", "=!=",
          "is", "isnt", "&&", "||", "&", "|", "^", "<<", ">>", ">>>"]
UNARY = ["-", "+", "!", "~"]

# Each function of lib/classad_expr_fn.c with how many arguments it takes
# (and one count it does not take, for the ERROR of a wrong call).
FUNCTIONS = {
    "isUndefined": [1, 2], "isError": [1, 0], "isString": [1], "isInteger": [1],
    "isReal": [1], "isBoolean": [1], "isList": [1], "isClassAd": [1],
    "ifThenElse": [3, 2], "int": [1, 2], "real": [1], "string": [1, 0],
    "floor": [1], "ceil": [1], "ceiling": [1], "round": [1, 2], "pow": [2, 1],
    "min": [1], "max": [1], "sum": [1], "avg": [1, 2], "size": [1, 0],
    "strcat": [0, 1, 2, 3], "toLower": [1], "toUpper": [1, 2], "substr": [2, 3, 1],
    "strcmp": [2, 1], "stricmp": [2], "member": [2, 1], "identicalMember": [2],
    "regexp": [2, 3, 1], "stringListSize": [1, 2, 0], "stringListMember": [2, 3, 1],
    "stringListIMember": [2, 3], "stringListsIntersect": [2, 3, 1],
}
# Arguments that make the functions over strings and lists do their work.
EXTRA = [
    'substr("abcdef", 2)', 'substr("abcdef", -2)', 'substr("abcdef", 1, 3)',
    'substr("abcdef", 1, -1)', 'substr("abcdef", 10)', 'substr("abcdef", -10, 2)',
    'substr("abcdef", 2, 0)', 'substr("abcdef", 2.0)', 'substr(S, 1, Big)',
    'regexp("^H", S)', 'regexp("^h", S)', 'regexp("^h", S, "i")', 'regexp("l+", S)',
    'regexp("[0-9]+", SNum)', 'regexp("\\\\d+", SNum)', 'regexp("(", S)', 'regexp("a|b", "b")',
    'regexp("^T2_.*", "T2_US_UCSD")', 'regexp("x", "y", "")', 'regexp("X", "x", "I")',
    'stringListMember("b", List)', 'stringListMember("B", List)', 'stringListIMember("B", List)',
    'stringListMember("c", "a;b;c", ";")', 'stringListMember("c", "a;b;c", ",")',
    'stringListMember("", "a,,b")', 'stringListMember(" b ", List)', 'stringListSize(List)',
    'stringListSize("a,,b, ,")', 'stringListSize("a;b", ";")', 'stringListSize("")',
    'stringListMember(1, "1,2")', 'stringListMember("1", 12)',
    'stringListsIntersect("a,b", "b,c")', 'stringListsIntersect("a,b", "B,c")',
    'stringListsIntersect("a;b", "b;c", ";")', 'stringListsIntersect("a, b", " b ")',
    'stringListsIntersect("", "")', 'stringListsIntersect(List, "c")', 'stringListsIntersect("a", "a", undefined)',
    'member(1, L)', 'member(2.5, L)', 'member("X", L)', 'member("X", {"x"})',
    'identicalMember("X", {"x"})', 'identicalMember("x", {"x"})', 'member(undefined, {undefined})',
    'identicalMember(undefined, {undefined})', 'member(error, {1})', 'member(1, {error, 1})',
    'member(true, {1})', 'member(1, {true})', 'member({1}, {{1}})',
    'min({3, 1.5, 2})', 'max({3, 1.5, 2})', 'min({1, undefined})', 'max({undefined})',
    'min({})', 'max({"a"})', 'sum({1, 2, 3})', 'sum({1, 2.5})', 'sum({true, 1})', 'avg({1, 2})',
    'avg({1, undefined, 3})', 'sum({undefined})', 'avg({})', 'sum({Big, 1})', 'min({true, 0})',
    'max({-0.5, 0})', 'sum({1e308, 1e308})', 'avg({"a"})', 'max({Expr, I})',
    'size(L)', 'size(LEmpty)', 'size(Nested)', 'size(S)', 'size("")', 'size(1)',
    'strcat("a", 1, 2.5, true, {1})', 'strcat(S, undefined)', 'strcat(S, error)', 'strcat()',
    'strcat(L)', 'strcat(-0.0)', 'strcat(1e20)', 'strcat(123456789012.0)', 'strcat(0.1)',
    'string(L)', 'string(1.0)', 'string(-7)', 'string(false)', 'string(Nested)',
    'toLower("ÄBC")', 'toUpper(S)', 'toLower(1)', 'toUpper(undefined)', 'toLower(L)',
    'strcmp("a", "B")', 'stricmp("a", "B")', 'strcmp("abc", "abc")', 'strcmp(1, "1")',
    'strcmp("a", undefined)', 'stricmp(S, SUp)', 'strcmp("", "a")',
    'int("12abc")', 'int(" 12")', 'int("abc")', 'int("")', 'int(2.9)', 'int(-2.9)', 'int(1e30)',
    'int(-1e30)', 'int("1e3")', 'int(SReal)', 'int(true)', 'int("0x10")', 'int(L)',
    'real("1e5x")', 'real("abc")', 'real(" 2.5")', 'real("inf")', 'real("nan")', 'real("-inf")',
    'real(7)', 'real(true)', 'real("0x10")', 'real("")', 'real(Big)', 'real(SNum)',
    'floor(2.5)', 'floor(-2.5)', 'ceiling(2.1)', 'ceil(-2.1)', 'round(2.5)', 'round(3.5)',
    'round(-2.5)', 'round(0.5)', 'floor("3.7")', 'floor(true)', 'round(1e300)', 'floor(7)',
    'ceiling("x")', 'round(undefined)',
    'pow(2, 10)', 'pow(2, -1)', 'pow(2, 63)', 'pow(-2, 63)', 'pow(2, 64)', 'pow(2.0, 3)',
    'pow(0, 0)', 'pow(-8, 1.0/3)', 'pow(10, 400)', 'pow(2, 0.5)', 'pow(3, 40)', 'pow(-3, 3)',
    'pow("2", 2)', 'pow(true, 2)', 'pow(2, undefined)',
    'ifThenElse(1, "y", "n")', 'ifThenElse(0.0, "y", "n")', 'ifThenElse("x", 1, 2)',
    'ifThenElse(undefined, 1, 2)', 'ifThenElse(error, 1, 2)', 'ifThenElse(true, 1, error)',
    'ifThenElse(false, error, 2)', 'ifThenElse({1}, 1, 2)', 'ifThenElse(I > 5, Expr, Circ)',
    'isUndefined(Missing)', 'isUndefined(TARGET.I)', 'isError(Circ)', 'isError(1/0)',
    'isInteger(Expr)', 'isString(ExprStr)', 'isReal(R)', 'isBoolean(1 == 1)', 'isList(L)',
    'isClassAd(Nested)', 'isUndefined(ExprU)', 'isError(Ping)',
    'Nested.x', 'Nested.z', 'Nested.X', 'nested.y == "S"', 'Nested.missing', 'Nested.x.y',
    'I.x', 'Missing.x', 'L[0]', 'L[2]', 'L[3]', 'L[-1]', 'L[1.0]', 'L["a"]', 'Nested["y"]',
    'I[0]', '{1, 2, 3}[1]', 'undefined[0]', 'L[undefined]',
    'Missing ?: 5', 'U ?: "d"', 'E ?: 1', 'I ?: 5', 'false ?: 1', '"" ?: 1',
    '"a" "b"', "'I' + 1", "MY.'S'", '.I', '.Missing',
    "9223372036854775807 + 1", "-9223372036854775807 - 2", "Big * 2", "Small / -1",
    "Small % -1", "Small * -1", "-Small", "Big + Big", "1 / 0", "1 % 0", "1.0 / 0",
    "0.0 / 0", "-1.0 / 0", "1 / 0.0", "5 % 3", "-5 % 3", "5 % -3", "-5 / 3", "7 / 2",
    "7.0 / 2", "7 % 2.5", "Huge * 10", "-Huge * 10", "Huge + Huge", "1e308 * 10",
    "0.1 + 0.2", "1 / 3.0", "2.5 * 4", "1e-320 * 1", "1 << 63", "1 << 64", "-8 >> 1",
    "-8 >>> 1", "1 << -1", "3 & 5", "3 | 5", "3 ^ 5", "~0", "true & 1", "1.5 & 1",
    '"a" == "A"', '"a" =?= "A"', '"a" != "A"', '"a" =!= "A"', '"a" < "B"', '"B" < "a"',
    '"abc" > "ab"', '"" == ""', '"1" == 1', '1 == 1.0', '1 =?= 1.0', 'true == 1',
    'true =?= 1', 'undefined == undefined', 'undefined =?= undefined', 'error =?= error',
    'error == error', '{1} == {1}', '{1} =?= {1}', 'Nested == Nested', 'Nested =?= Nested',
    '0.0 == -0.0', '0.0 =?= -0.0', 'S == SUp', 'S =?= SUp', 'S is "Hello"', 'S isnt "hello"',
    "undefined && false", "false && undefined", "undefined && true", "true && undefined",
    "undefined || true", "true || undefined", "undefined || false", "error && false",
    "false && error", "error || true", "true || error", "1 && 2", "0 || 0.0", '"a" && true',
    'true && "a"', 'false && "a"', '"a" || true', 'true || "a"', "undefined && error",
    "undefined || error", "!undefined", "!error", "!0", "!2.5", '!"a"', "!{}", "-true",
    "-\"1\"", "+\"1\"", "+true", "-undefined", "+undefined", "~2.5", "~true", "- -1",
    "true ? 1 : 2", "0 ? 1 : 2", "undefined ? 1 : 2", "error ? 1 : 2", '"x" ? 1 : 2',
    "2.5 ? 1 : 2", "true ? error : 2", "I > 5 ? S : R", "(1 ? 2 : 3) + 1", "1 ? 2 : 3 ? 4 : 5",
    "-(-9223372036854775807 - 1)", "-9223372036854775808", "9223372036854775808",
    "0x10", "010", "1.", ".5", "1e3", "1E+2", "00", "0.5e-3", "1 2", "(1", "1 +", "",
    "a.b.c", "TARGET.Nested.x", "MY.Nested.x", "MY", "TARGET", "my.MY.I", "parent.I",
    "Expr + ExprStr", "ExprU", "Ping", "Circ + 1", "isUndefined(Circ)", "Expr =?= 15",
    "CurrentTime", "time()", "time() > 0", "random(10) < 10", "[a = 1].a", "[a = 1]",
    "size([a = 1; b = 2])", "member(1, {1, [a=1]})",
]
TIME_DEPENDENT = re.compile(r"\btime\s*\(|\bCurrentTime\b|\brandom\s*\(", re.I)
AD_LITERAL = re.compile(r"\[\s*[A-Za-z_]\w*\s*=")


def case(tag, n, ad, expr):
    c = {"id": "%s-%d" % (tag, n), "ad": ad, "expr": expr}
    if TIME_DEPENDENT.search(expr):
        c["unsupported"] = "time-dependent"
    elif AD_LITERAL.search(expr):
        c["unsupported"] = "nested ad literal"
    return c


def real_cases():
    exprs, section = [], None
    with open(os.path.join(HERE, "real_exprs.txt"), encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("## "):
                section = line[3:]
            elif line and not line.startswith("#"):
                exprs.append((section, line))
    out = []
    for name, ad in ADS.items():
        for section, expr in exprs:
            out.append(case("real-" + name, len(out), ad, expr))
    return out


def call(fn, args):
    return "%s(%s)" % (fn, ", ".join(args))


def generated_exprs():
    for a, op, b in itertools.product(OPERANDS, BINARY, OPERANDS):
        yield "%s %s %s" % (a, op, b)
    for op, a in itertools.product(UNARY, OPERANDS):
        yield "%s%s" % (op, a)
    for c in OPERANDS:
        yield "%s ? 1 : 2" % c
        yield "%s ?: -1" % c
    for fn, counts in FUNCTIONS.items():
        for n in counts:
            pool = OPERANDS if n == 1 else ARGS2 if n == 2 else ARGS3
            for args in itertools.product(pool, repeat=n):
                yield call(fn, args)
        yield call(fn.upper(), ["S"] * counts[0])
    yield from EXTRA


def generated_cases():
    return [case("gen", n, TYPED_AD, e) for n, e in enumerate(generated_exprs())]


def write(path, cases):
    with open(path, "w", encoding="utf-8") as f:
        for c in cases:
            f.write(json.dumps(c, ensure_ascii=False) + "\n")
    print("%s: %d cases" % (path, len(cases)))


def main():
    out = os.path.join(HERE, "corpus")
    if len(sys.argv) == 3 and sys.argv[1] == "--out":
        out = sys.argv[2]
    elif len(sys.argv) != 1:
        sys.exit("usage: gen_corpus.py [--out DIR]")
    write(os.path.join(out, "real.jsonl"), real_cases())
    write(os.path.join(out, "generated.jsonl"), generated_cases())


if __name__ == "__main__":
    main()
