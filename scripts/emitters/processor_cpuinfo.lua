-- proc/cpuinfo, the topology files of each CPU and `lscpu`
-- (kernel/cpu.lua), x86 (arch/x86/kernel/cpu/proc.c of 6.1).  CPUs are
-- those online before the panic: a CPU that the panic stopped
-- (stop_this_cpu) is shown as user space saw it, from its cpu_info.
-- "cpu MHz" is what arch_freq_get_on_cpu() would answer from the state in
-- memory (APERF/MPERF sample of the last tick, cpufreq's policy, else
-- cpu_khz).

local cpu = require("kernel.cpu")

plugin{ name = "processor", description = "CPU information" }

emit{ path = "proc/cpuinfo", plugin = "processor",
      description = "CPU identification, flags and bugs from cpu_info",
      run = function() return cpu.cpuinfo() end }

emit{ command = "lscpu", plugin = "processor",
      description = "lscpu summary from cpu_info, topology and cacheinfo",
      run = function()
        local text, missing = cpu.lscpu()
        return stub(missing, text)
      end }

-- drivers/base/topology.c attributes (x86 6.1: with die and cluster)
local TOPO = { "physical_package_id", "die_id", "cluster_id", "core_id",
  "core_cpus", "core_cpus_list", "thread_siblings", "thread_siblings_list",
  "core_siblings", "core_siblings_list", "cluster_cpus", "cluster_cpus_list",
  "die_cpus", "die_cpus_list", "package_cpus", "package_cpus_list" }

local files
local function topo(name, c)
  if not files then
    files = {}
    for _, f in ipairs(cpu.topology_files()) do files[f[1]] = f[2] end
  end
  local f = files[name]
  if not f then return nil, "this kernel has no topology/" .. name end
  return f(c)
end

for _, name in ipairs(TOPO) do
  emit{ path = "sys/devices/system/cpu/cpu{cpu}/topology/" .. name, plugin = "processor",
        each = "cpus", run = function(c) return topo(name, c) end }
end

-- cpu<N>/cache/index<i>/* (drivers/base/cacheinfo.c): the cacheinfo leaves
-- of each CPU online before the panic (an offline CPU's cache folder is
-- removed with it, cacheinfo_cpu_pre_down), registered per leaf and file
-- because the leaves differ from CPU to CPU
do
  local ok, list = pcall(function() return require("report.cpus").list() end)
  for _, c in ipairs(ok and list or {}) do
    local okc, leaves = pcall(cpu.cache_files, c)
    for _, leaf in ipairs(okc and leaves or {}) do
      for _, f in ipairs(leaf[2]) do
        local text = f[2]
        emit{ path = string.format("sys/devices/system/cpu/cpu%d/cache/index%d/%s", c, leaf[1], f[1]),
              plugin = "processor", run = function() return text end }
      end
    end
  end
end
