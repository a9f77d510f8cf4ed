-- kdlua-test: dump=kfx
-- report.workers: units of work spread over forked worker processes come
-- back complete, intact and in place, whoever ran them; a worker that dies
-- costs only the unit it was in, and a new one takes its place.  The
-- calling process runs only the units before the fork.
local workers = require("report.workers")
local P = require("kdlua.parallel")

-- busy-wait: a unit must take long enough that every process gets some
local function spin(s) local t = os.clock() + s while os.clock() < t do end end

test("results of every unit, from several processes, with all value kinds", function()
  local n = 40
  local results, problems = workers.run(n, 3, function(i, w)
    spin(0.002)
    return { i * i, name = "unit " .. i, big = string.rep("x", i * 1000) .. "\0end",
             half = i / 2, flag = i % 2 == 0, nested = { w = w, list = { i, i + 1 } },
             pid = P.pid() }
  end)
  eq(#problems, 0, "problems")
  local by_worker = {}
  for i = 1, n do
    local r = results[i]
    ok(r, "unit " .. i .. " has a result")
    eq(r[1], i * i, "integer")
    eq(math.type(r[1]), "integer", "integers stay integers")
    eq(r.name, "unit " .. i, "string")
    eq(r.big, string.rep("x", i * 1000) .. "\0end", "long string with a NUL")
    eq(r.half, i / 2, "float")
    eq(r.flag, i % 2 == 0, "boolean")
    eq(r.nested.list[2], i + 1, "nested table")
    ok(r.pid ~= P.pid(), "unit " .. i .. " ran in a worker")
    by_worker[r.nested.w] = true
  end
  ok((by_worker[1] and 1 or 0) + (by_worker[2] and 1 or 0) + (by_worker[3] and 1 or 0) >= 2,
     "several workers ran units")
end)

test("between() and progress() run here while the workers work", function()
  local calls, last = 0, 0
  local results = workers.run(20, 2, function(i, w)
    spin(0.02)
    return { w = w }
  end, 0, nil, function() calls = calls + 1 end, { progress = function(n) last = n end })
  for i = 1, 20 do ok(results[i], "unit " .. i) end
  ok(calls >= 1, string.format("between() %d times", calls))
  ok(last >= 0 and last <= 20, "progress counts units done: " .. last)
end)

test("limits.arrived: each unit a worker made, once, readable, while the workers still run", function()
  local n, seen = 40, {}
  local done = P.shared(1)               -- units the workers have finished
  local done_at_first
  local results_seen
  local results = workers.run(n, 2, function(i, w)
    -- ~1 s of units over two workers: the supervisor looks every 0.25 s
    spin(0.05)
    done:add(1, 1)
    return { value = i, big = string.rep("y", i * 100) }
  end, 3, nil, nil, {
    arrived = function(i, results)
      ok(not seen[i], "unit " .. i .. " told once")
      seen[i] = true
      done_at_first = done_at_first or done:get(1)
      results_seen = results
      local r = results[i]
      ok(r and r.value == i and #r.big == i * 100, "unit " .. i .. " readable when told")
    end })
  for i = 1, 3 do ok(not seen[i], "unit " .. i .. " (run here) not told") end
  for i = 4, n do ok(seen[i], "unit " .. i .. " told") end
  eq(results_seen, results, "the results table told is the one returned")
  -- (units 1..3 ran here, before the fork, and count too)
  ok(done_at_first and done_at_first < n,
     string.format("told while the workers ran (%s of %d units done then)", tostring(done_at_first), n))
  for i = 1, n do eq(results[i].value, i, "unit " .. i .. " still there") end
end)

test("limits.arrived with a worker killed in a unit: the others told, the lost one not", function()
  local n, seen = 30, {}
  local once = P.shared(1)
  local results = workers.run(n, 2, function(i, w)
    spin(0.003)
    if w == 2 and once:add(1, 1) == 0 then P.kill(P.pid()) end
    return { value = i }
  end, 0, nil, nil, { arrived = function(i, results)
    ok(not seen[i], "unit " .. i .. " told once")
    seen[i] = true
    eq(results[i].value, i, "unit " .. i .. " readable")
  end })
  local lost = 0
  for i = 1, n do
    if results[i].worker_died then
      lost = lost + 1
      ok(not seen[i], "the lost unit " .. i .. " is not told")
    else
      ok(seen[i], "unit " .. i .. " told")
    end
  end
  eq(lost, 1, "one unit lost")
end)

test("stash: tables set aside and taken back, in any order, once", function()
  local st = workers.stash()
  for i = 1, 50 do st:put(i, { i, s = string.rep("z", i), f = i / 3, nested = { ok = true } }) end
  for i = 50, 1, -1 do
    local t = st:take(i)
    eq(t[1], i, "item " .. i)
    eq(t.s, string.rep("z", i), "string " .. i)
    eq(t.f, i / 3, "float " .. i)
    ok(t.nested.ok, "nested " .. i)
  end
  eq(st:take(7), nil, "taken once")
  st:close()
end)

test("jobs = 1 runs everything in one worker, in order", function()
  local seq = 0
  local results = workers.run(5, 1, function(i, w)
    seq = seq + 1
    return { w = w, seq = seq, pid = P.pid() }
  end)
  for i = 1, 5 do
    eq(results[i].seq, i, "unit " .. i .. " in order")
    ok(results[i].pid ~= P.pid() and results[i].pid == results[1].pid, "in one worker")
  end
end)

test("a unit stuck past limits.unit: its worker is ended, the unit fails, the rest completes", function()
  local t0 = os.time()
  local results, problems = workers.run(6, 2, function(i)
    if i == 3 then while true do end end   -- no hook here: as stuck in C
    return { value = i }
  end, 0, nil, nil, { unit = 1 })
  ok(os.time() - t0 < 20, "ended in time")
  for i = 1, 6 do
    if i == 3 then ok(results[i].worker_died and results[i].worker_died:find("time budget exceeded"),
                      "unit 3: " .. tostring(results[i].worker_died))
    else eq(results[i].value, i, "unit " .. i) end
  end
  eq(#problems, 1, "one problem")
end)

test("the watchdog: limits.total ends every worker, what is left is recorded", function()
  local results = workers.run(4, 2, function(i)
    if i >= 2 then while true do end end
    return { value = i }
  end, 0, nil, nil, { total = 1 })
  eq(results[1].value, 1, "unit 1")
  for i = 2, 4 do
    ok(results[i].worker_died and results[i].worker_died:find("time limit of 1 s"),
       "unit " .. i .. ": " .. tostring(results[i].worker_died))
  end
end)

test("groups: one process runs a group; a worker killed in one loses only that unit", function()
  -- 8 groups of 5; worker 2 dies in the third unit of the first group it
  -- claims: the two it finished stand, the two after it run in a later
  -- round (only the first worker 2 dies: its replacement is a worker 2 too)
  local groups = {}
  for g = 1, 8 do
    groups[g] = {}
    for k = 1, 5 do groups[g][k] = (g - 1) * 5 + k end
  end
  local done_in_group = 0
  local once = P.shared(1)
  local results, problems = workers.run(groups, 2, function(i, w)
    spin(0.003)
    if w == 2 then
      done_in_group = done_in_group + 1
      if done_in_group == 3 and once:add(1, 1) == 0 then P.kill(P.pid()) end
    end
    return { value = i, w = w, pid = P.pid() }
  end)
  local died, group_of = {}, {}
  for g, list in ipairs(groups) do for _, i in ipairs(list) do group_of[i] = g end end
  for i = 1, 40 do
    local r = results[i]
    ok(r, "unit " .. i .. " has a result")
    if r.worker_died then died[#died + 1] = i
    else eq(r.value, i, "value of unit " .. i) end
  end
  eq(#died, 1, "only the unit the worker died in is lost")
  local g = group_of[died[1]]
  eq(died[1], groups[g][3], "the third of its group")
  local dead_pid = results[groups[g][1]].pid
  eq(results[groups[g][2]].pid, dead_pid, "the two units it finished before stand")
  for k = 4, 5 do
    ok(results[groups[g][k]].pid ~= dead_pid, "the rest of its group ran in another worker")
  end
  eq(#problems, 1, "one problem")
end)

test("a worker killed in the middle of a unit: that unit reports it, the rest completes", function()
  local n = 30
  local died_in
  local once = P.shared(1)
  local results, problems = workers.run(n, 3, function(i, w)
    spin(0.003)
    -- the first worker 2 dies in its first unit
    if w == 2 and once:add(1, 1) == 0 then P.kill(P.pid()) end
    return { value = i }
  end)
  for i = 1, n do
    local r = results[i]
    ok(r, "unit " .. i .. " has a result")
    if r.worker_died then
      ok(died_in == nil, "only one unit lost")
      died_in = i
      ok(r.worker_died:find("killed by signal 9", 1, true), "names the signal: " .. r.worker_died)
    else
      eq(r.value, i, "value of unit " .. i)
    end
  end
  ok(died_in, "the unit the worker died in is marked")
  eq(#problems, 1, "one problem")
  ok(problems[1]:find("worker 2", 1, true) and problems[1]:find("signal 9", 1, true), problems[1])
end)

test("a worker that gives up: its unit runs again, nothing is lost", function()
  local n = 30
  local once = P.shared(1)
  local results, problems = workers.run(n, 3, function(i, w)
    spin(0.003)
    -- outside any sandbox: the (first) worker 2 exits 1
    if w == 2 and once:add(1, 1) == 0 then error("cannot go on") end
    return { value = i, w = w }
  end)
  for i = 1, n do
    local r = results[i]
    ok(r and r.value == i, "unit " .. i .. " has its value")
  end
  eq(#problems, 1, "one problem")
  ok(problems[1]:find("exited with status 1", 1, true), problems[1])
end)

test("units before the fork run here, first", function()
  local order = {}
  local results, _, stats = workers.run(10, 2, function(i, w)
    if w == 1 then order[#order + 1] = i end
    spin(0.002)
    return { w = w }
  end, 3)
  eq(table.concat(order, ",", 1, 3), "1,2,3", "the first three, in order")
  for i = 1, 3 do eq(results[i].w, 1, "unit " .. i .. " ran before the fork") end
  ok(stats[1].units >= 3, "counted in the parent's units")
end)

test("shared slots are shared with children", function()
  local s = P.shared(2)
  eq(s:add(1, 5), 0, "add returns the old value")
  eq(s:get(1), 5, "get")
  s:set(2, 7)
  local pid = P.fork()
  if pid == 0 then
    s:add(2, 100)
    P.exit(3)
  end
  local how, code = P.wait(pid)
  eq(how, "exited", "child exited")
  eq(code, 3, "its status")
  eq(s:get(2), 107, "the child's add is seen here")
  raises(function() s:get(3) end, "no such slot")
end)

test("a helper process: its table comes back; a failed one says how", function()
  local h = assert(workers.spawn(function()
    spin(0.01)
    return { answer = 42, text = string.rep("k", 100000), pid = P.pid() }
  end))
  local r = workers.collect(h)
  eq(r.answer, 42, "value")
  eq(#r.text, 100000, "a long string")
  ok(r.pid ~= P.pid(), "ran in another process")
  local bad = assert(workers.spawn(function() P.exit(3) end))
  local none, why = workers.collect(bad)
  eq(none, nil, "no result from a helper that exited")
  ok(tostring(why):find("exited with status 3"), "why: " .. tostring(why))
  local raising = assert(workers.spawn(function() error("boom") end))
  local none2, why2 = workers.collect(raising)
  eq(none2, nil, "no result from a helper that raised")
  ok(tostring(why2):find("exited with status 1"), "why: " .. tostring(why2))
  -- done() never waits: false while it runs, true once it has ended, and
  -- collect() then still gives its table
  local later = assert(workers.spawn(function() spin(0.3) return { late = true } end))
  eq(workers.done(later), false, "done() while the helper runs")
  local t_end = os.time() + 10
  while not workers.done(later) and os.time() < t_end do spin(0.01) end
  eq(workers.done(later), true, "done() once it has ended")
  eq(workers.collect(later).late, true, "collect after done")
  -- cancelled while it still runs: gone, and nothing waits for it
  local slow = assert(workers.spawn(function() spin(30) return {} end))
  local t0 = os.time()
  workers.cancel(slow)
  ok(os.time() - t0 < 5, "cancel does not wait for the work")
end)

-- kdlua.records (bindings/lua_records.c): the format between workers and
-- the main process, read back from a file as the main process does
test("records: every value kind round-trips; torn or corrupt records are refused, never crash", function()
  local R = require("kdlua.records")
  local f = assert(io.tmpfile())
  local t = { 7, -1, math.mininteger, 0.5, -0.0, 1e300, true, false, "", "a\0b",
              big = string.rep("y", 100000), nested = { deep = { deeper = { "x" } } },
              [2.5] = "float key", [true] = "boolean key", fn = print }
  local len = R.write(f, 42, t)
  f:flush()
  eq(f:seek("end"), len + 4, "the length field counts what follows it")
  f:seek("set", 0)
  local raw = f:read("a")
  local blen, unit = string.unpack("<I4I4", raw)
  eq(blen, len, "length field")
  eq(unit, 42, "unit number")
  local v, used = R.load(f, 8, len - 4)
  eq(used, len - 4, "load consumed the whole value")
  local d, after = R.decode(raw, 9)
  eq(after, #raw + 1, "decode ends at the end")
  for _, x in ipairs({ v, d }) do
    eq(x[1], 7) eq(x[3], math.mininteger) eq(math.type(x[3]), "integer")
    eq(x[4], 0.5) eq(math.type(x[4]), "float") eq(x[6], 1e300) eq(x[7], true) eq(x[8], false)
    eq(x[9], "") eq(x[10], "a\0b") eq(x.big, string.rep("y", 100000))
    eq(x.nested.deep.deeper[1], "x") eq(x[2.5], "float key") eq(x[true], "boolean key")
    eq(x.fn, nil, "a function arrives as nil")
  end
  -- every cut of the record is refused as an error (the caller's pcall)
  for cut = 0, len - 5, 97 do
    ok(not pcall(R.decode, raw:sub(9, 8 + cut)), "a record cut at " .. cut .. " bytes is refused")
  end
  eq(R.load(f, 8, len + 100), nil, "past the end of the file: nil")
  -- corrupt tags, counts and lengths
  for _, bad in ipairs({ "x", "t\255\255\255\255", "s\255\255\255\255abc", "i123", "t\1\0\0\0" }) do
    ok(not pcall(R.decode, bad), "corrupt value " .. string.format("%q", bad) .. " is refused")
  end
  -- tables nested past the limit are refused on both sides
  local deep = {}
  local cur = deep
  for _ = 1, 100 do cur.x = {}; cur = cur.x end
  ok(not pcall(R.write, f, 1, deep), "a table nested 100 deep is not written")
  local cyc = {}
  cyc.self = cyc
  ok(not pcall(R.write, f, 1, cyc), "a table that holds itself is not written")
  ok(not pcall(R.decode, string.rep("t\1\0\0\0N", 100) .. "N"), "a record nested 100 deep is refused")
  f:close()
end)
