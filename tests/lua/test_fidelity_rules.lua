-- The fidelity checker's parts (scripts/lib/fidelity/*) on tiny synthetic
-- inputs: tolerance specs, every comparison kind, the matchers and
-- transforms, the rule files' schema, and a whole run over a made-up report
-- and truth folder (pid templates, capture helpers, stubs, missing files).
-- Runs under tests/lua/runner.lua (test/eq/ok/raises); needs no dump.

local fidelity = require("fidelity")
local compare = require("fidelity.compare")
local tol = require("fidelity.tolerance")
local matchers = require("fidelity.matchers")

local function run(check, r, t, ctx, e)
  return compare.run(check, r, t, ctx or { classes = {} }, e)
end

local function status(check, r, t, ctx, e) return run(check, r, t, ctx, e).status end

-- {====== tolerance ======

test("tolerance: abs, rel, samples, monotonic, bounds from .end, per second", function()
  local ok = tol.check
  eq(ok(105, { truth = 100 }, { abs = 5 }), true, "abs inside")
  eq(ok(106, { truth = 100 }, { abs = 5 }), false, "abs outside")
  eq(ok(125, { truth = 100 }, { rel = 0.25 }), true, "rel inside")
  eq(ok(74, { truth = 100 }, { rel = 0.25 }), false, "rel outside")
  eq(ok(150, { truth = 100, end_ = 200 }, { abs = 0 }), true, "between the two samples")
  eq(ok(99, { truth = 100 }, { monotonic = true }), false, "a counter never goes down")
  eq(ok(10 ^ 9, { truth = 100 }, { monotonic = true }), true, "no upper bound without abs/rel")
  eq(ok(164, { truth = 100 }, { monotonic = true, abs = 64, rel = 0.15 }), true, "grow: max(64, 15%)")
  eq(ok(165, { truth = 100 }, { monotonic = true, abs = 64, rel = 0.15 }), false, "grow: above")
  local mono = { monotonic = true, upper = "truth_end", upper_rel = 1.5, upper_abs = 400 }
  eq(ok(700, { truth = 100, end_ = 200 }, mono), true, "<= 1.5 x end + 400")
  eq(ok(701, { truth = 100, end_ = 200 }, mono), false, "> 1.5 x end + 400")
  eq(ok(150, { truth = 100, end_ = 200 }, mono), false, "below the latest sample")
  local ctx = { elapsed = function(since) eq(since, "capture_start_uptime", "since"); return 2 end }
  local rate = { monotonic = true, per_second = 400, since = "capture_start_uptime" }
  eq(ok(900, { truth = 100 }, rate, ctx), true, "rate x elapsed")
  eq(ok(901, { truth = 100 }, rate, ctx), false, "rate x elapsed exceeded")
  eq(ok(697, { truth = 240, end_ = 697 }, { min = "end", abs = 50 }), true, "from the end sample")
  eq(ok(696, { truth = 240, end_ = 697 }, { min = "end", abs = 50 }), false, "below the end sample")
  eq(ok(748, { truth = 240, end_ = 697 }, { min = "end", abs = 50 }), false, "end + abs exceeded")
  eq(ok(-5, { truth = 7 }, { any = true }), true, "any")
  local good, why = ok(10, { truth = 1 }, { abs = 2 })
  eq(good, false, "why")
  eq(why, "10 not in [-1, 3]", "why text")
end)

test("numbers and labels of a line", function()
  local shape, nums = compare.numbers("  pages free     3808 (0, 442) 2/104 -20 1.5 DMA32 0x1f fs.file-nr")
  eq(table.concat(nums, ","), "3808,0,442,2,104,-20,1.5", "numbers")
  ok(shape:find("DMA32", 1, true) and shape:find("0x1f", 1, true), "words with digits are text")
  eq(compare.line_label("  pages free     3808"), "pages_free", "label")
  eq(compare.line_label("        protection: (0, 442, 442)"), "protection", "label before (")
  eq(compare.line_label("  vm stats threshold: 4"), "vm_stats_threshold", "label with blanks")
end)

-- }======

