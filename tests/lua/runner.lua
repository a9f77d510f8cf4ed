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
