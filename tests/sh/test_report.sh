#!/bin/sh
# test_report.sh -- `kdlua report` end to end on the shared dump.
#
# The archive's name, checksum file, final message, file list, ownership
# and modes, manifest schema, sos.txt/sos.json/coverage.json; each of the
# bundled emitters of the kernel, kernel_info, host, processor and vmcore
# plugins against truth/ (exact: their content is static); determinism
# (two runs give the same files and contents but for sos_logs/* and the
# manifest's times); --build; other compressions; --list-plugins without a
# dump.
#
# Environment (set by ctest): KDLUA_BIN, KDLUA_TEST_VMCORE_DIR,
# KDLUA_CACHE_DIR.  Exit 77 (skip) when kdlua is not built or the dump is
# absent, unless CI=true, where a missing dump is a failure.

set -u


. "$(dirname "$0")/common.sh"
need_python3

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kdlua-report.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM


report() {  # report OUTDIR [args...]
  out=$1; shift
  mkdir -p "$out"
  "$BIN" report --vmcore "$D/vmcore" --vmlinux "$D/vmlinux" \
    --debuginfo-dir "$D/modules" --tmp-dir "$out" "$@"
}

# ------------------------------------------------------------ the archive

# three processes here, one in the determinism run below: the archive must
# not depend on -j
report "$tmp/r1" -j 3 >"$tmp/r1.out" 2>"$tmp/r1.err"
rc=$?
if [ $rc -ne 0 ]; then
  fail "kdlua report exits 0 (exit $rc)"
  show "$tmp/r1.out"; show "$tmp/r1.err"
  echo "$passed passed, $failed failed"
  exit 1
fi
ok "kdlua report exits 0"

# crash date: the truth was captured minutes before the crash, same day (UTC)
day=$(cut -c1-10 "$T/capture_end_date")
n=$(ls "$tmp/r1" | grep -c '\.tar\.xz$')
arc=$(ls "$tmp/r1" | grep '\.tar\.xz$' | head -n 1)
name=${arc%.tar.xz}
check "one .tar.xz written" test "$n" -eq 1
if echo "$arc" | grep -Eq "^sosvmcore-kdfixture-dev-$day-[a-z]{7}\.tar\.xz\$"; then
  ok "archive name sosvmcore-kdfixture-dev-$day-xxxxxxx.tar.xz ($arc)"
else
  fail "archive name pattern: '$arc'"
fi
check "no leftover temporary files in tmp-dir" \
  test "$(ls -A "$tmp/r1" | grep -vc -e '\.tar\.xz$' -e '\.tar\.xz\.sha256$')" -eq 0
check ".sha256 beside the archive" test -f "$tmp/r1/$arc.sha256"
if (cd "$tmp/r1" && sha256sum -c "$arc.sha256" >/dev/null 2>&1); then
  ok "sha256sum -c accepts the .sha256 file"
else
  fail "sha256sum -c accepts the .sha256 file"; show "$tmp/r1/$arc.sha256"
fi
sum=$(cut -d' ' -f1 "$tmp/r1/$arc.sha256")

# final message, shaped like sos's
msg_ok=1
grep -qx "Your sosvmcore report has been generated and saved in:" "$tmp/r1.out" || msg_ok=0
grep -qx "$(printf '\t')$tmp/r1/$arc" "$tmp/r1.out" || msg_ok=0
grep -Eq "^ Size$(printf '\t')[0-9]+\.[0-9]{2}(B|KiB|MiB)\$" "$tmp/r1.out" || msg_ok=0
grep -Eq "^ Owner$(printf '\t').+" "$tmp/r1.out" || msg_ok=0
grep -qx " sha256$(printf '\t')$sum" "$tmp/r1.out" || msg_ok=0
if [ $msg_ok -eq 1 ]; then ok "final message: saved in, path, Size, Owner, sha256"
else fail "final message shape"; show "$tmp/r1.out"; fi

# listing: one top folder, root/root, fixed modes, one mtime
tar -tvf "$tmp/r1/$arc" >"$tmp/list.v" 2>"$tmp/tar.err"
tar -tf "$tmp/r1/$arc" | sed 's#/$##' >"$tmp/list"
check "every entry under the top folder $name" \
  test "$(grep -vc -e "^$name\$" -e "^$name/" "$tmp/list")" -eq 0
check "entries are sorted" sh -c "LC_ALL=C sort -c '$tmp/list'"
check "every entry owned by root/root" test "$(grep -vc ' root/root ' "$tmp/list.v")" -eq 0
check "files 0644, dirs 0755, symlinks 0777" \
  test "$(grep -vc -e '^-rw-r--r-- ' -e '^drwxr-xr-x ' -e '^lrwxrwxrwx ' "$tmp/list.v")" -eq 0
