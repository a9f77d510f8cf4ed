-- Memory emitters (scripts/emitters/memory_*.lua over kernel/mm.lua and
-- kernel/slab.lua) against what the live system showed seconds before the
-- crash ($KDLUA_TEST_VMCORE_DIR/truth).  Tolerances come from
-- scripts/lib/fidelity/rules/memory.lua, where each one is explained.
-- Runs under tests/lua/runner.lua (test/eq/ok/truth).

local mm = require("kernel.mm")
local slab = require("kernel.slab")
local RULES = require("fidelity.rules.memory")

assert(truth("crash_pid"), "no truth files: set KDLUA_TEST_VMCORE_DIR to the fixture folder")

-- {====== load the emitters with a mock emit/stub (runner.lua) ======
local FILES = { "memory_meminfo", "memory_vmstat", "memory_zones", "memory_slab", "memory_swap",
                "memory_vmalloc", "memory_free", "memory_lsmem" }
local specs, count, run, times = load_emitters(FILES)
local STUB = STUB
-- }======

-- {====== helpers ======
local lines = lines       -- runner.lua

-- "Key: value" / "key value" files: ordered keys and values
local function keyvalues(s)
  local keys, vals = {}, {}
  for _, l in ipairs(lines(s)) do
    local k, v = l:match("^([^%s:]+):?%s+(%d+)")
    if k then keys[#keys + 1] = k; vals[k] = tonumber(v) end
  end
  return keys, vals
end

local function tol_of(rule, key)
  local t = rule.tolerance and (rule.tolerance[key] or rule.tolerance["*"])
  return t
end

-- is v within [min(a,b) - tol, max(a,b) + tol]?
local function within(v, a, b, t, what)
  b = b or a
  local lo, hi = math.min(a, b), math.max(a, b)
  local slack = 0
  if t and t.abs then slack = t.abs end
  if t and t.rel then slack = math.max(slack, math.floor(t.rel * hi)) end
  if v < lo - slack or v > hi + slack then
    error(string.format("%s: %d outside [%d, %d] +- %d", what, v, lo, hi, slack), 2)
  end
end

local function set_of(list) local s = {} for _, v in ipairs(list) do s[v] = true end return s end
-- }======

test("every memory path is registered, with the sos plugin", function()
  for path in pairs(RULES) do ok(specs[path], "emitter for " .. path) end
  eq(specs["sos_commands/memory/free"].symlink, "free", "free's root symlink")
  eq(specs["proc/zoneinfo"].plugin, "kernel", "zoneinfo: sos copies it in its kernel plugin")
  eq(specs["proc/meminfo"].plugin, "memory", "meminfo plugin")
end)

test("proc/meminfo: same keys in the same order, static values exact, counters in tolerance", function()
  local rule = RULES["proc/meminfo"]
  local tk, tv = keyvalues(truth("proc/meminfo"))
  local _, te = keyvalues(truth("proc/meminfo.end"))
  local out = run("proc/meminfo")
  local gk, gv = keyvalues(out)
  eq(table.concat(gk, ","), table.concat(tk, ","), "meminfo keys")
  -- the layout, byte for byte, once the numbers are blanked
  eq(out:gsub(" +%d+", " N"), truth("proc/meminfo"):gsub(" +%d+", " N"), "meminfo layout")
  local ol, tl = lines(out), lines(truth("proc/meminfo"))
  for i = 1, #tl do eq(#ol[i], #tl[i], "width of meminfo line " .. i) end
  local static = set_of(rule.static)
  for _, k in ipairs(tk) do
    if static[k] then eq(gv[k], tv[k], "meminfo " .. k)
    else within(gv[k], tv[k], te[k], tol_of(rule, k), "meminfo " .. k) end
  end
  -- LRU: what moved between active and inactive stays in the sum
  within(gv["Active(anon)"] + gv["Inactive(anon)"], tv["Active(anon)"] + tv["Inactive(anon)"],
    te["Active(anon)"] + te["Inactive(anon)"], { abs = 1024 }, "anon LRU total")
end)

test("proc/vmstat: names from vmstat_text exact, counters in tolerance", function()
  local rule = RULES["proc/vmstat"]
  local tk, tv = keyvalues(truth("proc/vmstat"))
  local _, te = keyvalues(truth("proc/vmstat.end"))
  local gk, gv = keyvalues(run("proc/vmstat"))
  eq(table.concat(gk, ","), table.concat(tk, ","), "vmstat names")
  local static = set_of(rule.static)
  for _, k in ipairs(tk) do
    if static[k] then eq(gv[k], tv[k], "vmstat " .. k)
    else within(gv[k], tv[k], te[k], tol_of(rule, k), "vmstat " .. k) end
  end
  -- consistency inside the dump: vmstat and meminfo read the same counters
  local _, mv = keyvalues(run("proc/meminfo"))
  eq(gv.nr_free_pages * 4, mv.MemFree, "nr_free_pages vs MemFree")
  eq(gv.nr_shmem * 4, mv.Shmem, "nr_shmem vs Shmem")
end)

-- zoneinfo: split into (label, number) items in file order
local function zone_items(s)
  local items = {}
  local zone = "?"
  for _, l in ipairs(lines(s)) do
    local z = l:match("^Node %d+, zone%s+(%S+)")
    if z then zone = z; items[#items + 1] = { key = "zone", zone = zone, text = l }
    else
      local k, v = l:match("^%s+([%a_]+):?%s+(%d+)$")
      if l:match("^%s+pages free") then k, v = "pages_free", l:match("(%d+)$") end
      if l:match("protection:") then k, v = "protection", l:match("%((.*)%)") end
      if l:match("^%s+cpu:") then k, v = "cpu", l:match("(%d+)$") end
      if l:match("vm stats threshold") then k, v = "vm stats threshold", l:match("(%d+)$") end
      if l:match("pagesets") or l:match("per%-node stats") then k, v = l:match("^%s*(.-)%s*$"), "" end
      ok(k, "zoneinfo line understood: " .. l)
      items[#items + 1] = { key = k, zone = zone, value = v }
    end
  end
  return items
end

test("proc/zoneinfo: same lines in the same order, static fields exact", function()
  local rule = RULES["proc/zoneinfo"]
  local ti = zone_items(truth("proc/zoneinfo"))
  local gi = zone_items(run("proc/zoneinfo"))
  eq(#gi, #ti, "zoneinfo line count")
  local STATIC = set_of({ "spanned", "present", "managed", "cma", "start_pfn", "cpu", "high",
    "batch", "vm stats threshold", "node_unreclaimable", "boost", "min", "low", "high" })
  for i, t in ipairs(ti) do
    local g = gi[i]
    local where = "zoneinfo " .. t.zone .. " " .. t.key
    eq(g.key, t.key, "zoneinfo item " .. i)
    if t.key == "zone" then eq(g.text, t.text, "zone header")
    elseif t.key == "protection" then
      local tp, gp = {}, {}
      for n in t.value:gmatch("%d+") do tp[#tp + 1] = tonumber(n) end
      for n in g.value:gmatch("%d+") do gp[#gp + 1] = tonumber(n) end
      eq(#gp, #tp, where .. " entries")
      for j = 1, #tp do within(gp[j], tp[j], nil, rule.tolerance.protection, where) end
    elseif t.value == "" then eq(g.value, "", where)
    elseif STATIC[t.key] then eq(g.value, t.value, where)
    else within(tonumber(g.value), tonumber(t.value), nil, tol_of(rule, t.key), where) end
  end
end)

test("proc/buddyinfo: labels exact, free pages per zone in tolerance", function()
  local rule = RULES["proc/buddyinfo"]
  local function parse(s)
    local out = {}
    for _, l in ipairs(lines(s)) do
      local label, rest = l:match("^(Node %d+, zone%s+%S+)(.*)$")
      local pages, ord, n = 0, 0, 0
      for c in rest:gmatch("%d+") do pages = pages + (tonumber(c) << ord); ord = ord + 1; n = n + 1 end
      out[#out + 1] = { label = label, pages = pages, orders = n }
    end
    return out
  end
  local t, g = parse(truth("proc/buddyinfo")), parse(run("proc/buddyinfo"))
  eq(#g, #t, "zones")
  for i = 1, #t do
    eq(g[i].label, t[i].label, "label")
    eq(g[i].orders, t[i].orders, "orders")
    within(g[i].pages, t[i].pages, nil, rule.tolerance.free_pages, t[i].label .. " free pages")
  end
  -- the dump's own consistency: the free lists hold nr_free_pages
  local _, vv = keyvalues(run("proc/vmstat"))
  local sum = 0
  for _, z in ipairs(g) do sum = sum + z.pages end
  within(sum, vv.nr_free_pages, nil, { abs = 1024 }, "buddy pages vs nr_free_pages (pcp lists hold the rest)")
end)

test("proc/pagetypeinfo: headers and types exact, blocks per zone exact", function()
  local rule = RULES["proc/pagetypeinfo"]
  local tl, gl = lines(truth("proc/pagetypeinfo")), lines(run("proc/pagetypeinfo"))
  eq(#gl, #tl, "line count")
  for i = 1, #tl do
    local t, g = tl[i], gl[i]
    local tlabel, trest = t:match("^(Node%s+%d+, zone%s+%S+, type%s+%S+)(.*)$")
    local blabel, brest = t:match("^(Node %d+, zone%s+%S+ )(.*)$")
    if tlabel then
      eq(g:sub(1, #tlabel), tlabel, "free-list row label")
    elseif blabel then
      eq(g:sub(1, #blabel), blabel, "block row label")
      local tsum, gsum, tb, gb = 0, 0, {}, {}
      for c in brest:gmatch("%d+") do tsum = tsum + tonumber(c); tb[#tb + 1] = tonumber(c) end
      for c in g:sub(#blabel + 1):gmatch("%d+") do gsum = gsum + tonumber(c); gb[#gb + 1] = tonumber(c) end
      eq(gsum, tsum, blabel .. "pageblocks")
      for j = 1, #tb do within(gb[j], tb[j], nil, rule.tolerance.blocks, blabel .. "type " .. j) end
    else
      eq(g, t, "pagetypeinfo line " .. i)
    end
  end
end)

test("proc/slabinfo: caches, sizes and layout exact, counts in tolerance", function()
  local rule = RULES["proc/slabinfo"]
  local function parse(s)
    local out = {}
    for i, l in ipairs(lines(s)) do
      if i > 2 then
        local f = {}
        for w in l:gmatch("%S+") do f[#f + 1] = w end
        out[#out + 1] = { name = f[1], active = tonumber(f[2]), num = tonumber(f[3]),
          static = table.concat({ f[4], f[5], f[6], f[8], f[9], f[10], f[16] }, " "),
          slabs = tonumber(f[15]), pages = tonumber(f[6]) }
      end
    end
    return out
  end
  local ts, gs = truth("proc/slabinfo"), run("proc/slabinfo")
  local tl, gl = lines(ts), lines(gs)
  eq(gl[1], tl[1], "version line")
  eq(gl[2], tl[2], "header line")
  local t, g = parse(ts), parse(gs)
  eq(#g, #t, "cache count")
  local slab_pages = 0
  for i = 1, #t do
    eq(g[i].name, t[i].name, "cache " .. i)
    eq(g[i].static, t[i].static, t[i].name .. " objsize/objperslab/pagesperslab/tunables")
    within(g[i].num, t[i].num, nil, tol_of(rule, t[i].name), t[i].name .. " num_objs")
    within(g[i].active, t[i].active, nil, tol_of(rule, t[i].name), t[i].name .. " active_objs")
    ok(g[i].active <= g[i].num, t[i].name .. " active <= num")
    slab_pages = slab_pages + g[i].slabs * g[i].pages
    -- the line layout: widths as cache_show prints them
    eq(gl[i + 2]:gsub("%d+", "N"):gsub(" +", " "), tl[i + 2]:gsub("%d+", "N"):gsub(" +", " "), "line shape")
  end
  -- the dump's own consistency: slabs of all caches ~ meminfo Slab, which
  -- also counts kmalloc_large() pages (6.1 accounts them as unreclaimable
  -- slab) and lacks the per-CPU deltas not yet folded
  local _, mv = keyvalues(run("proc/meminfo"))
  within(slab_pages * 4, mv.Slab, nil, { abs = 2048 }, "slab pages vs meminfo Slab (kB)")
end)

test("proc/swaps exact; swapon prints nothing without swap", function()
  eq(run("proc/swaps"), truth("proc/swaps"), "proc/swaps")
  eq(run("sos_commands/memory/swapon_--bytes_--show"), "", "swapon --show")
  eq(run("sos_commands/memory/swapon_--summary_--verbose"), "", "swapon --summary")
end)

test("proc/vmallocinfo: hashed addresses and callers exact except stacks that came and went", function()
  local rule = RULES["proc/vmallocinfo"]
  local function split(s)
    local static, stacks, unpurged = {}, {}, 0
    for _, l in ipairs(lines(s)) do
      if l:find("unpurged vm_area$") then unpurged = unpurged + 1
      elseif l:find(" kernel_clone+", 1, true) then stacks[#stacks + 1] = l
      else static[#static + 1] = l end
    end
    return static, stacks, unpurged
  end
  local ts, tk, tu = split(truth("proc/vmallocinfo"))
  local gs, gk, gu = split(run("proc/vmallocinfo"))
  eq(table.concat(gs, "\n"), table.concat(ts, "\n"), "vmallocinfo static lines")
  within(#gk, #tk, nil, rule.tolerance.kernel_stacks, "kernel stacks")
  -- most stacks belong to tasks alive at both moments: their lines are identical
  local tset = set_of(tk)
  local common = 0
  for _, l in ipairs(gk) do if tset[l] then common = common + 1 end end
  ok(#tk - common <= rule.tolerance.kernel_stacks.abs, "stacks in common: " .. common .. " of " .. #tk)
  within(gu, tu, nil, rule.tolerance.unpurged, "unpurged areas")
end)

test("kd.siphash_1u64: SipHash-2-4 reference vector", function()
  -- the SipHash paper's (and lib/siphash_kunit.c's) 8-byte vector: key
  -- bytes 00..0f, message bytes 00..07 -> 62 24 93 9a 79 f5 f5 93
  eq(kd.siphash_1u64(0x0706050403020100, 0x0706050403020100, 0x0f0e0d0c0b0a0908),
     0x93f5f5799a932462, "siphash_1u64")
end)

test("%p hashing: siphash of the dump's ptr_key", function()
  -- the first area of the live file: irq_init_percpu_irqstack's stack
  local first = lines(truth("proc/vmallocinfo"))[1]
  local head = kd.symbol("vmap_area_list")
  local va = kd.container_of(head.next:value_(), "struct vmap_area", "list")
  eq(first:sub(1, 18), "0x" .. mm.pK(va.va_start), "first address")
  eq(mm.pS(kd.symbol_address("irq_init_percpu_irqstack") + 0xf0), "irq_init_percpu_irqstack+0xf0/0x120",
    "%pS size as kallsyms counts it")
end)

test("free: procps layout; totals exact, the rest within tolerance of busybox free", function()
  local rule = RULES["sos_commands/memory/free"]
  local out = run("sos_commands/memory/free")
  local gl = lines(out)
  eq(gl[1], "               total        used        free      shared  buff/cache   available", "header")
  local function nums(l) local t = {} for n in l:gmatch("%d+") do t[#t + 1] = tonumber(n) end return t end
  local tl = lines(truth("cmd/free.txt"))
  local tm, gm = nums(tl[2]), nums(gl[2])
  eq(gm[1], tm[1], "Mem total")
  within(gm[3], tm[3], nil, rule.tolerance.free, "free")
  within(gm[4], tm[4], nil, rule.tolerance.shared, "shared")
  within(gm[5], tm[5], nil, rule.tolerance["buff/cache"], "buff/cache")
  within(gm[6], tm[6], nil, rule.tolerance.available, "available")
  eq(gm[2], gm[1] - gm[6], "procps 4.0 used = total - available")
  eq(table.concat(nums(gl[3]), " "), table.concat(nums(tl[3]), " "), "Swap line")
  ok(gl[2]:match("^Mem:%s+%d"), "Mem: row")
  eq(#gl[2], #gl[1], "Mem row as wide as the header")
  -- free -m: the same numbers in MiB
  local mb = lines(run("sos_commands/memory/free_-m"))
  local m = nums(mb[2])
  for i = 1, 6 do eq(m[i], gm[i] // 1024, "free -m column " .. i) end
end)

test("slabtop -o: summary and rows agree with slabinfo", function()
  local out = run("sos_commands/memory/slabtop_-o")
  local caches = slab.caches()
  local objs, aobjs, slabs = 0, 0, 0
  for _, c in ipairs(caches) do objs = objs + c.num_objs; aobjs = aobjs + c.active_objs; slabs = slabs + c.num_slabs end
  local l = lines(out)
  ok(l[1]:find(string.format(": %d / %d ", aobjs, objs), 1, true), "objects line: " .. l[1])
  ok(l[2]:find(string.format(": %d / %d ", slabs, slabs), 1, true), "slabs line: " .. l[2])
  ok(l[3]:find(": %d+ / " .. #caches .. " "), "caches line: " .. l[3])
  eq(l[6], "", "blank line after the summary")
  eq(#l, 7 + #caches, "one row per cache")
  eq(#l[7], 78, "heading padded to 78")
  local prev = math.maxinteger
  for i = 8, #l do
    local n = tonumber(l[i]:match("^%s*(%d+)"))
    ok(n <= prev, "sorted by OBJS")
    prev = n
  end
end)

test("lsmem: 128M blocks, the truth's block size, all memory online", function()
  local out = run("sos_commands/memory/lsmem_-a_-o_RANGE_SIZE_STATE_REMOVABLE_ZONES_NODE_BLOCK")
  local bs = tonumber((truth("sys/devices/system/memory/block_size_bytes") or ""):match("%x+"), 16)
  ok(bs, "truth block size")
  eq(mm.human(bs), "128M", "block size as util-linux prints it")
  local l = lines(out)
  eq(l[1], "RANGE                                  SIZE  STATE REMOVABLE ZONES NODE BLOCK", "header")
  eq(l[2], "0x0000000000000000-0x0000000007ffffff  128M online       yes  None    0     0",
    "block 0 spans DMA and DMA32")
  ok(out:find("\nMemory block size:       128M\n", 1, true), "summary block size")
  ok(out:find("\nTotal online memory:     512M\n", 1, true), "512 MiB online")
  ok(out:find("\nTotal offline memory:      0B\n", 1, true), "nothing offline")
end)

test("util-linux human sizes", function()
  eq(mm.human(0), "0B", "0")
  eq(mm.human(1023), "1023B", "bytes")
  eq(mm.human(1536), "1.5K", "1.5K")
  eq(mm.human(128 << 20), "128M", "128M")
  eq(mm.human((3 << 30) + (512 << 20)), "3.5G", "3.5G")
end)

test("timing: every memory emitter under 0.5 s", function()
  local total = 0
  for path in pairs(RULES) do
    run(path)
    ok(times[path] < 0.5, string.format("%s took %.3f s", path, times[path]))
    total = total + times[path]
  end
  print(string.format("     memory emitters: %.3f s in all", total))
end)