-- {====== kinds ======

test("exact: first differing line, both sides; final bytes", function()
  local r = run({}, "a\nb\nc\n", "a\nB\nc\n")
  eq(r.status, "differs", "status")
  eq(r.diffs[1].where, "line 2", "where")
  eq(r.diffs[1].report, "b", "report side")
  eq(r.diffs[1].truth, "B", "truth side")
  eq(status({}, "a\n", "a\n"), "exact", "same")
  eq(status({}, "a", "a\n"), "differs", "missing final newline")
  eq(status({}, "a\nb\n", "a\n"), "differs", "extra line")
  eq(status({ report_drop = "^x" }, "a\nx1\nb\n", "a\nb\n"), "exact", "report_drop")
  eq(status({ truth_select = "^k = ", truth_gsub = { { "^k = ", "" } } }, "7\n", "j = 1\nk = 7\n"),
    "exact", "one line of a sysctl -a")
  eq(status({ range = { 2, 3 } }, "x\nb\nc\nz\n", "y\nb\nc\n"), "exact", "range")
end)

test("prefix, subsequence, set", function()
  eq(status({ kind = "prefix" }, "1\n2\n3\n", "1\n2\n"), "exact", "prefix")
  eq(status({ kind = "prefix" }, "1\n2\n", "1\n2\n3\n"), "differs", "report shorter")
  eq(status({ kind = "prefix" }, "1\nX\n3\n", "1\n2\n"), "differs", "prefix differs")
  eq(status({ kind = "subsequence" }, "a\nx\nb\ny\nc\n", "a\nb\nc\n"), "exact", "subsequence")
  eq(status({ kind = "subsequence" }, "a\nc\nb\n", "a\nb\nc\n"), "differs", "order matters")
  eq(status({ kind = "set" }, "b\na\n", "a\nb\n"), "exact", "set")
  eq(status({ kind = "set" }, "b\na\nc\n", "a\nb\n"), "differs", "extra line in a set")
  eq(status({ kind = "set", subset = true }, "b\na\nc\n", "a\nb\n"), "exact", "subset")
  eq(status({ kind = "set" }, "a\n", "a\na\n"), "differs", "multiset")
end)

test("lines: numbers within the tolerance of the line's key", function()
  local rule = { kind = "lines", static = { "spanned", "Node" },
    tolerance = { ["*"] = { abs = 10 }, pages_free = { abs = 100 } } }
  local truth = "Node 0, zone DMA\n  pages free 1000\n  spanned 4095\n  nr_x 5\n"
  eq(status(rule, "Node 0, zone DMA\n  pages free 1090\n  spanned 4095\n  nr_x 14\n", truth), "within", "in tolerance")
  eq(status(rule, "Node 0, zone DMA\n  pages free 1101\n  spanned 4095\n  nr_x 5\n", truth), "differs", "pages_free")
  eq(status(rule, "Node 0, zone DMA\n  pages free 1000\n  spanned 4096\n  nr_x 5\n", truth), "differs", "static key")
  eq(status(rule, "Node 1, zone DMA\n  pages free 1000\n  spanned 4095\n  nr_x 5\n", truth), "differs", "Node static")
  eq(status(rule, "Node 0, zone DMA\n  pages free 1000\n  spanned 4095\n  nr_y 5\n", truth), "differs", "label text")
  eq(status(rule, "Node 0, zone DMA\n  pages free 1000\n  spanned 4095\n", truth), "differs", "line count")
  -- right-aligned columns widen when a number grows
  eq(status({ kind = "lines", key = 1, tolerance = { ["*"] = { monotonic = true } } },
    " 25:        153          0   PCI-MSI 65537-edge\n", " 25:          0          0   PCI-MSI 65537-edge\n"),
    "within", "wider number")
  -- key = N: the N-th word names the line; static_lines must be equal
  local disk = { kind = "lines", key = 3, static_lines = "^%s*7 ", tolerance = { vda = { monotonic = true } } }
  eq(status(disk, "   7 0 loop0 0 0\n 254 0 vda 304 9\n", "   7 0 loop0 0 0\n 254 0 vda 1 0\n"), "within", "vda grew")
  eq(status(disk, "   7 0 loop0 1 0\n 254 0 vda 304 9\n", "   7 0 loop0 0 0\n 254 0 vda 1 0\n"), "differs", "loop static")
  eq(status(disk, "   7 0 loop0 0 0\n 254 0 vda 0 0\n", "   7 0 loop0 0 0\n 254 0 vda 1 0\n"), "differs", "vda shrank")
  -- groups: lines that come and go, only counted
  local g = { kind = "lines", groups = { stacks = "kernel_clone" }, tolerance = { stacks = { abs = 1 } } }
  eq(status(g, "a\nx kernel_clone 1\nb\n", "a\nb\ny kernel_clone 2\nz kernel_clone 3\n"), "within", "group count")
  eq(status(g, "a\nb\n", "a\nb\ny kernel_clone 2\nz kernel_clone 3\n"), "differs", "group count too far")
  -- fields: only these numbers of the line may move; ignore/any
  local f = { kind = "lines", tolerance = { ["*"] = { any = true, fields = { 1 } } } }
  eq(status(f, "15\t4\t1\t7\n", "7\t4\t1\t7\n"), "within", "field 1 any")
  eq(status(f, "7\t5\t1\t7\n", "7\t4\t1\t7\n"), "differs", "field 2 exact")
  -- range_of: more live samples of the same number
  local ctx = { classes = {}, read_truth = function(p)
    if p == "cmd/sysctl-a.txt" then return "fs.file-nr = 256\t0\t9\n" end
  end }
  local fnr = { kind = "lines", tolerance = { ["*"] = { fields = { 1 }, rel = 0.1, range_of = { "cmd/sysctl-a.txt:fs.file-nr" } } } }
  eq(status(fnr, "250\t0\t9\n", "224\t0\t9\n", ctx), "within", "between the samples")
  eq(status(fnr, "300\t0\t9\n", "224\t0\t9\n", ctx), "differs", "beyond the later sample")
end)

test("keyvalue: keys, order, static keys, .end sample, absent and extra keys", function()
  local rule = { kind = "keyvalue", static = { "MemTotal" }, tolerance = { ["*"] = { abs = 10 } } }
  local t = "MemTotal:  100 kB\nMemFree:    50 kB\n"
  eq(status(rule, "MemTotal:  100 kB\nMemFree:    55 kB\n", t), "within", "in tolerance")
  eq(status(rule, "MemTotal:  101 kB\nMemFree:    50 kB\n", t), "differs", "static key")
  eq(status(rule, "MemTotal:  100 kB\nMemFree:    61 kB\n", t), "differs", "outside")
  eq(status(rule, "MemTotal:  100 kB\nMemFree:    90 kB\n", t, nil, "MemTotal: 100 kB\nMemFree: 85 kB\n"),
    "within", "near the .end sample")
  eq(status(rule, "MemFree:    50 kB\nMemTotal:  100 kB\n", t), "differs", "order")
  eq(status({ kind = "keyvalue", order = false }, "b 2\na 1\n", "a 1\nb 2\n"), "exact", "order = false")
  eq(status(rule, "MemTotal:  100 kB\n", t), "differs", "missing key")
  eq(status(rule, "MemTotal:  100 kB\nMemFree:    50 kB\nNew: 1\n", t), "differs", "extra key")
  eq(status({ kind = "keyvalue", extra = true }, "a 1\nb 2\n", "a 1\n"), "exact", "extra = true")
  eq(status({ kind = "keyvalue", absent = { "*.retrans_time" } }, "a.x = 1\n", "a.x = 1\nn.retrans_time = 5\n"),
    "exact", "absent glob")
  eq(status(rule, "MemTotal:   100 kB\nMemFree:    50 kB\n", t), "differs", "same value, other spacing")
  eq(status({ kind = "keyvalue", tolerance = { ["*"] = { any = true, when = "crash" } } }, "State: R\n", "State: S\n",
    { classes = { crash = true } }), "within", "when: the class holds")
  eq(status({ kind = "keyvalue", tolerance = { ["*"] = { any = true, when = "crash" } } }, "State: R\n", "State: S\n",
    { classes = {} }), "differs", "when: the class does not hold")
end)

test("keyvalue parsers: snmp (name and value lines), pairs (sockstat)", function()
  local snmp = { kind = "keyvalue", parse = "snmp", static = { "Ip.Forwarding" },
    tolerance = { ["*"] = { monotonic = true, abs = 64, rel = 0.15 } } }
  local t = "Ip: Forwarding OutRequests\nIp: 2 386\nUdp: InDatagrams\nUdp: 7\n"
  eq(status(snmp, "Ip: Forwarding OutRequests\nIp: 2 412\nUdp: InDatagrams\nUdp: 7\n", t), "within", "grew")
  eq(status(snmp, "Ip: Forwarding OutRequests\nIp: 1 386\nUdp: InDatagrams\nUdp: 7\n", t), "differs", "static")
  eq(status(snmp, "Ip: Forwarding OutRequests\nIp: 2 385\nUdp: InDatagrams\nUdp: 7\n", t), "differs", "went down")
  eq(status(snmp, "Ip: Forwarding OutReqs\nIp: 2 386\nUdp: InDatagrams\nUdp: 7\n", t), "differs", "names")
  local pairs_ = { kind = "keyvalue", parse = "pairs", tolerance = { ["*"] = { abs = 2 }, mem = { abs = 16 } } }
  local s = "sockets: used 9\nTCP: inuse 1 orphan 0 mem 0\n"
  eq(status(pairs_, "sockets: used 9\nTCP: inuse 1 orphan 0 mem 15\n", s), "within", "mem by its short key")
  eq(status(pairs_, "sockets: used 9\nTCP: inuse 4 orphan 0 mem 0\n", s), "differs", "inuse by *")
end)

test("columns: header words, busybox forms, rows of the truth, row sums", function()
  local df = { kind = "columns", key = "Mounted on", header_words = { "Mounted on" }, header_exact = false,
    rows = "truth", columns = { "Filesystem", "Inodes", "IUsed" }, map = { IUsed = "Used" } }
  local truth = "Filesystem  Inodes  Used Available Use% Mounted on\ntmpfs 60130 103 60027 0% /tmp\n"
  local rep = "Filesystem Inodes IUsed IFree IUse% Mounted on\nrootfs 9 9 9 9% /\ntmpfs 60130 103 60027 1% /tmp\n"
  eq(status(df, rep, truth), "exact", "extra rows, other header, mapped column")
  eq(status(df, rep:gsub("103", "104"), truth), "differs", "a compared cell")
  eq(status(df, rep:gsub("60027", "1"), truth), "exact", "a column not compared")
  eq(status(df, "Filesystem Inodes IUsed IFree IUse% Mounted on\n", truth), "differs", "a truth row missing")
  -- busybox ps: kB with m suffix, args, state
  local ps = { kind = "columns", key = "PID", header_exact = false, rows = "truth",
    columns = { "VSZ", "STAT", "COMMAND" }, map = { COMMAND = "COMMAND_2" },
    match = { VSZ = "busybox_kb", STAT = "state", COMMAND = "busybox_args" } }
  local bb = "PID PPID STAT VSZ COMMAND COMMAND\n"
    .. "    2     0 SW       0 kthreadd [kthreadd]\n"
    .. "  147     1 S      33m fxthreads {fxthreads} fxthreads 4\n"
  local procps = "USER PID STAT VSZ COMMAND\nroot 2 S 0 [kthreadd]\nroot 147 Sl 33848 fxthreads 4\n"
  eq(status(ps, procps, bb), "exact", "ps aux against busybox ps")
  eq(status(ps, procps:gsub("33848", "35848"), bb), "differs", "VSZ in MiB")
  eq(status(ps, procps:gsub("fxthreads 4", "fxthreads 5"), bb), "differs", "args")
  -- label rows and weighted sums (buddyinfo)
  local buddy = { kind = "columns", header = 0, key = "label", columns = {},
    row_sum = { name = "free_pages", weight = "pow2" }, tolerance = { free_pages = { abs = 4 } } }
  local bt = "Node 0, zone DMA 1 1 1\n"     -- 1 + 2 + 4 = 7 pages
  eq(status(buddy, "Node 0, zone DMA 3 0 1\n", bt), "exact", "same pages")   -- 3 + 0 + 4
  eq(status(buddy, "Node 0, zone DMA 5 1 1\n", bt), "within", "4 pages more")
  eq(status(buddy, "Node 0, zone DMA 20 0 0\n", bt), "differs", "too many")
  eq(status(buddy, "Node 0, zone DMA 1 1 1 0\n", bt), "differs", "another number of orders")
  eq(status(buddy, "Node 0, zone DMA32 1 1 1\n", bt), "differs", "another label")
  -- named columns with per-row tolerance (slabinfo)
  local slab = { kind = "columns", header = 1, names = { "name", "active", "num", "size" }, key = "name",
    static = { "size" }, tolerance = { ["*"] = { abs = 2 }, dentry = { abs = 100 } } }
  local st = "# header\ndentry 10 10 192\nfilp 5 5 256\n"
  eq(status(slab, "# header\ndentry 90 90 192\nfilp 6 7 256\n", st), "within", "per row")
  eq(status(slab, "# header\ndentry 90 90 192\nfilp 6 8 256\n", st), "differs", "filp beyond *")
  eq(status(slab, "# header\ndentry 10 10 200\nfilp 5 5 256\n", st), "differs", "static column")
  eq(status(slab, "# header\nfilp 5 5 256\ndentry 10 10 192\n", st), "differs", "row order")
  -- positional columns of a one-line file (loadavg)
  local la = { kind = "columns", header = 0, split = "[^%s/]+", names = { "l1", "l5", "l15", "run", "thr", "last" },
    tolerance = { l1 = { abs = 0.1 }, last = { min = "end", abs = 50 } } }
  eq(status(la, "0.15 0.03 0.01 1/104 706\n", "0.00 0.03 0.01 1/104 240\n", nil,
    "0.15 0.03 0.01 1/104 697\n"), "within", "loadavg")
  eq(status(la, "0.15 0.03 0.01 1/105 706\n", "0.00 0.03 0.01 1/104 240\n", nil,
    "0.15 0.03 0.01 1/104 697\n"), "differs", "threads: no tolerance here")
end)

test("extract: lists, subsets, records of tasks gone", function()
  local keys = { kind = "extract", pattern = "^%s*%.([%w_]+)%s*:" }
  eq(status(keys, " .a : 1\n .b : 2\n", " .a : 7\n .b : 9\n"), "exact", "same keys")
  eq(status(keys, " .b : 1\n .a : 2\n", " .a : 7\n .b : 9\n"), "differs", "key order")
  local alive = { [1] = true, [5] = true }
  local ctx = { classes = {}, alive = function(p) return alive[p] == true end }
  local tree = { kind = "extract", compare = "subset", all = true, report_pattern = "%((%d+)%)",
    truth_pattern = "^%s*(%d+)%s", alive = 1 }
  local r = run(tree, "init(1)-+-sh(5)\n", "    1 x\n    5 y\n  666 ps\n", ctx)
  eq(r.status, "exact", "pids of the tree; the gone one skipped")
  ok(r.notes[1]:find("1 truth records"), "note on the skipped record")
  eq(status(tree, "init(1)\n", "    1 x\n    5 y\n", ctx), "differs", "a live pid missing from the tree")
end)

-- }======

