-- kernel/sched.lua's sched debug pieces on objects laid out by hand, for
-- what neither fixture has: tasks in a cgroup with the cpu controller and
-- in an autogroup (task group paths, a group's cfs_rq with its entity),
-- and the EEVDF layouts of 6.6-6.11 that no fixture runs.  sched.lua is
-- loaded afresh with a `kd` whose has_member answers are the kernel's
-- members of the release under test and whose objects are Lua tables.
-- Expected lines are what kernel/sched/debug.c prints for those values:
-- linux-source-6.12 (print_task, print_rq, print_cfs_rq,
-- print_cfs_group_stats) and, for 6.6-6.11, the text of "sched/fair:
-- Implement an EEVDF-like scheduling policy" as changed by "sched/eevdf:
-- Sort the rbtree by virtual deadline" (6.8), before "sched/debug: Fix the
-- runnable tasks output" (6.12).

local members = {}
local fake_kd = setmetatable({
  has_member = function(t, m) return members[t] ~= nil and members[t][m] == true end,
  has_type = function(t) return members[t] ~= nil end,
  symbol_address = function() return nil end,
  per_cpu = function() error("no per-CPU data here") end,
  container_of = function(node) return node.__se end,
}, { __index = kd })

local env = setmetatable({ kd = fake_kd }, { __index = _G })
local mods = {
  ["kernel.cpu"] = { sym = function() return nil end, ival = function(x) return x end,
                     online = function() return { 0, 1 } end },
  ["kernel.task"] = { state_char = function(t) return t.state end, cpu = function(t) return t.cpu end },
  ["kernel.time"] = {},
}
env.require = function(name) return mods[name] or require(name) end
local sched = assert(loadfile(SOURCE_DIR .. "/scripts/lib/kernel/sched.lua", "t", env))()

local function set(tname, list)
  local m = {}
  for _, n in ipairs(list) do m[n] = true end
  members[tname] = m
end
local function chars(s) return { string_ = function() return s end } end

-- cgroup /fxbatch/inner (kernfs nodes up to the root, whose parent is NULL)
local kn_root = { name = chars("") }
local kn_batch = { name = chars("fxbatch"), parent = kn_root }
local kn_inner = { name = chars("inner"), parent = kn_batch }
local tg_inner = { css = { cgroup = { kn = kn_inner } } }
local tg_root = { css = { cgroup = { kn = kn_root } } }
local tg_auto = { autogroup = { id = 7 }, css = { cgroup = { kn = kn_root } } }

-- a queue with nobody else on it: avg_vruntime/avg_load 0, so every
-- entity is eligible (entity_eligible: avg >= (v - v0) * load, 0 >= 0)
local cfs = { avg_vruntime = 0, avg_load = 0, zero_vruntime = 0, min_vruntime = 0 }

local function a_task(over)
  local t = { comm = chars("fxworker-1"), pid = 812, state = "S", cpu = 1, nvcsw = 10, nivcsw = 2, prio = 120,
              se = { vruntime = 1234567890, deadline = 1237567890, slice = 3000000, sum_exec_runtime = 5500000,
                     custom_slice = 0, cfs_rq = cfs },
              sched_task_group = tg_inner }
  for k, v in pairs(over or {}) do t[k] = v end
  return t
end

local function lines_of(fn)
  local out = {}
  fn(function(s) out[#out + 1] = s end)
  local all = table.concat(out)
  local l = {}
  for x in all:gmatch("([^\n]*)\n") do l[#l + 1] = x end
  return l
end

test("task group paths: cgroup, nested cgroup, root, autogroup (task_group_path)", function()
  set("struct task_group", { "autogroup" })
  eq(sched._tg_path(tg_inner), "/fxbatch/inner", "nested cgroup")
  eq(sched._tg_path(tg_root), "/", "root group")
  -- autogroup_path(): "%s-%lu", "/autogroup", id
  eq(sched._tg_path(tg_auto), "/autogroup-7", "autogroup")
end)

test("6.12 runnable tasks: header, a task in a cgroup, the custom slice flag", function()
  set("struct task_group", { "autogroup" })
  set("struct sched_entity", { "deadline", "custom_slice", "cfs_rq", "min_vruntime" })
  set("struct cfs_rq", { "zero_vruntime" })
  local rq = { curr = nil }
  local t1 = a_task()
  local t2 = a_task({ comm = chars("sleep"), pid = 901, state = "D", sched_task_group = tg_auto })
  t2.se = { vruntime = 2000000, deadline = 4800000, slice = 700000, sum_exec_runtime = 1000,
            custom_slice = 1, cfs_rq = cfs }
  local l = lines_of(function(put) sched._print_tasks(put, rq, { t1, t2 }, true, true, false) end)
  eq(l[1], " S            task   PID       vruntime   eligible    deadline             slice          sum-exec      switches  prio         wait-time        sum-sleep       sum-block  node   group-id  group-path", "header")
  eq(#l[2], 191, "dashes: 55 + 54 + 54 + 14 (NUMA) + 14 (cgroup)")
  -- " %15s %5d %9Ld.%06ld   %c   %9Ld.%06ld %c %9Ld.%06ld %9Ld.%06ld %9Ld   %5d "
  -- "%9lld.%06ld %9lld.%06ld %9lld.%06ld" "   %d      %d" "        %s"
  eq(l[3], " S      fxworker-1   812      1234.567890   E        1237.567890           3.000000         5.500000        12     120         0.000000         0.000000         0.000000   0      0        /fxbatch/inner", "task line")
  eq(l[4], " D           sleep   901         2.000000   E           4.800000 S         0.700000         0.001000        12     120         0.000000         0.000000         0.000000   0      0        /autogroup-7", "custom slice task")
end)

test("6.6-6.11 runnable tasks: old header, no space before the name, sum-exec twice", function()
  set("struct task_group", { "autogroup" })
  set("struct sched_entity", { "deadline", "cfs_rq", "min_vruntime" })     -- no custom_slice
  set("struct cfs_rq", {})
  local t1 = a_task()
  local rq = { curr = t1 }
  local l = lines_of(function(put) sched._print_tasks(put, rq, { t1 }, true, true, false) end)
  eq(l[1], " S            task   PID         tree-key  switches  prio     wait-time             sum-exec        sum-sleep", "header")
  eq(l[2], string.rep("-", 109), "dashes")
  -- ">R" then "%15s %5d %9Ld.%06ld %c %9Ld.%06ld %9Ld.%06ld %9Ld.%06ld %9Ld %5d "
  -- "%9lld.%06ld %9lld.%06ld %9lld.%06ld %9lld.%06ld" " %d %d" " %s"
  eq(l[3], ">R     fxworker-1   812      1234.567890 E      1237.567890         3.000000         5.500000        12   120         0.000000         5.500000         0.000000         0.000000 0 0 /fxbatch/inner", "task line")
end)

-- a group's cfs_rq on CPU 1: one queued entity, the group's own entity
local function group_cfs_rq()
  local se = { vruntime = 5000000, deadline = 8000000, min_vruntime = 5000000 }
  local node = { __se = se }
  local gse = { exec_start = 76000123456, vruntime = 35000000000, sum_exec_runtime = 42000000,
                load = { weight = 1048576 }, avg = { load_avg = 1024, util_avg = 300, runnable_avg = 310 } }
  local tg = { css = { cgroup = { kn = kn_batch } }, se = { [1] = gse }, load_avg = { counter = 2048 } }
  return { tg = tg, tasks_timeline = { rb_root = { rb_node = node }, rb_leftmost = node },
           zero_vruntime = 5000000, min_vruntime = 5000000, avg_vruntime = 0, avg_load = 1024,
           curr = nil, nr_running = 1, h_nr_runnable = 1, h_nr_queued = 1, h_nr_delayed = 0,
           idle_nr_running = 0, idle_h_nr_running = 0, load = { weight = 1048576 },
           avg = { load_avg = 1023, runnable_avg = 1000, util_avg = 500, util_est = 12 },
           removed = { load_avg = 0, util_avg = 0, runnable_avg = 0 }, tg_load_avg_contrib = 1023,
           throttled = 0, throttle_count = 0 }
end

test("6.12 cfs_rq of a cgroup's task group with its group entity (print_cfs_rq, print_cfs_group_stats)", function()
  set("struct task_group", { "autogroup" })
  set("struct sched_entity", { "deadline", "custom_slice", "cfs_rq", "min_vruntime", "avg" })
  set("struct cfs_rq", { "tg", "zero_vruntime", "h_nr_runnable", "h_nr_queued", "h_nr_delayed",
                         "idle_nr_running", "idle_h_nr_running", "avg", "tg_load_avg_contrib", "throttled" })
  set("struct sched_avg", {})
  local l = lines_of(function(put) sched._print_cfs_rq(put, 1, group_cfs_rq(), 0) end)
  local want = {
    "",
    "cfs_rq[1]:/fxbatch",
    "  .left_deadline                 : 8.000000",
    "  .left_vruntime                 : 5.000000",
    "  .zero_vruntime                 : 5.000000",
    "  .avg_vruntime                  : 5.000000",
    "  .right_vruntime                : 5.000000",
    "  .spread                        : 0.000000",
    "  .nr_running                    : 1",
    "  .h_nr_runnable                 : 1",
    "  .h_nr_queued                   : 1",
    "  .h_nr_delayed                  : 0",
    "  .idle_nr_running               : 0",
    "  .idle_h_nr_running             : 0",
    "  .load                          : 1048576",
    "  .load_avg                      : 1023",
    "  .runnable_avg                  : 1000",
    "  .util_avg                      : 500",
    "  .util_est                      : 12",
    "  .removed.load_avg              : 0",
    "  .removed.util_avg              : 0",
    "  .removed.runnable_avg          : 0",
    "  .tg_load_avg_contrib           : 1023",
    "  .tg_load_avg                   : 2048",
    "  .throttled                     : 0",
    "  .throttle_count                : 0",
    "  .se->exec_start                : 76000.123456",
    "  .se->vruntime                  : 35000.000000",
    "  .se->sum_exec_runtime          : 42.000000",
    "  .se->load.weight               : 1048576",
    "  .se->avg.load_avg              : 1024",
    "  .se->avg.util_avg              : 300",
    "  .se->avg.runnable_avg          : 310",
  }
  for i, w in ipairs(want) do eq(l[i], w, "line " .. i) end
  eq(#l, #want, "lines")
end)

test("6.6/6.7 cfs_rq: exec_clock, no left_deadline, leftmost vruntime, min_vruntime, nr_spread_over", function()
  set("struct task_group", { "autogroup" })
  set("struct sched_entity", { "deadline", "cfs_rq" })            -- min_deadline era: no min_vruntime
  set("struct cfs_rq", { "tg", "exec_clock", "nr_spread_over", "h_nr_running" })
  local c = group_cfs_rq()
  c.exec_clock, c.nr_spread_over, c.h_nr_running = 9000001, 0, 1
  local l = lines_of(function(put) sched._print_cfs_rq(put, 1, c, 0) end)
  eq(l[2], "cfs_rq[1]:/fxbatch", "title")
  eq(l[3], "  .exec_clock                    : 9.000001", "exec_clock")
  eq(l[4], "  .left_vruntime                 : 5.000000", "left_vruntime (leftmost entity)")
  eq(l[5], "  .min_vruntime                  : 5.000000", "min_vruntime")
  eq(l[8], "  .spread                        : 0.000000", "spread")
  eq(l[9], "  .nr_spread_over                : 0", "nr_spread_over")
  eq(l[10], "  .nr_running                    : 1", "nr_running")
  eq(l[11], "  .h_nr_running                  : 1", "h_nr_running")
end)
