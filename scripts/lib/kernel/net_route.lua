-- kernel/net_route.lua: routing state -- IPv4 FIB tables (the LC-trie of
-- net/ipv4/fib_trie.c), IPv6 FIB tables (the fib6 radix tree of
-- net/ipv6/ip6_fib.c), policy rules (net/core/fib_rules.c) and the
-- neighbour tables (net/core/neighbour.c) -- as plain route tables in the
-- order the kernel's /proc files and rtnetlink dumps walk them (Linux 6.1).
--
-- Mirrors: net/ipv4/fib_trie.c, net/ipv6/ip6_fib.c, net/core/fib_rules.c,
--   net/core/neighbour.c

local net = require("kernel.net")

local M = {}

local pval, u32 = net.pval, net.u32
local has_member, has_type, offsetof = net.has_member, net.has_type, net.offsetof

M.RT_TABLE = { UNSPEC = 0, COMPAT = 252, DEFAULT = 253, MAIN = 254, LOCAL = 255 }
M.RTN = { UNSPEC = 0, UNICAST = 1, LOCAL = 2, BROADCAST = 3, ANYCAST = 4, MULTICAST = 5,
          BLACKHOLE = 6, UNREACHABLE = 7, PROHIBIT = 8, THROW = 9, NAT = 10, XRESOLVE = 11 }
M.RTNH_F = { DEAD = 1, PERVASIVE = 2, ONLINK = 4, OFFLOAD = 8, LINKDOWN = 16, UNRESOLVED = 32, TRAP = 64 }

