-- kernel/sysctl.lua: the registered sysctl tables (/proc/sys) and their
-- values as the dump holds them.
--
-- fs/proc/proc_sysctl.c (3.4+): sysctl_table_root.default_set.dir is the
-- root ctl_dir; each ctl_dir keeps its entries in an rbtree of ctl_node
-- (ordered by name, bytewise: the readdir order), a node's entry being
-- header->ctl_table[node - header->node].  A directory entry's ctl_dir is
-- the header that owns it (container_of(head, struct ctl_dir, header)).
-- Tables of other roots (net namespaces: net_sysctl_root; user namespaces:
-- set_root) appear in the default set as symlink entries (S_IFLNK, data =
-- the root); following one means finding the same directory path in that
-- root's set for the reader's namespace -- here init's: init_net.sysctls,
-- init_user_ns.set -- and the entry of the same name there.
--
-- Values: the proc handler (ctl_table.proc_handler) says how data/maxlen
-- are printed; the common handlers of kernel/sysctl.c are rendered from the
-- memory the dump holds (M.HANDLERS).  Handlers that compute their value at
-- read time (counters summed over CPUs, random numbers, values of the
-- reader's namespace that are not the table's data) are either recomputed
-- here where the kernel's formula is known (M.HANDLERS) or reported as
-- "computed at read time" (a stub).
--
-- Mirrors: fs/proc/proc_sysctl.c, kernel/sysctl.c, net/core/neighbour.c,
--   net/ipv6/ndisc.c

local M = {}

local sym = require("kernel.util").symbol_or_nil
local bitmap_list = require("kernel.util").bitmap_list

local S_IFMT, S_IFDIR, S_IFLNK = 0xf000, 0x4000, 0xa000

-- The tables are read through member readers (one call per struct, plain
-- numbers back) rather than as objects member by member: `sysctl -a`
-- visits ~1000 entries, and building an object per member read was most
-- of its cost.
local tsize, nsize -- sizeof(struct ctl_table), sizeof(struct ctl_node)
local rd_table, rd_head, rd_node, root_off, node_off, header_off
local function readers()
  if not tsize then
    tsize = kd.type("struct ctl_table").size
    nsize = kd.type("struct ctl_node").size
    rd_table = kd.member_reader("struct ctl_table", "procname", "data", "maxlen", "mode", "proc_handler")
    rd_head = kd.member_reader("struct ctl_table_header", "node", "ctl_table")
    rd_node = kd.member_reader("struct ctl_node", "header")
    root_off = kd.member_offset("struct ctl_dir", "root")
    node_off = kd.member_offset("struct ctl_node", "node")
    header_off = kd.member_offset("struct ctl_dir", "header")
  end
end

-- a directory entry's ctl_dir: the header that owns its entries is the
-- ctl_dir's (container_of(head, struct ctl_dir, header))
local function dir_of(head)
  readers()
  return head - header_off
end

local function procname(a) return kd.read_string(a) end

-- an entry: {name, addr (its ctl_table), head (the address of the header
-- that owns it), mode, data, maxlen, handler (address, 0: none)} and, on
-- first use, table: the struct ctl_table object
local entry_mt = { __index = function(e, k)
  if k == "table" then
    local o = kd.object("struct ctl_table", e.addr)
    rawset(e, "table", o)
    return o
  end
end }

local function table_entry(addr, head)
  local name, data, maxlen, mode, handler = rd_table(addr)
  if not name or name == 0 then error("ctl_table at " .. kd.hex(addr) .. " has no procname") end
  return setmetatable({ name = procname(name), addr = addr, head = head, mode = mode,
                        data = data or 0, maxlen = maxlen, handler = handler or 0 }, entry_mt)
end

