-- report/init.lua: `kdlua report` -- emitters in, a sos-report-shaped
-- archive out.  scripts/commands/report.lua calls report.main(arg).
--
-- Steps: options; discovery of emitter files (report.registry); plugin
-- selection; each enabled emitter run under kdlua.sandbox budgets, its
-- output buffered into a kdlua.archive; logs, manifest, sos.txt/json,
-- coverage; the archive written under a temporary name and renamed; the
-- sos-shaped final message.  Emitters run in this process and in -j N - 1
-- forked workers (report.workers); whoever ran them, their results are
-- committed here in one fixed order, so the archive does not depend on -j.

local archive = require("kdlua.archive")
local sandbox = require("kdlua.sandbox")
local books = require("report.books")
local coverage = require("report.coverage")
local cpus = require("report.cpus")
local crashtime = require("report.crashtime")
local json = require("report.json")
local logmod = require("report.log")
local registry = require("report.registry")
local sos_paths = require("report.sos_paths")
local util = require("report.util")
local workers = require("report.workers")

local M = {}

local EXIT_USAGE = 2

M.usage = [[
usage: kdlua report --vmcore FILE [--vmlinux FILE] [--debuginfo-dir DIR]...
                    [--tmp-dir DIR] [--name NAME] [--only-plugins a,b]
                    [--skip-plugins a,b] [--enable-plugins a,b] [--list-plugins]
                    [--emitters-dir DIR]... [--compression xz|gzip|zstd|none]
                    [--build] [--store-kallsyms] [-j N] [--emitter-timeout S]
                    [--emitter-memory MB] [--report-timeout S] [-v]

Writes <tmp-dir>/sosvmcore-<host>[-NAME]-<crash date>-<random>.tar.xz (and a
.sha256 beside it): a sos-report-shaped archive built from the dump by Lua
emitters (scripts/emitters/, each --emitters-dir, $KDLUA_EMITTERS).

  --tmp-dir DIR          where the archive goes (default /var/tmp)
  --name NAME            label in the archive name
  -o, --only-plugins     run only these plugins (default-off ones included)
  -n, --skip-plugins     do not run these plugins
  -e, --enable-plugins   also run these default-off plugins / emitters
  -l, --list-plugins     list plugins and their emitters (no dump needed)
  --emitters-dir DIR     more emitter files (repeatable)
  --compression C        xz (default), gzip, zstd or none (plain .tar)
  --build                leave an uncompressed directory instead
  --store-kallsyms       hold proc/kallsyms uncompressed in a .tar.xz: ~4x the
                         archive's size for less CPU (its xz stream is made
                         by a helper process while the report runs; with -j 1
                         it costs a third of the report's CPU)
  -j N                   processes that run emitters (default: the CPUs this
                         process may use, at most 4; -j 1: no workers)
  --emitter-timeout S    time budget per emitter (default 10)
  --emitter-memory MB    memory budget per emitter (default 256)
  --report-timeout S     emitters still running after S seconds are ended and
                         recorded as failed; the archive is still written
                         (default 1800)
  --batch, --quiet       accepted (kdlua never prompts); quiet drops the message
  -v                     log lines on stderr as they are written
]]

local function usage_error(msg)
  io.stderr:write("kdlua report: ", msg, "\n(kdlua report --help for usage)\n")
  os.exit(EXIT_USAGE)
end

