-- report/workers.lua: run numbered units of work in forked worker
-- processes (-j N), supervised from this one, and bring every unit's
-- results back here.
--
--   workers.run(units, jobs, compute [, first [, after_fork [, between [, limits]]]])
--       -> results, problems, stats
--     units: a number n (units 1..n, each claimed alone) or a list of
--     groups, each a list of unit numbers that one process claims and
--     runs together (units that share what they cache).
--     compute(i, w) returns a table of results for unit i (w: 1 in this
--     process, 1..jobs in workers) (strings, numbers,
--     booleans and nested tables of those: see kdlua.records); it must not
--     raise (the report runs each emitter in the sandbox).  Groups are
--     claimed one at a time from a counter shared by all workers, so a
--     slow group never holds the others back.  results[i] is unit i's
--     table (one a worker made is read back from its file each time it
--     is indexed, and not kept: index each once); problems lists what went wrong with workers, one line each;
--     stats lists {units = n, groups = n, busy = s, done = s, maxrss =
--     bytes}: what each process did (this one first), when it finished
--     (seconds since the call) and its peak resident set size then.
--     Groups 1..first run here before any worker starts (to warm caches
--     the workers inherit: trusted code only); the rest run in `jobs`
--     worker processes while this one supervises.  after_fork() runs here
--     once the workers are started (work only this process needs);
--     between() and limits.progress(units done) each time the supervisor
--     wakes (say, to collect a helper that has ended; between() returning
--     true: it has more to do, wake again at once).
--     limits.arrived(i, results): unit i's result, made by a worker, can
--     be read from results[i] now; told as soon as the worker has written
--     it, while the run goes on (not of the units run here, nor of those
--     a dead worker never delivered).  limits.unit: a worker still in one
--     unit after that many seconds is ended (the sandbox's count hook
--     cannot stop a C function); limits.total: the watchdog, after which
--     every worker is ended.
--
--   workers.stored_size(results, i) -> bytes unit i's result takes in its
--     worker's file (0 if made here): known before it is read back
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
-- too.  The unit it died in (a signal, exit, or ended by the supervisor)
-- comes back as { worker_died = "<why>" }; a new worker takes its place,
-- and the units it never delivered run in another round of workers
-- (at most three rounds; what is left then is recorded as not run).

local P = require("kdlua.parallel")
local records = require("kdlua.records")
local sandbox = require("kdlua.sandbox")

local M = {}

-- {====== records: result tables between processes ======

-- A record is a unit's number and its table (strings, numbers, booleans
-- and nested tables of those; anything else arrives as nil), written and
-- decoded by kdlua.records (bindings/lua_records.c: the format is
-- described there).  Strings go to the file where they are, never
-- concatenated first.

-- one record appended to f; its length after the length field
local function write_record(f, i, t)
  return records.write(f, i, t)
end

-- A worker collects its garbage in full once this many bytes of results
-- have gone to its file since the last time: a big result (ps of 10,000
-- processes, lsof, every task's stack) leaves its text and the tables it
-- was made from behind, and left to the collector's own pace that garbage
-- piled up with the next big one's (a worker's peak: 180 MiB, 80 of them
-- free heap).  (The heap it frees stays this process's, to be used
-- again: given back, it would only be faulted in again.)
local GC_BYTES = 4 << 20

