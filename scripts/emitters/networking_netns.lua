-- sos networking plugin: the per-namespace commands it runs for each named
-- network namespace (`ip netns exec <ns> ...`, in
-- sos_commands/networking/namespaces/<ns>/), rebuilt from that namespace's
-- struct net with the same formatters as the initial namespace's views
-- (kernel/net_ip.lua, kernel/net_tools.lua).  Registered only for the
-- namespaces the dump has, as sos runs them only for those.
local ip = require("kernel.net_ip")
local nt = require("kernel.net_tools")

-- text, note [, incomplete lines] -> the emitter result
local result = require("report.util").result_maker(stub, partial)

local list = ip.named_netns() or {}

-- sos's list (plugins/networking.py, collect_ss_ip_ethtool_info) minus
-- what kdlua does not rebuild (ip vrf show, sysctl -a, nstat, iptables-save,
-- ss, ethtool)
local COMMANDS = {
  { "ip -d address show", function(n) return ip.ip_address(n, { details = true }) end },
  { "ip route show table all", function(n) return ip.ip_route_all(n) end },
  { "ip -s -s neigh show", function(n) return ip.ip_neigh(n, nil, true) end },
  { "ip -4 rule list", function(n) return ip.ip_rule(n, 2) end },
  { "ip -6 rule list", function(n) return ip.ip_rule(n, 10) end },
  { "netstat -W -neopa", function(n) return nt.netstat_neopa(n) end },
  { "netstat -s", function(n) return nt.netstat_s(n) end },
  { "netstat -W -agn", function(n) return nt.netstat_agn(n) end },
}

for _, ns in ipairs(list) do
  -- a name sos could not make a directory of is left out, as sos's
  -- namespace listing would fail on it
  if ns.name:match("^[%w_.%-]+$") then
    for _, c in ipairs(COMMANDS) do
      emit{ command = "ip netns exec " .. ns.name .. " " .. c[1], plugin = "networking",
            subdir = "namespaces/" .. ns.name,
            run = function()
              if ns.net == nil then
                return nil, "namespace " .. ns.name .. ": the nsfs mount's inode does not lead to a struct net"
              end
              return result(c[2](ns.net))
            end }
    end
  end
end
