-- kernel/slab.lua: slab caches as /proc/slabinfo shows them, and procps
-- `slabtop -o` over the same numbers.
--
-- /proc/slabinfo (mm/slab_common.c cache_show, 6.1) walks `slab_caches`
-- (newest first) and prints per cache what get_slabinfo() returns:
--
-- SLUB (mm/slub.c, needs CONFIG_SLUB_DEBUG for the per-node counts):
--   num_objs    = sum over nodes of n->total_objects
--   active_objs = num_objs - the free objects of the slabs on the nodes'
--                 partial lists (count_partial(n, count_free))
--   active_slabs = num_slabs = sum of n->nr_slabs
--   objperslab / pagesperslab from s->oo (objects in the low 16 bits,
--   the page order above)
--   So "active" counts every object of the per-CPU slabs and of the
--   per-CPU partial slabs as in use: SLUB's slabinfo is an upper bound,
--   and so is this one (the dump has the same lists the kernel reads).
-- SLAB (mm/slab.c): per node total_slabs, free_slabs, free_objects and
--   the shared array's avail; num_objs = total_slabs * num; tunables are
--   the cache's limit, batchcount, shared.
-- Slabs are struct slab since 5.17 (list member slab_list); before, they
-- were struct page (slab_list since 5.1, lru before).
--
-- Mirrors: mm/slab_common.c, mm/slub.c, mm/slab.c

local M = {}

local function has_member(t, m)
  local ok, r = pcall(kd.has_member, t, m)
  return ok and r
end

local function counter_of(o) return o.counter end
local function ival(o)
  if math.type(o) == "integer" then return o end
  local ok, v = pcall(counter_of, o)     -- no closure per call
  if ok and math.type(v) == "integer" then return v end
  return o:value_()
end

local function slab_type()
  if kd.has_type("struct slab") and has_member("struct slab", "slab_list") then
    return "struct slab", "slab_list"
  end
  if has_member("struct page", "slab_list") then return "struct page", "slab_list" end
  return "struct page", "lru"
end

-- the slab allocator the kernel was built with: "slub", "slab" or "slob"
function M.allocator()
  if has_member("struct kmem_cache", "cpu_slab") then return "slub" end
  if has_member("struct kmem_cache", "cpu_cache") or has_member("struct kmem_cache", "array") then
    return "slab"
  end
  return "slob"
end

local nr_node_ids   -- false: not readable
local function nodes_of(s)
  local out = {}
  local arr = s.node
  local n = #arr
  if nr_node_ids == nil then
    local ok, nr = pcall(function() return kd.symbol("nr_node_ids"):value_() end)
    nr_node_ids = ok and nr or false
  end
  local nr = nr_node_ids
  if nr and nr < n then n = nr end
  for i = 0, n - 1 do
    local nd = arr[i]
    if nd ~= nil then out[#out + 1] = nd end
  end
  return out
end

local partial_rd = {}
local function partial_reader(stype, smember)
  local key = stype .. "." .. smember
  local r = partial_rd[key]
  if not r then
    r = { kd.member_reader(stype, "objects", "inuse"), kd.member_offset(stype, smember) }
    partial_rd[key] = r
  end
  return r[1], r[2]
end

-- one cache's slabinfo numbers
local function slub_info(s, stype, smember)
  local nr_slabs, nr_objs, nr_free = 0, 0, 0
  for _, n in ipairs(nodes_of(s)) do
    nr_slabs = nr_slabs + ival(n.nr_slabs)
    nr_objs = nr_objs + ival(n.total_objects)
    if n.nr_partial > 0 then
      -- the partial slabs' counts in one call each (bitfields of struct
      -- slab / struct page; a cache can have hundreds of partial slabs)
      local rd, off = partial_reader(stype, smember)
      for node in kd.list(n.partial) do
        local objects, inuse = rd(node - off)
        nr_free = nr_free + (objects - inuse)
      end
    end
  end
  local oo = s.oo.x
  return {
    name = s.name:string_(), active_objs = nr_objs - nr_free, num_objs = nr_objs,
    objsize = s.size, objperslab = oo & 0xffff, pagesperslab = 1 << (oo >> 16),
    limit = 0, batchcount = 0, shared = 0,
    active_slabs = nr_slabs, num_slabs = nr_slabs, shared_avail = 0,
  }
end

local function slab_info(c)
  local total, free_slabs, free_objs, shared_avail = 0, 0, 0, 0
  for _, n in ipairs(nodes_of(c)) do
    total = total + n.total_slabs
    free_slabs = free_slabs + n.free_slabs
    free_objs = free_objs + n.free_objects
    local sh = n.shared
    if sh ~= nil then shared_avail = shared_avail + sh.avail end
  end
  local num_objs = total * c.num
  return {
    name = c.name:string_(), active_objs = num_objs - free_objs, num_objs = num_objs,
    objsize = c.size, objperslab = c.num, pagesperslab = 1 << c.gfporder,
    limit = c.limit, batchcount = c.batchcount, shared = c.shared,
    active_slabs = total - free_slabs, num_slabs = total, shared_avail = shared_avail,
  }
end