check "one mtime for all entries (the crash time)" \
  test "$(awk '{print $4, $5}' "$tmp/list.v" | sort -u | wc -l)" -eq 1

mkdir "$tmp/x1"
tar -xf "$tmp/r1/$arc" -C "$tmp/x1"
R=$tmp/x1/$name
missing=
for p in proc/version proc/cmdline proc/modules proc/sys/kernel/tainted \
         proc/sys/kernel/random/boot_id proc/sys/kernel/hostname \
         proc/sys/kernel/osrelease proc/sys/kernel/version proc/sys/kernel/domainname \
         sys/devices/system/cpu/online sys/devices/system/cpu/present \
         sys/devices/system/cpu/possible sys/devices/system/cpu/offline \
         sys/devices/system/cpu/kernel_max sos_commands/kernel/uname_-a \
         sos_commands/kernel/lsmod sos_commands/host/hostname etc/hostname \
         sos_commands/vmcore/panic sos_commands/vmcore/crash_time \
         sos_commands/vmcore/dump_info sos_commands/vmcore/taint \
         sos_commands/vmcore/vmcoreinfo version.txt \
         sos_logs/sos.log sos_logs/ui.log sos_reports/manifest.json \
         sos_reports/sos.txt sos_reports/sos.json sos_reports/coverage.json; do
  [ -f "$R/$p" ] || missing="$missing $p"
done
if [ -z "$missing" ]; then ok "the expected files are in the archive"
else fail "files missing from the archive:$missing"; fi
links_ok=1
for l in uname:sos_commands/kernel/uname_-a lsmod:sos_commands/kernel/lsmod \
         hostname:sos_commands/host/hostname; do
  [ "$(readlink "$R/${l%%:*}")" = "${l#*:}" ] || { links_ok=0; echo "    symlink ${l%%:*}"; }
done
check "root symlinks uname, lsmod, hostname point into sos_commands/" test $links_ok -eq 1

# ------------------------------------------------------------ against truth

same() {  # same ARCHIVE_PATH TRUTH_FILE
  if cmp -s "$R/$1" "$2"; then ok "$1 equals truth"
  else fail "$1 equals truth"; diff "$R/$1" "$2" | sed -n '1,20s/^/    /p'; fi
}
same proc/version "$T/proc/version"
same proc/cmdline "$T/proc/cmdline"
same proc/modules "$T/proc/modules"
same proc/sys/kernel/tainted "$T/proc/sys/kernel/tainted"
same proc/sys/kernel/random/boot_id "$T/proc/sys/kernel/random/boot_id"
same proc/sys/kernel/hostname "$T/proc/sys/kernel/hostname"
same proc/sys/kernel/osrelease "$T/proc/sys/kernel/osrelease"
same proc/sys/kernel/version "$T/proc/sys/kernel/version"
same proc/sys/kernel/domainname "$T/proc/sys/kernel/domainname"
# online: the dump's mask has the panic CPU alone (the other one ran
# stop_this_cpu); the report gives the mask user space saw, as the truth
for m in online present possible offline kernel_max; do
  same sys/devices/system/cpu/$m "$T/sys/devices/system/cpu/$m"
done
same sos_commands/kernel/uname_-a "$T/cmd/uname-a.txt"
same sos_commands/kernel/lsmod "$T/cmd/lsmod.txt"
same sos_commands/host/hostname "$T/cmd/hostname.txt"
same etc/hostname "$T/cmd/hostname.txt"
crash_pid=$(cat "$T/crash_pid")
check "vmcore/panic: sysrq panic message" \
  grep -qx "panic message: Kernel panic - not syncing: sysrq triggered crash" "$R/sos_commands/vmcore/panic"
check "vmcore/panic: the panic task is the truth's crash_pid ($crash_pid)" \
  grep -q "^panic task: pid $crash_pid " "$R/sos_commands/vmcore/panic"
check "vmcore/taint: Not tainted" grep -qx "Not tainted" "$R/sos_commands/vmcore/taint"
check "vmcore/dump_info: KASLR offset 0x22e00000" \
  grep -q "^kaslr offset: *0x22e00000\$" "$R/sos_commands/vmcore/dump_info"
# crash time: after the end of the truth capture, within a minute of it
end_epoch=$(date -u -d "$(cat "$T/capture_end_date")" +%s 2>/dev/null || echo 0)
crash_epoch=$(sed -n 's/^epoch: //p' "$R/sos_commands/vmcore/crash_time")
if [ "$end_epoch" -gt 0 ] && [ -n "$crash_epoch" ] && [ "$crash_epoch" -ge "$end_epoch" ] &&
   [ "$crash_epoch" -le $((end_epoch + 60)) ]; then
  ok "crash time $crash_epoch is within a minute after the capture ($end_epoch)"
