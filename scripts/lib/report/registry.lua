-- report/registry.lua: discovery and validation of emitters.
--
-- Every *.lua file of the emitter directories (bundled first, then
-- --emitters-dir, then $KDLUA_EMITTERS; each directory sorted bytewise,
-- dotfiles skipped) is loaded as text and run once, in its own minimal
-- environment (M.environment) holding `emit`, `plugin`, `stub`,
-- `report.stub` and `kdlua.stub`, under the same time and memory budget as
-- an emitter.  What it registers is checked field by field; a file with
-- any bad registration (or that fails to load or run) contributes nothing,
-- and the report goes on without it.  See docs/emitters.md.

local archive = require("kdlua.archive")
local sandbox = require("kdlua.sandbox")
local util = require("report.util")

local M = {}

M.ENUMERATORS = {
  pids = { "pid" },          -- run(pid, task): thread-group leaders
  tids = { "tid", "pid" },   -- run(tid, task, pid): every thread
  cpus = { "cpu" },          -- run(cpu)
}

local FIELDS = {
  path = "string", command = "string", plugin = "string", description = "string",
  run = "function", each = "string", default = "boolean", symlink = "string",
  tags = "table", subdir = "string", shares = "string",
}

local PLUGIN_FIELDS = { name = "string", description = "string", default = "boolean" }

-- the marker of stub(reason, text) results
local stub_mt = { __name = "kdlua.stub" }
M.stub_mt = stub_mt

function M.stub(reason, text)
  if type(reason) ~= "string" then error("stub: reason must be a string", 2) end
  if text ~= nil and type(text) ~= "string" then error("stub: text must be a string", 2) end
  return setmetatable({ reason = reason, text = text or "" }, stub_mt)
end

function M.is_stub(v) return getmetatable(v) == stub_mt end

-- partial(text, lines): a real file in which some lines lack a part the
-- dump or its debuginfo cannot give (e.g. one filesystem's mount options
-- when its module has no types).  `lines` lists { key = the line's start,
-- exact as written (what identifies it), reason = why it is incomplete };
-- the file is written as is, the lines go to sos_reports/kdlua_partial.txt
-- and the log, so that a reader of one file is not misled and the rest of
-- the file keeps its value.
local partial_mt = { __name = "kdlua.partial" }
M.partial_mt = partial_mt

function M.partial(text, lines)
  if type(text) ~= "string" then error("partial: text must be a string", 2) end
  if type(lines) ~= "table" then error("partial: lines must be a list", 2) end
  local copy = {}
  for i, l in ipairs(lines) do
    if type(l) ~= "table" or type(l.key) ~= "string" or type(l.reason) ~= "string" then
      error("partial: line " .. i .. " needs string key and reason", 2)
    end
    copy[i] = { key = l.key, reason = l.reason }
  end
  return setmetatable({ text = text, lines = copy }, partial_mt)
end

function M.is_partial(v) return getmetatable(v) == partial_mt end

-- also real globals, for libraries that emitters require (they run in _G)
if rawget(_G, "stub") == nil then _G.stub = M.stub end
if rawget(_G, "partial") == nil then _G.partial = M.partial end

