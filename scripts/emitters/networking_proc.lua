-- sos networking plugin: /proc/net files of the initial network namespace
-- (formats of Linux 6.1: see scripts/lib/kernel/net_proc.lua)
local np = require("kernel.net_proc")

-- text, note [, incomplete lines] -> the emitter result (a stub header
-- when the whole text is in doubt; partial() when some lines are)
local result = require("report.util").result_maker(stub, partial)

for _, name in ipairs({ "dev", "tcp", "tcp6", "udp", "udp6", "unix", "raw", "route",
                        "ipv6_route", "if_inet6", "arp", "snmp", "netstat",
                        "sockstat", "sockstat6", "snmp6", "raw6" }) do
  emit{ path = "proc/net/" .. name, plugin = "networking",
        run = function() return result(np[name]()) end }
end

-- more /proc/net files sos copies (kernel/net_proc.lua)
for _, name in ipairs({ "dev_mcast", "ptype", "protocols", "netlink", "packet", "fib_trie",
                        "fib_triestat" }) do
  emit{ path = "proc/net/" .. name, plugin = "networking",
        run = function() return result(np[name]()) end }
end
-- one line per CPU user space saw online (the panic stopped the others)
emit{ path = "proc/net/softnet_stat", plugin = "networking",
      run = function()
        local ok, cpus = pcall(require, "report.cpus")
        return np.softnet_stat(ok and cpus.list() or nil)
      end }
