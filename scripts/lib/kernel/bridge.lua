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
--   bridge/vlan.c (vlan_show with -d: print_vlan_rtm, print_vlan_opts)

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

return M
