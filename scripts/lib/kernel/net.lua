-- kernel/net.lua: the networking state of a dump -- namespaces, devices
-- and their counters, interface addresses, sockets of every family and
-- which processes hold them -- as plain Lua values for the formatters in
-- net_proc.lua (/proc/net), net_ip.lua (iproute2), net_tools.lua
-- (net-tools netstat/route).
--
-- Written against Linux 6.1 (include/linux/netdevice.h, include/net/sock.h,
-- net/ipv4/tcp_ipv4.c, net/ipv4/udp.c, net/ipv4/raw.c, net/unix/af_unix.c,
-- net/core/net-procfs.c, net/core/dev.c) with kd.has_member branches where
-- other releases lay things out differently (noted beside each).
--
-- Mirrors: net/core/dev.c, net/core/net-procfs.c, include/linux/netdevice.h,
--   net/ipv4/tcp_ipv4.c, net/ipv4/udp.c, net/ipv4/raw.c, net/unix/af_unix.c

local task = require("kernel.task")

local M = {}

local pval, ival = task.pval, task.ival

-- {====== memoised layout questions ======

local memo_t, memo_m, memo_off = {}, {}, {}

local function has_type(name)
  local v = memo_t[name]
  if v == nil then v = kd.has_type(name) and true or false; memo_t[name] = v end
  return v
end
-- kd.has_type, memoized per type name
M.has_type = has_type

-- memo_m[tname][path]: no key string built per call (a hot helper)
local function has_member(tname, path)
  local mt = memo_m[tname]
  if mt == nil then mt = {}; memo_m[tname] = mt end
  local v = mt[path]
  if v == nil then
    v = has_type(tname) and kd.has_member(tname, path) or false
    mt[path] = v
  end
  return v
end
M.has_member = has_member

local function offsetof(tname, path)
  local key = tname .. "\0" .. path
  local v = memo_off[key]
  if v == nil then v = kd.member_offset(tname, path); memo_off[key] = v end
  return v
end
-- kd.member_offset, memoized per type and member path
M.offsetof = offsetof

local sym = require("kernel.util").symbol_or_nil
M.sym = sym


M.ival = ival

-- address of a struct object, value of a pointer object, or the number
-- (kernel.fs.pval, which task.pval is too)
M.pval = pval

-- refcount_t / atomic_t / plain integer
local function refcnt(r)
  if type(r) == "number" then return r end
  if has_member("refcount_t", "refs") or tostring(r:type_()):find("refcount") then
    local ok, v = pcall(function() return r.refs.counter end)
    if ok then return v end
  end
  return ival(r)
end
M.refcnt = refcnt

local function s32(v) v = v & 0xffffffff; if v >= 0x80000000 then v = v - 0x100000000 end return v end
local function u32(v) return v & 0xffffffff end
M.s32, M.u32 = s32, u32

-- unsigned decimal of a 64-bit integer
local function u64s(v)
  if v >= 0 then return tostring(v) end
  return string.format("%.0f", v + 18446744073709551616.0) -- > 2^63 only
end
M.u64s = u64s

-- }======

-- {====== possible CPUs and per-CPU sums ======

local possible
-- the possible CPUs (kd.cpus("possible"), {0} when unknown), memoized
function M.possible_cpus()
  if possible == nil then
    local ok, l = pcall(kd.cpus, "possible")
    possible = ok and l or { 0 }
  end
  return possible
end

-- address of the per-CPU copy of a __percpu pointer value on `cpu`
function M.percpu_addr(ptr_obj, cpu)
  return kd.per_cpu(ptr_obj, cpu):address_()
end

-- sum over possible CPUs of n consecutive 64-bit (or 32-bit with w=4)
-- counters starting at the per-CPU object `ptr_obj` (+ byte offset)
function M.percpu_sum_array(ptr_obj, n, w, off)
  w = w or 8
  off = off or 0
  local sums = {}
  for i = 1, n do sums[i] = 0 end
  local fmt = (w == 8) and "<i8" or "<i4"
  for _, cpu in ipairs(M.possible_cpus()) do
    local a = M.percpu_addr(ptr_obj, cpu) + off
    local raw = kd.read(a, n * w)
    for i = 1, n do sums[i] = sums[i] + string.unpack(fmt, raw, (i - 1) * w + 1) end
  end
  return sums
end

-- }======

-- {====== pointers as the kernel prints them (%pK, %p) ======

-- one implementation for all kernel libraries: kernel/vsprintf.lua
local vsprintf = require("kernel.vsprintf")
M.siphash_1u64 = vsprintf.siphash_1u64
M.pointer_mode = vsprintf.pointer_mode
M.pk = vsprintf.pk
M.p = vsprintf.p

-- }======

-- {====== addresses ======

-- a __be32 as read on a little-endian host: first octet in the low byte
local LE = true

-- the four bytes of a __be32 value in network (memory) order
function M.be32_bytes(v)
  v = v & 0xffffffff
  if LE then return v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >> 24) & 0xff end
  return (v >> 24) & 0xff, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff
end

-- a __be32 IPv4 address as dotted quad text
function M.ip4(v)
  local a, b, c, d = M.be32_bytes(v)
  return string.format("%d.%d.%d.%d", a, b, c, d)
end

-- host-order value of a __be32 (for masks and comparisons)
function M.ntohl(v)
  local a, b, c, d = M.be32_bytes(v)
  return (a << 24) | (b << 16) | (c << 8) | d
end

-- host-order value of a __be16
function M.ntohs(v)
  v = v & 0xffff
  return ((v & 0xff) << 8) | (v >> 8)
end

-- 16 raw bytes of a struct in6_addr object or address
function M.in6_bytes(obj_or_addr)
  local a = obj_or_addr
  if type(a) ~= "number" then a = a:address_() end
  return kd.read(a, 16)
end

