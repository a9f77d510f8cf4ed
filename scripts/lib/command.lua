-- command.lua: what every `kdlua <command>` script (scripts/commands/)
-- needs before its own options: its arguments and the one way it refuses
-- bad usage (one line on stderr naming the command, exit status 2).
local M = {}

-- the command's arguments: those the chunk was called with, else the
-- global `arg` (a script run as `kdlua run FILE ARGS...`)
function M.args(...)
  local args = { ... }
  if #args == 0 and type(arg) == "table" then
    for i = 1, #arg do args[i] = arg[i] end
  end
  return args
end

-- usage_error("bt") is a function(msg) that writes "kdlua bt: msg" and
-- exits with status 2
function M.usage_error(name)
  return function(msg)
    io.stderr:write("kdlua " .. name .. ": " .. msg .. "\n")
    os.exit(2)
  end
end

return M