-- {====== matchers and transforms ======

test("matchers: busybox ps forms", function()
  local c = matchers.cells
  eq(c.busybox_args("/bin/sh /init", "{init} /bin/sh /init", {}), true, "{comm} args")
  eq(c.busybox_args("[kthreadd]", "[kthreadd]", {}), true, "kthread")
  eq(c.busybox_args("[quota_events_unbound]", "[quota_events_un]", {}), true, "kthread name cut at 15")
  eq(c.busybox_args("[sleep] <defunct>", "[sleep]", {}), true, "zombie")
  local good, how = c.busybox_args("[kworker/1:0-events_power_efficient]", "[kworker/1:0-mm_]", {})
  eq(good, true, "kworker")
  eq(how, "within", "kworker's work item drifts")
  eq(c.busybox_args("[kworker/1:2-events]", "[kworker/1:0-eve]", {}), false, "another kworker")
  eq(c.busybox_args("sleep 5", "sleep 6", {}), false, "args differ")
  eq(c.busybox_kb("33848", "33m", {}), true, "MiB")
  eq(c.busybox_kb("2260", "2260", {}), true, "kB")
  eq(c.busybox_kb("35848", "33m", {}), false, "other MiB")
  eq(c.state("I<", "IW<", {}), true, "busybox W flag")
  eq(c.state("SN", "SN", {}), true, "nice flag")
  eq(c.state("S", "SN", {}), false, "N missing")
  eq(c.state("R", "S", { classes = {} }), false, "state")
  eq(c.state("R", "S", { classes = { running = true } }), true, "a running task")
  eq(c.user("1000", "fxuser", { row_pid = 9, uid_of = function() return 1000 end }), true, "uid for a name")
  eq(c.user("1001", "fxuser", { row_pid = 9, uid_of = function() return 1000 end }), false, "wrong uid")
  eq(c.procps_nice("-", "0", { row_pid = 16, stat_field = function() return "1" end }), true, "RT: '-'")
  eq(c.procps_nice("-", "0", { row_pid = 16, stat_field = function() return "0" end }), false, "not RT")
  -- a comm with a blank spills into busybox's args column
  eq(c.busybox_args("[NFSv4 callback]", "callback   [NFSv4 callback]", {}), true, "comm with a blank")
  eq(c.busybox_args("[NFSv4 callback]", "other   [NFSv4 callback]", {}), false, "not the comm's tail")
  -- procps RSS (VmRSS) against busybox's (stat's rss): the live VmRSS decides
  local rss = { column = "RSS", row_pid = 1, vmrss_of = function() return 1804 end }
  eq(c.busybox_kb("1804", "1664", rss), true, "RSS = the live VmRSS")
  eq(c.busybox_kb("1805", "1664", rss), false, "RSS neither")
  eq(c.busybox_kb("1804", "1664", { column = "VSZ", row_pid = 1, vmrss_of = rss.vmrss_of }), false,
    "only the RSS column")
end)