-- "%pi6": 32 lowercase hex digits
function M.ip6_hex(b)
  return (b:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end

-- "%08X%08X%08X%08X" of s6_addr32[0..3] (host-order words, as tcp6/udp6 print)
function M.ip6_words_hex(b)
  local w = { string.unpack("<I4<I4<I4<I4", b) }
  return string.format("%08X%08X%08X%08X", w[1], w[2], w[3], w[4])
end

-- inet_ntop(AF_INET6) as glibc formats it (RFC 5952 style: longest run of
-- two or more zero groups compressed; ::ffff:a.b.c.d and ::a.b.c.d forms)
function M.ip6(b)
  local w = {}
  for i = 1, 8 do w[i] = (b:byte(2 * i - 1) << 8) | b:byte(2 * i) end
  local best, bestlen, cur, curlen = -1, 0, -1, 0
  for i = 1, 8 do
    if w[i] == 0 then
      if cur < 0 then cur, curlen = i, 1 else curlen = curlen + 1 end
      if curlen > bestlen then best, bestlen = cur, curlen end
    else
      cur, curlen = -1, 0
    end
  end
  if bestlen < 2 then best = -1 end
  local out = {}
  local i = 1
  while i <= 8 do
    if best > 0 and i == best then
      out[#out + 1] = (i == 1) and "::" or ":"
      i = i + bestlen
    else
      if i == 7 and best == 1 and (bestlen == 6 or (bestlen == 5 and w[6] == 0xffff)) then
        out[#out + 1] = string.format("%d.%d.%d.%d", b:byte(13), b:byte(14), b:byte(15), b:byte(16))
        break
      end
      out[#out + 1] = string.format("%x", w[i])
      if i < 8 then out[#out + 1] = ":" end
      i = i + 1
    end
  end
  return table.concat(out)
end

-- true when the 16-byte IPv6 address string is an IPv4-mapped one (::ffff:a.b.c.d)
function M.ip6_is_v4mapped(b)
  return b:sub(1, 10) == string.rep("\0", 10) and b:sub(11, 12) == "\255\255"
end

-- true when the 16-byte IPv6 address string is :: (all zeros)
function M.ip6_is_any(b) return b == string.rep("\0", 16) end

-- "aa:bb:..." of n bytes at an address
function M.mac(addr, n)
  if n == 0 or addr == 0 then return "" end
  local raw = kd.read(addr, n)
  return (raw:gsub(".", function(c) return string.format("%02x:", c:byte()) end)):sub(1, -2)
end

-- }======

-- {====== network namespaces ======

-- the initial network namespace (struct net init_net)
function M.init_net() return kd.symbol("init_net") end

-- net_generic(n, *id) for the pernet id kept in the global id_symbol
-- (nfsd_net_id, vlan_net_id, ...): the address of that subsystem's state in
-- namespace n (default init_net), 0 when the namespace has none; nil, reason
-- when the id or the namespace's net_generic array is absent
function M.net_generic(n, id_symbol)
  local ida = kd.symbol_address(id_symbol)
  if not ida then return nil, id_symbol .. " not found" end
  n = n or M.init_net()
  local gen = pval(n:member_("gen"))
  if gen == 0 then return nil, "the namespace has no net_generic array" end
  return kd.read_u64(gen + kd.member_offset("struct net_generic", "ptr") + 8 * kd.read_u32(ida))
end

-- every struct net in net_namespace_list order (init_net first)
function M.namespaces()
  local out = {}
  local head = sym("net_namespace_list")
  if head == nil then return { M.init_net() } end
  for n in kd.list(head, "struct net", "list") do out[#out + 1] = n end
  return out
end

-- the namespace's inode number, as /proc/<pid>/ns/net shows it (ns.inum, older proc_inum)
function M.net_inum(net)
  if has_member("struct net", "ns.inum") then return net.ns.inum end
  return net.proc_inum
end

-- true when a and b are the same struct net
function M.same_net(a, b) return pval(a) == pval(b) end

-- possible_net_t -> struct net address
function M.possible_net(pn)
  if type(pn) == "number" then return pn end
  local ok, v = pcall(function() return pval(pn:member_("net")) end)
  if ok then return v end
  return pval(pn) -- !CONFIG_NET_NS: no member
end

-- }======

-- {====== network devices ======

local function devname(dev) return dev.name:string_(16) end
-- a net_device's name (dev->name, at most IFNAMSIZ bytes)
M.devname = devname

-- devices in the order of the ifindex hash (dev_index_head, as
-- /proc/net/dev and the rtnetlink dumps walk them); 6.6+ keep an xarray
-- (dev_by_index): sorted by ifindex then, which is its walk order
function M.devices(net)
  net = net or M.init_net()
  local out = {}
  if has_member("struct net", "dev_index_head") then
    local heads = net.dev_index_head
    local base = pval(heads)
    local n = 256 -- NETDEV_HASHENTRIES (1 << NETDEV_HASHBITS)
    local raw = kd.read(base, n * 8)
    local off = offsetof("struct net_device", "index_hlist")
    for h = 0, n - 1 do
      local node = string.unpack("<i8", raw, h * 8 + 1)
      local guard = 0
      while node ~= 0 do
        out[#out + 1] = kd.object("struct net_device", node - off)
        node = kd.read_u64(node)
        guard = guard + 1
        if guard > 1000000 then error("ifindex hash chain does not end", 0) end
      end
    end
    return out
  end
  for d in kd.list(net.dev_base_head, "struct net_device", "dev_list") do out[#out + 1] = d end
  table.sort(out, function(a, b) return a.ifindex < b.ifindex end)
  return out
end

-- devices in dev_base_head (registration) order
function M.devices_list(net)
  net = net or M.init_net()
  local out = {}
  for d in kd.list(net.dev_base_head, "struct net_device", "dev_list") do out[#out + 1] = d end
  return out
end

-- map ifindex -> net_device of the namespace's devices
function M.dev_by_index(net)
  local map = {}
  for _, d in ipairs(M.devices_list(net)) do map[d.ifindex] = d end
  return map
end

-- name of the ifindex in net, "if<N>" when unknown (iproute2's fallback)
function M.ifname(net, idx, cache)
  cache = cache or M.dev_by_index(net)
  local d = cache[idx]
  if d then return devname(d) end
  return "if" .. idx
end

local LINK_STATE
local function link_state_bits()
  if LINK_STATE then return LINK_STATE end
  local s = { START = 0, PRESENT = 1, NOCARRIER = 2, LINKWATCH_PENDING = 3, DORMANT = 4, TESTING = 5 }
  for k in pairs(s) do
    local ok, v = pcall(kd.enum_value, "enum netdev_state_t", "__LINK_STATE_" .. k)
    if ok and v then s[k] = v end
  end
  LINK_STATE = s
  return s
end

M.IFF = { UP = 0x1, BROADCAST = 0x2, DEBUG = 0x4, LOOPBACK = 0x8, POINTOPOINT = 0x10,
          NOTRAILERS = 0x20, RUNNING = 0x40, NOARP = 0x80, PROMISC = 0x100,
          ALLMULTI = 0x200, MASTER = 0x400, SLAVE = 0x800, MULTICAST = 0x1000,
          PORTSEL = 0x2000, AUTOMEDIA = 0x4000, DYNAMIC = 0x8000, LOWER_UP = 0x10000,
          DORMANT = 0x20000, ECHO = 0x40000 }

M.IF_OPER = { [0] = "UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP" }

-- true when the device is up (__LINK_STATE_START set; netif_running)
function M.netif_running(dev) return (dev.state >> link_state_bits().START) & 1 == 1 end
-- true when the device has carrier (__LINK_STATE_NOCARRIER clear; netif_carrier_ok)
function M.carrier_ok(dev) return (dev.state >> link_state_bits().NOCARRIER) & 1 == 0 end
-- true when the device is dormant (__LINK_STATE_DORMANT; netif_dormant)
function M.dormant(dev) return (dev.state >> link_state_bits().DORMANT) & 1 == 1 end
-- true when the device is in testing mode (__LINK_STATE_TESTING; netif_testing)
function M.testing(dev) return (dev.state >> link_state_bits().TESTING) & 1 == 1 end
-- true when the operstate is IF_OPER_UP or IF_OPER_UNKNOWN (netif_oper_up)
function M.oper_up(dev) return dev.operstate == 6 or dev.operstate == 0 end

-- dev_get_flags(): the flags rtnetlink and SIOCGIFFLAGS report
function M.dev_get_flags(dev)
  local I = M.IFF
  local flags = dev.flags & 0xffffffff
  local gflags = dev.gflags or 0
  local f = (flags & ~(I.PROMISC | I.ALLMULTI | I.RUNNING | I.LOWER_UP | I.DORMANT)) |
            (gflags & (I.PROMISC | I.ALLMULTI))
  if M.netif_running(dev) then
    if M.oper_up(dev) then f = f | I.RUNNING end
    if M.carrier_ok(dev) then f = f | I.LOWER_UP end
    if M.dormant(dev) then f = f | I.DORMANT end
  end
  return f
end

-- hardware address bytes (6.1: dev_addr is a pointer; before 5.17 an array)
function M.dev_addr(dev)
  local n = dev.addr_len
  local a = dev:member_("dev_addr")
  local addr
  if tostring(a:type_()):find("%*") then addr = pval(a) else addr = a:address_() end
  return M.mac(addr, n)
end

-- the device's link-layer broadcast address as colon-separated hex
function M.dev_broadcast(dev)
  return M.mac(dev.broadcast:address_(), dev.addr_len)
end

-- the device's permanent hardware address as colon-separated hex
function M.dev_perm_addr(dev)
  return M.mac(dev.perm_addr:address_(), dev.addr_len)
end

-- the device's rtnl_link_ops kind ("vlan", "bond", "veth", ...), nil for none
function M.dev_kind(dev)
  local ops = dev.rtnl_link_ops
  if ops == nil then return nil end
  local ok, k = pcall(function() return kd.read_string(pval(ops:member_("kind")), 32) end)
  if ok then return k end
  return nil
end

-- the devices of a namespace whose rtnl_link_ops kind is kind ("bond",
-- "vlan", "bridge", ...), in device order
function M.devices_of_kind(n, kind)
  local out = {}
  for _, dev in ipairs(M.devices(n or M.init_net())) do
    if M.dev_kind(dev) == kind then out[#out + 1] = dev end
  end
  return out
end

-- symbol name (or hex address) of the device's netdev_ops member op, nil when unset
function M.ndo_name(dev, op)
  local ops = dev.netdev_ops
  if ops == nil then return nil end
  local ok, f = pcall(function() return pval(ops:member_(op)) end)
  if not ok or f == 0 then return nil end
  return kd.symbolize(f) or string.format("0x%x", f)
end

-- the qdisc id of dev->qdisc ("noqueue", "pfifo_fast", ...)
function M.dev_qdisc_kind(dev)
  local q = dev.qdisc
  if q == nil then return nil end
  local ok, id = pcall(function() return q.ops.id:string_() end)
  if ok then return id end
  return nil
end

-- link-layer type names of iproute2 (lib/ll_types.c, a subset)
M.ARPHRD = { [0] = "netrom", [1] = "ether", [2] = "eether", [3] = "ax25", [4] = "pronet",
  [5] = "chaos", [6] = "ieee802", [7] = "arcnet", [8] = "atalk", [15] = "dlci",
  [19] = "atm", [23] = "metricom", [24] = "ieee1394", [27] = "eui64", [32] = "infiniband",
  [256] = "slip", [257] = "cslip", [258] = "slip6", [259] = "cslip6", [260] = "rsrvd",
  [264] = "adapt", [270] = "rose", [271] = "x25", [272] = "hwx25", [280] = "can",
  [512] = "ppp", [513] = "hdlc", [516] = "lapb", [517] = "ddcmp", [518] = "rawhdlc",
  [519] = "rawip", [768] = "ipip", [769] = "tunnel6", [770] = "frad", [771] = "skip",
  [772] = "loopback", [773] = "localtlk", [774] = "fddi", [775] = "bif", [776] = "sit",
  [777] = "ip/ddp", [778] = "gre", [779] = "pimreg", [780] = "hippi", [781] = "ash",
  [782] = "econet", [783] = "irda", [784] = "fcpp", [785] = "fcal", [786] = "fcpl",
  [787] = "fcfb0", [800] = "tr", [801] = "tr+rif", [802] = "ieee802.11",
  [803] = "ieee802.11/prism", [804] = "ieee802.11/radiotap", [805] = "ieee802.15.4",
  [806] = "ieee802.15.4/monitor", [820] = "phonet", [821] = "phonet_pipe", [822] = "caif",
  [823] = "gre6", [824] = "netlink", [825] = "6lowpan", [826] = "vsockmon",
  [0xfffe] = "none", [0xffff] = "void" }

-- }======

-- {====== device counters (dev_get_stats) ======

M.STATS64 = { "rx_packets", "tx_packets", "rx_bytes", "tx_bytes", "rx_errors", "tx_errors",
  "rx_dropped", "tx_dropped", "multicast", "collisions", "rx_length_errors",
  "rx_over_errors", "rx_crc_errors", "rx_frame_errors", "rx_fifo_errors",
  "rx_missed_errors", "tx_aborted_errors", "tx_carrier_errors", "tx_fifo_errors",
  "tx_heartbeat_errors", "tx_window_errors", "rx_compressed", "tx_compressed",
  "rx_nohandler", "rx_otherhost_dropped" }

local function zero_stats()
  local s = {}
  for _, k in ipairs(M.STATS64) do s[k] = 0 end
  return s
end

-- netdev_stats_to_stats64(&dev->stats): members are unsigned long, or
-- (6.1+ with DEV_STATS_INC) unions of unsigned long and atomic_long_t
local function dev_stats_into(s, dev)
  local st = dev.stats
  for _, k in ipairs(M.STATS64) do
    if has_member("struct net_device_stats", k) then
      local v = st[k]
      if type(v) ~= "number" then v = ival(v) end
      s[k] = v
    end
  end
end

-- u64_stats_t (64-bit: { local64_t v } = { { atomic64_t a } }) / u64:
-- descend through single-member wrappers to the integer
local function u64v(x)
  for _ = 1, 6 do
    if type(x) == "number" then return x end
    local ok, v = pcall(function() return x:value_() end)
    if ok and type(v) == "number" then return v end
    local ms = x:type_().members
    if not ms or #ms == 0 then break end
    x = x[ms[1].name]
  end
  error("not a counter", 0)
end
M.u64v = u64v

-- dev_lstats_read(): sum of the per-CPU pcpu_lstats
local function lstats_read(dev)
  local p = dev:member_("lstats")
  local packets, bytes = 0, 0
  if pval(p) == 0 then return 0, 0 end
  for _, cpu in ipairs(M.possible_cpus()) do
    local o = kd.per_cpu(p, cpu)
    packets = packets + u64v(o.packets)
    bytes = bytes + u64v(o.bytes)
  end
  return packets, bytes
end

-- dev_fetch_sw_netstats(): sum of the per-CPU pcpu_sw_netstats
local function tstats_into(s, dev)
  local p = dev:member_("tstats")
  if pval(p) == 0 then return end
  for _, cpu in ipairs(M.possible_cpus()) do
    local o = kd.per_cpu(p, cpu)
    s.rx_packets = s.rx_packets + u64v(o.rx_packets)
    s.rx_bytes = s.rx_bytes + u64v(o.rx_bytes)
    s.tx_packets = s.tx_packets + u64v(o.tx_packets)
    s.tx_bytes = s.tx_bytes + u64v(o.tx_bytes)
  end
end

-- dev->core_stats (5.18+; before: dev->rx_dropped etc. atomic_long_t)
local function core_stats_into(s, dev)
  if has_member("struct net_device", "core_stats") then
    local p = dev:member_("core_stats")
    if pval(p) == 0 then return end
    for _, cpu in ipairs(M.possible_cpus()) do
      local o = kd.per_cpu(p, cpu)
      s.rx_dropped = s.rx_dropped + ival(o.rx_dropped)
      s.tx_dropped = s.tx_dropped + ival(o.tx_dropped)
      s.rx_nohandler = s.rx_nohandler + ival(o.rx_nohandler)
      if has_member("struct net_device_core_stats", "rx_otherhost_dropped") then
        s.rx_otherhost_dropped = s.rx_otherhost_dropped + ival(o.rx_otherhost_dropped)
      end
    end
  elseif has_member("struct net_device", "rx_dropped") then
    s.rx_dropped = s.rx_dropped + ival(dev.rx_dropped)
    s.tx_dropped = s.tx_dropped + ival(dev.tx_dropped)
    if has_member("struct net_device", "rx_nohandler") then
      s.rx_nohandler = s.rx_nohandler + ival(dev.rx_nohandler)
    end
  end
end

-- netdev_priv(dev): the driver's area after the aligned struct net_device
-- (include/linux/netdevice.h: ALIGN(sizeof(struct net_device), NETDEV_ALIGN=32))
function M.netdev_priv(dev)
  local sz = kd.type("struct net_device").size
  return pval(dev) + ((sz + 31) & ~31)
end

local function need_type(t)
  if not has_type(t) then error({ message = "no type " .. t .. " (module debuginfo missing)" }, 0) end
end

-- drivers/net/virtio_net.c virtnet_stats (6.1)
local function virtnet_stats(s, dev)
  need_type("struct virtnet_info")
  local vi = kd.object("struct virtnet_info", M.netdev_priv(dev))
  local rq, sq = vi.rq, vi.sq
  for i = 0, vi.max_queue_pairs - 1 do
    local r, t = rq[i].stats, sq[i].stats
    s.rx_packets = s.rx_packets + u64v(r.packets)
    s.rx_bytes = s.rx_bytes + u64v(r.bytes)
    s.rx_dropped = s.rx_dropped + u64v(r.drops)
    s.tx_packets = s.tx_packets + u64v(t.packets)
    s.tx_bytes = s.tx_bytes + u64v(t.bytes)
    s.tx_errors = s.tx_errors + u64v(t.tx_timeouts)
  end
  local st = dev.stats
  s.tx_dropped = ival(st.tx_dropped)
  s.tx_fifo_errors = ival(st.tx_fifo_errors)
  s.rx_length_errors = ival(st.rx_length_errors)
  s.rx_frame_errors = ival(st.rx_frame_errors)
end

-- drivers/net/veth.c veth_get_stats64 (6.1)
local function veth_rx(dev)
  local priv = kd.object("struct veth_priv", M.netdev_priv(dev))
  local r = { peer_tq_xdp_xmit_err = 0, xdp_tx_err = 0, xdp_packets = 0, xdp_bytes = 0, rx_drops = 0 }
  local rq = priv.rq
  if rq == nil then return r end
  for i = 0, dev.num_rx_queues - 1 do
    local vs = rq[i].stats.vs
    for k in pairs(r) do r[k] = r[k] + u64v(vs[k]) end
  end
  return r
end

local function veth_stats(s, dev)
  need_type("struct veth_priv")
  local priv = kd.object("struct veth_priv", M.netdev_priv(dev))
  s.tx_dropped = ival(priv.dropped)
  local t = { rx_packets = 0, rx_bytes = 0, tx_packets = 0, tx_bytes = 0 }
  tstats_into(t, dev)
  for k, v in pairs(t) do s[k] = s[k] + v end
  local rx = veth_rx(dev)
  s.tx_dropped = s.tx_dropped + rx.xdp_tx_err
  s.rx_dropped = rx.rx_drops + rx.peer_tq_xdp_xmit_err
  s.rx_bytes = s.rx_bytes + rx.xdp_bytes
  s.rx_packets = s.rx_packets + rx.xdp_packets
  local peer = priv.peer
  if peer ~= nil then
    local tp = { rx_packets = 0, rx_bytes = 0, tx_packets = 0, tx_bytes = 0 }
    tstats_into(tp, peer)
    s.rx_bytes = s.rx_bytes + tp.tx_bytes
    s.rx_packets = s.rx_packets + tp.tx_packets
    local prx = veth_rx(peer)
    s.tx_dropped = s.tx_dropped + prx.peer_tq_xdp_xmit_err
    s.rx_dropped = s.rx_dropped + prx.xdp_tx_err
    s.tx_bytes = s.tx_bytes + prx.xdp_bytes
    s.tx_packets = s.tx_packets + prx.xdp_packets
  end
end

-- drivers/net/tun.c tun_net_get_stats64 (6.1)
local function tun_stats(s, dev)
  need_type("struct tun_struct")
  dev_stats_into(s, dev)
  tstats_into(s, dev)
  local tun = kd.object("struct tun_struct", M.netdev_priv(dev))
  s.rx_frame_errors = s.rx_frame_errors + ival(tun.rx_frame_errors)
end

-- net/8021q/vlan_dev.c vlan_dev_get_stats64 (6.1 and 6.12): per-CPU
-- vlan_pcpu_stats; rx_errors and tx_dropped are u32 sums
local function vlan_stats(s, dev)
  need_type("struct vlan_dev_priv")
  local v = kd.object("struct vlan_dev_priv", M.netdev_priv(dev))
  local p = v:member_("vlan_pcpu_stats")
  local rxe, txd = 0, 0
  for _, cpu in ipairs(M.possible_cpus()) do
    local o = kd.per_cpu(p, cpu)
    s.rx_packets = s.rx_packets + u64v(o.rx_packets)
    s.rx_bytes = s.rx_bytes + u64v(o.rx_bytes)
    s.multicast = s.multicast + u64v(o.rx_multicast)
    s.tx_packets = s.tx_packets + u64v(o.tx_packets)
    s.tx_bytes = s.tx_bytes + u64v(o.tx_bytes)
    rxe = rxe + ival(o.rx_errors)
    txd = txd + ival(o.tx_dropped)
  end
  s.rx_errors, s.tx_dropped = rxe & 0xffffffff, txd & 0xffffffff
end

-- drivers/net/bonding/bond_main.c bond_get_stats (6.1 and 6.12): the
-- bond's last totals plus, per slave, what its counters grew since the
-- bond last looked (bond_fold_stats: 32-bit fields wrap as s32, a
-- negative delta -- a driver reset -- is dropped)
local function bond_stats(s, dev)
  need_type("struct bonding")
  local bond = kd.object("struct bonding", M.netdev_priv(dev))
  local fields = {}
  for _, m in ipairs(kd.type("struct rtnl_link_stats64").members) do fields[#fields + 1] = m.name end
  local bs = bond.bond_stats
  for _, k in ipairs(fields) do if s[k] ~= nil then s[k] = u64v(bs[k]) end end
  for adj in kd.list(dev.adj_list.lower, "struct netdev_adjacent", "list") do
    local sdev = adj.dev
    local slave = kd.object("struct slave", pval(sdev:member_("rx_handler_data")))
    local new = M.link_stats(sdev)
    local old = slave.slave_stats
    for _, k in ipairs(fields) do
      if s[k] ~= nil then
        local nv, ov = new[k] or 0, u64v(old[k])
        local delta = nv - ov
        if ((nv | ov) >> 32) == 0 then
          delta = ((nv - ov) & 0xffffffff)
          if delta >= 0x80000000 then delta = delta - 0x100000000 end
        end
        if delta > 0 then s[k] = s[k] + delta end
      end
    end
  end
end

-- ndo_get_stats64 implementations whose sources are known: each gets the
-- zeroed storage and fills it as the driver does (drivers/net/loopback.c,
-- dummy.c, net/core/dev.c dev_get_tstats64, ip_tunnel_get_stats64...)
local STATS64_IMPL = {
  loopback_get_stats64 = function(s, dev)
    local p, b = lstats_read(dev)
    s.rx_packets, s.tx_packets, s.rx_bytes, s.tx_bytes = p, p, b, b
  end,
  dummy_get_stats64 = function(s, dev)
    s.tx_packets, s.tx_bytes = lstats_read(dev)
  end,
  dev_get_tstats64 = function(s, dev)
    dev_stats_into(s, dev)
    tstats_into(s, dev)
  end,
  ip_tunnel_get_stats64 = function(s, dev) -- older name of dev_get_tstats64
    dev_stats_into(s, dev)
    tstats_into(s, dev)
  end,
  virtnet_stats = virtnet_stats,
  veth_get_stats64 = veth_stats,
  tun_net_get_stats64 = tun_stats,
  vlan_dev_get_stats64 = vlan_stats,
  bond_get_stats = bond_stats,
}
M.STATS64_IMPL = STATS64_IMPL

-- dev_get_stats(): a table of the rtnl_link_stats64 counters, plus
-- (second value) nil when every counter was read as the kernel sums it,
-- else the reason why some are missing (a driver keeps them privately)
function M.link_stats(dev)
  local s = zero_stats()
  local why
  local f64 = M.ndo_name(dev, "ndo_get_stats64")
  local f = M.ndo_name(dev, "ndo_get_stats")
  if f64 then
    local impl = STATS64_IMPL[f64]
    local okimpl, err = true, nil
    if impl then okimpl, err = pcall(impl, s, dev) end
    if impl and not okimpl then
      s = zero_stats()
      dev_stats_into(s, dev)
      why = string.format("%s: counters of %s not read (%s); shown: dev->stats only", devname(dev), f64,
                          type(err) == "table" and tostring(err.message) or tostring(err))
    elseif impl then
      -- done
    else
      -- unknown driver: its counters live in driver-private memory
      dev_stats_into(s, dev)
      tstats_into(s, dev)
      why = string.format("%s: counters are kept by %s (driver-private, not decoded); " ..
                          "shown: dev->stats only", devname(dev), f64)
    end
  elseif f then
    dev_stats_into(s, dev)
    why = string.format("%s: counters come from %s (not decoded); shown: dev->stats", devname(dev), f)
  else
    dev_stats_into(s, dev)
  end
  core_stats_into(s, dev)
  return s, why
end

-- }======

-- {====== interface addresses ======

-- IPv4 addresses of a device (in_device->ifa_list order)
function M.inet_addrs(dev)
  local out = {}
  local ind = dev.ip_ptr
  if ind == nil then return out end
  local ifa = ind.ifa_list
  local guard = 0
  while ifa ~= nil do
    out[#out + 1] = {
      obj = ifa,
      family = 2,
      local_ = u32(ifa.ifa_local), address = u32(ifa.ifa_address),
      mask = u32(ifa.ifa_mask), broadcast = u32(ifa.ifa_broadcast),
      prefixlen = ifa.ifa_prefixlen, flags = ifa.ifa_flags & 0xffffffff,
      scope = ifa.ifa_scope, label = ifa.ifa_label:string_(16),
      valid_lft = has_member("struct in_ifaddr", "ifa_valid_lft") and ifa.ifa_valid_lft or 0xffffffff,
      preferred_lft = has_member("struct in_ifaddr", "ifa_preferred_lft") and ifa.ifa_preferred_lft or 0xffffffff,
      tstamp = has_member("struct in_ifaddr", "ifa_tstamp") and ifa.ifa_tstamp or 0,
      cstamp = has_member("struct in_ifaddr", "ifa_cstamp") and ifa.ifa_cstamp or 0,
    }
    ifa = ifa.ifa_next
    guard = guard + 1
    if guard > 100000 then break end
  end
  return out
end

-- IPv6 addresses of a device (inet6_dev->addr_list order)
function M.inet6_addrs(dev)
  local out = {}
  local idev = dev.ip6_ptr
  if idev == nil then return out end
  for ifp in kd.list(idev.addr_list, "struct inet6_ifaddr", "if_list") do
    out[#out + 1] = {
      obj = ifp, family = 10,
      addr = M.in6_bytes(ifp.addr), prefixlen = ifp.prefix_len,
      scope = ifp.scope, flags = ifp.flags & 0xffffffff,
      valid_lft = ifp.valid_lft, preferred_lft = ifp.prefered_lft,
      tstamp = ifp.tstamp, cstamp = ifp.cstamp,
      peer = has_member("struct inet6_ifaddr", "peer_addr") and M.in6_bytes(ifp.peer_addr) or nil,
    }
  end
  return out
end

-- }======

-- {====== sockets ======

local SK = "struct sock"

-- the node offset for sk_node / skc_nulls_node (same union in sock_common)
local function sk_node_off() return offsetof(SK, "__sk_common.skc_node") end
local function sk_nulls_off() return offsetof(SK, "__sk_common.skc_nulls_node") end

-- walk an hlist (head address) of nodes; yields node addresses
local function hlist_nodes(first, out, limit)
  local node = first
  local n = 0
  while node ~= 0 do
    out[#out + 1] = node
    node = kd.read_u64(node)
    n = n + 1
    if n > (limit or 10000000) then error("hlist chain does not end", 0) end
  end
end

-- walk an hlist_nulls (first pointer); the end marker has bit 0 set
local function nulls_nodes(first, out)
  local node = first
  local n = 0
  while node ~= 0 and (node & 1) == 0 do
    out[#out + 1] = node
    node = kd.read_u64(node)
    n = n + 1
    if n > 10000000 then error("hlist_nulls chain does not end", 0) end
  end
end
M.hlist_nodes, M.nulls_nodes = hlist_nodes, nulls_nodes

-- string.unpack formats reading the first 8 bytes of each of `k` records
-- of `stride` bytes, by stride then k
local heads_fmts = {}
local function heads_fmt(k, stride)
  local bys = heads_fmts[stride]
  if not bys then bys = {}; heads_fmts[stride] = bys end
  local f = bys[k]
  if not f then
    f = "<" .. ("i8" .. string.rep("x", stride - 8)):rep(k)
    bys[k] = f
  end
  return f
end

-- first pointers of `n` consecutive heads of `stride` bytes at `base`
-- (out[0] .. out[n - 1]).  Hash tables and fd arrays run to thousands of
-- heads: they are unpacked 64 at a time rather than one call each.
local HEADS_BATCH = 64
local function heads(base, n, stride)
  stride = stride or 8
  local out = {}
  local chunk = 65536
  local i = 0
  local unpack, move, min = string.unpack, table.move, math.min
  while i < n do
    local m = min(chunk, n - i)
    -- the last head's 8 bytes end the read: the table may end a page
    -- before the next one is mapped (NUMA machines vmalloc their large
    -- system hashes, hashdist); its padding is added here for unpack
    local raw = kd.read(base + i * stride, (m - 1) * stride + 8)
    if stride > 8 then raw = raw .. string.rep("\0", stride - 8) end
    if stride >= 8 then
      local j = 0
      while j < m do
        local k = min(HEADS_BATCH, m - j)
        local vals = { unpack(heads_fmt(k, stride), raw, j * stride + 1) }
        move(vals, 1, k, i + j, out)
        j = j + k
      end
    else
      for j = 0, m - 1 do
        out[i + j] = unpack("<i8", raw, j * stride + 1)
      end
    end
    i = i + m
  end
  return out
end
-- the n pointer-sized words at base, base + stride, ... read in large chunks,
-- as a table indexed 0 .. n-1 (hash-table bucket heads)
M.heads = heads

local function sk_at(addr) return kd.object(SK, addr) end

-- the socket's address family (skc_family: 2 = AF_INET, 10 = AF_INET6, ...)
function M.sk_family(sk) return sk.__sk_common.skc_family end
-- the socket's state (skc_state: TCP_ESTABLISHED = 1, ...)
function M.sk_state(sk) return sk.__sk_common.skc_state end
-- the socket's network namespace (skc_net)
function M.sk_net(sk) return M.possible_net(sk.__sk_common.skc_net) end
-- the socket's reference count (skc_refcnt)
function M.sk_refcnt(sk) return refcnt(sk.__sk_common.skc_refcnt) end

-- SOCK_INODE(sk->sk_socket) or nil
function M.sock_inode(sk)
  local so = sk:member_("sk_socket")
  if pval(so) == 0 then return nil end
  local sa = kd.container_of(so, "struct socket_alloc", "socket")
  return sa.vfs_inode
end

-- the inode number of the socket's inode, 0 when it has none (net/core/sock.c sock_i_ino)
function M.sock_i_ino(sk)
  local ino = M.sock_inode(sk)
  if ino == nil then return 0 end
  return ino.i_ino
end

-- sock_i_uid(): the socket inode's owner, root without one
function M.sock_i_uid(sk)
  local ino = M.sock_inode(sk)
  if ino == nil then return 0 end
  local u = ino.i_uid
  if type(u) == "number" then return u end
  return u.val
end

-- inet fields common to inet sockets (sock_common aliases)
function M.inet_fields(sk)
  local c = sk.__sk_common
  local f = {
    family = c.skc_family, state = c.skc_state,
    daddr = u32(c.skc_daddr), rcv_saddr = u32(c.skc_rcv_saddr),
    dport = M.ntohs(c.skc_dport), num = c.skc_num,
  }
  if f.family == 10 then
    f.v6_daddr = M.in6_bytes(c.skc_v6_daddr)
    f.v6_rcv_saddr = M.in6_bytes(c.skc_v6_rcv_saddr)
  end
  return f
end

-- inet_sk(sk)->inet_sport (the bound source port)
function M.inet_sport(sk)
  local inet = kd.container_of(sk:address_of_(), "struct inet_sock", "sk")
  return M.ntohs(inet.inet_sport)
end

-- the inet_hashinfo TCP uses in a namespace (6.1: per-netns pointer in
-- tcp_death_row, normally &tcp_hashinfo)
function M.tcp_hashinfo(net)
  if has_member("struct inet_timewait_death_row", "hashinfo") then
    local ok, h = pcall(function() return net.ipv4.tcp_death_row.hashinfo end)
    if ok and h ~= nil then return h end
  end
  return kd.symbol("tcp_hashinfo")
end

-- TCP sockets as /proc/net/tcp{,6} list them: listening hash first, then
-- the established hash (which also holds TIME_WAIT and NEW_SYN_RECV
-- minisocks).  Returns a list of {addr=, state=, kind="sk"|"tw"|"req"}.
-- The hash tables are scanned once per namespace (both families), as a
-- dump does not change.
local tcp_cache = {}
-- TCP sockets of one family (2 or 10) of a namespace, as /proc/net/tcp{,6} list them
-- (from tcp_scan, memoized)
function M.tcp_socks(net, family)
  net = net or M.init_net()
  local netaddr = pval(net)
  local key = netaddr .. ":" .. family
  if tcp_cache[key] then return tcp_cache[key] end
  local all = tcp_cache[netaddr]
  if not all then
    all = M.tcp_scan(net)
    tcp_cache[netaddr] = all
  end
  local out = {}
  for _, e in ipairs(all) do if e.family == family then out[#out + 1] = e end end
  tcp_cache[key] = out
  return out
end

-- every IPv4 and IPv6 TCP socket of a namespace: the listening hash, then the
-- established hash; list of {addr, state, kind = "sk"|"tw"|"req", family}
function M.tcp_scan(net)
  local netaddr = pval(net)
  local h = M.tcp_hashinfo(net)
  local out = {}
  local common_net = offsetof("struct sock_common", "skc_net")
  local common_fam = offsetof("struct sock_common", "skc_family")
  local common_state = offsetof("struct sock_common", "skc_state")
  local function take(sc_addr, kind)
    local fam = kd.read_u16(sc_addr + common_fam)
    if fam ~= 2 and fam ~= 10 then return end
    if kd.read_u64(sc_addr + common_net) ~= netaddr then return end
    local st = kd.read_u8(sc_addr + common_state)
    local k = kind
    if st == 6 then k = "tw" elseif st == 12 then k = "req" end
    out[#out + 1] = { addr = sc_addr, state = st, kind = k, family = fam }
  end
  local nodes = {}
  -- listening sockets
  if has_member("struct inet_hashinfo", "lhash2") and
     has_member("struct inet_listen_hashbucket", "nulls_head") and
     not has_member("struct inet_hashinfo", "listening_hash") then
    -- 5.19+: lhash2 buckets chain sk_nulls_node
    local mask = h.lhash2_mask
    local base = pval(h:member_("lhash2"))
    local stride = kd.type("struct inet_listen_hashbucket").size
    local hoff = offsetof("struct inet_listen_hashbucket", "nulls_head")
    local firsts = heads(base + hoff, mask + 1, stride)
    for b = 0, mask do
      local l = {}
      nulls_nodes(firsts[b], l)
      for _, node in ipairs(l) do take(node - offsetof("struct sock_common", "skc_nulls_node"), "sk") end
    end
  elseif has_member("struct inet_hashinfo", "listening_hash") then
    -- before 5.19: INET_LHTABLE_SIZE buckets of sk_node (or sk_nulls_node)
    local lh = h.listening_hash
    local n = #lh
    local stride = kd.type("struct inet_listen_hashbucket").size
    local nulls = has_member("struct inet_listen_hashbucket", "nulls_head")
    local hoff = offsetof("struct inet_listen_hashbucket", nulls and "nulls_head" or "head")
    local firsts = heads(lh:address_() + hoff, n, stride)
    for b = 0, n - 1 do
      local l = {}
      if nulls then nulls_nodes(firsts[b], l) else hlist_nodes(firsts[b], l) end
      for _, node in ipairs(l) do take(node - offsetof("struct sock_common", "skc_node"), "sk") end
    end
  end
  -- established hash
  local mask = h.ehash_mask
  local base = pval(h:member_("ehash"))
  local stride = kd.type("struct inet_ehash_bucket").size
  local firsts = heads(base, mask + 1, stride)
  local noff = offsetof("struct sock_common", "skc_nulls_node")
  for b = 0, mask do
    local f = firsts[b]
    if f ~= 0 and (f & 1) == 0 then
      local l = {}
      nulls_nodes(f, l)
      for _, node in ipairs(l) do take(node - noff, "sk") end
    end
  end
  return out
end

-- the udp_table of a namespace (6.2+: per-netns pointer; else the global)
function M.udp_table(net, lite)
  if not lite and has_member("struct netns_ipv4", "udp_table") then
    local ok, t = pcall(function() return net.ipv4.udp_table end)
    if ok and t ~= nil then return t end
  end
  return kd.symbol(lite and "udplite_table" or "udp_table")
end

-- UDP sockets in the order /proc/net/udp{,6} prints them; each entry has
-- the hash bucket it was found in
function M.udp_socks(net, family, lite)
  net = net or M.init_net()
  local netaddr = pval(net)
  local t = M.udp_table(net, lite)
  local mask = t.mask
  local base = pval(t:member_("hash"))
  local stride = kd.type("struct udp_hslot").size
  local hoff = offsetof("struct udp_hslot", "head")
  local firsts = heads(base + hoff, mask + 1, stride)
  local out = {}
  local noff = sk_node_off()
  for b = 0, mask do
    if firsts[b] ~= 0 then
      local l = {}
      hlist_nodes(firsts[b], l)
      for _, node in ipairs(l) do
        local sk = sk_at(node - noff)
        local c = sk.__sk_common
        if M.possible_net(c.skc_net) == netaddr and c.skc_family == family then
          out[#out + 1] = { addr = node - noff, bucket = b, state = c.skc_state }
        end
      end
    end
  end
  return out
end

-- raw sockets (raw_v4_hashinfo / raw_v6_hashinfo), bucket order
function M.raw_socks(net, family)
  net = net or M.init_net()
  local netaddr = pval(net)
  local h = sym(family == 10 and "raw_v6_hashinfo" or "raw_v4_hashinfo")
  if h == nil then return {} end
  local ht = kd.type("struct raw_hashinfo"):member("ht")
  local htoff = offsetof("struct raw_hashinfo", "ht")
  local n = ht.type.length or 0
  if n == 0 then n = (kd.type("struct raw_hashinfo").size - htoff) // 8 end
  local nulls = tostring(ht.type):find("nulls") ~= nil
  local firsts = heads(h:address_() + htoff, n, 8)
  local out = {}
  local noff = nulls and sk_nulls_off() or sk_node_off()
  for b = 0, n - 1 do
    local l = {}
    if nulls then nulls_nodes(firsts[b], l) else hlist_nodes(firsts[b], l) end
    for _, node in ipairs(l) do
      local sk = sk_at(node - noff)
      if M.possible_net(sk.__sk_common.skc_net) == netaddr then
        out[#out + 1] = { addr = node - noff, bucket = b, state = sk.__sk_common.skc_state }
      end
    end
  end
  return out
end

-- AF_UNIX sockets in /proc/net/unix order: 5.19+ per-netns table
-- net->unx.table.buckets[UNIX_HASH_SIZE]; before, the global
-- unix_socket_table[UNIX_HASH_SIZE + 1] filtered by namespace
function M.unix_socks(net)
  net = net or M.init_net()
  local netaddr = pval(net)
  local firsts, n
  if has_member("struct netns_unix", "table") then
    local base = pval(net.unx.table:member_("buckets"))
    n = 512 -- UNIX_HASH_SIZE (include/net/af_unix.h: 256 * 2)
    firsts = heads(base, n, 8)
  else
    local tbl = kd.symbol("unix_socket_table")
    n = #tbl
    firsts = heads(tbl:address_(), n, 8)
  end
  local out = {}
  local noff = sk_node_off()
  for b = 0, n - 1 do
    local l = {}
    hlist_nodes(firsts[b], l)
    for _, node in ipairs(l) do
      local sk = sk_at(node - noff)
      if M.possible_net(sk.__sk_common.skc_net) == netaddr then
        out[#out + 1] = { addr = node - noff, bucket = b }
      end
    end
  end
  return out
end

-- }======

-- {====== which processes hold which sockets ======

-- map socket inode -> list of {pid, comm, fd, task} from every process's file table,
-- and the number of processes whose table could not be read (memoized;
-- kernel/files.lua walks the file tables)
function M.socket_owners()
  return require("kernel.files").socket_owners()
end

-- }======

return M