else
  fail "crash time '$crash_epoch' vs capture end '$end_epoch'"
fi

# ------------------------------------------------------------ logs, JSON

check "sos.log lines: 'YYYY-MM-DD HH:MM:SS,mmm LEVEL: [component] message'" \
  grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2},[0-9]{3} (INFO|DEBUG|WARNING|ERROR): \[[^]]+\] ' "$R/sos_logs/sos.log"
check "ui.log has the coverage line" grep -q "coverage: [0-9]* paths" "$R/sos_logs/ui.log"

cat >"$tmp/schema.py" <<'EOF'
import json, sys
root = sys.argv[1]
m = json.load(open(root + "/sos_reports/manifest.json"))
errors = []
for k in ("version", "cmdline", "start_time", "end_time", "run_time", "compression",
          "policy", "components", "vmcore"):
    if k not in m: errors.append("manifest: no " + k)
r = m.get("components", {}).get("report", {})
for k in ("sysroot", "preset", "profiles", "devices", "enabled_plugins",
          "disabled_plugins", "plugins"):
    if k not in r: errors.append("manifest: components.report has no " + k)
for name, p in r.get("plugins", {}).items():
    for k in ("start_time", "end_time", "run_time", "setup_start", "setup_end",
              "setup_time", "timeout_hit", "commands", "files"):
        if k not in p: errors.append("plugin %s: no %s" % (name, k))
    for c in p.get("commands", []):
        for k in ("command", "parameters", "exec", "filepath", "return_code", "run_time", "tags"):
            if k not in c: errors.append("plugin %s: command without %s" % (name, k))
    for f in p.get("files", []):
        for k in ("specification", "files_copied", "tags"):
            if k not in f: errors.append("plugin %s: files entry without %s" % (name, k))
for k in ("kernel", "process", "vmcore", "kernel_info", "host", "processor"):
    if k not in r.get("enabled_plugins", []): errors.append("plugin %s not enabled" % k)
v = m.get("vmcore", {})
for k in ("dump", "format", "release", "kaslr_offset", "crash_time", "debuginfo"):
    if k not in v: errors.append("vmcore section: no " + k)
if v.get("kaslr_offset") != "0x22e00000": errors.append("vmcore.kaslr_offset %r" % v.get("kaslr_offset"))
k = r.get("plugins", {}).get("kernel", {})
if not any(c.get("exec") == "uname -a" and c.get("filepath") == "sos_commands/kernel/uname_-a"
           for c in k.get("commands", [])):
    errors.append("kernel plugin: no 'uname -a' command entry")
if not any(f.get("specification") == "/proc/modules" and f.get("files_copied") == ["proc/modules"]
           for f in k.get("files", [])):
    errors.append("kernel plugin: no /proc/modules files entry")
c = json.load(open(root + "/sos_reports/coverage.json"))
kc = c["plugins"]["kernel"]["paths"]
for p in ("proc/cmdline", "proc/modules", "sos_commands/kernel/uname_-a",
          "sos_commands/kernel/lsmod", "proc/sys/kernel/tainted", "uname", "lsmod"):
    if kc.get(p) != "real": errors.append("coverage kernel %s: %r" % (p, kc.get(p)))
# a directory entry of sos's (proc/net/) counts the files made below it
nc = c["plugins"].get("networking", {})
if nc.get("paths", {}).get("proc/net/") != "real" or nc.get("instances", {}).get("proc/net/", {}).get("real", 0) < 5:
    errors.append("coverage networking proc/net/: %r %r" % (nc.get("paths", {}).get("proc/net/"),
                                                          nc.get("instances", {}).get("proc/net/")))
if c["plugins"].get("memory", {}).get("paths", {}).get("proc/meminfo") not in ("real", "stub", "failed", "missing"):
    errors.append("coverage: no memory plugin entry for proc/meminfo")
s = json.load(open(root + "/sos_reports/sos.json"))
if not isinstance(s, list) or not all(isinstance(x, list) and len(x) == 2 for x in s):
    errors.append("sos.json is not a list of [plugin, section] pairs")
t = open(root + "/sos_reports/sos.txt").read()
if not t.startswith("Loaded Plugins:") or "-  commands executed:" not in t:
    errors.append("sos.txt shape")
