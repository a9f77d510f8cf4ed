-- kernel/mm.lua: memory-management state of the dump and the /proc files
-- and tools built on it (proc/meminfo, vmstat, zoneinfo, buddyinfo,
-- pagetypeinfo, swaps, vmallocinfo; procps `free`, util-linux `swapon`
-- and `lsmem`).
--
-- Formats follow the 6.1 sources (fs/proc/meminfo.c, mm/vmstat.c,
-- mm/swapfile.c, mm/vmalloc.c, drivers/base/memory.c); where layouts differ
-- between kernel versions the code asks kd.has_member / kd.has_type (or,
-- for changes that left no trace in the types, the release) and says so.
--
-- Counters: the kernel keeps the global, per-node and per-zone vmstat
-- counters as atomics plus per-CPU deltas that are folded in every second
-- or so; /proc shows the atomics alone, and so does this file.  Sums "over
-- online CPUs" use the CPUs that were online until the panic (report.cpus:
-- a panic takes the other CPUs out of cpu_online_mask, but their per-CPU
-- counters are intact and user space saw them).
--
-- Mirrors: fs/proc/meminfo.c, mm/vmstat.c, mm/vmalloc.c, mm/swapfile.c,
--   lib/percpu_counter.c, drivers/base/memory.c, drivers/base/node.c (numastat, vmstat)

local M = {}
local util = require("kernel.util")

-- {====== small helpers ======

local function sym(name)
  if not kd.symbol_address(name) then return nil end
  local ok, o = pcall(kd.symbol, name)
  if ok then return o end
  return nil
end
-- the object of a global symbol, nil when it is absent or cannot be typed
M.sym = sym

local function has_sym(name) return kd.symbol_address(name) ~= nil end
-- true when the symbol is in the symbol table
M.has_sym = has_sym

local function has_member(t, m)
  local ok, r = pcall(kd.has_member, t, m)
  return ok and r
end

-- integer value of an integer/atomic object (atomic_t, atomic_long_t,
-- atomic64_t: their counter)
local function ival(o)
  if o == nil then return 0 end
  if math.type(o) == "integer" then return o end
  if type(o) == "boolean" then return o and 1 or 0 end
  local ok, v = pcall(function() return o.counter end)
  if ok and math.type(v) == "integer" then return v end
  return o:value_()
end
M.ival = ival

-- integer value of a global (nil when the kernel has no such symbol)
function M.int(name)
  local o = sym(name)
  if o == nil then return nil end
  return ival(o)
end

local function u(v) return v < 0 and 0 or v end   -- kernel clamps negatives (CONFIG_SMP)

local cache = {}
local function memo(key, fn)
  local v = cache[key]
  if v == nil then v = fn(); cache[key] = v end
  return v
end

-- page size in bytes (vmcoreinfo PAGESIZE, else the dump's, else 4096), memoized
function M.page_size()
  return memo("page_size", function()
    local ps = tonumber(kd.vmcoreinfo("PAGESIZE") or "")
    if not ps then ps = kd.dump_info().page_size end
    return ps or 4096
  end)
end
-- log2 of the page size (PAGE_SHIFT), memoized
function M.page_shift()
  return memo("page_shift", function()
    local s, p = 0, M.page_size()
    while (1 << s) < p do s = s + 1 end
    return s
  end)
end
-- pages -> kB
function M.kb(pages) return pages << (M.page_shift() - 10) end

local function little_endian()
  return memo("le", function()
    local arch = kd.dump_info().arch or ""
    return not (arch:find("s390") or arch:find("ppc64$") or arch:find("sparc")
                or arch:find("mips$") or arch == "ppc")
  end)
end

-- n signed 64-bit words at addr, 0-based table
function M.read_longs(addr, n, unsigned)
  local out = {}
  if n <= 0 then return out end
  local s = kd.read(addr, 8 * n)
  local fmt = (little_endian() and "<" or ">") .. (unsigned and "I8" or "i8")
  local pos = 1
  for i = 0, n - 1 do out[i], pos = string.unpack(fmt, s, pos) end
  return out
end

-- the CPUs user space saw online (see report.cpus), else kd.cpus()
function M.online_cpus()
  return memo("online_cpus", function()
    local ok, cpus = pcall(require, "report.cpus")
    if ok then
      local ok2, list = pcall(cpus.list)
      if ok2 and list and #list > 0 then return list end
    end
    return kd.cpus()
  end)
end
-- the possible CPUs (else the online ones), memoized
function M.possible_cpus()
  return memo("possible_cpus", function()
    local ok, l = pcall(kd.cpus, "possible")
    return ok and l or M.online_cpus()
  end)
end

-- enumerators of an enum type: {name -> value}, {value -> name}
function M.enum(tname)
  return memo("enum:" .. tname, function()
    local byname, byval = {}, {}
    if kd.has_type(tname) then
      for _, e in ipairs(kd.type(tname).enumerators or {}) do
        byname[e.name] = e.value
        if byval[e.value] == nil then byval[e.value] = e.name end
      end
    end
    return { byname = byname, byval = byval }
  end)
end
local function ev(tname, name) return M.enum(tname).byname[name] end
-- the value of enumerator name in enum type tname, nil when absent
M.enum_value = ev

-- percpu_counter_sum(): count + every online CPU's delta (the 6.1
-- lib/percpu_counter.c __percpu_counter_sum)
function M.percpu_counter_sum(pc)
  local sum = ival(pc.count)
  local ctr = pc:member_("counters")
  if ctr:value_() ~= 0 then
    for _, cpu in ipairs(M.online_cpus()) do
      sum = sum + kd.per_cpu(ctr, cpu):value_()
    end
  end
  return sum
end

-- }======

