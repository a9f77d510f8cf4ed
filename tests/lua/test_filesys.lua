-- Block, filesystem and per-process extras (scripts/lib/kernel/{fs,mount,
-- block,files,cgroup}.lua and their emitters) against what the live
-- system showed seconds before the crash ($KDLUA_TEST_VMCORE_DIR/truth).
--
-- Runs under tests/lua/runner.lua (test/eq/ok/truth come from there).
-- The emitters are loaded with a mock emit{} that collects their specs;
-- run() is then called as the report host would, and its result rendered
-- the way the host writes it (text; "# kdlua: reason\n"; or the stub
-- header followed by the partial text).

local fs = require("kernel.fs")
local mount = require("kernel.mount")
local block = require("kernel.block")
local files = require("kernel.files")
local cgroup = require("kernel.cgroup")
local task = require("kernel.task")

assert(truth("crash_pid"), "no truth files: set KDLUA_TEST_VMCORE_DIR to the fixture folder")

-- {====== emitter harness ======

local SRC = (arg and arg[1] or ""):match("^(.*)/tests/lua/[^/]+$") or "."
local EMITTERS = SRC .. "/scripts/emitters/"
local STUB = { __name = "stub" }
local PARTIAL = { __name = "partial" }

local function load_emitters(file)
  local specs = {}
  local env = setmetatable({}, { __index = _G })
  env.emit = function(s) specs[#specs + 1] = s end
  env.plugin = function() end
  env.stub = function(reason, text) return setmetatable({ reason = reason, text = text or "" }, STUB) end
  env.partial = function(text, plines) return setmetatable({ text = text, lines = plines }, PARTIAL) end
  local chunk = assert(loadfile(EMITTERS .. file, "t", env))
  chunk()
  local by = {}
  for _, s in ipairs(specs) do by[s.path or s.command] = s end
  return by, specs
end

-- what the host writes for a run() result
local function render(v, why)
  if getmetatable(v) == STUB then return "# kdlua: " .. v.reason .. "\n" .. v.text, "stub" end
  if getmetatable(v) == PARTIAL then return v.text, "partial", v.lines end
  if v == nil then return "# kdlua: " .. tostring(why) .. "\n", "stub" end
  assert(type(v) == "string", "run() returned " .. type(v))
  return v, "real"
end

local function run(spec, ...) return render(spec.run(...)) end

-- }======

local function trim(s) return (s:gsub("%s+$", "")) end
local function lines(s)
  local t = {}
  for l in (s or ""):gmatch("([^\n]*)\n") do t[#t + 1] = l end
  return t
end

-- first differing line, for messages
local function first_diff(got, want)
  local g, w = lines(got), lines(want)
  for i = 1, math.max(#g, #w) do
    if g[i] ~= w[i] then
      return string.format("line %d: got %q, want %q", i, tostring(g[i]), tostring(w[i]))
    end
  end
  return "same lines (trailing newline differs?)"
end

local function same(got, want, what)
  if got ~= want then error(what .. ": " .. first_diff(got, want), 2) end
end

-- pids that have a truth/pid/<pid> folder and a task in the dump
local tasks_by_pid = task.by_pid()
local function truth_pids()
  local out = {}
  for pid = 1, 4096 do
    local t = tasks_by_pid[pid]
    if t and task.is_leader(t) and truth("pid/" .. pid .. "/status") then out[#out + 1] = pid end
  end
  return out
end
local PIDS = truth_pids()

test("there are truth pids to compare", function()
  ok(#PIDS > 50, "truth pids found: " .. #PIDS)
end)

-- {====== filesys ======

local fsm = load_emitters("filesys_mounts.lua")
local fst = load_emitters("filesys_tools.lua")
local fsl = load_emitters("filesys_locks.lua")

test("proc/mounts is exact", function()
  local text, kind = run(fsm["proc/mounts"])
  eq(kind, "real", "proc/mounts kind")
  same(text, truth("proc/mounts"), "proc/mounts")
end)

test("proc/<pid>/mountinfo is exact for every truth pid (incl. child namespace, chroot)", function()
  local n = 0
  for _, pid in ipairs(PIDS) do
    local want = truth("pid/" .. pid .. "/mountinfo")
    local got, kind = run(fsm["proc/{pid}/mountinfo"], pid, tasks_by_pid[pid])
    if want == nil then
      -- zombies: no namespace, the live read failed too (no truth file)
      eq(kind, "stub", "pid " .. pid .. " mountinfo without truth")
    else
      same(got, want, "pid " .. pid .. " mountinfo")
      n = n + 1
    end
  end
  ok(n > 50, "compared " .. n)
end)

test("mount -l equals busybox mount (same fields, same order)", function()
  local text = run(fst["mount -l"])
  same(text, truth("cmd/mount.txt"), "mount -l")
end)

-- busybox df (no -a) lists the mounts with blocks; coreutils df -a lists
-- them all: compare the rows busybox shows, by mountpoint
local function df_rows(s)
  local m = {}
  for _, l in ipairs(lines(s)) do
    local src, a, b, c, pct, target = l:match("^(%S+)%s+(%d+)%s+(%d+)%s+(%d+)%s+(%S+)%s+(%S+)$")
    if src then m[target] = { src, tonumber(a), tonumber(b), tonumber(c) } end
  end
  return m
end

test("df -al -x autofs: tmpfs/devtmpfs blocks exact (busybox df rows)", function()
  local got = df_rows(run(fst["df -al -x autofs"]))
  local n = 0
  for target, w in pairs(df_rows(truth("cmd/df.txt"))) do
    local g = got[target]
    ok(g, "df row for " .. target)
    eq(g[1], w[1], target .. " source")
    eq(g[2], w[2], target .. " 1K-blocks")
    eq(g[3], w[3], target .. " used")
    eq(g[4], w[4], target .. " available")
    n = n + 1
  end
  ok(n >= 4, "rows compared: " .. n)
end)

test("df -ali -x autofs: inode counts exact (busybox df -i rows)", function()
  local got = df_rows(run(fst["df -ali -x autofs"]))
  for target, w in pairs(df_rows(truth("cmd/df-i.txt"))) do
    local g = got[target]
    ok(g, "df -i row for " .. target)
    eq(g[2], w[2], target .. " inodes")
    eq(g[3], w[3], target .. " iused")
    eq(g[4], w[4], target .. " ifree")
  end
end)

test("df layout: coreutils header and a '-' Use% for size-0 pseudo filesystems", function()
  local text = run(fst["df -al -x autofs"])
  eq(lines(text)[1], "Filesystem     1K-blocks  Used Available Use% Mounted on", "header")
  ok(text:find("\nproc%s+0%s+0%s+0%s+%- /proc\n"), "proc row")
end)

test("findmnt: tree of the same mounts", function()
  local text = run(fst["findmnt"])
  local l = lines(text)
  ok(l[1]:match("^TARGET%s+SOURCE%s+FSTYPE%s+OPTIONS$"), "header: " .. l[1])
  ok(l[2]:match("^/%s+rootfs%s+rootfs%s+rw,size=234028k"), "root line: " .. l[2])
  ok(text:find("│ └─/sys/fs/cgroup%s+cgroup2%s+cgroup2%s+rw,relatime\n"), "nested cgroup2")
  eq(#l, #lines(truth("proc/mounts")) + 1, "one line per mount")
end)

test("proc/locks is exact (empty on this dump) and lslocks has only its header", function()
  same(run(fsl["proc/locks"]), truth("proc/locks"), "proc/locks")
  eq(run(fsl["lslocks"]), "COMMAND PID TYPE SIZE MODE M START END PATH\n", "lslocks")
end)

test("escapes: seq_escape/mangle octal and back", function()
  eq(fs.escape("a b\tc\\d#", " \t\n\\#"), "a\\040b\\011c\\134d\\043", "escape")
  eq(fs.unescape("a\\040b"), "a b", "unescape")
  eq(mount.merge_optstr("rw,relatime", "rw,size=1k"), "rw,relatime,size=1k", "merge rw")
  eq(mount.merge_optstr("ro,nosuid", "rw"), "ro,nosuid", "merge ro")
end)

-- }======

-- {====== block ======

local bp = load_emitters("block_proc.lua")
local bt = load_emitters("block_tools.lua")
local bq, bq_list = load_emitters("block_queue.lua")

test("proc/partitions is exact", function()
  same(run(bp["proc/partitions"]), truth("proc/partitions"), "proc/partitions")
end)

-- diskstats: the loop devices are idle (exact); vda took the truth tar
-- (dd of ~6 MB to /dev/vda) after the capture, so its counters only grew
test("proc/diskstats: same devices; idle loops exact; vda counters not below the truth", function()
  local got, want = lines(run(bp["proc/diskstats"])), lines(truth("proc/diskstats"))
  eq(#got, #want, "device lines")
  for i = 1, #want do
    local gf, wf = {}, {}
    for x in got[i]:gmatch("%S+") do gf[#gf + 1] = x end
    for x in want[i]:gmatch("%S+") do wf[#wf + 1] = x end
    eq(#gf, #wf, "fields of " .. wf[3])
    eq(gf[3], wf[3], "device name")
    if wf[3]:match("^loop") then
      eq(got[i], want[i], wf[3])
    else
      eq(gf[1] .. gf[2], wf[1] .. wf[2], "major/minor")
      for f = 4, #wf do
        if f ~= 12 then ok(tonumber(gf[f]) >= tonumber(wf[f]), wf[3] .. " field " .. f .. " grew") end
      end
    end
  end
end)

test("sys/block/*/{size,dev,ro,removable} from the gendisks equal the truth", function()
  for _, d in ipairs(block.disks()) do
    local base = "sys/block/" .. d.name .. "/"
    eq(tostring(d.sectors), trim(truth(base .. "size")), d.name .. " size")
    eq(d.major .. ":" .. d.minor, trim(truth(base .. "dev")), d.name .. " dev")
    eq(tostring(block.disk_ro(d)), trim(truth(base .. "ro")), d.name .. " ro")
    eq(tostring(block.removable(d)), trim(truth(base .. "removable")), d.name .. " removable")
  end
end)

test("sys/block/*/queue/*: one file per visible attribute of this kernel", function()
  ok(#bq_list >= 9 * 35, "queue files: " .. #bq_list)
  local v = run(bq["sys/block/vda/queue/logical_block_size"])
  eq(v, "512\n", "vda logical_block_size")
  eq(run(bq["sys/block/vda/queue/scheduler"]), "[none] mq-deadline \n", "vda scheduler")
  eq(run(bq["sys/block/vda/queue/rotational"]), "1\n", "vda rotational")
  eq(run(bq["sys/block/vda/queue/write_cache"]), "write back\n", "vda write_cache")
  eq(bq["sys/block/vda/queue/max_open_zones"], nil, "zoned attributes hidden")
end)

test("lsblk forms, blockdev --report, ls -lanR /sys/block", function()
  eq(run(bt["lsblk"]), "NAME MAJ:MIN RM SIZE RO TYPE MOUNTPOINTS\nvda  254:0    0 256M  0 disk \n", "lsblk")
  local fal, kind = run(bt["lsblk -f -a -l"])
  eq(kind, "stub", "lsblk -f is partial (no on-disk signatures)")
  ok(fal:find("\nloop0 ") and fal:find("\nvda "), "lsblk -a lists the empty loops")
  local t = run(bt["lsblk -t"])
  ok(t:match("^NAME ALIGNMENT MIN%-IO OPT%-IO PHY%-SEC LOG%-SEC ROTA SCHED RQ%-SIZE  RA WSAME\n"), "lsblk -t header")
  ok(run(bt["lsblk -D"]):match("^NAME DISC%-ALN DISC%-GRAN DISC%-MAX DISC%-ZERO\n"), "lsblk -D header")
  local br = run(bt["blockdev --report"])
  ok(br:find("\nrw   256   512  4096               0       268435456   /dev/vda\n", 1, true), "blockdev vda: " .. br)
  local ls = run(bt["ls -lanR /sys/block"])
  ok(ls:match("^/sys/block:\ntotal 0\n"), "ls header")
  ok(ls:find("lrwxrwxrwx  1 0 0 0 [A-Z][a-z][a-z] [ %d]%d %d%d:%d%d vda %-> %.%./devices/.-/block/vda\n"), "vda link")
  local n = 0
  for _ in ls:gmatch("\nl[^\n]+ loop%d %-> %.%./devices/virtual/block/loop%d\n") do n = n + 1 end
  ok(n >= 1, "loop links")
end)

test("human sizes as util-linux prints them", function()
  eq(block.human(0), "0B", "0")
  eq(block.human(268435456), "256M", "256M")
  eq(block.human(1536 * 1024 * 1024), "1.5G", "1.5G")
  eq(block.human(512), "512B", "512B")
  eq(block.human(2147483136), "2G", "2G-512")
end)

-- }======

-- {====== process extras ======

local pl = load_emitters("process_limits.lua")
local pc = load_emitters("process_cgroup.lua")
local lsof = load_emitters("process_lsof.lua")

test("proc/<pid>/limits is exact for every truth pid", function()
  for _, pid in ipairs(PIDS) do
    same(run(pl["proc/{pid}/limits"], pid, tasks_by_pid[pid]), truth("pid/" .. pid .. "/limits"),
         "pid " .. pid .. " limits")
  end
end)

test("proc/<pid>/cgroup is exact for every truth pid (fxtree in /fxtree)", function()
  local in_tree = 0
  for _, pid in ipairs(PIDS) do
    local got = run(pc["proc/{pid}/cgroup"], pid, tasks_by_pid[pid])
    same(got, truth("pid/" .. pid .. "/cgroup"), "pid " .. pid .. " cgroup")
    if got == "0::/fxtree\n" then in_tree = in_tree + 1 end
  end
  ok(in_tree >= 7, "tasks in /fxtree: " .. in_tree)
end)

local CRASH_PID = tonumber(trim(truth("crash_pid")))

-- /proc/<pid>/fd readlinks (what lsof's NAME column starts from).  The
-- crashing shell is skipped: after the capture it ran
-- `echo c > /proc/sysrq-trigger`, so its fd 1 differs by design.
test("fd names equal truth/pid/<pid>/fd for every truth pid but the crashing shell", function()
  for _, pid in ipairs(PIDS) do
    if pid ~= CRASH_PID then
      local want = truth("pid/" .. pid .. "/fd")
      local got = files.fd_links(tasks_by_pid[pid]) or ""
      same(got, want, "pid " .. pid .. " fd")
    end
  end
end)

-- proc/<pid>/stack and wchan (the core's unwinder) are checked against the
-- truth of every fixture by tests/sh/test_stack_trace.sh

test("lsof: header, per-process cwd/rtd/txt, fds named as /proc/<pid>/fd", function()
  local text = run(lsof["lsof -b +M -n -l -c ''"])
  local l = lines(text)
  ok(l[1]:match("^COMMAND%s+PID%s+TID%s+TASKCMD%s+USER%s+FD%s+TYPE%s+DEVICE%s+SIZE/OFF%s+NODE%s+NAME$"), "header: " .. l[1])
  ok(text:find("\nkthreadd +2 +0 +txt +unknown +/proc/2/exe\n"), "kernel thread txt")
  ok(text:find("\nfxopen +146 +0 +103r +FIFO +0,13 +0t0 +10831 pipe\n"), "pipe")
  ok(text:find("\nfxopen +146 +0 +107u +a_inode +0,14 +0 +%d+ %[eventfd%]\n"), "eventfd")
  ok(text:find("\nfxopen +146 +0 +mem +REG +0,23 +%d+ +3 /tmp/fxopen.000\n"), "shared mmap")
  ok(text:find("\nsyslogd +119 +0 +0u +unix 0x%x+ +0t0 +%d+ /dev/log type=DGRAM %(UNCONNECTED%)\n"), "unix socket")
  ok(text:find("TCP %*:80 %(LISTEN%)\n"), "httpd listener")
  ok(text:find("\nfxthreads +%d+ +%d+ fxworker%- +0 +cwd "), "threads with TID/TASKCMD")
end)

-- }======
