-- bench/formatters.lua: the per-task emitters of the report (each = "pids"
-- or "tids": proc/<pid>/{status,stat,limits,stack,...}) run over every
-- task of the dump outside the report, one emitter at a time: CPU seconds
-- and microseconds per file each.  With TEXT=FILE every file's text goes
-- to FILE, to compare two builds (cmp); with ONLY=str only the emitters
-- whose path contains str run.  With ORDER=report the tasks go in the
-- report's groups instead (scripts/lib/report/init.lua group_keys: 16
-- processes at a time, every emitter over them, a process's threads with
-- it), which is what the page cache and the formatters' memos see there.
--   kdlua run bench/formatters.lua EMITTERS_DIR --vmcore ... --vmlinux ...
local dir = assert(arg[1], "usage: formatters.lua EMITTERS_DIR")
local only, text_file = os.getenv("ONLY"), os.getenv("TEXT")
local FILES = { "process_cgroup", "process_cmdline", "process_comm", "process_environ",
                "process_limits", "process_stack", "process_stat", "process_statm",
                "process_status", "process_wchan", "filesys_mounts" }
local emitters = {}
-- the environment discovery gives emitter files (stub, partial, ...)
local env = require("report.registry").environment()
env.emit = function(e) if e.each == "pids" or e.each == "tids" then emitters[#emitters + 1] = e end end
for _, f in ipairs(FILES) do
  local chunk = loadfile(dir .. "/" .. f .. ".lua", "t", env)
  if chunk then chunk() end
end
local leaders, threads = {}, {}
for t in kd.tasks() do
  threads[#threads + 1] = t
  if t.pid == t.tgid then leaders[#leaders + 1] = t end
end
local out = text_file and assert(io.open(text_file, "w"))
local total = 0
if os.getenv("ORDER") == "report" then
  local CHUNK = 16
  local chunk_of, groups = {}, {}
  for i, t in ipairs(leaders) do
    local c = (i - 1) // CHUNK + 1
    chunk_of[t.tgid] = c
    groups[c] = groups[c] or { pids = {}, tids = {} }
    table.insert(groups[c].pids, t)
  end
  for _, t in ipairs(threads) do
    local g = groups[chunk_of[t.tgid] or 1]
    if g then table.insert(g.tids, t) end
  end
  local spent = {}
  for _, g in ipairs(groups) do
    for _, e in ipairs(emitters) do
      if not only or e.path:find(only, 1, true) then
        local t0 = os.clock()
        for _, t in ipairs(g[e.each]) do
          local ok, s, r = pcall(e.run, t.pid, t, t.tgid)
          if out then out:write("== ", e.path, " ", t.pid, " ", tostring(ok), "\n", tostring(s), tostring(r), "\n") end
        end
        spent[e] = (spent[e] or 0) + os.clock() - t0
      end
    end
  end
  for _, e in ipairs(emitters) do
    if spent[e] then
      local n = e.each == "pids" and #leaders or #threads
      total = total + spent[e]
      print(string.format("%-30s %7.3f s %8.1f us/file", e.path, spent[e], spent[e] * 1e6 / n))
    end
  end
  emitters = {}
end
for _, e in ipairs(emitters) do
  if not only or e.path:find(only, 1, true) then
    local list = e.each == "pids" and leaders or threads
    local t0 = os.clock()
    for _, t in ipairs(list) do
      local ok, s, r = pcall(e.run, t.pid, t, t.tgid)
      if out then out:write("== ", e.path, " ", t.pid, " ", tostring(ok), "\n", tostring(s), tostring(r), "\n") end
    end
    local dt = os.clock() - t0
    total = total + dt
    print(string.format("%-30s %7.3f s %8.1f us/file", e.path, dt, dt * 1e6 / #list))
  end
end
if out then out:close() end
print(string.format("%-30s %7.3f s  (%d processes, %d tasks)", "total", total, #leaders, #threads))
