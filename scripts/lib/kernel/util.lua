-- kernel/util.lua: small helpers the kernel libraries share.

local M = {}

-- The global `name` as an object, or nil when the kernel (or its debug
-- info) has no such symbol: for code that adapts to what a kernel has.
function M.symbol_or_nil(name)
  local ok, o = pcall(kd.symbol, name)
  if ok then return o end
  return nil
end

-- An integer from what a member read gave: a Lua integer as is, an object
-- through value_() (pointers, enums read as objects) or its `counter`
-- (atomic_t, atomic_long_t); nil when o is nil or none of these applies.
function M.int_or_nil(o)
  if o == nil then return nil end
  if type(o) == "number" then return o end
  local ok, v = pcall(function() return o:value_() end)
  if ok then return v end
  ok, v = pcall(function() return o.counter end)
  if ok then return v end
  return nil
end

return M
