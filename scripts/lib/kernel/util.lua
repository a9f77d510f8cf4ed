-- kernel/util.lua: small helpers the kernel libraries share.
--
-- Mirrors: no kernel file: helpers shared by the files here

local M = {}

-- The global `name` as an object, or nil when the kernel (or its debug
-- info) has no such symbol: for code that adapts to what a kernel has.
function M.symbol_or_nil(name)
  local ok, o = pcall(kd.symbol, name)
  if ok then return o end
  return nil
end

-- The value of the global `name` (value_(): an integer, a pointer value),
-- booleans as 1/0; nil when there is no such symbol or it cannot be read.
-- Kept per name: a dump does not change.
local symbol_values = {}
-- the value of global name as an integer, booleans as 1/0, nil when absent (memoized)
function M.symbol_value(name)
  local v = symbol_values[name]
  if v == nil then
    v = false
    local o = M.symbol_or_nil(name)
    if o ~= nil then
      local ok, x = pcall(function() return o:value_() end)
      if ok and type(x) == "boolean" then v = x and 1 or 0
      elseif ok and x ~= nil then v = x end
    end
    symbol_values[name] = v
  end
  return v or nil
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

-- {====== bitmaps of 64-bit words (words[1] holds bits 0..63) ======
-- Walked a word at a time: CPU and node masks are sized for the largest
-- configuration (NR_CPUS 8192) while few bits are set, so testing bit by
-- bit spent most of the time on zero words.

-- index (0..63) of the lowest set bit of a non-zero 64-bit word
local function ctz64(w)
  local n = 0
  if w & 0xffffffff == 0 then n = 32; w = w >> 32 end
  if w & 0xffff == 0 then n = n + 16; w = w >> 16 end
  if w & 0xff == 0 then n = n + 8; w = w >> 8 end
  if w & 0xf == 0 then n = n + 4; w = w >> 4 end
  if w & 0x3 == 0 then n = n + 2; w = w >> 2 end
  if w & 0x1 == 0 then n = n + 1 end
  return n
end

-- first bit >= i that is set (want_zero: clear), or nbits when none
-- (find_next_bit / find_next_zero_bit); a missing word reads as 0
local function find_next(words, nbits, i, want_zero)
  while i < nbits do
    local w = words[i // 64 + 1] or 0
    if want_zero then w = ~w end
    w = w >> (i % 64)           -- logical shift: no bits enter from the top
    if w ~= 0 then
      i = i + ctz64(w)
      return i < nbits and i or nbits
    end
    i = (i // 64 + 1) * 64
  end
  return nbits
end

-- "%*pbl" of the first nbits bits: ranges "0-3,5", "" when none is set
function M.bitmap_list(words, nbits)
  local parts = {}
  local i = find_next(words, nbits, 0, false)
  while i < nbits do
    local j = find_next(words, nbits, i + 1, true) - 1   -- last bit of the run
    parts[#parts + 1] = (i == j) and tostring(i) or (i .. "-" .. j)
    i = find_next(words, nbits, j + 1, false)
  end
  return table.concat(parts, ",")
end

-- }======

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

-- Is a subsystem present: one of `symbols` is known (built in, or a module
-- whose symbols were read), or a module named `module` is in the dump's
-- module list (which holds even without the module's debug files)?
-- Returns present, symbols_known.
function M.subsystem_present(module, symbols)
  for _, s in ipairs(symbols) do
    if kd.symbol_address(s) then return true, true end
  end
  local ok, mods = pcall(kd.modules)
  if ok and type(mods) == "table" then
    for _, m in ipairs(mods) do
      if m.name == module then return true, false end
    end
  end
  return false, false
end

-- Whether the kernel's read-only data holds each of the strings asked
-- (a table of strings -> table string -> boolean).  Some /proc lines were
-- added with no structure member or symbol to show it (6.11's "Kthread:"
-- in status): the line's format string itself is the probe -- the kernel
-- prints the line iff its image holds the format.  kd.rodata_has looks in
-- [__start_rodata, __end_rodata) (~8 MB of dump pages, tens of ms; its
-- answer kept per kernel build-id in kdlua's cache, so a later run on the
-- same kernel reads a small file instead); kept here per string too.
local rodata_known = {}
-- strings the libraries will ask about (M.rodata_probe at load time): the
-- first question looks for all of them at once
local rodata_registered = {}
-- registers strings rodata_has will be asked about, so the first scan looks for all of them
function M.rodata_probe(strings)
  for _, s in ipairs(strings) do rodata_registered[#rodata_registered + 1] = s end
end
-- table string -> boolean: whether the kernel's read-only data holds each string asked
function M.rodata_has(strings)
  local want, seen = {}, {}
  for _, list in ipairs({ strings, rodata_registered }) do
    for _, s in ipairs(list) do
      if rodata_known[s] == nil and not seen[s] then want[#want + 1] = s; seen[s] = true end
    end
  end
  if #want > 0 then
    local ok, found = pcall(kd.rodata_has, want)
    for _, s in ipairs(want) do rodata_known[s] = ok and found[s] == true end
  end
  local out = {}
  for _, s in ipairs(strings) do out[s] = rodata_known[s] end
  return out
end

return M
