-- kernel/resource.lua: the resource trees /proc/iomem and /proc/ioports
-- show (iomem_resource, ioport_resource), as a root reader sees them (real
-- addresses: CAP_SYS_ADMIN in the initial user namespace).
--
-- Mirrors: kernel/resource.c (r_show, next_resource)

local M = {}

local MAX_IORES_LEVEL = 8

-- the text of the tree under the root symbol `name`: pre-order walk of
-- child/sibling, "%*s%0*llx-%0*llx : %s" with 2 blanks per level and 4 or
-- 8 hex digits as the root's end is below 0x10000 or not
function M.show(name)
  local ok, root = pcall(kd.symbol, name)
  if not ok then return nil, name .. " is not in the debug info" end
  local root_addr = root:address_()
  local width = math.ult(root["end"], 0x10000) and 4 or 8
  local out = {}
  local r = root.child
  local n = 0
  while r ~= nil do
    n = n + 1
    if n > 1000000 then return nil, name .. ": the resource tree does not end" end
    local depth, p = 0, r
    while depth < MAX_IORES_LEVEL do
      local parent = p.parent
      if parent == nil or parent:value_() == root_addr then break end
      p = parent
      depth = depth + 1
    end
    local rname = r.name
    rname = (rname ~= nil) and rname:string_() or "<BAD>"
    out[#out + 1] = string.format("%s%0" .. width .. "x-%0" .. width .. "x : %s\n",
      string.rep(" ", depth * 2), r.start, r["end"], rname)
    -- next_resource(p, false): the child, else the next sibling of p or
    -- of its nearest ancestor below the root
    if r.child ~= nil then
      r = r.child
    else
      while r.sibling == nil and r.parent ~= nil and r.parent:value_() ~= root_addr do
        r = r.parent
      end
      r = r.sibling
    end
  end
  return table.concat(out)
end

return M
