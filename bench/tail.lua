-- bench/tail.lua: the report's single-file emitters (no `each`) run outside
-- the report, one process, in the order of their emitter files (sorted)
-- and registration: CPU milliseconds of each.  ONLY=a,b runs the emitters
-- whose path or command contains one of the comma-separated strings;
-- TEXT=FILE writes every emitter's text to FILE, to compare two builds
-- (cmp); PROFILE=N samples the Lua line running every N VM instructions
-- (stderr: the 40 most frequent "source:line (function)", own and with
-- their callers' lines).  Under callgrind, ONLY=x minus ONLY=none (runs nothing) is what
-- emitter x costs a fresh process (its first-use lookups included).
-- MODULES=1 first looks up a type no debug file has, which opens every
-- module's debug file (~18 Minstr on the 6.1 fixture, paid once per
-- process by whichever emitter first asks for a type vmlinux lacks), so
-- that cost is not counted to the emitter measured.
--   kdlua run bench/tail.lua EMITTERS_DIR --vmcore ... --vmlinux ...
local registry = require("report.registry")
local dir = assert(arg[1], "usage: tail.lua EMITTERS_DIR")
local only_env, text_file = os.getenv("ONLY"), os.getenv("TEXT")
local only
if only_env then
  only = {}
  for s in only_env:gmatch("[^,]+") do only[#only + 1] = s end
end
local function wanted(name)
  if not only then return true end
  for _, s in ipairs(only) do
    if name:find(s, 1, true) then return true end
  end
  return false
end
local files = {}
local p = io.popen("ls " .. dir .. "/*.lua")
for f in p:lines() do files[#files + 1] = f end
p:close()
local emitters = {}
for _, f in ipairs(files) do
  local env = registry.environment()
  env.plugin = function() end
  env.emit = function(e)
    if not e.each and e.default ~= false then emitters[#emitters + 1] = e end
  end
  local chunk = assert(loadfile(f, "t", env))
  chunk()
end
if os.getenv("MODULES") then pcall(kd.type, "struct kdlua_bench_no_such_type") end
local out = text_file and assert(io.open(text_file, "w"))
local total = 0
local every = tonumber(os.getenv("PROFILE") or "")
local own, incl = {}, {}
if every then
  debug.sethook(function()
    local seen = {}
    for level = 2, 40 do
      local i = debug.getinfo(level, "Sln")
      if not i then break end
      local k = i.short_src .. ":" .. (i.currentline or 0) .. " (" .. tostring(i.name) .. ")"
      if level == 2 then own[k] = (own[k] or 0) + 1 end
      if not seen[k] then
        seen[k] = true
        incl[k] = (incl[k] or 0) + 1
      end
    end
  end, "", every)
end
for _, e in ipairs(emitters) do
  local name = e.command or e.path
  if wanted(name) then
    local t0 = os.clock()
    local ok, s, r = pcall(e.run)
    local dt = os.clock() - t0
    total = total + dt
    if registry.is_stub(s) then s = "STUB " .. s.reason .. "\n" .. s.text
    elseif registry.is_partial(s) then s = s.text end
    if out then out:write("== ", name, " ", tostring(ok), "\n", tostring(s), tostring(r), "\n") end
    print(string.format("%8.2f ms  %s", dt * 1000, name))
  end
end
debug.sethook()
if every then
  for _, t in ipairs({ { "own", own }, { "with callees", incl } }) do
    local l = {}
    for k, n in pairs(t[2]) do l[#l + 1] = { k, n } end
    table.sort(l, function(a, b) return a[2] > b[2] end)
    io.stderr:write("-- samples, ", t[1], "\n")
    for i = 1, math.min(40, #l) do io.stderr:write(string.format("%7d %s\n", l[i][2], l[i][1])) end
  end
end
if out then out:close() end
print(string.format("%8.2f ms  total", total * 1000))
