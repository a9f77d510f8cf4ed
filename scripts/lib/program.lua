-- program.lua: the frame of kdlua's analysis programs (scripts/programs/,
-- $KDLUA_PROGRAMS, --programs-dir): option parsing with --help and --json,
-- readable text by default, a findings log in PyKdump's spirit (a program
-- records WARNING/ERROR findings as it goes; their summary ends the text and
-- is part of the JSON) and helpers for aligned tables.  docs/programs.md.
--
-- A program file starts with `-- kdlua NAME: one-line summary` and returns
-- program.define{...}:
--
--   local program = require("program")
--   return program.define{
--     name = "taskinfo",
--     usage = "[--tree] [--sort cpu|rss|last]",
--     description = "longer text for --help",
--     options = {
--       { "--tree", help = "processes as a tree" },
--       { "--sort", arg = "KEY", choices = { "cpu", "rss", "last" }, help = "…" },
--       { "--state", arg = "S", multi = true, help = "…" },   -- repeatable
--     },
--     run = function(p, opts, args) … end,   -- p: the run (below)
--   }
--
-- `kdlua NAME ARGS --vmcore F` runs it through program.main (host/cli/main.c);
-- the report's emitter calls program.run_file(path, {}) and takes .text.
--
-- The run object p:
--   p:line(fmt, ...)  p:print(s)       a line of text (format when args given)
--   p:section(title)                   a blank line and a heading
--   p:table(cols, rows [, opts])       aligned columns (see M.table_text)
--   p:finding(sev, msg [, detail])     sev "INFO" | "WARNING" | "ERROR"
--   p:info / p:warning / p:error(msg [, detail])
--   p:try(what, fn, ...)               pcall; a failure is an ERROR finding
--                                      "what: message", returns nil
--   p:set(key, value)                  a field of the JSON result (p.data)
--   p.json                             true with --json (text may be skipped)
-- Kernel errors (tables with .message) are shown by their message.

local M = {}

local SEVERITIES = { INFO = 1, WARNING = 2, ERROR = 3 }

-- "msg" of an error value: kd errors are tables with a message
function M.errmsg(e)
  if type(e) == "table" then
    return tostring(e.message or e.code or e)
  end
  local s = tostring(e)
  return (s:gsub("\n.*", ""))
end

