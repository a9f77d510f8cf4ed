-- kdlua-test: dump=kfx
-- kdlua.sandbox: the time budget stops a Lua loop wherever it runs (plain,
-- under pcall, inside a coroutine resumed or wrapped, in a nested run), a
-- function that returns after its deadline fails all the same, and the
-- coroutine library the sandbox replaces behaves as Lua's own.
local S = require("kdlua.sandbox")

local function forever() while true do end end

test("a run within its budget returns its results", function()
  local r = { S.run({ time = 5 }, function(a, b) return a + b, "x" end, 1, 2) }
  eq(r[1], true); eq(r[2], 3); eq(r[3], "x")
  local ok_, kind, msg = S.run({ time = 5 }, function() error("boom") end)
  eq(ok_, false); eq(kind, "error"); ok(msg:find("boom"), "the error's message")
end)

test("an endless loop is stopped by the budget", function()
  local ok_, kind, msg = S.run({ time = 0.2 }, forever)
  eq(ok_, false); eq(kind, "timeout")
  ok(msg:find("time budget of 0.2 s exceeded", 1, true), msg)
end)

test("pcall cannot swallow the timeout", function()
  local ok_, kind = S.run({ time = 0.2 }, function()
    for _ = 1, 1000 do pcall(forever) end
    return "swallowed"
  end)
  eq(ok_, false); eq(kind, "timeout")
end)

test("a loop inside a coroutine is stopped, resumed or wrapped", function()
  local ok_, kind = S.run({ time = 0.2 }, function()
    local co = coroutine.create(forever)
    local r = { coroutine.resume(co) }
    return tostring(r[1])
  end)
  eq(ok_, false); eq(kind, "timeout")
  ok_, kind = S.run({ time = 0.2 }, function()
    local f = coroutine.wrap(function() pcall(forever) end)
    pcall(f)
    return "swallowed"
  end)
  eq(ok_, false); eq(kind, "timeout")
  -- a coroutine within a coroutine
  ok_, kind = S.run({ time = 0.2 }, function()
    local outer = coroutine.create(function()
      local inner = coroutine.create(forever)
      coroutine.resume(inner)
      forever()
    end)
    coroutine.resume(outer)
    return "swallowed"
  end)
  eq(ok_, false); eq(kind, "timeout")
end)

test("nested runs: the inner budget, then the outer one", function()
  local inner_kind
  local ok_, kind = S.run({ time = 0.4 }, function()
    local _, k = S.run({ time = 0.1 }, forever)
    inner_kind = k
    forever()
  end)
  eq(inner_kind, "timeout", "the inner run")
  eq(ok_, false); eq(kind, "timeout", "the outer run")
  -- an inner run that is done leaves the outer budget in force
  ok_, kind = S.run({ time = 0.2 }, function()
    S.run({ time = 5 }, function() return 1 end)
    forever()
  end)
  eq(ok_, false); eq(kind, "timeout")
end)

test("a function in C past its deadline fails when it returns", function()
  -- string.find in C: no Lua instruction runs until it returns
  local ok_, kind = S.run({ time = 0.01 }, function()
    return string.rep("a", 150):find(".-.-.-b")
  end)
  eq(ok_, false); eq(kind, "timeout")
end)

test("no budget left behind: later code runs without a hook", function()
  S.run({ time = 0.05 }, function() return 1 end)
  local t = os.clock() + 0.2
  local n = 0
  while os.clock() < t do n = n + 1 end
  ok(n > 0, "ran on after the run")
  local ok_, r = S.run({}, function()        -- no time budget at all
    local x = 0
    for i = 1, 100000 do x = x + i end
    return x
  end)
  eq(ok_, true); eq(r, 5000050000)
end)

test("coroutine.resume and coroutine.wrap behave as Lua's", function()
  local co = coroutine.create(function(a, b)
    local c = coroutine.yield(a + b)
    local d, e = coroutine.yield(c * 2)
    return d .. e
  end)
  local r = { coroutine.resume(co, 1, 2) }
  eq(r[1], true); eq(r[2], 3)
  r = { coroutine.resume(co, 10) }
  eq(r[1], true); eq(r[2], 20)
  r = { coroutine.resume(co, "x", "y") }
  eq(r[1], true); eq(r[2], "xy")
  eq(coroutine.status(co), "dead")
  r = { coroutine.resume(co) }
  eq(r[1], false); eq(r[2], "cannot resume dead coroutine")
  co = coroutine.create(function() error({ code = 7 }) end)
  r = { coroutine.resume(co) }
  eq(r[1], false); eq(r[2].code, 7, "error objects pass through")
  co = coroutine.create(function() error("bad", 0) end)
  r = { coroutine.resume(co) }
  eq(r[2], "bad")
  ok(not pcall(coroutine.resume, 1), "resume wants a coroutine")

  local gen = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i) end end)
  eq(gen(), 1); eq(gen(), 2); eq(gen(), 3)
  local w = coroutine.wrap(function() error("inside", 0) end)
  local okw, e = pcall(w)
  eq(okw, false); ok(e:find("inside$"), e)
  okw, e = pcall(w)
  eq(okw, false); ok(e:find("cannot resume dead coroutine", 1, true), e)
  local tw = coroutine.wrap(function() error({ t = 1 }) end)
  okw, e = pcall(tw)
  eq(type(e), "table", "table errors stay tables")
  -- a running coroutine cannot be resumed from inside itself
  local self_co
  self_co = coroutine.create(function() return coroutine.resume(self_co) end)
  r = { coroutine.resume(self_co) }
  eq(r[1], true); eq(r[2], false)
  ok(tostring(r[3]):find("non%-suspended"), tostring(r[3]))
end)

test("a lingering timer: later runs keep their own budgets", function()
  -- a long deadline left armed, then a short one: the short one stops it
  eq(S.run({ time = 5, linger = true }, function() return 1 end), true)
  local t0 = S.clock()
  local ok_, kind = S.run({ time = 0.1, linger = true }, forever)
  eq(ok_, false); eq(kind, "timeout")
  ok(S.clock() - t0 < 3, "stopped by its own deadline, not the armed one")
  -- a short deadline left armed, then a longer one: the armed timer fires
  -- first and is re-armed; the run is stopped at its own deadline, not before
  eq(S.run({ time = 0.05, linger = true }, function() return 1 end), true)
  t0 = S.clock()
  ok_, kind = S.run({ time = 0.3, linger = true }, forever)
  eq(ok_, false); eq(kind, "timeout")
  ok(S.clock() - t0 >= 0.29, "ran until its own deadline")
  -- a lingering timer firing while no run is going on changes nothing
  eq(S.run({ time = 0.05, linger = true }, function() return 1 end), true)
  local t = S.clock() + 0.2
  local n = 0
  while S.clock() < t do n = n + 1 end
  ok(n > 0, "ran on after the run")
  local r = { S.run({ time = 5, linger = true }, function() return "done" end) }
  eq(r[1], true); eq(r[2], "done")
  S.disarm()
  -- nested: an inner lingering run leaves the outer budget in force
  ok_, kind = S.run({ time = 0.2 }, function()
    S.run({ time = 5, linger = true }, function() return 1 end)
    forever()
  end)
  eq(ok_, false); eq(kind, "timeout")
  S.disarm()
end)