test("transforms: ip -o, route -n, igmp groups, stat fields, sizes, IPv6 text", function()
  local t = matchers.transforms
  local addr = "1: lo: <LOOPBACK,UP> mtu 65536\n    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
    .. "    inet 127.0.0.1/8 scope host lo\n       valid_lft forever preferred_lft forever\n"
  eq(t.ip_oneline(addr), "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever\n",
    "ip -o addr")
  local route = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
    .. "dummy0\t006433C6\t010200C0\t0003\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
  eq(t.route_n(route), "198.51.100.0 192.0.2.1 255.255.255.0 UG 0 0 0 dummy0\n", "route -n")
  local ctx = { read_truth = function() return "1    lo              ff020000000000000000000000000001     1 0000000C 0\n" end }
  eq(t.igmp_groups("Idx\tDevice    : Count Querier\tGroup    Users Timer\tReporter\n1\tlo        :     1      V3\n"
    .. "\t\t\t\t010000E0     1 0:00000000\t\t0\n", ctx), "lo 1 224.0.0.1\nlo 1 ff02::1\n", "netstat -g")
  eq(t.stat_fields("7 (a (b) c) S 1 2\n"), "1 7\n2 (a (b) c)\n3 S\n4 1\n5 2\n", "comm with blanks and parentheses")
  eq(t.hex_size("8000000\n"), "128M\n", "block size")
  eq(matchers.ip6_text("00000000000000000000000000000001"), "::1", "::1")
  eq(matchers.ip6_text("20010db8001000000000000000000010"), "2001:db8:10::10", "middle zeros")
  eq(matchers.ip6_text("fe8000000000000000fd00fffe000010"), "fe80::fd:ff:fe00:10", "link local")
  eq(matchers.ip6_text("ff010000000000000000000000000001"), "ff01::1", "multicast")
  eq(t.squeeze("  a   b  \n"), "a b\n", "squeeze")
  local sd = "Sched Debug Version: v0.11\nsysctl_sched\n\ncpu#0, 1.000 MHz\n  .nr_running : 1\n\n"
    .. "cfs_rq[0]:/autogroup-2\n  .load : 1\n\ncfs_rq[0]:/\n  .load : 2\n\nrt_rq[0]:\n  .rt_nr_running : 0\n"
  eq(t.sched_header(sd), "Sched Debug Version: v0.11\nsysctl_sched\n\n", "sched header: before cpu#")
  eq(t.sched_root_sections(sd), "Sched Debug Version: v0.11\nsysctl_sched\n\ncpu#0, 1.000 MHz\n"
    .. "  .nr_running : 1\n\ncfs_rq[0]:/\n  .load : 2\n\nrt_rq[0]:\n  .rt_nr_running : 0\n",
    "sched: task groups' runqueue sections left out")
end)

