-- sos networking plugin: iproute2 (`ip`) views of the initial namespace
-- (layouts of iproute2 6.1: see scripts/lib/kernel/net_ip.lua)
local ip = require("kernel.net_ip")

-- text, note [, incomplete lines] -> the emitter result
local result = require("report.util").result_maker(stub, partial)

emit{ command = "ip -d address", plugin = "networking", symlink = "ip_addr",
      run = function() return result(ip.ip_address(nil, { details = true })) end }
emit{ command = "ip -o addr", plugin = "networking",
      run = function() return result(ip.ip_o_addr()) end }
emit{ command = "ip -s -d link", plugin = "networking",
      run = function() return result(ip.ip_address(nil, { details = true, stats = true, mode = "link" })) end }
emit{ command = "ip route show table all", plugin = "networking",
      run = function() return result(ip.ip_route_all()) end }
emit{ command = "ip -6 route show table all", plugin = "networking",
      run = function() return result(ip.ip6_route_all()) end }
emit{ command = "ip -4 rule", plugin = "networking",
      run = function() return result(ip.ip_rule(nil, 2)) end }
emit{ command = "ip -6 rule", plugin = "networking",
      run = function() return result(ip.ip_rule(nil, 10)) end }
emit{ command = "ip neigh show nud noarp", plugin = "networking",
      run = function() return result(ip.ip_neigh(nil, 0x40, false)) end }
emit{ command = "ip -s -s neigh show", plugin = "networking",
      run = function() return result(ip.ip_neigh(nil, nil, true)) end }
emit{ command = "ip netns", plugin = "networking",
      run = function() return result(ip.ip_netns()) end }
