-- proc/kallsyms (scripts/lib/kernel/kallsyms.lua over host/core/kallsyms.c)
-- against the fixture's truth/proc/kallsyms.xz (`cat /proc/kallsyms` as
-- root on the live system, INDEX.md): the whole text byte for byte, then
-- each module's part from kd.kallsyms_module_text on its own -- its lines
-- in symtab order, the letter upper-cased exactly for the symbols the
-- module exports with that value (kernel/module/kallsyms.c, s_show).
local kallsyms = require("kernel.kallsyms")

local function truth_text()
  local path = vmcore_dir .. "/truth/proc/kallsyms.xz"
  local f = io.open(path, "rb")
  if not f then return nil end
  f:close()
  local p = io.popen("xz -dc '" .. path .. "'")
  local s = p:read("a")
  p:close()
  return s
end

local want = truth_text()
ok(want and #want > 1000, "truth/proc/kallsyms.xz present and decompressed")

local function first_diff(a, b)
  local i = 1
  while i <= #a and a:byte(i) == b:byte(i) do i = i + 1 end
  local ls = a:sub(1, i):match(".*\n()") or 1
  return string.format("byte %d: got %q, want %q", i, a:sub(ls, ls + 80), b:sub(ls, ls + 80))
end

test("the whole file equals the live one", function()
  local got, note = kallsyms.text()
  eq(note, nil, "nothing left out")
  if got ~= want then error("proc/kallsyms differs at " .. first_diff(got, want)) end
end)

test("each module's part on its own, exports upper-cased", function()
  -- the truth's lines per module, in order
  local by_mod, order = {}, {}
  for line, mname in want:gmatch("([^\n]*\t%[([^%]]+)%])\n") do
    if not by_mod[mname] then by_mod[mname] = {}; order[#order + 1] = mname end
    local t = by_mod[mname]
    t[#t + 1] = line .. "\n"
  end
  ok(#order > 0, "the truth lists module symbols")
  local upper, lower, seen, exports = 0, 0, 0, 0
  for m in kd.list(kd.symbol("modules"), "struct module", "list") do
    local name = m.name:string_()
    local text, count = kd.kallsyms_module_text(m, name, 16)
    local lines = by_mod[name]
    ok(lines, "module " .. name .. " in the truth")
    eq(count, #lines, name .. ": symbol count")
    local exp = table.concat(lines)
    if text ~= exp then error(name .. " differs at " .. first_diff(text, exp)) end
    for line in text:gmatch("[^\n]+") do
      if line:match("^%x+ (.) "):match("%u") then upper = upper + 1 else lower = lower + 1 end
    end
    seen = seen + 1
    exports = exports + m.num_syms
  end
  eq(seen, #order, "every module of the truth")
  -- (the 6.1 fixture's modules export nothing: no upper-case letter there)
  ok(lower > 0, "module-local symbols lower-cased")
  ok((upper > 0) == (exports > 0), string.format("%d exported symbol(s) upper-cased, %d exports", upper, exports))
end)

test("an unreadable module is an error value, not a short text", function()
  raises(function() kd.kallsyms_module_text(0, "none") end, ".")
  raises(function() kd.kallsyms_module_text(0x10, "none") end, ".")
end)
