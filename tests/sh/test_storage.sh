#!/bin/sh
# test_storage.sh -- dmshow, scsishow, nfsshow and the devicemapper, scsi
# and nfs report files on every fixture, against the fixture's truth/.
#
# For each fixture folder of $KDLUA_FIXTURE_DIRS:
#   * each program runs, exits 0, and --json is valid JSON with no ERROR
#     finding (a failed walk is one);
#   * device-mapper: with truth/cmd/dmsetup-*.txt, dmshow --json lists
#     exactly the devices of `dmsetup info` (name, major:minor, UUID,
#     state, open count, targets), the targets of `dmsetup table` and the
#     devices of `dmsetup deps`, and each D task of truth/dstate/ blocked
#     in submit_bio_wait is named as waiting on a suspended device's
#     deferred bios; without dm_mod in truth/proc/modules,
#     dmshow says "none present";
#   * SCSI: with truth/sys/class/scsi_device, scsishow --json lists exactly
#     those devices (vendor, model, rev, state, type, block device of
#     cmd/scsi-devices.txt) and the hosts of sys/class/scsi_host; without
#     scsi_mod, "none present";
#   * NFS: the nfs/nfs4 mounts of truth/proc/self/mountstats (mount point,
#     device, type, vers= of the opts line), the servers of
#     proc/fs/nfsfs/servers and nfsd's threads/pool_threads/max_block_size/
#     nfsv4recoverydir/versions/lease and grace times/portlist/exports of
#     proc/fs/nfsd; without nfs and nfsd modules,
#     "none present" for both sides;
#   * dmshow --no-modules on a dump with dm devices says why it cannot
#     list them (never "none present");
#   * a report of the devicemapper, scsi and nfs plugins passes `kdlua
#     fidelity` for those files (no row marked failing), and its
#     proc/self/mountstats has the device line of every live mount.
#
# Environment (set by ctest): KDLUA_BIN, KDLUA_FIXTURE_DIRS.  Exit 77
# (skip) without kdlua, a fixture or python3, unless CI=true.

set -u
. "$(dirname "$0")/common.sh"
need_python3

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kdlua-storage-test.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

dirs=${KDLUA_FIXTURE_DIRS:-$D}

# compare.py PROGRAM JSON TRUTH_DIR TEXT: prints "ok - ..." / "FAIL - ..."
cat >"$tmp/compare.py" <<'PY'
import json, os, re, sys
prog, jpath, truth, tpath = sys.argv[1:5]
doc = json.load(open(jpath))
data = doc["data"]
text = open(tpath).read()
results = []
def check(what, cond, detail=""):
    results.append(("ok" if cond else "FAIL", what + ("" if cond else ": " + detail)))
def read(p):
    p = os.path.join(truth, p)
    return open(p, errors="replace").read() if os.path.exists(p) else None
def modules():
    m = read("proc/modules")
    return set(l.split()[0] for l in m.splitlines()) if m else None
mods = modules()
errs = [f["message"] for f in doc["findings"] if f["severity"] == "ERROR"]
check("%s: no ERROR finding" % prog, doc["summary"]["errors"] == 0 and not errs, "%r" % errs)

