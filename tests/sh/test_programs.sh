#!/bin/sh
# test_programs.sh -- the analysis programs (scripts/programs/) on every
# fixture, checked against what the live machine and its console showed:
#
# * every program exits 0 with text ending in its findings summary, and with
#   --json prints one valid JSON object {program, data, findings, summary};
#   `kdlua NAME --help` exits 0 without a dump; a bad option exits 2;
# * crashinfo: the panic message, CPU and PID are those of the console's
#   "Kernel panic - not syncing" and "CPU: N ... PID: P" lines
#   (serial-console.log); an OOM on the console ("Memory cgroup stats for
#   X") is an OOM report of memcg X, also the crashing task's cgroup
#   (truth/pid/<crash_pid>/cgroup), with an ERROR finding naming it; a
#   sysrq crash is said to be one;
# * hanginfo: every task of truth/dstate/list.txt (or whose
#   truth/pid/*/status says D) is listed in D state with its comm; the
#   blocked I/O of truth/dstate_pid names a device of truth/sys/block/, and
#   its device-mapper name and suspension when kernel/dm.lua exists;
# * xportshow: the init namespace's TCP LISTEN and ESTABLISHED pairs, UDP
#   and raw sockets and UNIX sockets (inode, path) equal truth/proc/net/*.
# Also a program of --programs-dir / $KDLUA_PROGRAMS runs, the first line of
# every bundled program is "-- kdlua NAME: summary", and the report holds
# each program's text in sos_commands/vmcore/<program>.
. "$(dirname "$0")/common.sh"
need_python3
SRC=${KDLUA_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kdlua-programs-test.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

programs=$(cd "$SRC/scripts/programs" && ls *.lua | sed 's/\.lua$//')
for P in $programs; do
  check "$P: first line is '-- kdlua $P: summary'" \
    sh -c 'head -n 1 "$1" | grep -Eq "^-- kdlua $2: .+"' - "$SRC/scripts/programs/$P.lua" "$P"
  "$BIN" "$P" --help >"$tmp/help" 2>&1
  check "$P --help exits 0 without a dump" [ $? -eq 0 ]
  check "$P --help prints its usage" grep -q "^usage: kdlua $P" "$tmp/help"
  "$BIN" "$P" --no-such-option --vmcore "$D/vmcore" >/dev/null 2>"$tmp/err"
  check "$P: an unknown option exits 2 naming it" \
    sh -c '[ $1 -eq 2 ] && grep -q -- "--no-such-option" "$2"' - $? "$tmp/err"
done

# a program of the user's own, by --programs-dir and by $KDLUA_PROGRAMS
mkdir -p "$tmp/mine"
cat >"$tmp/mine/myprog.lua" <<'EOF'
-- kdlua myprog: a test program
return require("program").define{ name = "myprog",
  run = function(p) p:line("release %s", kd.release()) p:warning("w1") p:set("r", kd.release()) end }
EOF
out=$("$BIN" myprog --programs-dir "$tmp/mine" --vmcore "$D/vmcore" --vmlinux "$D/vmlinux" 2>&1)
check "--programs-dir: a user program runs and ends with its findings" \
  sh -c 'printf "%s\n" "$1" | grep -q "^release " && printf "%s\n" "$1" | grep -q "^WARNING w1"' - "$out"
KDLUA_PROGRAMS="/nonexistent:$tmp/mine" "$BIN" myprog --json --vmcore "$D/vmcore" --vmlinux "$D/vmlinux" >"$tmp/my.json" 2>&1
check "\$KDLUA_PROGRAMS: a user program runs with --json" \
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["summary"]["warnings"]==1 and d["data"]["r"]' "$tmp/my.json"

# the report holds each program's text as sos_commands/vmcore/<program>,
# the same text `kdlua <program>` prints
mkdir -p "$tmp/report"
"$BIN" report -o vmcore --build --tmp-dir "$tmp/report" -q --vmcore "$D/vmcore" --vmlinux "$D/vmlinux" \
  --debuginfo-dir "$D/modules" >/dev/null 2>"$tmp/err"
check "report -o vmcore exits 0" [ $? -eq 0 ]
for P in $programs; do
  "$BIN" "$P" --vmcore "$D/vmcore" --vmlinux "$D/vmlinux" --debuginfo-dir "$D/modules" >"$tmp/p.txt" 2>/dev/null
  check "report: sos_commands/vmcore/$P is what kdlua $P prints" \
    sh -c 'cmp -s "$1" "$2"/*/sos_commands/vmcore/"$3"' - "$tmp/p.txt" "$tmp/report" "$P"
done

for F in $KDLUA_FIXTURE_DIRS; do
  name=$(basename "$F")
  mods=
  [ -d "$F/modules" ] && mods="--debuginfo-dir $F/modules"
  for P in $programs; do
    "$BIN" "$P" --vmcore "$F/vmcore" --vmlinux "$F/vmlinux" $mods >"$tmp/$name.$P.txt" 2>"$tmp/err"
    st=$?
    check "$name: $P exits 0" [ $st -eq 0 ]
    [ $st -eq 0 ] || sed -n '1,20p' "$tmp/err"
    check "$name: $P text ends with its findings summary" grep -q "^Findings: " "$tmp/$name.$P.txt"
    "$BIN" "$P" --json --vmcore "$F/vmcore" --vmlinux "$F/vmlinux" $mods >"$tmp/$name.$P.json" 2>"$tmp/err"
    check "$name: $P --json exits 0" [ $? -eq 0 ]
    check "$name: $P --json is one valid JSON object" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["program"] == sys.argv[2], d["program"]
assert isinstance(d["data"], dict) and isinstance(d["findings"], list)
for k in ("errors", "warnings"): assert isinstance(d["summary"][k], int)
for f in d["findings"]: assert f["severity"] in ("INFO", "WARNING", "ERROR") and f["message"]
' "$tmp/$name.$P.json" "$P"
  done

  # crashinfo against the console log and truth
  if [ -f "$F/serial-console.log" ] && [ -f "$tmp/$name.crashinfo.json" ]; then
    python3 - "$tmp/$name.crashinfo.json" "$F" "$name" >"$tmp/ci.out" 2>&1 <<'EOF'
import json, os, re, sys
d = json.load(open(sys.argv[1])); F = sys.argv[2]; name = sys.argv[3]
data, findings = d["data"], d["findings"]
log = open(os.path.join(F, "serial-console.log"), errors="replace").read().splitlines()
strip = lambda l: re.sub(r"^\[\s*\d+\.\d+\]\s?", "", l)
lines = [strip(l) for l in log]
panic_i = max(i for i, l in enumerate(lines) if l.startswith("Kernel panic - not syncing:"))
def ok(what, cond):
    print(("ok - " if cond else "FAIL - ") + name + ": crashinfo " + what)
ok("panic message is the console's", data["panic"]["message"] == lines[panic_i].rstrip())
m = re.search(r"CPU: (\d+) (?:UID: \d+ )?PID: (\d+) Comm: (\S+)", lines[panic_i + 1])
ok("panic CPU is the console's CPU " + m.group(1), data["panic"]["cpu"] == int(m.group(1)))
ok("crashing task is the console's PID " + m.group(2) + " " + m.group(3),
   data["panic"]["task"]["pid"] == int(m.group(2)) and data["panic"]["task"]["comm"] == m.group(3))
ok("the panic is an ERROR finding",
   any(f["severity"] == "ERROR" and "panic" in f["message"] for f in findings))
# with the unwinder, the console's Call Trace from panic() on (reliable
# entries, not the "? " ones) is a subsequence of crashinfo's backtrace
if data["panic"].get("backtrace_source") == "unwinder":
    want, i = [], panic_i + 1
    while i < len(lines) and not lines[i].startswith("Call Trace:"): i += 1
    for l in lines[i + 1:]:
        if l.strip() == "</TASK>" or l.startswith("Kernel Offset"): break
        m2 = re.match(r"^\s+([\w.]+)\+0x", l)
        if m2: want.append(m2.group(1))
    want = want[want.index("panic"):] if "panic" in want else want
    got = iter(data["panic"]["backtrace"])
    ok("backtrace holds the console's call trace from panic() (%d frames)" % len(want),
       all(any(g == w for g in got) for w in want))
def truth(rel):
    p = os.path.join(F, "truth", rel)
    return open(p).read() if os.path.exists(p) else None
t = truth("proc/sys/kernel/tainted")
if t is not None:
    ok("taint mask is truth's %s" % t.strip(), data["taint"]["mask"] == int(t))
t = truth("proc/sys/kernel/hung_task_timeout_secs")
if t is not None:
    ok("hung_task_timeout_secs is truth's %s" % t.strip(), data["hung_task_timeout_secs"] == int(t))
t = truth("proc/meminfo")
if t is not None:
    mt = int(re.search(r"^MemTotal:\s+(\d+) kB", t, re.M).group(1))
    ok("MemTotal is truth's %d kB" % mt, data["memory"]["total_kb"] == mt)
memcgs = [re.match(r"Memory cgroup stats for (\S+):$", l) for l in lines]
memcgs = [x.group(1) for x in memcgs if x]
if any("invoked oom-killer" in l for l in lines):
    reps = data["oom"]["reports"]
    ok("finds the OOM report(s) of the log", len(reps) == sum("invoked oom-killer" in l for l in lines))
    if memcgs:
        ok("names the memcg that ran out: " + memcgs[-1], reps[-1].get("memcg") == memcgs[-1])
        ok("an ERROR/WARNING finding names memcg " + memcgs[-1],
           any(memcgs[-1] in f["message"] and f["severity"] in ("ERROR", "WARNING") for f in findings))
        cp = os.path.join(F, "truth", "crash_pid")
        if os.path.exists(cp):
            pid = open(cp).read().strip()
            cg = os.path.join(F, "truth", "pid", pid, "cgroup")
            if os.path.exists(cg):
                v2 = [l.split("::", 1)[1] for l in open(cg).read().splitlines() if l.startswith("0::")]
                ok("crashing task's memcg is truth's " + v2[0],
                   data["oom"]["crashing_task_memcg"]["path"] == v2[0])
    if "Out of memory" in lines[panic_i]:
        ok("says the panic was an OOM panic", "out of memory" in data["panic"]["cause"])
if "sysrq triggered crash" in lines[panic_i]:
    ok("says the crash was triggered by sysrq", "sysrq" in data["panic"]["cause"])
    ok("a finding says sysrq", any("sysrq" in f["message"] for f in findings))
EOF
    cat "$tmp/ci.out"
    passed=$((passed + $(grep -c '^ok - ' "$tmp/ci.out")))
    failed=$((failed + $(grep -c '^FAIL - ' "$tmp/ci.out")))
    grep -q '^Traceback' "$tmp/ci.out" && fail "$name: crashinfo checks raised"
  fi

  # hanginfo against truth/dstate (or the D states of truth/pid/*/status)
  if [ -d "$F/truth" ] && [ -f "$tmp/$name.hanginfo.json" ]; then
    has_dm=no
    [ -f "$SRC/scripts/lib/kernel/dm.lua" ] && has_dm=yes
    python3 - "$tmp/$name.hanginfo.json" "$F" "$name" "$has_dm" >"$tmp/hi.out" 2>&1 <<'EOF'
import glob, json, os, sys
d = json.load(open(sys.argv[1])); F = sys.argv[2]; name = sys.argv[3]; has_dm = sys.argv[4] == "yes"
T = os.path.join(F, "truth")
def ok(what, cond):
    print(("ok - " if cond else "FAIL - ") + name + ": hanginfo " + what)
listed = {t["pid"]: t for g in d["data"]["groups"] for t in g["tasks"]}
want = {}
lst = os.path.join(T, "dstate", "list.txt")
if os.path.exists(lst):
    for l in open(lst).read().splitlines():
        f = l.split()
        if len(f) >= 3: want[int(f[1])] = f[2]
else:
    for st in glob.glob(os.path.join(T, "pid", "*", "status")):
        kv = dict(x.split(":\t", 1) for x in open(st).read().splitlines() if ":\t" in x)
        if kv.get("State", "").startswith("D"): want[int(kv["Pid"])] = kv["Name"]
ok("lists %d D-state task(s) as truth does" % len(want), d["data"]["d_state_total"] == len(want))
for tid, comm in sorted(want.items()):
    t = listed.get(tid)
    ok("lists D-state task %d (%s)" % (tid, comm), t is not None and t["state"] == "D" and t["comm"] == comm)
# with the unwinder, each D task's group stack holds its truth stack
# (/proc/<pid>/task/<tid>/stack, captured live) in order
if d["data"]["grouped_by"] == "stack":
    stack_of = {t["pid"]: g["stack"] for g in d["data"]["groups"] for t in g["tasks"]}
    for tid in sorted(want):
        sf = os.path.join(T, "dstate", "%d.stack" % tid)
        if os.path.exists(sf):
            names = [l.split("] ", 1)[1].split("+")[0] for l in open(sf).read().splitlines() if "] " in l]
            got = iter(stack_of.get(tid) or [])
            ok("stack of %d holds its live stack (%d frames)" % (tid, len(names)),
               len(names) > 0 and all(any(g == n for g in got) for n in names))
dp = os.path.join(T, "dstate_pid")
if os.path.exists(dp):
    pid = int(open(dp).read())
    t = listed.get(pid, {})
    bios = [w for w in t.get("waits", []) if w["kind"] == "bio"]
    ok("names the I/O task %d waits on" % pid, len(bios) == 1)
    if bios:
        b = bios[0]
        blk = os.path.join(T, "sys", "block", b["device"])
        ok("its device %s is a disk of truth/sys/block" % b["device"], os.path.isdir(blk))
        stack = open(os.path.join(T, "dstate", "%d.stack" % pid)).read() if os.path.exists(os.path.join(T, "dstate", "%d.stack" % pid)) else ""
        if "submit_bio_wait" in stack:
            ok("the I/O is a read waited for by submit_bio_wait",
               b["op"] == ("read" if "read" in stack else b["op"]) and b["end_io"].startswith("submit_bio_wait"))
        dmname = os.path.join(blk, "dm", "name")
        if has_dm and os.path.exists(dmname):
            ok("device-mapper name %s" % open(dmname).read().strip(), b.get("dm_name") == open(dmname).read().strip())
            susp = open(os.path.join(blk, "dm", "suspended")).read().strip() == "1"
            ok("device-mapper suspended = %s" % susp, bool(b.get("dm_suspended")) == susp)
            infl = os.path.join(blk, "inflight")
            if susp and os.path.exists(infl) and open(infl).read().split() == ["0", "0"]:
                # not in flight below dm (truth's inflight 0 0): held for the resume
                ok("the bio is held on the suspended device's deferred list", b.get("dm_deferred") is True)
EOF
    cat "$tmp/hi.out"
    passed=$((passed + $(grep -c '^ok - ' "$tmp/hi.out")))
    failed=$((failed + $(grep -c '^FAIL - ' "$tmp/hi.out")))
    grep -q '^Traceback' "$tmp/hi.out" && fail "$name: hanginfo checks raised"
  fi

  # taskinfo's filters against truth/pid/<crash_pid>/{comm,cgroup}
  cp=$(cat "$F/truth/crash_pid" 2>/dev/null)
  if [ -n "$cp" ] && [ -f "$F/truth/pid/$cp/comm" ]; then
    comm=$(cat "$F/truth/pid/$cp/comm")
    "$BIN" taskinfo --pid "$cp" --json --vmcore "$F/vmcore" --vmlinux "$F/vmlinux" $mods >"$tmp/ti.json" 2>/dev/null
    check "$name: taskinfo --pid $cp is the one process $comm" python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))["data"]["processes"]
