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