-- {====== the emitters' environment ======
--
-- An emitter file runs in a table of its own holding only what emitters
-- need (docs/emitters.md, "The environment"): the safe base functions,
-- copies of string, table, math, utf8, coroutine, a few os time
-- functions, a copy of kd, require for the Lua libraries of scripts/lib,
-- load of text chunks.  No process, file or debug access: no os.exit,
-- os.execute, io, debug, package, print, dofile, loadfile, collectgarbage,
-- string.dump; what it assigns, to its globals or to its copies of the
-- libraries, stays its own.

local BASE = { "assert", "error", "ipairs", "next", "pairs", "pcall", "rawequal", "rawget",
               "rawlen", "rawset", "select", "setmetatable", "tonumber", "tostring", "type",
               "xpcall", "_VERSION" }
local LIBS = { "string", "table", "math", "utf8", "coroutine" }
local OS = { "clock", "date", "difftime", "time" }
-- scripts/lib modules an emitter may not have: the report's own machinery
local PRIVATE = { report = true, ["report.init"] = true, ["report.workers"] = true,
                  ["report.registry"] = true, ["report.log"] = true }

local function copy(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return c
end

-- the read-only part of host modules an emitter may use (listing a
-- directory of scripts, say), as a copy: never a function that writes
local HOST_VIEWS = { ["kdlua.archive"] = { "listdir", "stat" } }

-- require for emitters: Lua files of scripts/lib only (what
-- package.searchpath finds on kdlua's path) and the read-only views above,
-- never another C module, a standard library or the report's internals
local function safe_require(name)
  if type(name) ~= "string" or not name:match("^[%w_]+[%w_.]*$") or PRIVATE[name] then
    error("require: module '" .. tostring(name) .. "' is not available to emitters", 2)
  end
  if HOST_VIEWS[name] then
    local m, view = require(name), {}
    for _, k in ipairs(HOST_VIEWS[name]) do view[k] = m[k] end
    return view
  end
  if not package.searchpath(name, package.path) then
    error("require: module '" .. name .. "' is not a library of scripts/lib", 2)
  end
  return require(name)
end

function M.environment()
  local env = {}
  for _, k in ipairs(BASE) do env[k] = _G[k] end
  for _, k in ipairs(LIBS) do env[k] = copy(_G[k]) end
  env.string.dump = nil
  env.os = {}
  for _, k in ipairs(OS) do env.os[k] = os[k] end
  -- strings' metatable is the real string library: not handed out
  env.getmetatable = function(v)
    if type(v) == "string" then return nil end
    return getmetatable(v)
  end
  env.load = function(chunk, name, _, e)
    return load(chunk, name, "t", e or env)
  end
  env.require = safe_require
  if kd then
    -- (with its metatable: without a dump, kd is a table of placeholders)
    env.kd = setmetatable(copy(kd), getmetatable(kd))
  end
  env.stub, env.partial = M.stub, M.partial
  env.KDLUA_SCRIPTS = rawget(_G, "KDLUA_SCRIPTS")
  env._G = env
  return env
end

-- }======

local function check_relpath(p, what)
  if p == "" then return what .. " is empty" end
  if p:find("%z") then return what .. " contains a NUL byte" end
  -- a newline or a backslash in a tar member name confuses every tool
  -- that lists or extracts it (and sos clean's path rewriting)
  if p:find("[%c\\]") then return what .. " contains a control character or a backslash" end
  if p:sub(1, 1) == "/" then return what .. " '" .. p .. "' is absolute" end
  if p:sub(-1) == "/" then return what .. " '" .. p .. "' ends with '/'" end
  for comp in (p .. "/"):gmatch("([^/]*)/") do
    if comp == "" then return what .. " '" .. p .. "' has an empty component" end
    if comp == ".." then return what .. " '" .. p .. "' has a '..' component" end
    if comp == "." then return what .. " '" .. p .. "' has a '.' component" end
  end
  local top = p:match("^[^/]+")
  if p == "version.txt" then return what .. " 'version.txt' is written by the host" end
  if top == "sos_logs" or top == "sos_reports" then
    return what .. " '" .. p .. "' is under " .. top .. "/, which the host writes"
  end
  return nil
end

-- one-line descriptions of sos's plugins (as `sos report -l` shows them),
-- for plugins that spring into existence through emit{} alone
M.SOS_DESCRIPTIONS = {
  block = "Block device information", cgroups = "Control groups subsystem",
  filesys = "Local file systems", host = "Host information",
  kernel = "Linux kernel", memory = "Memory configuration and use",
  networking = "Network and device configuration", process = "process information",
  processor = "CPU information",
}

-- `kd` while discovering emitters with no dump open
M.NO_DUMP = "registers only with a dump"
M.no_dump_kd = setmetatable({}, { __index = function(_, k)
  return function() error("kd." .. tostring(k) .. ": " .. M.NO_DUMP, 2) end
end })

local Registry = {}
Registry.__index = Registry

function M.new(log, limits)
  return setmetatable({
    log = log, limits = limits or {},
    plugins = {},        -- name -> {name, description, default, emitters = {}}
    emitters = {},       -- registration order
    by_path = {},        -- template path -> emitter
    files = {},          -- {file=, origin=, status="ok"|"failed", message=, count=}
    errors = {},         -- {file=, message=}
  }, Registry)
end

function Registry:get_plugin(name, file)
  local p = self.plugins[name]
  if not p then
    p = { name = name, emitters = {}, files = {} }
    self.plugins[name] = p
  end
  return p
end

-- Validate one emit{} table: returns the emitter record or raises with a
-- message naming the field (the caller adds the file and line).
local function validate(spec, ctx)
  if type(spec) ~= "table" then error("emit: expects a table, got a " .. type(spec), 0) end
  local function bad(msg)
    local what = type(spec.path) == "string" and spec.path
              or type(spec.command) == "string" and spec.command or "?"
    error("emit{" .. what:gsub("%c", "?") .. "}: " .. msg:gsub("%c", "?"), 0)
  end
  for k, v in pairs(spec) do
    local want = FIELDS[k]
    if not want then bad("unknown field '" .. tostring(k) .. "'") end
    if type(v) ~= want then
      bad("field '" .. k .. "' must be a " .. want .. ", not a " .. type(v))
    end
  end
  if spec.run == nil then bad("field 'run' (a function) is missing") end
  if spec.path == nil and spec.command == nil then
    bad("needs field 'path' or field 'command'")
  end
  if spec.path ~= nil and spec.command ~= nil then
    bad("give field 'path' or field 'command', not both")
  end
  local plugin = spec.plugin or ctx.last_plugin
  if plugin == nil then bad("field 'plugin' is missing (and no plugin{} in this file)") end
  if not plugin:match("^[%w_%-]+$") then bad("field 'plugin' '" .. plugin .. "' is not a plain name") end
  local path, kind
  if spec.command then
    if spec.command:match("^%s*$") then bad("field 'command' is empty") end
    local m = util.mangle(spec.command)
    if m == "" then bad("field 'command' mangles to an empty file name") end
    path, kind = "sos_commands/" .. plugin .. "/" .. m, "command"
    -- sos's add_cmd_output(subdir=...): sos_commands/<plugin>/<subdir>/<mangled>
    if spec.subdir ~= nil then
      local why = check_relpath(spec.subdir, "field 'subdir'")
      if why then bad(why) end
      path = "sos_commands/" .. plugin .. "/" .. spec.subdir .. "/" .. m
    end
  else
    if spec.subdir ~= nil then bad("field 'subdir' goes with 'command', not 'path'") end
    path, kind = spec.path, "file"
    local why = check_relpath(path, "field 'path'")
    if why then bad(why) end
  end
  -- placeholders must be exactly those of the enumerator
  local names = {}
  for name in path:gmatch("{([^}]*)}") do names[name] = true end
  if spec.each ~= nil then
    local en = M.ENUMERATORS[spec.each]
    if not en then
      bad("field 'each' = '" .. spec.each .. "' is not one of pids, tids, cpus")
    end
    if spec.command then bad("field 'each' cannot be used with 'command'") end
    if not names[en[1]] then bad("field 'path' needs {" .. en[1] .. "} with each = '" .. spec.each .. "'") end
    local allowed = {}
    for _, n in ipairs(en) do allowed[n] = true end
    for n in pairs(names) do
      if not allowed[n] then bad("field 'path' has {" .. n .. "}, unknown with each = '" .. spec.each .. "'") end
    end
  elseif next(names) then
    bad("field 'path' has a {placeholder} but no field 'each'")
  end
  if spec.symlink ~= nil then
    if spec.each then bad("field 'symlink' cannot be used with 'each'") end
    if spec.symlink:find("/") or spec.symlink == "" or spec.symlink:sub(1, 1) == "."
       or check_relpath(spec.symlink, "x") then
      bad("field 'symlink' '" .. spec.symlink .. "' must be a plain file name")
    end
  end
  if spec.shares ~= nil and spec.each then
    bad("field 'shares' goes with a single file, not with 'each'")
  end
  local tags = {}
  for i, t in ipairs(spec.tags or {}) do
    if type(t) ~= "string" then bad("field 'tags' item " .. i .. " is not a string") end
    tags[#tags + 1] = t
  end
  return {
    path = path, kind = kind, command = spec.command, plugin = plugin,
    description = spec.description, run = spec.run, each = spec.each,
    default = spec.default ~= false, symlink = spec.symlink, tags = tags,
    file = ctx.name, origin = ctx.origin, shares = spec.shares,
  }
end

local function validate_plugin(spec, ctx)
  if type(spec) ~= "table" then error("plugin: expects a table, got a " .. type(spec), 0) end
  for k, v in pairs(spec) do
    local want = PLUGIN_FIELDS[k]
    if not want then error("plugin{}: unknown field '" .. tostring(k) .. "'", 0) end
    if type(v) ~= want then
      error("plugin{}: field '" .. k .. "' must be a " .. want .. ", not a " .. type(v), 0)
    end
  end
  if not spec.name or not spec.name:match("^[%w_%-]+$") then
    error("plugin{}: field 'name' must be a plain name", 0)
  end
  ctx.last_plugin = spec.name
  return { name = spec.name, description = spec.description, default = spec.default }
end

-- Load one emitter file; its registrations are committed only if the whole
-- file loaded, ran and validated.
function Registry:load_file(path, origin)
  local name = path:match("([^/]+)$")
  local ctx = { name = name, path = path, origin = origin, open = true, emitters = {}, plugins = {},
                failed = nil }
  local function emit(spec)
    if not ctx.open then error("emit: registration is only accepted during discovery", 2) end
    local ok, e = pcall(validate, spec, ctx)
    if ok and ctx.seen and ctx.seen[e.path] then
      ok, e = false, "emit{" .. e.path .. "}: duplicate path (already registered in this file)"
    end
    if not ok then
      -- raised at the emit{} call, so the message names the file and line
      local where = debug.getinfo(2, "Sl")
      local msg = string.format("%s:%d: %s", ctx.name, where and where.currentline or 0, e)
      ctx.failed = ctx.failed or msg
      error(msg, 0)
    end
    ctx.seen = ctx.seen or {}
    ctx.seen[e.path] = true
    ctx.emitters[#ctx.emitters + 1] = e
  end
  local function plugin(spec)
    if not ctx.open then error("plugin: registration is only accepted during discovery", 2) end
    local ok, p = pcall(validate_plugin, spec, ctx)
    if not ok then
      local where = debug.getinfo(2, "Sl")
      local msg = string.format("%s:%d: %s", ctx.name, where and where.currentline or 0, p)
      ctx.failed = ctx.failed or msg
      error(msg, 0)
    end
    ctx.plugins[#ctx.plugins + 1] = p
  end
  local env = M.environment()
  env.emit, env.plugin = emit, plugin
  env.report = { stub = M.stub, partial = M.partial }
  env.kdlua = { stub = M.stub, partial = M.partial }
  local record = { file = path, origin = origin, status = "ok", count = 0 }
  self.files[#self.files + 1] = record
  local function fail(msg)
    record.status, record.message = "failed", msg
    self.errors[#self.errors + 1] = { file = path, message = msg }
    self.log:error("emitters", path .. ": skipped: " .. msg)
  end
  -- bundled files load through the host's cache of compiled scripts
  -- (kdlua_loadfile; text only for everything else)
  local chunk, lerr
  if origin == "bundled" and kdlua_loadfile then chunk, lerr = kdlua_loadfile(path, env)
  else chunk, lerr = loadfile(path, "t", env) end
  if not chunk then
    ctx.open = false
    return fail(lerr)
  end
  local ok, kind, msg = sandbox.run(self.limits, chunk)
  ctx.open = false
  if not ok then return fail(msg and (kind ~= "error" and kind .. ": " or "") .. msg or kind) end
  if ctx.failed then return fail(ctx.failed) end
  -- duplicates against files loaded before: the first registration stays
  for _, e in ipairs(ctx.emitters) do
    local prev = self.by_path[e.path]
    if prev then
      return fail("emit{" .. e.path .. "}: duplicate path, already registered by " .. prev.file)
    end
  end
  for _, p in ipairs(ctx.plugins) do
    local rec = self:get_plugin(p.name)
    if p.description and (rec.description == nil or rec.generic) then
      rec.description, rec.generic = p.description, nil
    end
    if p.default ~= nil and rec.default == nil then rec.default = p.default end
  end
  for _, e in ipairs(ctx.emitters) do
    local rec = self:get_plugin(e.plugin)
    if rec.description == nil and M.SOS_DESCRIPTIONS[e.plugin] then
      rec.description, rec.generic = M.SOS_DESCRIPTIONS[e.plugin], true
    end
    rec.emitters[#rec.emitters + 1] = e
    self.emitters[#self.emitters + 1] = e
    self.by_path[e.path] = e
  end
  record.count = #ctx.emitters
  self.log:debug("emitters", string.format("%s: %d emitter(s)", path, #ctx.emitters))
end

function Registry:load_dir(dir, origin)
  local names, err = archive.listdir(dir)   -- sorted bytewise
  if not names then
    self.log:warn("emitters", "emitter directory " .. dir .. ": " .. tostring(err))
    return
  end
  -- without a dump (`report --list-plugins`) a file, or a library it
  -- requires, that keeps kd's functions in locals at load time (local A =
  -- kd.symbol_address) must still register: while discovery runs, kd.*
  -- are placeholders that fail only when called (registration that asks
  -- the dump, say "is dm_mod loaded?", answers "no" through pcall)
  local no_dump = rawget(_G, "kd") == nil
  if no_dump then rawset(_G, "kd", M.no_dump_kd) end
  local n = 0
  for _, name in ipairs(names) do
    if name:sub(1, 1) ~= "." and name:match("%.lua$") then
      self:load_file(dir .. "/" .. name, origin)
      n = n + 1
    end
  end
  if no_dump then rawset(_G, "kd", nil) end
  self.log:info("emitters", string.format("%s emitters: %d file(s) in %s", origin, n, dir))
end

return M