assert len(p) == 1 and p[0]["pid"] == int(sys.argv[2]) and p[0]["comm"] == sys.argv[3], p' "$tmp/ti.json" "$cp" "$comm"
    cg=$(sed -n 's/^0:://p' "$F/truth/pid/$cp/cgroup" 2>/dev/null)
    if [ -n "$cg" ] && [ "$cg" != / ]; then
      "$BIN" taskinfo --cgroup "$cg" --json --vmcore "$F/vmcore" --vmlinux "$F/vmlinux" $mods >"$tmp/ti.json" 2>/dev/null
      check "$name: taskinfo --cgroup $cg lists PID $cp, and only tasks of that cgroup" python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))["data"]["processes"]
assert any(x["pid"] == int(sys.argv[2]) for x in p), p
assert all(sys.argv[3] in x["cgroup"] for x in p), p' "$tmp/ti.json" "$cp" "$cg"
    fi
    "$BIN" taskinfo --tree --vmcore "$F/vmcore" --vmlinux "$F/vmlinux" $mods >"$tmp/ti.txt" 2>/dev/null
    check "$name: taskinfo --tree shows PID $cp under the tree" grep -q "($cp)" "$tmp/ti.txt"
  fi

  # xportshow against truth/proc/net
  if [ -d "$F/truth/proc/net" ] && [ -f "$tmp/$name.xportshow.json" ]; then
    python3 - "$tmp/$name.xportshow.json" "$F" "$name" >"$tmp/xs.out" 2>&1 <<'EOF'
