-- kdlua-test: dump=kfx
-- report.workers: units of work spread over forked processes come back
-- complete, intact and in place, whoever ran them; a worker that dies
-- costs only the unit it was in.
local workers = require("report.workers")
local P = require("kdlua.parallel")

-- busy-wait: a unit must take long enough that every process gets some
local function spin(s) local t = os.clock() + s while os.clock() < t do end end

test("results of every unit, from several processes, with all value kinds", function()
  local n = 40
  local results, problems = workers.run(n, 3, function(i, w)
    spin(0.002)
    return { i * i, name = "unit " .. i, big = string.rep("x", i * 1000) .. "\0end",
             half = i / 2, flag = i % 2 == 0, nested = { w = w, list = { i, i + 1 } } }
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
    by_worker[r.nested.w] = true
  end
  ok(by_worker[1] and (by_worker[2] or by_worker[3]), "the parent and a worker both ran units")
end)

test("between() runs here before each unit this process claims", function()
  local calls = 0
  local results = workers.run(20, 2, function(i, w)
    spin(0.002)
    return { w = w }
  end, 0, nil, function() calls = calls + 1 end)
  local mine = 0
  for i = 1, 20 do if results[i].w == 1 then mine = mine + 1 end end
  ok(calls >= mine and calls >= 1, string.format("between() %d times, %d units here", calls, mine))
end)

test("jobs = 1 runs everything here, in order", function()
  local seen = {}
  local results = workers.run(5, 1, function(i, w) seen[#seen + 1] = i return { w = w } end)
  eq(table.concat(seen, ","), "1,2,3,4,5", "order")
  for i = 1, 5 do eq(results[i].w, 1, "ran in this process") end
end)

test("groups: one process runs a group; a worker killed in one loses only that unit", function()
  -- 8 groups of 5; worker 2 dies in the third unit of the first group it
  -- claims: the two it finished stand, the two after it run here
  local groups = {}
  for g = 1, 8 do
    groups[g] = {}
    for k = 1, 5 do groups[g][k] = (g - 1) * 5 + k end
  end
  local done_in_group = 0
  local results, problems = workers.run(groups, 2, function(i, w)
    spin(0.003)
    if w == 2 then
      done_in_group = done_in_group + 1
      if done_in_group == 3 then P.kill(P.pid()) end
    end
    return { value = i, w = w }
  end)
  local died, by_worker, group_of = {}, {}, {}
  for g, list in ipairs(groups) do for _, i in ipairs(list) do group_of[i] = g end end
  for i = 1, 40 do
    local r = results[i]
    ok(r, "unit " .. i .. " has a result")
    if r.worker_died then died[#died + 1] = i
    else
      eq(r.value, i, "value of unit " .. i)
      if r.w == 2 then by_worker[#by_worker + 1] = i end
    end
  end
  eq(#died, 1, "only the unit the worker died in is lost")
  eq(#by_worker, 2, "the two units it finished before stand")
  local g = group_of[died[1]]
  eq(group_of[by_worker[1]], g, "from the same group")
  eq(died[1], groups[g][3], "the third of its group")
  for k = 4, 5 do eq(results[groups[g][k]].w, 1, "the rest of its group ran here") end
  eq(#problems, 1, "one problem")
end)

test("a worker killed in the middle of a unit: that unit reports it, the rest completes", function()
  local n = 30
  local died_in
  local results, problems = workers.run(n, 3, function(i, w)
    spin(0.003)
    -- worker 2 forks first, so it certainly claims a unit; it dies in it
    if w == 2 then P.kill(P.pid()) end
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

test("a worker that gives up: its unit runs again here, nothing is lost", function()
  local n = 30
  local results, problems = workers.run(n, 3, function(i, w)
    spin(0.003)
    if w == 2 then error("cannot go on") end   -- outside any sandbox: the worker exits 1
    return { value = i, w = w }
  end)
  for i = 1, n do
    local r = results[i]
    ok(r and r.value == i, "unit " .. i .. " has its value")
    ok(r.w ~= 2, "unit " .. i .. " was not from the failed worker")
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
