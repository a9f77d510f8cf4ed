-- fidelity/rules/networking.lua: how each file of the networking area
-- compares with what the live system showed (truth/, see truth/INDEX.md).
-- Schema: fidelity/init.lua (one schema for every rules/*.lua).  Only
-- paths the networking emitters write belong here
-- (tests/lua/test_networking.lua checks both ways); live files kdlua does
-- not emit are in rules/unemitted.lua.  Where the live file is another
-- command's output (the former "derived" rules), the rule says how it is
-- brought to the report's form: filters, or a transform of
-- fidelity/matchers.lua.
--
-- Why counters drift on the shared dump: syslogd forwards every log line
-- as a UDP datagram to 192.0.2.1:514 through dummy0 (a permanent
-- neighbour, so no ARP).  Between the capture of proc/net and the crash
-- (~8 s of guest time) the capture itself and the crashing shell logged
-- ~30 more lines: dummy0 TX, Ip OutRequests, Udp OutDatagrams and IpExt
-- OutOctets grew by that much (measured: +27 packets, +3262 bytes, 6-7%).
-- Counters only grow, so the rule is "not below the truth, at most 15%
-- (or 64 units, whichever is larger) above".  Everything else on this
-- guest is idle: loopback, TCP and ICMP counters did not move.

local LINES, KV = "lines", "keyvalue"
-- the statistics rows of `ip -s link`
local STATS = { "^%s+[RT]X:", "^%s+[%d%s]+$" }

-- grows monotonically; at most max(64, 15%) above the truth per 10 s
-- between the start of the capture and the crash (8.6 s on the 6.1 dump,
-- 60 s on the 6.12 one, where NFS and the TIME-WAIT connections made after
-- the capture moved Ip OutRequests by 17%)
local GROW = { monotonic = true, rel = 0.15, abs = 64, per_10s_since = "capture_start_uptime" }

-- address lifetimes and route expiries count down between the capture and
-- the crash (seconds on the 6.1 dump, ~10 s on the 6.12 one)
-- finite lifetimes and expiries are masked on both sides: they are the
-- only values of these files that move (they count down between the
-- capture and the crash: seconds on the 6.1 dump, ~10 s on the 6.12 one)
local SEC = { { "(valid_lft )%d+sec", "%1Nsec" }, { "(preferred_lft )%d+sec", "%1Nsec" },
              { "(expires )%d+sec", "%1Nsec" } }

return {
  -- {====== /proc/net ======
  ["proc/net/tcp"] = { truth = { "proc/net/tcp.end", "proc/net/tcp" }, class = "static",
    report_transform = "tcp_mask", truth_transform = "tcp_at_crash",
    note = "Exact: listening hash (lhash2) then established hash (ehash) of the namespace's "
      .. "inet_hashinfo, get_tcp4_sock/get_timewait4_sock/get_openreq4 layout padded to 149 "
      .. "columns; the %pK pointer is rebuilt with siphash_1u64(sk, ptr_key) as "
      .. "lib/vsprintf.c hashes it (kptr_restrict=0). tx/rx queues and timers would drift on "
      .. "a busy system (here all zero). Compared with the live file taken last (tcp.end where "
      .. "the truth has it: the 6.12 dump's TIME-WAIT sockets of port 7003 were made after the "
      .. "capture), its TIME-WAIT sockets whose timer ran out before the crash dropped; slot "
      .. "numbers and timer expiries masked (they move)." },
  ["proc/net/tcp6"] = { truth = { "proc/net/tcp6.end", "proc/net/tcp6" }, class = "static",
    report_transform = "tcp_mask", truth_transform = "tcp_at_crash",
    note = "As proc/net/tcp for AF_INET6 sockets (v4-mapped peers included)." },
  ["proc/net/udp"] = { truth = "proc/net/udp", class = "static",
    note = "Exact: udp_table hash slots in order, sl = slot number, padded to 127 columns." },
  ["proc/net/udp6"] = { truth = "proc/net/udp6", class = "static",
    note = "Exact (header only on this dump)." },
  ["proc/net/raw"] = { truth = "proc/net/raw", class = "static",
    note = "Exact (header only): raw_v4_hashinfo buckets (hlist before 6.2, hlist_nulls after)." },
  ["proc/net/unix"] = { truth = "proc/net/unix", class = "static",
    note = "Exact: net->unx.table.buckets (per-namespace since 5.19; the global "
      .. "unix_socket_table before), hashed %pK pointers, abstract names with '@'." },
  ["proc/net/route"] = { truth = "proc/net/route", class = "static",
    note = "Exact: leaves of the main table's LC-trie in key order, aliases of tb_id 254, no "
      .. "broadcast/multicast, fib_flag_trans flags, padded to 127 columns." },
  ["proc/net/ipv6_route"] = { truth = "proc/net/ipv6_route", class = "static",
    note = "Exact: fib6 tables in hash order (main, local), the fib6 walker's post-order "
      .. "(subtree, left, right, node) with each node's fib6_next chain; null entries included "
      .. "as the kernel prints them. The refcount column would drift on a busy system." },
  ["proc/net/if_inet6"] = { truth = "proc/net/if_inet6", class = "static",
    note = "Exact: net->ipv6.inet6_addr_lst hash order." },
  ["proc/net/arp"] = { truth = "proc/net/arp", class = "static",
    note = "Exact: arp_tbl hash buckets, entries with a state other than NOARP, then proxy "
      .. "entries. Dynamic entries' flags (ATF_COM) follow the NUD state, which ages." },
  ["proc/net/dev"] = { truth = "proc/net/dev", class = "drifting", kind = LINES,
    key = 1,     -- header, interface names and order exact by the kind
    tolerance = { ["*"] = GROW },
    note = "dev_get_stats(): ndo_get_stats64 is recognised by symbol (loopback/dummy lstats, "
      .. "dev_get_tstats64, ip_tunnel) plus dev->stats and core_stats. Drivers keeping "
      .. "counters privately (virtio_net, ...) make the file a stub naming them. dummy0 TX "
      .. "grows with syslog's UDP after the capture." },
  ["proc/net/snmp"] = { truth = "proc/net/snmp", class = "drifting", kind = KV, parse = "snmp",
    -- every header line exact (the names come from the kernel's own
    -- snmp4_*_list / icmpmibmap arrays in the dump): same keys, same order
    static = { "Ip.Forwarding", "Ip.DefaultTTL", "Tcp.RtoAlgorithm", "Tcp.RtoMin", "Tcp.RtoMax",
      "Tcp.MaxConn" },
    tolerance = { ["*"] = GROW },
    note = "Per-CPU MIB sums over possible CPUs; Ip OutRequests and Udp OutDatagrams grow "
      .. "with syslog's forwarding after the capture." },
  ["proc/net/netstat"] = { truth = "proc/net/netstat", class = "drifting", kind = KV,
    parse = "snmp",   -- every header line exact: same keys, same order
    tolerance = { ["*"] = GROW },
    note = "TcpExt/IpExt/MPTcpExt as netstat_seq_show; IpExt OutOctets grows (syslog)." },
  ["proc/net/sockstat"] = { truth = "proc/net/sockstat", class = "drifting", kind = KV,
    parse = "pairs",
    static = { "TCP.inuse", "UDP.inuse", "UDPLITE.inuse", "RAW.inuse", "FRAG.inuse" },
    tolerance = { ["*"] = { abs = 2 }, mem = { abs = 16 }, memory = { abs = 65536 } },
    note = "Exact on this dump. sockets used / inuse are per-CPU prot_inuse sums; mem "
      .. "(pages) and FRAG memory move with traffic." },
  ["proc/net/sockstat6"] = { truth = "proc/net/sockstat6", class = "drifting", kind = KV,
    parse = "pairs",
    tolerance = { ["*"] = { abs = 2 }, memory = { abs = 65536 } },
    note = "Exact on this dump." },
  ["proc/net/snmp6"] = { truth = "proc/net/snmp6", class = "drifting", kind = KV, parse = "kv",
    tolerance = { ["*"] = GROW },
    note = "snmp6_seq_show: the kernel's snmp6_*_list names, per-CPU sums, ICMPv6 message "
      .. "counters by icmp6type2name then by number; counters grow after the capture." },
  ["proc/net/raw6"] = { truth = "proc/net/raw6", class = "static",
    note = "raw_v6_hashinfo buckets in ip6_dgram_sock_seq_show's layout (header only here)." },
  ["proc/net/softnet_stat"] = { truth = "proc/net/softnet_stat", class = "drifting", kind = LINES,
    tolerance = { ["*"] = { any = true } },
    note = "One line per CPU user space saw online; 6.12's two queue-length columns where "
      .. "softnet_data.dropped is atomic. Hex per-CPU packet counters: structure compared, values "
      .. "move with traffic." },
  ["proc/net/dev_mcast"] = { truth = "proc/net/dev_mcast", class = "static",
    note = "Each device's mc list (netdev_hw_addr: refcount, global_use, address)." },
  ["proc/net/ptype"] = { truth = "proc/net/ptype", class = "static",
    note = "Devices' ptype_all, the global ptype_all (net_hotdata since 6.10), ptype_base hash; "
      .. "handlers by symbol with [module]." },
  ["proc/net/protocols"] = { truth = "proc/net/protocols", class = "static",
    note = "proto_list: sizes, per-CPU in-use sums, memory, pressure, methods (the sp column "
      .. "only where struct proto has sendpage, before 6.5). Socket counts would drift on a busy "
      .. "system." },
  ["proc/net/netlink"] = { truth = "proc/net/netlink", class = "static",
    note = "nl_table[proto].hash rhashtable walks (bucket order), the namespace's sockets; "
      .. "hashed %pK pointers; Rmem/Drops would drift on a busy system." },
  ["proc/net/packet"] = { truth = "proc/net/packet", class = "static",
    note = "net->packet.sklist; running from po->running (6.1) or the PACKET_SOCK_RUNNING flag." },
  ["proc/net/fib_trie"] = { truth = "proc/net/fib_trie", class = "static",
    note = "fib_table_hash order, each table's LC-trie depth first (a local table merged into "
      .. "main walks main's trie): internal nodes with their full/empty children, leaves with "
      .. "their aliases' prefix length, scope and type." },
  ["proc/net/fib_triestat"] = { truth = "proc/net/fib_triestat", class = "drifting", kind = LINES,
    tolerance = { ["*"] = GROW },
    note = "trie_collect_stats over the same walk (exact); the lookup counters (gets, semantic "
      .. "match passed...) are per-CPU and grow with traffic after the capture." },
  ["proc/net/bonding/*"] = { truth = "proc/net/bonding/*", class = "static",
    note = "bond_procfs.c's layout from struct bonding/slave (bonding module types): mode, "
      .. "primary/active slave, MII, delays, ARP targets, each slave's state, speed, duplex, "
      .. "failures, permanent address, queue. 802.3ad LACP details are not rebuilt (stub)." },
  ["proc/net/vlan/config"] = { truth = "proc/net/vlan/config", class = "static",
    note = "vlanproc.c: the namespace's vlan_net name type, one line per VLAN device." },
  ["proc/net/vlan/*"] = { truth = "proc/net/vlan/*", class = "drifting", kind = LINES,
    tolerance = { ["*"] = GROW },
    note = "vlandev_seq_show: VID, flags, priv_flags, vlan_dev_get_stats64 counters (they "
      .. "grow with traffic after the capture), QoS maps." },
  -- }======

  -- {====== iproute2 ======
  ["sos_commands/networking/ip_-d_address"] = { truth = "cmd/ip-d-addr.txt", class = "static", gsub = SEC,
    note = "rtnl_fill_ifinfo/inet_fill_ifaddr/inet6_fill_ifaddr attributes in iproute2 "
      .. "6.1's layout, the link details of bond/bond_slave/vlan (kernel/net_link.lua). Link "
      .. "kinds whose details are not decoded print the kind only and make the file a stub "
      .. "naming them. Exact, finite address lifetimes masked (they count down from the "
      .. "capture to the crash)." },
  ["sos_commands/networking/ip_-o_addr"] = { truth = "cmd/ip-addr.txt", class = "static", gsub = SEC,
    truth_transform = "ip_oneline",
    note = "Exact against the address lines of ip-addr.txt joined as `ip -o` joins them "
      .. "(\"N: name\" + address line + '\\' + lifetime line)." },
  ["sos_commands/networking/ip_-s_-d_link"] = { truth = "cmd/ip-d-link.txt", class = "drifting",
    report_drop = STATS,        -- every line of ip-d-link.txt exact
    partial_block = "^%d+: ",   -- a link whose counters are not readable: its lines
    tolerance = { ["*"] = GROW },
    also = { { truth = "cmd/ip-s-link.txt", kind = LINES, select = STATS, tolerance = { ["*"] = GROW } } },
    note = "Non-statistics lines exact against ip-d-link.txt; RX/TX rows against "
      .. "ip-s-link.txt with the counter tolerance (dummy0 TX grows with syslog)." },
  ["sos_commands/networking/ip_route_show_table_all"] = { truth = "cmd/ip-route.txt",
    class = "static", report_drop = " table ",
    note = "Main-table lines exact against ip-route.txt (which is `ip route`, the main table); "
      .. "local-table lines checked against proc/net/fib_trie's LOCAL/BROADCAST leaves." },
  ["sos_commands/networking/ip_-6_route_show_table_all"] = { truth = "cmd/ip-6-route.txt",
    class = "static", gsub = SEC, report_drop = " table ",
    note = "Main-table lines exact against ip-6-route.txt; every non-null entry of "
      .. "proc/net/ipv6_route appears once. Routes with an RA expiry count down from the crash." },
  ["sos_commands/networking/ip_-4_rule"] = { truth = "cmd/ip-rule.txt", class = "static",
    note = "Exact: fib4 rules_list in order." },
  ["sos_commands/networking/ip_-6_rule"] = { truth = nil, class = "static",
    note = "No truth; the default rules (local 0, main 32766) as fib6_rules_net_init adds them." },
  ["sos_commands/networking/ip_neigh_show_nud_noarp"] = { truth = nil, class = "drifting",
    note = "No truth. NOARP entries of arp_tbl then nd_tbl (lo's 0.0.0.0, ff02::2 on dummy0 "
      .. "here); such entries come and go with traffic." },
  ["sos_commands/networking/ip_-s_-s_neigh_show"] = { truth = "cmd/ip-neigh.txt",
    class = "drifting",
    -- destination, dev, lladdr, flags, state exact; the ages are not in the truth
    report_gsub = { { " used %d+/%d+/%d+", "" }, { "probes %d+ ", "" } },
    tolerance = { used = { monotonic = true } },
    note = "Lines equal ip-neigh.txt once ' used A/B/C' and 'probes N ' are removed; the "
      .. "used/confirmed/updated ages are taken at the crash (later than the capture)." },
  ["sos_commands/networking/ip_netns"] = { truth = nil, class = "static",
    note = "No truth. Names of nsfs bind mounts under /run/netns; none on this dump (empty). "
      .. "With names, the file is a stub: mount order stands in for /run/netns's readdir order "
      .. "(\" (id: N)\" comes from init_net's netns_ids IDR)." },
  ["sos_commands/networking/bridge_-s_-s_-d_link_show"] = { truth = nil, class = "static",
    note = "No truth: neither fixture has a bridge (emitted only when one exists). Each port as "
      .. "iproute2 6.1's bridge link prints br_fill_ifinfo's PROTINFO; tested on synthetic ports." },
  ["sos_commands/networking/bridge_-s_-s_-d_-t_fdb_show"] = { truth = nil, class = "drifting",
    note = "No truth: emitted only with a bridge. Bridge entries from br->fdb_list (used/updated ages "
      .. "drift), every Ethernet device's uc/mc lists as 'self permanent' (checked against "
      .. "proc/net/dev_mcast on the fixtures)." },
  ["sos_commands/networking/bridge_-d_vlan_show"] = { truth = nil, class = "static",
    note = "No truth: neither fixture has a bridge (emitted only with one). Each bridge's and "
      .. "port's VLAN group in br_vlan_dump_dev's ranges (tests/lua/test_bridge_db.lua)." },
  ["sos_commands/networking/bridge_-s_-s_-d_-t_mdb_show"] = { truth = nil, class = "drifting",
    note = "No truth: neither fixture has a bridge (emitted only with one). MDB entries and "
      .. "router ports with their timers (tests/lua/test_bridge_db.lua)." },
  ["sos_commands/networking/namespaces/*"] = { truth = nil, class = "static",
    note = "No truth: neither fixture has a named namespace. One folder per nsfs mount under "
      .. "/run/netns, the commands sos runs there, each rebuilt from that namespace's struct net "
      .. "with the initial namespace's formatters." },
  ["sos_commands/networking/tc_-s_qdisc_show"] = { truth = nil, class = "drifting",
    note = "No truth; qdisc kinds must match ip-addr.txt's (noqueue on lo and dummy0). Options "
      .. "are rebuilt for noqueue, mq, pfifo_fast, pfifo/bfifo, ingress/clsact, fq_codel (with its "
      .. "xstats, as iproute2 v6.1.0 prints them; eth0's on the 6.12 dump); other kinds are "
      .. "listed with their counters and make the file a stub. Counters drift." },
  -- }======

  -- {====== net-tools ======
  ["sos_commands/networking/netstat_-W_-neopa"] = { truth = nil, class = "static",
    note = "truth/cmd/netstat-anp.txt is busybox's usage error, so no direct truth. Each socket "
      .. "line is checked against proc/net/{tcp,tcp6,udp,unix} (addresses, ports, state, uid, "
      .. "inode) and truth/pid/*/fd (the PID owning the inode) + cmdline (program name). The "
      .. "layout was checked against net-tools 2.10 run on this emitter's own /proc/net files. "
      .. "Queues and timers would drift on a busy system." },
  ["sos_commands/networking/netstat_-W_-agn"] = { truth = "proc/net/igmp", class = "static",
    kind = "set", truth_transform = "igmp_groups", report_transform = "squeeze", report_range = { 4 },
    note = "Group lines equal the (device, users, group) triples of proc/net/igmp and igmp6." },
  ["sos_commands/networking/netstat_-s"] = { truth = "proc/net/snmp", class = "drifting",
    kind = LINES, truth_transform = "netstat_s", tolerance = { ["*"] = GROW },
    note = "truth/cmd/netstat-s.txt is busybox's usage error. Checked against the same "
      .. "formatter fed with truth/proc/net/{snmp,netstat}: same lines with digits masked, "
      .. "numbers within the counter tolerance. Wording/visibility table verified against "
      .. "net-tools 2.10 on synthetic counters (all zero and all distinct)." },
  ["sos_commands/networking/route_-n"] = { truth = "proc/net/route", class = "static",
    truth_transform = "route_n", report_transform = "squeeze", report_range = { 3 },
    note = "Exact against the routes of proc/net/route (destination, gateway, mask, flags, "
      .. "metric, iface); layout checked against net-tools 2.10 on the same input." },
  -- }======
}