import ipaddress, json, os, struct, sys
d = json.load(open(sys.argv[1])); F = sys.argv[2]; name = sys.argv[3]
N = os.path.join(F, "truth", "proc", "net")
def ok(what, cond, extra=""):
    print(("ok - " if cond else "FAIL - ") + name + ": xportshow " + what + extra)
def hexaddr(h):
    a, p = h.split(":")
    raw = bytes.fromhex(a)
    # /proc prints each 32-bit word of the address in host (little-endian) order
    b = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
    ip = ipaddress.ip_address(b)
    return (ip, int(p, 16))
def ours(s):
    a, p = s.rsplit(":", 1)
    return (ipaddress.ip_address(a.strip("[]")), int(p))
def norm(pair):
    # an IPv4-mapped IPv6 address is the IPv4 one
    ip, port = pair
    if ip.version == 6 and ip.ipv4_mapped: ip = ip.ipv4_mapped
    return (ip, port)
init = [n for n in d["data"]["namespaces"] if n["init"]][0]["sockets"]
STATES = {"01": "ESTABLISHED", "0A": "LISTEN", "07": "UNCONN"}
def truth(files, states):
    out = set()
    for fn in files:
        path = os.path.join(N, fn)
        if not os.path.exists(path): continue
        for l in open(path).read().splitlines()[1:]:
            f = l.split()
            if len(f) > 3 and f[3] in states:
                out.add((STATES.get(f[3], f[3]), norm(hexaddr(f[1])), norm(hexaddr(f[2]))))
    return out