-- }======

-- {====== rule files and the schema ======

local function mktemp_dir()
  local p = io.popen("mktemp -d \"${TMPDIR:-/tmp}/kdlua-fid-unit.XXXXXX\"")
  local d = p:read("l")
  p:close()
  return d
end
local TMP = mktemp_dir()

local function write(path, text)
  os.execute("mkdir -p " .. fidelity.shq(path:match("^(.*)/[^/]*$")))
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

test("the rule files load under the one schema", function()
  local rules = fidelity.load_rules()
  local files = table.concat(rules.files, ",")
  for _, f in ipairs({ "filesys", "kernel", "kernel_identity", "memory", "networking", "process", "unemitted" }) do
    ok(files:find(f, 1, true), "rule file " .. f)
  end
  local n = 0
  for path, e in pairs(rules.by_path) do
    n = n + 1
    ok(e.rule.class and e.rule.note, path)
  end
  ok(n > 150, n .. " rules")
  -- the most specific template wins
  eq(fidelity.find_rule(rules, "proc/12/task/12/stat").path, "proc/{pid}/task/{tid}/stat", "thread stat")
  eq(fidelity.find_rule(rules, "proc/12/stat").path, "proc/{pid}/stat", "process stat")
  eq(fidelity.find_rule(rules, "sys/block/vda/queue/nr_requests").path, "sys/block/*/queue/*", "queue")
  eq(fidelity.find_rule(rules, "proc/version").path, "proc/version", "exact path")
  eq(fidelity.find_rule(rules, "proc/nothing"), nil, "no rule")
  -- what other tests read from the area files
  ok(require("fidelity.rules.networking")["proc/net/dev"].tolerance["*"].monotonic, "GROW")
  ok(require("fidelity.rules.memory")["proc/vmallocinfo"].tolerance.kernel_stacks.abs, "kernel_stacks")
end)

test("templates: placeholders and wildcards", function()
  local pat, names = fidelity.compile("proc/{pid}/task/{tid}/stat")
  eq(table.concat(names, ","), "pid,tid", "names")
  eq(select(2, ("proc/3/task/4/stat"):match(pat)), "4", "capture")
  eq(fidelity.fill("pid/{pid}/task/{tid}/stat", { pid = "3", tid = "4" }), "pid/3/task/4/stat", "fill")
  local p2, n2 = fidelity.compile("sys/class/net/**")
  eq(n2[1], "*1", "wildcard name")
  eq(("sys/class/net/lo/statistics/rx_bytes"):match(p2), "lo/statistics/rx_bytes", "** crosses /")
  eq(("sys/block/loop0/queue/x"):match((fidelity.compile("sys/block/*/*"))), nil, "* does not")
end)

test("a rule with an unknown field, class or kind is refused, naming the file", function()
  local dir = TMP .. "/badrules"
  write(dir .. "/zz_bad1.lua", 'return { ["proc/x"] = { class = "static", note = "n", tolerence = {} } }\n')
  raises(function() fidelity.load_rules(dir) end, "zz_bad1.lua: proc/x: unknown field tolerence")
  os.remove(dir .. "/zz_bad1.lua")
  write(dir .. "/zz_bad2.lua", 'return { ["proc/x"] = { class = "fixed", note = "n" } }\n')
  raises(function() fidelity.load_rules(dir) end, "class must be")
  os.remove(dir .. "/zz_bad2.lua")
  write(dir .. "/zz_bad3.lua", 'return { ["proc/x"] = { class = "static", note = "n", kind = "fuzzy" } }\n')
  raises(function() fidelity.load_rules(dir) end, "unknown kind fuzzy")
  os.remove(dir .. "/zz_bad3.lua")
  write(dir .. "/zz_bad4.lua", 'return { ["proc/x"] = { class = "static" } }\n')
  raises(function() fidelity.load_rules(dir) end, "no note")
  os.remove(dir .. "/zz_bad4.lua")
  write(dir .. "/zz_bad5.lua", 'return { ["proc/x"] = { class = "drifting", note = "n", tolerance = { a = { abss = 1 } } } }\n')
  raises(function() fidelity.load_rules(dir) end, "tolerance a: unknown field abss")
end)

-- }======

