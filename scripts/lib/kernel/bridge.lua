-- kernel/bridge.lua: the bridge module's VLAN and multicast databases as
-- iproute2 6.1's `bridge -d vlan show` and `bridge -s -s -d -t mdb show`
-- print them (sos's networking plugin runs both when a bridge exists).
-- Bridge ports and the bridge's private struct come from
-- kernel/net_link.lua (brport, priv), the port walk is rtnetlink's.
--
-- Mirrors: net/bridge/br_vlan.c (br_vlan_rtm_dump, br_vlan_dump_dev,
--   br_vlan_fill_vids, br_vlan_can_enter_range), net/bridge/br_vlan_options.c
--   (br_vlan_opts_fill, br_vlan_opts_eq_range), net/bridge/br_vlan_tunnel.c,
--   net/bridge/br_private.h, include/uapi/linux/if_bridge.h; iproute2 6.1
--   bridge/vlan.c (vlan_show with -d: print_vlan_rtm, print_vlan_opts);
--   net/bridge/br_mdb.c (br_mdb_dump, __mdb_fill_info, __mdb_fill_srcs,
--   br_rports_fill_info), iproute2 6.1 bridge/mdb.c (mdb_show:
--   print_mdb_entry, br_print_router_ports)

local net = require("kernel.net")
local link = require("kernel.net_link")
local fs = require("kernel.fs")

local M = {}
local pval, errmsg = fs.pval, fs.errmsg
-- through net's table at each call (the tests model the bridge's structs)
local function has_member(t, m) return net.has_member(t, m) end

-- BRIDGE_VLAN_INFO_* (include/uapi/linux/if_bridge.h)
local VI = { MASTER = 0x1, PVID = 0x2, UNTAGGED = 0x4, BRENTRY = 0x20 }
-- print_stp_state()'s names (iproute2 bridge/link.c, BR_STATE_*)
local STP = { [0] = "disabled", "listening", "learning", "forwarding", "blocking" }

