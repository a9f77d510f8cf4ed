-- kernel/cpu.lua: CPU sets and x86 CPU identification: /proc/cpuinfo
-- (arch/x86/kernel/cpu/proc.c show_cpuinfo, 6.1), the topology files of
-- drivers/base/topology.c, a CPU's hotplug online file, a node's online
-- CPUs, the cacheinfo files and lscpu's summary.
--
-- CPU sets: online() is the set before the panic (report/cpus.lua: CPUs
-- that smp_send_stop() took offline while the kernel died count as
-- online, as they were for every reader of the live system); possible()
-- and present() are the dump's masks.
--
-- Mirrors: arch/x86/kernel/cpu/proc.c, drivers/base/topology.c,
--   drivers/base/cacheinfo.c, drivers/base/core.c (online), drivers/base/node.c

local M = {}

local sym = require("kernel.util").symbol_or_nil

local ival = require("kernel.util").int_or_nil

local function masks()
  local ok, cpus = pcall(require, "report.cpus")
  if ok then
    local ok2, m = pcall(cpus.masks)
    if ok2 then return m end
  end
  local function get(w)
    local ok3, l = pcall(kd.cpus, w)
    return ok3 and l or { 0 }
  end
  return { online = get("online"), present = get("present"), possible = get("possible"),
           raw_online = get("online"), stopped = {} }
end

-- the online CPUs, a sorted list of numbers
function M.online() return masks().online end
-- the possible CPUs, a sorted list of numbers
function M.possible() return masks().possible end
-- the present CPUs, a sorted list of numbers
function M.present() return masks().present end
-- CPUs the panic took offline (counted online above)
function M.stopped() return masks().stopped or {} end
function M.raw_online() return masks().raw_online end

M.sym, M.ival = sym, ival

