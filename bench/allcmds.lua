-- bench/allcmds.lua: the report's all-task commands (ps in its forms,
-- pstree, lsof, lslocks and /proc/locks, netstat) run outside the report,
-- in the order of their emitter files, one process: CPU seconds of each,
-- the Lua heap after it, and the process's VmHWM.  TEXT=FILE writes every
-- command's text to FILE, to compare two builds (cmp); ONLY=str runs the
-- commands whose name contains str (any ps form builds the snapshot).
--   kdlua run bench/allcmds.lua EMITTERS_DIR --vmcore ... --vmlinux ...
local dir = assert(arg[1], "usage: allcmds.lua EMITTERS_DIR")
local only, text_file = os.getenv("ONLY"), os.getenv("TEXT")
local FILES = { "process_ps", "process_lsof", "filesys_locks", "networking_netstat" }
local emitters = {}
local env = setmetatable({
  emit = function(e) emitters[#emitters + 1] = e end,
  stub = function(reason, text) return { stub = reason, text = text } end,
  partial = function(text) return text end,
}, { __index = _G })
for _, f in ipairs(FILES) do
  local chunk = assert(loadfile(dir .. "/" .. f .. ".lua", "t", env))
  chunk()
end
local function hwm()
  local f = io.open("/proc/self/status")
  local s = f:read("a") f:close()
  return tonumber(s:match("VmHWM:%s+(%d+)")) // 1024, tonumber(s:match("VmRSS:%s+(%d+)")) // 1024
end
local out = text_file and assert(io.open(text_file, "w"))
collectgarbage("collect")
local h0, r0 = hwm()
-- heap: the Lua heap right after the command (its garbage included);
-- kept: after a full collection (what the emitters keep, e.g. ps's
-- snapshot); HWM, RSS: the process's, MiB
print(string.format("%-40s %7s %9s %9s %7s %7s", "command", "CPU s", "heap MiB", "kept MiB", "HWM", "RSS"))
print(string.format("%-40s %7s %9s %9.1f %7d %7d", "(start)", "", "", collectgarbage("count") / 1024, h0, r0))
local total = 0
for _, e in ipairs(emitters) do
  local name = e.command or e.path
  if not only or name:find(only, 1, true) then
    collectgarbage("collect")
    local t0 = os.clock()
    local ok, s, r = pcall(e.run)
    local dt = os.clock() - t0
    total = total + dt
    local heap = collectgarbage("count") / 1024
    if type(s) == "table" then s = tostring(s.stub) .. "\n" .. tostring(s.text) end
    if out then out:write("== ", name, " ", tostring(ok), "\n", tostring(s), tostring(r), "\n") end
    s = nil
    collectgarbage("collect")
    local h, rr = hwm()
    print(string.format("%-40s %7.3f %9.1f %9.1f %7d %7d", name:sub(1, 40), dt, heap, collectgarbage("count") / 1024, h, rr))
  end
end
if out then out:close() end
print(string.format("%-40s %7.3f", "total", total))
