-- report/workers.lua: run numbered units of work in this process and in
-- forked worker processes (-j N), and bring every unit's results back here.
--
--   workers.run(units, jobs, compute [, first [, after_fork [, between]]]) -> results, problems, stats
--     units: a number n (units 1..n, each claimed alone) or a list of
--     groups, each a list of unit numbers that one process claims and
--     runs together (units that share what they cache).
--     compute(i, w) returns a table of results for unit i (w: 1 in this
--     process, 2.. in workers) (strings, numbers,
--     booleans and nested tables of those: see encode/decode); it must not
--     raise (the report runs each emitter in the sandbox).  Groups are
--     claimed one at a time from a counter shared by all processes, so a
--     slow group never holds the others back.  results[i] is unit i's
--     table; problems lists what went wrong with workers, one line each;
--     stats[w] = {units = n, groups = n, busy = s, done = s, maxrss =
--     bytes}: what process w did, when it finished (seconds since the
--     call) and its peak resident set size then.  Groups 1..first run
--     here before any worker starts (to warm caches the workers inherit);
--     after_fork() runs here once the workers are started, before this
--     process claims groups (work only it needs); between() before each
--     group this process claims after that (say, to collect a helper that
--     has ended).
--
--   workers.claimed() -> groups claimed so far by all processes, while a
--     run is under way (nil otherwise): it only grows, so a progress line
--     built on it counts up whichever process shows it
--
--   workers.spawn(fn) -> helper | nil, why
--     runs fn() in a process forked now, while this one goes on; fn
--     returns one table (as compute does) and must not raise.
--   workers.done(helper) -> true once fn has ended (never waits)
--   workers.collect(helper) -> fn's table | nil, why   (waits for it)
--   workers.cancel(helper)                              (kills it)
--
-- A worker writes each finished unit to its own unlinked temporary file
-- (no pipe to fill while the parent is busy computing) and flushes it, so
-- a worker that dies leaves every unit it finished, of its last group
-- too.  The unit a signal killed it in comes back as { worker_died =
-- "<why>" }; units it never delivered for any other reason run here
-- afterwards.

local P = require("kdlua.parallel")
local sandbox = require("kdlua.sandbox")

local M = {}

