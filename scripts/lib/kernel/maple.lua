-- kernel/maple.lua: walking a maple tree (struct maple_tree, 6.1+) read
-- from a dump: every entry with the index range it covers, in index order.
-- Users: VMAs (mm->mm_mt, 6.1+), irq descriptors (sparse_irqs, 6.5+).
--
-- ma_root is a single entry (index 0) or an encoded node: node address |
-- type << 3 | 2 (xa_is_node), types 0 dense, 1 leaf_64, 2 range_64,
-- 3 arange_64.  range_64/leaf_64 hold 15 pivots and 16 slots (the last
-- slot doubles as metadata when the node is not full), arange_64 9 pivots
-- and 10 slots.  Slot i covers [previous pivot + 1, pivot[i]]; the last
-- used slot ends at the node's max; a zero pivot past slot 0 ends the
-- node's data (ma_data_end()).
--
-- Mirrors: lib/maple_tree.c, include/linux/maple_tree.h

local M = {}

local layout
local function get_layout()
  if layout then return layout end
  local function arr(tname, member)
    local t = kd.type(tname):member(member).type
    return kd.member_offset(tname, member), t.length
  end
  local rp_off, rp_n = arr("struct maple_range_64", "pivot")
  local rs_off, rs_n = arr("struct maple_range_64", "slot")
  local ap_off, ap_n = arr("struct maple_arange_64", "pivot")
  local as_off, as_n = arr("struct maple_arange_64", "slot")
  local ds_off, ds_n = 0, 0
  if kd.has_member("struct maple_node", "slot") then ds_off, ds_n = arr("struct maple_node", "slot") end
  layout = {
    [0] = { slot = ds_off, nslots = ds_n, pivot = 0, npivots = 0 },          -- dense
    [1] = { slot = rs_off, nslots = rs_n, pivot = rp_off, npivots = rp_n },  -- leaf_64
    [2] = { slot = rs_off, nslots = rs_n, pivot = rp_off, npivots = rp_n },  -- range_64
    [3] = { slot = as_off, nslots = as_n, pivot = ap_off, npivots = ap_n },  -- arange_64
  }
  return layout
end

local ULONG_MAX = -1

local function is_node(e) return (e & 3) == 2 and math.ult(4096, e) end

-- "<i8i8..." for n words, made once per n
local words_fmts = {}
local function words_fmt(n)
  local f = words_fmts[n]
  if not f then f = "<" .. string.rep("i8", n); words_fmts[n] = f end
  return f
end

-- the walk of each and entries: fn(first, last, entry) for every
-- non-empty leaf entry in index order, or (fn nil) each entry appended
-- to out.  A node's pivots and slots are read in one call and unpacked
-- in one call each (VMAs: a few hundred per mm, every mm of the dump for
-- lsof)
local function walk_tree(tree, fn, out)
  local root = tree:member_("ma_root"):value_()
  if root == 0 then return end
  if not is_node(root) then
    if fn then fn(0, 0, root) else out[#out + 1] = root end
    return
  end
  local L = get_layout()
  local unpack, ult = string.unpack, math.ult
  local function walk(enode, min, max, depth)
    if depth > 32 then error("maple tree deeper than 32 levels", 0) end
    local node = enode & ~255
    local ty = (enode >> 3) & 0xf
    local lay = L[ty]
    if not lay or lay.nslots == 0 then error(string.format("maple node %#x of unknown type %d", node, ty), 0) end
    local nslots, npivots = lay.nslots, lay.npivots
    if ty == 0 then                                 -- dense: one index per slot
      local S = { unpack(words_fmt(nslots), kd.read(node + lay.slot, nslots * 8)) }
      for i = 0, nslots - 1 do
        local e = S[i + 1]
        if e ~= 0 then
          if fn then fn(min + i, min + i, e) else out[#out + 1] = e end
        end
      end
      return
    end
    local S, P
    local soff, poff = lay.slot, lay.pivot
    if poff + npivots * 8 == soff then            -- pivots then slots (range_64, arange_64)
      local raw = kd.read(node + poff, (npivots + nslots) * 8)
      P = { unpack(words_fmt(npivots), raw) }
      S = { unpack(words_fmt(nslots), raw, npivots * 8 + 1) }
    else
      P = { unpack(words_fmt(npivots), kd.read(node + poff, npivots * 8)) }
      S = { unpack(words_fmt(nslots), kd.read(node + soff, nslots * 8)) }
    end
    local leaf = ty == 1
    local lo = min
    for i = 0, nslots - 1 do
      local piv = max
      if i < npivots then
        piv = P[i + 1]
        if piv == 0 and i > 0 then break end
      end
      local e = S[i + 1]
      if e ~= 0 then
        if not leaf then walk(e, lo, piv, depth + 1)
        elseif fn then fn(lo, piv, e)
        else out[#out + 1] = e end
      end
      if not ult(piv, max) then break end           -- reached the node's max
      lo = piv + 1
    end
  end
  walk(root, 0, ULONG_MAX, 0)
end

-- fn(first, last, entry) for every non-empty entry of the tree whose
-- struct maple_tree object is `tree`, in index order (entry: the raw
-- pointer value).  Raises on a node that cannot be read.
function M.each(tree, fn) walk_tree(tree, fn) end

-- the non-empty entries of the tree (raw pointer values) in index order,
-- as a list: each's entries without a call per entry.  Raises as each
function M.entries(tree)
  local out = {}
  walk_tree(tree, nil, out)
  return out
end

return M
