-- kernel/net_ip.lua: what iproute2 6.1's `ip` and `tc` print, rebuilt from
-- the kernel objects the rtnetlink dumps would have read (the attribute
-- rules of net/core/rtnetlink.c rtnl_fill_ifinfo, net/ipv4/devinet.c
-- inet_fill_ifaddr, net/ipv6/addrconf.c inet6_fill_ifaddr,
-- net/ipv4/fib_semantics.c fib_dump_info, net/ipv6/route.c rt6_fill_node,
-- net/core/fib_rules.c fib_nl_fill_rule, net/core/neighbour.c
-- neigh_fill_info, net/sched/sch_api.c tc_fill_qdisc of Linux 6.1) and
-- printed in iproute2's layout (names from its /etc/iproute2 tables).
--
-- Each function returns text, or text + a note when part of it could not
-- be rebuilt (the emitter turns that into a stub header).
--
-- Mirrors: net/core/rtnetlink.c, net/ipv4/devinet.c, net/ipv6/addrconf.c,
--   net/ipv4/fib_semantics.c, net/ipv6/route.c, net/core/neighbour.c,
--   net/core/fib_rules.c, net/sched/sch_api.c

local net = require("kernel.net")
local route = require("kernel.net_route")
local ktime = require("kernel.time")

local M = {}

local pval, u32 = net.pval, net.u32
local has_member = net.has_member

local INFINITY_LIFE_TIME = 0xffffffff

-- {====== names (iproute2 tables) ======

local SCOPES = { [0] = "global", [255] = "nowhere", [254] = "host", [253] = "link", [200] = "site" }
local TABLES = { [255] = "local", [254] = "main", [253] = "default", [0] = "unspec" }
local PROTOS = { [0] = "unspec", [1] = "redirect", [2] = "kernel", [3] = "boot", [4] = "static",
  [8] = "gated", [9] = "ra", [10] = "mrt", [11] = "zebra", [12] = "bird", [13] = "dnrouted",
  [14] = "xorp", [15] = "ntk", [16] = "dhcp", [18] = "keepalived", [42] = "babel",
  [99] = "openr", [186] = "bgp", [187] = "isis", [188] = "ospf", [189] = "rip", [192] = "eigrp" }
local RTNTYPES = { [0] = "none", "unicast", "local", "broadcast", "anycast", "multicast",
  "blackhole", "unreachable", "prohibit", "throw", "nat", "xresolve" }
local OPERSTATES = { [0] = "UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP" }
local LINKMODES = { [0] = "DEFAULT", "DORMANT", "TESTING" }
local ADDRGENMODES = { [0] = "eui64", "none", "stable_secret", "random" }

local function scope_name(s) return SCOPES[s] or tostring(s) end
local function table_name(t) return TABLES[t] or tostring(t) end
local function proto_name(p) return PROTOS[p] or tostring(p) end
local function rtntype_name(t) return RTNTYPES[t] or tostring(t) end
M.scope_name, M.table_name, M.proto_name, M.rtntype_name = scope_name, table_name, proto_name, rtntype_name

-- }======