if prog == "dmshow":
    info = read("cmd/dmsetup-info.txt")
    if info is None:
        if mods is not None and "dm_mod" not in mods:
            check("dmshow: none present without dm_mod", "none present" in text and data["devices"] == [])
    else:
        want = {}
        for rec in info.strip().split("\n\n"):
            f = dict(l.split(":", 1) for l in rec.splitlines())
            f = {k.strip(): v.strip() for k, v in f.items()}
            maj, mi = [int(x) for x in f["Major, minor"].split(",")]
            want[f["Name"]] = dict(major=maj, minor=mi, uuid=f.get("UUID", ""),
                                   suspended=f["State"].startswith("SUSPENDED"),
                                   open_count=int(f["Open count"]),
                                   event_nr=int(f["Event number"]),
                                   targets=int(f.get("Number of targets", 0)))
        got = {d["name"]: d for d in data["devices"]}
        check("dmshow: the devices of dmsetup info", sorted(got) == sorted(want),
              "%s vs %s" % (sorted(got), sorted(want)))
        for name, w in sorted(want.items()):
            d = got.get(name)
            if not d: continue
            for k in ("major", "minor", "uuid", "suspended", "open_count", "event_nr"):
                check("dmshow: %s %s" % (name, k), d[k] == w[k], "%r vs %r" % (d[k], w[k]))
            check("dmshow: %s number of targets" % name, len(d.get("live_table") or []) == w["targets"])
        tbl = read("cmd/dmsetup-table.txt")
        lines = []
        for name in sorted(got):
            for t in got[name].get("live_table") or []:
                lines.append("%s: %d %d %s %s" % (name, t["start"], t["length"], t["type"], t.get("params", "?")))
        check("dmshow: targets equal dmsetup table", sorted(lines) == sorted(tbl.splitlines()),
              "\n%s\nvs\n%s" % ("\n".join(lines), tbl))
        deps = read("cmd/dmsetup-deps.txt")
        for l in deps.splitlines():
            name, rest = l.split(":", 1)
            want_deps = re.findall(r"\((\d+), (\d+)\)", rest)
            d = got.get(name) or {}
            have = [(str(b["major"]), str(b["minor"])) for b in d.get("below", [])]
            check("dmshow: %s devices below = dmsetup deps" % name, have == want_deps, "%r vs %r" % (have, want_deps))
        # the D tasks of the truth blocked in submit_bio_wait: waiters of a
        # suspended device's deferred bios
        waiters = set()
        for d in data["devices"]:
            if d["suspended"]:
                for b in d.get("deferred") or []:
                    if b.get("waiter"): waiters.add(b["waiter"]["pid"])
        dl = read("dstate/list.txt")
        if any(w["suspended"] for w in want.values()) and dl:
            for l in dl.splitlines():
                f = l.split()
                if len(f) < 2: continue
                st = read("dstate/%s.stack" % f[1]) or ""
                if "submit_bio_wait" in st:
                    check("dmshow: D task %s (%s) named as waiting on a suspended device" % (f[0], f[2]),
                          int(f[0]) in waiters, "waiters %r" % sorted(waiters))
        susp = [n for n, w in want.items() if w["suspended"]]
        for n in susp:
            check("dmshow: suspended %s named in the text" % n, re.search(n + r".*\n(.*\n){0,2}.*SUSPENDED", text) is not None)

elif prog == "scsishow":
    sd = os.path.join(truth, "sys/class/scsi_device")
    if not os.path.isdir(sd):
        if mods is not None and "scsi_mod" not in mods:
            check("scsishow: none present without scsi_mod", "none present" in text and data["hosts"] == [])
    else:
        got = {d["hctl"]: d for h in data["hosts"] for d in h["devices"]}
        want = sorted(os.listdir(sd))
        check("scsishow: the devices of sys/class/scsi_device", sorted(got) == want, "%s vs %s" % (sorted(got), want))
        for hctl in want:
            d = got.get(hctl)
            if not d: continue
            for attr in ("vendor", "model", "rev", "state", "type"):
                v = read("sys/class/scsi_device/%s/device/%s" % (hctl, attr))
                if v is None: continue
                v = v.rstrip("\n")
                check("scsishow: %s %s" % (hctl, attr), str(d[attr]) == v, "%r vs %r" % (d[attr], v))
        devs = read("cmd/scsi-devices.txt")
        for l in (devs or "").splitlines():
            m = re.match(r"== (\S+): .* block=(\S+)", l)
            if m and m.group(1) in got:
                check("scsishow: %s block device" % m.group(1), got[m.group(1)]["disk"] == m.group(2))
        hosts = {"host%d" % h["host_no"]: h for h in data["hosts"]}
        hd = os.path.join(truth, "sys/class/scsi_host")
        want_h = sorted(os.listdir(hd)) if os.path.isdir(hd) else []
        check("scsishow: the hosts of sys/class/scsi_host", sorted(hosts) == want_h)
        for hn in want_h:
            for attr in ("proc_name", "state", "can_queue", "cmd_per_lun", "sg_tablesize", "nr_hw_queues"):
                v = read("sys/class/scsi_host/%s/%s" % (hn, attr))
                if v is None or hn not in hosts: continue
                check("scsishow: %s %s" % (hn, attr), str(hosts[hn][attr]) == v.strip())

