-- kernel/net_proc.lua: /proc/net/* text, formatted as Linux 6.1 prints it
-- (net/ipv4/tcp_ipv4.c, net/ipv6/tcp_ipv6.c, net/ipv4/udp.c,
-- net/ipv6/datagram.c, net/ipv4/raw.c, net/unix/af_unix.c,
-- net/core/net-procfs.c, net/ipv4/proc.c, net/ipv6/proc.c,
-- net/mptcp/mib.c), for the reader the sos report stands for: root in the
-- initial namespaces.  Every function takes an optional struct net
-- (default init_net) and returns the text, or nil, reason.
--
-- Values the live file computes from the clock (timer columns) use the
-- dump's jiffies, i.e. the moment of the crash.
--
-- Mirrors: net/ipv4/tcp_ipv4.c, net/ipv6/tcp_ipv6.c, net/ipv4/udp.c,
--   net/ipv6/datagram.c, net/ipv4/raw.c, net/unix/af_unix.c,
--   net/ipv4/proc.c, net/ipv6/proc.c, net/mptcp/mib.c

local net = require("kernel.net")
local ktime = require("kernel.time")

local M = {}

local pval, u32, s32 = net.pval, net.u32, net.s32

-- {====== seq_file helpers ======

-- seq_setwidth(w) + seq_pad('\n'): pad a record with spaces to w columns
local function pad(s, w)
  if #s < w then return s .. string.rep(" ", w - #s) .. "\n" end
  return s .. "\n"
end
M.pad = pad

-- jiffies_to_clock_t (kernel/time/time.c) with the dump's HZ, USER_HZ=100
local hz_cache
local function hz()
  if not hz_cache then hz_cache = ktime.hz() or 250 end
  return hz_cache
end

-- jiffies -> USER_HZ clock ticks (kernel/time/time.c jiffies_to_clock_t)
function M.jiffies_to_clock_t(x)
  local HZ = hz()
  local tick_nsec = (1000000000 + HZ // 2) // HZ
  if tick_nsec % 10000000 == 0 then
    if HZ < 100 then return x * (100 // HZ) end
    return x // (HZ // 100)
  end
  return (x * tick_nsec) // 10000000
end

-- a jiffies delta in USER_HZ ticks, negative deltas as 0 (jiffies_delta_to_clock_t)
function M.jiffies_delta_to_clock_t(delta)
  if delta < 0 then delta = 0 end
  return M.jiffies_to_clock_t(delta)
end

local function jiffies()
  return ktime.jiffies()
end

-- signed difference of two unsigned long jiffies values
local function jdiff(a, b) return a - b end

-- "%pK" or "(unknown)" padding of the same width
local function pk(addr)
  return net.pk(addr) or "????????????????"
end

-- }======

-- {====== /proc/net/dev ======

-- text of /proc/net/dev (net/core/net-procfs.c dev_seq_show); also nil and a list
-- of {key, reason} for devices whose counters could not all be read
function M.dev(n)
  n = n or net.init_net()
  local out = { "Inter-|   Receive                                                |  Transmit\n",
                " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n" }
  local plines = {}
  for _, dev in ipairs(net.devices(n)) do
    local s, why = net.link_stats(dev)
    -- a driver whose counters are not readable makes its own line incomplete
    if why then plines[#plines + 1] = { key = string.format("%6s:", net.devname(dev)), reason = why } end
    local u = net.u64s
    out[#out + 1] = string.format("%6s: %7s %7s %4s %4s %4s %5s %10s %9s %8s %7s %4s %4s %4s %5s %7s %10s\n",
      net.devname(dev), u(s.rx_bytes), u(s.rx_packets), u(s.rx_errors),
      u(s.rx_dropped + s.rx_missed_errors), u(s.rx_fifo_errors),
      u(s.rx_length_errors + s.rx_over_errors + s.rx_crc_errors + s.rx_frame_errors),
      u(s.rx_compressed), u(s.multicast), u(s.tx_bytes), u(s.tx_packets),
      u(s.tx_errors), u(s.tx_dropped), u(s.tx_fifo_errors), u(s.collisions),
      u(s.tx_carrier_errors + s.tx_aborted_errors + s.tx_window_errors + s.tx_heartbeat_errors),
      u(s.tx_compressed))
  end
  return table.concat(out), nil, plines
end

-- }======

-- {====== TCP ======

local TCP_LISTEN, TCP_SYN_RECV = 10, 3
local ICSK_TIME_RETRANS, ICSK_TIME_PROBE0, ICSK_TIME_LOSS_PROBE, ICSK_TIME_REO_TIMEOUT = 1, 3, 5, 6
local TCP_INFINITE_SSTHRESH = 0x7fffffff

local function timer_pending(t)
  local e = t.entry
  return pval(e:member_("pprev")) ~= 0
end

local function tcp_snd_cwnd(tp) return tp.snd_cwnd end

local function pingpong(icsk)
  -- 6.1: pingpong counts up to TCP_PINGPONG_THRESH (1, 3 in 5.x)
  local thresh = 1
  if not net.has_member("struct tcp_sock", "tcp_clock_cache") then thresh = 1 end
  return (icsk.icsk_ack.pingpong >= thresh) and 1 or 0
end

-- the fields get_tcp4_sock / get_tcp6_sock print, as a table
function M.tcp_sock_fields(addr)
  local tp = kd.object("struct tcp_sock", addr)
  local icsk = tp.inet_conn
  local sk = icsk.icsk_inet.sk
  local f = net.inet_fields(sk)
  f.sport = net.inet_sport(sk)
  local pend = icsk.icsk_pending
  local timer_active, expires
  local now = jiffies()
  if pend == ICSK_TIME_RETRANS or pend == ICSK_TIME_REO_TIMEOUT or pend == ICSK_TIME_LOSS_PROBE then
    timer_active, expires = 1, icsk.icsk_timeout
  elseif pend == ICSK_TIME_PROBE0 then
    timer_active, expires = 4, icsk.icsk_timeout
  elseif timer_pending(icsk.icsk_keepalive_timer) then
    timer_active, expires = 2, icsk.icsk_keepalive_timer.expires
  else
    timer_active, expires = 0, now
  end
  f.timer_active = timer_active
  f.timer_when = M.jiffies_delta_to_clock_t(jdiff(expires, now))
  if f.state == TCP_LISTEN then
    f.rx_queue = sk.sk_ack_backlog
  else
    local d = s32(tp.rcv_nxt - tp.copied_seq)
    f.rx_queue = d > 0 and d or 0
  end
  f.tx_queue = u32(tp.write_seq - tp.snd_una)
  f.retransmits = icsk.icsk_retransmits
  f.uid = net.sock_i_uid(sk)
  f.probes_out = icsk.icsk_probes_out
  f.inode = net.sock_i_ino(sk)
  f.refcnt = net.sk_refcnt(sk)
  f.rto = M.jiffies_to_clock_t(icsk.icsk_rto)
  f.ato = M.jiffies_to_clock_t(icsk.icsk_ack.ato)
  f.qp = (icsk.icsk_ack.quick << 1) | pingpong(icsk)
  f.cwnd = tcp_snd_cwnd(tp)
  if f.state == TCP_LISTEN then
    f.ssthresh = icsk.icsk_accept_queue.fastopenq.max_qlen
  else
    f.ssthresh = (tp.snd_ssthresh >= TCP_INFINITE_SSTHRESH) and -1 or tp.snd_ssthresh
  end
  f.addr = addr
  return f
end

-- TIME_WAIT minisock fields
function M.tcp_tw_fields(addr)
  local tw = kd.object("struct inet_timewait_sock", addr)
  local c = tw.__tw_common
  local f = {
    family = c.skc_family, daddr = u32(c.skc_daddr), rcv_saddr = u32(c.skc_rcv_saddr),
    dport = net.ntohs(c.skc_dport), sport = net.ntohs(tw.tw_sport),
    state = tw.tw_substate, refcnt = net.refcnt(c.skc_refcnt), addr = addr,
    timer_when = M.jiffies_delta_to_clock_t(jdiff(tw.tw_timer.expires, jiffies())),
  }
  if f.family == 10 then
    f.v6_daddr = net.in6_bytes(c.skc_v6_daddr)
    f.v6_rcv_saddr = net.in6_bytes(c.skc_v6_rcv_saddr)
  end
  return f
end

-- request (NEW_SYN_RECV) minisock fields
function M.tcp_req_fields(addr)
  local ireq = kd.object("struct inet_request_sock", addr)
  local req = ireq.req
  local c = req.__req_common
  local f = {
    family = c.skc_family, daddr = u32(c.skc_daddr), rcv_saddr = u32(c.skc_rcv_saddr),
    dport = net.ntohs(c.skc_dport), sport = c.skc_num, state = TCP_SYN_RECV, addr = addr,
    num_timeout = req.num_timeout,
  }
  local delta = jdiff(req.rsk_timer.expires, jiffies())
  f.timer_when = M.jiffies_delta_to_clock_t(delta)
  local l = req.rsk_listener
  f.uid = l and net.sock_i_uid(l) or 0
  if f.family == 10 then
    f.v6_daddr = net.in6_bytes(c.skc_v6_daddr)
    f.v6_rcv_saddr = net.in6_bytes(c.skc_v6_rcv_saddr)
  end
  return f
end

-- every TCP socket of a family as field tables (with .kind)
function M.tcp_entries(n, family)
  local out = {}
  for _, e in ipairs(net.tcp_socks(n, family)) do
    local f
    if e.kind == "tw" then f = M.tcp_tw_fields(e.addr)
    elseif e.kind == "req" then f = M.tcp_req_fields(e.addr)
    else f = M.tcp_sock_fields(e.addr) end
    f.kind = e.kind
    out[#out + 1] = f
  end
  return out
end

local function hex4(a) return string.format("%08X", a) end

-- one row of /proc/net/tcp or tcp6 for a socket of each kind: the two
-- files differ only in how an address is printed (get_tcp4_sock and
-- get_tcp6_sock, get_timewait4/6_sock, get_openreq4/6 print the same fields)
local function tcp_row(i, f, saddr, daddr)
  if f.kind == "tw" then
    return string.format("%4d: %s:%04X %s:%04X %02X %08X:%08X %02X:%08X %08X %5d %8d %d %d %s",
      i - 1, saddr, f.sport, daddr, f.dport, f.state, 0, 0,
      3, f.timer_when, 0, 0, 0, 0, f.refcnt, pk(f.addr))
  elseif f.kind == "req" then
    return string.format("%4d: %s:%04X %s:%04X %02X %08X:%08X %02X:%08X %08X %5d %8d %d %d %s",
      i - 1, saddr, f.sport, daddr, f.dport, TCP_SYN_RECV, 0, 0,
      1, f.timer_when, f.num_timeout, f.uid, 0, 0, 0, pk(f.addr))
  end
  return string.format("%4d: %s:%04X %s:%04X %02X %08X:%08X %02X:%08X %08X %5d %8d %d %d %s %d %d %d %d %d",
    i - 1, saddr, f.sport, daddr, f.dport, f.state,
    f.tx_queue, u32(f.rx_queue), f.timer_active, f.timer_when, f.retransmits,
    f.uid, f.probes_out, f.inode, f.refcnt, pk(f.addr), f.rto, f.ato, f.qp,
    f.cwnd, f.ssthresh)
end

-- text of /proc/net/tcp (net/ipv4/tcp_ipv4.c tcp4_seq_show): every line
-- padded to 149 characters, the header too
function M.tcp(n)
  n = n or net.init_net()
  local out = { pad("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode", 149) }
  for i, f in ipairs(M.tcp_entries(n, 2)) do
    out[#out + 1] = pad(tcp_row(i, f, hex4(f.rcv_saddr), hex4(f.daddr)), 149)
  end
  return table.concat(out)
end

-- text of /proc/net/tcp6 (net/ipv6/tcp_ipv6.c tcp6_seq_show): no padding
function M.tcp6(n)
  n = n or net.init_net()
  local out = { "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n" }
  local w = net.ip6_words_hex
  for i, f in ipairs(M.tcp_entries(n, 10)) do
    out[#out + 1] = tcp_row(i, f, w(f.v6_rcv_saddr), w(f.v6_daddr)) .. "\n"
  end
  return table.concat(out)
end

-- }======

-- {====== UDP, raw ======

local function sk_wmem_alloc_get(sk) return net.refcnt(sk.sk_wmem_alloc) - 1 end
local function sk_rmem_alloc_get(sk)
  if net.has_member("struct sock", "sk_backlog.rmem_alloc") then return net.ival(sk.sk_backlog.rmem_alloc) end
  return net.ival(sk.sk_rmem_alloc)
end
local function sk_drops(sk) return net.ival(sk.sk_drops) end

-- fields of a datagram socket line (udp, raw)
function M.dgram_fields(addr, kind)
  local sk = kd.object("struct sock", addr)
  local f = net.inet_fields(sk)
  f.addr = addr
  f.sport = net.inet_sport(sk)
  f.tx_queue = sk_wmem_alloc_get(sk)
  if kind == "udp" then
    local up = kd.container_of(sk:address_of_(), "struct udp_sock", "inet.sk")
    f.rx_queue = sk_rmem_alloc_get(sk) - up.forward_deficit
  else
    f.rx_queue = sk_rmem_alloc_get(sk)
    f.sport = f.num -- raw: inet_num (the protocol)
    f.dport = 0
  end
  f.uid = net.sock_i_uid(sk)
  f.inode = net.sock_i_ino(sk)
  f.refcnt = net.sk_refcnt(sk)
  f.drops = sk_drops(sk)
  return f
end

-- UDP (or, with lite, UDP-Lite) sockets of family 2 or 10 as dgram_fields records with .bucket
function M.udp_entries(n, family, lite)
  local out = {}
  for _, e in ipairs(net.udp_socks(n, family, lite)) do
    local f = M.dgram_fields(e.addr, "udp")
    f.bucket = e.bucket
    out[#out + 1] = f
  end
  return out
end

-- raw sockets of family 2 or 10 as dgram_fields records with .bucket
function M.raw_entries(n, family)
  local out = {}
  for _, e in ipairs(net.raw_socks(n, family)) do
    local f = M.dgram_fields(e.addr, "raw")
    f.bucket = e.bucket
    out[#out + 1] = f
  end
  return out
end

local DGRAM6_HEADER = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"

local function udp4_text(entries)
  local out = { pad("   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops", 127) }
  for _, f in ipairs(entries) do
    out[#out + 1] = pad(string.format("%5d: %s:%04X %s:%04X %02X %08X:%08X %02X:%08X %08X %5d %8d %d %d %s %d",
      f.bucket, hex4(f.rcv_saddr), f.sport, hex4(f.daddr), f.dport, f.state,
      u32(f.tx_queue), u32(f.rx_queue), 0, 0, 0, f.uid, 0, f.inode, f.refcnt, pk(f.addr), u32(f.drops)), 127)
  end
  return table.concat(out)
end

-- __ip6_dgram_sock_seq_show
local function dgram6_line(f, bucket_or_i)
  local w = net.ip6_words_hex
  return string.format("%5d: %s:%04X %s:%04X %02X %08X:%08X %02X:%08X %08X %5d %8d %d %d %s %d\n",
    bucket_or_i, w(f.v6_rcv_saddr), f.sport, w(f.v6_daddr), f.dport, f.state,
    u32(f.tx_queue), u32(f.rx_queue), 0, 0, 0, f.uid, 0, f.inode, f.refcnt, pk(f.addr), u32(f.drops))
end

-- text of /proc/net/udp (net/ipv4/udp.c udp4_seq_show)
function M.udp(n) return udp4_text(M.udp_entries(n or net.init_net(), 2)) end

-- text of /proc/net/udp6 (net/ipv6/udp.c udp6_seq_show)
function M.udp6(n)
  local out = { DGRAM6_HEADER }
  for _, f in ipairs(M.udp_entries(n or net.init_net(), 10)) do out[#out + 1] = dgram6_line(f, f.bucket) end
  return table.concat(out)
end

-- text of /proc/net/raw (net/ipv4/raw.c raw_seq_show)
function M.raw(n)
  local out = { "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n" }
  for _, f in ipairs(M.raw_entries(n or net.init_net(), 2)) do
    out[#out + 1] = string.format("%4d: %s:%04X %s:%04X %02X %08X:%08X %02X:%08X %08X %5d %8d %d %d %s %d\n",
      f.bucket, hex4(f.rcv_saddr), f.sport, hex4(f.daddr), 0, f.state,
      u32(f.tx_queue), u32(f.rx_queue), 0, 0, 0, f.uid, 0, f.inode, f.refcnt, pk(f.addr), u32(f.drops))
  end
  return table.concat(out)
end

-- text of /proc/net/raw6 (net/ipv6/raw.c raw6_seq_show)
function M.raw6(n)
  local out = { DGRAM6_HEADER }
  for _, f in ipairs(M.raw_entries(n or net.init_net(), 10)) do
    f.dport = 0
    out[#out + 1] = dgram6_line(f, f.bucket)
  end
  return table.concat(out)
end

-- }======

-- {====== AF_UNIX ======

local SS_UNCONNECTED, SS_CONNECTING, SS_CONNECTED, SS_DISCONNECTING = 1, 2, 3, 4
local SO_ACCEPTCON = 1 << 16
local TCP_ESTABLISHED = 1

-- fields of a /proc/net/unix line
function M.unix_fields(addr)
  local sk = kd.object("struct sock", addr)
  local u = kd.container_of(sk:address_of_(), "struct unix_sock", "sk")
  local st = sk.__sk_common.skc_state
  local has_sock = pval(sk:member_("sk_socket")) ~= 0
  local f = {
    addr = addr, refcnt = net.sk_refcnt(sk),
    flags = (st == TCP_LISTEN) and SO_ACCEPTCON or 0,
    type = sk.sk_type, state = st, inode = net.sock_i_ino(sk),
  }
  if has_sock then f.ss = (st == TCP_ESTABLISHED) and SS_CONNECTED or SS_UNCONNECTED
  else f.ss = (st == TCP_ESTABLISHED) and SS_CONNECTING or SS_DISCONNECTING end
  local ua = u.addr
  if ua ~= nil then
    local len = ua.len - 2 -- offsetof(struct sockaddr_un, sun_path)
    local base = ua.name:address_() + 2
    local raw = len > 0 and kd.read(base, len) or ""
    local path
    if raw:byte(1) ~= 0 and raw ~= "" then
      path = raw:sub(1, len - 1)
    else
      path = "@" .. raw:sub(2)
    end
    f.path = path:gsub("%z", "@")
  end
  -- peer (for netstat's state column): unix_peer(sk)
  local ok, peer = pcall(function() return pval(u:member_("peer")) end)
  f.peer = ok and peer or 0
  return f
end

-- the namespace's AF_UNIX sockets as unix_fields records
function M.unix_entries(n)
  local out = {}
  for _, e in ipairs(net.unix_socks(n)) do out[#out + 1] = M.unix_fields(e.addr) end
  return out
end

-- text of /proc/net/unix (net/unix/af_unix.c unix_seq_show)
function M.unix(n)
  local out = { "Num       RefCount Protocol Flags    Type St Inode Path\n" }
  for _, f in ipairs(M.unix_entries(n or net.init_net())) do
    local line = string.format("%s: %08X %08X %08X %04X %02X %5d", pk(f.addr), f.refcnt, 0,
                               f.flags, f.type, f.ss, f.inode)
    if f.path then line = line .. " " .. f.path end
    out[#out + 1] = line .. "\n"
  end
  return table.concat(out)
end

-- }======

-- {====== sockstat, sockstat6 ======

local function prot_inuse_sums(n)
  local p = n.core:member_("prot_inuse")
  if pval(p) == 0 then return nil end
  local t = kd.type("struct prot_inuse")
  local valoff = net.offsetof("struct prot_inuse", "val")
  local nval = t:member("val").type.length
  local has_all = net.has_member("struct prot_inuse", "all")
  local sums = {}
  for i = 0, nval - 1 do sums[i] = 0 end
  local all = 0
  for _, cpu in ipairs(net.possible_cpus()) do
    local a = net.percpu_addr(p, cpu)
    local raw = kd.read(a, t.size)
    for i = 0, nval - 1 do sums[i] = sums[i] + string.unpack("<i4", raw, valoff + i * 4 + 1) end
    if has_all then all = all + string.unpack("<i4", raw, net.offsetof("struct prot_inuse", "all") + 1) end
  end
  return sums, has_all and all or nil
end

local function inuse(sums, protname)
  local p = net.sym(protname)
  if p == nil or sums == nil then return 0 end
  local v = sums[p.inuse_idx] or 0
  return v >= 0 and v or 0
end

local function percpu_counter_sum_positive(pc)
  if pc == nil then return 0 end
  local v = pc.count
  local counters = pc:member_("counters")
  if pval(counters) ~= 0 then
    for _, cpu in ipairs(net.possible_cpus()) do
      v = v + kd.per_cpu(counters, cpu):value_()
    end
  end
  return v > 0 and v or 0
end

local function proto_memory_allocated(protname)
  local p = net.sym(protname)
  if p == nil then return 0 end
  local ma = p.memory_allocated
  if ma == nil then return 0 end
  local v = net.ival(ma)
  return v > 0 and v or 0
end

-- FRAG line: fqdir (5.3+) or netns_frags (before); returns inuse, memory
local function fqdir_stats(ns, what)
  local ok, a, b = pcall(function()
    if net.has_member(what == 6 and "struct netns_ipv6" or "struct netns_ipv4", "fqdir") then
      local fq = ns.fqdir
      if fq == nil then return 0, 0 end
      return u32(net.ival(fq.rhashtable.nelems)), net.ival(fq.mem)
    end
    local fr = ns.frags
    return u32(net.ival(fr.rhashtable.nelems)), net.ival(fr.mem)
  end)
  if ok then return a, b end
  return 0, 0
end

local function tcp_orphans()
  local pc = net.sym("tcp_orphan_count")
  if pc == nil then return 0 end
  if tostring(pc:type_()):find("percpu_counter") then return percpu_counter_sum_positive(pc) end
  -- 5.15+: per-CPU unsigned int, summed in an int and clamped at 0
  -- (tcp_orphan_count_sum): a CPU can hold a "negative" share
  local v = 0
  for _, cpu in ipairs(net.possible_cpus()) do v = v + kd.per_cpu("tcp_orphan_count", cpu):value_() end
  return math.max(net.s32(v), 0)
end

-- text of /proc/net/sockstat (net/ipv4/proc.c sockstat_seq_show)
function M.sockstat(n)
  n = n or net.init_net()
  local sums, all = prot_inuse_sums(n)
  if all == nil then
    all = 0 -- before 5.16 the count was a global per-CPU sockets_in_use
    local ok = pcall(function()
      for _, cpu in ipairs(net.possible_cpus()) do all = all + kd.per_cpu("sockets_in_use", cpu):value_() end
    end)
    if not ok then all = 0 end
  end
  local tcp = net.sym("tcp_prot")
  local tw = 0
  if net.has_member("struct inet_timewait_death_row", "tw_refcount") then
    tw = net.refcnt(n.ipv4.tcp_death_row.tw_refcount) - 1
  elseif net.has_member("struct inet_timewait_death_row", "tw_count") then
    tw = net.ival(n.ipv4.tcp_death_row.tw_count)
  end
  local fn, fm = fqdir_stats(n.ipv4, 4)
  return string.format("sockets: used %d\n", all) ..
    string.format("TCP: inuse %d orphan %d tw %d alloc %d mem %d\n", inuse(sums, "tcp_prot"),
                  tcp_orphans(), tw, percpu_counter_sum_positive(tcp.sockets_allocated),
                  proto_memory_allocated("tcp_prot")) ..
    string.format("UDP: inuse %d mem %d\n", inuse(sums, "udp_prot"), proto_memory_allocated("udp_prot")) ..
    string.format("UDPLITE: inuse %d\n", inuse(sums, "udplite_prot")) ..
    string.format("RAW: inuse %d\n", inuse(sums, "raw_prot")) ..
    string.format("FRAG: inuse %d memory %d\n", fn, fm)
end

-- text of /proc/net/sockstat6 (net/ipv6/proc.c sockstat6_seq_show)
function M.sockstat6(n)
  n = n or net.init_net()
  local sums = prot_inuse_sums(n)
  local fn, fm = fqdir_stats(n.ipv6, 6)
  return string.format("TCP6: inuse %d\n", inuse(sums, "tcpv6_prot")) ..
    string.format("UDP6: inuse %d\n", inuse(sums, "udpv6_prot")) ..
    string.format("UDPLITE6: inuse %d\n", inuse(sums, "udplitev6_prot")) ..
    string.format("RAW6: inuse %d\n", inuse(sums, "rawv6_prot")) ..
    string.format("FRAG6: inuse %d memory %d\n", fn, fm)
end

-- }======

-- {====== snmp, netstat (MIB counters) ======

-- names and entry numbers of a struct snmp_mib list in kernel memory
local function mib_list(symname)
  local l = net.sym(symname)
  if l == nil then return nil end
  local out = {}
  for i = 0, #l - 1 do
    local e = l[i]
    local np = pval(e:member_("name"))
    if np == 0 then break end
    out[#out + 1] = { name = kd.read_string(np, 64), entry = e.entry }
  end
  return out
end
M.mib_list = mib_list

-- per-CPU MIB sums: obj is the __percpu pointer, w the counter width
local function mib_sums(ptr, nmibs, w)
  if ptr == nil or pval(ptr) == 0 then return setmetatable({}, { __index = function() return 0 end }) end
  local s = net.percpu_sum_array(ptr, nmibs, w)
  local out = {}
  for i = 1, nmibs do out[i - 1] = s[i] end
  return out
end

-- entries of a MIB struct's mibs[] array, from its type: the array's
-- bound, or (6.12's vmlinux describes linux_mib.mibs[] without one) what
-- is left of the struct after the member, in elements
local function mibs_len(tname)
  local ty = kd.type(tname)
  local m = ty:member("mibs")
  local n = m.type.length
  if n == nil then
    local esz = m.type.target and m.type.target.size
    if not esz or esz == 0 then error(tname .. ".mibs: no element size", 0) end
    n = (ty.size - m.offset) // esz
  end
  return n
end
M.mibs_len = mibs_len

-- every counter /proc/net/snmp and /proc/net/netstat print, as
-- ordered {section, names, values} groups
function M.mibs(n)
  n = n or net.init_net()
  local mib = n.mib
  local groups = {}
  local function add(sec, list, vals, fmt)
    local g = { section = sec, names = {}, values = {}, fmt = fmt or {} }
    for _, e in ipairs(list) do
      g.names[#g.names + 1] = e.name
      g.values[#g.values + 1] = vals[e.entry] or 0
    end
    groups[#groups + 1] = g
    return g
  end
  -- Ip
  local ipv = mib_sums(mib:member_("ip_statistics"), mibs_len("struct ipstats_mib"), 8)
  local fwd
  local ok = pcall(function()
    local dc = n.ipv4.devconf_all
    fwd = dc.data[0] -- IPV4_DEVCONF_FORWARDING - 1
  end)
  if not ok then fwd = 0 end
  local ttl = 64
  if net.has_member("struct netns_ipv4", "sysctl_ip_default_ttl") then ttl = n.ipv4.sysctl_ip_default_ttl
  else ttl = require("kernel.util").symbol_value("sysctl_ip_default_ttl") or 64 end
  local ipg = add("Ip", mib_list("snmp4_ipstats_list") or {}, ipv)
  table.insert(ipg.names, 1, "DefaultTTL"); table.insert(ipg.values, 1, ttl)
  table.insert(ipg.names, 1, "Forwarding"); table.insert(ipg.values, 1, (fwd ~= 0) and 1 or 2)
  -- Icmp
  local nicmp = mibs_len("struct icmp_mib")
  local icv = mib_sums(mib:member_("icmp_statistics"), nicmp, 8)
  local msg = {}
  local mp = mib:member_("icmpmsg_statistics")
  local nmsg = 512
  if pval(mp) ~= 0 then
    local m = mp:deref_()
    nmsg = #m.mibs
    local raw = kd.read(m.mibs:address_(), nmsg * 8)
    for i = 0, nmsg - 1 do msg[i] = string.unpack("<i8", raw, i * 8 + 1) end
  end
  local map = {}
  local mm = net.sym("icmpmibmap")
  if mm then
    for i = 0, #mm - 1 do
      local np = pval(mm[i]:member_("name"))
      if np == 0 then break end
      map[#map + 1] = { name = kd.read_string(np, 32), index = mm[i].index }
    end
  end
  local g = { section = "Icmp", fmt = {}, names = { "InMsgs", "InErrors", "InCsumErrors" }, values = { icv[1], icv[2], icv[27] } }
  for _, e in ipairs(map) do g.names[#g.names + 1] = "In" .. e.name; g.values[#g.values + 1] = msg[e.index] or 0 end
  g.names[#g.names + 1] = "OutMsgs"; g.values[#g.values + 1] = icv[14]
  g.names[#g.names + 1] = "OutErrors"; g.values[#g.values + 1] = icv[15]
  if nicmp >= 30 then
    g.names[#g.names + 1] = "OutRateLimitGlobal"; g.values[#g.values + 1] = icv[28]
    g.names[#g.names + 1] = "OutRateLimitHost"; g.values[#g.values + 1] = icv[29]
  end
  for _, e in ipairs(map) do g.names[#g.names + 1] = "Out" .. e.name; g.values[#g.values + 1] = msg[e.index | 0x100] or 0 end
  groups[#groups + 1] = g
  -- IcmpMsg: non-zero types, in lines of up to 16
  local im = { section = "IcmpMsg", names = {}, values = {}, fmt = {} }
  for i = 0, nmsg - 1 do
    local v = msg[i] or 0
    if v ~= 0 then
      im.names[#im.names + 1] = string.format("%sType%d", (i & 0x100) ~= 0 and "Out" or "In", i & 0xff)
      im.values[#im.values + 1] = v
    end
  end
  groups[#groups + 1] = im
  -- Tcp, Udp, UdpLite
  local tcpv = mib_sums(mib:member_("tcp_statistics"), mibs_len("struct tcp_mib"), 8)
  local tg = add("Tcp", mib_list("snmp4_tcp_list") or {}, tcpv)
  for i, name in ipairs(tg.names) do if name == "MaxConn" then tg.fmt[i] = "signed" end end
  local udpn = mibs_len("struct udp_mib")
  add("Udp", mib_list("snmp4_udp_list") or {}, mib_sums(mib:member_("udp_statistics"), udpn, 8))
  add("UdpLite", mib_list("snmp4_udp_list") or {}, mib_sums(mib:member_("udplite_statistics"), udpn, 8))
  -- netstat: TcpExt, IpExt, MPTcpExt
  local netv = mib_sums(mib:member_("net_statistics"), mibs_len("struct linux_mib"), 8)
  local tx = add("TcpExt", mib_list("snmp4_net_list") or {}, netv)
  tx.file = "netstat"
  local ix = add("IpExt", mib_list("snmp4_ipextstats_list") or {}, ipv)
  ix.file = "netstat"
  local ml = mib_list("mptcp_snmp_list")
  if ml then
    local mv = {}
    if net.has_member("struct netns_mib", "mptcp_statistics") and pval(mib:member_("mptcp_statistics")) ~= 0 then
      mv = mib_sums(mib:member_("mptcp_statistics"), mibs_len("struct mptcp_mib"), 8)
    end
    local mg = add("MPTcpExt", ml, mv)
    mg.file = "netstat"
  end
  for _, gg in ipairs(groups) do gg.file = gg.file or "snmp" end
  return groups
end

local function fmt_values(g, i, j)
  local parts = {}
  for k = i, j do
    local v = g.values[k] or 0
    if g.fmt[k] == "signed" then parts[#parts + 1] = tostring(v) else parts[#parts + 1] = net.u64s(v) end
  end
  return table.concat(parts, " ")
end

local function group_text(g)
  if g.section == "IcmpMsg" then
    local out = {}
    local i = 1
    while i <= #g.names do
      local j = math.min(i + 15, #g.names)
      out[#out + 1] = "IcmpMsg: " .. table.concat(g.names, " ", i, j) .. "\n"
      out[#out + 1] = "IcmpMsg: " .. fmt_values(g, i, j) .. "\n"
      i = j + 1
    end
    return table.concat(out)
  end
  g.fmt = g.fmt or {}
  return g.section .. ": " .. table.concat(g.names, " ") .. "\n" ..
         g.section .. ": " .. fmt_values(g, 1, #g.names) .. "\n"
end

-- text of /proc/net/snmp (net/ipv4/proc.c snmp_seq_show)
function M.snmp(n)
  local out = {}
  for _, g in ipairs(M.mibs(n)) do if g.file == "snmp" then out[#out + 1] = group_text(g) end end
  return table.concat(out)
end

-- text of /proc/net/netstat (net/ipv4/proc.c netstat_seq_show)
function M.netstat(n)
  local out = {}
  for _, g in ipairs(M.mibs(n)) do if g.file == "netstat" then out[#out + 1] = group_text(g) end end
  return table.concat(out)
end

-- /proc/net/snmp6 (net/ipv6/proc.c snmp6_seq_show, the same in 6.1 and
-- 6.12): "%-32s\t%lu" per item of the kernel's own snmp6_*_list arrays,
-- per-CPU sums; ICMPv6 message counters by name (icmp6type2name[]) then
-- the non-zero ones by number
function M.snmp6(n)
  n = n or net.init_net()
  local mib = n.mib
  local out = {}
  local function items(list, vals)
    for _, e in ipairs(list or {}) do
      out[#out + 1] = string.format("%-32s\t%s\n", e.name, net.u64s(vals[e.entry] or 0))
    end
  end
  local function pcpu(ptr, list)
    local maxe = -1
    for _, e in ipairs(list or {}) do if e.entry > maxe then maxe = e.entry end end
    return mib_sums(ptr, maxe + 1, 8)
  end
  local ipl = mib_list("snmp6_ipstats_list")
  items(ipl, pcpu(mib:member_("ipv6_statistics"), ipl))
  local icl = mib_list("snmp6_icmp6_list")
  items(icl, pcpu(mib:member_("icmpv6_statistics"), icl))
  local mp = mib:member_("icmpv6msg_statistics")
  if pval(mp) ~= 0 then
    local m = mp:deref_()
    local nmsg = #m.mibs
    local raw = kd.read(m.mibs:address_(), nmsg * 8)
    local vals = {}
    for i = 0, nmsg - 1 do vals[i] = string.unpack("<i8", raw, i * 8 + 1) end
    local names = kd.symbol("icmp6type2name")
    local nm = {}
    -- indexed by the ICMPv6 type (u8): 256 entries, whatever the
    -- declaration the debuginfo kept says (an extern "[]" has no bound)
    for t = 0, 255 do
      local sp = pval(names[t])
      if sp ~= 0 then nm[t] = kd.read_string(sp, 32) end
    end
    for i = 0, nmsg - 1 do
      local p = nm[i & 0xff]
      if p then
        out[#out + 1] = string.format("%-32s\t%s\n", "Icmp6" .. ((i & 0x100) ~= 0 and "Out" or "In") .. p,
          net.u64s(vals[i]))
      end
    end
    for i = 0, nmsg - 1 do
      if vals[i] ~= 0 then
        out[#out + 1] = string.format("%-32s\t%s\n",
          string.format("Icmp6%sType%d", (i & 0x100) ~= 0 and "Out" or "In", i & 0xff), net.u64s(vals[i]))
      end
    end
  end
  local ul = mib_list("snmp6_udp6_list")
  items(ul, pcpu(mib:member_("udp_stats_in6"), ul))
  local ll = mib_list("snmp6_udplite6_list")
  items(ll, pcpu(mib:member_("udplite_stats_in6"), ll))
  return table.concat(out)
end

-- }======

-- {====== more /proc/net files (softnet_stat, dev_mcast, ptype, protocols,
-- netlink, packet) ======

-- /proc/net/softnet_stat (net/core/net-procfs.c softnet_seq_show): one line
-- per online CPU (`cpus`: the CPUs user space saw online), the index being
-- the line's position.  6.1: 13 columns, dropped an unsigned int, the
-- backlog length; 6.12: dropped an atomic_t and the input/process queue
-- lengths in two more columns ("net: make sd->dropped atomic" came with
-- that layout: the atomic_t is the probe)
function M.softnet_stat(cpus)
  local out = {}
  local atomic_dropped = tostring(kd.type("struct softnet_data"):member("dropped").type):find("atomic") ~= nil
  for idx, cpu in ipairs(cpus or net.possible_cpus()) do
    local sd = kd.per_cpu(kd.symbol("softnet_data"), cpu)
    local fl = 0
    if net.has_member("struct softnet_data", "flow_limit") then
      local f = sd.flow_limit
      if f ~= nil then fl = f.count end
    end
    local inq, procq = sd.input_pkt_queue.qlen, sd.process_queue.qlen
    local received_rps = net.has_member("struct softnet_data", "received_rps") and sd.received_rps or 0
    local h = function(v) return string.format("%08x", v & 0xffffffff) end
    local cols = { h(sd.processed), h(net.ival(sd.dropped)), h(sd.time_squeeze), h(0), h(0), h(0), h(0),
      h(0), h(0), h(received_rps), h(fl), h(inq + procq), h(idx - 1) }
    if atomic_dropped then cols[#cols + 1] = h(inq); cols[#cols + 1] = h(procq) end
    out[#out + 1] = table.concat(cols, " ") .. "\n"
  end
  return table.concat(out)
end

-- /proc/net/dev_mcast (dev_mc_seq_show): each device's multicast list
function M.dev_mcast(n)
  local out = {}
  for _, dev in ipairs(net.devices(n or net.init_net())) do
    for ha in kd.list(dev.mc.list, "struct netdev_hw_addr", "list") do
      local a = kd.read(ha.addr:address_(), dev.addr_len)
      out[#out + 1] = string.format("%-4d %-15s %-5d %-5d %s\n", dev.ifindex, net.devname(dev),
        ha.refcount, ha.global_use and 1 or 0, (a:gsub(".", function(c) return string.format("%02x", c:byte()) end)))
    end
  end
  return table.concat(out)
end

-- %ps: the symbol, " [module]" after a module's
local function ps(addr)
  local name, _, mod = kd.symbolize(addr)
  if not name then return string.format("0x%x", addr) end
  return mod and (name .. " [" .. mod .. "]") or name
end

-- /proc/net/ptype (ptype_seq_show): devices' ptype_all, the global
-- ptype_all (6.10 moved it into net_hotdata), then the ptype_base hash
function M.ptype(n)
  n = n or net.init_net()
  local nets = pval(n)
  local out = { "Type Device      Function\n" }
  local function show(pt, dev)
    local pn = net.has_member("struct packet_type", "af_packet_net") and pval(pt:member_("af_packet_net")) or 0
    if pn ~= 0 and pn ~= nets then return end
    local ty = net.ntohs(pt.type)
    local t = ty == 0x0003 and "ALL " or string.format("%04x", ty)                 -- ETH_P_ALL
    out[#out + 1] = string.format("%s %-8s %s\n", t, dev and net.devname(dev) or "", ps(pval(pt:member_("func"))))
  end
  for _, dev in ipairs(net.devices(n)) do
    for pt in kd.list(dev.ptype_all, "struct packet_type", "list") do show(pt, dev) end
  end
  local all
  if kd.symbol_address("ptype_all") then all = kd.symbol("ptype_all")
  else all = kd.symbol("net_hotdata").ptype_all end
  for pt in kd.list(all, "struct packet_type", "list") do show(pt, nil) end
  local base = kd.symbol("ptype_base")
  for i = 0, #base - 1 do
    for pt in kd.list(base[i], "struct packet_type", "list") do show(pt, nil) end
  end
  return table.concat(out)
end

-- /proc/net/protocols (net/core/sock.c proto_seq_show): proto_list order;
-- 6.5 "net: Remove ->sendpage() in favour of sendmsg(MSG_SPLICE_PAGES)"
-- dropped the "sp" column
local PROTO_METHODS = { "close", "connect", "disconnect", "accept", "ioctl", "init", "destroy",
  "shutdown", "setsockopt", "getsockopt", "sendmsg", "recvmsg", "sendpage", "bind", "backlog_rcv",
  "hash", "unhash", "get_port", "enter_memory_pressure" }
-- text of /proc/net/protocols (net/core/sock.c proto_seq_show)
function M.protocols(n)
  n = n or net.init_net()
  local sums = prot_inuse_sums(n)
  local sendpage = net.has_member("struct proto", "sendpage")
  local hdr = sendpage and "cl co di ac io in de sh ss gs se re sp bi br ha uh gp em\n"
                        or "cl co di ac io in de sh ss gs se re bi br ha uh gp em\n"
  local out = { string.format("%-9s %-4s %-8s %-6s %-5s %-7s %-4s %-10s %s", "protocol", "size",
    "sockets", "memory", "press", "maxhdr", "slab", "module", hdr) }
  for p in kd.list(kd.symbol("proto_list"), "struct proto", "node") do
    local v = sums and sums[p.inuse_idx] or 0
    local mem = -1
    if pval(p:member_("memory_allocated")) ~= 0 then mem = math.max(0, net.ival(p.memory_allocated)) end
    local press = "NI"
    local mp = pval(p:member_("memory_pressure"))
    if mp ~= 0 then press = kd.read_u64(mp) ~= 0 and "yes" or "no" end
    local owner = p.owner
    local mod = owner ~= nil and owner.name:string_() or "kernel"
    local m = {}
    for _, f in ipairs(PROTO_METHODS) do
      if f ~= "sendpage" or sendpage then m[#m + 1] = string.format("%2s", pval(p:member_(f)) ~= 0 and "y" or "n") end
    end
    out[#out + 1] = string.format("%-9s %4d %6d  %6d   %-3s %6d   %-3s  %-10s %s\n", p.name:string_(),
      p.obj_size, v >= 0 and v or 0, mem, press, p.max_header, pval(p:member_("slab")) == 0 and "no" or "yes",
      mod, table.concat(m, " "))
  end
  return table.concat(out)
end

-- the objects of an rhashtable in walk order (buckets of the current table,
-- each chain in order; a nested table or one being resized is reported)
local function rhashtable_objects(ht, tname, member)
  local tbl = ht.tbl
  local objs = {}
  if tbl == nil then return objs end
  if tbl.nest ~= 0 then error("nested rhashtable buckets are not walked", 0) end
  local why
  if tbl.future_tbl ~= nil then why = "an rhashtable resize was in progress: its new table is not walked" end
  local size = tbl.size
  local base = tbl.buckets:address_()
  local off = net.offsetof(tname, member)
  for i = 0, size - 1 do
    local p = kd.read_u64(base + 8 * i) & ~1        -- bit 0: the bucket lock
    local guard = 0
    while p ~= 0 and (p & 1) == 0 and guard < 100000 do  -- odd: the nulls end marker
      objs[#objs + 1] = p - off
      p = kd.read_u64(p)                             -- rhash_head.next
      guard = guard + 1
    end
  end
  return objs, why
end

-- /proc/net/netlink (netlink_seq_show): nl_table[protocol].hash walks
function M.netlink(n)
  n = n or net.init_net()
  local nets = pval(n)
  local out = { "sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode\n" }
  local tblp = kd.read_u64(kd.symbol_address("nl_table"))
  local stride = kd.type("struct netlink_table").size
  local nlinks = 32                                     -- MAX_LINKS
  local note
  for i = 0, nlinks - 1 do
    local t = kd.object("struct netlink_table", tblp + i * stride)
    local objs, why = rhashtable_objects(t.hash, "struct netlink_sock", "node")
    note = note or why
    for _, a in ipairs(objs) do
      local nlk = kd.object("struct netlink_sock", a)
      local sk = nlk.sk
      if kd.read_u64(a + net.offsetof("struct sock_common", "skc_net")) == nets then   -- sk at 0
        local groups = pval(nlk:member_("groups"))
        out[#out + 1] = string.format("%s %-3d %-10d %08x %-8d %-8d %-5d %-8d %-8d %-8d\n", pk(a),
          sk.sk_protocol, nlk.portid, groups ~= 0 and kd.read_u32(groups) or 0, sk_rmem_alloc_get(sk),
          sk_wmem_alloc_get(sk), (nlk.cb_running == true or nlk.cb_running == 1) and 1 or 0,
          net.sk_refcnt(sk), u32(sk_drops(sk)), net.sock_i_ino(sk))
      end
    end
  end
  return table.concat(out), note
end

-- /proc/net/packet (packet_seq_show): net->packet.sklist; running is a
-- bit of po->flags since 6.4 ("net/packet: convert po->running to an
-- atomic flag"), a field before
function M.packet(n)
  n = n or net.init_net()
  local out = { string.format("%-17sRefCnt Type Proto  Iface R Rmem   User   Inode\n", "sk") }
  for skc in kd.hlist(n.packet.sklist, "struct sock_common", "skc_node") do
    local sk = kd.object("struct sock", skc:address_of_())      -- __sk_common is first
    local po = kd.container_of(sk:address_of_(), "struct packet_sock", "sk")
    local running
    if net.has_member("struct packet_sock", "running") then running = po.running
    else
      local ok, bit = pcall(kd.enum_value, kd.type("enum packet_sock_flags"), "PACKET_SOCK_RUNNING")
      running = ok and ((po.flags >> bit) & 1) or 0
    end
    out[#out + 1] = string.format("%s %-6d %-4d %04x   %-5d %1d %-6d %-6d %-6d\n", pk(sk:address_of_()),
      net.sk_refcnt(sk), sk.sk_type, net.ntohs(po.num), po.ifindex, (running == true or running == 1) and 1 or 0,
      sk_rmem_alloc_get(sk), net.sock_i_uid(sk), net.sock_i_ino(sk))
  end
  return table.concat(out)
end

-- /proc/net/fib_trie (fib_trie_seq_show, 6.1 = 6.12): each table of
-- fib_table_hash in order ("Local:"/"Main:"/"Id N:" before its first node;
-- a local table merged into main walks main's trie), its LC-trie depth
-- first: "+-- prefix/len bits full empty" per internal node, "|-- addr"
-- per leaf with "/len scope TYPE" per alias
local RTN_NAMES = { [0] = "UNSPEC", "UNICAST", "LOCAL", "BROADCAST", "ANYCAST", "MULTICAST",
  "BLACKHOLE", "UNREACHABLE", "PROHIBIT", "THROW", "NAT", "XRESOLVE" }
local SCOPE_NAMES = { [0] = "universe", [200] = "site", [253] = "link", [254] = "host", [255] = "nowhere" }
-- text of /proc/net/fib_trie (net/ipv4/fib_trie.c fib_trie_seq_show)
function M.fib_trie(n)
  local route = require("kernel.net_route")
  n = n or net.init_net()
  local out = {}
  local off = function(m) return net.offsetof("struct key_vector", m) end
  local tnode_off, leaf_off, bits_off, pos_off, key_off = off("tnode"), off("leaf"), off("bits"), off("pos"), off("key")
  local kv_in_tnode = net.offsetof("struct tnode", "kv")
  local fa_off = net.offsetof("struct fib_alias", "fa_list")
  local function ind(d) return string.rep("   ", d) end
  local function ip(k) return string.format("%d.%d.%d.%d", (k >> 24) & 255, (k >> 16) & 255, (k >> 8) & 255, k & 255) end
  local guard = 0
  local function walk(kv, depth)
    guard = guard + 1
    if guard > 5000000 then error("fib trie walk does not end", 0) end
    local bits = kd.read_u8(kv + bits_off)
    local key = kd.read_u32(kv + key_off)
    if bits > 0 then
      local tn = kd.object("struct tnode", kv - kv_in_tnode)
      out[#out + 1] = string.format("%s  +-- %s/%d %d %d %d\n", ind(depth - 1), ip(key),
        32 - kd.read_u8(kv + pos_off) - bits, bits, tn.full_children, tn.empty_children)
      local kids = net.heads(kv + tnode_off, 1 << bits, 8)
      for i = 0, (1 << bits) - 1 do
        local c = kids[i]
        if c ~= 0 then
          walk(c, kd.read_u8(c + bits_off) > 0 and depth + 1 or depth)
        end
      end
    else
      out[#out + 1] = string.format("%s  |-- %s\n", ind(depth), ip(key))
      local nodes = {}
      net.hlist_nodes(kd.read_u64(kv + leaf_off), nodes)
      for _, node in ipairs(nodes) do
        local fa = kd.object("struct fib_alias", node - fa_off)
        local scope = fa.fa_info.fib_scope
        local line = string.format("%s  /%d %s %s", ind(depth + 1), 32 - fa.fa_slen,
          SCOPE_NAMES[scope] or ("scope=" .. scope), RTN_NAMES[fa.fa_type] or ("type " .. fa.fa_type))
        local dscp = net.has_member("struct fib_alias", "fa_dscp") and fa.fa_dscp or fa.fa_tos
        if type(dscp) ~= "number" then dscp = net.ival(dscp) end
        -- inet_dscp_to_dsfield(): the dscp_t is kept shifted already
        if dscp ~= 0 then line = line .. " tos=" .. dscp end
        out[#out + 1] = line .. "\n"
      end
    end
  end
  for _, tb in ipairs(route.fib4_tables(n)) do
    local td = tb:member_("tb_data")
    local trie = tostring(td:type_()):find("%*") and pval(td) or td:address_()
    local root = kd.read_u64(trie + tnode_off)
    if root ~= 0 then
      local id = tb.tb_id
      out[#out + 1] = id == 255 and "Local:\n" or (id == 254 and "Main:\n" or string.format("Id %d:\n", id))
      walk(root, kd.read_u8(root + bits_off) > 0 and 1 or 0)
    end
  end
  return table.concat(out)
end

-- /proc/net/fib_triestat (fib_triestat_seq_show, 6.1 = 6.12): per table,
-- trie_collect_stats over the same walk as fib_trie, and the per-CPU
-- lookup counters when the kernel keeps them (struct trie has stats only
-- with CONFIG_IP_FIB_TRIE_STATS)
function M.fib_triestat(n)
  local route = require("kernel.net_route")
  n = n or net.init_net()
  local off = function(m) return net.offsetof("struct key_vector", m) end
  local tnode_off, leaf_off, bits_off = off("tnode"), off("leaf"), off("bits")
  local kv_in_tnode = net.offsetof("struct tnode", "kv")
  local function tnode_size(k) return kv_in_tnode + tnode_off + 8 * k end      -- TNODE_SIZE(k)
  local leaf_size = tnode_size(1)
  local fa_size = kd.type("struct fib_alias").size
  local out = { string.format("Basic info: size of leaf: %d bytes, size of tnode: %d bytes.\n",
    leaf_size, tnode_size(0)) }
  local MAX_STAT_DEPTH = 32
  for _, tb in ipairs(route.fib4_tables(n)) do
    local td = tb:member_("tb_data")
    local trie = tostring(td:type_()):find("%*") and pval(td) or td:address_()
    if trie ~= 0 then
      local id = tb.tb_id
      out[#out + 1] = id == 255 and "Local:\n" or (id == 254 and "Main:\n" or string.format("Id %d:\n", id))
      local st = { leaves = 0, totdepth = 0, maxdepth = 0, prefixes = 0, tnodes = 0, nullptrs = 0, sizes = {} }
      local function walk(kv, depth)
        local bits = kd.read_u8(kv + bits_off)
        if bits > 0 then
          st.tnodes = st.tnodes + 1
          if bits < MAX_STAT_DEPTH then st.sizes[bits] = (st.sizes[bits] or 0) + 1 end
          st.nullptrs = st.nullptrs + kd.object("struct tnode", kv - kv_in_tnode).empty_children
          local kids = net.heads(kv + tnode_off, 1 << bits, 8)
          for i = 0, (1 << bits) - 1 do
            local c = kids[i]
            if c ~= 0 then walk(c, kd.read_u8(c + bits_off) > 0 and depth + 1 or depth) end
          end
        else
          st.leaves = st.leaves + 1
          st.totdepth = st.totdepth + depth
          if depth > st.maxdepth then st.maxdepth = depth end
          local nodes = {}
          net.hlist_nodes(kd.read_u64(kv + leaf_off), nodes)
          st.prefixes = st.prefixes + #nodes
        end
      end
      local root = kd.read_u64(trie + tnode_off)
      if root ~= 0 then walk(root, kd.read_u8(root + bits_off) > 0 and 1 or 0) end
      local av = st.leaves > 0 and (st.totdepth * 100 // st.leaves) or 0
      out[#out + 1] = string.format("\tAver depth:     %d.%02d\n", av // 100, av % 100)
      out[#out + 1] = string.format("\tMax depth:      %d\n", st.maxdepth)
      out[#out + 1] = string.format("\tLeaves:         %d\n", st.leaves)
      out[#out + 1] = string.format("\tPrefixes:       %d\n", st.prefixes)
      out[#out + 1] = string.format("\tInternal nodes: %d\n\t", st.tnodes)
      local bytes = leaf_size * st.leaves + fa_size * st.prefixes + tnode_size(0) * st.tnodes
      local max = MAX_STAT_DEPTH
      while max > 0 and (st.sizes[max - 1] or 0) == 0 do max = max - 1 end
      local pointers = 0
      for i = 1, max - 1 do
        local c = st.sizes[i] or 0
        if c ~= 0 then
          out[#out + 1] = string.format("  %d: %d", i, c)
          pointers = pointers + (1 << i) * c
        end
      end
      out[#out + 1] = "\n"
      out[#out + 1] = string.format("\tPointers: %d\n", pointers)
      bytes = bytes + 8 * pointers
      out[#out + 1] = string.format("Null ptrs: %d\n", st.nullptrs)
      out[#out + 1] = string.format("Total size: %d  kB\n", (bytes + 1023) // 1024)
      if net.has_member("struct trie", "stats") then
        local t = kd.object("struct trie", trie)
        local sp = t:member_("stats")
        local s = { gets = 0, backtrack = 0, semantic_match_passed = 0, semantic_match_miss = 0,
                    null_node_hit = 0, resize_node_skipped = 0 }
        for _, cpu in ipairs(net.possible_cpus()) do
          local o = kd.per_cpu(sp, cpu)
          for k in pairs(s) do s[k] = s[k] + o[k] end
        end
        out[#out + 1] = "\nCounters:\n---------\n"
        out[#out + 1] = string.format("gets = %d\n", s.gets & 0xffffffff)
        out[#out + 1] = string.format("backtracks = %d\n", s.backtrack & 0xffffffff)
        out[#out + 1] = string.format("semantic match passed = %d\n", s.semantic_match_passed & 0xffffffff)
        out[#out + 1] = string.format("semantic match miss = %d\n", s.semantic_match_miss & 0xffffffff)
        out[#out + 1] = string.format("null node hit= %d\n", s.null_node_hit & 0xffffffff)
        out[#out + 1] = string.format("skipped node resize = %d\n\n", s.resize_node_skipped & 0xffffffff)
      end
    end
  end
  return table.concat(out)
end

-- }======

-- {====== routes, addresses, ARP ======

local function htonl(v)
  return ((v & 0xff) << 24) | (((v >> 8) & 0xff) << 16) | (((v >> 16) & 0xff) << 8) | ((v >> 24) & 0xff)
end
-- a host-order 32-bit value in network byte order (little-endian hosts)
M.htonl = htonl

local RTF_UP, RTF_GATEWAY, RTF_HOST, RTF_REJECT = 0x1, 0x2, 0x4, 0x200

-- /proc/net/route (fib_route_seq_show): the main table, no broadcast or
-- multicast entries
function M.route(n)
  local route = require("kernel.net_route")
  n = n or net.init_net()
  -- fib_route_seq_start() returns NULL, header and all, while the main
  -- table does not exist (multiple tables: made by the first route put in
  -- it; a machine with no network card but lo has none)
  local tb = route.fib4_table(n, route.RT_TABLE.MAIN)
  if tb == nil then return "" end
  local out = { pad("Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT", 127) }
  for _, r in ipairs(route.fib4_routes(tb)) do
    if r.type ~= route.RTN.BROADCAST and r.type ~= route.RTN.MULTICAST then
      local mask = (r.dst_len == 0) and 0 or (((0xffffffff << (32 - r.dst_len)) & 0xffffffff))
      local flags = 0
      if r.type == route.RTN.UNREACHABLE or r.type == route.RTN.PROHIBIT then flags = RTF_REJECT end
      if r.fi and r.gw_family == 2 and (r.gw4 or 0) ~= 0 then flags = flags | RTF_GATEWAY end
      if r.fi and r.gw_family ~= 2 and r.gw_family ~= nil and r.gw_family ~= 0 then
        flags = flags | RTF_GATEWAY -- nhc_gw non-zero (IPv6 gateway)
      end
      if mask == 0xffffffff then flags = flags | RTF_HOST end
      flags = flags | RTF_UP
      local line
      if r.fi then
        local m = r.metrics or {}
        local advmss, window, rtt = m[8] or 0, m[3] or 0, m[4] or 0 -- RTAX_ADVMSS, WINDOW, RTT
        line = string.format("%s\t%08X\t%08X\t%04X\t%d\t%d\t%d\t%08X\t%d\t%d\t%d",
          r.dev and net.devname(r.dev) or "*", htonl(r.dst),
          (r.gw_family == 2) and (r.gw4 or 0) or 0, flags, 0, 0, r.priority & 0xffffffff,
          htonl(mask), advmss ~= 0 and advmss + 40 or 0, window, rtt >> 3)
      else
        line = string.format("*\t%08X\t%08X\t%04X\t%d\t%d\t%d\t%08X\t%d\t%d\t%d",
          htonl(r.dst), 0, flags, 0, 0, 0, htonl(mask), 0, 0, 0)
      end
      out[#out + 1] = pad(line, 127)
    end
  end
  return table.concat(out)
end

local RTF_GATEWAY6 = 0x0002

-- /proc/net/ipv6_route (ipv6_route_native_seq_show), every table
function M.ipv6_route(n)
  local route = require("kernel.net_route")
  n = n or net.init_net()
  local out = {}
  local zero = string.rep("0", 32)
  for _, tb in ipairs(route.fib6_tables(n)) do
    for _, rt in ipairs(route.fib6_infos(tb)) do
      local r = route.fib6_route(rt)
      local flags = r.flags
      local gw = zero
      if r.gw_family and r.gw_family ~= 0 then
        flags = flags | RTF_GATEWAY6
        gw = net.ip6_hex(r.gw6)
      end
      local src = net.has_member("struct fib6_node", "subtree") and
                  string.format("%s %02x", net.ip6_hex(r.src), r.src_len) or (zero .. " 00")
      out[#out + 1] = string.format("%s %02x %s %s %08x %08x %08x %08x %8s\n",
        net.ip6_hex(r.dst), r.dst_len, src, gw, r.metric & 0xffffffff, r.refcnt, 0, flags & 0xffffffff,
        r.dev and net.devname(r.dev) or "")
    end
  end
  return table.concat(out)
end

-- /proc/net/if_inet6 (if6_seq_show), inet6_addr_lst hash order
function M.if_inet6(n)
  n = n or net.init_net()
  local out = {}
  local lst, nb, filter
  if net.has_member("struct netns_ipv6", "inet6_addr_lst") then
    lst = pval(n.ipv6:member_("inet6_addr_lst"))
    nb = 256 -- IN6_ADDR_HSIZE
  else
    local g = kd.symbol("inet6_addr_lst")
    lst, nb, filter = g:address_(), #g, pval(n)
  end
  if lst == 0 then return "" end -- IPv6 disabled
  local firsts = net.heads(lst, nb, 8)
  local off = net.offsetof("struct inet6_ifaddr", "addr_lst")
  for b = 0, nb - 1 do
    local nodes = {}
    net.hlist_nodes(firsts[b], nodes)
    for _, node in ipairs(nodes) do
      local ifp = kd.object("struct inet6_ifaddr", node - off)
      local dev = ifp.idev.dev
      if not filter or net.possible_net(dev.nd_net) == filter then
        out[#out + 1] = string.format("%s %02x %02x %02x %02x %8s\n", net.ip6_hex(net.in6_bytes(ifp.addr)),
          dev.ifindex, ifp.prefix_len, ifp.scope, ifp.flags & 0xff, net.devname(dev))
      end
    end
  end
  return table.concat(out)
end

-- /proc/net/arp (arp_seq_show): neighbours not in NOARP state only, then
-- proxy entries
function M.arp(n)
  local route = require("kernel.net_route")
  n = n or net.init_net()
  local out = { "IP address       HW type     Flags       HW address            Mask     Device\n" }
  local list, why = route.neighbours("arp_tbl", n)
  if list == nil then return nil, why end
  for _, e in ipairs(list) do
    if (e.nud & ~route.NUD.NOARP) ~= 0 then
      local flags = 0
      if (e.nud & route.NUD.PERMANENT) ~= 0 then flags = 0x04 | 0x02 -- ATF_PERM | ATF_COM
      elseif (e.nud & route.NUD_VALID) ~= 0 then flags = 0x02 end
      local ip = string.format("%d.%d.%d.%d", e.key:byte(1, 4))
      out[#out + 1] = string.format("%-16s 0x%-10x0x%-10x%-17s     *        %s\n",
        ip, e.dev.type, flags, e.ha, net.devname(e.dev))
    end
  end
  for _, e in ipairs(route.pneighbours("arp_tbl", n)) do
    local ip = string.format("%d.%d.%d.%d", e.key:byte(1, 4))
    local dev = e.dev
    out[#out + 1] = string.format("%-16s 0x%-10x0x%-10x%s     *        %s\n",
      ip, dev and dev.type or 0, 0x08 | 0x04, "00:00:00:00:00:00", dev and net.devname(dev) or "*")
  end
  return table.concat(out)
end

-- }======

return M