-- the entries of a net_bridge_vlan_group's vlan_list (sorted by vid: the
-- kernel inserts in order, __vlan_add_list)
function M.vlan_entries(vg)
  local out = {}
  for v in kd.list(vg.vlan_list, "struct net_bridge_vlan", "vlist") do out[#out + 1] = v end
  return out
end

-- br_vlan_multicast_router(): the port's or the bridge's per-VLAN
-- multicast router setting (CONFIG_BRIDGE_IGMP_SNOOPING), nil without it
local function mcast_router(v)
  if v.flags & VI.MASTER == 0 then
    if has_member("struct net_bridge_vlan", "port_mcast_ctx") then return v.port_mcast_ctx.multicast_router end
  elseif has_member("struct net_bridge_vlan", "br_mcast_ctx") then
    return v.br_mcast_ctx.multicast_router
  end
  return nil
end

-- the VLAN-to-tunnel id (br_vlan_tunnel.c: tinfo.tunnel_id is
-- key32_to_tunnel_id(), a big-endian 64-bit id), nil when not mapped
local function tunnel_key(v)
  if not has_member("struct net_bridge_vlan", "tinfo") then return nil end
  if pval(v.tinfo:member_("tunnel_dst")) == 0 then return nil end
  return v.tinfo.tunnel_id
end

-- br_vlan_opts_eq_range() and br_vlan_can_enter_range()
local function can_enter_range(cur, last, pvid)
  if cur.vid == pvid or last.vid == pvid or cur.vid - last.vid ~= 1 or cur.flags ~= last.flags then
    return false
  end
  if cur.state ~= last.state or mcast_router(cur) ~= mcast_router(last) then return false end
  local a, b = tunnel_key(cur), tunnel_key(last)
  if a == nil and b == nil then return true end
  -- vlan_tunid_inrange(): the tunnel keys are consecutive too;
  -- tunnel_id_to_key32() of a little-endian u64 read is its upper half, a
  -- big-endian 32-bit key (include/net/ip_tunnels.h)
  if a == nil or b == nil then return false end
  local function key(id) return string.unpack(">I4", string.pack("<I4", (id >> 32) & 0xffffffff)) end
  return key(a) - key(b) == 1
end

local function is_bridge(dev) return net.ndo_name(dev, "ndo_bridge_getlink") == "br_getlink" end

-- `bridge -d vlan show`: RTM_GETVLAN dump (br_vlan_rtm_dump walks the
-- devices in dev_base order; each bridge or bridge port sends its VLAN
-- group compressed into ranges of equal flags, state and options, the
-- bridge's own entries only where BRENTRY is set), printed by
-- print_vlan_opts.  Returns text, note.
function M.bridge_vlan(n)
  n = n or net.init_net()
  local ip = require("kernel.net_ip")
  local out = { string.format("%-16s  %-9s\n", "port", "vlan-id") }
  local notes = {}
  for _, dev in ipairs(net.devices_list(n)) do
    local ok, err = pcall(function()
      local vg
      if is_bridge(dev) then
        vg = link.priv(dev, "struct net_bridge").vlgrp
      else
        local m = ip.master_dev(dev)
        if not (m and is_bridge(m)) then return end
        vg = link.brport(dev).vlgrp
      end
      if vg == nil or vg == 0 then return end
      local pvid = vg.pvid
      local first = true
      local function fill(s, e)
        local flags = s.vid == pvid and (s.flags | VI.PVID) or s.flags
        local o = {}
        if first then o[1] = string.format("%-16s  ", net.devname(dev)); first = false
        else o[1] = string.format("%-16s  ", "") end
        o[#o + 1] = tostring(s.vid)
        -- BRIDGE_VLANDB_ENTRY_RANGE only for a real range without PVID
        if e.vid > s.vid and flags & VI.PVID == 0 then o[#o + 1] = "-" .. e.vid end
        if flags & VI.PVID ~= 0 then o[#o + 1] = " PVID" end
        if flags & VI.UNTAGGED ~= 0 then o[#o + 1] = " Egress Untagged" end
        o[#o + 1] = "\n" .. string.format("%-16s    ", "")
        o[#o + 1] = STP[s.state] and ("state " .. STP[s.state] .. " ") or string.format("state (%d) ", s.state)
        local mr = mcast_router(s)
        if mr then o[#o + 1] = string.format("mcast_router %d ", mr) end
        o[#o + 1] = "\n"
        out[#out + 1] = table.concat(o)
      end
      local rs, re
      for _, v in ipairs(M.vlan_entries(vg)) do
        -- br_vlan_should_use(): a bridge's own entry only with BRENTRY
        if not (v.flags & VI.MASTER ~= 0 and v.flags & VI.BRENTRY == 0) then
          if not rs then rs, re = v, v
          else
            if not can_enter_range(v, re, pvid) then fill(rs, re); rs = v end
            re = v
          end
        end
      end
      if rs then fill(rs, re) end
    end)
    if not ok then notes[#notes + 1] = net.devname(dev) .. ": VLANs not read (" .. errmsg(err) .. ")" end
  end
  return table.concat(out), #notes > 0 and table.concat(notes, "; ") or nil
end

-- {====== bridge mdb ======

-- br_timer_value(): clock_t ticks (USER_HZ) left on a pending timer, 0
-- for an idle one (timer_pending: entry.pprev set) or one already due
function M.timer_value(t)
  if pval(t.entry:member_("pprev")) == 0 then return 0 end
  local left = t.expires - require("kernel.time").jiffies()
  if left <= 0 then return 0 end
  return require("kernel.net_proc").jiffies_to_clock_t(left)
end

-- a struct br_ip: proto (host order: ETH_P_IP 0x0800, ETH_P_IPV6 0x86dd,
-- 0 = an L2 group), vid, and the raw bytes of dst and src (16 each)
function M.br_ip(a)
  local base = a:address_()
  local function raw(m) return kd.read(base + kd.member_offset("struct br_ip", m), 16) end
  return { proto = string.unpack(">I2", kd.read(base + kd.member_offset("struct br_ip", "proto"), 2)),
           vid = a.vid, dst = raw("dst"), src = raw("src") }
end

-- the port groups of an MDB entry (mp->ports, linked through ->next)
function M.port_groups(mp)
  local out = {}
  local p = mp.ports
  while p ~= nil do out[#out + 1] = p; p = p.next end
  return out
end

-- the entries of a bridge's mdb_list
function M.mdb_entries(br)
  local out = {}
  for mp in kd.hlist(br.mdb_list, "struct net_bridge_mdb_entry", "mdb_node") do out[#out + 1] = mp end
  return out
end

-- the source entries of a port group's src_list (IGMPv3/MLDv2)
function M.group_sources(pg)
  local out = {}
  for e in kd.hlist(pg.src_list, "struct net_bridge_group_src", "node") do out[#out + 1] = e end
  return out
end

local ETH_P_IP, ETH_P_IPV6 = 0x0800, 0x86dd
-- MDB_PG_FLAGS_* (br_private.h) -> MDB_FLAGS_* names iproute2 prints
local PG_FLAGS = { { 0x2, "offload" }, { 0x4, "fast_leave" }, { 0x8, "added_by_star_ex" }, { 0x10, "blocked" } }

local function addr_text(proto, raw)
  local net = require("kernel.net")
  if proto == ETH_P_IP then return string.format("%d.%d.%d.%d", raw:byte(1, 4))
  elseif proto == ETH_P_IPV6 then return net.ip6(raw:sub(1, 16)) end
  return string.format("%02x:%02x:%02x:%02x:%02x:%02x", raw:byte(1, 6))
end
-- iproute2's format_timer(): "%lu.%.2lu" of clock_t ticks, "%4lu" aligned
local function timer_text(v, align)
  return string.format(align and "%4d.%02d" or "%d.%02d", v // 100, v % 100)
end

-- `bridge -s -s -d -t mdb show`: two RTM_GETMDB dumps over the bridges in
-- dev_base order -- first every bridge's MDB entries (per entry: the
-- bridge itself when host_joined, then each port group), then the router
-- ports (br_rports_fill_info of br->multicast_ctx) -- printed as
-- print_mdb_entry and br_print_router_ports do with -d and -s.
-- Returns text, note.
function M.bridge_mdb(n)
  n = n or net.init_net()
  local ip = require("kernel.net_ip")
  local out, notes = {}, {}
  local bridges = {}
  for _, dev in ipairs(net.devices_list(n)) do
    if is_bridge(dev) then bridges[#bridges + 1] = dev end
  end
  for _, dev in ipairs(bridges) do
    local ok, err = pcall(function()
      local br = link.priv(dev, "struct net_bridge")
      local mctx = M.br_mcast_ctx(br)
      for _, mp in ipairs(M.mdb_entries(br)) do
        local a = M.br_ip(mp.addr)
        local function entry(pg)
          local o = { "dev " .. net.devname(dev) }
          local port = pg and pg.key.port.dev or dev
          o[#o + 1] = " port " .. net.devname(port)
          o[#o + 1] = " grp " .. addr_text(a.proto, a.dst)
          local has_src = (a.proto == ETH_P_IP and a.src:sub(1, 4) ~= "\0\0\0\0")
            or (a.proto == ETH_P_IPV6 and a.src ~= string.rep("\0", 16))
          if has_src then o[#o + 1] = " src " .. addr_text(a.proto, a.src) end
          local flags = pg and pg.flags or 0
          -- an L2 (MAC) group is always permanent (__mdb_fill_info)
          local permanent = (flags & 0x1) ~= 0 or (a.proto ~= ETH_P_IP and a.proto ~= ETH_P_IPV6)
          o[#o + 1] = permanent and " permanent" or " temp"
          if pg then
            -- IGMPv3 / MLDv2 bridges send the source list and filter mode
            local srcs_mode = (a.proto == ETH_P_IP and mctx.multicast_igmp_version == 3)
              or (a.proto == ETH_P_IPV6 and mctx.multicast_mld_version == 2)
            if srcs_mode then
              o[#o + 1] = " filter_mode " .. (pg.filter_mode == 1 and "include" or "exclude")
              local sl = M.group_sources(pg)
              if #sl > 0 then
                o[#o + 1] = " source_list"
                for i, e in ipairs(sl) do
                  local sa = M.br_ip(e.addr)
                  o[#o + 1] = (i == 1 and " " or ",") .. addr_text(a.proto, sa.src) .. "/"
                    .. timer_text(M.timer_value(e.timer), false)
                end
              end
            end
            o[#o + 1] = " proto " .. ip.proto_name(pg.rt_protocol) .. " "
          end
          for _, f in ipairs(PG_FLAGS) do if flags & f[1] ~= 0 then o[#o + 1] = " " .. f[2] end end
          if a.vid ~= 0 then o[#o + 1] = " vid " .. a.vid end
          o[#o + 1] = " " .. timer_text(M.timer_value(pg and pg.timer or mp.timer), true)
          out[#out + 1] = table.concat(o) .. "\n"
        end
        if mp.host_joined ~= 0 and mp.host_joined ~= false then entry(nil) end
        for _, pg in ipairs(M.port_groups(mp)) do
          if pg.key.port ~= nil then entry(pg) end
        end
      end
    end)
    if not ok then notes[#notes + 1] = net.devname(dev) .. ": MDB not read (" .. errmsg(err) .. ")" end
  end
  -- the router ports of each bridge (br_rports_fill_info, vid 0)
  for _, dev in ipairs(bridges) do
    local ok, err = pcall(function()
      local br = link.priv(dev, "struct net_bridge")
      local mctx = M.br_mcast_ctx(br)
      if mctx.multicast_router == 0 then return end
      for _, p in ipairs(M.bridge_ports(br)) do
        local pm = M.port_mcast_ctx(p)
        local have4 = pval(pm.ip4_rlist:member_("pprev")) ~= 0
        local have6 = has_member("struct net_bridge_mcast_port", "ip6_rlist")
          and pval(pm.ip6_rlist:member_("pprev")) ~= 0
        if have4 or have6 then
          local t4 = have4 and M.timer_value(pm.ip4_mc_router_timer) or 0
          local t6 = have6 and M.timer_value(pm.ip6_mc_router_timer) or 0
          local ty = pm.multicast_router
          out[#out + 1] = string.format("router ports on %s: %s %s %s\n", net.devname(dev),
            net.devname(p.dev), timer_text(math.max(t4, t6), true),
            (ty == 1 or ty == 3) and "temp" or "permanent")   -- MDB_RTR_TYPE_TEMP_QUERY, _TEMP
        end
      end
    end)
    if not ok then notes[#notes + 1] = net.devname(dev) .. ": router ports not read (" .. errmsg(err) .. ")" end
  end
  return table.concat(out), #notes > 0 and table.concat(notes, "; ") or nil
end

-- the multicast settings of a bridge and of a port: 5.14 ("net: bridge:
-- multicast: add context support") moved them into br->multicast_ctx and
-- p->multicast_ctx; before, they were members of the bridge and port
function M.br_mcast_ctx(br)
  if has_member("struct net_bridge", "multicast_ctx") then return br.multicast_ctx end
  return br
end
function M.port_mcast_ctx(p)
  if has_member("struct net_bridge_port", "multicast_ctx") then return p.multicast_ctx end
  return p
end

-- a bridge's ports (br->port_list)
function M.bridge_ports(br)
  local out = {}
  for p in kd.list(br.port_list, "struct net_bridge_port", "list") do out[#out + 1] = p end
  return out
end

-- }======

return M