-- A worker's collector starts a cycle when its heap has grown by half of
-- what the last one kept (Lua's default waits for it to double).  A big
-- all-task file is built over seconds in a heap that already holds a few
-- tens of MiB (the report's own tables, ps's snapshot), and at the
-- default pace its garbage grew as large as that: on the 10k dump the
-- workers peaked at 120-130 MiB, 110-111 MiB with this pause, for about
-- the same CPU (the step multiplier stays Lua's default).  Generational
-- mode was measured too and not taken: on the big files (ps, lsof,
-- foreach_bt, taskinfo) it cost ~15% more CPU than incremental and peaked
-- as high or higher (a major collection only when the heap has doubled).
local GC_PAUSE = 150

-- where each complete record of a worker's file is (results[i] =
-- {file, pos, len}); a torn last one is dropped.  Only the stats record
-- (unit 0) is decoded now: the others stay in the file until they are
-- asked for (see M.run's results), so the supervisor never holds the
-- whole report's text.  A record that does not decode is dropped then.
local function index_records(f, index, pos)
  local size = f:seek("end")
  pos = pos or 0
  while size and pos + 8 <= size do
    f:seek("set", pos)
    local head = f:read(8)
    if not head or #head < 8 then break end
    local blen, i = string.unpack("<I4I4", head)
    if pos + 4 + blen > size or blen < 4 then break end
    if i == 0 then
      local rec = f:read(blen - 4)
      local ok, t = pcall(records.decode, rec or "", 1)
      if ok and type(t) == "table" then index.stats = t end
    else
      index[i] = { f, pos + 8, blen - 4 }
    end
    pos = pos + 4 + blen
  end
  return pos
end

-- A worker's file, open twice: for the worker to write and for this
-- process to read while it does.  Two opens, two file offsets: the one
-- io.tmpfile() gives a worker is shared with this process across fork,
-- and reading it here would move where the worker writes.  nil if no
-- such file can be made (then the worker's records are read once it has
-- ended).
local function file_pair()
  local ok, name = pcall(os.tmpname)
  if not ok then return nil end
  local w = io.open(name, "w+b")
  local r = w and io.open(name, "rb")
  os.remove(name)
  if not r then
    if w then w:close() end
    return nil
  end
  return w, r
end

-- the table of a record index_records found, or nil
local function load_record(loc)
  local ok, t, used = pcall(records.load, loc[1], loc[2], loc[3])
  if ok and type(t) == "table" and used == loc[3] then return t end
  return nil
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
      local v, after = records.decode(data, p)
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

-- the bytes unit i's result takes in its worker's file (0 if it was made
-- in this process), known before it is read back: a committer that keeps
-- its garbage in check collects before a big one comes in
function M.stored_size(results, i)
  local mt = getmetatable(results)
  local loc = mt and mt.stored and mt.stored[i]
  return loc and loc[3] or 0
end

-- CPUs to use when -j is not given: all we may run on, at most 4 (each
-- worker repeats the parent's one-time work: types, pages, task lists)
function M.default_jobs()
  local n = P.cpus()
  if n > 4 then n = 4 end
  return n
end

-- how long the supervisor sleeps at most between two looks at the clock
-- (it wakes at once when a worker ends)
local TICK = 0.25
-- ... and between two looks at the workers' files when the caller takes
-- results as they come (limits.arrived): what it does with them (the
-- report files each unit into its archive) then runs while the workers
-- do, instead of after the last of them.  With the 0.25 s tick a small
-- dump's workers (~0.2 s) had ended before the first look, and all of it
-- was left to the serial end (~15 ms of the 6.1 fixture's wall); a look
-- is a read of each worker's file from where the last one stopped.
local ARRIVAL_TICK = 0.02

function M.run(spec, jobs, compute, first, after_fork, between, limits)
  limits = limits or {}
  local problems, stats = {}, {}
  -- results[i]: unit i's table.  Those a worker made stay in its file
  -- (stored[i], see index_records) and are decoded each time they are
  -- asked for, never kept: whoever commits them keeps what it needs.
  -- have[i]: unit i has a result, wherever it is.
  local stored, have = {}, {}
  local results = setmetatable({}, { stored = stored, __index = function(_, i)
    local loc = stored[i]
    if loc then
      local t = load_record(loc)
      if t == nil then return { worker_died = "its result could not be read back" } end
      return t
    end
  end })
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
  local function work(w, list, claim, last, deliver, started)
    local st = { units = 0, groups = 0, busy = 0 }
    while true do
      local k = claim()
      if k > last then break end
      local t0 = sandbox.clock()
      for _, i in ipairs(list[k]) do
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
  local function store(i, r) results[i] = r; have[i] = true end
  local function count_from(k)
    M.claimed = function() return math.min(k, n) end
    return function() k = k + 1 return k end
  end
  local warm = work(1, groups, count_from(0), first, store)
  stats[1] = warm
  if after_fork == nil then after_fork = function() end end
  if n == first then
    after_fork()
    M.claimed = nil
    return results, problems, stats
  end
  if jobs < 1 then jobs = 1 end

  -- Every group after the warm ones runs in a worker process, never here:
  -- an emitter that crashes in C, calls something that never returns or
  -- hangs in a C function (which no count hook sees) takes down only its
  -- worker.  This process supervises: it ends a worker whose unit has run
  -- past limits.unit seconds, ends them all when limits.total is spent,
  -- records the unit a worker died in as failed, starts a new worker in
  -- its place, and runs the units a dead worker left in a new round.
  local deadline = limits.total and (t_start + limits.total) or math.huge
  local tick = limits.arrived and ARRIVAL_TICK or TICK
  local respawns_left = 2 * jobs + 8
  local after_done = false
  local done_before = 0
  local first_round
  local function supervise(round_groups)
    local m = #round_groups
    local nw = math.min(jobs, m)
    -- slot 1: the last group claimed; 2: units done; 2 + w: the unit
    -- worker w is in; 2 + nw + w: when it started it (ms, monotonic)
    local shared = P.shared(2 + 2 * nw)
    local function claim() return shared:add(1, 1) + 1 end
    -- (the first round's groups are the run's first + 1..n)
    if first_round then
      M.claimed = function() return math.min(first + shared:get(1), n) end
    end
    local live, all = {}, {}
    local function start(w)
      local f, rf = file_pair()
      local ferr
      if not f then f, ferr = io.tmpfile() end
      if not f then
        problems[#problems + 1] = "no worker " .. w .. ": temporary file: " .. tostring(ferr)
        return
      end
      shared:set(2 + w, 0)
      local pid, err = P.fork()
      if pid == 0 then
        local ok = pcall(function()
          -- what the parent left unreferenced (planning, discovery) is
          -- freed to be reused here, then the worker's pace (GC_PAUSE)
          collectgarbage("collect")
          collectgarbage("incremental", GC_PAUSE)
          local since_gc = 0
          local st = work(w, round_groups, claim, m, function(i, r)
            since_gc = since_gc + write_record(f, i, r)
            assert(f:flush())
            if since_gc >= GC_BYTES then
              since_gc = 0
              collectgarbage("collect")
            end
            shared:set(2 + w, 0)
            shared:add(2, 1)
          end, function(i)
            shared:set(2 + nw + w, math.floor(sandbox.clock() * 1000))
            shared:set(2 + w, i)
          end)
          write_record(f, 0, st)
          assert(f:flush())
        end)
        P.exit(ok and 0 or 1)
      elseif pid == nil then
        f:close()
        if rf then rf:close() end
        problems[#problems + 1] = "no worker " .. w .. ": " .. tostring(err)
        return
      end
      if rf then f:close(); f = rf end   -- (the worker has its own)
      local c = { pid = pid, file = f, w = w, pos = 0, live = rf ~= nil }
      live[pid] = c
      all[#all + 1] = c
    end
    for w = 1, nw do start(w) end
    if not after_done then
      after_done = true
      after_fork()
    end
    -- the records a worker has written so far (all of them once it has
    -- ended), each unit's as soon as it is complete in the file: limits.
    -- arrived(i) is told of each, in the order they come
    local function take(c)
      local got = {}
      c.pos = index_records(c.file, got, c.pos)
      if got.stats then stats[#stats + 1] = got.stats end
      got.stats = nil
      local new = {}
      for i, loc in pairs(got) do
        if not have[i] then
          have[i] = true
          stored[i] = loc
          new[#new + 1] = i
        end
      end
      if limits.arrived then
        table.sort(new)
        for _, i in ipairs(new) do limits.arrived(i, results) end
      end
    end
    while next(live) do
      for _, c in pairs(live) do
        if c.live then take(c) end
      end
      local busy = between and between()
      if limits.progress then limits.progress(done_before + shared:get(2)) end
      local now = sandbox.clock()
      -- a worker past its unit's hard limit, or everyone past the watchdog
      local wake = math.min(deadline, now + (busy and 0 or tick))
      for _, c in pairs(live) do
        local cur = shared:get(2 + c.w)
        if now >= deadline then
          if not c.ended_by then
            c.ended_by = string.format("the report's time limit of %g s was reached", limits.total)
            P.kill(c.pid)
          end
        elseif cur > 0 and limits.unit then
          local t_unit = shared:get(2 + nw + c.w) / 1000
          if now >= t_unit + limits.unit then
            if c.ended_by == nil or c.unit ~= cur then
              c.ended_by = string.format("time budget exceeded: still running after %.1f s "
                .. "(stuck in a C function?); its worker process was ended", now - t_unit)
              c.unit = cur
              P.kill(c.pid)
            end
          else
            wake = math.min(wake, t_unit + limits.unit)
          end
        end
      end
      local pids = {}
      for pid in pairs(live) do pids[#pids + 1] = pid end
      local pid, how, code = P.wait_any(pids, math.max(0, wake - sandbox.clock()))
      local c = pid and live[pid]
      if c then
        live[pid] = nil
        take(c)
        if how ~= "exited" or code ~= 0 then
          -- killed in the middle of a unit (a signal, or ended for its
          -- time): that unit is what killed it, so it is not run again; a
          -- worker that gave up on its own (exit status) leaves its unit
          -- to the next round
          local why = c.ended_by or ("worker process " .. ended(how, code) .. " while running it")
          local cur = shared:get(2 + c.w)
          if cur > 0 and not have[cur] and (how == "signaled" or c.ended_by) then
            results[cur] = { worker_died = why }
            have[cur] = true
          end
          problems[#problems + 1] = "worker " .. c.w .. " (pid " .. tostring(c.pid) .. ") "
            .. ended(how, code) .. (c.ended_by and (": " .. c.ended_by) or "")
          -- a new worker takes its place while groups remain
          if sandbox.clock() < deadline and shared:get(1) < m and respawns_left > 0 then
            respawns_left = respawns_left - 1
            start(c.w)
          end
        end
      end
    end
  end
  local todo = {}
  for k = first + 1, n do todo[#todo + 1] = groups[k] end
  for round = 1, 3 do
    first_round = round == 1
    if #todo == 0 then break end
    done_before = 0
    for _ in pairs(have) do done_before = done_before + 1 end
    supervise(todo)
    -- what a dead worker left of its groups: another round
    local left = {}
    for _, g in ipairs(todo) do
      local rest = {}
      for _, i in ipairs(g) do if not have[i] then rest[#rest + 1] = i end end
      if #rest > 0 then left[#left + 1] = rest end
    end
    todo = left
    if sandbox.clock() >= deadline then break end
  end
  M.claimed = nil
  for _, g in ipairs(todo) do
    for _, i in ipairs(g) do
      if not have[i] then
        have[i] = true
        results[i] = { worker_died = sandbox.clock() >= deadline
          and string.format("not run: the report's time limit of %g s was reached", limits.total)
          or "not run: its worker processes kept dying" }
      end
    end
  end
  return results, problems, stats
end

-- {====== tables set aside in a temporary file ======

-- workers.stash() -> st: st:put(i, t) writes table t (what a record may
-- hold) to an unlinked temporary file, st:take(i) reads it back (once;
-- nil if it cannot: out of memory), st:close().  What this process keeps
-- of many results between two passes over them, outside its heap (in
-- memory if no temporary file can be made).
local Stash = {}
Stash.__index = Stash

function M.stash()
  return setmetatable({ f = io.tmpfile(), at = {}, len = {}, pos = 0, mem = {} }, Stash)
end

function Stash:put(i, t)
  if self.f and not self.broken then
    -- [u32 length][u32 unit][value]: n counts the unit's 4 bytes
    local ok, n = pcall(write_record, self.f, i, t)
    if ok then
      self.at[i], self.len[i] = self.pos + 8, n - 4
      self.pos = self.pos + 4 + n
      self.dirty = true
      return
    end
    -- (where the file ends is not known now: the rest stays in memory)
    self.broken = true
  end
  self.mem[i] = t
end

function Stash:take(i)
  local t = self.mem[i]
  if t then self.mem[i] = nil return t end
  local at = self.at[i]
  if not at then return nil end
  if self.dirty then assert(self.f:flush()); self.dirty = false end
  self.at[i] = nil
  -- (a failed allocation in the decoder is worth another try)
  for _ = 1, 3 do
    local t = load_record({ self.f, at, self.len[i] })
    if t then return t end
  end
  return nil
end

function Stash:close()
  if self.f then self.f:close() end
  self.f, self.at, self.mem = nil, {}, {}
end

-- }======

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
