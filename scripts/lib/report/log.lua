-- report/log.lua: sos_logs/sos.log and sos_logs/ui.log of a report run.
--
-- sos.log lines are "YYYY-MM-DD HH:MM:SS,mmm LEVEL: [component] message"
-- (Python logging's default asctime), ui.log "... LEVEL: message".  Times
-- are the wall clock of the run, so these two files are the part of an
-- archive that differs between two runs on the same dump.  With -v, sos.log
-- lines are echoed on stderr; -vv adds DEBUG.

local sandbox = require("kdlua.sandbox")
local parallel = require("kdlua.parallel")
local util = require("report.util")

local Log = {}
Log.__index = Log

local M = {}

-- sos.log of a report of 10,000 tasks is ~25,000 lines (2.6 MB): they
-- gather here in batches and wait in an unlinked temporary file, written
-- only by the process that made the log (a forked worker never does)
local BATCH = 512

function M.new(verbose)
  return setmetatable({ lines = {}, ui_lines = {}, verbose = verbose or 0,
                        counts = { ERROR = 0, WARNING = 0 }, pid = parallel.pid() }, Log)
end

function Log:spill()
  if #self.lines == 0 or parallel.pid() ~= self.pid then return end
  if self.file == nil then
    self.file = io.tmpfile()
    if self.file == nil then self.pid = nil return end   -- stays in memory
  end
  self.file:write(table.concat(self.lines, "\n"), "\n")
  self.lines = {}
end

-- util.logtime, its os.date made once a second (a report of 10,000 tasks
-- logs ~25,000 lines in a few seconds)
local last_sec, last_date
local function stamp_of(t)
  local sec = math.floor(t)
  if sec ~= last_sec then
    last_sec, last_date = sec, os.date("%Y-%m-%d %H:%M:%S", sec)
  end
  return string.format("%s,%03d", last_date, math.floor((t - sec) * 1000))
end

function Log:add(level, component, msg)
  msg = tostring(msg)
  local stamp = stamp_of(sandbox.now())
  -- a multi-line message (a traceback) stays one record, as Python logs it
  local line = string.format("%s %s: [%s] %s", stamp, level, component, msg)
  self.lines[#self.lines + 1] = line
  if #self.lines >= BATCH then self:spill() end
  if self.counts[level] then self.counts[level] = self.counts[level] + 1 end
  if self.verbose >= 2 or (self.verbose >= 1 and level ~= "DEBUG") then
    io.stderr:write("kdlua: ", level:lower(), ": [", component, "] ", msg, "\n")
  end
end

function Log:debug(c, m) self:add("DEBUG", c, m) end
function Log:info(c, m) self:add("INFO", c, m) end
function Log:warn(c, m) self:add("WARNING", c, m) end
function Log:error(c, m) self:add("ERROR", c, m) end

-- user-facing progress text (ui.log)
function Log:ui(msg, level)
  level = level or "INFO"
  self.ui_lines[#self.ui_lines + 1] =
    string.format("%s %s: %s", util.logtime(sandbox.now()), level, msg)
end

function Log:sos_text()
  if self.file == nil then return table.concat(self.lines, "\n") .. "\n" end
  local rest = #self.lines > 0 and (table.concat(self.lines, "\n") .. "\n") or ""
  local f = self.file
  local size = f:seek("end")
  f:seek("set", 0)
  local head = size > 0 and f:read(size) or ""
  f:seek("end")
  return head .. rest
end
function Log:ui_text() return table.concat(self.ui_lines, "\n") .. "\n" end

return M
