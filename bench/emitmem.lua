-- bench/emitmem.lua: some of the report's emitters run one after the other
-- in one process, as a worker runs them: CPU seconds of each, the Lua
-- heap after it, and how far it raised the process's peak RSS (VmHWM,
-- reset to the current RSS before each one after a full collection and
-- malloc_trim, so each line is that emitter's own rise).
--   FILES=process_ps,vmcore_programs SEQ='ps auxwww,vmcore/taskinfo' \
--     kdlua run bench/emitmem.lua EMITTERS_DIR --vmcore ... --vmlinux ...
-- FILES: emitter files to load (names without .lua); SEQ: the emitters to
-- run, in order, each by the end of its path or command (comma
-- separated); GC=incremental:PAUSE:STEPMUL or generational:MINOR:MAJOR
-- sets the collector first (as report/workers.lua does in a worker).
local dir = assert(arg[1], "usage: emitmem.lua EMITTERS_DIR")
local emitters = {}
local env = setmetatable({
  emit = function(e) emitters[#emitters + 1] = e end,
  plugin = function() end,
  stub = function(reason, text) return { stub = reason, text = text } end,
  partial = function(text) return text end,
}, { __index = _G })
for f in (os.getenv("FILES") or "process_ps,vmcore_programs"):gmatch("[^,]+") do
  assert(loadfile(dir .. "/" .. f .. ".lua", "t", env))()
end
local function status()
  local f = io.open("/proc/self/status")
  local s = f:read("a") f:close()
  return tonumber(s:match("VmHWM:%s+(%d+)")) / 1024, tonumber(s:match("VmRSS:%s+(%d+)")) / 1024
end
local function reset_peak()
  collectgarbage("collect")
  kd.trim()
  local f = io.open("/proc/self/clear_refs", "w")
  if f then f:write("5") f:close() end
end
local gc = os.getenv("GC")
if gc then
  local kind, a, b = gc:match("^(%a+):(%d+):(%d+)$")
  collectgarbage("collect")
  collectgarbage(kind, tonumber(a), tonumber(b))
end
print(string.format("%-40s %7s %9s %9s %9s", "emitter", "CPU s", "heap MiB", "peak +MiB", "text MB"))
for name in (os.getenv("SEQ") or "ps auxwww,vmcore/taskinfo"):gmatch("[^,]+") do
  for _, e in ipairs(emitters) do
    local p = e.path or e.command
    if p:sub(-#name) == name then
      reset_peak()
      local _, before = status()
      local t0 = os.clock()
      local ok, s = pcall(e.run)
      local dt = os.clock() - t0
      local heap = collectgarbage("count") / 1024
      local peak = status()
      if type(s) == "table" then s = tostring(s.stub) .. "\n" .. tostring(s.text) end
      print(string.format("%-40s %7.3f %9.1f %9.1f %9.2f%s", p:sub(-40), dt, heap, peak - before,
                          #tostring(s) / 1e6, ok and "" or "  (failed)"))
    end
  end
end