-- {====== IPv4 FIB ======

-- fib tables of a namespace in fib_table_hash order (as inet_dump_fib walks)
function M.fib4_tables(n)
  n = n or net.init_net()
  local out = {}
  -- FIB_TABLE_HASHSZ: 256 with CONFIG_IP_MULTIPLE_TABLES (which adds rules_ops), else 2
  local hsz = has_member("struct netns_ipv4", "rules_ops") and 256 or 2
  local base = pval(n.ipv4:member_("fib_table_hash"))
  if base == 0 then return out end
  local firsts = net.heads(base, hsz, 8)
  local off = offsetof("struct fib_table", "tb_hlist")
  for h = 0, hsz - 1 do
    local nodes = {}
    net.hlist_nodes(firsts[h], nodes)
    for _, node in ipairs(nodes) do out[#out + 1] = kd.object("struct fib_table", node - off) end
  end
  return out
end

-- the IPv4 FIB table with tb_id id in namespace n, nil when absent
function M.fib4_table(n, id)
  for _, tb in ipairs(M.fib4_tables(n)) do if tb.tb_id == id then return tb end end
  return nil
end

-- leaves of a table's trie in key order: list of {key=host-order u32,
-- aliases={fib_alias objects in list order}}
function M.fib4_leaves(tb)
  local out = {}
  -- 4.1+: unsigned long *tb_data (pointing at __data[] or at the aliased
  -- main table's trie); before: the flexible array itself
  local td = tb:member_("tb_data")
  local trie
  if tostring(td:type_()):find("%*") then trie = pval(td) else trie = td:address_() end
  local tnode_off = offsetof("struct key_vector", "tnode")
  local leaf_off = offsetof("struct key_vector", "leaf")
  local bits_off = offsetof("struct key_vector", "bits")
  local key_off = offsetof("struct key_vector", "key")
  local fa_off = offsetof("struct fib_alias", "fa_list")
  local root = kd.read_u64(trie + tnode_off)
  local guard = 0
  local function walk(kv)
    guard = guard + 1
    if guard > 5000000 then error("fib trie walk does not end", 0) end
    local bits = kd.read_u8(kv + bits_off)
    if bits == 0 then
      local l = { key = kd.read_u32(kv + key_off), aliases = {} }
      local nodes = {}
      net.hlist_nodes(kd.read_u64(kv + leaf_off), nodes)
      for _, node in ipairs(nodes) do l.aliases[#l.aliases + 1] = kd.object("struct fib_alias", node - fa_off) end
      out[#out + 1] = l
      return
    end
    local n = 1 << bits
    local kids = net.heads(kv + tnode_off, n, 8)
    for i = 0, n - 1 do
      if kids[i] ~= 0 then walk(kids[i]) end
    end
  end
  if root ~= 0 then walk(root) end
  return out
end

local function fa_dscp(fa)
  if has_member("struct fib_alias", "fa_dscp") then
    local d = fa.fa_dscp
    if type(d) ~= "number" then d = net.ival(d) end
    return d
  end
  return fa.fa_tos
end

-- the first nexthop (fib_info_nhc(fi, 0)) as a table
local function fib_nh0(fi)
  if has_member("struct fib_info", "nh") and pval(fi:member_("nh")) ~= 0 then
    return nil, "nexthop object"
  end
  local nh = fi.fib_nh[0]
  local c = nh.nh_common
  local gwf = c.nhc_gw_family
  local r = { dev = c.nhc_dev, oif = c.nhc_oif, flags = c.nhc_flags, scope = c.nhc_scope,
              gw_family = gwf, weight = c.nhc_weight }
  if gwf == 2 then r.gw4 = u32(c.nhc_gw.ipv4)
  elseif gwf == 10 then r.gw6 = net.in6_bytes(c.nhc_gw.ipv6) end
  return r
end
M.fib_nh0 = fib_nh0

local function fib_metrics(fi)
  local m = {}
  local p = fi:member_("fib_metrics")
  if pval(p) == 0 then return m end
  local arr = p.metrics
  for i = 0, #arr - 1 do
    local v = arr[i]
    if v ~= 0 then m[i + 1] = v end -- RTAX_* = index + 1
  end
  return m
end
-- a fib_info's non-zero route metrics, indexed by RTAX_* number
M.fib_metrics = fib_metrics

-- IPv4 routes of a table as rtnetlink reports them (fib_dump_info):
-- list of {table, type, dst (host order), dst_len, tos, protocol, scope,
-- prefsrc, priority, flags, dev, gw4, metrics, nhs}
function M.fib4_routes(tb, opts)
  local out = {}
  local id = tb.tb_id
  for _, l in ipairs(M.fib4_leaves(tb)) do
    for _, fa in ipairs(l.aliases) do
      if fa.tb_id == id then
        local fi = fa.fa_info
        local plen = 32 - fa.fa_slen
        local r = { table = id, type = fa.fa_type, dst = l.key, dst_len = plen,
                    tos = fa_dscp(fa), alias = fa }
        if fi ~= nil then
          r.protocol = fi.fib_protocol
          r.scope = fi.fib_scope
          r.prefsrc = u32(fi.fib_prefsrc)
          r.priority = fi.fib_priority
          r.flags = fi.fib_flags & 0xffffffff
          r.metrics = fib_metrics(fi)
          r.nhs = fi.fib_nhs
          local nh, why = fib_nh0(fi)
          if nh then
            r.dev = nh.dev
            r.gw4 = nh.gw4
            r.gw6 = nh.gw6
            r.gw_family = nh.gw_family
            r.nh_flags = nh.flags
            -- fib_nexthop_info(): dead/linkdown/onlink/offload/trap flags
            r.flags = r.flags | (nh.flags & (M.RTNH_F.DEAD | M.RTNH_F.LINKDOWN | M.RTNH_F.ONLINK |
                                               M.RTNH_F.OFFLOAD | M.RTNH_F.TRAP))
          else
            r.nh_note = why
          end
          r.fi = fi
        end
        out[#out + 1] = r
      end
    end
  end
  return out
end

-- }======

-- {====== IPv6 FIB ======

local RTN_RTINFO = 0x0004

-- every IPv6 FIB table (struct fib6_table) of namespace n, from fib_table_hash
function M.fib6_tables(n)
  n = n or net.init_net()
  local out = {}
  local p = n.ipv6:member_("fib_table_hash")
  local base = pval(p)
  if base == 0 then return out end
  -- FIB6_TABLE_HASHSZ: 256 with CONFIG_IPV6_MULTIPLE_TABLES (fib6_rules_ops), else 1
  local hsz = has_member("struct netns_ipv6", "fib6_rules_ops") and 256 or 1
  local firsts = net.heads(base, hsz, 8)
  local off = offsetof("struct fib6_table", "tb6_hlist")
  for h = 0, hsz - 1 do
    local nodes = {}
    net.hlist_nodes(firsts[h], nodes)
    for _, node in ipairs(nodes) do out[#out + 1] = kd.object("struct fib6_table", node - off) end
  end
  return out
end

-- fib6_info entries of a table in the fib6 walker's order (fib6_walk_continue:
-- subtree, left, right, then the node's own leaf chain), null entries included
function M.fib6_infos(tb)
  local out = {}
  local subtrees = has_member("struct fib6_node", "subtree")
  local guard = 0
  local function visit(fn)
    guard = guard + 1
    if guard > 5000000 then error("fib6 walk does not end", 0) end
    if subtrees then
      local st = fn.subtree
      if st ~= nil then visit(st) end
    end
    local l, r = fn.left, fn.right
    if l ~= nil then visit(l) end
    if r ~= nil then visit(r) end
    if (fn.fn_flags & RTN_RTINFO) ~= 0 then
      local rt = fn.leaf
      local n = 0
      while rt ~= nil do
        out[#out + 1] = rt
        rt = rt.fib6_next
        n = n + 1
        if n > 1000000 then error("fib6 leaf chain does not end", 0) end
      end
    end
  end
  visit(tb.tb6_root)
  return out
end

-- true when rt is the namespace's fib6_null_entry
function M.is_null_entry(n, rt)
  local ok, ne = pcall(function() return pval(n.ipv6:member_("fib6_null_entry")) end)
  return ok and ne == pval(rt)
end

-- a fib6_info as a route table (rt6_fill_node)
function M.fib6_route(rt)
  local r = {
    table = rt.fib6_table and rt.fib6_table.tb6_id or nil, -- the null entry has none
    dst = net.in6_bytes(rt.fib6_dst.addr), dst_len = rt.fib6_dst.plen,
    src = net.in6_bytes(rt.fib6_src.addr), src_len = rt.fib6_src.plen,
    prefsrc = net.in6_bytes(rt.fib6_prefsrc.addr), prefsrc_len = rt.fib6_prefsrc.plen,
    metric = rt.fib6_metric, protocol = rt.fib6_protocol, type = rt.fib6_type,
    flags = rt.fib6_flags & 0xffffffff, refcnt = net.refcnt(rt.fib6_ref),
    expires = rt.expires, nsiblings = rt.fib6_nsiblings, obj = rt,
  }
  if has_member("struct fib6_info", "nh") and pval(rt:member_("nh")) ~= 0 then
    r.nh_note = "nexthop object"
  else
    local nh = rt.fib6_nh[0]
    local c = nh.nh_common
    r.dev = c.nhc_dev
    r.gw_family = c.nhc_gw_family
    if r.gw_family ~= 0 then r.gw6 = net.in6_bytes(c.nhc_gw.ipv6) end
    r.nh_flags = c.nhc_flags
  end
  local m = {}
  local mp = rt:member_("fib6_metrics")
  if pval(mp) ~= 0 then
    local arr = mp.metrics
    for i = 0, #arr - 1 do if arr[i] ~= 0 then m[i + 1] = arr[i] end end
  end
  r.metrics = m
  return r
end

-- }======

-- {====== policy rules ======

-- rules of a family's fib_rules_ops (list order)
function M.rules(n, family)
  n = n or net.init_net()
  local ops
  local ok = pcall(function()
    if family == 10 then ops = n.ipv6.fib6_rules_ops else ops = n.ipv4.rules_ops end
  end)
  if not ok or ops == nil then return nil end
  local out = {}
  local tname = (family == 10) and "struct fib6_rule" or "struct fib4_rule"
  for r in kd.list(ops.rules_list, "struct fib_rule", "list") do
    local e = {
      pref = r.pref, action = r.action, table = r.table, flags = r.flags,
      mark = r.mark, mark_mask = r.mark_mask, iifname = r.iifname:string_(16),
      oifname = r.oifname:string_(16), l3mdev = r.l3mdev, proto = r.proto,
      ip_proto = r.ip_proto, target = r.target, tun_id = r.tun_id,
      suppress_prefixlen = r.suppress_prefixlen, suppress_ifgroup = r.suppress_ifgroup,
      ctarget = pval(r:member_("ctarget")),
      uid_start = r.uid_range.start.val, uid_end = r.uid_range["end"].val,
      sport = { r.sport_range.start, r.sport_range["end"] },
      dport = { r.dport_range.start, r.dport_range["end"] },
    }
    if has_type(tname) then
      local x = kd.container_of(r, tname, "common")
      if family == 10 then
        e.src = net.in6_bytes(x.src.addr); e.src_len = x.src.plen
        e.dst = net.in6_bytes(x.dst.addr); e.dst_len = x.dst.plen
      else
        e.src = u32(x.src); e.src_len = x.src_len
        e.dst = u32(x.dst); e.dst_len = x.dst_len
      end
      local d
      if has_member(tname, "dscp") then d = x.dscp else d = x.tos end
      if type(d) ~= "number" then d = net.ival(d) end
      e.tos = d
    else
      e.src_len, e.dst_len, e.tos = 0, 0, 0
      e.note = "no type " .. tname
    end
    out[#out + 1] = e
  end
  return out
end

-- }======

-- {====== neighbours ======

M.NUD = { INCOMPLETE = 0x01, REACHABLE = 0x02, STALE = 0x04, DELAY = 0x08, PROBE = 0x10,
          FAILED = 0x20, NOARP = 0x40, PERMANENT = 0x80, NONE = 0x00 }
M.NUD_VALID = 0x80 | 0x40 | 0x02 | 0x10 | 0x04 | 0x08

-- neighbours of a table (arp_tbl / nd_tbl) in hash-bucket order, filtered by
-- namespace: list of {obj, dev, key (raw bytes), ha, nud, flags, ...}
function M.neighbours(tblname, n)
  n = n or net.init_net()
  local tbl = net.sym(tblname)
  if tbl == nil then return nil, "no " .. tblname .. " in the dump" end
  local netaddr = pval(n)
  local out = {}
  local nht = tbl.nht
  if nht == nil then return out end
  local shift = nht.hash_shift
  local nb = 1 << shift
  local firsts = net.heads(pval(nht:member_("hash_buckets")), nb, 8)
  local keylen = tbl.key_len
  local pk_off = offsetof("struct neighbour", "primary_key")
  local next_off = offsetof("struct neighbour", "next")
  for b = 0, nb - 1 do
    local p = firsts[b]
    local guard = 0
    while p ~= 0 do
      local ne = kd.object("struct neighbour", p)
      local dev = ne.dev
      local dnet = net.possible_net(dev.nd_net)
      if dnet == netaddr then
        out[#out + 1] = {
          obj = ne, dev = dev, key = kd.read(p + pk_off, keylen), nud = ne.nud_state,
          flags = ne.flags, type = ne.type, dead = ne.dead,
          ha = net.mac(ne.ha:address_(), dev.addr_len),
          refcnt = net.refcnt(ne.refcnt), probes = net.ival(ne.probes),
          used = ne.used, confirmed = ne.confirmed, updated = ne.updated,
          protocol = has_member("struct neighbour", "protocol") and ne.protocol or 0,
        }
      end
      p = kd.read_u64(p + next_off)
      guard = guard + 1
      if guard > 1000000 then error("neighbour chain does not end", 0) end
    end
  end
  return out
end

-- proxy entries (pneigh)
function M.pneighbours(tblname, n)
  n = n or net.init_net()
  local tbl = net.sym(tblname)
  if tbl == nil then return {} end
  local netaddr = pval(n)
  local out = {}
  local pb = tbl.phash_buckets
  local base = pval(pb)
  if base == 0 then return out end
  local keylen = tbl.key_len
  local key_off = offsetof("struct pneigh_entry", "key")
  local firsts = net.heads(base, 16, 8) -- PNEIGH_HASHMASK + 1
  for b = 0, 15 do
    local p = firsts[b]
    while p ~= 0 do
      local pn = kd.object("struct pneigh_entry", p)
      local pnet = net.possible_net(pn.net)
      if pnet == netaddr then
        out[#out + 1] = { obj = pn, dev = pn.dev, key = kd.read(p + key_off, keylen), flags = pn.flags }
      end
      p = pval(pn:member_("next"))
    end
  end
  return out
end

-- }======

return M
