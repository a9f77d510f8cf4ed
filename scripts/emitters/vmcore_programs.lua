-- The analysis programs of scripts/programs/ (crashinfo, taskinfo, ...),
-- each run in-process through scripts/lib/program.lua with no options:
-- its text, findings summary included, becomes sos_commands/vmcore/<name>.

local program = require("program")
local archive = require("kdlua.archive")

plugin{ name = "vmcore", description = "the crash: panic, crashing CPU and task, dump facts" }

local dir = (KDLUA_SCRIPTS or ".") .. "/programs"
-- programs that read what another emitter file's run leaves in its
-- process: made with that file's single files, in one process
-- (taskinfo: kernel/ps.lua's snapshot of all tasks, which the ps listings
-- build and taskinfo lets go; elsewhere it would be built a second time
-- and the listings' process would carry theirs to its end)
local SHARES = { taskinfo = "process_ps.lua" }
local names = archive.listdir(dir) or {}
for _, file in ipairs(names) do
  local name = file:match("^([%w_][%w_.-]*)%.lua$")
  if name then
    local path = dir .. "/" .. file
    local _, summary = program.first_line(path)
    emit{
      path = "sos_commands/vmcore/" .. name, plugin = "vmcore",
      description = "kdlua " .. name .. (summary and (": " .. summary) or ""),
      shares = SHARES[name],
      run = function()
        local r = program.run_file(path, {})
        if r.status ~= 0 then
          local why = r.message or (r.run and r.run.traceback or "failed"):gsub("\n.*", "")
          return stub("kdlua " .. name .. " failed: " .. why, r.text)
        end
        return r.text
      end,
    }
  end
end
