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

-- The kernel's cpulist format ("%*pbl"): sorted CPU numbers as ranges,
-- "0-1,4,6-7"; an empty list gives "".
function M.cpulist(cpus)
  local list = {}
  for _, c in ipairs(cpus) do list[#list + 1] = c end
  table.sort(list)
  local out, i = {}, 1
  while i <= #list do
    local j = i
    while j < #list and list[j + 1] == list[j] + 1 do j = j + 1 end
    out[#out + 1] = (j > i) and (list[i] .. "-" .. list[j]) or tostring(list[i])
    i = j + 1
  end
  return table.concat(out, ",")
end

-- util-linux size_to_human_string(SIZE_SUFFIX_1LETTER), as lsblk, lsmem
-- and swapon print sizes: "512M", "1.5G" (bytes taken as unsigned)
function M.human_size(bytes)
  local exp = 0
  for shft = 10, 60, 10 do
    exp = shft
    if math.ult(bytes, 1 << shft) then break end
  end
  exp = exp - 10
  local letters = "BKMGTPE"
  local c = letters:sub(exp // 10 + 1, exp // 10 + 1)
  local dec = exp > 0 and (bytes >> exp) or bytes
  local frac = exp > 0 and (bytes & ((1 << exp) - 1)) or 0
  if frac ~= 0 then
    frac = (frac * 1000) >> exp
    frac = ((frac + 50) // 100) * 10
    if frac == 100 then dec = dec + 1; frac = 0 end
  end
  if frac ~= 0 then
    local s = string.format("%d.%02d", dec, frac)
    s = s:gsub("0$", "")
    return s .. c
  end
  return string.format("%d%s", dec, c)
end

return M