elif prog == "nfsshow":
    ms = read("proc/self/mountstats")
    want = []
    if ms:
        blocks = re.split(r"\n(?=device )", ms)
        for b in blocks:
            m = re.match(r"device (\S+) mounted on (\S+) with fstype (nfs4?)\b", b)
            if m:
                vers = re.search(r"opts:\s.*?\bvers=([\d.]+)", b)
                want.append((m.group(2), m.group(1), m.group(3), vers.group(1) if vers else None))
    got = [(x["target"], x["source"], x["fstype"], x["vers"]) for x in data["mounts"]]
    if ms is not None:
        check("nfsshow: the NFS mounts of mountstats", sorted(got) == sorted(want), "%r vs %r" % (got, want))
    srv = read("proc/fs/nfsfs/servers")
    if srv is not None:
        hosts = sorted(l.split()[4] for l in srv.splitlines()[1:])
        have = sorted(s["hostname"] for s in data.get("servers", []))
        check("nfsshow: the servers of /proc/fs/nfsfs/servers", have == hosts, "%r vs %r" % (have, hosts))
    th = read("proc/fs/nfsd/threads")
    if th is not None:
        s = data["server"]
        check("nfsshow: nfsd threads", s.get("threads") == int(th))
        pt = read("proc/fs/nfsd/pool_threads")
        if pt is not None:
            check("nfsshow: nfsd pool_threads", s.get("pool_threads") == [int(x) for x in pt.split()])
        mb = read("proc/fs/nfsd/max_block_size")
        if mb is not None:
            check("nfsshow: nfsd max_block_size", s.get("max_block_size") == int(mb))
        rd = read("proc/fs/nfsd/nfsv4recoverydir")
        if rd is not None:
            check("nfsshow: nfsd recovery dir", s.get("recoverydir") == rd.strip())
        # nfsd_net's side (nfsd.ko's types from DWARF or its BTF in the dump)
        for f, key in (("versions", "versions"), ("nfsv4leasetime", "lease_time"),
                       ("nfsv4gracetime", "grace_time")):
            v = read("proc/fs/nfsd/" + f)
            if v is not None:
                check("nfsshow: nfsd " + f, str(s.get(key)) == v.strip(), "%r vs %r" % (s.get(key), v))
        pl = read("proc/fs/nfsd/portlist")
        if pl is not None:
            check("nfsshow: nfsd listeners (portlist)", s.get("listeners") == pl.splitlines(),
                  "%r vs %r" % (s.get("listeners"), pl))
        cdir = os.path.join(truth, "proc/fs/nfsd/clients")
        if os.path.isdir(cdir):
            want_c = []
            for cid in sorted(os.listdir(cdir), key=int):
                info = read("proc/fs/nfsd/clients/%s/info" % cid) or ""
                addr = re.search(r'^address: "(.*)"$', info, re.M)
                want_c.append((int(cid), addr.group(1) if addr else None))
            got_c = [(c.get("id"), c.get("address")) for c in s.get("clients") or []]
            check("nfsshow: the NFSv4 clients of proc/fs/nfsd/clients", got_c == want_c, "%r vs %r" % (got_c, want_c))
        ex = read("proc/fs/nfsd/exports")
        if ex is not None:
            want_ex = [l for l in ex.splitlines() if not l.startswith("#")]
            check("nfsshow: nfsd exports", s.get("exports") == want_ex, "%r vs %r" % (s.get("exports"), want_ex))
    if mods is not None and not (mods & {"nfs", "nfsv4", "nfsd"}):
        check("nfsshow: none present without nfs/nfsd", text.count("none present") == 2 and got == [])
for st, msg in results:
    print("%s - %s" % (st, msg))
if not results:
    print("ok - %s: nothing in the truth to compare" % prog)
PY

