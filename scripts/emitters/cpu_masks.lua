-- sys/devices/system/cpu/{online,present,possible,offline,kernel_max}, as
-- drivers/base/cpu.c prints them: cpulist ("%*pbl", "0-1,4") and a
-- newline; offline = possible minus online (plus "nr_cpu_ids-(total_cpus-1)"
-- when total_cpus says more CPUs exist); kernel_max = NR_CPUS - 1, where
-- NR_CPUS is the length of the __per_cpu_offset array.
--
-- online is the mask before the panic: CPUs that smp_send_stop() took
-- offline while the kernel died are counted online (report/cpus.lua
-- explains how they are recognised); the raw mask of the dump is in the
-- vmcore plugin's dump_info.

local cpus = require("report.cpus")
local facts = require("report.facts")
local util = require("report.util")

plugin{ name = "processor", description = "CPU information" }

local function mask_file(which)
  return function()
    return util.cpulist(cpus.masks()[which]) .. "\n"
  end
end

local D = "sys/devices/system/cpu/"

emit{ path = D .. "online", plugin = "processor", run = mask_file("online"),
      description = "cpu_online_mask before the panic stopped the other CPUs" }
emit{ path = D .. "present", plugin = "processor", run = mask_file("present") }
emit{ path = D .. "possible", plugin = "processor", run = mask_file("possible") }

emit{
  path = D .. "offline", plugin = "processor",
  run = function()
    local m = cpus.masks()
    local on = util.set(m.online)
    local off = {}
    for _, c in ipairs(m.possible) do if not on[c] then off[#off + 1] = c end end
    local s = util.cpulist(off)
    local total, nr = facts.int("total_cpus"), facts.int("nr_cpu_ids")
    if total and nr and total > 0 and nr < total then
      s = s .. "," .. (nr == total - 1 and tostring(nr) or (nr .. "-" .. (total - 1)))
    end
    return s .. "\n"
  end,
}

emit{
  path = D .. "kernel_max", plugin = "processor",
  run = function()
    local t = kd.symbol("__per_cpu_offset"):type_()
    local n = t.length
    if not n or n == 0 then return nil, "NR_CPUS unknown (__per_cpu_offset has no length)" end
    return string.format("%d\n", n - 1)
  end,
}

-- cpu<N>/online (kernel/cpu.lua sysfs_online): hot-pluggable present CPUs
do
  local ok, present = pcall(kd.cpus, "present")
  for _, c in ipairs(ok and present or {}) do
    local v = require("kernel.cpu").sysfs_online(c)
    if v then
      emit{ path = D .. "cpu" .. c .. "/online", plugin = "processor",
            description = "CPU " .. c .. " online in the hotplug state (dev->offline)",
            run = function() return v .. "\n" end }
    end
  end
end

-- isolated (print_cpus_isolated): the possible CPUs outside
-- housekeeping_cpumask(HK_TYPE_DOMAIN), which is cpu_possible_mask unless
-- the housekeeping_overridden static key is on and housekeeping.flags has
-- the type (isolcpus=, nohz_full= at boot; kernel/sched/isolation.c)
emit{
  path = D .. "isolated", plugin = "processor",
  run = function()
    local m = cpus.masks()
    -- objects by their struct types, which BTF describes too (it has no
    -- types of global variables)
    local hka, keya = kd.symbol_address("housekeeping"), kd.symbol_address("housekeeping_overridden")
    local on = keya and kd.has_type("struct static_key")
      and kd.object("struct static_key", keya).enabled.counter > 0
    if not on then return "\n" end
    local ok, bit = pcall(kd.enum_value, "enum hk_type", "HK_TYPE_DOMAIN")
    if not (hka and ok and kd.has_type("struct housekeeping")) then
      return nil, "housekeeping is overridden but its masks are not readable"
    end
    local hk = kd.object("struct housekeeping", hka)
    if (hk.flags >> bit) & 1 ~= 1 then return "\n" end
    local keep = util.set(require("kernel.cpu").mask_cpus(hk.cpumasks[bit]))
    local iso = {}
    for _, c in ipairs(m.possible) do if not keep[c] then iso[#iso + 1] = c end end
    return util.cpulist(iso) .. "\n"
  end,
}

-- nohz_full (CONFIG_NO_HZ_FULL, print_cpus_nohz_full): tick_nohz_full_mask
-- as a list; a cpumask_var_t never allocated (no nohz_full= at boot, with
-- CONFIG_CPUMASK_OFFSTACK) is a NULL pointer, which "%*pbl" prints as
-- vsprintf's error_string "(null)", right-aligned in the field width the
-- '*' gave (nr_cpu_ids), all cut at sysfs_emit's PAGE_SIZE - 1
if kd.symbol_address("tick_nohz_full_mask") then
  emit{
    path = D .. "nohz_full", plugin = "processor",
    run = function()
      if not kd.has_type("cpumask_var_t") then return nil, "no type cpumask_var_t in the debug info" end
      local v = kd.object("cpumask_var_t", kd.symbol_address("tick_nohz_full_mask"))
      local t = v:type_()
      while t.kind == "typedef" do t = t.target end
      if t.kind == "pointer" and v:value_() == 0 then
        local width = require("kernel.cpu").nr_cpu_ids()
        local text = string.rep(" ", math.max(width - 6, 0)) .. "(null)\n"
        local limit = kd.dump_info().page_size - 1
        return #text > limit and text:sub(1, limit) or text
      end
      return util.cpulist(require("kernel.cpu").mask_cpus(v)) .. "\n"
    end,
  }
end
