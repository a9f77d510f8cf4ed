-- kdlua-test: dump=kfx
-- The cpu controller's files of scripts/emitters/cgroups_sysfs.lua on
-- task groups laid out by hand, for both layouts: cpu.weight, cpu.weight.nice,
-- cpu.idle, cpu.max, cpu.max.burst as kernel/sched/core.c cpu_files[] prints
-- them (linux-source-6.1 and -6.12: cpu_weight_read_u64, whose 6.12 form
-- clamps through sched_weight_to_cgroup; cpu_weight_nice_read_s64;
-- cpu_idle_read_s64; cpu_max_show/cpu_period_quota_print; tg_get_cfs_burst),
-- cgroup_seqfile_show's "%llu\n"/"%lld\n".  The SMP fixture
-- (tests/fixtures/make-smp-fixture.sh) checks the 6.1 form on a real dump.

-- sched_prio_to_weight[] (kernel/sched/core.c), nice -20 .. 19
local PRIO_TO_WEIGHT = { [0] = 88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916,
  9548, 7620, 6100, 4904, 3906, 3121, 2501, 1991, 1586, 1277,
  1024, 820, 655, 526, 423, 335, 272, 215, 172, 137,
  110, 87, 70, 56, 45, 36, 29, 23, 18, 15 }

-- load the emitter with one cgroup /grp whose cpu css is task group `t`;
-- returns path -> text of the cpu.* files it registers
local function cpu_files(t, release612)
  local members = {
    ["struct task_group"] = { shares = true, idle = true, cfs_bandwidth = true },
    ["struct cfs_bandwidth"] = { burst = true },
    ["struct sched_class"] = { switching_to = release612 },
  }
  local cgrp = { self = { parent = {} } }
  local fake_kd = setmetatable({
    has_member = function(ty, m) return (members[ty] or {})[m] == true end,
    container_of = function(css) return css.__tg end,
    -- the const int array, read entry by entry
    symbol_address = function(n) if n == "sched_prio_to_weight" then return 0x5000 end return nil end,
    read_s32 = function(a) return PRIO_TO_WEIGHT[(a - 0x5000) // 4] end,
    dump_info = function() return { page_size = 4096 } end,
  }, { __index = kd })
  local fake_cgroup = {
    dfl_cgroups = function() return { { path = "/grp", cgrp = cgrp } } end,
    css = function(_, name) if name == "cpu" then return { __tg = t } end return nil end,
  }
  local files = {}
  local env = setmetatable({
    kd = fake_kd,
    require = function(n) if n == "kernel.cgroup" then return fake_cgroup end return require(n) end,
    plugin = function() end,
    emit = function(spec)
      local name = spec.path:match("^sys/fs/cgroup/grp/(cpu%..*)$")
      if name then files[name] = spec.run() end
    end,
  }, { __index = _G })
  assert(loadfile(SOURCE_DIR .. "/scripts/emitters/cgroups_sysfs.lua", "t", env))()
  return files
end

local NSEC = 1000
local INF = -1            -- RUNTIME_INF (~0ULL) as a Lua integer

test("a group at weight 50 with a 20 ms quota every 100 ms (the SMP fixture's /fxcpu/inner is 300)", function()
  -- cpu.weight 50 -> sched_weight_from_cgroup: 50 * 1024 / 100 = 512 -> scale_load
  local f = cpu_files({ shares = 512 << 10, idle = 0,
    cfs_bandwidth = { quota = 20000 * NSEC, period = 100000 * NSEC, burst = 0 } }, false)
  eq(f["cpu.weight"], "50\n", "weight")
  eq(f["cpu.weight.nice"], "3\n", "nice nearest 512 (526 is nice 3)")
  eq(f["cpu.idle"], "0\n", "idle")
  eq(f["cpu.max"], "20000 100000\n", "max")
  eq(f["cpu.max.burst"], "0\n", "burst")
end)

test("defaults: weight 100, nice 0, no quota (max), a burst", function()
  local f = cpu_files({ shares = 1024 << 10, idle = 0,
    cfs_bandwidth = { quota = INF, period = 100000 * NSEC, burst = 5000 * NSEC } }, true)
  eq(f["cpu.weight"], "100\n", "weight")
  eq(f["cpu.weight.nice"], "0\n", "nice")
  eq(f["cpu.max"], "max 100000\n", "max")
  eq(f["cpu.max.burst"], "5000\n", "burst")
end)

test("an idle group (shares WEIGHT_IDLEPRIO 3): weight 0 on 6.1, 1 on 6.12 (clamped)", function()
  local g = { shares = 3 << 10, idle = 1, cfs_bandwidth = { quota = INF, period = 100000 * NSEC, burst = 0 } }
  eq(cpu_files(g, false)["cpu.weight"], "0\n", "6.1")
  eq(cpu_files(g, true)["cpu.weight"], "1\n", "6.12")
  eq(cpu_files(g, false)["cpu.weight.nice"], "19\n", "the lightest nice")
  eq(cpu_files(g, false)["cpu.idle"], "1\n", "idle")
end)