print("\n".join(errors))
sys.exit(1 if errors else 0)
EOF
if python3 "$tmp/schema.py" "$R" >"$tmp/schema.out" 2>&1; then
  ok "manifest.json, coverage.json, sos.json, sos.txt parse and have sos's keys"
else
  fail "manifest/coverage/sos.json schema"; show "$tmp/schema.out"
fi

# ------------------------------------------------------------ determinism

report "$tmp/r2" -j 1 >"$tmp/r2.out" 2>"$tmp/r2.err"
arc2=$(ls "$tmp/r2" | grep '\.tar\.xz$' | head -n 1)
mkdir "$tmp/x2"
tar -xf "$tmp/r2/$arc2" -C "$tmp/x2"
R2=$tmp/x2/${arc2%.tar.xz}
(cd "$R" && find . | LC_ALL=C sort) >"$tmp/f1"
(cd "$R2" && find . | LC_ALL=C sort) >"$tmp/f2"
check "two runs (-j 3, -j 1): same file list" cmp -s "$tmp/f1" "$tmp/f2"
diffs=$(cd "$R" && find . -type f ! -path './sos_logs/*' ! -name manifest.json | while read -r f; do
  cmp -s "$f" "$R2/$f" || echo "$f"; done)
if [ -z "$diffs" ]; then ok "two runs (-j 3, -j 1): same contents (but sos_logs/ and manifest.json)"
else fail "two runs differ in:"; echo "$diffs" | sed 's/^/    /'; fi
cat >"$tmp/strip.py" <<'EOF'
import json, sys
def strip(o):
    if isinstance(o, dict):
        return {k: strip(v) for k, v in o.items()
                if not (k.endswith("time") or k in ("setup_start", "setup_end", "cmdline", "jobs"))}
    if isinstance(o, list):
        return [strip(x) for x in o]
    return o
a = strip(json.load(open(sys.argv[1])))
b = strip(json.load(open(sys.argv[2])))
sys.exit(0 if a == b else 1)
EOF
check "two runs: same manifest.json but for run times" \
  python3 "$tmp/strip.py" "$R/sos_reports/manifest.json" "$R2/sos_reports/manifest.json"
# with workers, proc/kallsyms ran in a helper process from the start and
# its content went into the .tar.xz as a stream of its own
check "-j 3: proc/kallsyms run by the helper process (sos.log)" \
  grep -q "proc/kallsyms: run by a helper process from the start.*its xz stream made there" \
  "$R/sos_logs/sos.log"
streams=$(xz -l --robot "$tmp/r1/$arc" | awk '$1 == "totals" {print $2}')
check "-j 3: the .tar.xz holds the helper's stream (streams: $streams)" test "${streams:-0}" -gt 1
# proc/kallsyms is compressed like everything else by default, with or
# without workers; --store-kallsyms holds it uncompressed: same content, a
# larger archive
check "-j 3: proc/kallsyms compressed by default (sos.log says nothing held)" \
  sh -c "! grep -q 'proc/kallsyms: held uncompressed' '$R/sos_logs/sos.log'"
check "-j 1: proc/kallsyms compressed by default (sos.log says nothing held)" \
  sh -c "! grep -q 'proc/kallsyms: held uncompressed' '$R2/sos_logs/sos.log'"