-- {====== nodes and zones ======

-- online nodes' pg_data_t objects, in node order (for_each_online_pgdat)
function M.pgdats()
  return memo("pgdats", function()
    local out = {}
    local nd = sym("node_data")
    if nd == nil then           -- !CONFIG_NUMA: one node
      local c = sym("contig_page_data")
      if c then out[1] = c end
      return out
    end
    local n_online = ev("enum node_states", "N_ONLINE") or 1
    local ns = sym("node_states")
    local bits = ns and ns[n_online].bits
    local nwords = bits and #bits or 0
    local max = #nd
    for nid = 0, max - 1 do
      local online = true
      if bits then
        local w = nid // 64
        online = w < nwords and ((bits[w] >> (nid % 64)) & 1) == 1
      end
      if online then
        local p = nd[nid]
        if p ~= nil then out[#out + 1] = p end
      end
    end
    return out
  end)
end

-- true when node nid is in node_states[state] ("N_MEMORY", ...; node_state()),
-- true when the kernel has no such mask
function M.node_state(nid, state)
  local idx = ev("enum node_states", state)
  local ns = sym("node_states")
  if not idx or not ns then return true end
  local bits = ns[idx].bits
  local w = nid // 64
  if w >= #bits then return false end
  return ((bits[w] >> (nid % 64)) & 1) == 1
end

-- every zone of a node (MAX_NR_ZONES of them, populated or not)
function M.zones(pgdat)
  local out = {}
  local zs = pgdat.node_zones
  for i = 0, #zs - 1 do out[#out + 1] = zs[i] end
  return out
end

-- every zone of every online node (for_each_zone)
function M.all_zones()
  return memo("all_zones", function()
    local out = {}
    for _, pg in ipairs(M.pgdats()) do
      for _, z in ipairs(M.zones(pg)) do out[#out + 1] = z end
    end
    return out
  end)
end

-- the zone's name ("DMA", "Normal", ...)
function M.zone_name(z) return z.name:string_() end
-- true when the zone has present pages (populated_zone)
function M.populated(z) return z.present_pages ~= 0 end
-- pages the buddy allocator manages in the zone (zone_managed_pages)
function M.managed_pages(z) return ival(z.managed_pages) end   -- atomic_long_t since 5.0
-- first pfn after the zone's span (zone_end_pfn)
function M.zone_end_pfn(z) return z.zone_start_pfn + z.spanned_pages end

-- watermark pages incl. the boost (min/low/high_wmark_pages())
function M.wmark(z, which)
  local idx = ev("enum zone_watermarks", "WMARK_" .. which:upper()) or
    ({ MIN = 0, LOW = 1, HIGH = 2 })[which:upper()]
  if has_member("struct zone", "_watermark") then           -- 5.0+
    local boost = has_member("struct zone", "watermark_boost") and z.watermark_boost or 0
    return z._watermark[idx] + boost
  end
  return z.watermark[idx]                                   -- before 5.0
end

-- }======

-- {====== vmstat counters ======

-- vmstat_text layout of this kernel (mm/vmstat.c):
--   zone items | numa events (CONFIG_NUMA) | node items | 2 writeback
--   thresholds | vm events (CONFIG_VM_EVENT_COUNTERS)
-- counts come from the enums, names from the vmstat_text array in the
-- dump.  {zone_n, numa_n, node_n, wb_n, ev_n, names = {0-based}}
function M.vmstat_layout()
  return memo("vmstat_layout", function()
    local L = {}
    L.zone_n = ev("enum zone_stat_item", "NR_VM_ZONE_STAT_ITEMS") or 0
    -- 5.14+: numa_stat_item holds events (NR_VM_NUMA_EVENT_ITEMS, array
    -- vm_numa_event); 4.14-5.13: NR_VM_NUMA_STAT_ITEMS, vm_numa_stat;
    -- before 4.14 the NUMA counters were zone items
    L.numa_n = ev("enum numa_stat_item", "NR_VM_NUMA_EVENT_ITEMS")
      or ev("enum numa_stat_item", "NR_VM_NUMA_STAT_ITEMS") or 0
    L.numa_sym = has_sym("vm_numa_event") and "vm_numa_event"
      or (has_sym("vm_numa_stat") and "vm_numa_stat") or nil
    if L.numa_sym == nil then L.numa_n = 0 end
    L.node_n = ev("enum node_stat_item", "NR_VM_NODE_STAT_ITEMS") or 0   -- 4.8+
    -- 6.11 "mm: report per-page metadata information": enum vm_stat_item
    -- (dirty thresholds + nr_memmap_pages, nr_memmap_boot_pages) replaces
    -- enum writeback_stat_item
    -- (kd.has_kernel_type: core enums no module defines, so the one this
    -- kernel lacks is not looked for in every module's debug file)
    L.wb_n = (kd.has_kernel_type("enum vm_stat_item") and ev("enum vm_stat_item", "NR_VM_STAT_ITEMS"))
      or (kd.has_kernel_type("enum writeback_stat_item")
          and ev("enum writeback_stat_item", "NR_VM_WRITEBACK_STAT_ITEMS")) or 2
    L.ev_n = 0
    if has_sym("vm_event_states") then
      L.ev_n = ev("enum vm_event_item", "NR_VM_EVENT_ITEMS") or 0
    end
    local total = L.zone_n + L.numa_n + L.node_n + L.wb_n + L.ev_n
    local addr = kd.symbol_address("vmstat_text")
    -- the ELF symbol's size bounds the array (its DWARF type is char *[])
    local _, _, _, size = kd.symbolize(addr)
    if size and size > 0 and size // 8 < total then
      error(string.format("vmstat_text has %d entries, the enums need %d", size // 8, total))
    end
    local ptrs = M.read_longs(addr, total, true)
    local names = {}
    for i = 0, total - 1 do names[i] = kd.read_string(ptrs[i], 64) end
    L.names = names
    L.total = total
    return L
  end)
end

-- global counters (the atomics /proc shows), 0-based arrays
function M.global_zone_stats()
  local L = M.vmstat_layout()
  local r = M.read_longs(kd.symbol_address("vm_zone_stat"), L.zone_n)
  for i = 0, L.zone_n - 1 do r[i] = u(r[i]) end
  return r
end

-- the vm_node_stat counters (node_stat_item), as a table indexed from 0
function M.global_node_stats()
  local L = M.vmstat_layout()
  local r = M.read_longs(kd.symbol_address("vm_node_stat"), L.node_n)
  for i = 0, L.node_n - 1 do r[i] = u(r[i]) end
  return r
end

local function numa_pcp_field()
  if has_member("struct per_cpu_zonestat", "vm_numa_event") then
    return "per_cpu_zonestats", "vm_numa_event"                -- 5.14+
  elseif has_member("struct per_cpu_pageset", "vm_numa_stat_diff") then
    return "pageset", "vm_numa_stat_diff"                      -- 4.14-5.13
  end
end

-- per-zone NUMA event counters after fold_vm_zone_numa_events(): the
-- zone's atomics plus every online CPU's pending deltas
function M.zone_numa_events(z)
  local L = M.vmstat_layout()
  local out = {}
  if L.numa_n == 0 then return out end
  local arr = has_member("struct zone", "vm_numa_event") and z.vm_numa_event or z.vm_numa_stat
  local base = M.read_longs(arr:address_(), L.numa_n)
  for i = 0, L.numa_n - 1 do out[i] = base[i] end
  local pname, field = numa_pcp_field()
  if pname then
    local pcp = z:member_(pname)
    if pcp:value_() ~= 0 then
      for _, cpu in ipairs(M.online_cpus()) do
        local d = kd.per_cpu(pcp, cpu)[field]
        for i = 0, L.numa_n - 1 do out[i] = out[i] + d[i] end
      end
    end
  end
  return out
end

-- global NUMA events (fold_vm_numa_events() then the global atomics)
function M.global_numa_events()
  local L = M.vmstat_layout()
  local out = {}
  if L.numa_n == 0 then return out end
  local g = M.read_longs(kd.symbol_address(L.numa_sym), L.numa_n)
  for i = 0, L.numa_n - 1 do out[i] = g[i] end
  -- 5.14+ folds the per-CPU deltas first (fold_vm_numa_events); 4.14-5.13
  -- printed the global vm_numa_stat atomics alone
  local pname, field = numa_pcp_field()
  if pname and L.numa_sym == "vm_numa_event" then
    for _, z in ipairs(M.all_zones()) do
      if M.populated(z) then
        local pcp = z:member_(pname)
        if pcp:value_() ~= 0 then
          for _, cpu in ipairs(M.online_cpus()) do
            local d = kd.per_cpu(pcp, cpu)[field]
            for i = 0, L.numa_n - 1 do out[i] = out[i] + d[i] end
          end
        end
      end
    end
  end
  return out
end

-- vm events summed over the online CPUs (all_vm_events())
function M.vm_events()
  local L = M.vmstat_layout()
  local out = {}
  for i = 0, L.ev_n - 1 do out[i] = 0 end
  if L.ev_n == 0 then return out end
  local v = sym("vm_event_states")
  for _, cpu in ipairs(M.online_cpus()) do
    local r = M.read_longs(kd.per_cpu(v, cpu):address_(), L.ev_n, true)
    for i = 0, L.ev_n - 1 do out[i] = out[i] + r[i] end
  end
  return out
end

-- value of one zone/node item by enum name (global_*_page_state)
function M.zone_state(name)
  return memo("zs:" .. name, function()
    local i = ev("enum zone_stat_item", name)
    if i == nil then return 0 end
    return M.global_zone_stats()[i]
  end)
end
-- the global value of the node_stat_item called name ("NR_FILE_PAGES", ...), nil when
-- the kernel has none, memoized
function M.node_state_value(name)
  return memo("ns:" .. name, function()
    local i = ev("enum node_stat_item", name)
    if i == nil then return nil end
    return M.global_node_stats()[i]
  end)
end
local function node_pages(name) return M.node_state_value(name) or 0 end

-- THP counters kept in pages but printed in huge pages in vmstat/zoneinfo
-- (vmstat_item_print_in_thp, 5.12+: "convert NR_ANON_THPS account to pages";
-- before, they counted huge pages)
local THP_ITEMS = { NR_ANON_THPS = true, NR_FILE_THPS = true, NR_SHMEM_THPS = true,
                    NR_SHMEM_PMDMAPPED = true, NR_FILE_PMDMAPPED = true }
-- pages in a PMD-sized huge page (HPAGE_PMD_NR)
function M.hpage_pmd_nr()
  -- HPAGE_PMD_NR = 1 << (PMD_SHIFT - PAGE_SHIFT): 512 with 4 KiB pages on
  -- x86_64/arm64 (a page of 8-byte entries)
  return M.page_size() // 8
end
local function thp_enabled() return has_sym("transparent_hugepage_flags") end
-- the THP node counters (NR_ANON_THPS, ...) count pages, not huge pages:
-- 5.12 "mm: memcontrol: convert NR_ANON_THPS account to pages" left no
-- trace in the types; NR_SWAPCACHE came in the same release's mm series
-- ("mm: memcg: add swapcache stat for memcg v2"), the nearest probe
function M.thp_counted_in_pages()
  return memo("thp_in_pages", function()
    return M.enum("enum node_stat_item").byname.NR_SWAPCACHE ~= nil
  end)
end
-- true when /proc/vmstat shows node item node_item in THP units rather than pages
-- (mm/vmstat.c vmstat_item_print_in_thp, 5.12+)
function M.print_in_thp(node_item)
  if not thp_enabled() or not M.thp_counted_in_pages() then return false end
  local name = M.enum("enum node_stat_item").byval[node_item]
  return THP_ITEMS[name] == true
end

-- }======

-- {====== sizes and limits ======

-- total RAM pages the kernel manages (totalram_pages())
function M.totalram_pages()
  return M.int("_totalram_pages") or M.int("totalram_pages") or 0   -- 5.0+ / before
end
-- pages reserved from user allocations (totalreserve_pages)
function M.totalreserve_pages() return M.int("totalreserve_pages") or 0 end

-- hstates: {order, nr, free, resv, surp, default}
function M.hstates()
  return memo("hstates", function()
    local out = {}
    local hs = sym("hstates")
    if hs == nil then return out end
    local n = M.int("hugetlb_max_hstate") or 0
    local def = M.int("default_hstate_idx") or 0
    for i = 0, n - 1 do
      local h = hs[i]
      out[#out + 1] = { order = h.order, nr = h.nr_huge_pages, free = h.free_huge_pages,
        resv = h.resv_huge_pages, surp = h.surplus_huge_pages, default = (i == def) }
    end
    return out
  end)
end

-- base pages held by every huge page pool (mm/hugetlb.c hugetlb_total_pages)
function M.hugetlb_total_pages()
  local n = 0
  for _, h in ipairs(M.hstates()) do n = n + h.nr * (1 << h.order) end
  return n
end

-- vm_commit_limit()
function M.commit_limit()
  local kb = M.int("sysctl_overcommit_kbytes") or 0
  local allowed
  if kb ~= 0 then allowed = kb >> (M.page_shift() - 10)
  else
    allowed = (M.totalram_pages() - M.hugetlb_total_pages())
      * (M.int("sysctl_overcommit_ratio") or 50) // 100
  end
  return allowed + (M.int("total_swap_pages") or 0)
end

-- vm_memory_committed(): percpu_counter_sum_positive(&vm_committed_as)
-- (before, /proc/meminfo read only the central count): 5.9 "mm/util.c: make
-- vm_memory_committed() more accurate", in the series that added
-- overcommit_policy_handler (the probe)
function M.committed()
  local pc = sym("vm_committed_as")
  if pc == nil then return 0 end
  local v
  if has_sym("overcommit_policy_handler") then v = M.percpu_counter_sum(pc) else v = ival(pc.count) end
  return u(v)
end

-- nr_blockdev_pages(): page cache of the block-device inodes
function M.blockdev_pages()
  local sb = sym("blockdev_superblock")
  if sb == nil then return 0 end
  local n = 0
  local s = sb:deref_()
  for ino in kd.list(s.s_inodes, "struct inode", "i_sb_list") do
    n = n + ino.i_mapping.nrpages
  end
  return n
end

-- swap areas in use: {si, type, prio, pages, inuse, path, is_blk}
function M.swap_areas()
  return memo("swaps", function()
    local out = {}
    local si_arr = sym("swap_info")
    if si_arr == nil then return out end
    local n = M.int("nr_swapfiles") or #si_arr
    local SWP_USED = 1
    for t = 0, math.min(n, #si_arr) - 1 do
      local si = si_arr[t]
      if si ~= nil and (si.flags & SWP_USED) ~= 0 and si:member_("swap_map"):value_() ~= 0 then
        local f = si.swap_file
        local mode = f and f.f_inode and f.f_inode.i_mode or 0
        out[#out + 1] = { si = si, type = t, prio = si.prio, pages = si.pages,
          inuse = si.inuse_pages, file = f, is_blk = (mode & 0xf000) == 0x6000 }
      end
    end
    return out
  end)
end

-- si_swapinfo(): total and free swap pages (nr_swap_pages counts the free
-- ones of the usable areas; the in-use pages of an area being swapped off
-- are added to both)
function M.swap_totals()
  local total = M.int("total_swap_pages") or 0
  local free = M.int("nr_swap_pages") or 0
  for _, a in ipairs(M.swap_areas()) do
    local SWP_WRITEOK = 2
    if (a.si.flags & SWP_WRITEOK) == 0 then
      free = free + a.inuse
      total = total + a.inuse
    end
  end
  return total, u(free)
end

-- total_swapcache_pages()
function M.swapcache_pages()
  local n = 0
  local nr, sp = sym("nr_swapper_spaces"), sym("swapper_spaces")
  if not nr or not sp then return node_pages("NR_SWAPCACHE") end
  for _, a in ipairs(M.swap_areas()) do
    local cnt = nr[a.type]
    local spaces = sp[a.type]
    if spaces ~= nil then
      local sz = kd.type("struct address_space").size
      for j = 0, cnt - 1 do
        n = n + kd.object("struct address_space", spaces:value_() + j * sz).nrpages
      end
    end
  end
  return n
end

-- x86_64 vmalloc area [start, end] (VMALLOC_START/VMALLOC_END), or nil
function M.vmalloc_range()
  return memo("vmalloc_range", function()
    local arch = kd.dump_info().arch or ""
    if arch == "x86_64" then
      local start = M.int("vmalloc_base")
      local l5 = (M.int("__pgtable_l5_enabled") or 0) ~= 0
      if start == nil then   -- !CONFIG_DYNAMIC_MEMORY_LAYOUT (before 4.17)
        start = l5 and 0xffa0000000000000 or 0xffffc90000000000
      end
      local tb = l5 and 12800 or 32                    -- VMALLOC_SIZE_TB
      return { start = start, stop = start + (tb << 40) - 1 }
    end
    return false
  end) or nil
end

-- true when address a is in the vmalloc area (is_vmalloc_addr)
function M.is_vmalloc_addr(a)
  local r = M.vmalloc_range()
  return r ~= nil and math.ult(r.start - 1, a) and math.ult(a, r.stop)
end

-- }======

-- {====== %pK / %p pointer hashing (lib/vsprintf.c) ======

-- one implementation for all kernel libraries: kernel/vsprintf.lua; here
-- a key the debug info lacks prints as the kernel's placeholder
local vsprintf = require("kernel.vsprintf")
M.siphash_1u64 = vsprintf.siphash_1u64
-- address as printk's %p prints it (hashed), or "(____ptrval____)"
function M.p(addr) return vsprintf.p(addr) or "(____ptrval____)" end
-- address as printk's %pK prints it (kptr_restrict), or "(____ptrval____)"
function M.pK(addr) return vsprintf.pk(addr) or "(____ptrval____)" end
-- M.pK as a function made for this dump (vsprintf.pk_fn)
local function pK_fn()
  local pk = vsprintf.pk_fn()
  return function(addr) return pk(addr) or "(____ptrval____)" end
end

-- }======

-- {====== proc/meminfo ======

-- the values meminfo_proc_show() computes, in pages unless said otherwise
function M.meminfo_values()
  local v = {}
  local zs = function(n) return M.zone_state(n) end
  v.totalram = M.totalram_pages()
  v.freeram = zs("NR_FREE_PAGES")
  v.sharedram = node_pages("NR_SHMEM")
  v.bufferram = M.blockdev_pages()
  v.totalswap, v.freeswap = M.swap_totals()
  v.swapcache = M.swapcache_pages()
  local cached = node_pages("NR_FILE_PAGES") - v.swapcache - v.bufferram
  v.cached = cached < 0 and 0 or cached
  v.active_anon = node_pages("NR_ACTIVE_ANON")
  v.inactive_anon = node_pages("NR_INACTIVE_ANON")
  v.active_file = node_pages("NR_ACTIVE_FILE")
  v.inactive_file = node_pages("NR_INACTIVE_FILE")
  v.unevictable = node_pages("NR_UNEVICTABLE")
  v.mlock = zs("NR_MLOCK")
  -- slab counters: *_B names since 5.9 (bytes in memcg/lruvec, pages in
  -- the global and node counters)
  v.sreclaimable = M.node_state_value("NR_SLAB_RECLAIMABLE_B") or M.node_state_value("NR_SLAB_RECLAIMABLE") or 0
  v.sunreclaim = M.node_state_value("NR_SLAB_UNRECLAIMABLE_B") or M.node_state_value("NR_SLAB_UNRECLAIMABLE") or 0
  v.misc_reclaimable = node_pages("NR_KERNEL_MISC_RECLAIMABLE")
  -- si_mem_available()
  local wmark_low = 0
  for _, z in ipairs(M.all_zones()) do wmark_low = wmark_low + M.wmark(z, "low") end
  local avail = v.freeram - M.totalreserve_pages()
  local pagecache = v.active_file + v.inactive_file
  pagecache = pagecache - math.min(pagecache // 2, wmark_low)
  avail = avail + pagecache
  local reclaimable = v.sreclaimable + v.misc_reclaimable
  avail = avail + reclaimable - math.min(reclaimable // 2, wmark_low)
  v.available = avail < 0 and 0 or avail
  v.committed = M.committed()
  v.commit_limit = M.commit_limit()
  return v
end

local zswap_total_pages
local FILE_THP_FMT

local function kbline(out, label, pages)
  -- show_val_kb(): label padded to 16 columns, value %8lu
  out[#out + 1] = string.format("%-16s%8d kB\n", label, M.kb(pages))
end

-- zswap_total_pages() (6.10+): zsmalloc pools count pages_allocated;
-- nil, why for another zpool driver
function zswap_total_pages()
  local total = 0
  local head = sym("zswap_pools")
  for pool in kd.list(head, "struct zswap_pool", "list") do
    local zp = pool.zpool
    if zp ~= nil then
      local dtype = zp.driver.type:string_()
      if dtype ~= "zsmalloc" or not kd.has_type("struct zs_pool") then
        return nil, "pages of zpool driver " .. dtype .. " are not counted by kdlua"
      end
      total = total + ival(kd.object("struct zs_pool", zp.pool:value_()).pages_allocated)
    end
  end
  return total
end

-- text of /proc/meminfo (fs/proc/meminfo.c meminfo_proc_show); nil, what is missing,
-- and the partial text when a line cannot be computed
function M.meminfo()
  local missing
  local v = M.meminfo_values()
  local o = {}
  kbline(o, "MemTotal:", v.totalram)
  kbline(o, "MemFree:", v.freeram)
  kbline(o, "MemAvailable:", v.available)
  kbline(o, "Buffers:", v.bufferram)
  kbline(o, "Cached:", v.cached)
  kbline(o, "SwapCached:", v.swapcache)
  kbline(o, "Active:", v.active_anon + v.active_file)
  kbline(o, "Inactive:", v.inactive_anon + v.inactive_file)
  kbline(o, "Active(anon):", v.active_anon)
  kbline(o, "Inactive(anon):", v.inactive_anon)
  kbline(o, "Active(file):", v.active_file)
  kbline(o, "Inactive(file):", v.inactive_file)
  kbline(o, "Unevictable:", v.unevictable)
  kbline(o, "Mlocked:", v.mlock)
  -- CONFIG_HIGHMEM (32-bit only): totalhigh/freehigh
  if has_sym("_totalhigh_pages") or has_sym("totalhigh_pages") then
    local th = M.int("_totalhigh_pages") or M.int("totalhigh_pages") or 0
    local fh = 0
    for _, z in ipairs(M.all_zones()) do
      if M.zone_name(z) == "HighMem" then fh = fh + u(ival(z.vm_stat[0])) end
    end
    kbline(o, "HighTotal:", th)
    kbline(o, "HighFree:", fh)
    kbline(o, "LowTotal:", v.totalram - th)
    kbline(o, "LowFree:", v.freeram - fh)
  end
  kbline(o, "SwapTotal:", v.totalswap)
  kbline(o, "SwapFree:", v.freeswap)
  if has_sym("zswap_pool_total_size") then                      -- CONFIG_ZSWAP
    o[#o + 1] = string.format("Zswap:          %8d kB\n", (M.int("zswap_pool_total_size") or 0) >> 10)
    if has_sym("zswap_stored_pages") then                        -- 5.19+
      o[#o + 1] = string.format("Zswapped:       %8d kB\n", M.kb(M.int("zswap_stored_pages") or 0))
    end
  elseif has_sym("zswap_pools") then
    -- 6.10 "mm: zswap: ... zswap_total_pages()": no global size any more,
    -- the sum of zpool_get_total_pages() of the pools
    local pages, why = zswap_total_pages()
    if pages then
      kbline(o, "Zswap:", pages)
    else
      missing = "Zswap: " .. why
    end
    o[#o + 1] = string.format("Zswapped:       %8d kB\n", M.kb(M.int("zswap_stored_pages") or 0))
  end
  kbline(o, "Dirty:", node_pages("NR_FILE_DIRTY"))
  kbline(o, "Writeback:", node_pages("NR_WRITEBACK"))
  kbline(o, "AnonPages:", node_pages("NR_ANON_MAPPED"))
  kbline(o, "Mapped:", node_pages("NR_FILE_MAPPED"))
  kbline(o, "Shmem:", v.sharedram)
  kbline(o, "KReclaimable:", v.sreclaimable + v.misc_reclaimable)
  kbline(o, "Slab:", v.sreclaimable + v.sunreclaim)
  kbline(o, "SReclaimable:", v.sreclaimable)
  kbline(o, "SUnreclaim:", v.sunreclaim)
  -- NR_KERNEL_STACK_KB is in kB already
  o[#o + 1] = string.format("KernelStack:    %8d kB\n", node_pages("NR_KERNEL_STACK_KB"))
  if M.node_state_value("NR_KERNEL_SCS_KB") then                 -- CONFIG_SHADOW_CALL_STACK
    o[#o + 1] = string.format("ShadowCallStack:%8d kB\n", node_pages("NR_KERNEL_SCS_KB"))
  end
  kbline(o, "PageTables:", node_pages("NR_PAGETABLE"))
  if M.node_state_value("NR_SECONDARY_PAGETABLE") then           -- 6.0+
    kbline(o, "SecPageTables:", node_pages("NR_SECONDARY_PAGETABLE"))
  end
  kbline(o, "NFS_Unstable:", node_pages("NR_UNSTABLE_NFS"))      -- 0 since 5.8
  kbline(o, "Bounce:", M.zone_state("NR_BOUNCE"))
  kbline(o, "WritebackTmp:", node_pages("NR_WRITEBACK_TEMP"))
  kbline(o, "CommitLimit:", v.commit_limit)
  kbline(o, "Committed_AS:", v.committed)
  local vr = M.vmalloc_range()
  if vr == nil then   -- the line is left out and the file becomes a stub
    missing = "VmallocTotal: the vmalloc area of " .. tostring(kd.dump_info().arch) .. " is not known to kdlua"
  else
    o[#o + 1] = string.format("VmallocTotal:   %8d kB\n", (vr.stop - vr.start) >> 10)
  end
  kbline(o, "VmallocUsed:", ival(sym("nr_vmalloc_pages") or 0))
  kbline(o, "VmallocChunk:", 0)
  kbline(o, "Percpu:", (M.int("pcpu_nr_populated") or 0) * (M.int("pcpu_nr_units") or 0))
  if has_sym("num_poisoned_pages") then                          -- CONFIG_MEMORY_FAILURE
    o[#o + 1] = string.format("HardwareCorrupted: %5d kB\n", M.kb(M.int("num_poisoned_pages")))
  end
  if thp_enabled() then                                          -- CONFIG_TRANSPARENT_HUGEPAGE
    -- counted in pages since 5.12 (before: in huge pages, times HPAGE_PMD_NR)
    local f = M.thp_counted_in_pages() and 1 or M.hpage_pmd_nr()
    kbline(o, "AnonHugePages:", node_pages("NR_ANON_THPS") * f)
    kbline(o, "ShmemHugePages:", node_pages("NR_SHMEM_THPS") * f)
    kbline(o, "ShmemPmdMapped:", node_pages("NR_SHMEM_PMDMAPPED") * f)
    if M.node_state_value("NR_FILE_THPS") then
      kbline(o, "FileHugePages:", node_pages("NR_FILE_THPS") * f)
      kbline(o, "FilePmdMapped:", node_pages("NR_FILE_PMDMAPPED") * f)
    end
  end
  if has_member("struct zone", "cma_pages") then                 -- CONFIG_CMA
    kbline(o, "CmaTotal:", M.int("totalcma_pages") or 0)
    kbline(o, "CmaFree:", M.zone_state("NR_FREE_CMA_PAGES"))
  end
  if M.enum("enum zone_stat_item").byname.NR_UNACCEPTED then     -- 6.5 CONFIG_UNACCEPTED_MEMORY
    kbline(o, "Unaccepted:", M.zone_state("NR_UNACCEPTED"))
  end
  -- hugetlb_report_meminfo() (CONFIG_HUGETLB_PAGE)
  local hs = M.hstates()
  if has_sym("hstates") then
    local total = 0
    for _, h in ipairs(hs) do
      local size = M.page_size() << h.order
      total = total + size * h.nr
      if h.default then
        o[#o + 1] = string.format("HugePages_Total:   %5d\nHugePages_Free:    %5d\n"
          .. "HugePages_Rsvd:    %5d\nHugePages_Surp:    %5d\nHugepagesize:   %8d kB\n",
          h.nr, h.free, h.resv, h.surp, size // 1024)
      end
    end
    o[#o + 1] = string.format("Hugetlb:        %8d kB\n", total // 1024)
  end
  -- x86 arch_report_meminfo(): direct_pages_count[PG_LEVEL_*]
  local dpc = sym("direct_pages_count")
  if dpc then
    local lv = M.enum("enum pg_level").byname
    local k4, m2, g1 = lv.PG_LEVEL_4K or 1, lv.PG_LEVEL_2M or 2, lv.PG_LEVEL_1G or 3
    o[#o + 1] = string.format("DirectMap4k:    %8d kB\n", dpc[k4] << 2)
    o[#o + 1] = string.format("DirectMap2M:    %8d kB\n", dpc[m2] << 11)
    if (M.int("direct_gbpages") or 0) ~= 0 then
      o[#o + 1] = string.format("DirectMap1G:    %8d kB\n", dpc[g1] << 20)
    end
  end
  if missing then return nil, missing, table.concat(o) end
  return table.concat(o)
end

-- }======

-- {====== proc/vmstat ======

-- global_dirty_limits(): background and dirty thresholds in pages (the
-- reader is not a real-time task)
function M.dirty_limits()
  local x = M.zone_state("NR_FREE_PAGES")
  x = x - math.min(x, M.totalreserve_pages())
  x = x + node_pages("NR_INACTIVE_FILE") + node_pages("NR_ACTIVE_FILE")
  local avail = x + 1          -- (64-bit: no highmem to subtract)
  local ps = M.page_size()
  local bytes = M.int("vm_dirty_bytes") or 0
  local bg_bytes = M.int("dirty_background_bytes") or 0
  local ratio = (M.int("vm_dirty_ratio") or 20) * ps // 100
  local bg_ratio = (M.int("dirty_background_ratio") or 10) * ps // 100
  local thresh, bg
  if bytes ~= 0 then thresh = (bytes + ps - 1) // ps else thresh = ratio * avail // ps end
  if bg_bytes ~= 0 then bg = (bg_bytes + ps - 1) // ps else bg = bg_ratio * avail // ps end
  if thresh > 0xffffffff then thresh = 0xffffffff end
  if bg >= thresh then bg = thresh // 2 end
  return bg, thresh
end

-- text of /proc/vmstat (mm/vmstat.c vmstat_start / vmstat_show)
function M.vmstat()
  local L = M.vmstat_layout()
  local vals = {}
  local n = 0
  local z = M.global_zone_stats()
  for i = 0, L.zone_n - 1 do vals[n] = z[i]; n = n + 1 end
  local nu = M.global_numa_events()
  for i = 0, L.numa_n - 1 do vals[n] = nu[i]; n = n + 1 end
  local nd = M.global_node_stats()
  local hp = M.hpage_pmd_nr()
  for i = 0, L.node_n - 1 do
    local x = nd[i]
    if M.print_in_thp(i) then x = x // hp end
    vals[n] = x; n = n + 1
  end
  -- enum writeback_stat_item: NR_DIRTY_THRESHOLD, NR_DIRTY_BG_THRESHOLD
  local bg, dirty = M.dirty_limits()
  vals[n] = dirty; vals[n + 1] = bg
  if L.wb_n >= 4 then
    vals[n + 2] = M.int("nr_memmap_pages") or 0
    vals[n + 3] = M.int("nr_memmap_boot_pages") or 0
  end
  for i = 4, L.wb_n - 1 do vals[n + i] = 0 end
  n = n + L.wb_n
  if L.ev_n > 0 then
    local e = M.vm_events()
    local evn = M.enum("enum vm_event_item").byname
    for i = 0, L.ev_n - 1 do
      local x = e[i]
      if i == evn.PGPGIN or i == evn.PGPGOUT then x = x // 2 end   -- sectors -> kB
      vals[n] = x; n = n + 1
    end
  end
  local out = {}
  local seen_unstable = false
  for i = 0, n - 1 do
    local name = L.names[i]
    if name == "nr_unstable" then seen_unstable = true end
    out[#out + 1] = string.format("%s %d\n", name, vals[i])
  end
  -- 5.8 "mm: remove NR_UNSTABLE_NFS" prints the removed item as a
  -- constant at the end; before, the enum has it and it is printed above
  if not seen_unstable then out[#out + 1] = "nr_unstable 0\n" end
  return table.concat(out)
end

-- }======

-- {====== proc/zoneinfo, buddyinfo, pagetypeinfo ======

local function zone_stat(z, i) return u(ival(z.vm_stat[i])) end
local function node_stat(pg, i) return u(ival(pg.vm_stat[i])) end

local function first_populated(pg)
  for _, z in ipairs(M.zones(pg)) do
    if M.populated(z) then return z end
  end
end

local PROMO_FMT = "\n        promo    %lu"
FILE_THP_FMT = "Node %d FileHugePages:  %8lu"
util.rodata_probe({ PROMO_FMT, FILE_THP_FMT })

-- {====== per-node sysfs (drivers/base/node.c) ======

-- sum_zone_numa_event_state() of every NUMA event item of a node, after
-- fold_vm_numa_events() (the populated zones' per-CPU deltas folded in):
-- a 0-based array, empty without CONFIG_NUMA
function M.node_numa_events(pg)
  local L = M.vmstat_layout()
  local out = {}
  for i = 0, L.numa_n - 1 do out[i] = 0 end
  for _, z in ipairs(M.zones(pg)) do
    local ev_z
    if M.populated(z) then
      ev_z = M.zone_numa_events(z)
    else
      local arr = has_member("struct zone", "vm_numa_event") and z.vm_numa_event or z.vm_numa_stat
      ev_z = L.numa_n > 0 and M.read_longs(arr:address_(), L.numa_n) or {}
    end
    for i = 0, L.numa_n - 1 do out[i] = out[i] + ev_z[i] end
  end
  return out
end

-- node<N>/numastat (node_read_numastat): six NUMA events of the node
function M.node_numastat(pg)
  local L = M.vmstat_layout()
  if L.numa_n == 0 then return nil, "this kernel keeps no NUMA event counters" end
  local e = M.node_numa_events(pg)
  local by = M.enum("enum numa_stat_item").byname
  local out = {}
  for _, k in ipairs({ { "numa_hit", "NUMA_HIT" }, { "numa_miss", "NUMA_MISS" },
                       { "numa_foreign", "NUMA_FOREIGN" }, { "interleave_hit", "NUMA_INTERLEAVE_HIT" },
                       { "local_node", "NUMA_LOCAL" }, { "other_node", "NUMA_OTHER" } }) do
    local i = by[k[2]]
    if i == nil then return nil, "enum numa_stat_item has no " .. k[2] end
    out[#out + 1] = string.format("%s %d\n", k[1], e[i])
  end
  return table.concat(out)
end

-- node<N>/vmstat (node_read_vmstat): the zone items summed over the
-- node's zones (sum_zone_node_page_state, each zone clamped at 0), the
-- NUMA events, then the node items (THP items in huge pages)
function M.node_vmstat(pg)
  local L = M.vmstat_layout()
  local out = {}
  local zones = M.zones(pg)
  for i = 0, L.zone_n - 1 do
    local v = 0
    for _, z in ipairs(zones) do v = v + u(ival(z.vm_stat[i])) end
    out[#out + 1] = string.format("%s %d\n", L.names[i], v)
  end
  local e = M.node_numa_events(pg)
  for i = 0, L.numa_n - 1 do
    out[#out + 1] = string.format("%s %d\n", L.names[L.zone_n + i], e[i])
  end
  local hp = M.hpage_pmd_nr()
  for i = 0, L.node_n - 1 do
    local v = u(ival(pg.vm_stat[i]))
    if M.print_in_thp(i) then v = v // hp end
    out[#out + 1] = string.format("%s %d\n", L.names[L.zone_n + L.numa_n + i], v)
  end
  return table.concat(out)
end

-- }======

-- text of /proc/zoneinfo (mm/vmstat.c zoneinfo_show)
function M.zoneinfo()
  local L = M.vmstat_layout()
  local o = {}
  local hp = M.hpage_pmd_nr()
  local cpus = M.online_cpus()
  local old_pcp = not has_member("struct zone", "per_cpu_pageset")   -- before 5.14: zone->pageset
  local max_retries = 16                                              -- MAX_RECLAIM_RETRIES
  for _, pg in ipairs(M.pgdats()) do
    local nid = pg.node_id
    local fp = first_populated(pg)
    for _, z in ipairs(M.zones(pg)) do
      o[#o + 1] = string.format("Node %d, zone %8s", nid, M.zone_name(z))
      if fp and z == fp and L.node_n > 0 then
        o[#o + 1] = "\n  per-node stats"
        local nv = M.read_longs(pg.vm_stat:address_(), L.node_n)
        for i = 0, L.node_n - 1 do
          local x = u(nv[i])
          if M.print_in_thp(i) then x = x // hp end
          o[#o + 1] = string.format("\n      %-12s %d", L.names[L.zone_n + L.numa_n + i], x)
        end
      end
      local zv = M.read_longs(z.vm_stat:address_(), L.zone_n)
      local cma = has_member("struct zone", "cma_pages") and z.cma_pages or 0
      o[#o + 1] = string.format("\n  pages free     %d\n        boost    %d\n        min      %d"
        .. "\n        low      %d\n        high     %d",
        u(zv[0]), has_member("struct zone", "watermark_boost") and z.watermark_boost or 0,
        M.wmark(z, "min"), M.wmark(z, "low"), M.wmark(z, "high"))
      -- the promo watermark (WMARK_PROMO, 6.0) is shown since 6.7-ish
      -- ("mm: ... show promo watermark in zoneinfo"); WMARK_PROMO alone
      -- does not tell, so the line's format string is the probe
      if util.rodata_has({ PROMO_FMT })[PROMO_FMT] then
        o[#o + 1] = string.format("\n        promo    %d", M.wmark(z, "promo"))
      end
      o[#o + 1] = string.format("\n        spanned  %d\n        present  %d"
        .. "\n        managed  %d\n        cma      %d",
        z.spanned_pages, z.present_pages, M.managed_pages(z), cma)
      local lr = z.lowmem_reserve
      local parts = {}
      for i = 0, #lr - 1 do parts[#parts + 1] = tostring(lr[i]) end
      o[#o + 1] = "\n        protection: (" .. table.concat(parts, ", ") .. ")"
      if not M.populated(z) then
        o[#o + 1] = "\n"
      else
        for i = 0, L.zone_n - 1 do
          o[#o + 1] = string.format("\n      %-12s %d", L.names[i], u(zv[i]))
        end
        if L.numa_n > 0 then
          local ne = M.zone_numa_events(z)
          for i = 0, L.numa_n - 1 do
            o[#o + 1] = string.format("\n      %-12s %d", L.names[L.zone_n + i], ne[i])
          end
        end
        o[#o + 1] = "\n  pagesets"
        for _, cpu in ipairs(cpus) do
          local pcp, thr
          if old_pcp then
            local ps = kd.per_cpu(z:member_("pageset"), cpu)
            pcp, thr = ps.pcp, ps.stat_threshold
          else
            pcp = kd.per_cpu(z:member_("per_cpu_pageset"), cpu)
            thr = kd.per_cpu(z:member_("per_cpu_zonestats"), cpu).stat_threshold
          end
          o[#o + 1] = string.format("\n    cpu: %d\n              count: %d\n              high:  %d"
            .. "\n              batch: %d\n  vm stats threshold: %d",
            cpu, pcp.count, pcp.high, pcp.batch, thr)
        end
        o[#o + 1] = string.format("\n  node_unreclaimable:  %d\n  start_pfn:           %d\n",
          pg.kswapd_failures >= max_retries and 1 or 0, z.zone_start_pfn)
      end
    end
  end
  return table.concat(o)
end

-- text of /proc/buddyinfo: free blocks per order of each populated zone (mm/vmstat.c frag_show)
function M.buddyinfo()
  local o = {}
  for _, pg in ipairs(M.pgdats()) do
    for _, z in ipairs(M.zones(pg)) do
      if M.populated(z) then
        o[#o + 1] = string.format("Node %d, zone %8s ", pg.node_id, M.zone_name(z))
        local fa = z.free_area
        for ord = 0, #fa - 1 do
          o[#o + 1] = string.format("%6d ", ival(fa[ord].nr_free))
        end
        o[#o + 1] = "\n"
      end
    end
  end
  return table.concat(o)
end

-- migrate type names (migratetype_names[]) indexed from 0, and .n = MIGRATE_TYPES, memoized
function M.migratetype_names()
  return memo("mt_names", function()
    local arr = sym("migratetype_names")
    local out = {}
    local n = kd.type("struct free_area"):member("free_list").type.length   -- MIGRATE_TYPES
    for i = 0, n - 1 do out[i] = arr[i]:string_() end
    out.n = n
    return out
  end)
end

-- pageblock_order: a variable with CONFIG_HUGETLB_PAGE_SIZE_VARIABLE;
-- else HUGETLB_PAGE_ORDER (PMD order) with hugetlb, else MAX_ORDER - 1
function M.pageblock_order()
  return memo("pb_order", function()
    local v = M.int("pageblock_order")
    if v then return v end
    local max_order = kd.type("struct zone"):member("free_area").type.length
    if has_sym("hstates") then
      local pmd = M.hpage_pmd_nr()
      local o = 0
      while (1 << o) < pmd do o = o + 1 end
      return math.min(o, max_order - 1)
    end
    return max_order - 1
  end)
end

-- SPARSEMEM: mem_section lookups
local function sparse()
  return memo("sparse", function()
    local bits = tonumber(kd.vmcoreinfo("NUMBER(SECTION_SIZE_BITS)") or "")
    local ms = sym("mem_section")
    if not bits or not ms then return false end
    local t = kd.type("struct mem_section")
    local extreme = ms:type_().kind == "pointer"
    local per_root = extreme and (M.page_size() // t.size) or 1
    return { shift = bits - M.page_shift(), ms = ms, size = t.size, extreme = extreme,
             per_root = per_root, roots = {} }
  end)
end

local function section(nr)
  local S = sparse()
  if not S then return nil end
  local root = nr // S.per_root
  local base
  if S.extreme then
    base = S.roots[root]
    if base == nil then
      local ok, p = pcall(function() return kd.read_u64(S.ms:value_() + root * 8) end)
      base = ok and p or 0
      S.roots[root] = base
    end
    if base == 0 then return nil end
  else
    local r = S.ms[root]
    base = r:address_()
  end
  return kd.object("struct mem_section", base + (nr % S.per_root) * S.size)
end
-- the struct mem_section of section number nr (__nr_to_section), nil when its root is absent
M.section = section
M.SECTION_MARKED_PRESENT, M.SECTION_IS_ONLINE = 1, 4

-- migratetype of the pageblock holding pfn (get_pageblock_migratetype)
local function pageblock_migratetype(pfn, order, words)
  local S = sparse()
  local nr = pfn >> S.shift
  local sec = section(nr)
  if sec == nil then return nil end
  local smm = sec.section_mem_map
  if (smm & M.SECTION_IS_ONLINE) == 0 and (smm & M.SECTION_MARKED_PRESENT) == 0 then return nil end
  local usage = sec:member_("usage")
  if usage:value_() == 0 then return nil end
  local bitidx = ((pfn & ((1 << S.shift) - 1)) >> order) * 4         -- NR_PAGEBLOCK_BITS
  local waddr = usage.pageblock_flags:address_() + (bitidx // 64) * 8
  local w = words[waddr]
  if w == nil then w = kd.read_u64(waddr); words[waddr] = w end
  return (w >> (bitidx % 64)) & 7                                     -- MIGRATETYPE_MASK
end

-- text of /proc/pagetypeinfo (mm/vmstat.c pagetypeinfo_show)
function M.pagetypeinfo()
  local o = {}
  local mt = M.migratetype_names()
  local order = M.pageblock_order()
  local max_order = kd.type("struct zone"):member("free_area").type.length
  local lh = kd.type("struct list_head").size
  for _, pg in ipairs(M.pgdats()) do
    local nid = pg.node_id
    if M.node_state(nid, "N_MEMORY") then
      o[#o + 1] = string.format("Page block order: %d\nPages per block:  %d\n\n", order, 1 << order)
      o[#o + 1] = string.format("%-43s ", "Free pages count per migrate type at order")
      for ord = 0, max_order - 1 do o[#o + 1] = string.format("%6d ", ord) end
      o[#o + 1] = "\n"
      for _, z in ipairs(M.zones(pg)) do
        if M.populated(z) then
          for t = 0, mt.n - 1 do
            o[#o + 1] = string.format("Node %4d, zone %8s, type %12s ", nid, M.zone_name(z), mt[t])
            for ord = 0, max_order - 1 do
              local head = z.free_area[ord].free_list[t]
              local cnt, overflow = 0, false
              for _ in kd.list(head:address_()) do
                cnt = cnt + 1
                if cnt >= 100000 then overflow = true; break end
              end
              o[#o + 1] = string.format("%s%6d ", overflow and ">" or "", cnt)
            end
            o[#o + 1] = "\n"
          end
        end
      end
      o[#o + 1] = string.format("\n%-23s", "Number of blocks type ")
      for t = 0, mt.n - 1 do o[#o + 1] = string.format("%12s ", mt[t]) end
      o[#o + 1] = "\n"
      for _, z in ipairs(M.zones(pg)) do
        if M.populated(z) then
          local count = {}
          for t = 0, mt.n - 1 do count[t] = 0 end
          local words = {}
          local pfn, stop = z.zone_start_pfn, M.zone_end_pfn(z)
          while pfn < stop do
            local t = pageblock_migratetype(pfn, order, words)
            if t and t < mt.n then count[t] = count[t] + 1 end
            pfn = pfn + (1 << order)
          end
          o[#o + 1] = string.format("Node %d, zone %8s ", nid, M.zone_name(z))
          for t = 0, mt.n - 1 do o[#o + 1] = string.format("%12d ", count[t]) end
          o[#o + 1] = "\n"
        end
      end
      -- "Number of mixed blocks" needs CONFIG_PAGE_OWNER with page_owner=on
      local po = sym("page_owner_inited")           -- a static_key_false
      local ok, on = pcall(function() return po and po.key.enabled.counter or 0 end)
      if ok and on ~= 0 then
        return nil, "the \"Number of mixed blocks\" table (page_owner) is not rebuilt", table.concat(o)
      end
    end
  end
  return table.concat(o)
end

-- }======

-- {====== paths (for swap files) ======

-- d_path() of a struct path relative to the init task's root: the mount
-- chain (struct mount: mnt_parent, mnt_mountpoint) and dentry names
function M.d_path(path_obj)
  local dentry, vfsmnt = path_obj.dentry, path_obj.mnt
  if dentry == nil or vfsmnt == nil then return "" end
  local mnt = kd.container_of(vfsmnt:value_(), "struct mount", "mnt")
  local parts = {}
  for _ = 1, 256 do
    local mroot = mnt.mnt.mnt_root
    if dentry == mroot or dentry == dentry.d_parent then
      local parent = mnt.mnt_parent
      if parent == mnt or parent == nil then break end
      dentry = mnt.mnt_mountpoint
      mnt = parent
    else
      table.insert(parts, 1, dentry.d_name.name:string_())
      dentry = dentry.d_parent
    end
  end
  return "/" .. table.concat(parts, "/")
end

-- seq_file_path() escaping: the listed characters become \ooo
local function escape(s, chars)
  return (s:gsub("[" .. chars:gsub("\\", "\\\\") .. "]", function(c)
    return string.format("\\%03o", c:byte())
  end))
end

-- text of /proc/swaps (mm/swapfile.c swap_show)
function M.swaps()
  local o = { "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n" }
  for _, a in ipairs(M.swap_areas()) do
    local bytes = M.kb(a.pages)
    local inuse = M.kb(a.inuse)
    local name = escape(M.d_path(a.file.f_path), " \t\n\\")
    local len = #name
    o[#o + 1] = string.format("%s%s%s\t%d\t%s%d\t%s%d\n", name,
      string.rep(" ", len < 40 and 40 - len or 1),
      a.is_blk and "partition" or "file\t", bytes, bytes < 10000000 and "\t" or "",
      inuse, inuse < 10000000 and "\t" or "", a.prio)
    a.path = name
  end
  return table.concat(o)
end

-- }======

-- {====== proc/vmallocinfo ======

-- kallsyms' idea of a symbol's size: the distance to the next symbol
-- (kallsyms_lookup_size_offset), not the ELF st_size that kd.symbolize
-- gives; found by probing past the ELF end over the alignment padding
-- (kd.symbolize answers nil there).  Cached per symbol start.
local span_cache = {}
local function kallsyms_size(start, elf_size)
  local v = span_cache[start]
  if v then return v end
  v = elf_size
  if elf_size and elf_size > 0 then
    for a = start + elf_size, start + elf_size + 4096 do
      local n, off = kd.symbolize(a)
      if n then
        if off == a - start then break end   -- still inside the same symbol
        v = a - start
        break
      end
    end
  end
  span_cache[start] = v
  return v
end

-- "%pS" of a code address: symbol+0xoff/0xsize [module], or 0x<addr>
function M.pS(addr)
  local name, off, mod, size = kd.symbolize(addr)
  if not name then return string.format("0x%x", addr) end
  size = kallsyms_size(addr - off, size)
  local s = string.format("%s+0x%x/0x%x", name, off, size or 0)
  if mod then s = s .. " [" .. mod .. "]" end
  return s
end

local VM_IOREMAP, VM_ALLOC, VM_MAP, VM_USERMAP, VM_DMA_COHERENT, VM_UNINITIALIZED =
  0x1, 0x2, 0x4, 0x8, 0x10, 0x20

-- page_to_nid(): the node bits of page->flags, found through the
-- pgdat whose pfn span holds the page (one node: always that node)
local function page_nid_fn()
  local pgs = M.pgdats()
  if #pgs == 1 then local n = pgs[1].node_id; return function() return n end end
  local vmemmap = M.int("vmemmap_base")
  local psz = kd.type("struct page").size
  local spans = {}
  for _, pg in ipairs(pgs) do
    spans[#spans + 1] = { pg.node_id, pg.node_start_pfn, pg.node_start_pfn + pg.node_spanned_pages }
  end
  return function(page)
    if not vmemmap then return 0 end
    local pfn = (page - vmemmap) // psz
    for _, s in ipairs(spans) do
      if pfn >= s[2] and pfn < s[3] then return s[1] end
    end
    return 0
  end
end

-- the busy and the lazily freed vmap_area lists: 6.9 "mm: vmalloc: add
-- a per-node vmap infrastructure" split vmap_area_list into
-- vmap_nodes[0..nr_vmap_nodes-1].busy/.lazy; before, one global list
-- each (vmap_area_list, purge_vmap_area_list)
local function vmap_lists()
  local head = sym("vmap_area_list")
  if head then
    local purge = sym("purge_vmap_area_list")
    return { head }, (purge and has_member("struct vmap_area", "list")) and { purge } or {}, false
  end
  local nodes, n = sym("vmap_nodes"), M.int("nr_vmap_nodes")
  if not nodes or not n then return nil end
  local busy, lazy = {}, {}
  local size = kd.type("struct vmap_node").size
  local base = nodes:value_()
  for i = 0, n - 1 do
    local vn = kd.object("struct vmap_node", base + i * size)
    busy[#busy + 1] = vn.busy.head
    lazy[#lazy + 1] = vn.lazy.head
  end
  return busy, lazy, true
end

local VM_SPARSE, VMAP_RAM = 0x1000, 0x1

-- text of /proc/vmallocinfo (mm/vmalloc.c s_show), or nil and why when the vmap areas
-- cannot be found
function M.vmallocinfo()
  local o = {}
  local busy, lazy, nodes = vmap_lists()
  if busy == nil then return nil, "neither vmap_area_list nor vmap_nodes is in the debug info" end
  local nid_of = page_nid_fn()
  local numa = has_sym("node_data")
  -- one node: every page's node is its id, the page array need not be read
  local pgs = M.pgdats()
  local single = #pgs == 1 and pgs[1].node_id or nil
  local pK = pK_fn()
  -- the members of each area and its vm_struct in one call each (plain
  -- numbers, no object per member: ~500 areas on a small machine)
  local list_off = kd.member_offset("struct vmap_area", "list")
  local rd_va = kd.member_reader("struct vmap_area", "va_start", "va_end", "vm", "flags")
  local rd_vm = kd.member_reader("struct vm_struct", "addr", "size", "caller", "nr_pages",
                                 "phys_addr", "flags", "pages", "page_order")
  local fmt = string.format
  for _, head in ipairs(busy) do
    for node in kd.list(head) do
      local va_start, va_end, vm, va_flags = rd_va(node - list_off)
      if vm == 0 then
        -- with vmap nodes only vm_map_ram areas (VMAP_RAM) are shown
        if not nodes or (va_flags & VMAP_RAM) ~= 0 then
          o[#o + 1] = fmt("0x%s-0x%s %7d vm_map_ram\n", pK(va_start), pK(va_end), va_end - va_start)
        end
      else
        local addr, size, caller, nr, phys, fl, pages, order = rd_vm(vm)
        if not (nodes and (fl & VM_UNINITIALIZED) ~= 0) then
          local line = { fmt("0x%s-0x%s %7d", pK(addr), pK(addr + size), size) }
          if caller ~= 0 then line[#line + 1] = " " .. M.pS(caller) end
          if nr ~= 0 then line[#line + 1] = fmt(" pages=%d", nr) end
          if phys ~= 0 then line[#line + 1] = fmt(" phys=0x%016x", phys) end
          if fl & VM_IOREMAP ~= 0 then line[#line + 1] = " ioremap" end
          if nodes and fl & VM_SPARSE ~= 0 then line[#line + 1] = " sparse" end
          if fl & VM_ALLOC ~= 0 then line[#line + 1] = " vmalloc" end
          if fl & VM_MAP ~= 0 then line[#line + 1] = " vmap" end
          if fl & VM_USERMAP ~= 0 then line[#line + 1] = " user" end
          if fl & VM_DMA_COHERENT ~= 0 then line[#line + 1] = " dma-coherent" end
          if M.is_vmalloc_addr(pages) then line[#line + 1] = " vpages" end
          -- show_numa_info(): pages per node (N_HIGH_MEMORY nodes)
          if numa and fl & VM_UNINITIALIZED == 0 and nr > 0 and pages ~= 0 then
            local step = order and (1 << order) or 1
            local counts = {}
            if single then   -- `step` counted for each of ceil(nr / step) pages
              counts[single] = step * ((nr + step - 1) // step)
            else
              local ptrs = M.read_longs(pages, nr, true)
              for i = 0, nr - 1, step do
                local nid = nid_of(ptrs[i])
                counts[nid] = (counts[nid] or 0) + step
              end
            end
            for _, pg in ipairs(M.pgdats()) do
              local n = pg.node_id
              if counts[n] and M.node_state(n, "N_HIGH_MEMORY") then
                line[#line + 1] = fmt(" N%d=%d", n, counts[n])
              end
            end
          end
          o[#o + 1] = table.concat(line) .. "\n"
        end
      end
    end
  end
  -- then the lazily freed areas not yet purged (show_purge_info, 5.x+)
  -- (through the member reader too: no object per area and member)
  for _, head in ipairs(lazy) do
    for node in kd.list(head) do
      local va_start, va_end = rd_va(node - list_off)
      o[#o + 1] = fmt("0x%s-0x%s %7d unpurged vm_area\n", pK(va_start), pK(va_end),
        va_end - va_start)
    end
  end
  return table.concat(o)
end

-- }======

-- {====== user-space tools: procps free, util-linux swapon / lsmem ======

-- /proc/meminfo as procps parses it: {key -> kB}
function M.meminfo_table(text)
  local t = {}
  if text == nil then
    local full, _, part = M.meminfo()
    text = full or part or ""
  end
  for k, v in text:gmatch("([^:\n]+):%s*(%d+)") do t[k] = tonumber(v) end
  return t
end

-- procps-ng 4.0 `free` (src/free.c, library/meminfo.c); unit_shift 0 = kB
-- (default), 10 = MiB (-m)
function M.free(shift, mi)
  mi = mi or M.meminfo_table()
  shift = shift or 0
  local total, free_ = mi.MemTotal or 0, mi.MemFree or 0
  local avail = mi.MemAvailable or 0
  if avail == 0 then avail = free_ end
  if avail > total then avail = free_ end
  local used = total - avail
  if used < 0 then used = total - free_ end
  local cache = (mi.Cached or 0) + (mi.SReclaimable or 0)
  local swt, swf = mi.SwapTotal or 0, mi.SwapFree or 0
  local swu = swf < swt and swt - swf or 0
  local function sc(kb) return tostring((kb * 1024) // (1 << (10 + shift))) end
  local o = { "               total        used        free      shared  buff/cache   available\n" }
  o[#o + 1] = string.format("%-9s%11s %11s %11s %11s %11s %11s\n", "Mem:", sc(total), sc(used), sc(free_),
    sc(mi.Shmem or 0), sc((mi.Buffers or 0) + cache), sc(avail))
  o[#o + 1] = string.format("%-9s%11s %11s %11s\n", "Swap:", sc(swt), sc(swu), sc(swf))
  return table.concat(o)
end

-- a libsmartcols table as printed to a pipe: each column as wide as its
-- widest cell or header (at least minw), one space between columns,
-- right-aligned columns padded on the left, the last column unpadded
function M.scols(cols, rows)
  local w = {}
  for i, c in ipairs(cols) do
    w[i] = math.max(#c.name, c.minw or 0)
    for _, r in ipairs(rows) do w[i] = math.max(w[i], #(r[i] or "")) end
  end
  local function line(cells)
    local parts = {}
    for i, c in ipairs(cols) do
      local s = cells[i] or ""
      if c.right then s = string.rep(" ", w[i] - #s) .. s
      elseif i < #cols then s = s .. string.rep(" ", w[i] - #s) end
      parts[i] = s
    end
    return table.concat(parts, " ") .. "\n"
  end
  local names = {}
  for i, c in ipairs(cols) do names[i] = c.name end
  local o = { line(names) }
  for _, r in ipairs(rows) do o[#o + 1] = line(r) end
  return table.concat(o)
end

-- util-linux 2.38 `swapon --show` (--bytes with bytes=true): NAME TYPE SIZE
-- USED PRIO; nothing at all when no swap is in use
function M.swapon_show(bytes)
  local rows = {}
  M.swaps()   -- fills the paths
  for _, a in ipairs(M.swap_areas()) do
    local size, used = M.kb(a.pages) * 1024, M.kb(a.inuse) * 1024
    local f = bytes and tostring or M.human
    rows[#rows + 1] = { a.path, a.is_blk and "partition" or "file", f(size), f(used), tostring(a.prio) }
  end
  if #rows == 0 then return "" end
  return M.scols({ { name = "NAME" }, { name = "TYPE" }, { name = "SIZE", right = true },
    { name = "USED", right = true }, { name = "PRIO", right = true } }, rows)
end

-- util-linux 2.38 `swapon --summary`: the /proc/swaps table re-printed
-- (sizes in kB); nothing when no swap is in use
function M.swapon_summary()
  local areas = M.swap_areas()
  if #areas == 0 then return "" end
  M.swaps()
  local o = { "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n" }
  for _, a in ipairs(areas) do
    local typ = a.is_blk and "partition" or "file"
    local size, used = M.kb(a.pages), M.kb(a.inuse)
    o[#o + 1] = string.format("%s%s%s%s\t%d%s\t%d%s\t%d\n", a.path,
      string.rep(" ", #a.path < 40 and 40 - #a.path or 1), typ, #typ < 8 and "\t" or "",
      size, size < 10000000 and "\t" or "", used, used < 10000000 and "\t" or "", a.prio)
  end
  return table.concat(o)
end

-- util-linux size_to_human_string(SIZE_SUFFIX_1LETTER)
M.human = require("kernel.util").human_size


-- memory blocks: {index, state ("online"/"offline"/"going-offline"),
-- nid, zones = {names}} sorted by index, plus the block size in bytes.
-- 6.1: the memory_blocks xarray (5.4+); older kernels: online present
-- sections grouped by sections_per_block
function M.memory_blocks()
  local spb = M.int("sections_per_block")
  local S = sparse()
  if not spb or not S then return nil, "the dump has no memory block data (sections_per_block)" end
  local bsize = spb << (S.shift + M.page_shift())
  local out = {}
  local STATES = { [1] = "online", [2] = "going-offline", [4] = "offline" }   -- MEM_* of memory.h
  local mb = sym("memory_blocks")
  if mb then
    require("kernel.xarray").each(mb, function(idx, e)
      local m = kd.object("struct memory_block", e)
      local zones = {}
      local state = STATES[m.state] or "?"
      if state == "online" then
        if has_member("struct memory_block", "zone") then
          local z = m.zone
          zones[1] = z and z.name:string_() or "none"
        end
      end
      -- the NODE column needs the block's node link (CONFIG_NUMA)
      out[#out + 1] = { index = idx, state = state, nid = has_sym("node_data") and m.nid or nil,
        zones = zones }
    end)
  else
    local nr_sections = 1 << (tonumber(kd.vmcoreinfo("NUMBER(MAX_PHYSMEM_BITS)") or "46")
      - (S.shift + M.page_shift()))
    local i = 0
    while i < nr_sections do
      local b = i // spb
      local sec = section(i)
      if sec and (sec.section_mem_map & M.SECTION_MARKED_PRESENT) ~= 0 then
        local online = (sec.section_mem_map & M.SECTION_IS_ONLINE) ~= 0
        -- no zone or node per block before the memory_blocks xarray: the
        -- ZONES column stays empty, NODE is that of the node spanning it
        local nid
        if has_sym("node_data") then
          local pfn = i << S.shift
          for _, pg in ipairs(M.pgdats()) do
            if pfn >= pg.node_start_pfn and pfn < pg.node_start_pfn + pg.node_spanned_pages then
              nid = pg.node_id
            end
          end
        end
        out[#out + 1] = { index = b, state = online and "online" or "offline", nid = nid, zones = {} }
        i = (b + 1) * spb
      else
        i = i + 1
      end
    end
  end
  table.sort(out, function(a, b) return a.index < b.index end)
  return out, bsize
end

-- util-linux 2.38 `lsmem -a -o RANGE,SIZE,STATE,REMOVABLE,ZONES,NODE,BLOCK`
function M.lsmem()
  local blocks, bsize = M.memory_blocks()
  if not blocks then return nil, bsize end
  -- removable is IS_ENABLED(CONFIG_MEMORY_HOTREMOVE) since 5.9 (the
  -- function offline_pages exists only with it)
  local removable = has_sym("offline_pages") and "yes" or "no"
  local ZN = { dma = "DMA", dma32 = "DMA32", normal = "Normal", highmem = "Highmem",
               movable = "Movable", device = "Device", none = "None" }
  local rows = {}
  local online, offline = 0, 0
  for _, b in ipairs(blocks) do
    local start = b.index * bsize
    local zones = {}
    for _, z in ipairs(b.zones) do zones[#zones + 1] = ZN[z:lower()] or "Unknown" end
    if b.state == "online" then online = online + bsize else offline = offline + bsize end
    rows[#rows + 1] = {
      string.format("0x%016x-0x%016x", start, start + bsize - 1), M.human(bsize),
      b.state == "going-offline" and "on->off" or b.state,
      b.state == "online" and removable or "",
      table.concat(zones, "/"), b.nid and tostring(b.nid) or "", tostring(b.index) }
  end
  local t = M.scols({ { name = "RANGE" }, { name = "SIZE", right = true, minw = 5 },
    { name = "STATE", right = true }, { name = "REMOVABLE", right = true },
    { name = "ZONES", right = true }, { name = "NODE", right = true },
    { name = "BLOCK", right = true } }, rows)
  return t .. "\n" .. string.format("%-23s %5s\n%-23s %5s\n%-23s %5s\n",
    "Memory block size:", M.human(bsize), "Total online memory:", M.human(online),
    "Total offline memory:", M.human(offline))
end

-- }======

-- {====== sys/devices/system/node ======

-- sys/devices/system/node/node<nid>/meminfo (drivers/base/node.c
-- node_read_meminfo, hugetlb_report_node_meminfo)
function M.node_meminfo(pg)
  local nid = pg.node_id
  local L = M.vmstat_layout()
  local nv = M.read_longs(pg.vm_stat:address_(), L.node_n)
  local function node(name)
    local i = ev("enum node_stat_item", name)
    return i and u(nv[i]) or 0
  end
  local function zones_sum(name)
    local i = ev("enum zone_stat_item", name)
    if not i then return 0 end
    local t = 0
    for _, z in ipairs(M.zones(pg)) do t = t + u(ival(z.vm_stat[i])) end
    return t
  end
  local total = 0
  for _, z in ipairs(M.zones(pg)) do total = total + M.managed_pages(z) end
  local free = zones_sum("NR_FREE_PAGES")
  local o = {}
  local function line(label, v, raw)
    o[#o + 1] = string.format("Node %d %-16s%8d kB\n", nid, label .. ":", raw and v or M.kb(v))
  end
  line("MemTotal", total)
  line("MemFree", free)
  line("MemUsed", total - free)
  line("SwapCached", node("NR_SWAPCACHE"))
  line("Active", node("NR_ACTIVE_ANON") + node("NR_ACTIVE_FILE"))
  line("Inactive", node("NR_INACTIVE_ANON") + node("NR_INACTIVE_FILE"))
  line("Active(anon)", node("NR_ACTIVE_ANON"))
  line("Inactive(anon)", node("NR_INACTIVE_ANON"))
  line("Active(file)", node("NR_ACTIVE_FILE"))
  line("Inactive(file)", node("NR_INACTIVE_FILE"))
  line("Unevictable", node("NR_UNEVICTABLE"))
  line("Mlocked", zones_sum("NR_MLOCK"))
  line("Dirty", node("NR_FILE_DIRTY"))
  line("Writeback", node("NR_WRITEBACK"))
  line("FilePages", node("NR_FILE_PAGES"))
  line("Mapped", node("NR_FILE_MAPPED"))
  line("AnonPages", node("NR_ANON_MAPPED"))
  line("Shmem", node("NR_SHMEM"))
  line("KernelStack", node("NR_KERNEL_STACK_KB"), true)
  if ev("enum node_stat_item", "NR_KERNEL_SCS_KB") then              -- CONFIG_SHADOW_CALL_STACK
    o[#o + 1] = string.format("Node %d ShadowCallStack:%8d kB\n", nid, node("NR_KERNEL_SCS_KB"))
  end
  line("PageTables", node("NR_PAGETABLE"))
  if ev("enum node_stat_item", "NR_SECONDARY_PAGETABLE") then        -- 6.0+
    line("SecPageTables", node("NR_SECONDARY_PAGETABLE"))
  end
  line("NFS_Unstable", 0)
  line("Bounce", zones_sum("NR_BOUNCE"))
  line("WritebackTmp", node("NR_WRITEBACK_TEMP"))
  local sr, su = node("NR_SLAB_RECLAIMABLE_B"), node("NR_SLAB_UNRECLAIMABLE_B")
  line("KReclaimable", sr + node("NR_KERNEL_MISC_RECLAIMABLE"))
  line("Slab", sr + su)
  line("SReclaimable", sr)
  line("SUnreclaim", su)
  if thp_enabled() then                                               -- CONFIG_TRANSPARENT_HUGEPAGE
    line("AnonHugePages", node("NR_ANON_THPS"))
    line("ShmemHugePages", node("NR_SHMEM_THPS"))
    line("ShmemPmdMapped", node("NR_SHMEM_PMDMAPPED"))
    -- 6.1 printed "FileHugePages: %8lu" (one blank short of the column);
    -- the format string tells which
    local wide = util.rodata_has({ FILE_THP_FMT })[FILE_THP_FMT]
    local fmt = wide and "Node %d %-16s%8d kB\n" or "Node %d %-15s%8d kB\n"
    o[#o + 1] = string.format(fmt, nid, "FileHugePages:", M.kb(node("NR_FILE_THPS")))
    o[#o + 1] = string.format(fmt, nid, "FilePmdMapped:", M.kb(node("NR_FILE_PMDMAPPED")))
  end
  if ev("enum zone_stat_item", "NR_UNACCEPTED") then                 -- CONFIG_UNACCEPTED_MEMORY
    line("Unaccepted", zones_sum("NR_UNACCEPTED"))
  end
  local hs = sym("hstates")
  if hs then
    local h = hs[M.int("default_hstate_idx") or 0]
    o[#o + 1] = string.format("Node %d HugePages_Total: %5d\nNode %d HugePages_Free:  %5d\n"
      .. "Node %d HugePages_Surp:  %5d\n", nid, h.nr_huge_pages_node[nid],
      nid, h.free_huge_pages_node[nid], nid, h.surplus_huge_pages_node[nid])
  end
  return table.concat(o)
end

-- }======

return M