def mine(protos, states):
    return {(s["state"], norm(ours(s["local"])), norm(ours(s["remote"]))) for s in init
            if s["proto"] in protos and s["state"] in states}
t = truth(["tcp", "tcp6"], ("01", "0A")); m = mine(("tcp", "tcp6"), ("ESTABLISHED", "LISTEN"))
ok("TCP LISTEN+ESTABLISHED pairs equal truth (%d)" % len(t), t == m and len(t) > 0,
   "" if t == m else " missing %s extra %s" % (sorted(map(str, t - m)), sorted(map(str, m - t))))
t = truth(["udp", "udp6"], ("01", "07")); m = mine(("udp", "udp6"), ("ESTABLISHED", "UNCONN"))
ok("UDP sockets equal truth (%d)" % len(t), t == m, "" if t == m else " missing %s extra %s" % (t - m, m - t))
t = truth(["raw", "raw6"], ("01", "07")); m = mine(("raw", "raw6"), ("ESTABLISHED", "UNCONN"))
ok("raw sockets equal truth (%d)" % len(t), t == m)
tu = set()
for l in open(os.path.join(N, "unix")).read().splitlines()[1:]:
    f = l.split()
    if len(f) >= 7 and f[6] != "0": tu.add((int(f[6]), f[7] if len(f) > 7 else "-"))
mu = {(s["inode"], s["local"]) for s in init if s["proto"].startswith("unix_") and s["inode"] != 0}
ok("UNIX sockets (inode, path) equal truth (%d)" % len(tu), tu == mu,
   "" if tu == mu else " missing %s extra %s" % (tu - mu, mu - tu))
EOF
    cat "$tmp/xs.out"
    passed=$((passed + $(grep -c '^ok - ' "$tmp/xs.out")))
    failed=$((failed + $(grep -c '^FAIL - ' "$tmp/xs.out")))
    grep -q '^Traceback' "$tmp/xs.out" && fail "$name: xportshow checks raised"
  fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
