-- runner.lua: a small test harness run inside kdlua (`kdlua run runner.lua
-- FILE`).  The test file gets `test(name, fn)`, `eq(got, want, what)`,
-- `ok(cond, what)`, `raises(fn, pattern)` and `truth(relpath)` (contents of a
-- file under $KDLUA_TEST_VMCORE_DIR/truth, or nil).  Ends with the line
-- "N passed, N failed" and fails the process when any test failed.
local file = assert(arg[1], "usage: runner.lua TESTFILE")
local passed, failed = 0, 0

local function fmt(v)
  if type(v) == "string" then return string.format("%q", v) end
  return tostring(v)
end

local env = setmetatable({}, { __index = _G })

function env.eq(got, want, what)
  if got ~= want then
    error(string.format("%s: got %s, want %s", what or "value", fmt(got), fmt(want)), 2)
  end
end

function env.ok(cond, what)
  if not cond then error((what or "condition") .. " is false", 2) end
end

function env.raises(fn, pattern)
  local good, err = pcall(fn)
  if good then error("expected an error matching " .. fmt(pattern), 2) end
  local msg = type(err) == "table" and (err.message or "") or tostring(err)
  if pattern and not msg:find(pattern) then
    error("error " .. fmt(msg) .. " does not match " .. fmt(pattern), 2)
  end
  return err
end

local dir = os.getenv("KDLUA_TEST_VMCORE_DIR")
function env.truth(rel)
  local f = dir and io.open(dir .. "/truth/" .. rel, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end
env.vmcore_dir = dir

-- {====== emitters outside the report host ======
-- load_emitters{ "memory_meminfo", ... } loads scripts/emitters/<name>.lua
-- each in its own environment with a recording `emit` (paths named as the
-- host names them, commands mangled by report.util), a `stub` that marks
-- its result, and a no-op `plugin`.  Returns specs by path, the number of
-- registrations, and run(path, ...) which memoises each fixed path's text
-- and raises when an emitter gave nil or a stub.
env.STUB = { __name = "stub" }
env.PARTIAL = { __name = "partial" }
local SRC = os.getenv("KDLUA_SOURCE_DIR") or
            (debug.getinfo(1, "S").source:match("^@(.*)/tests/lua/[^/]*$") or ".")
env.SOURCE_DIR = SRC

function env.load_emitters(files)
  local mangle = require("report.util").mangle
  local specs, count = {}, 0
  for _, f in ipairs(files) do
    local e = setmetatable({}, { __index = _G })
    e.emit = function(spec)
      local path = spec.path or ("sos_commands/" .. spec.plugin .. "/" ..
        (spec.subdir and (spec.subdir .. "/") or "") .. mangle(spec.command))
      assert(specs[path] == nil, "registered twice: " .. path)
      specs[path] = spec
      count = count + 1
    end
    e.stub = function(reason, text)
      return setmetatable({ reason = reason, text = text or "" }, env.STUB)
    end
    e.partial = function(text, plines)
      return setmetatable({ text = text, lines = plines }, env.PARTIAL)
    end
    e.plugin = function() end
    assert(loadfile(SRC .. "/scripts/emitters/" .. f .. ".lua", "t", e))()
  end
  local outputs, times = {}, {}
  local function run(path)
    if outputs[path] ~= nil then return outputs[path] end
    local spec = assert(specs[path], "no emitter for " .. path)
    local t0 = os.clock()
    local r, why = spec.run()
    times[path] = os.clock() - t0
    if getmetatable(r) == env.STUB then error(path .. " is a stub: " .. r.reason) end
    if getmetatable(r) == env.PARTIAL then
      error(path .. " has incomplete lines: " .. r.lines[1].key .. ": " .. r.lines[1].reason)
    end
    if r == nil then error(path .. " gave nil: " .. tostring(why)) end
    outputs[path] = r
    return r
  end
  return specs, count, run, times
end

-- lines of a text (each ending in "\n"), and the first line where two
-- texts differ, for messages
function env.lines(s)
  local t = {}
  for l in (s or ""):gmatch("([^\n]*)\n") do t[#t + 1] = l end
  return t
end

function env.first_diff(got, want)
  local g, w = env.lines(got), env.lines(want)
  for i = 1, math.max(#g, #w) do
    if g[i] ~= w[i] then
      return string.format("line %d: got %q, want %q", i, tostring(g[i]), tostring(w[i]))
    end
  end
  return "same lines (trailing newline differs?)"
end
-- }======

function env.test(name, fn)
  local good, err = xpcall(fn, function(e)
    local msg = type(e) == "table" and tostring(e.message or e) or tostring(e)
    return debug.traceback(msg, 2)
  end)
  if good then
    passed = passed + 1
    print("ok   " .. name)
  else
    failed = failed + 1
    print("FAIL " .. name .. "\n     " .. tostring(err):gsub("\n", "\n     "))
  end
end

local chunk = assert(loadfile(file, "t", env))
chunk()
print(string.format("%d passed, %d failed", passed, failed))
if failed > 0 or passed == 0 then os.exit(1) end