-- entries of a ctl_dir (by address) in readdir order: list of entries.
-- Memoized per directory, with a name index (by_name[list]): links are
-- resolved by looking their path up again from the target set's root,
-- and every /proc/sys file looks its path up from the top, so the same
-- directories were read over and over. The lists are read-only (follow()
-- hands out copies).
local dir_memo, by_name = {}, {}
local heads = {}   -- header address -> {its node array, its ctl_table array}
local function dir_entries(dir)
  readers()
  local memo = dir_memo[dir]
  if memo then return memo end
  local out, names = {}, {}
  for rb in kd.rbtree(dir + root_off) do
    local node = rb - node_off
    local head = rd_node(node)
    local h = heads[head]
    if not h then
      h = { rd_head(head) }
      heads[head] = h
    end
    local nodes, tables = h[1], h[2]
    local idx = (node - nodes) // nsize
    local e = table_entry(tables + idx * tsize, head)
    out[#out + 1] = e
    if names[e.name] == nil then names[e.name] = e end
  end
  dir_memo[dir] = out
  by_name[out] = names
  return out
end

local function find_entry(dir, name)
  return by_name[dir_entries(dir)][name]
end

-- the ctl_table_set a link's root resolves to for init's namespaces: the
-- root's lookup() picks the reader's namespace's set; of the sets of init's
-- namespaces (net: init_net.sysctls; user: init_user_ns.set; 6.1 ipc and
-- mqueue: init_ipc_ns.ipc_set/mq_set) the one whose dir header belongs to
-- the root (setup_sysctl_set() sets set->dir.header.root).  The address of
-- the set's ctl_dir, memoized per root
local candidate_sets
local set_memo = {}
local function set_of_root(root_addr)
  if set_memo[root_addr] ~= nil then return set_memo[root_addr] or nil end
  if not candidate_sets then
    candidate_sets = {}
    local function add(obj, member)
      if obj and kd.has_member(obj:type_(), member) then
        candidate_sets[#candidate_sets + 1] = obj[member]
      end
    end
    add(sym("init_net"), "sysctls")
    add(sym("init_user_ns"), "set")
    add(sym("init_ipc_ns"), "ipc_set")
    add(sym("init_ipc_ns"), "mq_set")
    add(sym("init_uts_ns"), "set")
    local r = sym("sysctl_table_root")
    if r then candidate_sets[#candidate_sets + 1] = r.default_set end
  end
  for _, set in ipairs(candidate_sets) do
    local ok, r = pcall(function() return set.dir.header:member_("root"):value_() end)
    if ok and r == root_addr then
      local d = set.dir:address_()
      set_memo[root_addr] = d
      return d
    end
  end
  set_memo[root_addr] = false
  return nil
end

-- follow a link entry found at path components `dirs` (list of names of the
-- directories above it): the entry of the same path in the target set
local function follow(link, dirs)
  local dir = set_of_root(link.data)
  if not dir then return nil end
  for _, d in ipairs(dirs) do
    local e = find_entry(dir, d)
    if not e or (e.mode & S_IFMT) ~= S_IFDIR then return nil end
    dir = dir_of(e.head)
  end
  local e = find_entry(dir, link.name)
  -- a copy: walk() marks it (link = true), the memoized list stays as read
  if not e then return nil end
  local c = {}
  for k, v in pairs(e) do c[k] = v end
  return setmetatable(c, entry_mt)
end

local function default_dir()
  local root = sym("sysctl_table_root")
  if not root then return nil end
  return root.default_set.dir:address_()
end

-- every file entry, depth first in readdir order: fn(path_list, entry,
-- key, path, leaf) (entry: see table_entry, link = true when reached
-- through a link; key: "a.b.c" with a dot inside a component -- a VLAN
-- device "bond0.42" -- made "/", as sysctl(8) (procps, busybox) swaps
-- them when printing; path: "a/b/c"; leaf: the key's last component).
-- path_list is made only for fn wanting it (want_list)
local function walk(fn, want_list, want_path)
  local top = default_dir()
  if not top then error("sysctl_table_root not found (kernel < 3.4 or no CONFIG_SYSCTL)") end
  local function rec(dir, names, keyp, pathp, depth)
    if depth > 16 then return end
    for _, e in ipairs(dir_entries(dir)) do
      local mode = e.mode & S_IFMT
      local name = e.name
      local leaf = name:find(".", 1, true) and name:gsub("%.", "/") or name
      local key = keyp .. leaf
      local path = want_path and pathp .. name or pathp
      local p
      if want_list or mode == S_IFDIR or mode == S_IFLNK then
        p = {}
        for i, v in ipairs(names) do p[i] = v end
        p[#p + 1] = name
      end
      if mode == S_IFDIR then
        rec(dir_of(e.head), p, key .. ".", path .. "/", depth + 1)
      elseif mode == S_IFLNK then
        local t = follow(e, names)
        if t then
          t.link = true
          if (t.mode & S_IFMT) == S_IFDIR then
            rec(dir_of(t.head), p, key .. ".", path .. "/", depth + 1)
          else
            fn(p, t, key, path, leaf)
          end
        end
      else
        fn(p, e, key, path, leaf)
      end
    end
  end
  rec(top, {}, "", "", 0)
end
-- (path: made only for fn wanting it, want_path; otherwise "")

-- every file entry, depth first in readdir order: fn(path_list, entry,
-- key, path, leaf) (entry: {name, addr, head, mode, data, maxlen,
-- handler, table; link = true when reached through a link})
function M.walk(fn) walk(fn, true, true) end

-- {====== value rendering ======

local ival = require("kernel.util").int_or_nil

-- ctl_table.data as an address (0 for NULL)
local function data_of(t) return t.data end
local function extra(t, n) return t.table:member_("extra" .. n):value_() end

local function hz()
  local ok, t = pcall(require, "kernel.time")
  return ok and t.hz() or 250
end

-- unsigned 64-bit decimal of a Lua integer
local function ulong(v)
  if v >= 0 then return string.format("%d", v) end
  local q = (v >> 1) // 5
  return string.format("%d%d", q, v - q * 10)
end

-- do_proc_dointvec & co: maxlen / sizeof(elem) values, "\t"-separated,
-- then "\n".  size from the handler (int: 4, u8: 1)
local VEC_FMT = { [true] = { [1] = "<i1", [2] = "<i2", [4] = "<i4", [8] = "<i8" },
                 [false] = { [1] = "<I1", [2] = "<I2", [4] = "<I4", [8] = "<i8" } }
local function vec(t, size, conv, signed)
  local data = data_of(t)
  local maxlen = t.maxlen
  if data == 0 or maxlen <= 0 then return nil, "no data" end
  local n = maxlen // size
  if n == 0 then return nil, "no data" end
  local raw = kd.read(data, n * size)
  local fmt = VEC_FMT[signed and true or false][size]
  if n == 1 then   -- one value (most entries): no list to join
    local v = string.unpack(fmt, raw)
    return (conv and conv(v) or (size == 8 and not signed and ulong(v) or string.format("%d", v))) .. "\n"
  end
  local s = {}
  for i = 0, n - 1 do
    local v = string.unpack(fmt, raw, i * size + 1)
    s[#s + 1] = conv and conv(v) or (size == 8 and not signed and ulong(v) or string.format("%d", v))
  end
  return table.concat(s, "\t") .. "\n"
end

local function int_vec(conv) return function(t) return vec(t, 4, conv, true) end end
local function uint_vec(t) return vec(t, 4, nil, false) end
local function u8_vec(t) return vec(t, 1, nil, false) end
local function ulong_vec(conv) return function(t) return vec(t, 8, conv, false) end end

local function dostring(t)
  local data = data_of(t)
  if data == 0 or t.maxlen <= 0 then return nil, "no data" end
  return kd.read_string(data, t.maxlen) .. "\n"
end

-- jiffies_to_clock_t (USER_HZ 100)
local function jiffies_to_clock_t(j)
  local HZ = hz()
  if HZ % 100 == 0 then return j // (HZ // 100) end
  local tick_nsec = (1000000000 + HZ // 2) // HZ
  return (j * tick_nsec) // (1000000000 // 100)
end

-- jiffies_to_msecs
local function jiffies_to_msecs(j)
  local HZ = hz()
  if 1000 % HZ == 0 then return j * (1000 // HZ) end
  if HZ % 1000 == 0 then return (j + (HZ // 1000) - 1) // (HZ // 1000) end
  return (j * 1000) // HZ -- HZ_TO_MSEC_MUL32 path: exact for HZ 250/300
end

local j_sec = function(v) return string.format("%d", v // hz()) end
local j_userhz = function(v) return string.format("%d", jiffies_to_clock_t(v)) end
local j_ms = function(v) return string.format("%d", jiffies_to_msecs(v)) end

-- proc_do_large_bitmap: ranges "0-3,7" of the set bits
local function large_bitmap(t)
  local p = data_of(t)
  if p == 0 then return nil, "no data" end
  local bits = kd.read_u64(p) -- data is unsigned long **
  local nbits = t.maxlen
  if bits == 0 or nbits <= 0 then return "\n" end
  local nwords = (nbits + 63) // 64
  local raw = kd.read(bits, nwords * 8)
  -- no bit set (ip_local_reserved_ports: 65536 bits, usually none)
  if not raw:find("[^%z]") then return "\n" end
  local words = {}
  for w = 1, nwords do words[w] = string.unpack("<i8", raw, (w - 1) * 8 + 1) end
  return bitmap_list(words, nbits) .. "\n"
end

-- struct static_key { atomic_t enabled; ... } at an address
local function key_at(addr) return kd.read_s32(addr) > 0 end
local function key_named(name)
  local a = kd.symbol_address(name)
  if not a then return nil end
  return key_at(a)
end
local function bool01(b) return (b and "1" or "0") .. "\n" end

local function static_key(t)
  local k = data_of(t)
  if k == 0 then return nil, "no data" end
  return bool01(key_at(k))
end

-- sum over possible CPUs of a per-CPU long variable
local function percpu_long_sum(name)
  local base = kd.symbol_address(name)
  if not base then return nil end
  local offs = sym("__per_cpu_offset")
  local sum = 0
  for _, c in ipairs(kd.cpus("possible")) do sum = sum + kd.read_u64(base + offs[c]) end
  return sum
end

-- percpu_counter_sum(): count + the per-CPU s32 deltas (possible CPUs)
local function percpu_counter_sum(pc)
  local sum = pc.count
  if pc.counters ~= nil then
    local base = pc:member_("counters"):value_()
    local offs = sym("__per_cpu_offset")
    for _, c in ipairs(kd.cpus("possible")) do sum = sum + kd.read_s32(base + offs[c]) end
  end
  return sum
end

local function init_net() return sym("init_net") end

-- SKB_TRUESIZE(ETH_FRAME_LEN): 1514 + the cache-aligned sizes of sk_buff
-- and skb_shared_info (SMP_CACHE_BYTES: the x86 L1 line, 64)
local function skb_truesize(x)
  local function align(n) return (n + 63) & ~63 end
  return x + align(kd.type("struct sk_buff").size) + align(kd.type("struct skb_shared_info").size)
end

-- names of a list of registered ops (tcp_cong_list, tcp_ulp_list)
local function list_names(head, tname, member, filter)
  local out = {}
  local h = sym(head)
  if not h then return nil end
  for o in kd.list(h, tname, member) do
    if not filter or filter(o) then out[#out + 1] = o.name:string_() end
  end
  return out
end

-- handler name -> renderer(table) -> text | nil, why.  Handlers that only
-- check or post-process writes print the table's data like the base
-- handler they call.
M.HANDLERS = {
  proc_dointvec = int_vec(),
  proc_dointvec_minmax = int_vec(),
  proc_dointvec_minmax_sysadmin = int_vec(),
  proc_dointvec_minmax_coredump = int_vec(),
  proc_dointvec_minmax_warn_RT_change = int_vec(),
  proc_dointvec_minmax_bpf_restricted = int_vec(),
  proc_dointvec_minmax_bpf_enable = int_vec(),
  -- msgmni is no longer scaled (3.19+): a dummy 0
  proc_ipc_auto_msgmni = function() return "0\n" end,
  proc_douintvec = uint_vec,
  proc_douintvec_minmax = uint_vec,
  proc_dou8vec_minmax = u8_vec,
  proc_dobool = function(t) return vec(t, t.maxlen == 1 and 1 or 4, nil, true) end,
  proc_dointvec_jiffies = int_vec(j_sec),
  proc_dointvec_userhz_jiffies = int_vec(j_userhz),
  proc_dointvec_ms_jiffies = int_vec(j_ms),
  proc_dointvec_ms_jiffies_minmax = int_vec(j_ms),
  proc_dostring = dostring,
  proc_dostring_coredump = dostring,
  proc_doulongvec_minmax = ulong_vec(),
  proc_doulongvec_ms_jiffies_minmax = ulong_vec(j_ms),
  proc_do_large_bitmap = large_bitmap,
  proc_do_static_key = static_key,
  proc_dohung_task_timeout_secs = ulong_vec(),
  proc_dopipe_max_size = uint_vec,
  proc_do_rointvec = int_vec(),
  proc_first_pos_non_zero_ignore = int_vec(),
  devkmsg_sysctl_set_loglvl = dostring,
  overcommit_policy_handler = int_vec(),
  overcommit_ratio_handler = int_vec(),
  overcommit_kbytes_handler = ulong_vec(),
  min_free_kbytes_sysctl_handler = int_vec(),
  watermark_scale_factor_sysctl_handler = int_vec(),
  watermark_boost_factor_sysctl_handler = int_vec(),
  dirty_background_ratio_handler = int_vec(),
  dirty_background_bytes_handler = ulong_vec(),
  dirty_ratio_handler = int_vec(),
  dirty_bytes_handler = ulong_vec(),
  dirty_writeback_centisecs_handler = int_vec(),
  dirtytime_interval_handler = int_vec(),
  lowmem_reserve_ratio_sysctl_handler = int_vec(),
  percpu_pagelist_high_fraction_sysctl_handler = int_vec(),
  mmap_min_addr_handler = ulong_vec(),
  compaction_proactiveness_sysctl_handler = int_vec(),
  sysctl_vm_numa_stat_handler = int_vec(),
  numa_zonelist_order_handler = dostring,
  sysctl_min_unmapped_ratio_sysctl_handler = int_vec(),
  sysctl_min_slab_ratio_sysctl_handler = int_vec(),
  sched_rt_handler = int_vec(),
  sched_rr_handler = int_vec(),
  -- proc_dointvec/proc_douintvec(_minmax) behind a lock or before a
  -- write-side action (read: the plain format of the data):
  -- net.bridge.bridge-nf-call-* (br_netfilter_hooks.c), dev.cdrom.*
  -- (drivers/cdrom/cdrom.c), kernel.sched_util_clamp_* (sched/core.c),
  -- kernel.latencytop, kernel.user_events_max (trace_events_user.c)
  brnf_sysctl_call_tables = int_vec(),
  cdrom_sysctl_handler = int_vec(),
  sysctl_sched_uclamp_handler = int_vec(),
  sysctl_latencytop = int_vec(),
  set_max_user_events_sysctl = uint_vec,
  -- kernel.sched_itmt_enabled (arch/x86/kernel/itmt.c): EINVAL unless the
  -- platform is ITMT capable, else proc_dointvec_minmax
  sched_itmt_update_handler = function(t)
    local cap = kd.symbol_address("sched_itmt_capable")
    if cap and kd.read_u8(cap) == 0 then return nil, "read fails (EINVAL): the platform is not ITMT capable" end
    return int_vec()(t)
  end,
  -- net.netfilter.nf_conntrack_buckets (nf_conntrack_standalone.c): the
  -- handler copies nf_conntrack_htable_size into the table's data, then
  -- proc_dointvec
  nf_conntrack_hash_sysctl = function()
    local a = kd.symbol_address("nf_conntrack_htable_size")
    if not a then return nil, "nf_conntrack_htable_size not found" end
    return kd.read_s32(a) .. "\n"
  end,
  -- 6.10 "sched/topology: Change behaviour of the 'sched_energy_aware'
  -- sysctl, based on the platform" (sched_is_eas_possible, the probe): a
  -- read gives nothing (length 0) when EAS cannot run; its first test is
  -- asymmetric CPU capacity (per-CPU sd_asym_cpucapacity), which no CPU
  -- having settles it.  The later tests (SMT, frequency invariance,
  -- schedutil) are not repeated: with asymmetric CPUs the value is shown
  sched_energy_aware_handler = function(t)
    if kd.symbol_address("sched_is_eas_possible") and kd.symbol_address("sd_asym_cpucapacity") then
      local any = false
      for _, c in ipairs(kd.cpus("possible")) do
        if kd.addr(kd.per_cpu("sd_asym_cpucapacity", c)) ~= 0 then any = true; break end
      end
      if not any then return nil, "reads empty: no asymmetric CPU capacity, so EAS is not possible (sched_is_eas_possible)" end
    end
    return int_vec()(t)
  end,
  perf_proc_update_handler = int_vec(),
  perf_cpu_time_max_percent_handler = int_vec(),
  perf_event_max_stack_handler = int_vec(),
  timer_migration_handler = int_vec(),
  stack_trace_sysctl = int_vec(),
  ftrace_enable_sysctl = int_vec(),
  tracepoint_printk_sysctl = int_vec(),
  proc_kprobes_optimization_handler = int_vec(),
  proc_soft_watchdog = int_vec(),
  proc_nmi_watchdog = int_vec(),
  proc_watchdog = int_vec(),
  proc_watchdog_thresh = int_vec(),
  bpf_unpriv_handler = int_vec(),
  bpf_stats_handler = static_key,
  yama_dointvec_minmax = int_vec(),
  apparmor_dointvec = int_vec(),
  proc_ipc_dointvec = int_vec(),
  proc_ipc_dointvec_minmax = int_vec(),
  proc_ipc_dointvec_minmax_orphans = int_vec(),
  proc_ipc_doulongvec_minmax = ulong_vec(),
  proc_ipc_sem_dointvec = int_vec(),
  proc_mq_dointvec = int_vec(),
  proc_mq_dointvec_minmax = int_vec(),
  -- networking (data already points into init_net's copy of the table)
  -- 6.1: the range array itself; 6.8 "inet: ... ip_local_ports.range as
  -- one u32" made data the struct net (maxlen 0): low | high << 16
  ipv4_local_port_range = function(t)
    if t.maxlen ~= 0 then return int_vec()(t) end
    local data = data_of(t)
    if data == 0 then return nil, "no data" end
    local r = kd.object("struct net", data).ipv4.ip_local_ports.range
    if type(r) ~= "number" then r = r:value_() end
    return string.format("%d\t%d\n", r & 0xffff, r >> 16)
  end,
  ipv4_privileged_ports = int_vec(),
  ipv4_fwd_update_priority = u8_vec,
  proc_fib_multipath_hash_policy = u8_vec,
  proc_fib_multipath_hash_fields = uint_vec,
  proc_rt6_multipath_hash_policy = u8_vec,
  proc_rt6_multipath_hash_fields = uint_vec,
  proc_tfo_blackhole_detect_timeout = int_vec(),
  proc_tcp_early_demux = int_vec(),
  proc_udp_early_demux = int_vec(),
  ipv4_doint_and_flush = int_vec(),
  devinet_sysctl_forward = int_vec(),
  devinet_conf_proc = int_vec(),
  addrconf_sysctl_forward = int_vec(),
  addrconf_sysctl_mtu = int_vec(),
  addrconf_sysctl_disable = int_vec(),
  addrconf_sysctl_proxy_ndp = int_vec(),
  addrconf_sysctl_ignore_routes_with_linkdown = int_vec(),
  addrconf_sysctl_disable_policy = int_vec(),
  addrconf_sysctl_addr_gen_mode = uint_vec,
  flow_limit_table_len_sysctl = int_vec(),
  proc_do_dev_weight = int_vec(),
  proc_dolongvec_minmax_bpf_restricted = ulong_vec(),
  neigh_proc_dointvec = int_vec(),
  neigh_proc_dointvec_zero_intmax = int_vec(),
  neigh_proc_dointvec_jiffies = int_vec(j_sec),
  neigh_proc_dointvec_userhz_jiffies = int_vec(j_userhz),
  neigh_proc_dointvec_ms_jiffies = int_vec(j_ms),
  neigh_proc_dointvec_ms_jiffies_positive = int_vec(j_ms),
  -- chooses by procname (net/core/neighbour.c, net/ipv6/ndisc.c)
  neigh_proc_base_reachable_time = function(t)
    local n = t.name
    if n == "base_reachable_time" then return vec(t, 4, j_sec, true) end
    return vec(t, 4, j_ms, true)
  end,
  ndisc_ifinfo_sysctl_change = function(t)
    local n = t.name
    if n == "retrans_time" then return vec(t, 4, nil, true) end
    if n == "base_reachable_time" then return vec(t, 4, j_sec, true) end
    return vec(t, 4, j_ms, true)
  end,
  -- unres_qlen: the byte limit over SKB_TRUESIZE(ETH_FRAME_LEN)
  neigh_proc_dointvec_unres_qlen = function(t)
    return vec(t, 4, function(v) return string.format("%d", v // skb_truesize(1514)) end, true)
  end,
  proc_taint = function() return string.format("%s\n", ulong(ival(sym("tainted_mask")) or 0)) end,
  -- pid_vnr(cad_pid) in init's namespace
  proc_do_cad_pid = function()
    local p = sym("cad_pid")
    if not p or p:value_() == 0 then return "0\n" end
    return string.format("%d\n", p.numbers[0].nr)
  end,
  -- the field of the reader's (init's) uts namespace: the table's data
  proc_do_uts_string = dostring,
  -- usermodehelper bset/inheritable: data is the cookie 1 (CAP_BSET) or 2
  -- (CAP_PI); printed as the u32 words of the kernel_cap_t
  proc_cap_handler = function(t)
    local which = data_of(t)
    local cap = sym(which == 1 and "usermodehelper_bset" or "usermodehelper_inheritable")
    if not cap then return nil, "usermodehelper caps not found" end
    local a = cap:address_()
    return string.format("%d\t%d\n", kd.read_u32(a), kd.read_u32(a + 4))
  end,
  -- boot_id is made once (data: sysctl_bootid); uuid is new on every read
  proc_do_uuid = function(t)
    local data = data_of(t)
    if data == 0 then return nil, "a new random UUID on every read" end
    local b = kd.read(data, 16)
    if b == string.rep("\0", 16) then return nil, "boot_id not generated yet" end
    local h = b:gsub(".", function(c) return string.format("%02x", c:byte()) end)
    return h:sub(1, 8) .. "-" .. h:sub(9, 12) .. "-" .. h:sub(13, 16) .. "-" ..
      h:sub(17, 20) .. "-" .. h:sub(21, 32) .. "\n"
  end,
  -- random.entropy_avail (6.1: POOL_READY_BITS once crng is ready): data
  proc_do_entropy = int_vec(),
  -- files_stat with nr_files = get_nr_files() =
  -- percpu_counter_read_positive(&nr_files): the shared count alone, not
  -- the CPUs' unfolded deltas (fs/file_table.c, 6.1 and 6.12); with many
  -- CPUs the batch is larger and the count may stay 0 for a long time
  proc_nr_files = function(t)
    local pc = sym("nr_files")
    local fs = sym("files_stat")
    if not pc or not fs then return nil, "nr_files/files_stat not found" end
    local n = pc.count
    if n < 0 then n = 0 end
    return string.format("%d\t%d\t%d\n", n, fs.nr_free_files, fs.max_files)
  end,
  -- inodes_stat with nr_inodes/nr_unused summed over CPUs (long each)
  proc_nr_inodes = function(t)
    local nr, unused = percpu_long_sum("nr_inodes"), percpu_long_sum("nr_unused")
    if not nr then return nil, "nr_inodes not found" end
    if nr < 0 then nr = 0 end
    if not unused or unused < 0 then unused = 0 end
    local n = t.maxlen // 8
    local vals = { nr, unused }
    local raw = kd.read(data_of(t), n * 8)
    for i = 3, n do vals[i] = string.unpack("<i8", raw, (i - 1) * 8 + 1) end
    return table.concat(vals, "\t", 1, n) .. "\n"
  end,
  -- dentry_stat with the three per-CPU sums
  proc_nr_dentry = function(t)
    local raw = kd.read(data_of(t), 6 * 8)
    local vals = {}
    for i = 1, 6 do vals[i] = string.unpack("<i8", raw, (i - 1) * 8 + 1) end
    local function pos(v) if not v or v < 0 then return 0 end return v end
    vals[1] = pos(percpu_long_sum("nr_dentry"))
    vals[2] = pos(percpu_long_sum("nr_dentry_unused"))
    vals[5] = pos(percpu_long_sum("nr_dentry_negative"))
    local s = {}
    for i = 1, t.maxlen // 8 do s[i] = ulong(vals[i]) end
    return table.concat(s, "\t") .. "\n"
  end,
  -- dqstats.stat[type] refreshed from percpu_counter_sum(&dqstats.counter[type])
  do_proc_dqstats = function(t)
    local dq = sym("dqstats")
    if not dq then return nil, "dqstats not found" end
    local idx = (data_of(t) - dq.stat:address_()) // 8
    local v = percpu_counter_sum(dq.counter[idx])
    if v < 0 and (idx == 5 or idx == 6) then v = 0 end -- DQST_ALLOC/FREE_DQUOTS
    return ulong(v) .. "\n"
  end,
  -- kernel.ns_last_pid: the reader's (init's) pid namespace cursor - 1
  pid_ns_ctl_handler = function()
    local ns = sym("init_pid_ns")
    if not ns then return nil, "init_pid_ns not found" end
    return string.format("%d\n", ns.idr.idr_next - 1)
  end,
  sysrq_sysctl_handler = function()
    local always = ival(sym("sysrq_always_enabled")) or 0
    if always ~= 0 then return "1\n" end
    return string.format("%d\n", ival(sym("sysrq_enabled")) or 0)
  end,
  sysctl_max_threads = function() return string.format("%d\n", ival(sym("max_threads")) or 0) end,
  sysctl_schedstats = function() return bool01(key_named("sched_schedstats")) end,
  sysctl_delayacct = function() return bool01(key_named("delayacct_key")) end,
  sysctl_numa_balancing = function()
    local v = ival(sym("sysctl_numa_balancing_mode"))
    if v then return string.format("%d\n", v) end
    return bool01(key_named("sched_numa_balancing"))
  end,
  seccomp_actions_logged_handler = function()
    local names = sym("seccomp_log_names")
    local logged = ival(sym("seccomp_actions_logged"))
    if not names or not logged then return nil, "seccomp_log_names not found" end
    local out, i = {}, 0
    while true do
      local e = names[i]
      if e.name == nil then break end
      if (logged & e.log) ~= 0 then out[#out + 1] = e.name:string_() end
      i = i + 1
      if i > 64 then break end
    end
    return table.concat(out, " ") .. "\n"
  end,
  proc_watchdog_cpumask = function()
    local ok, cpu = pcall(require, "kernel.cpu")
    local m = sym("watchdog_cpumask")
    if not ok or not m then return nil, "watchdog_cpumask not found" end
    return cpu.mask_list(cpu.mask_cpus(m)) .. "\n"
  end,
  hugetlb_sysctl_handler = function()
    local hs = sym("hstates")
    local idx = ival(sym("default_hstate_idx"))
    if not hs or not idx then return nil, "hstates not found" end
    return ulong(hs[idx].max_huge_pages) .. "\n"
  end,
  hugetlb_mempolicy_sysctl_handler = function(t) return M.HANDLERS.hugetlb_sysctl_handler(t) end,
  -- handlers that check or act on writes only and read through
  -- proc_dointvec(_minmax) of the table's data
  mac_hid_toggle_emumouse = int_vec(),
  xfs_deprecated_dointvec_minmax = int_vec(),
  xfs_panic_mask_proc_handler = int_vec(),
  xfs_stats_clear_proc_handler = int_vec(),
  perf_event_max_sample_rate_handler = int_vec(),
  -- kernel.kexec_load_limit_*: the limit of the struct kexec_load_limit
  kexec_limit_handler = function(t)
    local data = data_of(t)
    if data == 0 then return nil, "no data" end
    return kd.object("struct kexec_load_limit", data).limit .. "\n"
  end,
  -- sunrpc.*_debug (net/sunrpc/sysctl.c proc_dodebug): "0x%04x"
  proc_dodebug = function(t)
    local data = data_of(t)
    if data == 0 then return nil, "no data" end
    return string.format("0x%04x\n", kd.read_u32(data))
  end,
  -- net.core.rps_default_mask: the netns's mask ("%*pb"), none when unset
  rps_default_mask_sysctl = function(t)
    local data = data_of(t)
    if data == 0 then return nil, "no data" end
    local net = kd.object("struct net", data)
    local nbits = ival(sym("nr_cpu_ids")) or 64
    local words = {}
    local m = net.core.rps_default_mask
    for i = 0, (nbits + 63) // 64 - 1 do
      words[i + 1] = (m ~= nil) and kd.read_u64(m:value_() + 8 * i) or 0
    end
    return require("kernel.procfs").bitmap_hex(words, nbits) .. "\n"
  end,
  -- net.ipv4.udp_hash_entries: the netns's udp_table size, negative for a
  -- child netns sharing the global table
  proc_udp_hash_entries = function(t)
    local data = data_of(t)
    if data == 0 then return nil, "no data" end
    local net = kd.container_of(kd.pointer("int", data), "struct net", "ipv4.sysctl_udp_child_hash_entries")
    local tbl = net.ipv4.udp_table
    local n = tbl.mask + 1
    if net:value_() ~= kd.symbol_address("init_net") and tbl:value_() == kd.symbol_address("udp_table") then n = -n end
    return n .. "\n"
  end,
  -- net.ipv4.fib_multipath_hash_seed: the seed the user set
  proc_fib_multipath_hash_seed = function(t)
    local data = data_of(t)
    if data == 0 then return nil, "no data" end
    return kd.object("struct net", data).ipv4.sysctl_fib_multipath_hash_seed.user_seed .. "\n"
  end,
  -- net.mptcp.*: the scheduler name (a string in the pernet data), the
  -- registered schedulers, the blackhole timeout (proc_dointvec_minmax)
  proc_scheduler = function(t)
    local data = data_of(t)
    if data == 0 then return nil, "no data" end
    return kd.read_string(data, 16) .. "\n"
  end,
  proc_available_schedulers = function()
    local head = sym("mptcp_sched_list")
    if not head then return nil, "mptcp_sched_list not found" end
    local names = {}
    for sch in kd.list(head, "struct mptcp_sched_ops", "list") do names[#names + 1] = sch.name:string_() end
    return table.concat(names, " ") .. "\n"
  end,
  proc_blackhole_detect_timeout = int_vec(),
  -- net.netfilter.nf_hooks_lwtunnel: the static key nf_hooks_lwtunnel_enabled
  nf_hooks_lwtunnel_sysctl_handler = function()
    local k = sym("nf_hooks_lwtunnel_enabled")
    if not k then return nil, "nf_hooks_lwtunnel_enabled not found" end
    return ((k.key.enabled.counter > 0) and 1 or 0) .. "\n"
  end,
  -- sunrpc.transports (svc_print_xprts): "name max_payload" per registered
  -- server transport class
  proc_do_xprt = function()
    local head = sym("svc_xprt_class_list")
    if not head then return nil, "svc_xprt_class_list not found" end
    if not kd.has_type("struct svc_xprt_class") then
      return nil, "no type information for struct svc_xprt_class (sunrpc's debug file has no types)"
    end
    local out = {}
    for x in kd.list(head, "struct svc_xprt_class", "xcl_list") do
      out[#out + 1] = string.format("%s %d\n", x.xcl_name:string_(), x.xcl_max_payload)
    end
    return table.concat(out)
  end,
  -- vm.memfd_noexec: the reader's pid namespace's scope (init's here)
  pid_mfd_noexec_dointvec_minmax = function()
    local ns = sym("init_pid_ns")
    if not ns or not kd.has_member("struct pid_namespace", "memfd_noexec_scope") then
      return nil, "init_pid_ns.memfd_noexec_scope not found"
    end
    return ival(ns.memfd_noexec_scope) .. "\n"
  end,
  hugetlb_overcommit_handler = function()
    local hs = sym("hstates")
    local idx = ival(sym("default_hstate_idx"))
    if not hs or not idx then return nil, "hstates not found" end
    return ulong(hs[idx].nr_overcommit_huge_pages) .. "\n"
  end,
  -- net.core.rps_sock_flow_entries: the table's mask + 1, or 0
  rps_sock_flow_sysctl = function()
    local t = sym("rps_sock_flow_table")
    if not t or t:value_() == 0 then return "0\n" end
    return string.format("%d\n", t.mask + 1)
  end,
  -- net.core.flow_limit_cpu_bitmap: "%*pb" of CPUs with a flow_limit table
  flow_limit_cpu_sysctl = function()
    local ok, cpu = pcall(require, "kernel.cpu")
    if not ok then return nil, "kernel.cpu" end
    local set = {}
    for _, c in ipairs(kd.cpus("possible")) do
      local sd = kd.per_cpu("softnet_data", c)
      if sd.flow_limit ~= nil then set[#set + 1] = c end
    end
    return cpu.mask_hex(set) .. "\n"
  end,
  set_default_qdisc = function()
    local q = sym("default_qdisc_ops")
    if not q or q:value_() == 0 then return nil, "default_qdisc_ops not set" end
    return q.id:string_() .. "\n"
  end,
  proc_tcp_congestion_control = function()
    local n = init_net()
    local ca = n and n.ipv4.tcp_congestion_control
    if ca == nil then return nil, "no default congestion control" end
    return ca.name:string_() .. "\n"
  end,
  proc_tcp_available_congestion_control = function()
    local l = list_names("tcp_cong_list", "struct tcp_congestion_ops", "list")
    if not l then return nil, "tcp_cong_list not found" end
    return table.concat(l, " ") .. "\n"
  end,
  -- TCP_CONG_NON_RESTRICTED (1)
  proc_allowed_congestion_control = function()
    local l = list_names("tcp_cong_list", "struct tcp_congestion_ops", "list",
      function(o) return (o.flags & 1) ~= 0 end)
    if not l then return nil, "tcp_cong_list not found" end
    return table.concat(l, " ") .. "\n"
  end,
  proc_tcp_available_ulp = function()
    local l = list_names("tcp_ulp_list", "struct tcp_ulp_ops", "list")
    if not l then return nil, "tcp_ulp_list not found" end
    return table.concat(l, " ") .. "\n"
  end,
  -- ehash_mask + 1 of the netns's hash table (negative when not init_net's)
  proc_tcp_ehash_entries = function()
    local n = init_net()
    local hi = n.ipv4.tcp_death_row.hashinfo
    return string.format("%d\n", hi.ehash_mask + 1)
  end,
  proc_tcp_fastopen_key = function()
    local n = init_net()
    local ctx = n.ipv4.tcp_fastopen_ctx
    if ctx == nil then return "00000000-00000000-00000000-00000000\n" end
    local keys = {}
    for k = 0, ctx.num - 1 do
      local b = kd.read(ctx.key[k]:address_(), 16)
      local w = { string.unpack("<I4I4I4I4", b) }
      keys[#keys + 1] = string.format("%08x-%08x-%08x-%08x", w[1], w[2], w[3], w[4])
    end
    return table.concat(keys, ",") .. "\n"
  end,
  proc_do_rss_key = function()
    local k = sym("netdev_rss_key")
    if not k then return nil, "netdev_rss_key not found" end
    local n = #k
    if n == 0 then n = 52 end
    local b = kd.read(k:address_(), n)
    local hex = {}
    for i = 1, n do hex[i] = string.format("%02x", b:byte(i)) end
    return table.concat(hex, ":") .. "\n"
  end,
  ipv4_ping_group_range = function()
    local n = init_net()
    local r = n.ipv4.ping_group_range.range
    return string.format("%d\t%d\n", r[0].val, r[1].val)
  end,
  -- the logger bound to protocol family extra1 in netns extra2
  nf_log_proc_dostring = function(t)
    local idx, net = extra(t, 1), extra(t, 2)
    if net == 0 then return nil, "no netns" end
    local nn = kd.object("struct net", net)
    local lg = nn.nf.nf_loggers[idx]
    if lg == nil then return "NONE\n" end
    return lg.name:string_() .. "\n"
  end,
}

-- handler names that mean "no value until read": stable_secret gives EIO
-- until set, vm.stat_refresh returns nothing on read
M.UNREADABLE = {
  addrconf_sysctl_stable_secret = "stable_secret: read fails (EIO) until a secret is set",
  vmstat_refresh = "vm.stat_refresh: a read does nothing",
}

local handler_name_cache = {}
local function handler_name(t)
  local a = t.handler
  if a == 0 then return nil end
  local n = handler_name_cache[a]
  if n == nil then
    n = kd.symbolize(a) or false
    handler_name_cache[a] = n
  end
  return n or nil
end
-- symbol name of an entry's proc_handler, nil when it has none (memoized)
M.handler_name = handler_name

-- readable by root? (sysctl_perm: root uses the owner bits; net tables also
-- through net_ctl_permissions, which gives the owner bits to CAP_NET_ADMIN)
-- (an entry or a struct ctl_table)
function M.readable(t) return (t.mode & 0x100) ~= 0 end

-- value of one entry: text | nil, why.  The handlers get the entry
-- (name, data, maxlen, mode; table: the struct ctl_table)
function M.value(entry)
  local h = handler_name(entry)
  if not h then return nil, "no proc handler" end
  local f = M.HANDLERS[h]
  if not f then
    if M.UNREADABLE[h] then return nil, M.UNREADABLE[h] end
    return nil, "handler " .. h .. " computes its value at read time"
  end
  local ok, v, why = pcall(f, entry)
  if not ok then return nil, "handler " .. h .. ": " .. tostring(type(v) == "table" and v.message or v) end
  return v, why
end

-- all entries: list of {key = "a.b.c", path = "a/b/c", leaf = the key's
-- last component, entry}.  A dot inside a component (a VLAN device
-- "bond0.42") becomes "/" in the key, as sysctl(8) (procps, busybox) swaps
-- them when printing
function M.entries()
  local out = {}
  walk(function(_, e, key, path, leaf)
    out[#out + 1] = { key = key, path = path, leaf = leaf, entry = e }
  end, false, true)
  return out
end

-- one entry by its /proc/sys path ("kernel/pid_max")
function M.lookup(path)
  local comps = {}
  for c in path:gmatch("[^/]+") do comps[#comps + 1] = c end
  local dir = default_dir()
  if not dir then return nil end
  local above = {}
  for i, name in ipairs(comps) do
    local e = find_entry(dir, name)
    if not e then return nil end
    local mode = e.mode & S_IFMT
    if mode == S_IFLNK then
      e = follow(e, above)
      if not e then return nil end
      mode = e.mode & S_IFMT
    end
    if i == #comps then return e end
    if mode ~= S_IFDIR then return nil end
    dir = dir_of(e.head)
    above[#above + 1] = name
  end
  return nil
end

-- /proc/sys/<path> text: text | nil, why
function M.file(path)
  local e = M.lookup(path)
  if not e then return nil, "no sysctl " .. path .. " registered in this kernel" end
  if not M.readable(e) then return nil, "not readable (mode " .. string.format("%o", e.mode & 0xfff) .. ")" end
  return M.value(e)
end

-- procps-ng's sysctl hides these leaf names unless --deprecated
M.DEPRECATED = { base_reachable_time = true, retrans_time = true }

-- `sysctl -a` (procps-ng): "key = value" for every readable entry, in
-- readdir order; a value of several lines gives one "key = line" per line;
-- the deprecated names are left out like procps does (opts.busybox: kept,
-- as busybox's sysctl does).  Returns text, list of {key, why} of entries
-- that are readable but whose value the dump cannot give
function M.sysctl_a(opts)
  opts = opts or {}
  local lines, missing = {}, {}
  local busybox, deprecated, value = opts.busybox, M.DEPRECATED, M.value
  -- straight from the walk (no list of entries made first)
  walk(function(_, e, key, _, leaf)
    if (e.mode & 0x100) ~= 0 and (busybox or not deprecated[leaf]) then   -- M.readable
      local v, why = value(e)
      local nl = v and v:find("\n", 1, true)
      if v and (nl == nil or nl == #v) then   -- one line (the common case)
        lines[#lines + 1] = key .. " = " .. (nl and v:sub(1, -2) or v)
      elseif v then
        v = v:gsub("\n$", "")
        if v == "" then
          lines[#lines + 1] = key .. " = "
        else
          for l in (v .. "\n"):gmatch("([^\n]*)\n") do lines[#lines + 1] = key .. " = " .. l end
        end
      else
        missing[#missing + 1] = { key, why }
      end
    end
  end, false, false)
  return table.concat(lines, "\n") .. "\n", missing
end

return M