-- {====== cpumasks ======

-- nr_cpu_ids: the symbol's value, else the highest possible CPU + 1, else 1
function M.nr_cpu_ids()
  return ival(sym("nr_cpu_ids")) or (#M.possible() > 0 and (M.possible()[#M.possible()] + 1)) or 1
end

-- CPU numbers set in a cpumask object (struct cpumask, or cpumask_var_t
-- that is a pointer with CONFIG_CPUMASK_OFFSTACK)
function M.mask_cpus(m)
  local t = m:type_()
  while t.kind == "typedef" do t = t.target end
  local addr
  if t.kind == "pointer" then addr = m:value_()
  else addr = m:address_() end
  local n = M.nr_cpu_ids()
  local words = (n + 63) // 64
  local raw = kd.read(addr, words * 8)
  local out = {}
  for w = 0, words - 1 do
    local v = string.unpack("<i8", raw, w * 8 + 1)
    if v ~= 0 then
      for b = 0, 63 do
        local c = w * 64 + b
        if c < n and (v >> b) & 1 == 1 then out[#out + 1] = c end
      end
    end
  end
  return out
end

-- "%*pb" of a CPU list over nr_cpu_ids bits: 32-bit hex chunks, most
-- significant first, separated by commas; the first chunk as wide as the
-- bits it holds
function M.mask_hex(cpus)
  local n = M.nr_cpu_ids()
  local set = {}
  for _, c in ipairs(cpus) do set[c] = true end
  local chunks = {}
  local top = ((n + 31) // 32) * 32 - 32
  local chunksz = n % 32
  if chunksz == 0 then chunksz = 32 end
  local i = top
  while i >= 0 do
    local v = 0
    for b = 0, chunksz - 1 do
      if set[i + b] then v = v | (1 << b) end
    end
    chunks[#chunks + 1] = string.format("%0" .. ((chunksz + 3) // 4) .. "x", v)
    chunksz = 32
    i = i - 32
  end
  return table.concat(chunks, ",")
end

-- "%*pbl": "0-1,4"
M.mask_list = require("kernel.util").cpulist

-- }======

-- {====== x86 cpuinfo ======

-- struct cpuinfo_x86 of a CPU (cpu_data(cpu) = per_cpu(cpu_info, cpu));
-- boot_cpu_data when there is no per-CPU copy (UP kernels)
function M.cpu_data(c)
  if kd.symbol_address("cpu_info") then return kd.per_cpu("cpu_info", c) end
  return sym("boot_cpu_data")
end

-- a const char *[] as a Lua table index -> string (0-based; missing = nil)
local strarray_cache = {}
local function strarray(name)
  if strarray_cache[name] then return strarray_cache[name] end
  local arr = sym(name)
  if not arr then return nil end
  local n = arr:type_().length
  if not n or n == 0 then
    local _, off, _, size = kd.symbolize(arr:address_())
    n = (off == 0 and size) and size // 8 or 0
  end
  local raw = kd.read(arr:address_(), n * 8)
  local t = { n = n, ptr = {} }
  for i = 0, n - 1 do t.ptr[i] = string.unpack("<i8", raw, i * 8 + 1) end
  setmetatable(t, { __index = function(tt, i)
    local p = rawget(tt, "ptr")[i]
    if p == nil or p == 0 then return nil end
    local s = kd.read_string(p, 64)
    rawset(tt, i, s)
    return s
  end })
  strarray_cache[name] = t
  return t
end
-- a const char *[] symbol as a table index -> string (0-based), with .n and .ptr (memoized)
M.strarray = strarray

-- capability words of a cpuinfo_x86: array of u32
local function caps(c)
  local arr = c.x86_capability
  local n = #arr
  local raw = kd.read(arr:address_(), n * 4)
  local words = {}
  for i = 0, n - 1 do words[i] = string.unpack("<I4", raw, i * 4 + 1) end
  return words, n
end

local function has_bit(words, bit)
  local w = words[bit // 32]
  return w ~= nil and (w >> (bit % 32)) & 1 == 1
end

-- feature bit number by its /proc/cpuinfo name (x86_cap_flags), or nil
local feature_bits
-- x86 feature bit number of a /proc/cpuinfo flag name (x86_cap_flags), or nil (memoized)
function M.feature_bit(name)
  if not feature_bits then
    feature_bits = {}
    local f = strarray("x86_cap_flags")
    if f then
      for i = 0, f.n - 1 do
        if f.ptr[i] ~= 0 then feature_bits[f[i]] = i end
      end
    end
  end
  return feature_bits[name]
end

-- flag names set in a cpuinfo_x86 (the "flags" line) and "bugs"
function M.flags(c)
  local words = caps(c)
  local names = strarray("x86_cap_flags")
  local out = {}
  if names then
    for i = 0, names.n - 1 do
      if names.ptr[i] ~= 0 and has_bit(words, i) then out[#out + 1] = names[i] end
    end
  end
  return out
end

-- names of the x86 bugs set in a cpuinfo_x86 (the "bugs" line of /proc/cpuinfo)
function M.bugs(c)
  local words = caps(c)
  local names = strarray("x86_bug_flags")
  local capn = strarray("x86_cap_flags")
  local base = capn and capn.n or 0   -- 32 * NCAPINTS
  local out = {}
  if names then
    for i = 0, names.n - 1 do
      if names.ptr[i] ~= 0 and has_bit(words, base + i) then out[#out + 1] = names[i] end
    end
  end
  return out
end

local function hz()
  local ok, t = pcall(require, "kernel.time")
  return ok and t.hz() or 250
end

-- arch_freq_get_on_cpu() (6.1): APERF/MPERF sample of the last tick when
-- it is recent (jiffies - last_update <= HZ/50), else cpufreq's policy->cur,
-- else cpu_khz.  Returns kHz and how it was found.
function M.freq_khz(c)
  local khz = ival(sym("cpu_khz")) or 0
  local ci = M.cpu_data(c)
  local bit = M.feature_bit("aperfmperf")
  if bit and has_bit(caps(ci), bit) and kd.symbol_address("cpu_samples") then
    local ok, f = pcall(function()
      local s = kd.per_cpu("cpu_samples", c)
      local j = ival(sym("jiffies"))
      if s.mcnt ~= 0 and j and (j - s.last_update) <= hz() // 50 then
        return (khz * s.acnt) // s.mcnt
      end
    end)
    if ok and f then return f, "aperfmperf" end
  end
  if kd.symbol_address("cpufreq_cpu_data") then
    local ok, cur = pcall(function()
      local p = kd.read_u64(kd.symbol_address("cpufreq_cpu_data") + kd.symbol("__per_cpu_offset")[c])
      if p == 0 then return nil end
      return kd.object("struct cpufreq_policy", p).cur
    end)
    if ok and cur and cur ~= 0 then return cur, "cpufreq" end
  end
  return khz, "cpu_khz"
end

local function member(c, names)
  for _, n in ipairs(names) do
    if kd.has_member("struct cpuinfo_x86", n) then
      local v = c
      for part in n:gmatch("[^.]+") do v = v[part] end
      return v
    end
  end
  return nil
end

-- topology ids of a cpuinfo_x86 (6.1 names; 6.7+ moved them to c->topo)
function M.ids(c)
  return {
    pkg = member(c, { "phys_proc_id", "topo.pkg_id" }) or 0,
    core = member(c, { "cpu_core_id", "topo.core_id" }) or 0,
    die = member(c, { "cpu_die_id", "topo.die_id" }) or 0,
    apicid = member(c, { "apicid", "topo.apicid" }) or 0,
    initial_apicid = member(c, { "initial_apicid", "topo.initial_apicid" }) or 0,
    booted_cores = member(c, { "booted_cores" }) or 0,
  }
end

-- a per-CPU variable as an object of its own type (kd.per_cpu() takes a
-- pointer-typed variable, such as cpumask_var_t with OFFSTACK, for a
-- __percpu pointer)
function M.per_cpu_var(name, c)
  local base = kd.symbol_address(name)
  if not base then return nil end
  local t = sym(name):type_()
  return kd.object(t, base + sym("__per_cpu_offset")[c])
end

local function per_cpu_mask(name, c)
  local v = M.per_cpu_var(name, c)
  if not v then return nil end
  return M.mask_cpus(v)
end

-- show_cpuinfo() for one CPU
function M.cpuinfo_one(cpu)
  local c = M.cpu_data(cpu)
  local out = {}
  local function put(s) out[#out + 1] = s end
  local vendor = c.x86_vendor_id:string_()
  local model_id = c.x86_model_id:string_()
  put(string.format("processor\t: %d\n", cpu))
  put(string.format("vendor_id\t: %s\n", vendor ~= "" and vendor or "unknown"))
  put(string.format("cpu family\t: %d\n", c.x86))
  put(string.format("model\t\t: %d\n", c.x86_model))
  put(string.format("model name\t: %s\n", model_id ~= "" and model_id or "unknown"))
  local stepping = kd.has_member("struct cpuinfo_x86", "x86_stepping") and c.x86_stepping or c.x86_mask -- < 4.15
  if stepping ~= 0 or c.cpuid_level >= 0 then
    put(string.format("stepping\t: %d\n", stepping))
  else
    put("stepping\t: unknown\n")
  end
  if c.microcode ~= 0 then put(string.format("microcode\t: 0x%x\n", c.microcode)) end
  local words = caps(c)
  local tsc = M.feature_bit("tsc")
  if tsc and has_bit(words, tsc) then
    local f = M.freq_khz(cpu)
    put(string.format("cpu MHz\t\t: %d.%03d\n", f // 1000, f % 1000))
  end
  if c.x86_cache_size ~= 0 then put(string.format("cache size\t: %d KB\n", c.x86_cache_size)) end
  if kd.symbol_address("cpu_core_map") then -- CONFIG_SMP
    local ids = M.ids(c)
    put(string.format("physical id\t: %d\n", ids.pkg))
    put(string.format("siblings\t: %d\n", #(per_cpu_mask("cpu_core_map", cpu) or {})))
    put(string.format("core id\t\t: %d\n", ids.core))
    put(string.format("cpu cores\t: %d\n", ids.booted_cores))
    put(string.format("apicid\t\t: %d\n", ids.apicid))
    put(string.format("initial apicid\t: %d\n", ids.initial_apicid))
  end
  put(string.format("fpu\t\t: yes\nfpu_exception\t: yes\ncpuid level\t: %d\nwp\t\t: yes\n", c.cpuid_level))
  put("flags\t\t:")
  for _, f in ipairs(M.flags(c)) do put(" " .. f) end
  -- CONFIG_X86_VMX_FEATURE_NAMES: "vmx flags" for VMX CPUs
  local vmxbit = M.feature_bit("vmx")
  if vmxbit and has_bit(words, vmxbit) and kd.has_member("struct cpuinfo_x86", "vmx_capability")
     and c.vmx_capability[0] ~= 0 then
    local names = strarray("x86_vmx_flags")
    if names then
      put("\nvmx flags\t:")
      local arr = c.vmx_capability
      local vw = {}
      for i = 0, #arr - 1 do vw[i] = arr[i] end
      for i = 0, names.n - 1 do
        if names.ptr[i] ~= 0 and has_bit(vw, i) then put(" " .. names[i]) end
      end
    end
  end
  put("\nbugs\t\t:")
  for _, b in ipairs(M.bugs(c)) do put(" " .. b) end
  local lpj, HZ = c.loops_per_jiffy, hz()
  put(string.format("\nbogomips\t: %d.%02d\n", lpj // (500000 // HZ), (lpj // (5000 // HZ)) % 100))
  if kd.has_member("struct cpuinfo_x86", "x86_tlbsize") and c.x86_tlbsize > 0 then
    put(string.format("TLB size\t: %d 4K pages\n", c.x86_tlbsize))
  end
  put(string.format("clflush size\t: %d\n", c.x86_clflush_size))
  put(string.format("cache_alignment\t: %d\n", c.x86_cache_alignment))
  put(string.format("address sizes\t: %d bits physical, %d bits virtual\n", c.x86_phys_bits, c.x86_virt_bits))
  put("power management:")
  local pf = strarray("x86_power_flags")
  local pw = c.x86_power
  for i = 0, 31 do
    if (pw >> i) & 1 == 1 then
      local n = pf and i < pf.n and pf[i] or nil
      if n then put((n ~= "" and " " or "") .. n) else put(string.format(" [%d]", i)) end
    end
  end
  put("\n\n")
  return table.concat(out)
end

-- /proc/cpuinfo: every online CPU (the set before the panic)
function M.cpuinfo()
  if kd.dump_info().arch ~= "x86_64" and not kd.has_type("struct cpuinfo_x86") then
    return nil, "cpuinfo is only rebuilt for x86 (" .. tostring(kd.dump_info().arch) .. ")"
  end
  local out = {}
  for _, c in ipairs(M.online()) do out[#out + 1] = M.cpuinfo_one(c) end
  return table.concat(out)
end

-- }======

-- {====== topology (drivers/base/topology.c, x86 definitions) ======

-- name -> function(cpu) returning the file's text; in the kernel's
-- attribute order.  ppin (shown only when non-zero, and root only) is not
-- listed.
function M.topology_files()
  local files = {}
  local function id(name, f) files[#files + 1] = { name, function(c) return string.format("%d\n", f(c)) end } end
  local function masks(name, var)
    files[#files + 1] = { name, function(c)
      local m = per_cpu_mask(var, c)
      if not m then return nil, var .. " not in the dump" end
      return M.mask_hex(m) .. "\n"
    end }
    files[#files + 1] = { name .. "_list", function(c)
      local m = per_cpu_mask(var, c)
      if not m then return nil, var .. " not in the dump" end
      return M.mask_list(m) .. "\n"
    end }
  end
  id("physical_package_id", function(c) return M.ids(M.cpu_data(c)).pkg end)
  id("die_id", function(c) return M.ids(M.cpu_data(c)).die end)
  if kd.symbol_address("cpu_l2c_id") then -- TOPOLOGY_CLUSTER_SYSFS (x86 5.16+)
    id("cluster_id", function(c) return kd.per_cpu("cpu_l2c_id", c):value_() end)
  elseif kd.has_member("struct cpuinfo_topology", "l2c_id") then
    -- 6.7 "x86/cpu: Move cpu_l2c_id into topology info": cpu_data(cpu).topo.l2c_id
    id("cluster_id", function(c) return M.cpu_data(c).topo.l2c_id end)
  end
  id("core_id", function(c) return M.ids(M.cpu_data(c)).core end)
  masks("core_cpus", "cpu_sibling_map")
  masks("thread_siblings", "cpu_sibling_map")
  masks("core_siblings", "cpu_core_map")
  if kd.symbol_address("cpu_l2c_shared_map") then masks("cluster_cpus", "cpu_l2c_shared_map") end
  if kd.symbol_address("cpu_die_map") then masks("die_cpus", "cpu_die_map") end
  masks("package_cpus", "cpu_core_map")
  return files
end

-- }======

-- {====== lscpu ======

-- util-linux's size_to_human_string(SIZE_SUFFIX_3LETTER|SIZE_SUFFIX_SPACE)
local function human(bytes)
  local units = { "B", "KiB", "MiB", "GiB", "TiB" }
  local u, v = 1, bytes
  while v >= 1024 and u < #units do v = v / 1024; u = u + 1 end
  if v == math.floor(v) then return string.format("%d %s", v, units[u]) end
  local str = string.format("%.1f", v):gsub("%.0$", "")
  return str .. " " .. units[u]
end

-- util-linux cpulist_create(): runs of 3+ as "a-b", a pair as "a,b"
local function ul_cpulist(cpus)
  local list = {}
  for _, c in ipairs(cpus) do list[#list + 1] = c end
  table.sort(list)
  local out, i = {}, 1
  while i <= #list do
    local j = i
    while j < #list and list[j + 1] == list[j] + 1 do j = j + 1 end
    if j == i then out[#out + 1] = tostring(list[i])
    elseif j == i + 1 then out[#out + 1] = list[i] .. "," .. list[j]
    else out[#out + 1] = list[i] .. "-" .. list[j] end
    i = j + 1
  end
  return table.concat(out, ",")
end

-- cacheinfo leaves of a CPU: {level, type, size, cpus}
local function cache_leaves(c)
  if not kd.symbol_address("ci_cpu_cacheinfo") then return {} end
  local ci = kd.per_cpu("ci_cpu_cacheinfo", c)
  local out = {}
  if ci.info_list == nil then return out end
  for i = 0, ci.num_leaves - 1 do
    local l = ci.info_list[i]
    -- id: the leaf's cache/index<i>/id file, shown with CACHE_ID (bit 4)
    out[#out + 1] = { level = l.level, type = l.type, size = l.size,
                      cpus = M.mask_cpus(l.shared_cpu_map),
                      id = (l.attributes & 16) ~= 0 and l.id or nil }
  end
  return out
end

-- {====== hotplug and NUMA CPU sets (drivers/base/{cpu,core,node}.c) ======

-- a bool bitfield as a Lua truth value
local function set_bit(v) return v == true or (type(v) == "number" and v ~= 0) end

-- cpu<c>/online (drivers/base/core.c online_show, "%u" of !dev->offline):
-- 1 or 0 for a registered CPU device (per_cpu cpu_sys_devices, the
-- present CPUs) whose bus can offline it and that is hot-pluggable
-- (!dev->offline_disabled; x86 leaves CPU 0 out), nil when there is no
-- such file.  dev->offline is the hotplug state: the CPUs the panic
-- stopped keep 0 there (online).
function M.sysfs_online(c)
  if not kd.symbol_address("cpu_sys_devices") then return nil end
  local ok, v = pcall(function()
    local p = M.per_cpu_var("cpu_sys_devices", c)
    if p == nil or p:value_() == 0 then return nil end
    local dev = p:deref_()
    if set_bit(dev.offline_disabled) or dev.bus == nil or dev.bus.online == nil or dev.bus.offline == nil then
      return nil
    end
    return set_bit(dev.offline) and 0 or 1
  end)
  return ok and v or nil
end

-- the CPUs of NUMA node nid that were online before the panic:
-- cpumask_of_node() (node_to_cpumask_map[nid], a pointer with
-- CONFIG_CPUMASK_OFFSTACK) & cpu_online_mask, as node<N>/cpulist shows
function M.node_cpus(nid)
  local map = sym("node_to_cpumask_map")
  if not map then return nil end
  local m = map[nid]
  local in_node = {}
  for _, c in ipairs(M.mask_cpus(m)) do in_node[c] = true end
  local out = {}
  for _, c in ipairs(M.online()) do if in_node[c] then out[#out + 1] = c end end
  return out
end

-- }======

-- {====== cacheinfo sysfs (drivers/base/cacheinfo.c, 6.1 = 6.12) ======

-- CACHE_* attribute bits of include/linux/cacheinfo.h
local CACHE_WRITE_THROUGH, CACHE_WRITE_BACK = 1, 2
local CACHE_READ_ALLOCATE, CACHE_WRITE_ALLOCATE, CACHE_ID = 4, 8, 16

-- the files of cpu<c>/cache/index<i>/ as cache_default_attrs[] lists
-- them, each shown when cache_default_attrs_is_visible() says so: a list
-- of {leaf index, {name, text}...}, empty when the CPU has no cacheinfo
function M.cache_files(c)
  if not kd.symbol_address("ci_cpu_cacheinfo") then return {} end
  local ci = kd.per_cpu("ci_cpu_cacheinfo", c)
  if ci.info_list == nil then return {} end
  local function enum(n)
    local ok, v = pcall(kd.enum_value, "enum cache_type", n)
    return ok and v or nil
  end
  local TYPES = { [enum("CACHE_TYPE_DATA") or 2] = "Data", [enum("CACHE_TYPE_INST") or 1] = "Instruction",
                  [enum("CACHE_TYPE_UNIFIED") or 4] = "Unified" }
  local out = {}
  for i = 0, ci.num_leaves - 1 do
    local l = ci.info_list[i]
    local a = l.attributes
    local files = {}
    local function add(name, cond, text) if cond then files[#files + 1] = { name, text } end end
    local shared = M.mask_cpus(l.shared_cpu_map)
    add("id", a & CACHE_ID ~= 0, string.format("%d\n", l.id))
    -- a type outside the three (CACHE_TYPE_SEPARATE) reads -EINVAL: no file
    add("type", l.type ~= 0 and TYPES[l.type] ~= nil, (TYPES[l.type] or "") .. "\n")
    add("level", l.level ~= 0, string.format("%d\n", l.level))
    add("shared_cpu_map", #shared > 0, M.mask_hex(shared) .. "\n")
    add("shared_cpu_list", #shared > 0, M.mask_list(shared) .. "\n")
    add("coherency_line_size", l.coherency_line_size ~= 0, string.format("%d\n", l.coherency_line_size))
    add("ways_of_associativity", l.size ~= 0, string.format("%d\n", l.ways_of_associativity))
    add("number_of_sets", l.number_of_sets ~= 0, string.format("%d\n", l.number_of_sets))
    add("size", l.size ~= 0, string.format("%dK\n", l.size >> 10))
    local alloc = (a & CACHE_READ_ALLOCATE ~= 0 and a & CACHE_WRITE_ALLOCATE ~= 0 and "ReadWriteAllocate")
      or (a & CACHE_READ_ALLOCATE ~= 0 and "ReadAllocate") or (a & CACHE_WRITE_ALLOCATE ~= 0 and "WriteAllocate")
    add("allocation_policy", alloc ~= false and alloc ~= nil, (alloc or "") .. "\n")
    local wp = (a & CACHE_WRITE_THROUGH ~= 0 and "WriteThrough") or (a & CACHE_WRITE_BACK ~= 0 and "WriteBack")
    add("write_policy", wp ~= false and wp ~= nil, (wp or "") .. "\n")
    add("physical_line_partition", l.physical_line_partition ~= 0, string.format("%d\n", l.physical_line_partition))
    out[#out + 1] = { i, files }
  end
  return out
end

-- }======

-- `lscpu` as sos records it (util-linux 2.38 summary with its output not
-- a terminal: one flat "Key: value" table, no section headers, the keys
-- padded to the longest one); returns text, and the parts that a dump
-- cannot give (for the stub header).  Counts as lscpu-topology.c makes
-- them from the online CPUs' sysfs files: cores = distinct
-- thread_siblings masks, sockets = distinct core_siblings masks, cores
-- per socket = cores / sockets; cache instances = distinct cache ids
-- (else distinct shared_cpu_maps) per cache name, sizes summed.
function M.lscpu()
  local online = M.online()
  local present = M.present()
  local first = online[1] or 0
  local c = M.cpu_data(first)
  local flags = M.flags(c)
  local fset = {}
  for _, f in ipairs(flags) do fset[f] = true end
  local rows = {}
  local function add(name, value) rows[#rows + 1] = { name, value } end
  local uts = kd.uts()
  add("Architecture:", uts.machine or kd.dump_info().arch or "")
  if fset.lm then add("CPU op-mode(s):", "32-bit, 64-bit") end
  add("Address sizes:", string.format("%d bits physical, %d bits virtual", c.x86_phys_bits, c.x86_virt_bits))
  add("Byte Order:", "Little Endian")
  add("CPU(s):", tostring(#present))
  add("On-line CPU(s) list:", ul_cpulist(online))
  local on = {}
  for _, x in ipairs(online) do on[x] = true end
  local off = {}
  for _, x in ipairs(present) do if not on[x] then off[#off + 1] = x end end
  if #off > 0 then add("Off-line CPU(s) list:", ul_cpulist(off)) end
  local vendor = c.x86_vendor_id:string_()
  add("Vendor ID:", vendor)
  add("Model name:", c.x86_model_id:string_())
  add("CPU family:", tostring(c.x86))
  add("Model:", tostring(c.x86_model))
  local cores, sockets = {}, {}
  local ncores, nsockets = 0, 0
  for _, x in ipairs(online) do
    local t = table.concat(per_cpu_mask("cpu_sibling_map", x) or { x }, ",")
    local s = table.concat(per_cpu_mask("cpu_core_map", x) or { x }, ",")
    if not cores[t] then cores[t] = true; ncores = ncores + 1 end
    if not sockets[s] then sockets[s] = true; nsockets = nsockets + 1 end
  end
  ncores, nsockets = math.max(ncores, 1), math.max(nsockets, 1)
  add("Thread(s) per core:", tostring(math.max(#online // ncores, 1)))
  add("Core(s) per socket:", tostring(ncores // nsockets))
  add("Socket(s):", tostring(nsockets))
  add("Stepping:", tostring(kd.has_member("struct cpuinfo_x86", "x86_stepping") and c.x86_stepping or c.x86_mask))
  local lpj, HZ = c.loops_per_jiffy, hz()
  add("BogoMIPS:", string.format("%d.%02d", lpj // (500000 // HZ), (lpj // (5000 // HZ)) % 100))
  add("Flags:", table.concat(flags, " "))
  local virt = fset.svm and "AMD-V" or (fset.vmx and "VT-x") or nil
  if virt then add("Virtualization:", virt) end
  local ht = sym("x86_hyper_type")
  if ht then
    local ok, name = pcall(kd.enum_name, "enum x86_hypervisor_type", ht:value_())
    local names = { X86_HYPER_VMWARE = "VMware", X86_HYPER_MS_HYPERV = "Microsoft",
                    X86_HYPER_XEN_PV = "Xen", X86_HYPER_XEN_HVM = "Xen", X86_HYPER_KVM = "KVM",
                    X86_HYPER_JAILHOUSE = "Jailhouse", X86_HYPER_ACRN = "ACRN" }
    if ok and names[name] then
      add("Hypervisor vendor:", names[name])
      add("Virtualization type:", "full")
    end
  end
  -- caches: distinct instances per name, summed
  local kinds, order = {}, {}
  local TYPE = { [1] = "i", [2] = "d", [3] = "", [4] = "" } -- CACHE_TYPE_INST/DATA/SEPARATE/UNIFIED
  for _, x in ipairs(online) do
    for _, l in ipairs(cache_leaves(x)) do
      local name = "L" .. l.level .. (TYPE[l.type] or "")
      local k = kinds[name]
      if not k then k = { size = 0, n = 0, seen = {} }; kinds[name] = k; order[#order + 1] = name end
      local key = l.id and ("id " .. l.id) or table.concat(l.cpus, ",")
      if not k.seen[key] then k.seen[key] = true; k.size = k.size + l.size; k.n = k.n + 1 end
    end
  end
  table.sort(order)
  for _, name in ipairs(order) do
    local k = kinds[name]
    add(name .. " cache:", string.format("%s (%d instance%s)", human(k.size), k.n, k.n == 1 and "" or "s"))
  end
  -- NUMA: every node folder (the online nodes) with its cpumap, the
  -- node's CPUs that are online (lscpu reads node<N>/cpumap; a node
  -- without CPUs gets an empty list)
  local nodes = {}
  if kd.symbol_address("node_to_cpumask_map") then
    local mm = require("kernel.mm")
    local nn = ival(sym("nr_node_ids")) or 1
    for n = 0, nn - 1 do
      if mm.node_state(n, "N_ONLINE") then
        local ok, cpus = pcall(M.node_cpus, n)
        if ok and cpus then nodes[#nodes + 1] = { n, cpus } end
      end
    end
  end
  if #nodes > 0 then
    add("NUMA node(s):", tostring(#nodes))
    for _, nd in ipairs(nodes) do add(string.format("NUMA node%d CPU(s):", nd[1]), ul_cpulist(nd[2])) end
  end
  local w = 0
  for _, r in ipairs(rows) do if #r[1] > w then w = #r[1] end end
  local out = {}
  for _, r in ipairs(rows) do
    out[#out + 1] = (r[1] .. string.rep(" ", w + 1 - #r[1]) .. r[2]):gsub("%s+$", "") .. "\n"
  end
  local missing = "not in the dump: Vulnerabilities (the kernel computes them at read time from its mitigation state), " ..
    "BIOS vendor/model (DMI type 4), CPU MHz of cpufreq, the hypervisor vendor lscpu reads with CPUID; " ..
    "so the key column is narrower than the live one (lscpu pads to its longest key)"
  return table.concat(out), missing
end

-- }======

return M
