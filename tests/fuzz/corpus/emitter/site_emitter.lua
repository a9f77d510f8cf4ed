-- site_emitter.lua -- an emitter to copy.  Drop a file like this one into a
-- directory and run
--
--   kdlua report --vmcore vmcore --emitters-dir DIR
--
-- (or list DIR in $KDLUA_EMITTERS).  No rebuild: the file is loaded as Lua
-- text when the report starts.  docs/emitters.md has the whole contract.
--
-- The file runs once, at discovery, in its own environment: locals and
-- globals defined here stay here.  Only register at the top level; read the
-- dump inside run().

-- Optional: metadata of our own plugin.  `default = false` would keep it off
-- unless `kdlua report -e site` asks for it.
plugin{ name = "site", description = "our site's own checks" }

-- One file at a fixed path.  run() returns the content as a string, with
-- the trailing newline a live file would have.
emit{
  path = "site/kernel_identity",
  plugin = "site",
  description = "release and hostname, one per line",
  run = function()
    local u = kd.uts()
    return u.release .. "\n" .. u.nodename .. "\n"
  end,
}

-- A "command": the file becomes sos_commands/site/count_tasks (sos mangling:
-- spaces -> "_", "/" -> ".").  A root symlink `tasks` points at it.
emit{
  command = "count tasks",
  plugin = "site",
  symlink = "tasks",
  run = function()
    local n = 0
    for _ in kd.tasks() do n = n + 1 end
    return string.format("%d\n", n)
  end,
}

-- One file per process: {pid} is replaced, run gets the pid and the
-- `struct task_struct *` of the thread-group leader.  Members read like C
-- (`task.comm`, `task.signal.nr_threads`); `:string_()` turns a char array
-- into a Lua string.
emit{
  path = "site/proc/{pid}/threads",
  plugin = "site",
  each = "pids",
  run = function(pid, task)
    return string.format("%s %d\n", task.comm:string_(), task.signal.nr_threads)
  end,
}

-- Data a dump cannot give: return nil and a reason.  The file is still
-- written, as the single line "# kdlua: <reason>", so the paths of a kdlua
-- report and of a live sos report stay the same.
emit{
  path = "site/uptime_of_the_ups",
  plugin = "site",
  run = function()
    return nil, "the UPS is not in a kernel dump"
  end,
}

-- Part of it: stub(reason, text) writes the header line, then the text.
emit{
  path = "site/first_module",
  plugin = "site",
  run = function()
    local mods = kd.modules()
    if #mods == 0 then return stub("no modules loaded", "") end
    return mods[1].name .. "\n"
  end,
}

-- Errors are fine: an emitter that raises gets a file saying
-- "# kdlua: emitter failed: ...", a traceback in sos_logs/sos.log and a
-- mark in the manifest and coverage.json; the rest of the report carries on.
-- Each run has a time budget (--emitter-timeout, default 10 s) and a memory
-- budget (--emitter-memory, default 256 MiB).
