-- Kernel, processor and scheduler files (scripts/lib/kernel/{irq,cpu,sysctl,
-- kallsyms,sched,devices}.lua and their emitters) against what the live
-- system showed before the crash ($KDLUA_TEST_VMCORE_DIR/truth).
-- Static files must be exact; counters are checked with the tolerances of
-- scripts/lib/fidelity/rules/kernel.lua (each written beside its check).
-- Runs under tests/lua/runner.lua (test/eq/ok/truth come from there).

local irq = require("kernel.irq")
local cpu = require("kernel.cpu")
local sysctl = require("kernel.sysctl")
local kallsyms = require("kernel.kallsyms")
local sched = require("kernel.sched")
local devices = require("kernel.devices")

assert(truth("crash_pid"), "no truth files: set KDLUA_TEST_VMCORE_DIR to the fixture folder")

local function lines(s)
  local t = {}
  for l in s:gmatch("([^\n]*)\n") do t[#t + 1] = l end
  return t
end

local function first_diff(a, b)
  local la, lb = lines(a), lines(b)
  for i = 1, math.max(#la, #lb) do
    if la[i] ~= lb[i] then
      return string.format("line %d: got %q, want %q", i, tostring(la[i]), tostring(lb[i]))
    end
  end
  return "same lines (trailing bytes differ)"
end

local function exact(got, want, what)
  ok(want ~= nil, what .. ": truth file missing")
  if got ~= want then error(what .. " differs at " .. first_diff(got or "", want), 2) end
end

local function num(s) return tonumber(s) end

-- the uptime (s) of the truth capture start/end and of the dump
local up_start = num(truth("capture_start_uptime"):match("^(%S+)"))
local up_end = num(truth("capture_end_uptime"):match("^(%S+)"))
local up_dump = require("kernel.time").uptime()

-- {====== static files ======

test("proc/kallsyms: every line exact (addresses, types, names, [module], order)", function()
  local dir = vmcore_dir or os.getenv("KDLUA_TEST_VMCORE_DIR")
  local p = io.popen("xz -dc '" .. dir .. "/truth/proc/kallsyms.xz'")
  local want = p:read("a")
  p:close()
  ok(#want > 1000, "truth kallsyms decompressed")
  local t0 = os.clock()
  local got, note = kallsyms.text()
  local dt = os.clock() - t0
  print(string.format("     kallsyms: %d lines in %.2f s CPU", select(2, got:gsub("\n", "")), dt))
  eq(note, nil, "nothing left out")
  exact(got, want, "proc/kallsyms")
end)

test("proc/misc, proc/devices, proc/filesystems, proc/cgroups exact", function()
  exact(devices.misc(), truth("proc/misc"), "proc/misc")
  exact(devices.devices(), truth("proc/devices"), "proc/devices")
  exact(devices.filesystems(), truth("proc/filesystems"), "proc/filesystems")
  exact(devices.cgroups(), truth("proc/cgroups"), "proc/cgroups")
end)

test("proc/cpuinfo exact for the CPUs online before the panic", function()
  -- static except "cpu MHz" and bogomips (informative, INDEX.md); on this
  -- dump they are exact too (cpu_khz, per-CPU loops_per_jiffy)
  local got = cpu.cpuinfo()
  local want = truth("proc/cpuinfo")
  local function strip(s) return (s:gsub("cpu MHz\t\t: [^\n]*\n", ""):gsub("bogomips\t: [^\n]*\n", "")) end
  exact(strip(got), strip(want), "proc/cpuinfo static lines")
  exact(got, want, "proc/cpuinfo")
  eq(#cpu.online(), 2, "both CPUs listed although the panic stopped one")
end)

test("sys/devices/system/cpu/cpu*/topology/* exact", function()
  local n = 0
  for _, c in ipairs(cpu.online()) do
    for _, f in ipairs(cpu.topology_files()) do
      local rel = "sys/devices/system/cpu/cpu" .. c .. "/topology/" .. f[1]
      local want = truth(rel)
      if want then
        exact(f[2](c), want, rel)
        n = n + 1
      end
    end
  end
  eq(n, 32, "topology files compared (16 per CPU)")
end)

test("proc/sys files: static exact, fs counters within tolerance", function()
  local static = { "kernel/tainted", "kernel/random/boot_id", "kernel/pid_max", "kernel/osrelease",
    "kernel/hung_task_panic", "kernel/hung_task_timeout_secs", "kernel/sysrq", "kernel/panic",
    "kernel/domainname", "kernel/version", "kernel/hostname", "kernel/kptr_restrict",
    "kernel/panic_on_oops", "kernel/threads-max", "fs/nr_open", "vm/overcommit_memory",
    "vm/min_free_kbytes", "vm/swappiness" }
  for _, p in ipairs(static) do exact(sysctl.file(p), truth("proc/sys/" .. p), "proc/sys/" .. p) end
  -- fs/file-nr, fs/inode-nr drift (INDEX.md): open files and inodes of the
  -- capture helpers (inode-nr: 11416 when the file was copied, 17156 when
  -- sysctl -a ran later).  Tolerance: the count lies within the range of
  -- the two samples, widened by rel 0.25; the other fields exact
  local later = {}
  for _, l in ipairs(lines(truth("cmd/sysctl-a.txt"))) do
    local k, v = l:match("^(.-) = (.*)$")
    later[k] = v
  end
  for _, p in ipairs({ "fs/file-nr", "fs/inode-nr" }) do
    local g, w = lines(sysctl.file(p))[1], lines(truth("proc/sys/" .. p))[1]
    local gv, wv = {}, {}
    for x in g:gmatch("%S+") do gv[#gv + 1] = num(x) end
    for x in w:gmatch("%S+") do wv[#wv + 1] = num(x) end
    eq(#gv, #wv, p .. " fields")
    local w2 = num(later[p:gsub("/", ".")]:match("^%d+"))
    local lo, hi = math.min(wv[1], w2), math.max(wv[1], w2)
    ok(gv[1] >= lo * 0.75 and gv[1] <= hi * 1.25, p .. " count " .. gv[1] .. " vs [" .. lo .. ", " .. hi .. "]")
    for i = 2, #gv do eq(gv[i], wv[i], p .. " field " .. i) end
  end
end)

-- keys whose value drifts or differs for a known reason (rules: sysctl_-a)
local SYSCTL_DRIFT = {
  ["fs.dentry-state"] = 0.25, ["fs.file-nr"] = 0.25, ["fs.inode-nr"] = 0.25,
  ["fs.inode-state"] = 0.25, ["kernel.ns_last_pid"] = 0.25,
}

test("sysctl -a: every key of the live busybox sysctl -a, static values exact", function()
  local got = sysctl.sysctl_a({ busybox = true })
  local g = {}
  for _, l in ipairs(lines(got)) do
    local k, v = l:match("^(.-) = (.*)$")
    g[k] = v
  end
  local n, keys = 0, 0
  for _, l in ipairs(lines(truth("cmd/sysctl-a.txt"))) do
    local k, v = l:match("^(.-) = (.*)$")
    keys = keys + 1
    if k == "kernel.random.uuid" then
      eq(g[k], nil, "random uuid is left out (new on every read)")
    elseif k == "kernel.printk" then
      -- console_verbose() at the panic set console_loglevel to 15; the
      -- other three fields are unchanged
      eq(g[k]:match("\t.*$"), v:match("\t.*$"), k .. " default/minimum/boot levels")
      eq(g[k]:match("^%d+"), "15", k .. " console_loglevel after console_verbose()")
    elseif SYSCTL_DRIFT[k] then
      local a, b = num(g[k]:match("^%d+")), num(v:match("^%d+"))
      ok(math.abs(a - b) <= SYSCTL_DRIFT[k] * b, k .. ": " .. a .. " vs " .. b)
    else
      eq(g[k], v, k)
      n = n + 1
    end
  end
  ok(n > 900, "static keys exact: " .. n .. " of " .. keys)
  -- the procps form leaves the deprecated names out
  local procps = sysctl.sysctl_a()
  ok(not procps:find("%.retrans_time = "), "procps form has no retrans_time")
  ok(procps:find("%.retrans_time_ms = "), "procps form keeps retrans_time_ms")
end)

-- }======

-- {====== drifting files ======

local function stat_map(s)
  local m = {}
  for _, l in ipairs(lines(s)) do
    local k, rest = l:match("^(%S+)%s*(.*)$")
    local v = {}
    for x in rest:gmatch("%S+") do v[#v + 1] = num(x) end
    m[k] = v
  end
  return m
end

test("proc/stat: layout exact, btime exact, counters between the two samples (+slack)", function()
  local got = stat_map(irq.stat())
  local a, b = stat_map(truth("proc/stat")), stat_map(truth("proc/stat.end"))
  for k in pairs(a) do ok(got[k], "line " .. k) end
  for k in pairs(got) do ok(a[k], "extra line " .. k) end
  eq(got.btime[1], a.btime[1], "btime")
  eq(#got.intr, #a.intr, "intr fields (nr_irqs + 1)")
  eq(#got.softirq, #a.softirq, "softirq fields")
  -- monotone counters: truth <= dump <= end * 1.5 + 400; the crash came
  -- ~1.5 s after the end sample, after dd wrote the truth tar to
  -- /dev/vda: ctxt grows fastest (+34% on this dump) and the virtio-blk
  -- irqs go from 0 to ~150 each (hence the absolute 400)
  for _, k in ipairs({ "cpu", "cpu0", "cpu1", "intr", "softirq", "ctxt", "processes" }) do
    for i, v in ipairs(got[k]) do
      local lo, hi = a[k][i], b[k][i]
      ok(v >= lo and v <= hi * 1.5 + 400, string.format("%s[%d] = %d not in [%d, %d*1.5+400]", k, i, v, lo, hi))
    end
  end
end)

test("proc/interrupts: rows and labels exact, counts monotone within the tick rate", function()
  local got, want = lines(irq.interrupts()), lines(truth("proc/interrupts"))
  eq(#got, #want, "rows")
  eq(got[1], want[1], "header")
  -- a per-CPU counter can grow at most by ~HZ+interrupt rate per second:
  -- bound 400/s over the time from the capture start to the crash
  local bound = math.ceil(400 * (up_dump - up_start))
  for i = 2, #want do
    local gl, wl = got[i], want[i]
    eq(gl:match("^%s*(%S+:)"), wl:match("^%s*(%S+:)"), "row label " .. i)
    eq(gl:gsub("%d+", "#"):gsub("%s+", " "), wl:gsub("%d+", "#"):gsub("%s+", " "), "row layout " .. i)
    local gn, wn = {}, {}
    for x in gl:match("^%s*%S+:(.*)$"):gmatch("%s(%d+)") do gn[#gn + 1] = num(x) end
    for x in wl:match("^%s*%S+:(.*)$"):gmatch("%s(%d+)") do wn[#wn + 1] = num(x) end
    for j = 1, math.min(#gn, #wn, 2) do
      ok(gn[j] >= wn[j] and gn[j] <= wn[j] + bound, string.format("row %d col %d: %d vs %d", i, j, gn[j], wn[j]))
    end
  end
end)

test("proc/softirqs: names exact, counts monotone", function()
  local got, want = lines(irq.softirqs()), lines(truth("proc/softirqs"))
  eq(#got, #want, "rows")
  eq(got[1], want[1], "header")
  for i = 2, #want do
    eq(got[i]:match("^%s*(%S+):"), want[i]:match("^%s*(%S+):"), "name " .. i)
    local g1, g2 = got[i]:match(":%s+(%d+)%s+(%d+)")
    local w1, w2 = want[i]:match(":%s+(%d+)%s+(%d+)")
    ok(num(g1) >= num(w1) and num(g2) >= num(w2), "monotone " .. got[i])
  end
end)

test("proc/loadavg and proc/uptime at the crash", function()
  local la = sched.loadavg()
  local f = {}
  for x in la:gmatch("[^%s/]+") do f[#f + 1] = num(x) end
  local s, e = {}, {}
  for x in truth("proc/loadavg"):gmatch("[^%s/]+") do s[#s + 1] = num(x) end
  for x in truth("proc/loadavg.end"):gmatch("[^%s/]+") do e[#e + 1] = num(x) end
  -- averages within 0.1 of the range of the two samples
  for i = 1, 3 do
    ok(f[i] >= math.min(s[i], e[i]) - 0.1 and f[i] <= math.max(s[i], e[i]) + 0.1, "load " .. i .. ": " .. f[i])
  end
  ok(f[4] >= 1, "running >= 1 (the panicking task)")
  ok(math.abs(f[5] - e[5]) <= 10, "threads " .. f[5] .. " vs " .. e[5])
  ok(f[6] >= e[6] and f[6] <= e[6] + 50, "last pid " .. f[6] .. " after " .. e[6])
  local up = sched.uptime()
  local u, idle = up:match("^(%S+) (%S+)\n$")
  ok(num(u) >= up_end and num(u) <= up_end + 60, "uptime " .. u .. " after the capture " .. up_end)
  ok(num(idle) <= 2 * num(u) + 0.01, "idle over 2 CPUs")
  ok(num(idle) >= num(truth("proc/uptime.end"):match(" (%S+)")), "idle monotone")
end)

test("sys/kernel/debug/sched/debug: layout, tunables exact, task set", function()
  local got = sched.debug()
  local want = truth("sys/kernel/debug/sched/debug")
  local gl, wl = lines(got), lines(want)
  -- header and the sysctl_sched section are static except the clocks
  for i = 1, 16 do
    if not wl[i]:match("^ktime") and not wl[i]:match("^sched_clk") and not wl[i]:match("^cpu_clk")
       and not wl[i]:match("^jiffies") then
      eq(gl[i], wl[i], "header line " .. i)
    end
  end
  -- the same keys in the same order (values of counters drift)
  local function keys(ls)
    local out = {}
    for _, l in ipairs(ls) do
      local k = l:match("^%s*%.([%w_%->%.]+)%s*:") or l:match("^(cpu#%d+)") or l:match("^(%a+_rq%[%d+%]:?%S*)")
      if k then out[#out + 1] = k end
    end
    return out
  end
  local gk, wk = keys(gl), keys(wl)
  eq(table.concat(gk, ","), table.concat(wk, ","), "section keys")
  -- runnable tasks: every task of the truth that is still alive appears,
  -- with its comm (a task may be listed under another CPU after migrating)
  local alive = {}
  for t in kd.tasks() do alive[t.pid] = t.comm:string_() end
  local gt = {}
  for _, l in ipairs(gl) do
    local comm, pid = l:match("^[ >][RSDTtXZPI]%s+(.-)%s+(%d+)%s+%-?%d+%.%d+")
    if pid then gt[num(pid)] = comm end
  end
  local n = 0
  for _, l in ipairs(wl) do
    local comm, pid = l:match("^[ >][RSDTtXZPI]%s+(.-)%s+(%d+)%s+%-?%d+%.%d+")
    pid = num(pid)
    if pid and alive[pid] and alive[pid] == comm then
      eq(gt[pid], comm, "task " .. pid)
      n = n + 1
    end
  end
  ok(n >= 90, n .. " tasks compared")
  -- tunables exact
  for _, k in ipairs({ "sysctl_sched_latency", "sysctl_sched_features", "sysctl_sched_tunable_scaling" }) do
    eq(got:match("%." .. k .. "%s*: ([^\n]*)"), want:match("%." .. k .. "%s*: ([^\n]*)"), k)
  end
  eq(got:match("dl_bw%->bw%s*: (%d+)"), want:match("dl_bw%->bw%s*: (%d+)"), "dl_bw")
end)

test("sys/kernel/debug/sched/features agrees with sysctl_sched_features", function()
  local f = sched.features()
  local v = num(truth("sys/kernel/debug/sched/debug"):match("sysctl_sched_features%s*: (%d+)"))
  local i = 0
  for name in f:gmatch("(%S+) ") do
    local on = not name:match("^NO_")
    eq(on, (v >> i) & 1 == 1, "feature " .. name)
    i = i + 1
  end
  ok(i >= 20, "features listed: " .. i)
  ok(f:match("\n$"), "trailing newline")
end)

test("ls -lt /sys/kernel/slab: an entry for every cache of proc/slabinfo", function()
  local text, why = devices.ls_slab()
  ok(why and why:find("times"), "stub reason names the times")
  local names = {}
  for _, l in ipairs(lines(text)) do
    local n = l:match("^%S+ +%d+ %S+ %S+ +%d+ %?%?%? %?%? %?%?:%?%? (.-) %->") or
              l:match("^%S+ +%d+ %S+ %S+ +%d+ %?%?%? %?%? %?%?:%?%? (.*)$")
    if n then names[n] = true end
  end
  local si = truth("proc/slabinfo")
  local n = 0
  for _, l in ipairs(lines(si)) do
    local c = l:match("^([^#%s]%S*)")
    if c and c ~= "slabinfo" then
      ok(names[c], "slab cache " .. c .. " listed")
      n = n + 1
    end
  end
  ok(n > 50, n .. " caches checked")
end)

test("lscpu: fields agree with the live cpuinfo", function()
  local text = cpu.lscpu()
  local ci = truth("proc/cpuinfo")
  eq(text:match("Model name:%s+([^\n]+)"), ci:match("model name\t: ([^\n]+)"), "model name")
  eq(text:match("Flags:%s+([^\n]+)"), ci:match("flags\t\t: ([^\n]+)"), "flags")
  eq(text:match("BogoMIPS:%s+([^\n]+)"), ci:match("bogomips\t: ([^\n]+)"), "bogomips of the first CPU")
  eq(text:match("On%-line CPU%(s%) list:%s+([^\n]+)"), "0,1", "online list as util-linux prints a pair")
  eq(text:match("Socket%(s%):%s+(%d+)"), "1", "sockets")
  ok(not text:find("\n ", 1, true), "flat, as lscpu prints when its output is not a terminal")
end)

-- }======

-- {====== emitters ======

-- load an emitter file with a mock emit{} and return its specs
local function load_emitters(name)
  local specs = {}
  local stub_mt = {}
  local env = setmetatable({
    emit = function(spec) specs[#specs + 1] = spec end,
    plugin = function() end,
    stub = function(reason, text) return setmetatable({ reason = reason, text = text or "" }, stub_mt) end,
  }, { __index = _G })
  local dir = os.getenv("KDLUA_SOURCE_DIR") or "."
  local chunk = assert(loadfile(dir .. "/scripts/emitters/" .. name, "t", env))
  chunk()
  return specs, stub_mt
end

test("emitters of this area run and give text or a stub", function()
  local files = { "kernel_stat.lua", "kernel_loadavg.lua", "kernel_registries.lua", "kernel_kallsyms.lua",
                  "kernel_sysctl.lua", "processor_cpuinfo.lua", "process_sched.lua" }
  local counts = { real = 0, stub = 0 }
  local t0 = os.clock()
  local times = {}
  for _, f in ipairs(files) do
    local specs, stub_mt = load_emitters(f)
    ok(#specs > 0, f .. " registers")
    for _, s in ipairs(specs) do
      local args = s.each == "cpus" and cpu.online() or { false }
      for _, c in ipairs(args) do
        local t1 = os.clock()
        local v, why = s.run(c ~= false and c or nil)
        local what = (s.path or s.command) .. (c ~= false and (" cpu" .. c) or "")
        if type(v) == "string" then counts.real = counts.real + 1
        elseif getmetatable(v) == stub_mt then
          ok(#v.reason > 0, what .. ": stub reason"); counts.stub = counts.stub + 1
        else
          ok(v == nil and type(why) == "string", what .. ": nil needs a reason")
          counts.stub = counts.stub + 1
        end
        times[#times + 1] = { what, os.clock() - t1 }
      end
    end
  end
  local dt = os.clock() - t0
  table.sort(times, function(a, b) return a[2] > b[2] end)
  print(string.format("     %d real, %d stub in %.2f s CPU (slowest: %s %.2f s, %s %.2f s)",
    counts.real, counts.stub, dt, times[1][1], times[1][2], times[2][1], times[2][2]))
  ok(dt < 10, "all in under 10 s")
end)

-- }======

-- The core part of /proc/kallsyms is decoded in C (kd.kallsyms_core_text)
-- for speed; the Lua decoder stays as the reference for it.
test("kallsyms: the C decoder equals the Lua one", function()
  local ks = require("kernel.kallsyms")
  local text, count = kd.kallsyms_core_text(16)
  local lines, n = {}, 0
  ks.each_core(function(a, t, name)
    if name ~= "" then
      n = n + 1
      lines[n] = string.format("%016x %s %s\n", a, t, name)
    end
  end)
  eq(count, n, "symbol count")
  eq(text, table.concat(lines), "text")
end)