-- {====== options ======

local function parse(args)
  local o = {
    tmp_dir = "/var/tmp", compression = "xz", emitters_dirs = {},
    only = nil, skip = {}, enable = {}, jobs = nil,
    timeout = 10, memory_mb = 256, report_timeout = 1800, verbose = tonumber(KDLUA_VERBOSE) or 0,
  }
  local i = 1
  local function value(name)
    i = i + 1
    local v = args[i]
    if v == nil then usage_error("option " .. name .. " needs a value") end
    return v
  end
  while i <= #args do
    local a = args[i]
    local name, inline = a:match("^(%-%-[%w-]+)=(.*)$")
    if name then
      a = name
      table.insert(args, i + 1, inline)
    end
    if a == "--tmp-dir" then o.tmp_dir = value(a)
    elseif a == "--name" or a == "--label" then o.name = value(a)
    elseif a == "--only-plugins" or a == "-o" then
      o.only = o.only or {}
      for _, p in ipairs(util.split_list(value(a))) do o.only[#o.only + 1] = p end
    elseif a == "--skip-plugins" or a == "-n" then
      for _, p in ipairs(util.split_list(value(a))) do o.skip[#o.skip + 1] = p end
    elseif a == "--enable-plugins" or a == "-e" then
      for _, p in ipairs(util.split_list(value(a))) do o.enable[#o.enable + 1] = p end
    elseif a == "--list-plugins" or a == "-l" then o.list = true
    elseif a == "--emitters-dir" then o.emitters_dirs[#o.emitters_dirs + 1] = value(a)
    elseif a == "--compression" or a == "-z" or a == "--compression-type" then
      o.compression = value(a)
    elseif a == "--build" then o.build = true
    elseif a == "--store-kallsyms" then o.store_kallsyms = true
    elseif a == "--compress-kallsyms" then o.store_kallsyms = false   -- the default now
    elseif a == "-j" or a == "--jobs" then
      o.jobs = math.tointeger(tonumber(value(a)))
      if not o.jobs or o.jobs < 1 then usage_error("-j needs a positive number") end
    elseif a:match("^%-j%d+$") then o.jobs = math.tointeger(tonumber(a:sub(3)))
    elseif a == "--emitter-timeout" then
      o.timeout = tonumber(value(a))
      if not o.timeout or o.timeout <= 0 then usage_error("--emitter-timeout needs seconds > 0") end
    elseif a == "--report-timeout" then
      o.report_timeout = tonumber(value(a))
      if not o.report_timeout or o.report_timeout <= 0 then usage_error("--report-timeout needs seconds > 0") end
    elseif a == "--emitter-memory" then
      o.memory_mb = tonumber(value(a))
      if not o.memory_mb or o.memory_mb <= 0 then usage_error("--emitter-memory needs MB > 0") end
    elseif a == "--batch" then o.batch = true
    elseif a == "--quiet" or a == "-q" then o.quiet = true
    elseif a == "-v" or a == "--verbose" then o.verbose = o.verbose + 1
    elseif a == "-h" or a == "--help" then o.help = true
    else usage_error("unknown option or argument '" .. a .. "'") end
    i = i + 1
  end
  if o.compression == "xz" or o.compression == "gzip" or o.compression == "zstd"
     or o.compression == "none" then
  else
    usage_error("--compression must be xz, gzip, zstd or none")
  end
  if o.name and not o.name:match("^[%w_.-]*$") then
    -- sos keeps only these characters in a label
    o.name = o.name:gsub("[^%w_.-]", "")
  end
  if o.name == "" then o.name = nil end
  return o
end

-- }======

-- {====== plugin selection (sos semantics: -o, -n, -e) ======

local function select_plugins(reg, o, log)
  local only = o.only and util.set(o.only)
  local skip, enable = util.set(o.skip), util.set(o.enable)
  -- known: the plugins registered, and sos's plugins kdlua has paths for
  -- (devicemapper on a dump without dm_mod registers nothing, yet is no
  -- misspelling)
  local known = {}
  for name in pairs(reg.plugins) do known[name] = true end
  for name in pairs(sos_paths) do known[name] = true end
  -- a misspelt name is a usage error, as in sos: a report without the
  -- plugin asked for is not what the user wanted
  local unknown = {}
  for _, list in ipairs({ o.only or {}, o.skip, o.enable }) do
    for _, n in ipairs(list) do
      if not known[n] and not unknown[n] then
        unknown[n] = true
        unknown[#unknown + 1] = "'" .. n .. "'"
      end
    end
  end
  if #unknown > 0 then return nil, unknown end
  local enabled = {}
  for name, p in pairs(reg.plugins) do
    local on = p.default ~= false or enable[name] or (only and only[name])
    if only and not only[name] then on = false end
    if skip[name] then on = false end
    p.enabled = on and true or false
    if p.enabled then enabled[name] = true end
    for _, e in ipairs(p.emitters) do
      e.enabled = p.enabled and (e.default or enable[name] or (only and only[name])) and true or false
    end
  end
  return enabled
end

local function list_plugins(reg)
  local on, off = {}, {}
  for _, name in ipairs(util.sorted_keys(reg.plugins)) do
    local p = reg.plugins[name]
    if p.enabled then on[#on + 1] = p else off[#off + 1] = p end
  end
  local out = {}
  local function section(title, list)
    out[#out + 1] = title
    out[#out + 1] = ""
    for _, p in ipairs(list) do
      out[#out + 1] = string.format(" %-25s %s", p.name, p.description or "")
      for _, e in ipairs(p.emitters) do
        local note = e.enabled and "" or "  (off; -e " .. p.name .. ")"
        if not p.enabled then note = "" end
        local what = e.command and ("`" .. e.command .. "` -> " .. e.path) or e.path
        out[#out + 1] = string.format("   %-60s %s%s", what, e.file, note)
      end
    end
    if #list == 0 then out[#out + 1] = " (none)" end
    out[#out + 1] = ""
  end
  section("The following plugins are currently enabled:", on)
  section("The following plugins are currently disabled:", off)
  -- without a dump, files whose registration asks the dump (is dm_mod
  -- loaded?) cannot say what they would emit: listed apart, as such
  local need_dump, broken = {}, {}
  for _, e in ipairs(reg.errors) do
    local list = tostring(e.message):find(registry.NO_DUMP, 1, true) and need_dump or broken
    list[#list + 1] = e
  end
  if #need_dump > 0 then
    out[#out + 1] = "Emitter files whose plugins depend on what the dump holds (give --vmcore FILE to list them):"
    out[#out + 1] = ""
    for _, e in ipairs(need_dump) do out[#out + 1] = " " .. e.file end
    out[#out + 1] = ""
  end
  if #broken > 0 then
    out[#out + 1] = "Emitter files skipped because of errors:"
    out[#out + 1] = ""
    for _, e in ipairs(broken) do out[#out + 1] = " " .. e.file .. ": " .. util.first_line(e.message) end
    out[#out + 1] = ""
  end
  io.stdout:write(table.concat(out, "\n"))
end

-- }======

-- {====== enumerators ======

local task_cache

-- every task once: {pid, tgid, task}; leaders and threads
local function tasks()
  if task_cache then return task_cache end
  local all = {}
  for t in kd.tasks() do
    all[#all + 1] = { pid = t.pid, tgid = t.tgid, task = t }
  end
  table.sort(all, function(a, b)
    if a.tgid ~= b.tgid then return a.tgid < b.tgid end
    return a.pid < b.pid
  end)
  task_cache = all
  return all
end

-- What an `each` emitter runs over, shared by every emitter of that kind:
-- the leaders' task entries (pids), every task entry (tids), CPU numbers.
-- The instances themselves ({path, args}) are made from these when a unit
-- runs or is committed, never kept: on a machine of 10,000 tasks the
-- report's 190,000 of them were 50 MB held from planning to the end, and
-- inherited by every worker.
local enum_cache = {}
local function enumeration(each)
  if enum_cache[each] then return enum_cache[each] end
  local out = {}
  if each == "pids" then
    for _, t in ipairs(tasks()) do
      if t.pid == t.tgid then out[#out + 1] = t end
    end
  elseif each == "tids" then
    out = tasks()
  elseif each == "cpus" then
    out = cpus.list()
  end
  enum_cache[each] = out
  return out
end

-- instance {path, args} of an emitter for one item of its enumeration
local function instance(e, item)
  if e.each == "pids" then
    return { path = e.path:gsub("{pid}", tostring(item.pid)), args = { item.pid, item.task } }
  elseif e.each == "tids" then
    local p = e.path:gsub("{tid}", tostring(item.pid)):gsub("{pid}", tostring(item.tgid))
    return { path = p, args = { item.pid, item.task, item.tgid } }
  end
  return { path = e.path:gsub("{cpu}", tostring(item)), args = { item } }
end

-- the items of an emitter (a list with one item, nil, for a single file)
local function instances(e)
  if e.each == nil then return { false } end
  return enumeration(e.each)
end

-- a unit of an `each` emitter lists its instances k..j of the
-- enumeration; u.list makes them each time it is read
local lazy_list = { __index = function(u, key)
  if key ~= "list" then return nil end
  local items, out = enumeration(u.e.each), {}
  for k = u.from, u.to do out[#out + 1] = instance(u.e, items[k]) end
  return out
end }

-- }======

-- {====== running emitters ======

local function stub_header(reason)
  reason = tostring(reason):gsub("\n", " ")
  return "# kdlua: " .. reason .. "\n"
end

-- Turn what run() gave into (status, content, reason).
local function outcome(ok, ...)
  if not ok then
    local kind, msg = ...
    local line = util.first_line(msg)
    if kind == "memory" then line = "memory budget exceeded (" .. line .. ")" end
    return "failed", stub_header("emitter failed: " .. line), line, msg
  end
  local n = select("#", ...)
  local v, reason = ...
  if type(v) == "string" then return "real", v end
  if registry.is_partial(v) then return "real", v.text, nil, nil, v.lines end
  if registry.is_stub(v) then return "stub", stub_header(v.reason) .. v.text, v.reason end
  if v == nil then
    if n >= 2 and reason ~= nil then return "stub", stub_header(reason), tostring(reason) end
    return "stub", stub_header("no data"), "no data"
  end
  local line = "run returned a " .. type(v) .. ", not a string"
  return "failed", stub_header("emitter failed: " .. line), line, line
end

local Run = {}
Run.__index = Run

-- The terminal line " Running plugins: N/M units (plugin)".  N counts the
-- units of the groups every process has claimed (workers.claimed), so it
-- only grows whichever process runs what; each line ends with "erase to
-- the end of the line" so a shorter one leaves nothing of a longer one.
function Run:progress(name)
  if not self.tty or self.verbose > 0 then return end
  local k = workers.claimed and workers.claimed() or 0
  local done = self.units_before and self.units_before[k] or 0
  if done <= (self.shown or -1) then return end
  self.shown = done
  io.stderr:write(string.format("\r Running plugins: %d/%d units (%s)\27[K", done,
                                self.units_total or 0, name))
  io.stderr:flush()
end

-- (listed: false when the caller lists the file itself, see commit_records)
function Run:record(plug, e, path, status, reason, run_time, listed)
  if not e.each or self.keep_produced(e.path, path) then self.produced[path] = status end
  local tc = self:template_counts(e)
  tc[status] = tc[status] + 1
  self.counts[status] = self.counts[status] + 1
  if e.kind == "command" then
    local words = {}
    for w in e.command:gmatch("%S+") do words[#words + 1] = w end
    plug.md.commands[#plug.md.commands + 1] = {
      command = words[1], parameters = json.array({ table.unpack(words, 2) }),
      exec = e.command, filepath = path,
      return_code = status == "failed" and 1 or 0,
      run_time = run_time, tags = json.array({ table.unpack(e.tags) }),
      kdlua_status = status, kdlua_reason = reason,
    }
    plug.report.commands[#plug.report.commands + 1] = {
      name = e.command, return_code = status == "failed" and 1 or 0,
      href = "../" .. path,
    }
  else
    local spec = self:spec(plug, e)
    if listed ~= false then
      spec.files_copied[#spec.files_copied + 1] = path
      plug.report.copied_files[#plug.report.copied_files + 1] = path   -- see books.lua
    end
    spec.kdlua_status[status] = (spec.kdlua_status[status] or 0) + 1
  end
  if status == "failed" then
    plug.report.alerts[#plug.report.alerts + 1] = "emitter failed: " .. path .. ": " .. (reason or "")
  end
end

-- an emitter's files counted by status (coverage.json)
function Run:template_counts(e)
  local tc = self.templates[e.path]
  if not tc then
    tc = { real = 0, stub = 0, failed = 0 }
    self.templates[e.path] = tc
  end
  return tc
end

-- a file emitter's entry in its plugin's manifest (made by its first file)
function Run:spec(plug, e)
  local spec = plug.specs[e.path]
  if not spec then
    spec = { specification = "/" .. e.path, files_copied = json.array(),
             tags = json.array({ table.unpack(e.tags) }), kdlua_status = json.object() }
    plug.specs[e.path] = spec
    plug.md.files[#plug.md.files + 1] = spec
  end
  return spec
end

-- {------ planning: emitters cut into units of work ------

-- per-task work is cut by thread group: CHUNK leaders (and their threads)
-- make one group of units, claimed by one process, so that every per-pid
-- and per-tid file of those tasks is made where their pages were read and
-- their memos filled (status is made once for /proc/<pid>/status and
-- /proc/<pid>/task/<tid>/status); small enough that workers share a
-- thousand-task machine evenly, large enough that claiming costs nothing
local CHUNK = 16

-- the group key of each instance of an `each` emitter: its thread group's
-- run of CHUNK leaders ("t3"), a large thread group's threads cut again
-- every 4 * CHUNK ("t3.1"); CPUs in runs of CHUNK ("c0")
local chunk_of   -- tgid -> its leaders' run
local function group_keys(e, list)
  local keys = {}
  if e.each == "cpus" then
    for k = 1, #list do keys[k] = "c" .. (k - 1) // CHUNK end
    return keys
  end
  if not chunk_of then
    chunk_of = {}
    local n = 0
    for _, t in ipairs(tasks()) do
      if t.pid == t.tgid then
        chunk_of[t.tgid] = "t" .. n // CHUNK
        n = n + 1
      end
    end
  end
  local last, seen = "t0", {}
  for k, item in ipairs(list) do
    local tgid = item.tgid
    local c = chunk_of[tgid] or last   -- a thread whose leader is gone
    last = c
    seen[c] = (seen[c] or 0) + 1
    local sub = (seen[c] - 1) // (4 * CHUNK)
    keys[k] = sub > 0 and (c .. "." .. sub) or c
  end
  return keys
end

-- Units in the order their results are committed (plugins sorted, emitters
-- in registration order, instances in enumeration order) and the groups
-- they are claimed in: one instance of each `each` emitter alone (run
-- before the workers fork), then the single files of each emitter file
-- together, then the per-task groups (small and even, they fill the time
-- at the end); and how many of the first groups run before the fork.
function Run:plan(names)
  local units, warm, singles, groups, group_of = {}, {}, {}, {}, {}
  local function add_to_group(key, i)
    local g = group_of[key]
    if not g then
      g = {}
      group_of[key] = g
      groups[#groups + 1] = g
    end
    g[#g + 1] = i
  end
  for _, name in ipairs(names) do
    for _, e in ipairs(self.reg.plugins[name].emitters) do
      if e.enabled then
        local ok, list = pcall(instances, e)
        if not ok then
          units[#units + 1] = { plugin = name, e = e, enum_error = util.first_line(list) }
          singles[#singles + 1] = #units
        elseif not e.each then
          units[#units + 1] = { plugin = name, e = e, list = { { path = e.path, args = {} } } }
          if self.early and self.early.path == e.path and self.early.file == e.file
             and self:loaded_ok(self.early.full) then
            self.early.unit = #units   -- its result comes from the helper
          else
            singles[#singles + 1] = #units
          end
        else
          -- the first instance alone, run here before the workers fork:
          -- what its libraries resolve and cache on first use (types,
          -- symbol tables, per-task memos) is then inherited by every
          -- process instead of being redone in each
          -- (bundled emitters only: only code kdlua ships runs in this
          -- process; a site emitter runs in workers, where a crash or a
          -- hang costs its unit, not the report)
          local first = #list > 1 and e.origin == "bundled" and 1 or 0
          if first == 1 then
            units[#units + 1] = setmetatable({ plugin = name, e = e, from = 1, to = 1,
                                               total = #list }, lazy_list)
            warm[#warm + 1] = #units
          end
          local keys = group_keys(e, list)
          local k = first + 1
          if #list == 0 then   -- no instances: one empty unit still logs the template
            units[#units + 1] = { plugin = name, e = e, list = {}, total = 0 }
            add_to_group("none", #units)
          end
          while k <= #list do
            local j = k
            while j < #list and keys[j + 1] == keys[k] do j = j + 1 end
            units[#units + 1] = setmetatable({ plugin = name, e = e, from = k, to = j,
                                               total = #list }, lazy_list)
            add_to_group(keys[k], #units)
            k = j + 1
          end
        end
      end
    end
  end
  -- single files are claimed by emitter file: they share what their file
  -- and its libraries memoize (ps's snapshot of all tasks, the file tables
  -- lsof and netstat read...), made then in one process, not in each; an
  -- emitter's `shares` puts it with another file's (taskinfo reads the ps
  -- listings' snapshot)
  local order = {}
  for _, i in ipairs(warm) do order[#order + 1] = { i } end
  local by_file = {}
  for _, i in ipairs(singles) do
    local f = units[i].e.shares or units[i].e.file
    if not by_file[f] then
      by_file[f] = {}
      order[#order + 1] = by_file[f]
    end
    table.insert(by_file[f], i)
  end
  table.move(groups, 1, #groups, #order + 1, order)
  return units, order, #warm
end

-- }------

-- {------ which units' files may go into the archive in any order ------

-- A unit's files go into the archive as soon as its result is in, while
-- the workers still run, unless where they go depends on the order: two
-- emitters that may make the same path (the first one committed keeps
-- it), or a file where another makes a folder, or the same root symlink.
-- Each emitter's path and symlink are compared as components; a
-- component with a placeholder ({pid}, {tid}, {cpu}: digits) stands for
-- the components it can become.  An `each` emitter whose enumeration
-- holds an item twice may collide with itself.  What may collide is
-- left to the pass in commit order after the workers.

-- the placeholders of each kind of `each` emitter (see instance), the
-- first the one that tells its instances apart
local DIGITS = { pids = { "pid" }, tids = { "tid", "pid" }, cpus = { "cpu" } }

-- a component of a path template as a pattern (nil: no placeholder)
local function component_pattern(c, each)
  if not c:find("{", 1, true) then return nil end
  local names = {}
  for _, n in ipairs(DIGITS[each] or {}) do names[n] = true end
  local quoted = c:gsub("[%^%$%(%)%%%.%[%]%*%+%-%?]", "%%%0")
  local pat = quoted:gsub("{(%a+)}", function(n) if names[n] then return "%d+" end end)
  if pat == quoted then return nil end
  return "^" .. pat .. "$"
end

local function components(path, each)
  local out = {}
  for c in path:gmatch("[^/]+") do
    out[#out + 1] = { text = c, pat = each and component_pattern(c, each) }
  end
  return out
end

-- can components a and b name the same thing?
local function may_meet(a, b)
  if a.pat and b.pat then
    -- both with placeholders: each with its placeholders as "0" against the other
    local a0 = a.text:gsub("{%a+}", "0")
    local b0 = b.text:gsub("{%a+}", "0")
    return b0:find(a.pat) ~= nil or a0:find(b.pat) ~= nil
  elseif a.pat then return b.text:find(a.pat) ~= nil
  elseif b.pat then return a.text:find(b.pat) ~= nil end
  return a.text == b.text
end

-- does an enumeration hold the same path key twice?
local function repeats(each)
  local seen = {}
  for _, item in ipairs(enumeration(each)) do
    local key = each == "cpus" and item or item.pid
    if seen[key] then return true end
    seen[key] = true
  end
  return false
end

-- the emitters whose files may go into the archive in any order
local function order_free(units)
  local entries, ems = {}, {}
  for _, u in ipairs(units) do
    local e = u.e
    if not ems[e] then
      ems[e] = true
      entries[#entries + 1] = { e = e, path = e.path, each = e.each }
      if e.symlink then entries[#entries + 1] = { e = e, path = e.symlink } end
    end
  end
  -- an `each` emitter's template: the folder before its first component
  -- with a placeholder (its "fixed" part); only what lies under that
  -- folder, or is the folder or one above it, may meet its files
  local bad, wild, fixed = {}, {}, {}
  for _, x in ipairs(entries) do
    if x.each then
      wild[#wild + 1] = x
      -- instances told apart by their path only with the first
      -- placeholder, and only if no item comes twice
      local key = DIGITS[x.each] and DIGITS[x.each][1]
      if not key or not x.path:find("{" .. key .. "}", 1, true) or repeats(x.each) then
        bad[x.e] = true
      end
      x.comps = components(x.path, x.each)
      local n = 0
      while x.comps[n + 1] and not x.comps[n + 1].pat do n = n + 1 end
      local parts = {}
      for j = 1, math.min(n, #x.comps - 1) do parts[j] = x.comps[j].text end
      x.fixed = table.concat(parts, "/")
      fixed[x.fixed] = {}
    end
  end
  -- every path once (literal: a file or symlink path) and what lies
  -- under each fixed folder
  local literal, folder = {}, {}
  for _, x in ipairs(entries) do
    if not x.each then
      local y = literal[x.path]
      if y then bad[x.e], bad[y.e] = true, true end
      literal[x.path] = x
    end
    local at = x.path:find("/", 1, true)
    while at do
      local f = x.path:sub(1, at - 1)
      if not x.each then folder[f] = folder[f] or x end
      local under = fixed[f]
      if under then under[#under + 1] = x end
      at = x.path:find("/", at + 1, true)
    end
  end
  -- a file where another emitter makes a folder
  for p, x in pairs(literal) do
    local y = folder[p]
    if y and y.e ~= x.e then bad[x.e], bad[y.e] = true, true end
  end
  for _, w in ipairs(wild) do
    -- a file at its fixed folder or above it
    local f = w.fixed
    while f ~= "" do
      local x = literal[f]
      if x then bad[w.e], bad[x.e] = true, true end
      f = f:match("^(.*)/") or ""
    end
    -- what lies under it, component by component
    local near = w.fixed == "" and entries or fixed[w.fixed]
    for _, x in ipairs(near) do
      if x ~= w then
        x.comps = x.comps or components(x.path, x.each)
        local a, b, meet = w.comps, x.comps, true
        for j = 1, math.min(#a, #b) do
          if not may_meet(a[j], b[j]) then meet = false break end
        end
        if meet then bad[w.e], bad[x.e] = true, true end
      end
    end
  end
  local free = {}
  for e in pairs(ems) do free[e] = not bad[e] end
  return free
end

-- }------

-- {------ computing: runs emitters, touches nothing but its result ------

-- the arguments an `each` emitter's run gets for one item of its
-- enumeration: instance()'s args without the path, which only committing
-- needs (a worker runs ~16 instances per task; making each one's path and
-- tables only to drop them cost ~3 us an instance)
local function run_args(each, item)
  if each == "pids" then return item.pid, item.task
  elseif each == "tids" then return item.pid, item.task, item.tgid end
  return item
end

-- Run one unit's instances; the result travels back from a worker process,
-- so it holds plain values only.  The time budget is per emitter and per
-- process: what an emitter spent on earlier instances counts.
function Run:compute(u)
  local res = { t0 = sandbox.now() }
  if u.enum_error then res.t1 = res.t0 return res end
  local e = u.e
  local budget = self.limits.time
  local timed = budget and budget > 0
  local spent = self.spent[e] or 0
  -- an `each` unit runs items from..to of its enumeration; any other, its list
  local items, list, from, to = nil, nil, u.from, u.to
  if from then items = enumeration(e.each)
  else list = u.list; from, to = 1, #list end
  -- the deadline timer lingers from one instance to the next, re-armed
  -- only when a deadline comes earlier (see lua_sandbox.c): disarmed once,
  -- after the unit
  local lim = { time = 0, memory = self.limits.memory, budget = budget, linger = true }
  for k = 1, to - from + 1 do
    local t0 = sandbox.clock()
    local r
    if timed and spent >= budget then
      -- the emitter's time is spent over its earlier instances
      local reason = string.format("time budget of %g s exceeded", budget)
      r = { status = "failed", reason = reason, full = reason,
            content = stub_header("emitter failed: " .. reason) }
    else
      lim.time = timed and (budget - spent) or 0
      local d0, m0 = kd.damage(), kd.alloc_failures()
      local status, content, reason, full, partial
      if items then
        status, content, reason, full, partial =
          outcome(sandbox.run(lim, e.run, run_args(e.each, items[from + k - 1])))
      else
        status, content, reason, full, partial =
          outcome(sandbox.run(lim, e.run, table.unpack(list[k].args)))
      end
      r = { status = status, content = content, reason = reason, full = full, partial = partial }
      -- Pages that failed to read because the dump is damaged, while this
      -- emitter ran: whatever it did with the errors (a walk that stops, a
      -- pcall that skips an entry), its text may be short.  Never kept as
      -- "real": a stub saying so, with the address.
      -- What the emitter file keeps between its runs (ps's snapshot of all
      -- tasks, say) carries the damage on: its later files here are marked
      -- too.  (A library's own cache shared by several files is not
      -- followed: the report's summary line says files may be affected.)
      local d1, addr, msg = kd.damage()
      local why
      if d1 > d0 then
        res.damage = (res.damage or 0) + (d1 - d0)
        self.file_damage = self.file_damage or {}
        why = string.format("%d read(s) of damaged dump data while making this file "
          .. "(last at 0x%x: %s): it may be incomplete", d1 - d0, addr, util.first_line(msg))
        self.file_damage[e.file] = self.file_damage[e.file] or
          string.format("made from what %s read earlier, which hit damaged dump data "
            .. "(at 0x%x: %s): it may be incomplete", e.file, addr, util.first_line(msg))
      else
        res.damage = res.damage or 0
        why = self.file_damage and self.file_damage[e.file]
      end
      -- An allocation that failed (C core or Lua) is the same kind of
      -- hole: a caller may have taken it for "absent", here or in what
      -- this process computed and cached before (the program's open, a
      -- library's memo, another emitter), so from the first failure in
      -- this process on no file is kept as real.
      local m1 = kd.alloc_failures()
      if m1 > 0 and status == "real" then
        why = m1 > m0 and string.format("%d allocation(s) failed (out of memory) while making "
            .. "this file: it may be incomplete", m1 - m0)
          or string.format("made after %d allocation(s) failed (out of memory) in this process, "
            .. "whose cached results it may use: it may be incomplete", m1)
      end
      if why and status == "real" then
        r.status, r.damaged, r.reason = "stub", true, why
        r.content = stub_header(why) .. content
      end
    end
    r.dt = sandbox.clock() - t0
    spent = spent + r.dt
    res[k] = r
  end
  sandbox.disarm()
  self.spent[e] = spent
  res.t1 = sandbox.now()
  return res
end

-- }------

-- {------ committing: results into the archive, the logs, the manifest ------

-- bytes of results committed between two full collections (see run_plugins)
local GC_BYTES = 16 << 20
-- seconds the supervisor spends at most putting results into the archive
-- before it looks at the workers again
local FILE_SLICE = 0.02
-- what a committed file leaves besides its text: its result's table, the
-- small strings of its path and status, its places in the plugin's lists
local PER_FILE = 256

-- The paths of a unit's files, in order: what instance() makes of them
-- without the arguments (the commit needs nothing else).  A per-task
-- template is cut once at its placeholders and each path concatenated:
-- a gsub per placeholder and a table per instance, twice per file (once
-- for the files, once for the records) were a tenth of the commit.
local template_parts = {}   -- template -> { literal, key, literal [, key, literal] } | false
local PLACEHOLDERS = { pids = { pid = "pid" }, tids = { tid = "pid", pid = "tgid" },
                       cpus = { cpu = true } }
local function compile_template(e)
  local key = e.each .. "\0" .. e.path
  local parts = template_parts[key]
  if parts ~= nil then return parts end
  local names = PLACEHOLDERS[e.each]
  parts = {}
  local pos = 1
  while parts do
    local s, stop, name = e.path:find("{(%a+)}", pos)
    if not s then break end
    if names[name] then
      parts[#parts + 1] = e.path:sub(pos, s - 1)
      parts[#parts + 1] = names[name]
      pos = stop + 1
    else
      parts = false   -- braces of another kind: instance()'s gsub
    end
  end
  if parts then
    parts[#parts + 1] = e.path:sub(pos)
    if #parts > 5 then parts = false end   -- more than two placeholders: gsub
  end
  template_parts[key] = parts
  return parts
end

local function unit_paths(u)
  local out = {}
  if u.enum_error then return out end   -- no instances: one failure for its template
  if not u.from then
    for k, inst in ipairs(u.list) do out[k] = inst.path end
    return out
  end
  local e = u.e
  local items = enumeration(e.each)
  local parts = compile_template(e)
  if not parts then
    for k = u.from, u.to do out[#out + 1] = instance(e, items[k]).path end
    return out
  end
  local n = 0
  if #parts == 1 then
    for _ = u.from, u.to do n = n + 1; out[n] = parts[1] end
  elseif e.each == "cpus" then   -- the items are the CPU numbers
    local a, b, c = parts[1], parts[3], parts[5]
    for k = u.from, u.to do
      n = n + 1
      out[n] = c and (a .. items[k] .. b .. items[k] .. c) or (a .. items[k] .. b)
    end
  elseif #parts == 3 then   -- tasks: parts name their fields
    local a, f1, b = parts[1], parts[2], parts[3]
    for k = u.from, u.to do n = n + 1; out[n] = a .. items[k][f1] .. b end
  else
    local a, f1, b, f2, c = parts[1], parts[2], parts[3], parts[4], parts[5]
    for k = u.from, u.to do
      local item = items[k]
      n = n + 1
      out[n] = a .. item[f1] .. b .. item[f2] .. c
    end
  end
  return out
end

-- In commit order: every result's file into the archive (and the root
-- symlinks, whose clashes the order decides).
function Run:commit_files(u, res, paths)
  if u.enum_error then return end
  local e = u.e
  for k, path in ipairs(paths) do
    local r = res[k]
    if r == nil then
      -- a worker process died while it ran this unit
      local reason = tostring(res.worker_died or "no result")
      r = { status = "failed", reason = reason, full = reason, dt = 0,
            content = stub_header("emitter failed: " .. reason) }
      res[k] = r
    end
    -- (the log line of a file held uncompressed comes later: note_stored)
    local stored = self.stored and self.stored[path] and (r.xz or r.content) and true
    local added, aerr
    if not r.xz and r.content and stored then
      r.xz = archive.content_xz(r.content, "store")
    end
    if r.xz then   -- compressed (or stored) ahead of time: see early, STORED
      added, aerr = self.archive:add_file_xz(path, r.xz)
    else
      added, aerr = self.archive:add_file(path, r.content)
    end
    r.size = r.len or #r.content
    r.content, r.xz = nil, nil   -- the archive has its copy: let this one be collected
    if stored then r.stored_note, res.stored_note = true, true end
    if not added then r.status, r.reason, r.add_error = "failed", tostring(aerr), true end
    -- sos makes a root symlink whenever its target exists, whatever the
    -- command printed; a stub is such a file too
    if e.symlink and added then
      if self.archive:has(e.symlink) then
        r.symlink_taken = true
      else
        self.archive:add_symlink(e.symlink, path)
        self.produced[e.symlink] = r.status
      end
    end
  end
end

-- the log line of a file held uncompressed (--store-kallsyms)
function Run:note_stored(u, res)
  if u.enum_error then return end
  for k, inst in ipairs(u.list) do
    local r = res[k]
    if r and r.stored_note then
      self.log:info("report", string.format("%s: held uncompressed in the .tar.xz (%d bytes; "
        .. "--store-kallsyms)", inst.path, r.size))
    end
  end
end

-- What commit_records needs of a result whose files are in the archive,
-- kept between the two passes of run_plugins for every unit at once.  A
-- single file's result stays as it is (its text is gone); a per-task
-- unit's files that are plainly real (nearly all of them: 164,000 of
-- 195,000 files on a machine of 10,000 tasks, a table each) are kept as
-- their run times packed in one string, the others as they are.
local PLAIN_DT = "<d"
local function slim_result(u, res, nfiles)
  if not u.e.each or u.enum_error then return res end
  local dts, odd = {}, nil
  for k = 1, nfiles do
    local r = res[k]
    if r.status == "real" and r.reason == nil and r.full == nil and r.damaged == nil
       and (r.partial == nil or #r.partial == 0) and r.add_error == nil
       and r.symlink_taken == nil and r.stored_note == nil then
      dts[k] = string.pack(PLAIN_DT, r.dt)
    else
      dts[k] = string.pack(PLAIN_DT, 0)
      odd = odd or {}
      odd[k] = r
    end
  end
  return { slim = table.concat(dts), odd = odd, n = nfiles,
           t0 = res.t0, t1 = res.t1, damage = res.damage }
end

-- what the records say of a unit whose files are in the archive but whose
-- slim result could not be read back (out of memory)
local function lost_result(nfiles)
  local res, why = { damage = 0 }, "its result could not be read back after it was archived"
  for k = 1, nfiles do res[k] = { status = "failed", reason = why, full = why, dt = 0, size = 0 } end
  return res
end

-- one file's log lines and records (commit_records)
function Run:commit_record(plug, e, comp, path, r)
  local log = self.log
  local status, reason = r.status, r.reason
  if r.add_error then
    log:error(comp, "cannot add " .. path .. ": " .. reason)
  elseif status == "failed" then
    local first = not self.failed_once[e]
    self.failed_once[e] = true
    log:error(comp, string.format("emitter %s (%s) failed: %s", path, e.file,
                                  first and (r.full or reason) or reason))
    self.failures[#self.failures + 1] = { path = path, file = e.file, reason = reason }
  elseif status == "stub" then
    if r.damaged then log:warn(comp, "stub " .. path .. ": " .. tostring(reason))
    else log:info(comp, "stub " .. path .. ": " .. tostring(reason)) end
  elseif r.partial and #r.partial > 0 then
    local why = {}
    for _, l in ipairs(r.partial) do
      why[#why + 1] = "'" .. l.key .. "': " .. l.reason
      self.partials[#self.partials + 1] = { path = path, key = l.key, reason = l.reason }
    end
    log:info(comp, "partial " .. path .. ": " .. table.concat(why, "; "))
  elseif not e.each then
    log:debug(comp, string.format("added %s '%s' (%d bytes, %.3f s)",
      e.kind == "command" and "cmd output" or "file", e.command or path, r.size, r.dt))
  end
  self:record(plug, e, path, status, status ~= "real" and reason or nil, r.dt, not e.each)
  if e.each then self.each_time[e] = (self.each_time[e] or 0) + r.dt end
  if r.symlink_taken then
    log:warn(comp, "root symlink " .. e.symlink .. " exists already; not pointing it at " .. path)
  end
end

-- Then, for the same unit: the logs and the manifest.
function Run:commit_records(plug, u, res, paths)
  local log, e = self.log, u.e
  self.damage = (self.damage or 0) + (res.damage or 0)
  local comp = "plugin:" .. e.plugin
  if u.enum_error then
    -- the enumeration itself failed: one failure for the template
    -- (a single-file emitter gets here too when listing its one instance
    -- ran out of memory: KDLUA_FAULT=lua-alloc-every=15013 found it)
    log:error(comp, "cannot enumerate '" .. tostring(e.each or "its file") .. "' for " .. e.path
      .. ": " .. u.enum_error)
    self:record(plug, e, e.path, "failed", "enumeration failed: " .. u.enum_error, 0)
    return
  end
  -- a per-task unit's plainly real files (see slim_result) change only
  -- counters: counted together, their run times added in their order
  local packed, odd = res.slim, res.odd
  local bulk = packed and e.kind ~= "command" and #paths > 0
  local plain, spent = 0, nil
  if bulk then
    spent = self.each_time[e] or 0
    self:template_counts(e)
    self:spec(plug, e)
  end
  local keep, produced = self.keep_produced, self.produced
  for k, path in ipairs(paths) do
    local r = res[k]
    if packed then
      r = odd and odd[k]
      if r == nil and not bulk then
        r = { status = "real", dt = string.unpack(PLAIN_DT, packed, 8 * k - 7) }
      end
    end
    if r == nil then
      plain = plain + 1
      spent = spent + string.unpack(PLAIN_DT, packed, 8 * k - 7)
      if keep(e.path, path) then produced[path] = "real" end
    else
      if bulk then self.each_time[e] = spent end
      self:commit_record(plug, e, comp, path, r)
      if bulk then spent = self.each_time[e] end
    end
  end
  if bulk then
    self.each_time[e] = spent
    if plain > 0 then
      local tc = self.templates[e.path]
      tc.real = tc.real + plain
      self.counts.real = self.counts.real + plain
      local st = plug.specs[e.path].kdlua_status
      st.real = (st.real or 0) + plain
    end
  end
  -- a per-task unit's files are listed as the unit itself: books.lua
  -- makes their paths again (unit_paths) when it writes the lists
  if e.each and e.kind ~= "command" and #paths > 0 then
    local spec = plug.specs[e.path]
    spec.files_copied[#spec.files_copied + 1] = u
    plug.report.copied_files[#plug.report.copied_files + 1] = u
  end
  -- after the template's last unit: one line for all its instances
  if e.each then
    self.seen[e] = (self.seen[e] or 0) + #paths
    if self.seen[e] >= u.total then
      local tc = self.templates[e.path] or {}
      log:debug(comp, string.format("added %s for each of %d %s: %d real, %d stub, %d failed (%.3f s)",
        e.path, u.total, e.each, tc.real or 0, tc.stub or 0, tc.failed or 0, self.each_time[e] or 0))
    end
  end
end

-- }------

-- {------ an emitter started before discovery ------

-- /proc/kallsyms is half the archive's bytes (3.7 MB of 7 on a small
-- machine; more with many modules) and needs nothing that discovery finds.
-- With -j > 1 it runs in a helper process forked before discovery, which
-- for an xz archive also makes the content's xz stream (kdarchive.h,
-- kd_archive_content_xz; held uncompressed, see STORED): both then overlap
-- this process's single-threaded start (discovery, planning), while the
-- other CPUs would idle.  Its result is read in once the helper has ended
-- and committed like any unit's; should the helper fail, the unit runs
-- here after the others.  (Tried and left out: more emitters in the
-- helper -- lsof, dmesg, vmallocinfo: no faster in alternating runs.)
local EARLY = { file = "kernel_kallsyms.lua", path = "proc/kallsyms" }

-- in the helper: the emitter file alone, in a registry of its own, and
-- the emitter run as compute() runs any unit
local function run_early(dir, limits, xz_level, stored, threads)
  local reg = registry.new(logmod.new(0), limits)
  reg:load_file(dir .. "/" .. EARLY.file, "bundled")
  local e = reg.by_path[EARLY.path]
  if not e then return { missing = true } end
  local res = setmetatable({ limits = limits, spent = {} }, Run)
    :compute({ e = e, list = { { path = EARLY.path, args = {} } } })
  local r = res[1]
  if xz_level and r and r.content then
    -- only the stream travels back: the archive never needs the text
    local c0 = sandbox.clock()
    r.xz = archive.content_xz(r.content, stored and stored[EARLY.path] and "store" or xz_level,
                              threads)
    r.len, r.content = #r.content, nil
    res.xz_time = sandbox.clock() - c0
  end
  res.maxrss = require("kdlua.parallel").maxrss()
  res.cpu = os.clock()          -- the process's, its xz threads' included
  res.ended = sandbox.clock()
  return res
end

local function start_early(dir, limits, xz_level, stored, threads, log)
  local h, why = workers.spawn(function()
    return run_early(dir, limits, xz_level, stored, threads)
  end)
  if not h then
    log:warn("report", "no helper process for " .. EARLY.path .. ": " .. tostring(why))
    return nil
  end
  return { handle = h, file = EARLY.file, path = EARLY.path, full = dir .. "/" .. EARLY.file }
end

-- did discovery load this very file (not another of the same name, say a
-- site's after the bundled one failed)?
function Run:loaded_ok(path)
  for _, f in ipairs(self.reg.files) do
    if f.file == path then return f.status == "ok" end
  end
  return false
end

-- the helper's result for the early unit, or the unit run here
-- (once: asked again, it gives the same answer)
function Run:early_result(units)
  local early = self.early
  if early.answered then return early.result end
  early.answered = true
  if not early.unit then
    workers.cancel(early.handle)   -- its emitter is not part of this report
    return nil
  end
  local asked = sandbox.clock()
  local res, why = workers.collect(early.handle)
  if res and not res.missing and res[1] then
    -- (the wait says whether the report ended up waiting for the helper)
    self.log:info("report", string.format("%s: run by a helper process from the start (%.3f s)%s, "
      .. "%.3f s CPU, peak RSS %.1f MiB; the report waited %.3f s for it",
      early.path, res[1].dt or 0,
      res[1].xz and string.format(", its xz stream made there (%.3f s)", res.xz_time or 0) or "",
      res.cpu or 0, (res.maxrss or 0) / 1048576, math.max(0, (res.ended or asked) - asked)))
    early.result = res
  else
    self.log:warn("report", early.path .. ": helper process gave no result ("
      .. tostring(why or "emitter not found") .. "); run here")
    early.result = self:compute(units[early.unit])
  end
  return early.result
end

-- }------

-- after_fork(): run in this process once the workers have started (or
-- first, without workers), before it claims units of its own;
-- files_ready(): once every emitter's file is in the archive (before the
-- logs and the manifest records are made)
function Run:run_plugins(after_fork, files_ready)
  local names = {}
  for _, name in ipairs(util.sorted_keys(self.reg.plugins)) do
    if self.reg.plugins[name].enabled then names[#names + 1] = name end
  end
  self.log:ui(" Running plugins. Please wait ...")
  local c_plan = sandbox.clock()
  local units, order, before_fork = self:plan(names)
  -- units_before[k]: units in groups 1..k (for the progress line)
  self.units_before, self.units_total = { [0] = 0 }, #units
  for k, g in ipairs(order) do self.units_before[k] = self.units_before[k - 1] + #g end
  self.log:info("report", string.format("planned in %.3f s", sandbox.clock() - c_plan))
  self.log:info("report", string.format("%d plugins, %d units of work in %d groups, %d process(es)",
                                        #names, #units, #order, self.jobs))
  -- workers start from a copy of this process: load what every process
  -- would otherwise build for itself (the address index of all symbols,
  -- modules' included).  (No kd.trim() here or after discovery: what it
  -- gave back was faulted in again at once, ~20 ms of the serial start,
  -- and the peaks did not move.)
  pcall(kd.symbolize, 0)
  -- the helper's result is read in as soon as it has ended, between two of
  -- this process's groups, rather than after all of them
  local function collect_early()
    if self.early and not self.early.answered and workers.done(self.early.handle) then
      self:early_result(units)
    end
  end
  -- a worker still in one unit well past the emitter's budget is stuck
  -- in a C function (the sandbox's hook cannot stop it): it is ended.
  -- The grace is generous: the hook looks at the clock only every 1000
  -- instructions, and a slow machine (or a sanitizer build) may spend
  -- seconds in a few of them before a budget error is raised
  local budget = self.limits.time or 0
  local wl = { total = self.report_timeout,
               unit = budget > 0 and budget + math.max(5, budget) or nil,
               -- the supervisor shows the line: the plugin of the last
               -- group claimed
               progress = function()
                 local g = order[workers.claimed and workers.claimed() or 0]
                 self:progress(g and units[g[1]].plugin or "")
               end }
  -- The first of the commit's two passes (see below) runs while the
  -- workers do: each unit's files go into the archive as soon as its
  -- result is in, in the order results come, unless order_free says
  -- that order matters for its emitter.  In slices of FILE_SLICE
  -- seconds, between two looks of the supervisor at the workers.
  local slim, stored_notes, filed, garbage = workers.stash(), {}, {}, 0
  local function file_unit(i, results)
    local u = units[i]
    -- each result is garbage once committed (its text read back from a
    -- worker's file, then copied to the archive's spool): collected
    -- every GC_BYTES of it, so that results do not pile up between two
    -- of the collector's own cycles.  Counted before a result is read
    -- back, so that a big one (every task's stack trace: 10 MB) comes
    -- into a heap rid of the earlier ones; PER_FILE bytes more for each
    -- file's tables and small strings.
    garbage = garbage + workers.stored_size(results, i)
    if garbage >= GC_BYTES then
      collectgarbage("collect")
      garbage = 0
    end
    local res = results[i]
    local paths = unit_paths(u)
    self:commit_files(u, res, paths)
    if res.stored_note then stored_notes[i] = res   -- (one or two)
    else slim:put(i, slim_result(u, res, #paths)) end
    filed[i] = true
    garbage = garbage + PER_FILE * #paths
  end
  local free, queue, head = nil, {}, 1
  wl.arrived = function(i, results)
    if not free then
      -- (what planning left in this process's heap, and what it mapped
      -- of the debug files, are not needed to commit)
      collectgarbage("collect")
      kd.trim()
      free = order_free(units)
    end
    if free[units[i].e] then
      queue[#queue + 1] = i
      queue.results = results
    end
  end
  local function between()
    collect_early()
    local stop = sandbox.clock() + FILE_SLICE
    while queue[head] and sandbox.clock() < stop do
      file_unit(queue[head], queue.results)
      queue[head] = nil
      head = head + 1
    end
    return queue[head] ~= nil
  end
  local results, problems, stats = workers.run(order, self.jobs, function(i)
    return self:compute(units[i])
  end, before_fork, after_fork, between, wl)
  -- what the emitters mapped of the debug files is not needed to commit,
  -- nor what planning and running left in this process's heap (let go
  -- already when the first result came in)
  if not free then
    collectgarbage("collect")
    kd.trim()
  end
  for _, p in ipairs(problems) do self.log:error("report", p) end
  for w, st in ipairs(stats) do
    do
      self.log:info("report", string.format(
        "process %d: %d units in %d groups, %.3f s running them, done at +%.3f s, peak RSS %.1f MiB",
        w, st.units or 0, st.groups or 0, st.busy or 0, st.done or 0, (st.maxrss or 0) / 1048576))
    end
  end
  local c_commit = sandbox.clock()
  local by_unit = results
  if self.early then by_unit[self.early.unit or 0] = self:early_result(units) end
  -- a plugin's manifest entry and report section, filled by commit()
  local function new_plugin()
    return {
      md = { setup_start = "", setup_end = "", setup_time = "", timeout_hit = false,
             commands = json.array(), files = json.array() },
      specs = {},
      report = { commands = {}, copied_files = {}, alerts = {} },
    }
  end
  local function close_plugin(name, p)
    local now = sandbox.now()
    p.md.start_time = util.datetime(p.t0 or now)
    p.md.end_time = util.datetime(p.t1 or now)
    p.md.run_time = util.timedelta((p.t1 or 0) - (p.t0 or 0))
    for _, spec in ipairs(p.md.files) do
      if next(spec.kdlua_status) == nil then spec.kdlua_status = json.object() end
    end
    self.books:plugin(name, p.md, p.report)
  end
  -- Two passes.  The first puts each unit's files into the archive
  -- (which spools them to disk) and keeps of its result only what the
  -- logs and the manifest need (slim_result): begun while the workers
  -- ran (file_unit), it ends here in commit order with what is left.
  -- The writer thread then starts on the archive while the second, in
  -- commit order, makes each
  -- unit's log lines and manifest records (and the plugins' sections of
  -- sos.txt, sos.json and the manifest), so that those ~1.2 s on a
  -- machine of 10,000 tasks are no longer added to the writing's.  A
  -- result (read back from its worker's file) is dropped after the first
  -- pass, so the whole report's text is never in this process at once.
  for i in ipairs(units) do
    if not filed[i] then
      file_unit(i, by_unit)
      by_unit[i] = nil
    end
  end
  -- the results are all garbage now (a few MB of a small report's are
  -- left to the collector's pace)
  if garbage >= GC_BYTES // 4 then
    collectgarbage("collect")
    kd.trim()
  end
  if self.verbose > 0 then
    -- (not in sos.log, whose lines stay those of earlier runs)
    io.stderr:write(string.format("kdlua: info: [report] files in the archive in %.3f s\n",
                                  sandbox.clock() - c_commit))
  end
  if files_ready then files_ready() end
  -- (--store-kallsyms' lines come first, as when the files had a pass of
  -- their own)
  for i, u in ipairs(units) do
    if stored_notes[i] then self:note_stored(u, stored_notes[i]) end
  end
  -- units come plugin by plugin, in the order of names (see plan); a
  -- plugin's records go to the bookkeeping as soon as its last unit is in
  -- (one with no enabled emitter still gets its empty section)
  self.books = books.new(names, unit_paths)
  local nstarted, i = 0, 1
  garbage = 0
  for _, name in ipairs(names) do
    local plug = new_plugin()
    if units[i] and units[i].plugin == name then
      nstarted = nstarted + 1
      self.log:ui(string.format("  Starting %d/%d  %-15s [Running: %s]", nstarted, #names,
                                name, name))
    end
    local nfiles = 0
    while units[i] and units[i].plugin == name do
      local u = units[i]
      local paths = unit_paths(u)
      local res = stored_notes[i] or slim:take(i) or lost_result(#paths)
      -- a plugin's time: from its first unit's start to its last unit's end,
      -- whichever process ran them
      if res.t0 and (not plug.t0 or res.t0 < plug.t0) then plug.t0 = res.t0 end
      if res.t1 and (not plug.t1 or res.t1 > plug.t1) then plug.t1 = res.t1 end
      self:commit_records(plug, u, res, paths)
      i = i + 1
      nfiles = nfiles + #paths
      garbage = garbage + PER_FILE * #paths
      if garbage >= GC_BYTES then
        collectgarbage("collect")
        garbage = 0
      end
    end
    close_plugin(name, plug)
    -- the paths its lists were written with (the process plugin's:
    -- every per-task path, made again three times) are garbage now
    garbage = garbage + PER_FILE * nfiles
  end
  assert(i == #units + 1, "units are not in the order of their plugins")
  slim:close()
  collectgarbage("collect")
  kd.trim()
  self.log:info("report", string.format("results committed in %.3f s", sandbox.clock() - c_commit))
  if self.tty and self.verbose == 0 and #names > 0 then
    io.stderr:write("\r\27[K")
  end
  self.log:ui("  Finished running plugins")
  return names
end

-- }======

-- {====== reports: manifest, sos.txt, sos.json, version.txt ======

local function hex(n) return n and string.format("0x%x", n) or json.null end

local function vmcore_section(info, crash, crash_source)
  local mods = json.array()
  local ok, list = pcall(kd.modules)
  if ok then
    table.sort(list, function(a, b) return a.name < b.name end)
    for _, m in ipairs(list) do
      mods[#mods + 1] = { name = m.name, address = hex(m.address),
                          debuginfo = m.debuginfo or json.null, note = m.note }
    end
  end
  local uts = kd.uts()
  return {
    dump = info.path, format = info.format, arch = info.arch,
    release = kd.release() or uts.release or json.null,
    hostname = uts.nodename or json.null,
    kaslr_offset = hex(info.kaslr_offset), page_size = info.page_size,
    cpu_notes = info.cpu_notes,
    crash_time = crash and os.date("!%Y-%m-%d %H:%M:%S", crash) .. " UTC" or json.null,
    crash_time_epoch = crash or json.null, crash_time_source = crash_source,
    debuginfo = {
      vmlinux = info.vmlinux or json.null, vmlinux_read = info.vmlinux_read or json.null,
      build_id = info.build_id or json.null, modules = mods,
      -- "DWARF" (a vmlinux), "BTF" (the dump's own BTF and kallsyms) or none
      types = info.type_source or json.null,
      types_note = info.source_warning or json.null,
    },
    notes = json.array({ table.unpack(info.notes or {}) }),
  }
end

-- }======

-- the host's own files: their paths are reserved, so a failure is a bug
local function host_file(a, path, data)
  local ok, err = a:add_file(path, data)
  if not ok then error("cannot add " .. path .. ": " .. tostring(err), 2) end
end

-- xz preset 0: higher presets cost 10x the time for 3% less
local XZ_LEVEL = 0

-- Files a .tar.xz holds uncompressed with --store-kallsyms (LZMA2's
-- uncompressed chunks inside the xz stream: the archive stays one valid
-- .tar.xz).  proc/kallsyms is half the report's bytes, and xz at its
-- fastest preset needs ~0.1 s of CPU for its 3.7 MB (27 ns a byte: hex
-- addresses leave LZMA many literals).  People mail these archives, so by
-- default it is compressed too: with -j > 1 in the helper process that
-- makes the file while the report starts (see EARLY), off the critical
-- path; --store-kallsyms is the fast path for whoever wants it.
local STORED = { ["proc/kallsyms"] = true }

local function check_output(o)
  local ok_c, cerr = archive.check_compression(o.compression)
  if not ok_c then usage_error(tostring(cerr)) end
  local st = archive.stat(o.tmp_dir)
  if not st or not st.is_dir then usage_error("--tmp-dir " .. o.tmp_dir .. " is not a directory") end
  -- found out now, not after the emitters ran (as a traceback)
  local probe = o.tmp_dir .. "/.kdlua-write-test." .. require("kdlua.parallel").pid()
  local f, ferr = io.open(probe, "w")
  if not f then
    usage_error("cannot write in --tmp-dir " .. o.tmp_dir .. ": " .. tostring(ferr):gsub("^.*: ", ""))
  end
  f:close()
  os.remove(probe)
  for _, d in ipairs(o.emitters_dirs) do
    local sd = archive.stat(d)
    if not sd or not sd.is_dir then usage_error("--emitters-dir " .. d .. " is not a directory") end
  end
end

local function hostname_for_name()
  local ok, uts = pcall(kd.uts)
  local h = ok and uts.nodename or nil
  if not h or h == "" or h == "(none)" then h = "unknown" end
  -- sos: the short name, only characters safe in a file name
  h = h:match("^[^.]*"):gsub("[^%w_-]", "")
  if h == "" then h = "unknown" end
  return h
end

function M.main(args)
  local t_start, c_start = sandbox.now(), sandbox.clock()
  local o = parse(args)
  if o.help then io.stdout:write(M.usage) return 0 end
  local log = logmod.new(o.verbose)
  local limits = { time = o.timeout, memory = math.floor(o.memory_mb * 1024 * 1024) }
  log:info("report", "kdlua " .. archive.version .. " report starting")
  local root = KDLUA_SCRIPTS or "."
  local jobs = o.jobs or workers.default_jobs()
  local letters = util.random_letters(7)
  local function archive_name(crash)
    return "sosvmcore-" .. hostname_for_name() .. (o.name and ("-" .. o.name) or "")
      .. "-" .. os.date("!%Y-%m-%d", crash or 0) .. "-" .. letters
  end
  local early
  local stored = not o.build and o.compression == "xz" and o.store_kallsyms and STORED or nil
  if kd and not o.list then
    check_output(o)
    archive.guard()
    local stale = archive.remove_stale(o.tmp_dir)
    if stale > 0 then
      log:info("report", string.format("removed %d partial report(s) of dead runs from %s", stale, o.tmp_dir))
    end
    -- the module list and symbols: loaded once here, inherited by the
    -- helper and the workers, and named in the manifest whatever -j is
    pcall(kd.modules)
    if jobs > 1 then
      local xz_level = not o.build and o.compression == "xz" and XZ_LEVEL or nil
      -- its xz stream made by as many threads as there are workers: with
      -- the rodata probe cached, discovery ends soon enough that the
      -- workers were done first, and the report waited for the helper's
      -- one thread (~0.12 s of CPU for 3.7 MB; in 2 of 10 alternating
      -- reports, up to 16 ms); its threads share the CPUs while the
      -- workers run, and have them to themselves after
      early = start_early(root .. "/emitters", limits, xz_level, stored, jobs, log)
    end
  end
  local reg = registry.new(log, limits)
  reg:load_dir(root .. "/emitters", "bundled")
  for _, d in ipairs(o.emitters_dirs) do reg:load_dir(d, "site") end
  for d in (os.getenv("KDLUA_EMITTERS") or ""):gmatch("[^:]+") do reg:load_dir(d, "site") end
  local enabled, unknown = select_plugins(reg, o, log)
  if not enabled then
    if early then workers.cancel(early.handle) end
    usage_error("no plugin named " .. table.concat(unknown, ", ")
      .. " (kdlua report --list-plugins lists them)")
  end
  local c_disc = sandbox.clock()
  if o.list then
    list_plugins(reg)
    return 0
  end
  if kd == nil then usage_error("needs a dump: --vmcore FILE") end

  -- the crash time is needed only for the archive's name and mtimes: the
  -- report process works it out while the workers already run emitters
  local crash, crash_source
  local function find_crash_time()
    crash, crash_source = crashtime.get()
    if crash then
      log:info("report", "crash time " .. os.date("!%Y-%m-%d %H:%M:%S", crash) .. " UTC (" .. crash_source .. ")")
    else
      log:warn("report", "crash time unknown (" .. tostring(crash_source) .. "): mtimes are 0")
    end
  end
  local info = kd.dump_info()
  log:info("report", "dump " .. info.path .. " (" .. info.format .. ", " .. info.arch .. ")")
  if info.source_warning then log:warn("report", info.source_warning) end
  local m = cpus.masks()
  if #m.stopped > 0 then
    log:info("report", "CPUs " .. util.cpulist(m.stopped) .. " were stopped by the panic "
      .. "(stop_this_cpu cleared them in cpu_online_mask); reported online")
  end

  local run = setmetatable({
    log = log, reg = reg, limits = limits, archive = archive.new(),
    produced = {}, templates = {}, counts = { real = 0, stub = 0, failed = 0 },
    failures = {}, keep_produced = coverage.needed(sos_paths),
    tty = sandbox.isatty(2), verbose = o.verbose, jobs = jobs,
    spent = {}, failed_once = {}, each_time = {}, seen = {}, early = early, partials = {},
    stored = stored, report_timeout = o.report_timeout,
  }, Run)
  log:ui(" kdlua " .. archive.version .. " report of " .. info.path)
  local c_run0 = sandbox.clock()
  local a = run.archive
  -- the files' text waits on disk, beside where the archive goes
  local sp_ok, sp_err = a:spool(o.tmp_dir)
  if not sp_ok then log:warn("report", "archive contents kept in memory: " .. tostring(sp_err)) end
  local name, ext, path, c_write
  -- Every emitter's file is in: a thread starts writing the archive now,
  -- while the logs, the manifest and the report's own files are made.
  -- Those sort after what it writes (sos_logs/, sos_reports/,
  -- version.txt), and so do the few emitter paths it leaves for the end
  -- (sys/..., root symlinks from u on).
  local function start_writing()
    name = archive_name(crash)
    ext = ({ xz = ".tar.xz", gzip = ".tar.gz", zstd = ".tar.zst", none = ".tar" })[o.compression]
    path = o.tmp_dir .. "/" .. name .. ext
    c_write = sandbox.clock()
    if not o.build then
      -- up to two xz threads: the archive decides by each part's size
      -- (kdarchive.c, xz_plan): one for a small part written beside this
      -- process's bookkeeping, two for a big one, and for the rest after
      local level = ({ xz = XZ_LEVEL, gzip = 6, zstd = 3 })[o.compression]
      a:write_begin(path, { top = name, mtime = crash or 0, compression = o.compression,
                            level = level, threads = 2 }, "sos_logs")
    end
  end
  local ran = run:run_plugins(find_crash_time, start_writing)
  local c_run1 = sandbox.clock()

  -- the host's own files
  local versions = { "kdlua: " .. archive.version }
  for _, n in ipairs(ran) do versions[#versions + 1] = n .. ": kdlua" end
  host_file(a, "version.txt", table.concat(versions, "\n") .. "\n")
  -- coverage counts sos plugins kdlua has no emitters for as well (their
  -- paths are all "missing"), unless -o/-n leave them out
  local cov_plugins = {}
  for n in pairs(enabled) do cov_plugins[n] = true end
  local only, skip = o.only and util.set(o.only), util.set(o.skip)
  for n in pairs(sos_paths) do
    if not reg.plugins[n] and not skip[n] and (not only or only[n]) then cov_plugins[n] = true end
  end
  local cov = coverage.compute(sos_paths, cov_plugins, run.produced, run.templates)
  for n, p in pairs(cov.plugins) do p.implemented = reg.plugins[n] ~= nil end
  local cov_line = coverage.summary_line(cov)
  log:ui(cov_line)
  log:info("report", cov_line)
  log:info("report", string.format("emitted %d real, %d stub, %d failed",
    run.counts.real, run.counts.stub, run.counts.failed))
  if (run.damage or 0) > 0 then
    log:warn("report", string.format("%d read(s) of damaged dump data (pages that do not "
      .. "inflate, a file cut short): the files that hit them are stubs saying so; "
      .. "files made from what other emitters cached may be incomplete too", run.damage))
  end
  host_file(a, "sos_reports/coverage.json", json.encode(cov, 4) .. "\n")
  if #run.partials > 0 then
    -- one line per incomplete line of a real file: PATH<TAB>KEY<TAB>REASON
    -- (what `kdlua fidelity` and readers use to tell them apart)
    local pl = {}
    local function clean(x) return (tostring(x):gsub("[\t\n]", " ")) end
    for _, p in ipairs(run.partials) do
      pl[#pl + 1] = clean(p.path) .. "\t" .. clean(p.key) .. "\t" .. clean(p.reason) .. "\n"
    end
    host_file(a, "sos_reports/kdlua_partial.txt", table.concat(pl))
  end
  run.books:write_txt(a)
  run.books:write_json(a)

  local enabled_list, disabled_list = json.array(), json.array()
  for _, n in ipairs(util.sorted_keys(reg.plugins)) do
    if reg.plugins[n].enabled then enabled_list[#enabled_list + 1] = n
    else disabled_list[#disabled_list + 1] = n end
  end
  local cmdline = { "kdlua", "report", "--vmcore", info.path }
  for _, v in ipairs(args) do cmdline[#cmdline + 1] = v end
  local emitter_files = json.array()
  for _, f in ipairs(reg.files) do
    emitter_files[#emitter_files + 1] = { file = f.file, origin = f.origin, status = f.status,
                                          emitters = f.count, error = f.message }
  end
  local manifest = {
    version = archive.version,
    cmdline = table.concat(cmdline, " "),
    start_time = util.datetime(t_start),
    end_time = "", run_time = "",
    compression = o.build and "" or o.compression,
    policy = "kdlua vmcore",
    components = {
      report = {
        sysroot = "/", preset = "unset", profiles = json.array(), devices = json.object(),
        enabled_plugins = enabled_list, disabled_plugins = disabled_list,
        plugins = false,   -- books:write_manifest
      },
    },
    vmcore = vmcore_section(info, crash, crash_source),
    kdlua = {
      emitter_files = emitter_files,
      limits = { time = o.timeout, memory_mb = o.memory_mb },
      jobs = jobs,
      totals = run.counts,
      damaged_reads = run.damage or 0,
    },
  }
  log:info("report", string.format("timing: start+discovery %.3f s, setup %.3f s, emitters %.3f s, "
    .. "reports %.3f s", c_disc - c_start, c_run0 - c_disc, c_run1 - c_run0, sandbox.clock() - c_run1))
  local di = kd.dump_info()
  log:info("report", string.format("dump page cache: %d hits, %d misses",
    di.page_cache_hits or 0, di.page_cache_misses or 0))
  log:ui(o.build and " Creating build directory..." or " Creating compressed archive...")
  log:info("report", "archive " .. name .. " (" .. a:count() .. " entries)")
  local t_end = sandbox.now()
  manifest.end_time = util.datetime(t_end)
  manifest.run_time = util.timedelta(t_end - t_start)
  run.books:write_manifest(a, manifest)
  host_file(a, "sos_logs/sos.log", log:sos_text())
  host_file(a, "sos_logs/ui.log", log:ui_text())

  local nfailed = #run.failures
  local out = {}
  if o.build then
    local dir = o.tmp_dir .. "/" .. name
    a:write_dir(dir, { mtime = crash or 0 })
    out[#out + 1] = ""
    out[#out + 1] = "Your sosvmcore report build tree has been generated in:"
    out[#out + 1] = "\t" .. dir
    out[#out + 1] = ""
  else
    local size, sha = a:write_finish()
    archive.write_file(path .. ".sha256", sha .. "  " .. name .. ext .. "\n", 384)
    local stp = archive.stat(path)
    out[#out + 1] = ""
    out[#out + 1] = "Your sosvmcore report has been generated and saved in:"
    out[#out + 1] = "\t" .. path
    out[#out + 1] = ""
    out[#out + 1] = " Size\t" .. util.human_size(size)
    out[#out + 1] = " Owner\t" .. (stp and stp.owner or "?")
    out[#out + 1] = " sha256\t" .. sha
    out[#out + 1] = ""
    out[#out + 1] = "Please send this file to your support representative."
    out[#out + 1] = ""
  end
  if not o.quiet then io.stdout:write(table.concat(out, "\n"), "\n") end
  if nfailed > 0 then
    io.stderr:write(string.format("kdlua report: %d emitter output(s) failed; see sos_logs/sos.log\n",
                                  nfailed))
  end
  if (run.damage or 0) > 0 then
    io.stderr:write(string.format("kdlua report: %d read(s) of damaged dump data; see sos_logs/sos.log\n",
                                  run.damage))
  end
  if #reg.errors > 0 then
    io.stderr:write(string.format("kdlua report: %d emitter file(s) skipped; see sos_logs/sos.log\n",
                                  #reg.errors))
  end
  if o.verbose > 0 then
    -- (the log lines of each process's peak RSS are written while the
    -- workers end; this process's own peak comes later, when the archive
    -- is written)
    io.stderr:write(string.format("kdlua report: %.3f s (writing %.3f s), main process peak RSS %.1f MiB\n",
                                  sandbox.clock() - c_start, sandbox.clock() - c_write,
                                  require("kdlua.parallel").maxrss() / 1048576))
  end
  return 0
end

return M