for dir in $dirs; do
  [ -f "$dir/vmcore" ] || continue
  fx=$(basename "$dir")
  set -- --vmcore "$dir/vmcore" --vmlinux "$dir/vmlinux" --debuginfo-dir "$dir/modules"
  for prog in dmshow scsishow nfsshow; do
    "$BIN" "$prog" "$@" >"$tmp/$prog.txt" 2>"$tmp/$prog.err"
    rc=$?
    check "$fx: kdlua $prog exits 0" test $rc -eq 0
    [ $rc -eq 0 ] || show "$tmp/$prog.err"
    "$BIN" "$prog" --json "$@" >"$tmp/$prog.json" 2>"$tmp/$prog.jerr"
    rc=$?
    check "$fx: kdlua $prog --json exits 0" test $rc -eq 0
    if python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/$prog.json" 2>/dev/null; then
      ok "$fx: $prog --json is valid JSON"
      python3 "$tmp/compare.py" "$prog" "$tmp/$prog.json" "$dir/truth" "$tmp/$prog.txt" >"$tmp/cmp.out" 2>&1
      while IFS= read -r line; do
        case $line in
          "ok - "*) ok "$fx: ${line#ok - }" ;;
          *) fail "$fx: ${line#FAIL - }" ;;
        esac
      done <"$tmp/cmp.out"
    else
      fail "$fx: $prog --json is valid JSON"
      show "$tmp/$prog.json"
    fi
  done

  # without module debug info the programs still exit 0 and never claim
  # "none present" for a subsystem the live system had
  if [ -f "$dir/truth/cmd/dmsetup-info.txt" ]; then
    "$BIN" dmshow --no-modules --vmcore "$dir/vmcore" --vmlinux "$dir/vmlinux" >"$tmp/nm.txt" 2>&1
    rc=$?
    if [ $rc -eq 0 ] && ! grep -q "none present" "$tmp/nm.txt"; then
      ok "$fx: dmshow --no-modules says why, not 'none present'"
    else
      fail "$fx: dmshow --no-modules says why, not 'none present' (exit $rc)"; show "$tmp/nm.txt"
    fi
  fi

  # the report files of the three plugins against the truth
  [ -d "$dir/truth" ] || continue
  rm -rf "$tmp/r"; mkdir -p "$tmp/r"
  if "$BIN" report "$@" --tmp-dir "$tmp/r" --quiet --only-plugins devicemapper,scsi,nfs \
       >"$tmp/report.out" 2>&1; then
    ok "$fx: report of devicemapper,scsi,nfs"
    arc=$(ls "$tmp/r"/*.tar.xz 2>/dev/null | head -n 1)
    "$BIN" fidelity "$arc" "$dir/truth" >"$tmp/fid.out" 2>&1
    grep -E '(devicemapper|scsi|nfsfs|nfsd)' "$tmp/fid.out" |
      grep -E '^(exact|within tolerance|differs|stub|missing|no truth|skipped) +!' >"$tmp/fid.bad"
    if [ -s "$tmp/fid.bad" ]; then
      fail "$fx: fidelity of the storage files"; show "$tmp/fid.bad"
    else
      ok "$fx: fidelity of the storage files ($(grep -cE '^exact .*(devicemapper|scsi|nfsfs|nfsd)' "$tmp/fid.out") exact)"
    fi
    # mountstats: the device line of every mount, as the live file
    if [ -f "$dir/truth/proc/self/mountstats" ]; then
      tar -xOf "$arc" --wildcards '*/proc/self/mountstats' 2>/dev/null |
        grep -E '^(device|no device) ' >"$tmp/ms.report"
      grep -E '^(device|no device) ' "$dir/truth/proc/self/mountstats" >"$tmp/ms.truth"
      if cmp -s "$tmp/ms.report" "$tmp/ms.truth"; then
        ok "$fx: mountstats device lines equal the truth ($(wc -l <"$tmp/ms.truth") mounts)"
      else
        fail "$fx: mountstats device lines equal the truth"
        diff "$tmp/ms.truth" "$tmp/ms.report" | sed -n '1,20s/^/    /p'
      fi
    fi
  else
    fail "$fx: report of devicemapper,scsi,nfs"; show "$tmp/report.out"
  fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
