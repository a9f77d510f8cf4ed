#!/bin/sh
# test_bt_module_lines.sh -- source lines, inlined calls and DWARF CFI of
# frames in module code, on every fixture with module debug files.
#
# The expected values do not come from kdlua: the frames are those of the
# live system (truth/pid/<pid>/stack: "function+0xoff/0xsize [module]"),
# and each frame's file:line and inlined calls are what binutils' addr2line
# says for function+off-1 (the call before the return address) in the
# module's debug file (addr2line relocates the ET_REL file itself).  A
# module whose debug file has no DWARF must give no file and no line.
. "$(dirname "$0")/common.sh"
need_python3
command -v addr2line >/dev/null 2>&1 || { echo "SKIP: addr2line (binutils) is needed"; exit 77; }

cfi_lua="$KDLUA_BUILD_DIR/module_cfi.lua"
cat > "$cfi_lua" <<'EOF'
-- the frames of pid arg[1] walked by DWARF CFI first (ORC not used)
local pid = math.tointeger(tonumber(arg[1]))
for t in kd.tasks() do
  if t.pid == pid then
    for _, f in ipairs(kd.stack_trace(t, { unwinder = "dwarf" })) do
      if f.name then
        print(string.format("%s+0x%x%s", f.name, f.offset, f.module and (" [" .. f.module .. "]") or ""))
      end
    end
  end
end
EOF

for F in $KDLUA_FIXTURE_DIRS; do
  [ -d "$F/modules" ] || continue
  name=$(basename "$F")
  O="$KDLUA_BUILD_DIR/bt_modlines.$name"
  # kd.source_line over many module addresses: the runtime address of
  # function symbols from the live system's kallsyms (truth/proc/kallsyms)
  # plus offsets inside the function (its size from the debug file's
  # symbol table), against addr2line on the debug file at the same offset of
  # the symbol's section
  if [ -f "$F/truth/proc/kallsyms.xz" ]; then
    xz -dc "$F/truth/proc/kallsyms.xz" > "$O.kallsyms"
    python3 - "$F" "$O.kallsyms" "$O.addrs" "$O.expect" <<'PY'
import os, re, subprocess, sys
F, kallsyms, addrs_out, expect_out = sys.argv[1:5]
runtime = {}   # (module, name) -> address, unique names only
dup = set()
for l in open(kallsyms):
    m = re.match(r"([0-9a-f]+) [tT] (\S+)\s+\[(\w+)\]", l)
    if not m: continue
    key = (m.group(3), m.group(2))
    if key in runtime: dup.add(key)
    runtime[key] = int(m.group(1), 16)
