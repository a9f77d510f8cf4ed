-- kernel/net_tools.lua: what net-tools 2.10 (`netstat`, `route`) prints,
-- rebuilt from the same data the /proc/net files of net_proc.lua carry
-- (net-tools reads only those files and /proc/<pid>/{fd,cmdline}).  The
-- layouts were taken from the tools' output on known input; nothing of
-- net-tools' source is used.
--
-- Mirrors: no kernel file: net-tools 2.10 output over the /proc/net data of
--   kernel/net_proc.lua

local net = require("kernel.net")
local np = require("kernel.net_proc")
local route = require("kernel.net_route")

local M = {}

local u32 = net.u32

-- {====== route -n ======

local function ip4_host(v)
  return string.format("%d.%d.%d.%d", (v >> 24) & 0xff, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff)
end

local RTF_UP, RTF_GATEWAY, RTF_HOST, RTF_REINSTATE, RTF_DYNAMIC, RTF_MODIFIED, RTF_REJECT =
  0x1, 0x2, 0x4, 0x8, 0x10, 0x20, 0x200

local function route_flags(f)
  local s
  if (f & RTF_REJECT) ~= 0 then s = "!"
  else
    s = ((f & RTF_UP) ~= 0 and "U" or "") .. ((f & RTF_GATEWAY) ~= 0 and "G" or "")
  end
  if (f & RTF_HOST) ~= 0 then s = s .. "H" end
  if (f & RTF_REINSTATE) ~= 0 then s = s .. "R" end
  if (f & RTF_DYNAMIC) ~= 0 then s = s .. "D" end
  if (f & RTF_MODIFIED) ~= 0 then s = s .. "M" end
  return s
end

-- `route -n`: the lines of /proc/net/route (main table, as fib_route_seq_show
-- selects them) in net-tools' layout; routes without RTF_UP are not shown
function M.route_n(n)
  n = n or net.init_net()
  local out = { "Kernel IP routing table\n",
                "Destination     Gateway         Genmask         Flags Metric Ref    Use Iface\n" }
  local tb = route.fib4_table(n, route.RT_TABLE.MAIN)
  if tb then
    for _, r in ipairs(route.fib4_routes(tb)) do
      if r.type ~= route.RTN.BROADCAST and r.type ~= route.RTN.MULTICAST then
        local mask = (r.dst_len == 0) and 0 or ((0xffffffff << (32 - r.dst_len)) & 0xffffffff)
        local flags = RTF_UP
        if r.type == route.RTN.UNREACHABLE or r.type == route.RTN.PROHIBIT then flags = flags | RTF_REJECT end
        local gw = 0
        if r.fi and r.gw_family == 2 and (r.gw4 or 0) ~= 0 then flags = flags | RTF_GATEWAY; gw = r.gw4 end
        if r.fi and r.gw_family == 10 then flags = flags | RTF_GATEWAY end
        if mask == 0xffffffff then flags = flags | RTF_HOST end
        local metric = r.fi and (r.priority & 0xffffffff) or 0
        local reject = (flags & RTF_REJECT) ~= 0
        local dev = (r.fi and r.dev) and net.devname(r.dev) or "*"
        out[#out + 1] = string.format("%-15s %-15s %-15s %-5s %-6d %-2s %7d %s\n",
          ip4_host(r.dst), reject and "-" or net.ip4(gw), ip4_host(mask), route_flags(flags),
          metric, reject and "-" or "0", 0, reject and "-" or dev)
      end
    end
  end
  return table.concat(out)
end

-- }======