-- {====== links ======

local IFF = net.IFF
local FLAG_ORDER = { "LOOPBACK", "BROADCAST", "POINTOPOINT", "MULTICAST", "NOARP", "ALLMULTI",
  "PROMISC", "MASTER", "SLAVE", "DEBUG", "DYNAMIC", "AUTOMEDIA", "PORTSEL", "NOTRAILERS",
  "UP", "LOWER_UP", "DORMANT", "ECHO" }

local function link_flags(flags, mdown)
  local parts = {}
  if (flags & IFF.UP) ~= 0 and (flags & IFF.RUNNING) == 0 then parts[#parts + 1] = "NO-CARRIER" end
  flags = flags & ~IFF.RUNNING
  for _, name in ipairs(FLAG_ORDER) do
    local m = IFF[name]
    if (flags & m) ~= 0 then
      flags = flags & ~m
      parts[#parts + 1] = name
    end
  end
  local s = table.concat(parts, ",")
  if flags ~= 0 then s = s .. (s ~= "" and "," or "") .. string.format("%x", flags) end
  if mdown then s = s .. ",M-DOWN" end
  return "<" .. s .. "> "
end
-- "<FLAG,FLAG,...> " as ip link prints a device's IFF_* flags (M-DOWN with mdown)
M.link_flags = link_flags

local netdev_priv = net.netdev_priv

-- dev_get_iflink(): known ndo_get_iflink implementations; nil when the
-- link is the device itself (IFLA_LINK is then not sent); nil, fname when
-- the driver's function is not decoded
local function iflink(dev)
  local f = net.ndo_name(dev, "ndo_get_iflink")
  if not f then return nil end
  local ok, v = pcall(function()
    if f == "veth_get_iflink" and net.has_type("struct veth_priv") then
      local priv = kd.object("struct veth_priv", netdev_priv(dev))
      local peer = priv.peer
      return peer and peer.ifindex or 0
    elseif f == "vlan_dev_get_iflink" and net.has_type("struct vlan_dev_priv") then
      return kd.object("struct vlan_dev_priv", netdev_priv(dev)).real_dev.ifindex
    elseif f == "macvlan_dev_get_iflink" and net.has_type("struct macvlan_dev") then
      return kd.object("struct macvlan_dev", netdev_priv(dev)).lowerdev.ifindex
    elseif f == "ip_tunnel_get_iflink" and net.has_type("struct ip_tunnel") then
      return kd.object("struct ip_tunnel", netdev_priv(dev)).parms.link
    elseif f == "ip6_tnl_get_iflink" and net.has_type("struct ip6_tnl") then
      return kd.object("struct ip6_tnl", netdev_priv(dev)).parms.link
    end
    return nil
  end)
  if ok and v ~= nil then return v end
  return nil, f
end

-- the master device (netdev_master_upper_dev_get), or nil
local function master_dev(dev)
  local ok, m = pcall(function()
    for adj in kd.list(dev.adj_list.upper, "struct netdev_adjacent", "list") do
      if adj.master then return adj.dev end
    end
    return nil
  end)
  if ok then return m end
  return nil
end
M.master_dev = master_dev

local function addr_gen_mode(dev)
  local idev = dev.ip6_ptr
  if idev == nil then return nil end
  local ok, v = pcall(function() return idev.cnf.addr_gen_mode end)
  if ok then return v end
  return nil
end

-- does rtnl_fill_ifinfo send IFLA_ALLMULTI?  Linux 6.0 added the attribute
-- (IFLA_MAX became IFLA_ALLMULTI = 61, include/uapi/linux/if_link.h): the
-- kernel's ifla_policy[IFLA_MAX + 1] then has room for its index.  Without
-- the array's type (BTF has no variables) its entry 61 is read from the
-- dump: 6.0+ set it to { .type = NLA_REJECT } (17 in include/net/netlink.h
-- since NLA_REJECT was added, 4.20), older arrays end before it
local IFLA_ALLMULTI, NLA_REJECT = 61, 17
local sends_allmulti
local function has_ifla_allmulti()
  if sends_allmulti == nil then
    local ok, pol = pcall(kd.symbol, "ifla_policy")
    if ok and pol ~= nil then
      sends_allmulti = #pol > IFLA_ALLMULTI
    else
      local addr = kd.symbol_address("ifla_policy")
      local okr, b = pcall(function()
        return kd.read(addr + IFLA_ALLMULTI * kd.type("struct nla_policy").size, 4)
      end)
      if addr and okr then
        sends_allmulti = b == string.char(NLA_REJECT, 0, 0, 0)
      else
        sends_allmulti = "unknown"
      end
    end
  end
  return sends_allmulti
end
-- true when the kernel sends IFLA_ALLMULTI (6.0+), false before, "unknown" without ifla_policy
M.has_ifla_allmulti = has_ifla_allmulti

-- iproute2's print_name_and_link: "name", "name@peer", "name@ifN" or
-- "name@NONE" from IFLA_LINK (dev_get_iflink when it is not the device
-- itself); also whether the peer is down (M-DOWN) and a note when the
-- driver's ndo_get_iflink is not decoded. names: ifindex -> device
function M.name_and_link(dev, names)
  local name = net.devname(dev)
  local note
  local link, unk = iflink(dev)
  if unk then note = string.format("%s: link of %s (%s) not decoded, \"@peer\" missing", name, name, unk) end
  local mdown = false
  if link ~= nil and link ~= dev.ifindex then
    if link == 0 then name = name .. "@NONE"
    else
      local peer = names[link]
      if peer then
        name = name .. "@" .. net.devname(peer)
        if (net.dev_get_flags(peer) & IFF.UP) == 0 then mdown = true end
      else
        name = name .. "@if" .. link
      end
    end
  end
  return name, mdown, note
end

-- the per-link lines; mode = "addr" (ip address) or "link" (ip link)
-- returns lines (list), note (or nil)
function M.link_lines(dev, opts, names)
  opts = opts or {}
  local note
  local name = net.devname(dev)
  local flags = net.dev_get_flags(dev)
  local nl, mdown
  nl, mdown, note = M.name_and_link(dev, names)
  local head = string.format("%d: %s", dev.ifindex, nl)
  head = head .. ": " .. link_flags(flags, mdown)
  head = head .. string.format("mtu %d ", dev.mtu)
  local q = net.dev_qdisc_kind(dev)
  if q then head = head .. "qdisc " .. q .. " " end
  local m = master_dev(dev)
  if m then head = head .. "master " .. net.devname(m) .. " " end
  head = head .. "state " .. (OPERSTATES[dev.operstate] or tostring(dev.operstate)) .. " "
  if opts.mode == "link" then
    head = head .. "mode " .. (LINKMODES[dev.link_mode] or tostring(dev.link_mode)) .. " "
  end
  local group = dev.group
  head = head .. "group " .. (group == 0 and "default" or tostring(group)) .. " "
  head = head .. string.format("qlen %d", dev.tx_queue_len)
  local lines = { head }
  -- link/<type> line
  local t = dev.type
  local ll = "    link/" .. (net.ARPHRD[t] or tostring(t)) .. " "
  if dev.addr_len > 0 then
    local a = net.dev_addr(dev)
    ll = ll .. a
    if (flags & IFF.POINTOPOINT) ~= 0 then ll = ll .. " peer " .. net.dev_broadcast(dev)
    else ll = ll .. " brd " .. net.dev_broadcast(dev) end
    local perm = net.dev_perm_addr(dev)
    if perm:gsub("[0:]", "") ~= "" and perm ~= a then ll = ll .. " permaddr " .. perm end
  end
  if opts.details then
    ll = ll .. string.format(" promiscuity %d ", dev.promiscuity)
    local am = has_ifla_allmulti()
    if am == "unknown" then
      note = (note and note .. "; " or "") .. "ifla_policy not in the debuginfo: \"allmulti\" printed without knowing the kernel sends it"
    end
    if am then ll = ll .. string.format(" allmulti %d ", dev.allmulti) end
    ll = ll .. string.format("minmtu %d ", dev.min_mtu)
    ll = ll .. string.format("maxmtu %d ", dev.max_mtu)
    local kind = net.dev_kind(dev)
    local rest = ""
    -- print_linkinfo(): "    <kind> " + print_opt(IFLA_INFO_DATA), then on
    -- a new line "    <master kind>_slave " + IFLA_INFO_SLAVE_DATA
    local link = require("kernel.net_link")
    local function missing(why)
      if why then note = (note and note .. "; " or "") .. name .. ": " .. why end
    end
    if kind then
      lines[#lines + 1] = ll
      local txt, why = link.info_data(dev, kind)
      ll = "    " .. kind .. " " .. (txt or "")
      missing(why)
    end
    if m then
      local mk = net.dev_kind(m)
      if mk then
        lines[#lines + 1] = ll
        local txt, why = link.slave_data(dev, mk)
        ll = "    " .. mk .. "_slave " .. (txt or "")
        missing(why)
      end
    end
    if opts.mode == "link" then
      local g = addr_gen_mode(dev)
      if g then rest = rest .. "addrgenmode " .. (ADDRGENMODES[g] or tostring(g)) .. " " end
    end
    rest = rest .. string.format("numtxqueues %d numrxqueues %d ", dev.num_tx_queues, dev.num_rx_queues)
    rest = rest .. string.format("gso_max_size %d gso_max_segs %d ", dev.gso_max_size, dev.gso_max_segs)
    if has_member("struct net_device", "tso_max_size") then
      rest = rest .. string.format("tso_max_size %d tso_max_segs %d ", dev.tso_max_size, dev.tso_max_segs)
    end
    if has_member("struct net_device", "gro_max_size") then
      rest = rest .. string.format("gro_max_size %d ", dev.gro_max_size)
    end
    -- IFLA_PARENT_DEV_NAME / _BUS_NAME (5.15+): the parent device on a bus
    local ok, pbus, pdev = pcall(function()
      local parent = dev.dev.parent
      if parent == nil then return nil end
      local bus = parent.bus
      if bus == nil then return nil end
      return kd.read_string(pval(bus:member_("name")), 64), kd.read_string(pval(parent.kobj:member_("name")), 64)
    end)
    if ok and pbus then rest = rest .. "parentbus " .. pbus .. " parentdev " .. pdev .. " " end
    ll = ll .. rest
  end
  lines[#lines + 1] = ll
  return lines, note
end

-- alternative names (dev->name_node->list of netdev_name_node)
function M.altnames(dev)
  local out = {}
  local ok = pcall(function()
    local nn = dev.name_node
    if nn == nil then return end
    for x in kd.list(nn.list, "struct netdev_name_node", "list") do
      out[#out + 1] = kd.read_string(pval(x:member_("name")), 128)
    end
  end)
  if not ok then return {} end
  return out
end

-- the iproute2 statistics block (-s): print_stats64 column sizing
local function stats_lines(s)
  local cols = { 10, 7, 6, 7, 7, 7, 10, 9 } -- "*X errors:", packets, errors, dropped, heartbt, overrun, compressed, otherhost
  local function size(vals)
    for i, v in ipairs(vals) do
      local l = #net.u64s(v)
      if l > cols[i] then cols[i] = l end
    end
  end
  size({ s.rx_bytes, s.rx_packets, s.rx_errors, s.rx_dropped, s.rx_missed_errors, s.multicast,
         s.rx_compressed, s.rx_otherhost_dropped })
  size({ s.tx_bytes, s.tx_packets, s.tx_errors, s.tx_dropped, s.tx_carrier_errors, s.collisions,
         s.tx_compressed })
  local function num(w, v) return string.format("%" .. w .. "s ", net.u64s(v)) end
  local out = {}
  out[#out + 1] = string.format("    RX: %" .. (cols[1] - 4) .. "s %" .. cols[2] .. "s %" .. cols[3] .. "s %" ..
    cols[4] .. "s %" .. cols[5] .. "s %" .. cols[6] .. "s %" .. cols[7] .. "s",
    "bytes", "packets", "errors", "dropped", "missed", "mcast", s.rx_compressed ~= 0 and "compressed" or "")
  local l = "    " .. num(cols[1], s.rx_bytes) .. num(cols[2], s.rx_packets) .. num(cols[3], s.rx_errors) ..
    num(cols[4], s.rx_dropped) .. num(cols[5], s.rx_missed_errors) .. num(cols[6], s.multicast)
  if s.rx_compressed ~= 0 then l = l .. num(cols[7], s.rx_compressed) end
  out[#out + 1] = l
  out[#out + 1] = string.format("    TX: %" .. (cols[1] - 4) .. "s %" .. cols[2] .. "s %" .. cols[3] .. "s %" ..
    cols[4] .. "s %" .. cols[5] .. "s %" .. cols[6] .. "s %" .. cols[7] .. "s",
    "bytes", "packets", "errors", "dropped", "carrier", "collsns", s.tx_compressed ~= 0 and "compressed" or "")
  l = "    " .. num(cols[1], s.tx_bytes) .. num(cols[2], s.tx_packets) .. num(cols[3], s.tx_errors) ..
    num(cols[4], s.tx_dropped) .. num(cols[5], s.tx_carrier_errors) .. num(cols[6], s.collisions)
  if s.tx_compressed ~= 0 then l = l .. num(cols[7], s.tx_compressed) end
  out[#out + 1] = l
  return out
end
M.stats_lines = stats_lines

-- }======

-- {====== addresses ======

local IFA_FLAG_NAMES = { "secondary", "nodad", "optimistic", "dadfailed", "home", "deprecated",
  "tentative", "permanent", "mngtmpaddr", "noprefixroute", "autojoin", "stable-privacy" }
local IFA_F_PERMANENT, IFA_F_SECONDARY = 0x80, 0x01

local function ifa_flags_text(flags, family)
  local parts = {}
  for i, name in ipairs(IFA_FLAG_NAMES) do
    local mask = 1 << (i - 1)
    if mask == IFA_F_PERMANENT then
      if (flags & mask) == 0 then parts[#parts + 1] = "dynamic " end
    elseif (flags & mask) ~= 0 then
      if mask == IFA_F_SECONDARY and family == 10 then parts[#parts + 1] = "temporary "
      else parts[#parts + 1] = name .. " " end
    end
    flags = flags & ~mask
  end
  if flags ~= 0 then parts[#parts + 1] = string.format("flags %02x ", flags) end
  return table.concat(parts)
end

-- remaining lifetimes as inet_fill_ifaddr / inet6_fill_ifaddr compute them
local function lifetimes(a, permanent_infinite)
  local valid, preferred = a.valid_lft & 0xffffffff, a.preferred_lft & 0xffffffff
  local perm = (a.flags & IFA_F_PERMANENT) ~= 0
  if a.family == 10 then
    if perm and preferred == INFINITY_LIFE_TIME then return INFINITY_LIFE_TIME, INFINITY_LIFE_TIME end
  elseif perm then
    return INFINITY_LIFE_TIME, INFINITY_LIFE_TIME
  end
  if preferred ~= INFINITY_LIFE_TIME then
    local tval = (ktime.jiffies() - a.tstamp) // (ktime.hz() or 250)
    if preferred > tval then preferred = preferred - tval else preferred = 0 end
    if valid ~= INFINITY_LIFE_TIME then
      if valid > tval then valid = valid - tval else valid = 0 end
    end
  end
  return valid, preferred
end

-- IPv6 ifa scope -> rtm scope (rt_scope in addrconf.c)
local function v6_scope(s)
  if (s & 0x10) ~= 0 then return 254 end -- IFA_HOST
  if (s & 0x20) ~= 0 then return 253 end -- IFA_LINK
  if (s & 0x40) ~= 0 then return 200 end -- IFA_SITE
  return 0
end

-- one address: main part ("    inet ..." up to the label) and lifetime part
function M.addr_parts(a)
  local s
  if a.family == 2 then
    s = "    inet " .. net.ip4(a.local_)
    if a.address ~= a.local_ then s = s .. " peer " .. net.ip4(a.address) end
    s = s .. "/" .. a.prefixlen .. " "
    if a.broadcast ~= 0 then s = s .. "brd " .. net.ip4(a.broadcast) .. " " end
    s = s .. "scope " .. scope_name(a.scope) .. " "
    s = s .. ifa_flags_text(a.flags, 2)
    if a.label ~= "" then s = s .. a.label end
  else
    s = "    inet6 " .. net.ip6(a.addr)
    if a.peer and not net.ip6_is_any(a.peer) then s = s .. " peer " .. net.ip6(a.peer) end
    s = s .. "/" .. a.prefixlen .. " "
    s = s .. "scope " .. scope_name(v6_scope(a.scope)) .. " "
    s = s .. ifa_flags_text(a.flags, 10)
  end
  local valid, pref = lifetimes(a)
  local lft = "       valid_lft " .. (valid == INFINITY_LIFE_TIME and "forever" or (valid .. "sec")) ..
              " preferred_lft " .. (pref == INFINITY_LIFE_TIME and "forever" or (pref .. "sec"))
  return s, lft
end

local function dev_addrs(dev, fam)
  local out = {}
  if fam == nil or fam == 2 then for _, a in ipairs(net.inet_addrs(dev)) do out[#out + 1] = a end end
  if fam == nil or fam == 10 then for _, a in ipairs(net.inet6_addrs(dev)) do out[#out + 1] = a end end
  return out
end

local function by_index(n)
  return net.dev_by_index(n)
end

-- `ip [-d] address` (opts.details) / `ip [-s] [-d] link` (opts.mode="link")
function M.ip_address(n, opts)
  n = n or net.init_net()
  opts = opts or {}
  local names = by_index(n)
  local out, notes, plines = {}, {}, {}
  for _, dev in ipairs(net.devices(n)) do
    local lines, note = M.link_lines(dev, opts, names)
    if note then notes[#notes + 1] = note end
    for _, l in ipairs(lines) do out[#out + 1] = l .. "\n" end
    local alts = M.altnames(dev)
    if opts.mode == "link" then
      if opts.stats then
        local s, why = net.link_stats(dev)
        -- counters a driver keeps privately make that link's block incomplete
        if why then
          plines[#plines + 1] = { key = string.format("%d: %s", dev.ifindex, net.devname(dev)), reason = why }
        end
        for _, l in ipairs(stats_lines(s)) do out[#out + 1] = l .. "\n" end
      end
      for _, a in ipairs(alts) do out[#out + 1] = "    altname " .. a .. "\n" end
    else
      for _, a in ipairs(alts) do out[#out + 1] = "    altname " .. a .. "\n" end
      for _, a in ipairs(dev_addrs(dev)) do
        local main, lft = M.addr_parts(a)
        out[#out + 1] = main .. "\n" .. lft .. "\n"
      end
    end
  end
  return table.concat(out), (#notes > 0) and table.concat(notes, "; ") or nil, plines
end

-- `ip -o addr`: one line per address, the link name in front
function M.ip_o_addr(n)
  n = n or net.init_net()
  local out = {}
  for _, dev in ipairs(net.devices(n)) do
    local head = string.format("%d: %s", dev.ifindex, net.devname(dev))
    for _, a in ipairs(dev_addrs(dev)) do
      local main, lft = M.addr_parts(a)
      out[#out + 1] = head .. main .. "\\" .. lft .. "\n"
    end
  end
  return table.concat(out)
end

-- }======

-- {====== routes ======

local MX_NAMES = { [2] = "mtu", [3] = "window", [4] = "rtt", [5] = "rttvar", [6] = "ssthresh",
  [7] = "cwnd", [8] = "advmss", [9] = "reordering", [10] = "hoplimit", [11] = "initcwnd",
  [12] = "features", [13] = "rto_min", [14] = "initrwnd", [15] = "quickack", [16] = "congctl",
  [17] = "fastopen_no_cookie" }

-- iproute2 print_rta_metrics for the metrics the kernel puts (non-zero)
local function metrics_text(m)
  if not m then return "" end
  local lock = m[1] or 0 -- RTAX_LOCK
  local parts = {}
  for i = 2, 17 do
    local v = m[i]
    if v and v ~= 0 then
      local name = MX_NAMES[i] or ("metric_" .. i)
      local s = name .. " "
      if (lock & (1 << i)) ~= 0 then s = s .. "lock " end
      if i == 4 or i == 5 or i == 13 then
        -- rtt/rttvar/rto_min: kernel keeps them in ms (rtt scaled by 8, rttvar by 4)
        local val = v
        if i == 4 then val = v / 8 elseif i == 5 then val = v / 4 end
        s = s .. string.format("%gms ", val)
      elseif i == 16 then
        s = s .. "(cc " .. v .. ") "
      elseif i == 12 then
        s = s .. ((v & 1) ~= 0 and "ecn " or string.format("0x%x ", v))
      else
        s = s .. v .. " "
      end
      parts[#parts + 1] = s
    end
  end
  return table.concat(parts)
end

local RTNH_F = route.RTNH_F
local function rt_flags_text(flags)
  local s = ""
  if (flags & RTNH_F.DEAD) ~= 0 then s = s .. "dead " end
  if (flags & RTNH_F.ONLINK) ~= 0 then s = s .. "onlink " end
  if (flags & RTNH_F.PERVASIVE) ~= 0 then s = s .. "pervasive " end
  if (flags & RTNH_F.OFFLOAD) ~= 0 then s = s .. "offload " end
  if (flags & RTNH_F.LINKDOWN) ~= 0 then s = s .. "linkdown " end
  if (flags & RTNH_F.UNRESOLVED) ~= 0 then s = s .. "unresolved " end
  if (flags & RTNH_F.TRAP) ~= 0 then s = s .. "trap " end
  return s
end

local function ip4_host(v) -- host-order key to dotted quad
  return string.format("%d.%d.%d.%d", (v >> 24) & 0xff, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff)
end

-- one IPv4 route line (print_route)
function M.route4_line(r)
  local s = ""
  if r.type ~= route.RTN.UNICAST then s = s .. rtntype_name(r.type) .. " " end
  if r.dst_len > 0 then
    s = s .. ip4_host(r.dst)
    if r.dst_len ~= 32 then s = s .. "/" .. r.dst_len end
    s = s .. " "
  else
    s = s .. "default "
  end
  if r.tos and r.tos ~= 0 then s = s .. string.format("tos 0x%02x ", r.tos) end
  if r.gw_family == 2 and r.gw4 and r.gw4 ~= 0 then s = s .. "via " .. net.ip4(r.gw4) .. " "
  elseif r.gw_family == 10 and r.gw6 then s = s .. "via inet6 " .. net.ip6(r.gw6) .. " " end
  if r.dev then s = s .. "dev " .. net.devname(r.dev) .. " " end
  if r.table ~= route.RT_TABLE.MAIN then s = s .. "table " .. table_name(r.table) .. " " end
  if r.protocol and r.protocol ~= 3 then s = s .. "proto " .. proto_name(r.protocol) .. " " end
  if r.scope and r.scope ~= 0 then s = s .. "scope " .. scope_name(r.scope) .. " " end
  if r.prefsrc and r.prefsrc ~= 0 then s = s .. "src " .. net.ip4(r.prefsrc) .. " " end
  if r.priority and r.priority ~= 0 then s = s .. "metric " .. (r.priority & 0xffffffff) .. " " end
  s = s .. rt_flags_text(r.flags or 0)
  s = s .. metrics_text(r.metrics)
  return s
end

-- `ip route show table all` (IPv4, every table)
function M.ip_route_all(n)
  n = n or net.init_net()
  local out, notes = {}, {}
  for _, tb in ipairs(route.fib4_tables(n)) do
    for _, r in ipairs(route.fib4_routes(tb)) do
      if r.nh_note then notes[#notes + 1] = "route with a " .. r.nh_note .. " (nhid) shown without its nexthop" end
      if (r.nhs or 1) > 1 then notes[#notes + 1] = "multipath route: only its first nexthop is shown" end
      out[#out + 1] = M.route4_line(r) .. "\n"
    end
  end
  return table.concat(out), (#notes > 0) and table.concat(notes, "; ") or nil
end

local PREF = { [0] = "medium", [1] = "high", [3] = "low", [2] = "invalid" }
local RTF_EXPIRES, RTF_CACHE = 0x00400000, 0x01000000

-- one IPv6 route record as `ip -6 route` prints it (no newline)
function M.route6_line(r)
  local s = ""
  if r.type ~= route.RTN.UNICAST then s = s .. rtntype_name(r.type) .. " " end
  if r.dst_len > 0 then
    s = s .. net.ip6(r.dst)
    if r.dst_len ~= 128 then s = s .. "/" .. r.dst_len end
    s = s .. " "
  else
    s = s .. "default "
  end
  if r.src_len and r.src_len > 0 then s = s .. "from " .. net.ip6(r.src) .. "/" .. r.src_len .. " " end
  if r.gw_family == 10 and r.gw6 then s = s .. "via " .. net.ip6(r.gw6) .. " "
  elseif r.gw_family == 2 then s = s .. "via inet " .. net.ip6(r.gw6):gsub("^::", "") .. " " end
  if r.dev then s = s .. "dev " .. net.devname(r.dev) .. " " end
  if r.table ~= route.RT_TABLE.MAIN then s = s .. "table " .. table_name(r.table) .. " " end
  if r.protocol ~= 3 then s = s .. "proto " .. proto_name(r.protocol) .. " " end
  if r.prefsrc_len and r.prefsrc_len > 0 then s = s .. "src " .. net.ip6(r.prefsrc) .. " " end
  s = s .. "metric " .. (r.metric & 0xffffffff) .. " "
  s = s .. rt_flags_text(r.nh_flags or 0)
  if (r.flags & RTF_EXPIRES) ~= 0 then
    local left = r.expires - ktime.jiffies()
    if left < 0 then left = 0 end
    s = s .. "expires " .. (left // (ktime.hz() or 250)) .. "sec "
  end
  s = s .. metrics_text(r.metrics)
  s = s .. "pref " .. PREF[(r.flags >> 27) & 3]
  return s
end

-- `ip -6 route show table all`
function M.ip6_route_all(n)
  n = n or net.init_net()
  local out, notes = {}, {}
  for _, tb in ipairs(route.fib6_tables(n)) do
    for _, rt in ipairs(route.fib6_infos(tb)) do
      if not route.is_null_entry(n, rt) then
        local r = route.fib6_route(rt)
        if (r.flags & RTF_CACHE) == 0 then
          if r.nh_note then notes[#notes + 1] = "route with a " .. r.nh_note .. " shown without its nexthop" end
          if (r.nsiblings or 0) > 0 then notes[#notes + 1] = "multipath route: each sibling shown on its own line" end
          out[#out + 1] = M.route6_line(r) .. "\n"
        end
      end
    end
  end
  return table.concat(out), (#notes > 0) and table.concat(notes, "; ") or nil
end

-- }======

-- {====== rules ======

local FIB_RULE_INVERT, FIB_RULE_IIF_DETACHED, FIB_RULE_OIF_DETACHED, FIB_RULE_UNRESOLVED = 2, 8, 16, 4
local FR_ACT_TO_TBL, FR_ACT_GOTO, FR_ACT_NOP = 1, 2, 3

-- text of `ip rule` (family 2) or `ip -6 rule` (10), and a note on what is not shown;
-- nil, reason when the dump has no rules for the family
function M.ip_rule(n, family)
  n = n or net.init_net()
  local rules = route.rules(n, family)
  if rules == nil then return nil, "no policy routing rules for this family in the dump" end
  local out, notes = {}, {}
  local host_len = (family == 10) and 128 or 32
  local fmt = (family == 10) and net.ip6 or net.ip4
  for _, r in ipairs(rules) do
    if r.note then notes[#notes + 1] = r.note end
    local s = string.format("%d:\t", r.pref)
    if (r.flags & FIB_RULE_INVERT) ~= 0 then s = s .. "not " end
    if r.src_len and r.src_len > 0 then
      s = s .. "from " .. fmt(r.src)
      if r.src_len ~= host_len then s = s .. "/" .. r.src_len end
    else
      s = s .. "from all"
    end
    if r.dst_len and r.dst_len > 0 then
      s = s .. " to " .. fmt(r.dst)
      if r.dst_len ~= host_len then s = s .. "/" .. r.dst_len end
    end
    if r.tos and r.tos ~= 0 then s = s .. string.format(" tos 0x%02x", r.tos) end
    if r.mark ~= 0 or r.mark_mask ~= 0 then
      s = s .. string.format(" fwmark 0x%x", r.mark)
      if (r.mark_mask & 0xffffffff) ~= 0xffffffff then s = s .. string.format("/0x%x", r.mark_mask) end
    end
    if r.iifname ~= "" then
      s = s .. " iif " .. r.iifname
      if (r.flags & FIB_RULE_IIF_DETACHED) ~= 0 then s = s .. " [detached]" end
    end
    if r.oifname ~= "" then
      s = s .. " oif " .. r.oifname
      if (r.flags & FIB_RULE_OIF_DETACHED) ~= 0 then s = s .. " [detached]" end
    end
    if r.l3mdev ~= 0 then s = s .. " lookup [l3mdev-table]" end
    if not (r.uid_start == 0 and (r.uid_end & 0xffffffff) == 0xffffffff) then
      s = s .. string.format(" uidrange %d-%d", r.uid_start, r.uid_end & 0xffffffff)
    end
    if r.ip_proto ~= 0 then s = s .. " ipproto " .. r.ip_proto end
    if r.sport[1] ~= 0 or r.sport[2] ~= 0 then
      s = s .. (r.sport[1] == r.sport[2] and (" sport " .. r.sport[1]) or string.format(" sport %d-%d", r.sport[1], r.sport[2]))
    end
    if r.dport[1] ~= 0 or r.dport[2] ~= 0 then
      s = s .. (r.dport[1] == r.dport[2] and (" dport " .. r.dport[1]) or string.format(" dport %d-%d", r.dport[1], r.dport[2]))
    end
    if r.tun_id ~= 0 then s = s .. " tun_id " .. net.u64s(r.tun_id) end
    if r.table ~= 0 and r.l3mdev == 0 then
      s = s .. " lookup " .. table_name(r.table)
      if r.suppress_prefixlen ~= -1 then s = s .. " suppress_prefixlength " .. r.suppress_prefixlen end
      if r.suppress_ifgroup ~= -1 then s = s .. " suppress_ifgroup " .. r.suppress_ifgroup end
    end
    if r.action == FR_ACT_GOTO then
      s = s .. " goto " .. r.target
      if r.ctarget == 0 then s = s .. " [unresolved]" end
    elseif r.action == FR_ACT_NOP then
      s = s .. " nop"
    elseif r.action ~= FR_ACT_TO_TBL then
      s = s .. " " .. rtntype_name(r.action)
    end
    if r.proto ~= 0 and r.proto ~= 2 then s = s .. " proto " .. proto_name(r.proto) .. " " end
    out[#out + 1] = s .. "\n"
  end
  return table.concat(out), (#notes > 0) and table.concat(notes, "; ") or nil
end

-- }======

-- {====== neighbours ======

local NUD = route.NUD
local NUD_ORDER = { "INCOMPLETE", "REACHABLE", "STALE", "DELAY", "PROBE", "FAILED", "NOARP", "PERMANENT" }
local NTF = { ROUTER = 0x80, PROXY = 0x08, EXT_LEARNED = 0x10, OFFLOADED = 0x20, EXT_MANAGED = 0x01 }

-- `ip [-s [-s]] neigh show [nud STATE]`: state_filter is a NUD mask
-- (default: all but NOARP), stats adds "used/confirmed/updated probes"
function M.ip_neigh(n, state_filter, stats)
  n = n or net.init_net()
  state_filter = state_filter or (0xff & ~NUD.NOARP)
  local out = {}
  local now = ktime.jiffies()
  local function clock_t(d) -- jiffies_to_clock_t, then iproute2 divides by USER_HZ
    local np = require("kernel.net_proc")
    return np.jiffies_to_clock_t(d) // 100
  end
  for _, t in ipairs({ { "arp_tbl", 2 }, { "nd_tbl", 10 } }) do
    local list = route.neighbours(t[1], n) or {}
    for _, e in ipairs(list) do
      local st = e.nud
      local skip = (state_filter & st) == 0 and (e.flags & NTF.PROXY) == 0 and (e.flags & NTF.EXT_LEARNED) == 0
                   and (st ~= 0 or (state_filter & 0x100) == 0)
      if not skip then
        local dst = (t[2] == 2) and string.format("%d.%d.%d.%d", e.key:byte(1, 4)) or net.ip6(e.key)
        local s = dst .. " dev " .. net.devname(e.dev) .. " "
        if (st & route.NUD_VALID) ~= 0 then s = s .. "lladdr " .. e.ha .. " " end
        if (e.flags & NTF.ROUTER) ~= 0 then s = s .. "router " end
        if (e.flags & NTF.PROXY) ~= 0 then s = s .. "proxy " end
        if (e.flags & NTF.EXT_LEARNED) ~= 0 then s = s .. "extern_learn " end
        if (e.flags & NTF.OFFLOADED) ~= 0 then s = s .. "offload " end
        if (e.flags & NTF.EXT_MANAGED) ~= 0 and net.has_member("struct neighbour", "managed_list") then
          s = s .. "managed "
        end
        if stats then
          local ref = e.refcnt - 1
          if ref ~= 0 then s = s .. " ref " .. ref end
          s = s .. string.format(" used %d/%d/%d", clock_t(now - e.used), clock_t(now - e.confirmed),
                                 clock_t(now - e.updated))
          s = s .. "probes " .. e.probes .. " "
        end
        for _, name in ipairs(NUD_ORDER) do
          if (st & NUD[name]) ~= 0 then s = s .. name .. " " end
        end
        if e.protocol ~= 0 then s = s .. "proto " .. proto_name(e.protocol) .. " " end
        out[#out + 1] = s .. "\n"
      end
    end
  end
  return table.concat(out)
end

-- }======

-- {====== named network namespaces ======

-- `ip netns`: the names are nsfs bind mounts under /run/netns (or
-- /var/run/netns); the dump has the mount tree.  iproute2 also prints
-- " (id: N)" for namespaces with a peer id: those are reported in a note.

-- the network namespace an nsfs mount's root pins: the root inode's
-- i_private is the struct ns_common (fs/nsfs.c ns_get_path), embedded in
-- struct net as .ns; nil when the file is another kind of namespace
function M.nsfs_net(e)
  local inode = e.mnt.mnt.mnt_root.d_inode
  local nsp = pval(inode:member_("i_private"))
  if nsp == 0 then return nil end
  local ns = kd.object("struct ns_common", nsp)
  if ns.ops.name:string_() ~= "net" then return nil end
  return kd.container_of(nsp, "struct net", "ns")
end

-- the named network namespaces (nsfs bind mounts under /run/netns or
-- /var/run/netns), in mount order: { name = , net = struct net or nil }
-- each; nil, reason when the mount table cannot be read
function M.named_netns()
  local list = {}
  -- a name needs a namespace besides init_net: skip the mount walk without one
  local okn, nets = pcall(net.namespaces)
  if okn and #nets <= 1 then return list end
  local ok, err = pcall(function()
    -- the one mount walker (kernel/mount.lua), as sos's `ip netns` saw it
    local mount = require("kernel.mount")
    local es, why = mount.entries(mount.reader_task())
    if es == nil then error(why, 0) end
    for _, e in ipairs(es) do
      if e.fstype == "nsfs" then
        local p = require("kernel.fs").unescape(e.target)
        local nm = p:match("^/run/netns/([^/]+)$") or p:match("^/var/run/netns/([^/]+)$")
        if nm then
          local okn, n = pcall(M.nsfs_net, e)
          list[#list + 1] = { name = nm, net = okn and n or nil }
        end
      end
    end
  end)
  if not ok then return nil, "mount table not readable: " .. tostring(type(err) == "table" and err.message or err) end
  return list
end

-- peernet2id(view, peer): the id `view` gave namespace `peer` (the index
-- of its entry in view->netns_ids, an IDR: an xarray plus idr_base), or
-- nil when none was assigned
function M.peer_id(view, peer)
  local ids = view.netns_ids
  local base = ids.idr_base
  local want, found = pval(peer), nil
  require("kernel.xarray").each(ids.idr_rt, function(idx, e)
    if found == nil and e == want then found = idx + base end
  end)
  return found
end

-- text of `ip netns` from the nsfs mounts under /run/netns (netns_list
-- prints " (id: N)" when the caller's namespace has an id for it), and a
-- note on its order
function M.ip_netns()
  local list, why = M.named_netns()
  if list == nil then return nil, why end
  local out = {}
  local view = net.init_net()
  for _, e in ipairs(list) do
    local id
    if e.net then
      local ok, v = pcall(M.peer_id, view, e.net)
      if ok then id = v end
    end
    out[#out + 1] = e.name .. (id and string.format(" (id: %d)", id) or "") .. "\n"
  end
  local note
  if #list > 0 then
    note = "listed in mount order (ip lists /run/netns in readdir order)"
  end
  return table.concat(out), note
end

-- }======

-- {====== tc -s qdisc show ======

local TCQ_F_BUILTIN, TCQ_F_CPUSTATS, TCQ_F_INVISIBLE, TCQ_F_OFFLOADED = 0x1, 0x20, 0x80, 0x200
local TC_H_ROOT, TC_H_UNSPEC = 0xFFFFFFFF, 0

local function tc_classid(h)
  h = h & 0xffffffff
  if h == TC_H_ROOT then return "root" end
  if h == TC_H_UNSPEC then return "none" end
  local maj, min = h >> 16, h & 0xffff
  if maj == 0 then return string.format(":%x", min) end
  if min == 0 then return string.format("%x:", maj) end
  return string.format("%x:%x", maj, min)
end

-- tc's sprint_size (bytes)
local function tc_size(sz)
  local function g(x) local t = string.format("%g", x) return t end
  if sz >= 1024 * 1024 and math.abs(1024 * 1024 * math.floor(sz / (1024 * 1024) + 0.5) - sz) < 1024 then
    return g(sz / (1024 * 1024)) .. "Mb"
  elseif sz >= 1024 and math.abs(1024 * math.floor(sz / 1024 + 0.5) - sz) < 16 then
    return g(sz / 1024) .. "Kb"
  end
  return tostring(sz) .. "b"
end

local function sum_percpu_fields(ptr, tname, fields)
  local r = {}
  for _, f in ipairs(fields) do r[f] = 0 end
  for _, cpu in ipairs(net.possible_cpus()) do
    local o = kd.per_cpu(ptr, cpu)
    for _, f in ipairs(fields) do r[f] = r[f] + net.u64v(o[f]) end
  end
  return r
end

-- gnet_stats_copy_basic / _queue as tc_fill_qdisc calls them
local function qdisc_stats(q)
  local percpu = (q.flags & TCQ_F_CPUSTATS) ~= 0
  local b, qs
  if percpu and pval(q:member_("cpu_bstats")) ~= 0 then
    b = sum_percpu_fields(q:member_("cpu_bstats"), nil, { "bytes", "packets" })
  else
    b = { bytes = net.u64v(q.bstats.bytes), packets = net.u64v(q.bstats.packets) }
  end
  local qf = { "backlog", "drops", "requeues", "overlimits" }
  if percpu and pval(q:member_("cpu_qstats")) ~= 0 then
    qs = sum_percpu_fields(q:member_("cpu_qstats"), nil, qf)
  else
    qs = {}
    for _, f in ipairs(qf) do qs[f] = q.qstats[f] end
  end
  -- qdisc_qlen_sum
  local qlen = q.qstats.qlen
  if percpu and pval(q:member_("cpu_qstats")) ~= 0 then
    for _, cpu in ipairs(net.possible_cpus()) do qlen = qlen + kd.per_cpu(q:member_("cpu_qstats"), cpu).qlen end
  else
    qlen = qlen + q.q.qlen
  end
  return { bytes = b.bytes, packets = b.packets, drops = qs.drops, overlimits = qs.overlimits,
           requeues = qs.requeues, backlog = qs.backlog, qlen = qlen }
end

-- options part of the qdisc line for the kinds whose dump is known
local function qdisc_options(q, kind, dev)
  if kind == "noqueue" or kind == "mq" or kind == "noop" then return "" end
  if kind == "ingress" or kind == "clsact" then return "---------------- " end
  if kind == "pfifo_fast" then
    local pm = net.sym("prio2band") or net.sym("sch_default_prio2band")
    if pm == nil then return nil end
    local parts = { "bands 3 priomap" }
    for i = 0, 15 do parts[#parts + 1] = tostring(pm[i]) end
    return table.concat(parts, " ")
  end
  if kind == "pfifo" or kind == "pfifo_head_drop" then return string.format("limit %dp", q.limit) end
  if kind == "bfifo" then return "limit " .. tc_size(q.limit) end
  if kind == "fq_codel" then return M.fq_codel_options(q) end
  return nil
end

-- iproute2's sprint_time() of a value in microseconds ("%.3gms")
local function tc_time(us)
  if us >= 1000000 then return string.format("%.3gs", us / 1000000) end
  if us >= 1000 then return string.format("%.3gms", us / 1000) end
  return string.format("%dus", us)
end

-- the private area of a qdisc (qdisc_priv: &q->privdata)
local function qdisc_priv(q, tname)
  return kd.object(tname, pval(q) + net.offsetof("struct Qdisc", "privdata"))
end

-- fq_codel_dump() (net/sched/sch_fq_codel.c, 6.1 = 6.12 but for
-- READ_ONCE) as iproute2 6.1's fq_codel_print_opt prints it; codel times
-- are in 1024 ns units (codel_time_to_us)
function M.fq_codel_options(q)
  local d = qdisc_priv(q, "struct fq_codel_sched_data")
  local cp = d.cparams
  local function us(t) return ((t & 0xffffffff) << 10) // 1000 end
  local out = {}
  out[#out + 1] = string.format("limit %dp ", q.limit)
  out[#out + 1] = string.format("flows %d ", d.flows_cnt)
  out[#out + 1] = string.format("quantum %d ", d.quantum)
  out[#out + 1] = "target " .. tc_time(us(cp.target)) .. " "
  local ce = cp.ce_threshold & 0xffffffff
  if ce ~= 0x7fffffff then                                  -- CODEL_DISABLED_THRESHOLD
    out[#out + 1] = "ce_threshold " .. tc_time(us(ce)) .. " "
    if has_member("struct codel_params", "ce_threshold_selector") then
      local sel, mask = cp.ce_threshold_selector, cp.ce_threshold_mask
      if sel ~= 0 or mask ~= 0 then
        out[#out + 1] = string.format("ce_threshold_selector %s/%s ",
          sel == 0 and "0" or string.format("%#x", sel), mask == 0 and "0" or string.format("%#x", mask))
      end
    end
  end
  out[#out + 1] = "interval " .. tc_time(us(cp.interval)) .. " "
  out[#out + 1] = "memory_limit " .. tc_size(d.memory_limit) .. " "
  if cp.ecn == true or cp.ecn == 1 then out[#out + 1] = "ecn " end
  if d.drop_batch_size ~= 0 then out[#out + 1] = string.format("drop_batch %d ", d.drop_batch_size) end
  return table.concat(out)
end

-- fq_codel_dump_stats() as fq_codel_print_xstats prints it
local function fq_codel_xstats(q)
  local d = qdisc_priv(q, "struct fq_codel_sched_data")
  local function count(head)
    local n = 0
    for _ in kd.list(head, "struct fq_codel_flow", "flowchain") do n = n + 1 end
    return n
  end
  local s = string.format("  maxpacket %d drop_overlimit %d new_flow_count %d ecn_mark %d",
    d.cstats.maxpacket, d.drop_overlimit, d.new_flow_count, d.cstats.ecn_mark)
  if d.cstats.ce_mark ~= 0 then s = s .. " ce_mark " .. d.cstats.ce_mark end
  if d.memory_usage ~= 0 then s = s .. " memory_used " .. d.memory_usage end
  if d.drop_overmemory ~= 0 then s = s .. " drop_overmemory " .. d.drop_overmemory end
  return s .. "\n" .. string.format("  new_flows_len %d old_flows_len %d", count(d.new_flows), count(d.old_flows)) .. "\n"
end

-- mq_dump(): the root's counters are the sums of its per-queue children
local function mq_sums(dev)
  local st = { bytes = 0, packets = 0, drops = 0, overlimits = 0, requeues = 0, backlog = 0, qlen = 0 }
  local n = dev.num_tx_queues
  local txq = dev._tx
  for i = 0, n - 1 do
    local child = txq[i].qdisc_sleeping
    if child ~= nil then
      local c = qdisc_stats(child)
      for k in pairs(st) do st[k] = st[k] + c[k] end
    end
  end
  return st
end

local function qdisc_text(q, dev, notes)
  local kind = q.ops.id:string_()
  local s = string.format("qdisc %s %x: dev %s", kind, (q.handle & 0xffffffff) >> 16, net.devname(dev))
  local parent = q.parent & 0xffffffff
  if parent == TC_H_ROOT then s = s .. " root"
  elseif parent ~= 0 then s = s .. " parent " .. tc_classid(parent) end
  local rc = net.refcnt(q.refcnt)
  if rc ~= 1 then s = s .. " refcnt " .. rc end
  if (q.flags & TCQ_F_OFFLOADED) ~= 0 then s = s .. "offloaded " end
  s = s .. " "
  local opt = qdisc_options(q, kind, dev)
  if opt == nil then
    notes[#notes + 1] = string.format("%s: options of qdisc %s are not decoded", net.devname(dev), kind)
    opt = ""
  end
  s = s .. opt .. "\n"
  local st = (kind == "mq") and mq_sums(dev) or qdisc_stats(q)
  s = s .. string.format(" Sent %s bytes %d pkt (dropped %d, overlimits %d requeues %d) \n",
    net.u64s(st.bytes), u32(st.packets), u32(st.drops), u32(st.overlimits), u32(st.requeues))
  s = s .. string.format(" backlog %s %dp requeues %d\n", tc_size(u32(st.backlog)), u32(st.qlen), u32(st.requeues))
  if kind == "fq_codel" then
    local ok, x = pcall(fq_codel_xstats, q)
    if ok then s = s .. x
    else notes[#notes + 1] = string.format("%s: fq_codel statistics not read (%s)", net.devname(dev), tostring(x)) end
  end
  return s
end

-- `tc -s qdisc show`: per device (dev_base order) the root qdisc, the
-- qdiscs of its hash, then the ingress/clsact qdisc; builtin (noop) and
-- invisible qdiscs are not dumped
function M.tc_qdisc(n)
  n = n or net.init_net()
  local out, notes = {}, {}
  local hoff = net.offsetof("struct Qdisc", "hash")
  local function ignored(q)
    return (q.flags & TCQ_F_BUILTIN) ~= 0 or (q.flags & TCQ_F_INVISIBLE) ~= 0
  end
  for _, dev in ipairs(net.devices_list(n)) do
    local root = dev.qdisc
    if root ~= nil then
      if not ignored(root) then out[#out + 1] = qdisc_text(root, dev, notes) end
      local hb = dev.qdisc_hash
      local nb = #hb
      local firsts = net.heads(hb:address_(), nb, 8)
      for b = 0, nb - 1 do
        local nodes = {}
        net.hlist_nodes(firsts[b], nodes)
        for _, node in ipairs(nodes) do
          local q = kd.object("struct Qdisc", node - hoff)
          if not ignored(q) then out[#out + 1] = qdisc_text(q, dev, notes) end
        end
      end
    end
    local iq = dev.ingress_queue
    if iq ~= nil then
      local q = iq.qdisc_sleeping
      if q ~= nil and not ignored(q) then out[#out + 1] = qdisc_text(q, dev, notes) end
    end
  end
  return table.concat(out), (#notes > 0) and table.concat(notes, "; ") or nil
end

-- }======

return M
