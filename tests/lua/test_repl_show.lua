-- What the REPL prints (scripts/lib/repl.lua) and integer objects in
-- arithmetic (bindings/lua_object.c), on the real dump; expected values
-- come from truth/ where the live system said them.  The terminal side
-- (prompt, Tab, one-line errors on screen) is tests/sh/test_repl.sh.

local repl = require("repl")
local show = repl.show

local function lines(s)
  local t = {}
  for l in (s .. "\n"):gmatch("([^\n]*)\n") do t[#t + 1] = l end
  return t
end

test("a table prints its fields, sorted, strings quoted", function()
  local s = show(kd.uts())
  local host = truth("proc/sys/kernel/hostname")
  local rel = truth("proc/sys/kernel/osrelease")
  ok(s:find('\tnodename = "' .. host:gsub("%s+$", "") .. '",', 1, true), "nodename line in " .. s)
  ok(s:find('\trelease = "' .. rel:gsub("%s+$", "") .. '",', 1, true), "release line")
  ok(s:find("domainname", 1, true) < s:find("sysname", 1, true), "keys sorted")
end)

test("a short table prints on one line", function()
  eq(show({ 1, 2, x = "y" }), '{ 1, 2, x = "y" }')
  eq(show({}), "{}")
end)

test("a char array prints as its string", function()
  eq(show(kd.symbol("init_task").comm), '"swapper/0"')
end)

test("a pointer prints (type *)0x... and its symbol", function()
  local s = show(kd.symbol("init_task").sched_class)
  ok(s:match("^%(.*struct sched_class %*%)0x%x+ <idle_sched_class>$"), s)
  local nul = kd.symbol("init_task"):member_("mm")
  ok(show(nul):match("^%(struct mm_struct %*%)NULL$"), show(nul))
end)

test("a struct prints drgn-style: address, members, nested, truncated", function()
  local t = kd.symbol("init_task")
  local s = show(t, { lines = 60 })
  local l = lines(s)
  eq(l[1], string.format("*(struct task_struct *)0x%x = {", t:address_()), "first line")
  ok(#l <= 61, "at most 60 lines and the note, got " .. #l)
  ok(l[#l]:find("^%.%.%. %(more than 60 lines"), "the note says how to see more: " .. l[#l])
  ok(s:find("\n\t%.thread_info = %(struct thread_info%){\n\t\t%.flags = "), "a nested struct, one level down")
  local full = show(t, { lines = 100000, depth = 1 })
  ok(full:find('\n\t%.comm = "swapper/0",'), ".comm as a string")
  ok(full:find("\n\t%.pid = %(pid_t%)0,"), ".pid = (pid_t)0")
  ok(full:find("\n\t%.thread_info = %(struct thread_info%){%.%.%.},"), "depth 1: nested structs elided")
  eq(full:sub(-2), "\n}", "the closing brace")
end)

test("an array of structs: the first elements, then how many more", function()
  local tf = kd.symbol("taint_flags")
  local n = #tf
  local s = show(tf)
  ok(s:find("%[0%] = %(struct taint_flag%){"), "element 0 expanded")
  if n > 8 then ok(s:find("%.%.%. %(" .. (n - 8) .. " more%)"), "the rest counted: " .. s) end
end)

test("kernel addresses in hex too", function()
  local a = kd.symbol_address("init_task")
  eq(show(a), string.format("%d (0x%x)", a, a))
end)

test("one line for an error: code, message", function()
  local _, e = pcall(kd.read, 0, 8)
  local line = repl.error_line(e)
  ok(line:find("^error: fault: "), line)
  ok(not line:find("\n"), "one line")
  eq(repl.error_text("a\nb"), "a", "the first line of a string error")
end)

test("help", function()
  ok(repl.help():find("^kdlua REPL"), "general help")
  ok(repl.help(kd.symbol):find("^kd%.symbol%(name%)"), "help(kd.symbol)")
  ok(repl.help("task_struct"):find("  /%* 0x%x+ %*/  char %[16%] comm;"), "help(\"task_struct\") has the layout")
  ok(repl.help(kd.symbol("init_task")):find("methods: address_%(%)"), "help(obj) lists the methods")
  ok(repl.help(kd):find("kd%.tasks%(%)"), "help(kd) lists the functions")
end)

test("every kd function has its help line (scripts/lib/repl.lua KD_DOCS)", function()
  local missing = {}
  for k, v in pairs(kd) do
    if type(v) == "function" and not repl.KD_DOCS[k] then missing[#missing + 1] = "kd." .. k end
  end
  table.sort(missing)
  eq(table.concat(missing, " "), "", "kd functions without help")
end)

test("integer objects in arithmetic and comparisons", function()
  local j = kd.symbol("jiffies")
  local v = j:value_()
  eq(j + 1, v + 1, "j + 1")
  eq(1 + j, v + 1, "1 + j")
  eq(j - j, 0, "j - j")
  eq(j & 0xff, v & 0xff, "j & 0xff")
  eq(j // 1000, v // 1000, "j // 1000")
  ok(j > 0 and 0 < j and j <= j, "comparisons")
  ok(j == kd.symbol("jiffies"), "two integer objects equal by value")
  raises(function() return kd.symbol("init_task") + 1 end, "arithmetic on a 'struct task_struct' object")
end)

test("completion candidates inside strings", function()
  local syms = repl.complete_string("symbol", "init_tas")
  local seen = {}
  for _, s in ipairs(syms) do seen[s] = true end
  ok(seen.init_task, "init_task among " .. #syms)
  local types = repl.complete_string("type", "struct task_stru")
  local tseen = {}
  for _, s in ipairs(types) do tseen[s] = true end
  ok(tseen["struct task_struct"], "struct task_struct among " .. #types)
  eq(#repl.complete_string("read", "x"), 0, "no names for kd.read")
end)