-- {====== netstat sockets ======

local TCP_STATES = { "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT",
  "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING" }

local function addr_port(fam, f, which)
  local a
  if fam == 2 then
    a = net.ip4(which == "local" and f.rcv_saddr or f.daddr)
  else
    local b = (which == "local") and f.v6_rcv_saddr or f.v6_daddr
    if net.ip6_is_v4mapped(b) then a = string.format("%d.%d.%d.%d", b:byte(13, 16))
    else a = net.ip6(b) end
  end
  local port = (which == "local") and f.sport or f.dport
  return a .. ":" .. (port == 0 and "*" or tostring(port))
end

local function col(s) -- "%-*s" with width max(23, len)
  if #s < 23 then return s .. string.rep(" ", 23 - #s) end
  return s
end

local function timer_text(tr, when, retr, timeout)
  local t = string.format("%.2f", when / 100) -- clock ticks / USER_HZ
  local name = ({ [0] = "off", "on", "keepalive", "timewait", "probe" })[tr]
  if tr == 0 then return string.format("off (0.00/%d/%d)", retr, timeout) end
  if not name then name = "unkn-" .. tr end
  return string.format("%s (%s/%d/%d)", name, t, retr, timeout)
end

-- the "PID/Program name" of a socket inode: the lowest pid holding it,
-- named by argv[0] (basename when absolute), cut to 19 characters
local function program_map()
  local owners, bad = net.socket_owners()
  local task = require("kernel.task")
  local names, unread = {}, {}
  local cache = {}
  for ino, l in pairs(owners) do
    local best
    for _, o in ipairs(l) do if not best or o.pid < best.pid then best = o end end
    local nm = cache[best.pid]
    if nm == nil then
      local raw, why = task.cmdline_raw(best.task)
      if raw == nil then
        unread[#unread + 1] = string.format("%d (%s): %s", best.pid, best.comm, why)
        nm = best.comm
      else
        nm = raw:match("^([^%z]*)") or ""
        if nm:sub(1, 1) == "/" then nm = nm:match("([^/]*)$") end
      end
      cache[best.pid] = nm
    end
    names[ino] = (string.format("%d/%s", best.pid, nm)):sub(1, 19)
  end
  return names, unread, bad
end

local function finish(uid, inode, progs, timers)
  local prog = (inode ~= 0 and progs[inode]) or "-"
  return string.format(" %-10d %-10d %-20s %s\n", uid, inode, prog, timers)
end

-- `netstat -W -neopa` (IPv4/IPv6 TCP, UDP, UDP-Lite, raw, then AF_UNIX)
function M.netstat_neopa(n)
  n = n or net.init_net()
  local progs, unread, bad = program_map()
  local out = { "Active Internet connections (servers and established)\n",
    "Proto Recv-Q Send-Q Local Address           Foreign Address         State       User       Inode      PID/Program name     Timer\n" }
  for _, fam in ipairs({ 2, 10 }) do
    local proto = fam == 2 and "tcp" or "tcp6"
    for _, f in ipairs(np.tcp_entries(n, fam)) do
      local st = TCP_STATES[f.state] or "UNKNOWN"
      local line = string.format("%-4s  %6d %6d %s %s %-11s", proto,
        f.kind == "sk" and u32(f.rx_queue) or 0, f.kind == "sk" and f.tx_queue or 0,
        col(addr_port(fam, f, "local")), col(addr_port(fam, f, "remote")), st)
      local timers, uid, inode
      if f.kind == "tw" then
        timers, uid, inode = timer_text(3, f.timer_when, 0, 0), 0, 0
      elseif f.kind == "req" then
        timers, uid, inode = timer_text(1, f.timer_when, f.num_timeout, 0), f.uid, 0
      else
        timers, uid, inode = timer_text(f.timer_active, f.timer_when, f.retransmits, f.probes_out), f.uid, f.inode
      end
      out[#out + 1] = line .. finish(uid, inode, progs, timers)
    end
  end
  local function dgram(proto, fam, list)
    for _, f in ipairs(list) do
      local st
      if proto:sub(1, 3) == "raw" then st = tostring(f.state)
      elseif f.state == 1 then st = "ESTABLISHED"
      elseif f.state == 7 then st = ""
      else st = "UNKNOWN" end
      local line = string.format("%-5s %6d %6d %s %s %-11s", proto, u32(f.rx_queue), u32(f.tx_queue),
        col(addr_port(fam, f, "local")), col(addr_port(fam, f, "remote")), st)
      out[#out + 1] = line .. finish(f.uid, f.inode, progs, timer_text(0, 0, 0, 0))
    end
  end
  dgram("udp", 2, np.udp_entries(n, 2))
  dgram("udp6", 10, np.udp_entries(n, 10))
  local okl = net.sym("udplite_table") ~= nil
  if okl then
    dgram("udpl", 2, np.udp_entries(n, 2, true))
    dgram("udpl6", 10, np.udp_entries(n, 10, true))
  end
  local raw4 = np.raw_entries(n, 2)
  for _, f in ipairs(raw4) do f.dport = 0 end
  dgram("raw", 2, raw4)
  local raw6 = np.raw_entries(n, 10)
  for _, f in ipairs(raw6) do f.dport = 0 end
  dgram("raw6", 10, raw6)
  out[#out + 1] = "Active UNIX domain sockets (servers and established)\n"
  out[#out + 1] = "Proto RefCnt Flags       Type       State         I-Node   PID/Program name     Path\n"
  local TYPES = { "STREAM", "DGRAM", "RAW", "RDM", "SEQPACKET" }
  for _, f in ipairs(np.unix_entries(n)) do
    local acc = (f.flags & (1 << 16)) ~= 0
    local flags = "[ " .. (acc and "ACC " or "") .. "]"
    local st
    if f.ss == 1 then st = acc and "LISTENING" or ""
    elseif f.ss == 2 then st = "CONNECTING"
    elseif f.ss == 3 then st = "CONNECTED"
    elseif f.ss == 4 then st = "DISCONNECTING"
    elseif f.ss == 0 then st = "FREE"
    else st = "UNKNOWN" end
    out[#out + 1] = string.format("%-5s %-6d %-11s %-10s %-13s %-8d %-20s %s\n", "unix", f.refcnt, flags,
      TYPES[f.type] or "UNKNOWN", st, f.inode, (f.inode ~= 0 and progs[f.inode]) or "-", f.path or "")
  end
  local notes = {}
  if #unread > 0 then
    notes[#notes + 1] = "program names from comm (command line not in the dump) for pids " ..
                        table.concat(unread, "; ")
  end
  if bad > 0 then notes[#notes + 1] = bad .. " processes' file tables could not be read" end
  return table.concat(out), (#notes > 0) and table.concat(notes, "; ") or nil
end

-- }======

-- {====== multicast groups (netstat -g) ======

-- rows made by row(dev, entry) for each entry of a chain that starts at
-- first(dev) (nil: the device has none) and goes on by entry[next_member],
-- over every device of the namespace in dev_base order
local function device_chains(n, first, next_member, row)
  local out = {}
  for _, dev in ipairs(net.devices_list(n or net.init_net())) do
    local e = first(dev)
    local guard = 0
    while e ~= nil and guard < 100000 do
      out[#out + 1] = row(dev, e)
      e = e[next_member]
      guard = guard + 1
    end
  end
  return out
end

-- IPv4 groups: in_device->mc_list of each device (dev_base order), as
-- /proc/net/igmp lists them
function M.igmp_groups(n)
  return device_chains(n, function(dev) local ind = dev.ip_ptr return ind ~= nil and ind.mc_list or nil end,
    "next_rcu", function(dev, im)
      return { dev = net.devname(dev), users = im.users, group = net.ip4(u32(im.multiaddr)) }
    end)
end

-- IPv6 groups: inet6_dev->mc_list (/proc/net/igmp6 order)
function M.igmp6_groups(n)
  return device_chains(n, function(dev) local idev = dev.ip6_ptr return idev ~= nil and idev.mc_list or nil end,
    "next", function(dev, mc)
      return { dev = net.devname(dev), users = mc.mca_users, group = net.ip6(net.in6_bytes(mc.mca_addr)) }
    end)
end

-- `netstat -W -agn`: the group memberships (IPv4, then IPv6)
function M.netstat_agn(n)
  local out = { "IPv6/IPv4 Group Memberships\n", "Interface       RefCnt Group\n",
                "--------------- ------ ---------------------\n" }
  for _, g in ipairs(M.igmp_groups(n)) do out[#out + 1] = string.format("%-15s %-6d %s\n", g.dev, g.users, g.group) end
  for _, g in ipairs(M.igmp6_groups(n)) do out[#out + 1] = string.format("%-15s %-6d %s\n", g.dev, g.users, g.group) end
  return table.concat(out)
end

-- }======

-- {====== netstat -s ======

-- per counter: how netstat -s words it and whether it prints when zero
-- ("num": always, "opt": when non-zero, "hist": ICMP histogram line when
-- non-zero, "hide": never); counters not listed print as "Name: value"
-- when non-zero; "title" lines precede the named counter.
local S = {
  Ip = {
    DefaultTTL = { "hide" },
    InReceives = { "num", "%s total packets received" }, InHdrErrors = { "opt", "%s with invalid headers" },
    InAddrErrors = { "opt", "%s with invalid addresses" }, ForwDatagrams = { "num", "%s forwarded" },
    InUnknownProtos = { "opt", "%s with unknown protocol" }, InDiscards = { "num", "%s incoming packets discarded" },
    InDelivers = { "num", "%s incoming packets delivered" }, OutRequests = { "num", "%s requests sent out" },
    OutDiscards = { "opt", "%s outgoing packets dropped" }, OutNoRoutes = { "opt", "%s dropped because of missing route" },
    ReasmTimeout = { "opt", "%s fragments dropped after timeout" }, ReasmReqds = { "opt", "%s reassemblies required" },
    ReasmOKs = { "opt", "%s packets reassembled ok" }, ReasmFails = { "opt", "%s packet reassemblies failed" },
    FragOKs = { "opt", "%s outgoing packets fragmented ok" },
    FragFails = { "opt", "%s outgoing packets failed fragmentation" }, FragCreates = { "opt", "%s fragments created" },
  },
  Icmp = {
    InMsgs = { "num", "%s ICMP messages received" }, InErrors = { "num", "%s input ICMP message failed" },
    InDestUnreachs = { "hist", "destination unreachable: %s", title = "ICMP input histogram:" },
    InTimeExcds = { "hist", "timeout in transit: %s" }, InParmProbs = { "hist", "wrong parameters: %s" },
    InSrcQuenchs = { "hist", "source quenches: %s" }, InRedirects = { "hist", "redirects: %s" },
    InEchos = { "hist", "echo requests: %s" }, InEchoReps = { "hist", "echo replies: %s" },
    InTimestamps = { "hist", "timestamp request: %s" }, InTimestampReps = { "hist", "timestamp reply: %s" },
    InAddrMasks = { "hist", "address mask request: %s" }, InAddrMaskReps = { "hist", "address mask replies: %s" },
    OutMsgs = { "num", "%s ICMP messages sent" }, OutErrors = { "num", "%s ICMP messages failed" },
    OutDestUnreachs = { "hist", "destination unreachable: %s", title = "ICMP output histogram:" },
    OutTimeExcds = { "hist", "time exceeded: %s" }, OutParmProbs = { "hist", "wrong parameters: %s" },
    OutSrcQuenchs = { "hist", "source quench: %s" }, OutRedirects = { "hist", "redirect: %s" },
    OutEchos = { "hist", "echo requests: %s" }, OutEchoReps = { "hist", "echo replies: %s" },
    OutTimestamps = { "hist", "timestamp requests: %s" }, OutTimestampReps = { "hist", "timestamp replies: %s" },
    OutAddrMasks = { "hist", "address mask requests: %s" }, OutAddrMaskReps = { "hist", "address mask replies: %s" },
  },
  Tcp = {
    RtoAlgorithm = { "hide" }, RtoMin = { "hide" }, RtoMax = { "hide" }, MaxConn = { "hide" },
    ActiveOpens = { "num", "%s active connection openings" }, PassiveOpens = { "num", "%s passive connection openings" },
    AttemptFails = { "num", "%s failed connection attempts" }, EstabResets = { "num", "%s connection resets received" },
    CurrEstab = { "num", "%s connections established" }, InSegs = { "num", "%s segments received" },
    OutSegs = { "num", "%s segments sent out" }, RetransSegs = { "num", "%s segments retransmitted" },
    InErrs = { "num", "%s bad segments received" }, OutRsts = { "num", "%s resets sent" },
  },
  Udp = {
    InDatagrams = { "num", "%s packets received" }, NoPorts = { "num", "%s packets to unknown port received" },
    InErrors = { "num", "%s packet receive errors" }, OutDatagrams = { "num", "%s packets sent" },
    RcvbufErrors = { "num", "%s receive buffer errors" }, SndbufErrors = { "num", "%s send buffer errors" },
  },
  TcpExt = {
    SyncookiesSent = { "opt", "%s SYN cookies sent" }, SyncookiesRecv = { "opt", "%s SYN cookies received" },
    SyncookiesFailed = { "opt", "%s invalid SYN cookies received" },
    EmbryonicRsts = { "opt", "%s resets received for embryonic SYN_RECV sockets" },
    PruneCalled = { "opt", "%s packets pruned from receive queue because of socket buffer overrun" },
    RcvPruned = { "opt", "%s packets pruned from receive queue" },
    OfoPruned = { "opt", "%s packets dropped from out-of-order queue because of socket buffer overrun" },
    OutOfWindowIcmps = { "opt", "%s ICMP packets dropped because they were out-of-window" },
    LockDroppedIcmps = { "opt", "%s ICMP packets dropped because socket was locked" },
    TW = { "opt", "%s TCP sockets finished time wait in fast timer" },
    TWRecycled = { "opt", "%s time wait sockets recycled by time stamp" },
    PAWSActive = { "opt", "%s active connections rejected because of time stamp" },
    PAWSEstab = { "opt", "%s packets rejected in established connections because of timestamp" },
    DelayedACKs = { "opt", "%s delayed acks sent" },
    DelayedACKLocked = { "opt", "%s delayed acks further delayed because of locked socket" },
    DelayedACKLost = { "opt", "Quick ack mode was activated %s times" },
    ListenOverflows = { "opt", "%s times the listen queue of a socket overflowed" },
    ListenDrops = { "opt", "%s SYNs to LISTEN sockets dropped" },
    TCPHPHits = { "num", "%s packet headers predicted" },
    TCPPureAcks = { "opt", "%s acknowledgments not containing data payload received" },
    TCPHPAcks = { "opt", "%s predicted acknowledgments" },
    TCPRenoRecovery = { "opt", "%s times recovered from packet loss due to fast retransmit" },
    TCPSACKReorder = { "opt", "Detected reordering %s times using SACK" },
    TCPRenoReorder = { "opt", "Detected reordering %s times using reno fast retransmit" },
    TCPTSReorder = { "opt", "Detected reordering %s times using time stamp" },
    TCPFullUndo = { "opt", "%s congestion windows fully recovered without slow start" },
    TCPPartialUndo = { "opt", "%s congestion windows partially recovered using Hoe heuristic" },
    TCPLossUndo = { "opt", "%s congestion windows recovered without slow start after partial ack" },
    TCPRenoFailures = { "opt", "%s timeouts after reno fast retransmit" },
    TCPLossFailures = { "opt", "%s timeouts in loss state" },
    TCPFastRetrans = { "opt", "%s fast retransmits" },
    TCPSlowStartRetrans = { "opt", "%s retransmits in slow start" },
    TCPRcvCollapsed = { "opt", "%s packets collapsed in receive queue due to low socket buffer" },
    TCPAbortOnData = { "opt", "%s connections reset due to unexpected data" },
    TCPAbortOnClose = { "opt", "%s connections reset due to early user close" },
    TCPAbortOnMemory = { "opt", "%s connections aborted due to memory pressure" },
    TCPAbortOnTimeout = { "opt", "%s connections aborted due to timeout" },
    TCPAbortOnLinger = { "opt", "%s connections aborted after user close in linger timeout" },
    TCPAbortFailed = { "opt", "%s times unable to send RST due to no memory" },
    TCPMemoryPressures = { "opt", "TCP ran low on memory %s times" },
  },
}
M.NETSTAT_S = S

-- `netstat -s` from the counters of /proc/net/snmp and /proc/net/netstat
-- (groups: net_proc.mibs() or parse_mib_text() of such files)
function M.netstat_s(n, groups)
  local out = {}
  for _, g in ipairs(groups or np.mibs(n)) do
    if not (g.section == "IcmpMsg" and #g.names == 0) then
      out[#out + 1] = g.section .. ":\n"
      local tbl = S[g.section] or {}
      local indent = (g.section == "IcmpMsg") and "        " or "    "
      for i, name in ipairs(g.names) do
        local v = g.values[i] or 0
        local vs = (g.fmt and g.fmt[i] == "signed") and tostring(v) or net.u64s(v)
        local e = tbl[name]
        if e then
          if e.title then out[#out + 1] = "    " .. e.title .. "\n" end
          local kind = e[1]
          if kind == "num" or ((kind == "opt") and v ~= 0) then
            out[#out + 1] = "    " .. e[2]:gsub("%%s", vs) .. "\n"
          elseif kind == "hist" and v ~= 0 then
            out[#out + 1] = "        " .. e[2]:gsub("%%s", vs) .. "\n"
          end
        elseif v ~= 0 then
          out[#out + 1] = indent .. name .. ": " .. vs .. "\n"
        end
      end
    end
  end
  return table.concat(out)
end

-- groups from the text of /proc/net/snmp + /proc/net/netstat
function M.parse_mib_text(text)
  local groups = {}
  local pending
  for line in text:gmatch("([^\n]*)\n") do
    local sec, rest = line:match("^(%w+):(.*)$")
    if sec then
      local items = {}
      for w in rest:gmatch("%S+") do items[#items + 1] = w end
      if pending and pending.section == sec then
        for i, v in ipairs(items) do pending.values[i] = math.tointeger(tonumber(v)) or 0 end
        groups[#groups + 1] = pending
        pending = nil
      else
        pending = { section = sec, names = items, values = {}, fmt = {} }
      end
    end
  end
  return groups
end

-- }======

return M