addrs, expect = [], []
for root, _, files in os.walk(os.path.join(F, "modules")):
    for f in sorted(files):
        if not f.endswith(".ko"): continue
        ko = os.path.join(root, f)
        mod = f[:-3].replace("-", "_")
        if ".debug_line" not in subprocess.run(["readelf", "-SW", ko], capture_output=True, text=True).stdout:
            continue
        # function symbols: section-relative value, size, section (an ET_REL
        # file's sections all start at 0: addr2line -j names the section)
        secnames = {}
        for l in subprocess.run(["readelf", "-SW", ko], capture_output=True, text=True).stdout.splitlines():
            m = re.match(r"\s*\[\s*(\d+)\]\s+(\S+)", l)
            if m: secnames[m.group(1)] = m.group(2)
        syms, seen = {}, set()
        for l in subprocess.run(["readelf", "-sW", ko], capture_output=True, text=True).stdout.splitlines():
            m = re.match(r"\s*\d+: ([0-9a-f]+)\s+(\d+) FUNC\s+\w+\s+\w+\s+(\d+) (\S+)$", l)
            if not m: continue
            n = m.group(4)
            if n in seen: syms.pop(n, None); continue
            seen.add(n)
            if "." in n or n.startswith("__pfx_") or (mod, n) in dup or (mod, n) not in runtime: continue
            syms[n] = (int(m.group(1), 16), int(m.group(2)), secnames.get(m.group(3)))
        # the line table as binutils' readelf decodes it: (address, file
        # basename, line) rows; a row runs to the next one, "-" ends a
        # sequence.  The arbiter where addr2line's file name is not the
        # line table's (binutils 2.40 names the unit's file for rows of
        # included headers in some DWARF 5 units)
        rows, cur_rows = [], []
        for l in subprocess.run(["readelf", "--debug-dump=decodedline", ko],
                                capture_output=True, text=True).stdout.splitlines():
            m = re.match(r"(\S+)\s+(\d+|-)\s+(0x[0-9a-f]+)", l)
            if not m: continue
            cur_rows.append((int(m.group(3), 16), m.group(1), m.group(2)))
            if m.group(2) == "-": rows.append(cur_rows); cur_rows = []
        def readelf_at(q):
            out = set()
            for seq in rows:
                for (a, f, ln), (b, _, _) in zip(seq, seq[1:]):
                    if a <= q < b and ln != "-": out.add((f, int(ln)))
            return out
        names = sorted(syms)[::max(1, len(syms) // 40)]
        bysec = {}
        for n in names:
            value, size, sec = syms[n]
            if sec is None: continue
            for off in sorted({0, size // 3, (2 * size) // 3}):
                if off < size: bysec.setdefault(sec, []).append((n, off))
        for sec, queries in sorted(bysec.items()):
          out = subprocess.run(["addr2line", "-a", "-f", "-i", "-j", sec, "-e", ko],
                               input="".join("0x%x\n" % (syms[n][0] + off) for n, off in queries),
                               capture_output=True, text=True).stdout.splitlines()
          recs, cur = [], None
          for l in out:
              if re.match(r"0x[0-9a-f]+$", l): cur = []; recs.append(cur)
              else: cur.append(l)
          if len(recs) != len(queries): sys.exit("addr2line answered %d of %d" % (len(recs), len(queries)))
          for (n, off), r in zip(queries, recs):
            pairs = []
            for i in range(0, len(r) - 1, 2):
                fl = r[i + 1].split(" (discriminator")[0]
                m = re.match(r"(.*):(\d+)$", fl)
                pairs.append((r[i], m.group(1) if m else "??", int(m.group(2)) if m else 0))
            if not pairs or pairs[0][1] == "??" or pairs[0][2] == 0: continue   # no line there
            addrs.append("%x %s+0x%x [%s]" % (runtime[(mod, n)] + off, n, off, mod))
            expect.append({"a2l": pairs, "readelf": sorted(readelf_at(syms[n][0] + off))})
open(addrs_out, "w").write("\n".join(addrs) + "\n")
import json
json.dump(expect, open(expect_out, "w"))
PY
    cat > "$O.lua" <<'LUA'
-- kd.source_line of each address of the file arg[1]: JSON-ish lines
for l in io.lines(arg[1]) do
  local a = tonumber(l:match("^(%x+)"), 16)
  local s = kd.source_line(math.tointeger(a))
  local parts = { l:match("^%x+ (.*)$") }
  if s then
    parts[#parts + 1] = string.format("%s:%s", s.file, s.line)
    for _, i in ipairs(s.inlined or {}) do
      parts[#parts + 1] = string.format("%s@%s:%s", i["function"], i.call_file, i.call_line)
    end
  end
  print(table.concat(parts, "\t"))
end
LUA
    "$BIN" run "$O.lua" "$O.addrs" --vmcore "$F/vmcore" --vmlinux "$F/vmlinux" \
      --debuginfo-dir "$F/modules" > "$O.got" 2> "$O.got.err"
    python3 - "$O.addrs" "$O.expect" "$O.got" <<'PY' > "$O.srcl" 2>&1
import json, sys
addrs = open(sys.argv[1]).read().split("\n")[:-1]
expect = json.load(open(sys.argv[2]))
got = open(sys.argv[3]).read().split("\n")[:-1]
bad = 0
if len(got) != len(addrs):
    print("kdlua answered %d of %d" % (len(got), len(addrs))); sys.exit(1)
for a, exp, g in zip(addrs, expect, got):
    want = exp["a2l"]
    parts = g.split("\t")[1:]
    # innermost position, then each inlined call's site, outer last
    ok = len(parts) == len(want)
    if ok:
        f, l = parts[0].rsplit(":", 1)
        ok = int(l) == want[0][2] and (want[0][1].endswith(f) or
                                       [f.rsplit("/", 1)[-1], int(l)] in exp["readelf"])
        for k in range(1, len(want)):
            fn, site = parts[k].split("@", 1)
            cf, cl = site.rsplit(":", 1)
            ok = ok and fn == want[k - 1][0] and want[k][1].endswith(cf) and int(cl) == want[k][2]
    if not ok:
        bad += 1
        if bad <= 10: print("MISMATCH", a, "kdlua", parts, "addr2line", want, "readelf", exp["readelf"])
print("%d module addresses compared, %d differ" % (len(addrs), bad))
sys.exit(1 if bad or len(addrs) < 50 else 0)
PY
    rc=$?
    cat "$O.srcl"
    check "$name: kd.source_line of module functions (kallsyms addresses) equals addr2line" [ $rc -eq 0 ]
  fi

  # the truth pids with a frame in a module (still alive in the dump)
  pids=$(grep -l '^\[<[0-9a-f]*>\] [A-Za-z0-9_.]*+0x[0-9a-f]*/0x[0-9a-f]* \[' "$F"/truth/pid/*/stack 2>/dev/null |
         sed 's#.*/pid/\([0-9]*\)/stack#\1#' | sort -n)
  if [ -z "$pids" ]; then
    echo "$name: no task sleeps in module code; nothing to compare"
    continue
  fi
  # shellcheck disable=SC2086
  "$BIN" bt --json -l $pids --vmcore "$F/vmcore" --vmlinux "$F/vmlinux" \
    --debuginfo-dir "$F/modules" > "$O.json" 2> "$O.err"
  check "$name: bt --json -l of the tasks in module code exits 0" [ $? -eq 0 ]
  # shellcheck disable=SC2086
  "$BIN" bt -l $pids --vmcore "$F/vmcore" --vmlinux "$F/vmlinux" \
    --debuginfo-dir "$F/modules" > "$O.txt" 2>> "$O.err"
  python3 - "$F" "$O.json" "$O.txt" $pids <<'EOF' > "$O.py" 2>&1
import json, os, re, subprocess, sys
F, jpath, tpath, pids = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
fails = []
def fail(msg): fails.append(msg)

# module name -> debug file, and whether it has DWARF line tables
kos = {}
for root, _, files in os.walk(os.path.join(F, "modules")):
    for f in files:
        if f.endswith(".ko"):
            kos[f[:-3].replace("-", "_")] = os.path.join(root, f)
def has_dwarf(path):
    out = subprocess.run(["readelf", "-SW", path], capture_output=True, text=True).stdout
    return ".debug_line" in out and ".debug_info" in out

def addr2line(path, func, off):
    # innermost position first, then each call site out to the function
    out = subprocess.run(["addr2line", "-f", "-i", "-e", path, "%s+0x%x" % (func, off - 1)],
                         capture_output=True, text=True).stdout.split("\n")
    out = [l for l in out if l]
    pairs = []
    for i in range(0, len(out) - 1, 2):
        m = re.match(r"(.*):(\d+)", out[i + 1].split(" (discriminator")[0])
        pairs.append((out[i], m.group(1), int(m.group(2))) if m else (out[i], None, 0))
    return pairs

traces = {t["pid"]: t for t in json.load(open(tpath.replace(".txt", ".json")))}
text = open(tpath).read()
checked_dwarf = checked_plain = 0
for pid in pids:
    pid = int(pid)
    frames = []
    for l in open(os.path.join(F, "truth", "pid", str(pid), "stack")):
        m = re.match(r"\[<[0-9a-f]+>\] ([\w.]+)\+0x([0-9a-f]+)/0x[0-9a-f]+(?: \[(\w+)\])?", l)
        if m and m.group(3):
            frames.append((m.group(1), int(m.group(2), 16), m.group(3)))
    t = traces.get(pid)
    if t is None:
        fail("pid %d: no trace" % pid); continue
    for func, off, mod in frames:
        kf = [f for f in t["frames"] if f.get("function") == func and f.get("module") == mod]
        if len(kf) != 1:
            fail("pid %d: frame %s [%s] not in kdlua's trace" % (pid, func, mod)); continue
        kf = kf[0]
        # the line is checked at the pc of the dump: a thread may have
        # moved on between the capture and the crash (truth/INDEX.md)
        if kf["offset"] != off:
            print("pid %d %s: +0x%x at the capture, +0x%x in the dump" % (pid, func, off, kf["offset"]))
            off = kf["offset"]
        ko = kos.get(mod)
        if ko is None or not has_dwarf(ko):
            checked_plain += 1
            if kf.get("file") is not None or kf.get("line") is not None or kf.get("inlined"):
                fail("pid %d %s [%s]: no DWARF, yet file/line %s:%s" % (pid, func, mod, kf.get("file"), kf.get("line")))
            continue
        checked_dwarf += 1
        want = addr2line(ko, func, off)
        if not want or want[0][1] is None:
            fail("pid %d %s: addr2line gave nothing" % (pid, func)); continue
        # innermost position: the frame's file/line (paths: kdlua prints
        # the line table's name, addr2line may prefix the build directory)
        f0, l0 = want[0][1], want[0][2]
        if kf.get("file") is None or not f0.endswith(kf["file"]) or kf.get("line") != l0:
            fail("pid %d %s+0x%x: file/line %s:%s, addr2line %s:%d" % (pid, func, off, kf.get("file"), kf.get("line"), f0, l0))
        # inlined calls: addr2line's functions but the last, innermost first
        inl = kf.get("inlined") or []
        want_inl = [w[0] for w in want[:-1]]
        got_inl = [i.get("function") for i in inl]
        if got_inl != want_inl:
            fail("pid %d %s: inlined %s, addr2line %s" % (pid, func, got_inl, want_inl))
        for k, i in enumerate(inl):
            cf, cl = want[k + 1][1], want[k + 1][2]
            if i.get("call_file") is None or not cf.endswith(i["call_file"]) or i.get("call_line") != cl:
                fail("pid %d %s: inlined %s called at %s:%s, addr2line %s:%d" % (pid, func, i.get("function"), i.get("call_file"), i.get("call_line"), cf, cl))
        # bt -l: the line under the frame is where the function itself is
        fo, lo = want[-1][1], want[-1][2]
        m = re.search(r"\] %s at [0-9a-f]{16} \[%s\]\n    (\S+): (\d+)\n" % (re.escape(func), mod), text)
        if not m or not fo.endswith(m.group(1)) or int(m.group(2)) != lo:
            fail("pid %d %s: bt -l line %s, addr2line %s:%d" % (pid, func, m and m.group(0).strip(), fo, lo))
print("module frames compared: %d with DWARF, %d without" % (checked_dwarf, checked_plain))
for f in fails: print("MISMATCH", f)
sys.exit(1 if fails or checked_dwarf + checked_plain == 0 else 0)
EOF
  rc=$?
  cat "$O.py"
  check "$name: module frames' file:line/inlined equal addr2line on the debug file; none without DWARF" [ $rc -eq 0 ]

  # DWARF CFI: the tasks in module code walked without ORC give the frames
  # of the live system's stack
  for pid in $pids; do
    "$BIN" run "$cfi_lua" "$pid" --vmcore "$F/vmcore" --vmlinux "$F/vmlinux" \
      --debuginfo-dir "$F/modules" > "$O.cfi" 2>&1
    sed 's/^\[<[0-9a-f]*>\] //; s#/0x[0-9a-f]*##' "$F/truth/pid/$pid/stack" > "$O.want"
    # the truth starts at the first frame after the scheduler
    # (stack_trace_save_tsk skips sched functions)
    awk -v first="$(head -n 1 "$O.want")" '$0 == first { on = 1 } on' "$O.cfi" > "$O.got"
    # only where every module on the stack has DWARF can the CFI walk do it
    needs=$(sed -n 's/.*\[\(.*\)\]$/\1/p' "$O.want" | sort -u)
    all_dwarf=1
    for mod in $needs; do
      ko=$(find "$F/modules" -name "$mod.ko" -o -name "$(echo "$mod" | tr _ -).ko" | head -n 1)
      if [ -z "$ko" ] || ! readelf -SW "$ko" | grep -q '\.debug_frame'; then all_dwarf=0; fi
    done
    [ $all_dwarf -eq 1 ] || continue
    check "$name pid $pid: the DWARF CFI walk through module code gives truth's stack" cmp -s "$O.want" "$O.got"
    cmp -s "$O.want" "$O.got" || diff "$O.want" "$O.got"
  done

  # a debug file of another build must give no lines: each module's file
  # replaced by the module file with DWARF and the largest .text other than
  # itself (large enough that its sections cover the module's pcs)
  W="$KDLUA_BUILD_DIR/bt_modlines.wrong.$name"
  rm -rf "$W"
  python3 - "$F/modules" "$W" <<'PY'
import os, re, subprocess, sys
src, dst = sys.argv[1], sys.argv[2]
kos = [os.path.join(r, f) for r, _, fs in os.walk(src) for f in fs if f.endswith(".ko")]
def text_size(p):
    out = subprocess.run(["readelf", "-SW", p], capture_output=True, text=True).stdout
    if ".debug_line" not in out: return -1
    m = re.search(r"\] \.text\s+\S+\s+\S+\s+\S+\s+([0-9a-f]+)", out)
    return int(m.group(1), 16) if m else -1
big = sorted((k for k in kos if text_size(k) > 0), key=text_size, reverse=True)
for k in kos:
    other = next((b for b in big if b != k), None)
    if other is None: continue
    d = os.path.join(dst, os.path.relpath(k, src))
    os.makedirs(os.path.dirname(d), exist_ok=True)
    os.symlink(other, d)
PY
  # shellcheck disable=SC2086
  "$BIN" bt --json -l $pids --vmcore "$F/vmcore" --vmlinux "$F/vmlinux" \
    --debuginfo-dir "$W" > "$O.wrong" 2>/dev/null
  check "$name: debug files of another build give module frames no file/line" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
mf = [f for t in d for f in t["frames"] if f.get("module")]
assert mf, "no module frames"
assert all(f.get("file") is None and f.get("line") is None and not f.get("inlined") for f in mf), mf
' "$O.wrong"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