-- {====== a whole run on made-up folders ======

test("run: rows, pid templates, capture helpers, stubs, missing files, summary", function()
  local rdir, tdir, rules_dir = TMP .. "/report", TMP .. "/truth", TMP .. "/rules"
  write(rules_dir .. "/zz_unit.lua", [[
return {
  ["proc/version"] = { truth = "proc/version", class = "static", note = "n" },
  ["proc/cmdline"] = { truth = "proc/cmdline", class = "static", note = "n" },
  ["proc/meminfo"] = { truth = "proc/meminfo", truth_end = "proc/meminfo.end", class = "drifting",
    kind = "keyvalue", tolerance = { ["*"] = { abs = 10 } }, note = "n" },
  ["proc/{pid}/status"] = { truth = "pid/{pid}/status", class = "drifting", kind = "keyvalue",
    tolerance = { State = { any = true, when = "running" } }, note = "n" },
  ["proc/{pid}/wchan"] = { truth = "pid/{pid}/wchan", class = "static", skip = { "crash" }, note = "n" },
  ["proc/{pid}/cmdline"] = { truth = "pid/{pid}/cmdline", class = "static", stub_ok = "page", note = "n" },
  ["sos_commands/kernel/dmesg"] = { truth = "cmd/dmesg.txt", class = "static", kind = "prefix", note = "n" },
  ["sos_commands/kernel/sysctl_-a"] = { truth = "cmd/sysctl-a.txt", class = "stub", kind = "keyvalue",
    absent = { "kernel.random.uuid" }, note = "n" },
  ["proc/stub_me"] = { truth = "proc/stub_me", class = "static", note = "n" },
  ["proc/{pid}/maps"] = { truth = "pid/{pid}/maps", class = "none", note = "not emitted" },
  ["proc/no_truth"] = { class = "static", note = "n" },
}
]])
  local function status_file(pid, ppid, state)
    return "Name:\tx\nState:\t" .. state .. "\nPid:\t" .. pid .. "\nPPid:\t" .. ppid .. "\n"
  end
  write(tdir .. "/crash_pid", "50\n")
  write(tdir .. "/proc/version", "Linux 1\n")
  write(tdir .. "/proc/cmdline", "ro\n")
  write(tdir .. "/proc/meminfo", "MemTotal: 100 kB\nMemFree: 50 kB\n")
  write(tdir .. "/proc/meminfo.end", "MemTotal: 100 kB\nMemFree: 70 kB\n")
  write(tdir .. "/proc/stub_me", "x\n")
  write(tdir .. "/proc/unruled", "u\n")
  write(tdir .. "/cmd/dmesg.txt", "[0] a\n[1] b\n")
  write(tdir .. "/cmd/sysctl-a.txt", "kernel.random.uuid = 1\nvm.x = 3\n")
  for pid, ppid in pairs({ [1] = 0, [50] = 1, [60] = 50, [61] = 60, [70] = 1 }) do
    write(tdir .. "/pid/" .. pid .. "/status", status_file(pid, ppid, "S (sleeping)"))
    write(tdir .. "/pid/" .. pid .. "/stat", pid .. " (x) S " .. ppid .. " 0 0 0 0 0\n")
    write(tdir .. "/pid/" .. pid .. "/wchan", "do_wait")
    write(tdir .. "/pid/" .. pid .. "/maps", "")
    write(tdir .. "/pid/" .. pid .. "/cmdline", "x\0")
  end
  -- the report: pids 1 and 50 alive; 60/61 helpers (gone, under crash_pid);
  -- 70 gone but not a helper
  write(rdir .. "/version.txt", "kdlua\n")
  write(rdir .. "/sos_logs/sos.log", "log\n")
  write(rdir .. "/proc/version", "Linux 1\n")
  write(rdir .. "/proc/meminfo", "MemTotal: 100 kB\nMemFree: 75 kB\n")
  write(rdir .. "/proc/stub_me", "# kdlua: not in the dump\n")
  write(rdir .. "/proc/no_truth", "z\n")
  write(rdir .. "/proc/unruled_report", "w\n")
  write(rdir .. "/sos_commands/kernel/dmesg", "[0] a\n[1] b\n[2] c\n")
  write(rdir .. "/sos_commands/kernel/sysctl_-a", "# kdlua: left out: uuid\nvm.x = 3\n")
  write(rdir .. "/proc/1/status", status_file(1, 0, "S (sleeping)"))
  write(rdir .. "/proc/50/status", status_file(50, 1, "R (running)"))
  write(rdir .. "/proc/1/wchan", "do_wait")
  write(rdir .. "/proc/50/wchan", "0")
  write(rdir .. "/proc/1/cmdline", "x\0")
  write(rdir .. "/proc/50/cmdline", "# kdlua: page not in the dump\n")
  local res = fidelity.run(rdir, tdir, { rules = fidelity.load_rules(rules_dir) })
  local rows = {}
  for _, r in ipairs(res.rows) do rows[r.path] = r end
  local function st(p) return rows[p] and rows[p].status end
  eq(st("proc/version"), "exact", "proc/version")
  eq(st("proc/meminfo"), "within tolerance", "meminfo near its .end sample")
  eq(st("sos_commands/kernel/dmesg"), "exact", "dmesg prefix")
  eq(st("proc/1/status"), "exact", "pid 1")
  eq(st("proc/50/status"), "within tolerance", "the crashing task's state")
  eq(st("proc/50/wchan"), "skipped", "wchan of the crashing task")
  eq(st("proc/1/wchan"), "exact", "wchan of pid 1")
  eq(st("proc/50/cmdline"), "stub", "stub_ok")
  eq(rows["proc/50/cmdline"].failing, nil, "an accepted stub does not fail")
  eq(st("proc/60/status"), "skipped", "helper 60")
  eq(st("proc/61/status"), "skipped", "helper 61 (grandchild)")
  ok(rows["proc/61/status"].detail:find("capture helper"), "helper note")
  eq(st("proc/70/status"), "missing", "pid 70 gone, not a helper")
  eq(rows["proc/70/status"].failing, true, "a missing drifting file fails")
  eq(st("proc/cmdline"), "missing", "proc/cmdline")
  eq(rows["proc/cmdline"].failing, true, "a missing static file fails")
  eq(st("proc/stub_me"), "stub", "unexpected stub")
  eq(rows["proc/stub_me"].failing, true, "an unexpected stub fails")
  eq(rows["proc/stub_me"].reason, "not in the dump", "stub reason")
  eq(st("sos_commands/kernel/sysctl_-a"), "stub", "expected stub")
  eq(rows["sos_commands/kernel/sysctl_-a"].partial, "exact", "its partial content")
  eq(st("proc/no_truth"), "no truth", "no truth")
  eq(st("proc/unruled_report"), "no truth", "no rule")
  eq(st("proc/unruled"), "missing", "a live file nothing speaks of")
  eq(rows["proc/unruled"].failing, nil, "informational")
  eq(rows["proc/{pid}/maps"].count, 5, "not emitted: one row for the template")
  eq(rows["sos_logs/sos.log"], nil, "sos_logs are not compared")
  eq(res.failing, true, "the run fails")
  local s = res.summary
  -- static: version, dmesg, 1/wchan, 1/cmdline exact; cmdline, 70/wchan,
  -- 70/cmdline missing; stub_me an unexpected stub
  eq(s.static_exact, 4, "static exact")
  eq(s.static, 8, "static files")
  eq(s.missing_required, 4, "required missing: cmdline, 70/status, 70/wchan, 70/cmdline")
  eq(s.stub, 3, "stubs")
  eq(s.skipped, 7, "skipped: the helpers' 6 files and the crashing task's wchan")
  eq(s.failing, 5, "failing rows")
  ok(fidelity.summary_line(s):find("^static exact 4/8"), fidelity.summary_line(s))
  -- --only
  local only = fidelity.run(rdir, tdir, { rules = fidelity.load_rules(rules_dir), only = { "proc/1/*" } })
  for _, r in ipairs(only.rows) do ok(r.path:find("^proc/1/"), "only: " .. r.path) end
  eq(only.failing, false, "only: nothing of pid 1 fails")
  -- the text table and JSON
  local text = fidelity.format_text(res, {})
  ok(text:find("\nmissing +!static +proc/cmdline"), "failing rows are marked")
  ok(text:find("\nFAIL: "), "FAIL line")
  local js = fidelity.to_json(res)
  ok(js:find('"pass": false', 1, true), "json pass")
end)

-- }======