-- every cache's numbers, in slab_caches order; nil, reason when the
-- kernel has no /proc/slabinfo.  /proc/slabinfo and slabtop both walk
-- every cache and node: a complete list is kept for the run (read-only).
local caches_memo
-- every cache's numbers in slab_caches order, kept for the run; nil, reason without
-- /proc/slabinfo
function M.caches()
  if caches_memo then return caches_memo end
  local kind = M.allocator()
  if kind == "slob" then return nil, "SLOB keeps no per-cache statistics (no /proc/slabinfo)" end
  if kind == "slub" and not has_member("struct kmem_cache_node", "total_objects") then
    return nil, "SLUB without CONFIG_SLUB_DEBUG has no /proc/slabinfo"
  end
  local stype, smember = slab_type()
  local out = {}
  for s in kd.list(kd.symbol("slab_caches"), "struct kmem_cache", "list") do
    out[#out + 1] = kind == "slub" and slub_info(s, stype, smember) or slab_info(s)
  end
  caches_memo = out
  return out
end

-- text of /proc/slabinfo (mm/slab_common.c slab_show); nil, reason when the kernel has none
function M.slabinfo()
  local caches, why = M.caches()
  if not caches then return nil, why end
  local o = { "slabinfo - version: 2.1\n",
    "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab>"
    .. " : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n" }
  for _, c in ipairs(caches) do
    o[#o + 1] = string.format("%-17s %6d %6d %6d %4d %4d : tunables %4d %4d %4d : slabdata %6d %6d %6d\n",
      c.name, c.active_objs, c.num_objs, c.objsize, c.objperslab, c.pagesperslab,
      c.limit, c.batchcount, c.shared, c.active_slabs, c.num_slabs, c.shared_avail)
  end
  return table.concat(o)
end

-- single-precision arithmetic, as procps computes the use percentage
local function f32(x) return (string.unpack("f", string.pack("f", x))) end

-- procps-ng 4.0 `slabtop -o` (src/slabtop.c, library/slabinfo.c): the
-- summary, then the caches sorted by number of objects, descending (a
-- stable sort: ties keep the /proc/slabinfo order, as glibc's qsort_r
-- merge sort does)
function M.slabtop(caches)
  if not caches then
    local why
    caches, why = M.caches()
    if not caches then return nil, why end
  end
  local page = kd.dump_info().page_size or 4096
  local S = { objs = 0, aobjs = 0, slabs = 0, aslabs = 0, caches = 0, acaches = 0,
              total = 0, active = 0, min = math.maxinteger, max = 0 }
  local rows = {}
  for i, c in ipairs(caches) do
    local r = { i = i, name = c.name, objs = c.num_objs, aobjs = c.active_objs, osize = c.objsize,
      slabs = c.num_slabs, ops = c.objperslab,
      size = c.num_slabs * c.pagesperslab * page }
    if c.objsize < S.min then S.min = c.objsize end
    if c.objsize > S.max then S.max = c.objsize end
    if c.num_objs ~= 0 then
      r.use = math.floor(f32(100 * f32(f32(c.active_objs) / f32(c.num_objs))))
      S.acaches = S.acaches + 1
    else
      r.use = 0
    end
    S.objs = S.objs + c.num_objs
    S.aobjs = S.aobjs + c.active_objs
    S.total = S.total + c.num_objs * c.objsize
    S.active = S.active + c.active_objs * c.objsize
    S.slabs = S.slabs + c.num_slabs
    S.aslabs = S.aslabs + c.active_slabs
    S.caches = S.caches + 1
    rows[#rows + 1] = r
  end
  if S.caches == 0 then S.min = 0 end
  local avg = S.objs > 0 and S.total // S.objs or 0
  table.sort(rows, function(a, b)
    if a.objs ~= b.objs then return a.objs > b.objs end
    return a.i < b.i
  end)
  local function pct(a, b) return b ~= 0 and 100.0 * a / b or 0 / 0 end
  local o = {}
  o[#o + 1] = string.format(" %-35s: %d / %d (%.1f%%)\n", "Active / Total Objects (% used)",
    S.aobjs, S.objs, pct(S.aobjs, S.objs))
  o[#o + 1] = string.format(" %-35s: %d / %d (%.1f%%)\n", "Active / Total Slabs (% used)",
    S.aslabs, S.slabs, pct(S.aslabs, S.slabs))
  o[#o + 1] = string.format(" %-35s: %d / %d (%.1f%%)\n", "Active / Total Caches (% used)",
    S.acaches, S.caches, pct(S.acaches, S.caches))
  o[#o + 1] = string.format(" %-35s: %.2fK / %.2fK (%.1f%%)\n", "Active / Total Size (% used)",
    S.active / 1024.0, S.total / 1024.0, pct(S.active, S.total))
  o[#o + 1] = string.format(" %-35s: %.2fK / %.2fK / %.2fK\n\n", "Minimum / Average / Maximum Object",
    S.min / 1024.0, avg / 1024.0, S.max / 1024.0)
  o[#o + 1] = string.format("%-78s\n", "  OBJS ACTIVE  USE OBJ SIZE  SLABS OBJ/SLAB CACHE SIZE NAME")
  for _, r in ipairs(rows) do
    o[#o + 1] = string.format("%6d %6d %3d%% %7.2fK %6d %8d %9dK %-23s\n",
      r.objs, r.aobjs, r.use, r.osize / 1024.0, r.slabs, r.ops, r.size // 1024, r.name)
  end
  return table.concat(o)
end

return M
