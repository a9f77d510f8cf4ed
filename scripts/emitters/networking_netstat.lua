-- sos networking plugin: net-tools views (`netstat`, `route`) of the
-- initial namespace (layouts of net-tools 2.10: scripts/lib/kernel/net_tools.lua)
local nt = require("kernel.net_tools")

-- text, note [, incomplete lines] -> the emitter result
local result = require("report.util").result_maker(stub, partial)

emit{ command = "netstat -W -neopa", plugin = "networking", symlink = "netstat",
      run = function() return result(nt.netstat_neopa()) end }
emit{ command = "netstat -W -agn", plugin = "networking",
      run = function() return result(nt.netstat_agn()) end }
emit{ command = "netstat -s", plugin = "networking",
      run = function() return result(nt.netstat_s()) end }
emit{ command = "route -n", plugin = "networking", symlink = "route",
      run = function() return result(nt.route_n()) end }
