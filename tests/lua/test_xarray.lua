-- kernel/xarray.lua on xarrays laid out by hand: xarray.lua is loaded
-- afresh with a `kd` whose memory is the Lua table below.  What is
-- expected is xa_for_each()'s visit order and its choice of entries
-- (lib/xarray.c, include/linux/xarray.h of linux-source-6.1 and -6.12,
-- the same there): NULL slots and internal entries other than nodes
-- (siblings xa_mk_sibling(n) = n << 2 | 2, retry 256 << 2 | 2) are
-- skipped, a node is its address | 2 above 4096, value entries
-- (xa_mk_value(v) = v << 1 | 1) are entries, and each slot of a node
-- covers 1 << node->shift indices.

local NODE_SLOTS_OFF, NODE_SHIFT_OFF = 40, 0          -- any layout will do
local nslots = 64
local mem = {}                                        -- node address -> {shift, slots}
local fake_kd = {
  type = function() return { member = function() return { type = { length = nslots } } end } end,
  member_offset = function(_, m) return m == "slots" and NODE_SLOTS_OFF or NODE_SHIFT_OFF end,
  read_u8 = function(a) return assert(mem[a - NODE_SHIFT_OFF], "no node").shift end,
  read = function(a, n)
    local node = assert(mem[a - NODE_SLOTS_OFF], "no node")
    local parts = {}
    for i = 0, n // 8 - 1 do parts[#parts + 1] = string.pack("<i8", node.slots[i] or 0) end
    return table.concat(parts)
  end,
}
local function load()
  local env = setmetatable({ kd = fake_kd }, { __index = _G })
  return assert(loadfile(SOURCE_DIR .. "/scripts/lib/kernel/xarray.lua", "t", env))()
end
local function xarray_with(head)
  return { member_ = function(_, m)
    assert(m == "xa_head")
    return { value_ = function() return head end }
  end }
end
local function node(addr, shift, slots)
  mem[addr] = { shift = shift, slots = slots }
  return addr | 2
end
local function visit(xa)
  local got = {}
  load().each(xa, function(i, e) got[#got + 1] = string.format("%d=%x", i, e) end)
  return table.concat(got, " ")
end

test("empty xarray: no entries (once a crash: xa_head read as nil)", function()
  eq(visit(xarray_with(0)), "", "entries")
end)

test("a single entry lives in xa_head at index 0", function()
  eq(visit(xarray_with(0xffff888001234000)), "0=ffff888001234000", "entries")
end)

test("an internal entry in xa_head (retry) is no entry", function()
  eq(visit(xarray_with(256 << 2 | 2)), "", "entries")
end)

test("two levels: index = slot << shift, siblings skipped, values kept, index order", function()
  mem = {}
  local leaf = node(0xffff888000200000, 0, {
    [0] = 0xffff888000300000, [3] = (0 << 2) | 2 --[[ sibling of slot 0 ]],
    [5] = 0xffff888000300040, [7] = (5 << 1) | 1 --[[ xa_mk_value(5) ]] })
  local leaf2 = node(0xffff888000200400, 0, { [63] = 0xffff888000300080 })
  local root = node(0xffff888000100000, 6, { [1] = leaf, [2] = leaf2 })
  eq(visit(xarray_with(root)),
     "64=ffff888000300000 69=ffff888000300040 71=b 191=ffff888000300080", "entries")
  local list = load().entries(xarray_with(root))
  eq(#list, 4, "entries()")
  eq(list[3][1], 71, "entries() index")
end)

test("CONFIG_BASE_SMALL: 16 slots a node, taken from xa_node.slots' length", function()
  mem, nslots = {}, 16
  local leaf = node(0xffff888000200000, 0, { [15] = 0xffff888000300000 })
  local root = node(0xffff888000100000, 4, { [2] = leaf })
  eq(visit(xarray_with(root)), "47=ffff888000300000", "entries")
  nslots = 64
end)

test("a node that points at itself (damaged memory) ends with an error, not a hang", function()
  mem = {}
  local addr = 0xffff888000100000
  node(addr, 6, { [0] = addr | 2 })
  local ok, err = pcall(visit, xarray_with(addr | 2))
  eq(ok, false, "fails")
  eq(tostring(err):match("too deep") ~= nil, true, "names the damage: " .. tostring(err))
end)