os.execute("rm -rf " .. fidelity.shq(TMP))

test("ran_after: a task switched in after the capture may differ; one that slept on may not", function()
  local rdir, tdir, rules_dir = TMP .. "/ra_report", TMP .. "/ra_truth", TMP .. "/ra_rules"
  write(rules_dir .. "/zz_unit.lua", [[
return {
  ["proc/{pid}/stack"] = { truth = "pid/{pid}/stack", class = "static", skip = { "crash" },
    skip_if_differs = { "ran_after" }, note = "n" },
}
]])
  local function status_file(pid, vol, nonvol)
    return "Name:\tx\nState:\tS (sleeping)\nPid:\t" .. pid .. "\nPPid:\t1\n"
      .. "voluntary_ctxt_switches:\t" .. vol .. "\nnonvoluntary_ctxt_switches:\t" .. nonvol .. "\n"
  end
  write(tdir .. "/crash_pid", "9\n")
  -- 2 ran after the capture and sleeps elsewhere; 3 slept on but its
  -- stack differs (a real failure); 4 ran after and its stack is the same
  for pid, truth_sw in pairs({ [2] = { 10, 5 }, [3] = { 10, 5 }, [4] = { 7, 1 } }) do
    write(tdir .. "/pid/" .. pid .. "/status", status_file(pid, truth_sw[1], truth_sw[2]))
    write(tdir .. "/pid/" .. pid .. "/stat", pid .. " (x) S 1 0 0 0 0 0\n")
    write(tdir .. "/pid/" .. pid .. "/stack", "[<0>] do_wait+0x1/0x2\n")
  end
  write(rdir .. "/version.txt", "kdlua\n")
  write(rdir .. "/proc/2/status", status_file(2, 12, 5))
  write(rdir .. "/proc/3/status", status_file(3, 10, 5))
  write(rdir .. "/proc/4/status", status_file(4, 7, 2))
  for pid in pairs({ [2] = 1, [3] = 1, [4] = 1 }) do
    write(rdir .. "/proc/" .. pid .. "/stat", pid .. " (x) S 1 0 0 0 0 0\n")
  end
  write(rdir .. "/proc/2/stack", "[<0>] pipe_read+0x1/0x2\n")
  write(rdir .. "/proc/3/stack", "[<0>] pipe_read+0x1/0x2\n")
  write(rdir .. "/proc/4/stack", "[<0>] do_wait+0x1/0x2\n")
  local res = fidelity.run(rdir, tdir, { rules = fidelity.load_rules(rules_dir) })
  local rows = {}
  for _, r in ipairs(res.rows) do rows[r.path] = r end
  eq(rows["proc/2/stack"].status, "skipped", "ran after the capture, stack moved")
  ok(rows["proc/2/stack"].detail:find("ran after the capture"), "says why")
  eq(rows["proc/3/stack"].status, "differs", "slept on: a difference is a failure")
  eq(rows["proc/3/stack"].failing, true, "and fails the run")
  eq(rows["proc/4/stack"].status, "exact", "ran after, same stack: still compared")
end)