report "$tmp/kc" -o kernel >/dev/null 2>&1
report "$tmp/ks" -o kernel --store-kallsyms >/dev/null 2>&1
kc=$(ls "$tmp"/kc/*.tar.xz 2>/dev/null | head -n 1)
ks=$(ls "$tmp"/ks/*.tar.xz 2>/dev/null | head -n 1)
if [ -n "$kc" ] && [ -n "$ks" ] &&
   [ "$(tar -xOf "$kc" --wildcards '*/proc/kallsyms' | sha256sum)" = "$(sha256sum < "$R/proc/kallsyms")" ] &&
   [ "$(tar -xOf "$ks" --wildcards '*/proc/kallsyms' | sha256sum)" = "$(sha256sum < "$R/proc/kallsyms")" ]; then
  ok "--store-kallsyms: the same proc/kallsyms as compressed"
else fail "--store-kallsyms: the same proc/kallsyms as compressed"; fi
if [ -n "$kc" ] && [ -n "$ks" ] &&
   [ $(( $(stat -c %s "$ks") - $(stat -c %s "$kc") )) -gt $(( $(stat -c %s "$R/proc/kallsyms") / 2 )) ]; then
  ok "the default archive is smaller by more than half of proc/kallsyms ($(stat -c %s "$kc") vs $(stat -c %s "$ks") bytes with --store-kallsyms)"
else fail "the default archive is smaller than with --store-kallsyms"; fi
check "--store-kallsyms: sos.log says proc/kallsyms was held uncompressed" \
  sh -c "tar -xOf '$ks' --wildcards '*/sos_logs/sos.log' | grep -q 'proc/kallsyms: held uncompressed'"

# ------------------------------------------------------------ variants

report "$tmp/b" --build --name case42 >"$tmp/b.out" 2>&1
bdir=$(ls -d "$tmp"/b/sosvmcore-kdfixture-dev-case42-* 2>/dev/null | head -n 1)
if [ -n "$bdir" ] && [ -d "$bdir" ] && [ -f "$bdir/proc/version" ] &&
   [ "$(ls "$tmp/b" | grep -c '\.tar')" -eq 0 ]; then
  ok "--build --name leaves the directory $(basename "$bdir"), no archive"
else
  fail "--build leaves a directory"; show "$tmp/b.out"
fi
check "--build message" grep -q "build tree has been generated in:" "$tmp/b.out"
if [ -n "$bdir" ] && cmp -s "$bdir/proc/modules" "$T/proc/modules"; then
  ok "--build: proc/modules equals truth"
else fail "--build: proc/modules equals truth"; fi

# workers, but no kernel plugin: the kallsyms helper started before
# discovery is cancelled, and the report completes
report "$tmp/om" -o memory -j 2 >"$tmp/om.out" 2>&1
rc=$?
if [ $rc -eq 0 ] && [ "$(ls "$tmp/om" | grep -c '\.tar\.xz$')" -eq 1 ] &&
   ! tar -tJf "$tmp"/om/*.tar.xz | grep -q '/proc/kallsyms$'; then
  ok "-o memory -j 2: the report completes without kallsyms"
else fail "-o memory -j 2 (exit $rc)"; show "$tmp/om.out"; fi
report "$tmp/g" --compression gzip -o kernel >/dev/null 2>&1
ga=$(ls "$tmp/g" | grep '\.tar\.gz$' | head -n 1)
if [ -n "$ga" ] && tar -tzf "$tmp/g/$ga" >/dev/null 2>&1; then ok "--compression gzip: readable .tar.gz"
else fail "--compression gzip"; fi
report "$tmp/n" --compression none -o kernel >/dev/null 2>&1
na=$(ls "$tmp/n" | grep '\.tar$' | head -n 1)
if [ -n "$na" ] && tar -tf "$tmp/n/$na" | grep -q '/proc/cmdline$'; then
  ok "--compression none: plain .tar with proc/cmdline"
else fail "--compression none"; fi
if [ -n "$na" ] && ! tar -tf "$tmp/n/$na" | grep -q '/proc/1/'; then
  ok "-o kernel leaves the process plugin out"
else fail "-o kernel leaves the process plugin out"; fi
report "$tmp/z" --compression zstd -o kernel >/dev/null 2>&1
za=$(ls "$tmp/z" | grep '\.tar\.zst$' | head -n 1)
if command -v zstd >/dev/null 2>&1; then
  if [ -n "$za" ] && zstd -dc "$tmp/z/$za" | tar -tf - >/dev/null 2>&1; then
    ok "--compression zstd: readable .tar.zst"
  else fail "--compression zstd"; fi
else
  check "--compression zstd: .tar.zst written (no zstd tool to read it)" test -n "$za"
fi

"$BIN" report --list-plugins >"$tmp/l.out" 2>"$tmp/l.err"
rc=$?
if [ $rc -eq 0 ] && grep -q "currently enabled" "$tmp/l.out" &&
   grep -q "^ kernel " "$tmp/l.out" && grep -q "proc/modules" "$tmp/l.out"; then
  ok "--list-plugins works without a dump"
else
  fail "--list-plugins without a dump (exit $rc)"; show "$tmp/l.out"; show "$tmp/l.err"
fi
"$BIN" report --list-plugins --skip-plugins vmcore >"$tmp/l2.out" 2>&1
if sed -n '/currently disabled/,$p' "$tmp/l2.out" | grep -q "^ vmcore "; then
  ok "--skip-plugins vmcore lists vmcore as disabled"
else fail "--skip-plugins vmcore lists vmcore as disabled"; show "$tmp/l2.out"; fi
"$BIN" report --vmcore "$D/vmcore" --vmlinux "$D/vmlinux" --tmp-dir "$tmp/r1" \
  --compression rar >/dev/null 2>&1
check "--compression rar is a usage error (exit 2)" test $? -eq 2
"$BIN" report --vmcore "$D/vmcore" --vmlinux "$D/vmlinux" --tmp-dir "$tmp/nonexistent" \
  >/dev/null 2>&1
check "a missing --tmp-dir is a usage error (exit 2)" test $? -eq 2

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
