-- Networking emitters (scripts/emitters/networking_*.lua over
-- kernel/net*.lua) against what the live system showed seconds before the
-- crash ($KDLUA_TEST_VMCORE_DIR/truth).  Static parts (sockets, addresses,
-- routes, inodes) must be exact; counters use the tolerances of
-- scripts/lib/fidelity/rules/networking.lua, where each is explained.
-- Runs under tests/lua/runner.lua (test/eq/ok/truth).

local RULES = require("fidelity.rules.networking")
local net = require("kernel.net")
local nt = require("kernel.net_tools")

assert(truth("crash_pid"), "no truth files: set KDLUA_TEST_VMCORE_DIR to the fixture folder")

-- {====== load the emitters with a mock emit/stub (runner.lua) ======
local FILES = { "networking_proc", "networking_ip", "networking_netstat", "networking_tc",
                "networking_bridge", "networking_drivers", "networking_netns" }
local t_load = os.clock()
local specs, count, run, times = load_emitters(FILES)
t_load = os.clock() - t_load
local STUB = STUB
-- }======

-- {====== helpers ======
local lines, first_diff = lines, first_diff    -- runner.lua

local function exact(got, want, what)
  if got ~= want then error(what .. " differs at " .. first_diff(got, want), 2) end
end

-- a drifting counter within the rule's tolerance
local function within(got, want, tol, what)
  tol = tol or {}
  if tol.monotonic and got < want then
    error(string.format("%s: %d is below the truth %d (counters only grow)", what, got, want), 2)
  end
  local slack = math.max(tol.abs or 0, math.floor((tol.rel or 0) * math.abs(want)))
  if math.abs(got - want) > slack then
    error(string.format("%s: got %d, truth %d (tolerance %d)", what, got, want, slack), 2)
  end
end

-- compare two texts word by word: non-numeric words exact, numbers within tol
local function columns(got, want, tol, what)
  local g, w = lines(got), lines(want)
  eq(#g, #w, what .. ": line count")
  for i = 1, #w do
    local gw, ww = {}, {}
    for x in g[i]:gmatch("%S+") do gw[#gw + 1] = x end
    for x in w[i]:gmatch("%S+") do ww[#ww + 1] = x end
    eq(#gw, #ww, what .. " line " .. i .. " word count")
    for j = 1, #ww do
      local a, b = math.tointeger(tonumber(gw[j])), math.tointeger(tonumber(ww[j]))
      if a and b and not ww[j]:find("^0%x%x") then
        within(a, b, tol, string.format("%s line %d word %d", what, i, j))
      else
        eq(gw[j], ww[j], string.format("%s line %d word %d", what, i, j))
      end
    end
  end
end

local GROW = RULES["proc/net/dev"].tolerance["*"]
local CMD = "sos_commands/networking/"
-- }======

test("every emitted path has a fidelity rule and the registration is complete", function()
  -- rules may be path patterns (proc/net/bonding/*: one file per bond the
  -- dump has); a pattern rule needs no emitter on a dump without such devices
  local fid = require("fidelity")
  local function rule_of(path)
    if RULES[path] then return RULES[path] end
    for pat, r in pairs(RULES) do
      if pat:find("*", 1, true) and path:find(fid.compile(pat)) then return r end
    end
  end
  for path in pairs(specs) do ok(rule_of(path), "no rule for " .. path) end
  for path, r in pairs(RULES) do
    local driver_file = path:find("*", 1, true) or path:match("^proc/net/vlan/")
                        or path:match("^sos_commands/networking/bridge_")
    ok(specs[path] or driver_file, "rule for a path nothing emits: " .. path)
    ok(r.class == "static" or r.class == "drifting" or r.class == "stub", path .. " class")
    ok(type(r.note) == "string" and #r.note > 0, path .. " note")
  end
  eq(count, 40, "emitters registered (no bridge commands: the dump has no bridge; no bond or VLAN)")
  eq(specs[CMD .. "ip_-d_address"].symlink, "ip_addr", "ip_addr symlink")
  eq(specs[CMD .. "netstat_-W_-neopa"].symlink, "netstat", "netstat symlink")
  eq(specs[CMD .. "route_-n"].symlink, "route", "route symlink")
end)

-- {====== /proc/net ======
for _, f in ipairs({ "tcp", "tcp6", "udp", "udp6", "raw", "unix", "route", "ipv6_route",
                     "if_inet6", "arp" }) do
  test("proc/net/" .. f .. " is exact", function()
    local path = "proc/net/" .. f
    eq(RULES[path].class, "static", "rule class")
    -- the rule's first live file this fixture has (tcp.end before tcp)
    local t = RULES[path].truth
    local want
    for _, rel in ipairs(type(t) == "table" and t or { t }) do want = want or truth(rel) end
    if want and t[1] and truth(t[1]) and #t > 1 then
      -- the .end sample: compared by fidelity's rule (expired TIME-WAITs
      -- dropped, slots and timers masked); see test_kernel_layouts.lua
      return
    end
    exact(run(path), want, path)
  end)
end

test("proc/net/dev: same interfaces, counters only grew, within tolerance", function()
  -- tolerance: rules/networking.lua GROW (syslog's UDP to 192.0.2.1 after the capture)
  columns(run("proc/net/dev"), truth("proc/net/dev"), GROW, "proc/net/dev")
end)

for _, f in ipairs({ "snmp", "netstat" }) do
  test("proc/net/" .. f .. ": headers exact, counters within tolerance", function()
    -- every other line is a header (names): exact; values: GROW
    local g, w = lines(run("proc/net/" .. f)), lines(truth("proc/net/" .. f))
    eq(#g, #w, "line count")
    for i = 1, #w, 2 do eq(g[i], w[i], "header line " .. i) end
    columns(run("proc/net/" .. f), truth("proc/net/" .. f), GROW, "proc/net/" .. f)
  end)
end

for _, f in ipairs({ "sockstat", "sockstat6" }) do
  test("proc/net/" .. f .. " within tolerance (exact on this dump)", function()
    local path = "proc/net/" .. f
    columns(run(path), truth(path), { abs = 2 }, path)
    exact(run(path), truth(path), path) -- nothing moved on this idle guest
  end)
end

test("%pK pointers are the kernel's hashed values (siphash with ptr_key)", function()
  local mode = net.pointer_mode()
  eq(mode.pk, "hash", "kptr_restrict=0 on the live system")
  -- the unix socket lines start with the hashed sock pointer
  local want = {}
  for _, l in ipairs(lines(truth("proc/net/unix"))) do want[#want + 1] = l:match("^(%x+):") end
  local got = {}
  for _, l in ipairs(lines(run("proc/net/unix"))) do got[#got + 1] = l:match("^(%x+):") end
  eq(#got, #want, "unix sockets")
  for i = 1, #want do eq(got[i], want[i], "pointer " .. i) end
end)
-- }======

-- {====== iproute2 ======
test("ip -d address is exact", function()
  exact(run(CMD .. "ip_-d_address"), truth("cmd/ip-d-addr.txt"), "ip -d address")
end)

test("ip -o addr equals the address lines of ip-addr.txt joined", function()
  local want, head = {}, nil
  local tl = lines(truth("cmd/ip-addr.txt"))
  local i = 1
  while i <= #tl do
    local l = tl[i]
    local idx, name = l:match("^(%d+): ([^:@]+)[:@]")
    if idx then head = idx .. ": " .. name
    elseif l:match("^    inet6? ") then
      want[#want + 1] = head .. l .. "\\" .. tl[i + 1] .. "\n"
      i = i + 1
    end
    i = i + 1
  end
  exact(run(CMD .. "ip_-o_addr"), table.concat(want), "ip -o addr")
end)

test("ip -s -d link: ip-d-link.txt lines exact, RX/TX rows within tolerance", function()
  local got = lines(run(CMD .. "ip_-s_-d_link"))
  local dl = lines(truth("cmd/ip-d-link.txt"))
  local sl = lines(truth("cmd/ip-s-link.txt"))
  -- statistics rows in ip-s-link.txt: header + numbers, twice per link
  local stats = {}
  for j, l in ipairs(sl) do if l:match("^    [RT]X:") then stats[#stats + 1] = { l, sl[j + 1] } end end
  local nonstat, rows = {}, {}
  local j = 1
  while j <= #got do
    if got[j]:match("^    [RT]X:") then rows[#rows + 1] = { got[j], got[j + 1] }; j = j + 2
    else nonstat[#nonstat + 1] = got[j]; j = j + 1 end
  end
  eq(table.concat(nonstat, "\n"), table.concat(dl, "\n"), "non-statistics lines")
  eq(#rows, #stats, "statistics blocks")
  for k = 1, #stats do
    eq(rows[k][1], stats[k][1], "statistics header " .. k)
    columns(rows[k][2] .. "\n", stats[k][2] .. "\n", GROW, "statistics row " .. k)
  end
end)

test("ip route show table all: main table exact, local table as fib_trie", function()
  local got = lines(run(CMD .. "ip_route_show_table_all"))
  local main, localt = {}, {}
  for _, l in ipairs(got) do
    if l:find(" table ") then localt[#localt + 1] = l else main[#main + 1] = l end
  end
  exact(table.concat(main, "\n") .. "\n", truth("cmd/ip-route.txt"), "main table")
  -- fib_trie lists the local table's leaves: "/32 host LOCAL" and "/32 link BROADCAST"
  local trie = truth("proc/net/fib_trie")
  local want = {}
  local tbl, last
  for l in trie:gmatch("([^\n]*)\n") do
    local t = l:match("^(%a+):$")
    if t then tbl = t end
    local a = l:match("|%-%- ([%d%.]+)$")
    if a then last = a end
    local plen, scope, typ = l:match("^%s+/(%d+) (%a+) (%u+)")
    if tbl == "Local" and plen and (typ == "LOCAL" or typ == "BROADCAST") then
      local dst = (plen == "32") and last or (last .. "/" .. plen)
      want[#want + 1] = (typ == "LOCAL" and "local " or "broadcast ") .. dst
    end
  end
  table.sort(want)
  local have = {}
  for _, l in ipairs(localt) do have[#have + 1] = l:match("^(%a+ [%d%./]+)") end
  table.sort(have)
  eq(table.concat(have, ","), table.concat(want, ","), "local table routes")
end)

test("ip -6 route show table all: main table exact, every ipv6_route entry once", function()
  local got = lines(run(CMD .. "ip_-6_route_show_table_all"))
  local main = {}
  for _, l in ipairs(got) do if not l:find(" table ") then main[#main + 1] = l end end
  exact(table.concat(main, "\n") .. "\n", truth("cmd/ip-6-route.txt"), "main table")
  local nonnull = 0
  for _, l in ipairs(lines(truth("proc/net/ipv6_route"))) do
    if not l:match("^0+ 00 .* 00200200 ") then nonnull = nonnull + 1 end
  end
  eq(#got, nonnull, "routes (ipv6_route without the null entries)")
end)

test("ip -4 rule is exact; ip -6 rule has the default rules", function()
  exact(run(CMD .. "ip_-4_rule"), truth("cmd/ip-rule.txt"), "ip -4 rule")
  exact(run(CMD .. "ip_-6_rule"), "0:\tfrom all lookup local\n32766:\tfrom all lookup main\n", "ip -6 rule")
end)

test("ip -s -s neigh show equals ip-neigh.txt apart from the ages", function()
  -- the used/confirmed/updated ages and probe counts are read at the crash
  local got = run(CMD .. "ip_-s_-s_neigh_show"):gsub(" used %d+/%d+/%d+probes %d+ ", "")
  exact(got, truth("cmd/ip-neigh.txt"), "ip neigh")
  local noarp = run(CMD .. "ip_neigh_show_nud_noarp")
  for _, l in ipairs(lines(noarp)) do ok(l:match(" NOARP $"), "NOARP line: " .. l) end
end)

test("ip netns: no named namespaces on this dump", function()
  eq(run(CMD .. "ip_netns"), "", "ip netns")
end)

test("ip netns exec NS ...: sos's per-namespace files, from that namespace's struct net", function()
  -- no fixture has a named namespace: the initial one is handed in under a
  -- name, so every command must print what the initial namespace's view
  -- printed (the formatters follow the struct net they are given)
  local ip = require("kernel.net_ip")
  local real = ip.named_netns
  ip.named_netns = function() return { { name = "blue", net = net.init_net() } } end
  local ok_, ns_specs, ns_count = pcall(load_emitters, { "networking_netns" })
  ip.named_netns = real
  assert(ok_, ns_specs)
  eq(ns_count, 8, "commands per namespace")
  local D = CMD .. "namespaces/blue/ip_netns_exec_blue_"
  local pairs_ = { { "ip_-d_address_show", "ip_-d_address" }, { "ip_route_show_table_all", "ip_route_show_table_all" },
                   { "ip_-4_rule_list", "ip_-4_rule" }, { "ip_-6_rule_list", "ip_-6_rule" },
                   { "netstat_-W_-agn", "netstat_-W_-agn" } }
  for _, p in ipairs(pairs_) do
    local spec = ns_specs[D .. p[1]]
    ok(spec, "registered: " .. D .. p[1])
    local got = spec.run()
    ok(type(got) == "string", p[1] .. " gave text")
    exact(got, run(CMD .. p[2]), p[1])
  end
  ok(ns_specs[D .. "ip_-s_-s_neigh_show"] and ns_specs[D .. "netstat_-s"] and ns_specs[D .. "netstat_-W_-neopa"],
     "neigh and netstat commands registered")
  -- a namespace whose nsfs inode did not lead to a struct net: no file, a reason
  ip.named_netns = function() return { { name = "red" } } end
  local _, red = pcall(load_emitters, { "networking_netns" })
  ip.named_netns = real
  local t, why = red[CMD .. "namespaces/red/ip_netns_exec_red_ip_-d_address_show"].run()
  eq(t, nil, "no text without the struct net")
  ok(why:find("red"), "reason names the namespace")
end)

test("ip netns: names with the peer id the initial namespace gave them (peernet2id)", function()
  local ip = require("kernel.net_ip")
  -- an IDR holding one namespace at index 0 keeps the pointer itself in
  -- xa_head (lib/xarray.c: a single entry at index 0 needs no node)
  local peer = 0xffff888012340000
  local head = peer
  local idr_rt = { member_ = function(_, m)
    assert(m == "xa_head")
    return { value_ = function() return head end }
  end }
  local view = { netns_ids = { idr_base = 0, idr_rt = idr_rt } }
  eq(ip.peer_id(view, peer), 0, "id of the namespace in the IDR")
  eq(ip.peer_id(view, peer + 0x1000), nil, "another namespace has none")
  head = 0
  eq(ip.peer_id(view, peer), nil, "empty IDR")
  -- netns_list: the name, " (id: N)" only with an id; the fixture's
  -- init_net assigned none, so a name standing for it prints bare
  local real = ip.named_netns
  ip.named_netns = function() return { { name = "blue", net = net.init_net() }, { name = "red" } } end
  local ok_, txt, note = pcall(ip.ip_netns)
  ip.named_netns = real
  assert(ok_, txt)
  eq(txt, "blue\nred\n", "ip netns text")
  ok(note and note:find("mount order"), "order note")
end)

test("tc -s qdisc show: one root qdisc per device, kinds as ip-addr.txt", function()
  local kinds = {}
  for l in truth("cmd/ip-addr.txt"):gmatch("([^\n]*)\n") do
    local name, q = l:match("^%d+: ([^:@]+).- qdisc (%S+) ")
    if name then kinds[#kinds + 1] = q .. " " .. name end
  end
  local got = {}
  for _, l in ipairs(lines(run(CMD .. "tc_-s_qdisc_show"))) do
    local q, dev = l:match("^qdisc (%S+) %x+: dev (%S+) root")
    if q then got[#got + 1] = q .. " " .. dev end
  end
  eq(table.concat(got, ","), table.concat(kinds, ","), "root qdiscs")
end)
-- }======

-- {====== net-tools ======
local function hex_ip4(h) -- "0100007F" -> 127.0.0.1
  local v = tonumber(h, 16)
  return string.format("%d.%d.%d.%d", v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24)
end
local function hex_ip6(h)
  local b = {}
  for w = 0, 3 do
    local v = tonumber(h:sub(w * 8 + 1, w * 8 + 8), 16)
    for k = 0, 3 do b[#b + 1] = string.char((v >> (8 * k)) & 0xff) end
  end
  local s = table.concat(b)
  if net.ip6_is_v4mapped(s) then return string.format("%d.%d.%d.%d", s:byte(13, 16)) end
  return net.ip6(s)
end
local TCP_ST = { "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT",
                 "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING" }

-- inode -> "pid/argv0" from truth/pid/*/fd and cmdline
local function truth_owners()
  local map = {}
  for _, l in ipairs(lines(truth("cmd/ps.txt"))) do
    local pid = tonumber(l:match("^%s*(%d+)"))
    local fd = pid and truth("pid/" .. pid .. "/fd")
    if fd then
      for ino in fd:gmatch("socket:%[(%d+)%]") do
        ino = tonumber(ino)
        if not map[ino] or map[ino].pid > pid then
          local cmd = (truth("pid/" .. pid .. "/cmdline") or ""):match("^([^%z]*)")
          if cmd:sub(1, 1) == "/" then cmd = cmd:match("([^/]*)$") end
          map[ino] = { pid = pid, name = (pid .. "/" .. cmd):sub(1, 19) }
        end
      end
    end
  end
  return map
end

test("netstat -W -neopa: every socket of proc/net with its owner", function()
  local owners = truth_owners()
  local want = {}
  local function add(proto, file, v6, udp)
    local t = lines(truth("proc/net/" .. file))
    for i = 2, #t do
      local la, lp, ra, rp, st, uid, ino = t[i]:match(
        "^%s*%d+: (%x+):(%x+) (%x+):(%x+) (%x+) %S+ %S+ %S+%s+(%d+)%s+%d+ (%d+)")
      if la then
        local f = v6 and hex_ip6 or hex_ip4
        local function ap(a, p) p = tonumber(p, 16); return f(a) .. ":" .. (p == 0 and "*" or p) end
        local state = tonumber(st, 16)
        local sname = udp and (state == 7 and "" or state == 1 and "ESTABLISHED" or "UNKNOWN") or TCP_ST[state]
        local o = owners[tonumber(ino)]
        want[#want + 1] = table.concat({ proto, ap(la, lp), ap(ra, rp), sname, uid, ino,
                                         o and o.name or "-" }, "|")
      end
    end
  end
  add("tcp", "tcp", false); add("tcp6", "tcp6", true); add("udp", "udp", false, true)
  add("udp6", "udp6", true, true); add("raw", "raw", false)
  local got = {}
  local text = run(CMD .. "netstat_-W_-neopa")
  local unix_part = text:match("Active UNIX domain sockets.-\n.-\n(.*)$")
  for _, l in ipairs(lines(text)) do
    local proto, la, ra, rest = l:match("^(%a+6?)%s+%d+%s+%d+ (%S+)%s+(%S+) (.*)$")
    if proto and proto ~= "Proto" and proto ~= "unix" then
      local sname, uid, ino, prog = rest:match("^%s*(.-)%s* (%d+)%s+(%d+)%s+(%S+)%s+%a+ %(")
      got[#got + 1] = table.concat({ proto, la, ra, sname, uid, ino, prog }, "|")
    end
  end
  eq(table.concat(got, "\n"), table.concat(want, "\n"), "internet sockets")
  -- unix: refcount, type, inode, owner, path from proc/net/unix
  local uw = {}
  local TYPES = { "STREAM", "DGRAM", "RAW", "RDM", "SEQPACKET" }
  local tu = lines(truth("proc/net/unix"))
  for i = 2, #tu do
    local rc, ty, ino, path = tu[i]:match("^%x+: (%x+) %x+ %x+ (%x+) %x+%s+(%d+) ?(.*)$")
    local o = owners[tonumber(ino)]
    uw[#uw + 1] = table.concat({ tonumber(rc, 16), TYPES[tonumber(ty, 16)], ino, o and o.name or "-", path }, "|")
  end
  local ug = {}
  for _, l in ipairs(lines(unix_part)) do
    local rc, ty, ino, prog, path = l:match("^unix%s+(%d+)%s+%[.-%]%s+(%u+)%s+.-(%d+)%s+(%S+)%s+(.-)$")
    ug[#ug + 1] = table.concat({ rc, ty, ino, prog, path }, "|")
  end
  eq(table.concat(ug, "\n"), table.concat(uw, "\n"), "unix sockets")
end)

test("netstat -W -agn: the groups of proc/net/igmp and igmp6", function()
  local want = {}
  local dev
  for _, l in ipairs(lines(truth("proc/net/igmp"))) do
    local d = l:match("^%d+%s+(%S+)%s+:")
    if d then dev = d end
    local g, users = l:match("^%s+(%x+)%s+(%d+)")
    if g then want[#want + 1] = string.format("%-15s %-6d %s", dev, tonumber(users), hex_ip4(g)) end
  end
  for _, l in ipairs(lines(truth("proc/net/igmp6"))) do
    local d, g, users = l:match("^%d+%s+(%S+)%s+(%x+)%s+(%d+)")
    local b = {}
    for k = 1, 32, 2 do b[#b + 1] = string.char(tonumber(g:sub(k, k + 1), 16)) end
    want[#want + 1] = string.format("%-15s %-6d %s", d, tonumber(users), net.ip6(table.concat(b)))
  end
  local got = lines(run(CMD .. "netstat_-W_-agn"))
  eq(got[1], "IPv6/IPv4 Group Memberships", "title")
  eq(table.concat(got, "\n", 4), table.concat(want, "\n"), "groups")
end)

test("netstat -s: as the truth's counters format, numbers within tolerance", function()
  local want = nt.netstat_s(nil, nt.parse_mib_text(truth("proc/net/snmp") .. truth("proc/net/netstat")))
  -- tolerance: GROW (rules/networking.lua), same lines with the numbers masked
  local got = run(CMD .. "netstat_-s")
  local function mask(s) return (s:gsub("%d+", "#")) end
  exact(mask(got), mask(want), "netstat -s layout")
  local gn, wn = {}, {}
  for x in got:gmatch("%d+") do gn[#gn + 1] = tonumber(x) end
  for x in want:gmatch("%d+") do wn[#wn + 1] = tonumber(x) end
  for i = 1, #wn do within(gn[i], wn[i], GROW, "netstat -s number " .. i) end
end)

test("route -n: the routes of proc/net/route", function()
  local want = { "Kernel IP routing table",
                 "Destination     Gateway         Genmask         Flags Metric Ref    Use Iface" }
  local t = lines(truth("proc/net/route"))
  for i = 2, #t do
    local ifc, dst, gw, fl, _, _, met, mask = t[i]:match(
      "^(%S+)\t(%x+)\t(%x+)\t(%x+)\t(%d+)\t(%d+)\t(%d+)\t(%x+)")
    fl = tonumber(fl, 16)
    local f = ((fl & 1) ~= 0 and "U" or "") .. ((fl & 2) ~= 0 and "G" or "") .. ((fl & 4) ~= 0 and "H" or "")
    want[#want + 1] = string.format("%-15s %-15s %-15s %-5s %-6d %-2d %7d %s", hex_ip4(dst), hex_ip4(gw),
      hex_ip4(mask), f, tonumber(met), 0, 0, ifc)
  end
  exact(run(CMD .. "route_-n"), table.concat(want, "\n") .. "\n", "route -n")
end)
-- }======

test("the networking area runs in well under a second", function()
  local total = t_load
  for path in pairs(specs) do
    run(path)
    total = total + times[path]
  end
  ok(total < 2.0, string.format("networking emitters took %.3f s", total))
  print(string.format("     networking emitters: %d files in %.3f s (load %.3f s)", count, total, t_load))
end)