-- {====== a compact encoding of result tables ======

local encode_value

local function encode_table(t, out)
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  out[#out + 1] = string.pack("<I4", n)
  for k, v in pairs(t) do
    encode_value(k, out)
    encode_value(v, out)
  end
end

-- strings go out as two pieces, their length and themselves, so a file's
-- megabytes are never copied on the way to the worker's file
function encode_value(v, out)
  local ty = type(v)
  if ty == "string" then
    out[#out + 1] = string.pack("<c1I4", "s", #v)
    out[#out + 1] = v
  elseif math.type(v) == "integer" then out[#out + 1] = "i" .. string.pack("<i8", v)
  elseif ty == "number" then out[#out + 1] = "n" .. string.pack("<d", v)
  elseif ty == "boolean" then out[#out + 1] = v and "T" or "F"
  elseif ty == "table" then out[#out + 1] = "t"; encode_table(v, out)
  else out[#out + 1] = "N" end   -- nil and what cannot travel
end

local function decode_value(s, pos)
  local tag = s:sub(pos, pos)
  pos = pos + 1
  if tag == "s" then return string.unpack("<s4", s, pos)
  elseif tag == "i" then return string.unpack("<i8", s, pos)
  elseif tag == "n" then return string.unpack("<d", s, pos)
  elseif tag == "T" then return true, pos
  elseif tag == "F" then return false, pos
  elseif tag == "N" then return nil, pos
  elseif tag == "t" then
    local n
    n, pos = string.unpack("<I4", s, pos)
    local t = {}
    for _ = 1, n do
      local k, v
      k, pos = decode_value(s, pos)
      v, pos = decode_value(s, pos)
      if k ~= nil then t[k] = v end
    end
    return t, pos
  end
  error("corrupt worker record (tag '" .. tag .. "')")
end

-- one record: its length, the unit number, the encoded table; written
-- piece by piece (f:write takes them all) rather than concatenated
local function write_record(f, i, t)
  local out = { false, string.pack("<I4", i) }
  encode_value(t, out)
  local len = 0
  for k = 2, #out do len = len + #out[k] end
  out[1] = string.pack("<I4", len)
  assert(f:write(table.unpack(out)))
end

-- every complete record in a worker's file, decoded in place; a torn last
-- one is dropped
local function decode_records(data, results)
  local pos, len = 1, #data
  while pos + 4 <= len do
    local blen = string.unpack("<I4", data, pos)
    local stop = pos + 4 + blen
    if stop - 1 > len then break end
    local ok, i, t = pcall(function()
      local idx, p = string.unpack("<I4", data, pos + 4)
      local v, after = decode_value(data, p)
      if after ~= stop then error("record length mismatch") end
      return idx, v
    end)
    if ok and type(t) == "table" then
      if i == 0 then results.stats = t else results[i] = t end
    end
    pos = stop
  end
end

-- how a child process ended, as P.wait said
local function ended(how, code)
  return (how == "signaled" and "killed by signal " or "exited with status ") .. tostring(code)
end

-- a worker's whole file: read at its known size, one allocation instead
-- of the doubling buffer read("a") grows (which for a few MB costs more
-- than decoding them)
local function read_all(f)
  local size = f:seek("end")
  f:seek("set", 0)
  return size and size > 0 and f:read(size) or ""
end

-- }======

-- CPUs to use when -j is not given: all we may run on, at most 4 (each
-- worker repeats the parent's one-time work: types, pages, task lists)
function M.default_jobs()
  local n = P.cpus()
  if n > 4 then n = 4 end
  return n
end

function M.run(spec, jobs, compute, first, after_fork, between)
  local results, problems, stats = {}, {}, {}
  local t_start = sandbox.clock()
  -- the groups claimed, each a list of unit numbers
  local groups = spec
  if type(spec) == "number" then
    groups = {}
    for i = 1, spec do groups[i] = { i } end
  end
  local n = #groups
  first = math.min(first or 0, n)
  -- run the groups claim() hands out, up to `last`; deliver each unit's
  -- result as soon as it is made
  local function work(w, claim, last, deliver, started)
    local st = { units = 0, groups = 0, busy = 0 }
    while true do
      local k = claim()
      if k > last then break end
      local t0 = sandbox.clock()
      for _, i in ipairs(groups[k]) do
        if started then started(i) end
        deliver(i, compute(i, w))
        st.units = st.units + 1
      end
      st.groups = st.groups + 1
      st.busy = st.busy + sandbox.clock() - t0
    end
    st.done = sandbox.clock() - t_start
    st.maxrss = P.maxrss()
    return st
  end
  local function store(i, r) results[i] = r end
  local function count_from(k)
    M.claimed = function() return math.min(k, n) end
    return function() k = k + 1 return k end
  end
  -- every unit of the groups without a result (a worker gave up) runs here
  local function complete()
    for _, g in ipairs(groups) do
      for _, i in ipairs(g) do
        if results[i] == nil then results[i] = compute(i, 1) end
      end
    end
  end
  if jobs <= 1 or n - first < 2 then
    if after_fork then after_fork() end
    stats[1] = work(1, count_from(0), n, store)
    M.claimed = nil
    return results, problems, stats
  end
  if jobs > n - first then jobs = n - first end
  local warm = work(1, count_from(0), first, store)
  -- slot 1: the last group claimed; slot 1 + w: the unit worker w is in
  local shared = P.shared(1 + jobs)
  shared:set(1, first)
  M.claimed = function() return math.min(shared:get(1), n) end
  local function claim() return shared:add(1, 1) + 1 end
  local function my_claim()
    if between then between() end
    return claim()
  end
  local children = {}
  for w = 2, jobs do
    local f, ferr = io.tmpfile()
    if not f then
      problems[#problems + 1] = "no worker " .. w .. ": temporary file: " .. tostring(ferr)
      break
    end
    local pid, err = P.fork()
    if pid == 0 then
      local ok = pcall(function()
        local st = work(w, claim, n, function(i, r)
          write_record(f, i, r)
          assert(f:flush())
          shared:set(1 + w, 0)
        end, function(i) shared:set(1 + w, i) end)
        write_record(f, 0, st)
        assert(f:flush())
      end)
      P.exit(ok and 0 or 1)
    elseif pid == nil then
      f:close()
      problems[#problems + 1] = "no worker " .. w .. ": " .. tostring(err)
      break
    end
    children[#children + 1] = { pid = pid, file = f, w = w }
  end
  local ok, err = pcall(function()
    if after_fork then after_fork() end
    stats[1] = work(1, my_claim, n, store)
    for _, key in ipairs({ "units", "groups", "busy" }) do
      stats[1][key] = stats[1][key] + warm[key]
    end
  end)
  M.claimed = nil
  if not ok then
    for _, c in ipairs(children) do P.kill(c.pid); P.wait(c.pid); c.file:close() end
    error(err, 0)
  end
  for _, c in ipairs(children) do
    local how, code = P.wait(c.pid)
    local got = {}
    decode_records(read_all(c.file), got)
    c.file:close()
    stats[c.w] = got.stats
    got.stats = nil
    for i, r in pairs(got) do results[i] = r end
    if how ~= "exited" or code ~= 0 then
      local why = ended(how, code)
      -- killed in the middle of a unit: that unit is what killed it, so it
      -- is not run again; the units it delivered before stand, and the
      -- rest of its group (or of a worker that gave up, say its temporary
      -- file could not be written) run here
      local cur = shared:get(1 + c.w)
      if how == "signaled" and cur > 0 and results[cur] == nil then
        results[cur] = { worker_died = "worker process " .. why .. " while running it" }
      end
      problems[#problems + 1] = "worker " .. c.w .. " (pid " .. tostring(c.pid) .. ") " .. why
    end
  end
  complete()
  return results, problems, stats
end

-- {====== one job in a helper process ======

function M.spawn(fn)
  local f, ferr = io.tmpfile()
  if not f then return nil, "temporary file: " .. tostring(ferr) end
  local pid, err = P.fork()
  if pid == 0 then
    local ok = pcall(function()
      write_record(f, 1, fn())
      assert(f:flush())
    end)
    P.exit(ok and 0 or 1)
  elseif pid == nil then
    f:close()
    return nil, err
  end
  return { pid = pid, file = f }
end

function M.done(h)
  if h.how then return true end
  local how, code = P.wait(h.pid, true)
  if how == "running" then return false end
  h.how, h.code = how, code
  return true
end

function M.collect(h)
  local how, code = h.how, h.code
  if not how then how, code = P.wait(h.pid) end
  local got = {}
  decode_records(read_all(h.file), got)
  h.file:close()
  if got[1] then return got[1] end
  return nil, "helper process (pid " .. tostring(h.pid) .. ") " .. ended(how, code)
end

function M.cancel(h)
  if not h.how then
    P.kill(h.pid)
    P.wait(h.pid)
  end
  h.file:close()
end

-- }======

return M
