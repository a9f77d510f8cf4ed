-- kernel/xarray.lua: walking an xarray (struct xarray, 4.20+; also the
-- radix_tree_root and the IDR's idr_rt, which are xarrays since then) read
-- from a dump: every present entry with its index, in index order, as
-- xa_for_each() visits them.
-- Users: block devices' partitions (gendisk->part_tbl) and hardware queues
-- (hctx_table), irq descriptors (irq_desc_tree, <= 6.4), memory blocks
-- (memory_blocks), IDRs (netns ids, NFSv4 stateids).
--
-- xa_head is NULL (empty), a single entry (index 0) or an internal node
-- pointer: node address | 2 with the value above 4096 (xa_is_node).  A
-- node holds XA_CHUNK_SIZE slots (the length of xa_node.slots: 64, or 16
-- with CONFIG_BASE_SMALL), each slot covering 1 << node->shift indices.
-- Other internal entries ((entry & 3) == 2: siblings of multi-index
-- entries, retry and zero entries) are not entries of their own and are
-- skipped; value entries (bit 0 set, xa_mk_value) are given as stored.
--
-- Mirrors: lib/xarray.c, include/linux/xarray.h

local M = {}

local MAX_DEPTH = 16      -- 64-bit indices in 6-bit chunks need 11 levels

local layout
local function get_layout()
  if layout then return layout end
  local slots = kd.type("struct xa_node"):member("slots").type
  layout = { slots_off = kd.member_offset("struct xa_node", "slots"),
             shift_off = kd.member_offset("struct xa_node", "shift"),
             nslots = (slots.length and slots.length > 0) and slots.length or 64 }
  return layout
end

local function is_internal(e) return (e & 3) == 2 end
local function is_node(e) return is_internal(e) and math.ult(4096, e) end

-- each(xa, fn): fn(index, entry) for every present entry, in index order
-- (entry: the raw pointer or value, an integer).  `xa` is a struct xarray
-- (or radix_tree_root) object.  A loop in damaged memory ends with an
-- error, never a hang.
function M.each(xa, fn)
  local head = xa:member_("xa_head"):value_()
  if head == 0 then return end                      -- an empty xarray
  if not is_node(head) then
    if not is_internal(head) then fn(0, head) end
    return
  end
  local L = get_layout()
  local function walk(entry, base, depth)
    if depth > MAX_DEPTH then error("xarray too deep (damaged node at 0x" .. string.format("%x", entry - 2) .. ")", 0) end
    local node = entry - 2
    local shift = kd.read_u8(node + L.shift_off)
    local raw = kd.read(node + L.slots_off, L.nslots * 8)
    for i = 0, L.nslots - 1 do
      local e = string.unpack("<i8", raw, i * 8 + 1)
      if e ~= 0 then
        if is_node(e) then walk(e, base + (i << shift), depth + 1)
        elseif not is_internal(e) then fn(base + (i << shift), e) end
      end
    end
  end
  walk(head, 0, 0)
end

-- entries(xa): { {index, entry}, ... } in index order
function M.entries(xa)
  local out = {}
  M.each(xa, function(i, e) out[#out + 1] = { i, e } end)
  return out
end

return M