-- {====== tables ======

-- cols: list of { head, [align = "left"|"right"], [key = field | fn(row)] };
-- rows: list of arrays of cell values (or tables read through key).  The
-- last left-aligned column is not padded.  opts.indent: prefix per line.
function M.table_text(cols, rows, opts)
  opts = opts or {}
  local indent = opts.indent or ""
  local cells = {}
  local width = {}
  for i, c in ipairs(cols) do width[i] = #(c[1] or c.head or "") end
  for r, row in ipairs(rows) do
    local line = {}
    for i, c in ipairs(cols) do
      local v
      if c.key == nil then v = row[i]
      elseif type(c.key) == "function" then v = c.key(row)
      else v = row[c.key] end
      if v == nil then v = "-" end
      v = tostring(v)
      line[i] = v
      if #v > width[i] then width[i] = #v end
    end
    cells[r] = line
  end
  local out = {}
  local parts = {}           -- one line's cells (a scratch table, not one a line)
  local ncols = #cols
  local function emit(line)
    for i = 1, ncols do
      local c = cols[i]
      local v = line[i]
      if c.align == "right" then
        parts[i] = string.rep(" ", width[i] - #v) .. v
      elseif i == ncols then
        parts[i] = v
      else
        parts[i] = v .. string.rep(" ", width[i] - #v)
      end
    end
    local s = table.concat(parts, "  ", 1, ncols)
    -- trailing blanks go (looked for only when the line ends in one)
    if s:find("^%s", -1) then s = s:gsub("%s+$", "") end
    out[#out + 1] = indent .. s .. "\n"
  end
  if not opts.no_header then
    local head = {}
    for i, c in ipairs(cols) do head[i] = c[1] or c.head or "" end
    emit(head)
  end
  for _, line in ipairs(cells) do emit(line) end
  return table.concat(out)
end

-- "1d 02:03:04" / "02:03:04" / "4.2s" for a number of seconds
function M.duration(sec)
  if sec == nil then return "-" end
  if sec < 0 then return "-" end
  if sec < 60 then return string.format("%.1fs", sec) end
  local s = math.floor(sec)
  local d = s // 86400
  local h, m, ss = (s % 86400) // 3600, (s % 3600) // 60, s % 60
  local t = string.format("%02d:%02d:%02d", h, m, ss)
  if d > 0 then t = d .. "d " .. t end
  return t
end

-- "12.3 MiB" for a number of bytes
function M.size(bytes)
  if bytes == nil then return "-" end
  local units = { "B", "KiB", "MiB", "GiB", "TiB" }
  local v, u = bytes + 0.0, 1
  while v >= 1024 and u < #units do v = v / 1024; u = u + 1 end
  if u == 1 then return string.format("%d B", bytes) end
  return string.format("%.1f %s", v, units[u])
end

-- }======

-- {====== stacks ======

-- the trace of a task or CPU from the one unwinder (kd.stack_trace), or
-- nil and why not ("(no unwinder)" while this kdlua has none)
function M.stack(target)
  if kd == nil or kd.stack_trace == nil then return nil, "(no unwinder)" end
  local ok, tr = pcall(kd.stack_trace, target)
  if not ok then return nil, "(no trace: " .. M.errmsg(tr) .. ")" end
  return tr
end

-- "function+0xoff/0xsize [module]" (or the address) of a frame
function M.frame_text(f)
  local s
  if f["function"] then
    s = f["function"]
    if f.offset then
      s = s .. string.format("+0x%x", f.offset)
      if f.size then s = s .. string.format("/0x%x", f.size) end
    end
  else
    s = string.format("0x%x", f.pc or 0)
  end
  if f.module then s = s .. " [" .. f.module .. "]" end
  if f.kind and f.kind ~= "call" then s = s .. " (" .. f.kind .. ")" end
  return s
end

-- the function names of a trace, innermost first
function M.frame_names(tr)
  local out = {}
  for i, f in ipairs(tr or {}) do out[i] = f["function"] or string.format("0x%x", f.pc or 0) end
  return out
end

-- generic sleeping primitives: a blocked task is better named by their caller
local WAIT_PRIMITIVES = {
  "^_*schedule", "^io_schedule", "^schedule_", "^_*wait_for_common", "^wait_for_completion",
  "^_*wait_on_bit", "^bit_wait", "^_*rwsem_down", "^_*mutex_lock", "^_*down", "^do_nanosleep",
  "^_*hrtimer_nanosleep", "^finish_wait", "^prepare_to_wait", "^_*cond_resched",
}

-- the function a task sleeps in, as wchan would name it but skipping the
-- generic primitives above (f.sched: the unwinder says the pc is in
-- scheduler text); nil for an empty trace
function M.wait_point(tr)
  local first
  for _, f in ipairs(tr or {}) do
    local name = f["function"]
    if name and f.kind ~= "user_regs" then
      first = first or name
      local generic = f.sched == true
      for _, pat in ipairs(WAIT_PRIMITIVES) do generic = generic or name:find(pat) ~= nil end
      if not generic then return name end
    end
  end
  return first
end

-- crash-like lines " #0 function+0x1/0x2 [mod]" of a trace
function M.trace_lines(tr, indent)
  indent = indent or "  "
  local out = {}
  for i, f in ipairs(tr) do
    out[#out + 1] = string.format("%s#%-2d %s", indent, i - 1, M.frame_text(f))
  end
  if tr.stop_reason and tr.stop_reason ~= "" then
    out[#out + 1] = indent .. "(stopped: " .. tostring(tr.stop_reason) .. ")"
  end
  if tr.reliable == false then out[#out + 1] = indent .. "(trace not reliable)" end
  return out
end

-- }======

-- {====== the run object ======

local Run = {}
Run.__index = Run

function M.new_run(name, opts)
  return setmetatable({
    name = name, opts = opts or {}, json = opts and opts.json or false,
    out = {}, findings = {}, data = {},
  }, Run)
end

function Run:print(s)
  self.out[#self.out + 1] = tostring(s or "") .. "\n"
end

function Run:line(fmt, ...)
  if select("#", ...) > 0 then fmt = string.format(fmt, ...) end
  self:print(fmt)
end

function Run:section(title)
  if #self.out > 0 then self.out[#self.out + 1] = "\n" end
  self.out[#self.out + 1] = title .. "\n" .. string.rep("-", #title) .. "\n"
end

function Run:table(cols, rows, opts)
  self.out[#self.out + 1] = M.table_text(cols, rows, opts)
end

function Run:finding(severity, message, detail)
  if SEVERITIES[severity] == nil then
    error("finding: severity must be INFO, WARNING or ERROR, not " .. tostring(severity), 2)
  end
  local f = { severity = severity, message = tostring(message) }
  if detail ~= nil then f.detail = detail end
  self.findings[#self.findings + 1] = f
  return f
end
function Run:info(m, d) return self:finding("INFO", m, d) end
function Run:warning(m, d) return self:finding("WARNING", m, d) end
function Run:error(m, d) return self:finding("ERROR", m, d) end

function Run:try(what, fn, ...)
  local r = table.pack(pcall(fn, ...))
  if r[1] then return table.unpack(r, 2, r.n) end
  self:error(what .. ": " .. M.errmsg(r[2]))
  return nil
end

function Run:set(key, value) self.data[key] = value end

function Run:counts()
  local c = { INFO = 0, WARNING = 0, ERROR = 0 }
  for _, f in ipairs(self.findings) do c[f.severity] = c[f.severity] + 1 end
  return c
end

-- the summary that ends the text: every WARNING and ERROR once more
function Run:summary_text()
  local c = self:counts()
  local out = { "\n" }
  local title = string.format("Findings: %d error(s), %d warning(s)", c.ERROR, c.WARNING)
  out[#out + 1] = title .. "\n" .. string.rep("=", #title) .. "\n"
  local any = false
  for _, sev in ipairs({ "ERROR", "WARNING" }) do
    for _, f in ipairs(self.findings) do
      if f.severity == sev then
        out[#out + 1] = string.format("%-7s %s\n", sev, f.message)
        any = true
      end
    end
  end
  if not any then out[#out + 1] = "none\n" end
  return table.concat(out)
end

function Run:text()
  return table.concat(self.out) .. self:summary_text()
end

-- }======

-- {====== JSON ======

local json_lib
local function json()
  json_lib = json_lib or require("report.json")
  return json_lib
end

-- values that JSON cannot hold as they are: kd objects become their
-- address, functions are dropped, tables whose keys are 1..n are arrays
local function plain(v, seen)
  local t = type(v)
  if t == "string" or t == "number" or t == "boolean" then return v end
  if t == "nil" then return nil end
  if t == "userdata" then
    local ok, a = pcall(kd.addr, v)
    if ok then return string.format("0x%x", a) end
    return tostring(v)
  end
  if t ~= "table" then return nil end
  local J = json()
  if v == J.null then return v end
  seen = seen or {}
  if seen[v] then return nil end
  seen[v] = true
  local n = #v
  local out
  local count = 0
  for _ in pairs(v) do count = count + 1 end
  local mt = getmetatable(v)
  local shape = mt and mt.__json
  -- an empty table is a list unless marked json.object: empty lists are
  -- what programs mostly have (no blocked tasks, no OOM reports)
  if shape == "array" or (shape ~= "object" and count == n) then
    out = J.array({})
    for i = 1, n do
      local x = plain(v[i], seen)
      if x == nil then x = J.null end
      out[i] = x
    end
  else
    out = J.object({})
    for k, x in pairs(v) do
      local px = plain(x, seen)
      if px ~= nil then out[tostring(k)] = px end
    end
  end
  seen[v] = nil
  return out
end
M.plain = plain

function Run:json_text()
  local J = json()
  local c = self:counts()
  local doc = {
    program = self.name,
    data = plain(self.data) or J.object({}),
    findings = plain(J.array(self.findings)),
    summary = { errors = c.ERROR, warnings = c.WARNING, infos = c.INFO },
  }
  return J.encode(doc, 2) .. "\n"
end

-- }======

-- {====== options ======

-- the usage text of a program
function M.help_text(spec)
  local out = {}
  out[#out + 1] = string.format("usage: kdlua %s%s [--json] --vmcore FILE [--vmlinux FILE]\n",
    spec.name, spec.usage and (" " .. spec.usage) or "")
  if spec.summary then out[#out + 1] = spec.summary .. "\n" end
  if spec.description then out[#out + 1] = "\n" .. spec.description:gsub("\n*$", "") .. "\n" end
  out[#out + 1] = "\nOptions:\n"
  local rows = {}
  for _, o in ipairs(spec.options or {}) do
    local left = o[1] .. (o.arg and (" " .. o.arg) or "")
    local h = o.help or ""
    if o.choices then h = h .. " (" .. table.concat(o.choices, ", ") .. ")" end
    if o.multi then h = h .. " (repeatable)" end
    rows[#rows + 1] = { left, h }
  end
  rows[#rows + 1] = { "--json", "machine-readable output: {program, data, findings, summary}" }
  rows[#rows + 1] = { "-h, --help", "this text" }
  out[#out + 1] = M.table_text({ { "" }, { "" } }, rows, { indent = "  ", no_header = true })
  out[#out + 1] = "\nFindings (WARNING/ERROR) are summed up at the end of the output.\n" ..
    "Exit status: 0 ok (whatever the findings), 1 program error, 2 usage error.\n"
  return table.concat(out)
end

-- parse argv (a list of strings) against spec.options; returns opts,
-- positional args or nil, message
function M.parse(spec, argv)
  local byname = {}
  for _, o in ipairs(spec.options or {}) do
    byname[o[1]] = o
    for _, a in ipairs(o.aliases or {}) do byname[a] = o end
  end
  local opts, args = {}, {}
  local function key(o) return o.key or o[1]:gsub("^%-+", ""):gsub("%-", "_") end
  local i = 1
  while i <= #argv do
    local a = argv[i]
    local name, val = a:match("^(%-%-[^=]+)=(.*)$")
    name = name or a
    if a == "--json" then opts.json = true
    elseif a == "-h" or a == "--help" then opts.help = true
    elseif a == "--" then
      for j = i + 1, #argv do args[#args + 1] = argv[j] end
      break
    elseif byname[name] then
      local o = byname[name]
      local v = true
      if o.arg then
        if val == nil then
          i = i + 1
          val = argv[i]
          if val == nil then return nil, "missing argument for option " .. name end
        end
        if o.choices then
          local okc = false
          for _, c in ipairs(o.choices) do okc = okc or c == val end
          if not okc then
            return nil, string.format("bad value '%s' for %s (one of: %s)", val, name,
              table.concat(o.choices, ", "))
          end
        end
        if o.number then
          v = tonumber(val)
          if v == nil then return nil, string.format("%s wants a number, not '%s'", name, val) end
        else
          v = val
        end
      elseif val ~= nil then
        return nil, "option " .. name .. " takes no argument"
      end
      if o.multi then
        local k = key(o)
        opts[k] = opts[k] or {}
        opts[k][#opts[k] + 1] = v
      else
        opts[key(o)] = v
      end
    elseif a:sub(1, 1) == "-" and a ~= "-" then
      return nil, "unknown option " .. a
    else
      args[#args + 1] = a
    end
    i = i + 1
  end
  if not spec.args and #args > 0 then
    return nil, "unexpected argument " .. args[1]
  end
  return opts, args
end

-- }======

-- {====== defining and running ======

function M.define(spec)
  if type(spec) ~= "table" or type(spec.name) ~= "string" or type(spec.run) ~= "function" then
    error("program.define: needs a table with name and run", 2)
  end
  spec.__program = true
  return spec
end

-- the `-- kdlua NAME: summary` line of a file, or nil
function M.first_line(path)
  local f = io.open(path, "r")
  if not f then return nil end
  local l = f:read("l")
  f:close()
  if not l then return nil end
  local name, summary = l:match("^%-%-%s*kdlua%s+([%w_.-]+):%s*(.-)%s*$")
  return name, summary
end

-- load a program file into its spec.  Text only, except that a bundled
-- program (under the scripts root) comes through kdlua's chunk cache
-- (kdlua_loadfile: bytecode kdlua compiled itself from the same file):
-- the report's vmcore plugin runs every program, and compiling them in the
-- worker was ~10 M instructions of a 6.1 report's ~700 M a worker
function M.load(path)
  local chunk, err
  if kdlua_loadfile then chunk, err = kdlua_loadfile(path)
  else chunk, err = loadfile(path, "t") end
  if not chunk then return nil, err end
  local ok, spec = pcall(chunk)
  if not ok then return nil, M.errmsg(spec) end
  if type(spec) ~= "table" or not spec.__program then
    return nil, path .. ": does not return program.define{...}"
  end
  if spec.summary == nil then
    local _, s = M.first_line(path)
    spec.summary = s
  end
  return spec
end

-- run a program in this process: returns { text =, json = (with --json
-- only), status =, run = } (status 0 ok, 1 program error, 2 usage error; with the usage
-- error's message in .message)
function M.run(spec, argv)
  local opts, args = M.parse(spec, argv or {})
  if not opts then
    return { status = 2, message = args, text = "" }
  end
  if opts.help then
    return { status = 0, text = M.help_text(spec), help = true }
  end
  local p = M.new_run(spec.name, opts)
  if kd == nil then
    return { status = 2, message = "no dump given (--vmcore FILE)", text = "" }
  end
  if kd.has_types and not kd.has_types() then
    p:error("no type information: typed kernel objects cannot be read (no vmlinux debuginfo; --vmlinux FILE or --debuginfo-dir DIR)")
  end
  -- a kd error (a table with a code: unreadable memory, missing types) is
  -- about the dump and says so itself; other errors are bugs and get the
  -- traceback
  local ok, err = xpcall(spec.run, function(e)
    if type(e) == "table" and e.code then return M.errmsg(e) end
    return M.errmsg(e) .. "\n" .. debug.traceback("", 2)
  end, p, opts, args)
  local status = 0
  if not ok then
    -- what was gathered so far stays; the failure is the last finding
    p:error(spec.name .. " failed: " .. err:gsub("\n.*", ""))
    p.traceback = err
    status = 1
  end
  -- the JSON document only when it was asked for: the report takes the
  -- text, and a program's data for 10,000 tasks made into JSON is tens of
  -- MB of tables and text nobody reads
  return { status = status, text = p:text(), json = opts.json and p:json_text() or nil, run = p }
end

-- run a program file; as M.run
function M.run_file(path, argv)
  local spec, err = M.load(path)
  if not spec then return { status = 1, message = err, text = "" } end
  return M.run(spec, argv)
end

-- `kdlua NAME ARGS...`: the command-line entry (host/cli/main.c calls it
-- with the program's path and its arguments); prints and exits
function M.main(path, ...)
  local argv = { ... }
  local spec, err = M.load(path)
  local name = (path:match("([^/]+)%.lua$")) or path
  if not spec then
    io.stderr:write("kdlua ", name, ": ", err, "\n")
    os.exit(1)
  end
  local r = M.run(spec, argv)
  if r.status == 2 then
    io.stderr:write("kdlua ", spec.name, ": ", r.message, "\n(kdlua ", spec.name,
      " --help for usage)\n")
    os.exit(2)
  end
  if r.help then
    io.stdout:write(r.text)
    return 0
  end
  local opts = r.run.opts
  io.stdout:write(opts.json and r.json or r.text)
  io.stdout:flush()
  if r.status ~= 0 then
    io.stderr:write("kdlua ", spec.name, ": ", r.run.traceback or "failed", "\n")
    os.exit(r.status)
  end
  return 0
end

-- }======

return M
