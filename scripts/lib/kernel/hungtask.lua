-- kernel/hungtask.lua: blocked tasks and how long they have been off the
-- CPU, in the terms of the kernel's hung-task detector.
--
--   hungtask.timeout()        kernel.hung_task_timeout_secs (nil: no detector)
--   hungtask.off_cpu_ns(t)    ns since t last ran (0 if running), or nil
--   hungtask.checker_secs(t)  seconds the hung-task detector has seen t
--                             without a context switch, or nil
--   hungtask.blocked(opts)    D-state tasks: {task, pid, tgid, comm, state,
--                             off_cpu_ns, checker_secs}, longest first;
--                             opts.min_sleep_ns adds S tasks off the CPU
--                             at least that long
--   hungtask.waits(t [, frames [, {locks_only = true}]])
--                             what t waits on, found on its kernel stack:
--                             list of {kind = "mutex"|"rw_semaphore"|
--                             "semaphore"|"percpu_rw_semaphore"|"bio", ...}
--   hungtask.owner_chain(wait, pid, waits_of)  owner after owner; deadlock?
--   hungtask.frozen_superblocks()  {id, fstype, level, sems}
--
-- "Now" is the run-queue clock of the task's CPU (rq->clock_task, what
-- se.exec_start is measured in; update_curr() sets exec_start when the
-- task leaves the CPU), so times are as the scheduler saw them at the crash.
--
-- What a task waits on is read from the structures its sleeping function
-- put on its own stack: a mutex_waiter / rwsem_waiter / semaphore_waiter
-- ({list, task}) linked into the lock's wait_list (the lock is the list
-- node that is not another task's waiter; its owner is the task in
-- ->owner without the flag bits), a wait_queue_entry woken by
-- percpu_rwsem_wake_function (the percpu_rw_semaphore, e.g. a frozen
-- superblock's s_writers.rw_sem[]), or a struct bio whose ->bi_end_io is
-- a completion callback (submit_bio_wait, direct I/O): the device, the
-- sector and the size of the I/O in flight.
--
-- Mirrors: kernel/hung_task.c (check_hung_task), kernel/sched/fair.c
--   (update_curr), kernel/sched/stats.h (sched_info_arrive),
--   kernel/locking/mutex.c, kernel/locking/rwsem.c,
--   kernel/locking/semaphore.c, kernel/locking/percpu-rwsem.c,
--   block/bio.c (submit_bio_wait), block/fops.c, fs/super.c (freeze_super)

local task = require("kernel.task")

local M = {}

local function sym_int(name)
  local ok, v = pcall(function() return kd.symbol(name):value_() end)
  if ok and math.type(v) == "integer" then return v end
  return nil
end

-- CONFIG_DETECT_HUNG_TASK: sysctl_hung_task_timeout_secs (0: disabled)
function M.timeout() return sym_int("sysctl_hung_task_timeout_secs") end

local rq_clock = {}
local function clocks(cpu)
  local c = rq_clock[cpu]
  if c == nil then
    local ok, rq = pcall(kd.per_cpu, "runqueues", cpu)
    c = {}
    if ok then
      local ok1, v1 = pcall(function() return rq.clock_task end)
      local ok2, v2 = pcall(function() return rq.clock end)
      c.task, c.clock = ok1 and v1 or nil, ok2 and v2 or nil
    end
    rq_clock[cpu] = c
  end
  return c
end

-- the latest run-queue clock of all CPUs (ns since boot, sched_clock)
function M.now_ns()
  local best
  for _, cpu in ipairs(kd.cpus("possible")) do
    local c = clocks(cpu)
    if c.clock and (best == nil or c.clock > best) then best = c.clock end
  end
  return best
end

-- off_cpu_ns member by member (what a failed read of off_cpu_reader's
-- members falls back to)
local function off_cpu_by_member(t)
  if task.raw_state(t) == 0 then return 0 end
  local ok, cpu = pcall(task.cpu, t)
  if not ok or cpu == nil then return nil end
  local c = clocks(cpu)
  -- se.exec_start: rq_clock_task at the task's last update_curr (its
  -- dequeue when it blocked); sched_info.last_arrival (CONFIG_SCHED_INFO)
  -- is when it last got the CPU, a bound when exec_start is not there
  local okx, es = pcall(function() return t.se.exec_start end)
  if okx and es and es > 0 and c.task and c.task >= es then return c.task - es end
  if kd.has_member("struct task_struct", "sched_info.last_arrival") then
    local la = t.sched_info.last_arrival
    if la > 0 and c.clock and c.clock >= la then return c.clock - la end
  end
  return nil
end

-- the members off_cpu_ns reads, in one call (kd.member_reader; taskinfo
-- asks it of every thread): the state word, the CPU as task.cpu reads it
-- (false: task.cpu's 0), se.exec_start, sched_info.last_arrival (false:
-- not in this kernel)
local off_cpu_reader, cpu_member, last_arrival_member
local function get_off_cpu_reader()
  if off_cpu_reader == nil then
    local T = "struct task_struct"
    local NONE = "no such member"
    if task.has_member(T, "cpu") then cpu_member = "cpu"
    elseif task.has_member("struct thread_info", "cpu") and task.has_member(T, "thread_info") then
      cpu_member = "thread_info.cpu"
    else cpu_member = false end
    last_arrival_member = kd.has_member(T, "sched_info.last_arrival")
    off_cpu_reader = kd.member_reader(T, (task.state_paths()), cpu_member or NONE,
      "se.exec_start", last_arrival_member and "sched_info.last_arrival" or NONE)
  end
  return off_cpu_reader
end

-- nanoseconds since t was last on a CPU
function M.off_cpu_ns(t)
  local ok, raw, cpu, es, la = pcall(get_off_cpu_reader(), t)
  if not ok then return off_cpu_by_member(t) end
  if raw == 0 then return 0 end
  if not cpu_member then cpu = 0 end
  if cpu == nil then return nil end
  local c = clocks(cpu)
  if es and es > 0 and c.task and c.task >= es then return c.task - es end
  if last_arrival_member then
    if la > 0 and c.clock and c.clock >= la then return c.clock - la end
  end
  return nil
end

-- (jiffies - last_switch_time) / HZ when the detector has stamped the task
-- (last_switch_time: 4.x+ with CONFIG_DETECT_HUNG_TASK)
function M.checker_secs(t)
  if not kd.has_member("struct task_struct", "last_switch_time") then return nil end
  local lst = t.last_switch_time
  if lst == 0 then return nil end
  local j = sym_int("jiffies")
  local hz = require("kernel.time").hz()
  if j == nil or hz == nil then return nil end
  local d = (j - lst) & 0xffffffffffffffff
  if d < 0 then return nil end
  return d // hz
end

-- D-state tasks (and, with opts.min_sleep_ns, S tasks off the CPU that
-- long) as {task, pid, tgid, comm, state, off_cpu_ns, checker_secs}, longest off the CPU first
function M.blocked(opts)
  opts = opts or {}
  local out = {}
  for t in kd.tasks() do
    local ok, st = pcall(task.state_char, t)
    if ok and (st == "D" or (st == "S" and opts.min_sleep_ns)) then
      local off = M.off_cpu_ns(t)
      if st == "D" or (off and off >= opts.min_sleep_ns) then
        out[#out + 1] = {
          task = t, pid = t.pid, tgid = task.tgid(t), comm = task.comm(t), state = st,
          off_cpu_ns = off, checker_secs = M.checker_secs(t),
        }
      end
    end
  end
  table.sort(out, function(a, b)
    local x, y = a.off_cpu_ns or -1, b.off_cpu_ns or -1
    if x ~= y then return x > y end
    return a.pid < b.pid
  end)
  return out
end

-- {====== what a blocked task waits on ======

local ult = math.ult

-- memory and stacks as the lock walk sees them (replaceable, so that the
-- walk can be tested on memory laid out by hand)
function M.read_u64(addr)
  local ok, v = pcall(kd.read_u64, addr)
  if ok then return v end
  return nil
end
local function u64(addr) return M.read_u64(addr) end

local function offset(tname, member)
  local ok, v = pcall(kd.member_offset, tname, member)
  if ok then return v end
  return nil
end

-- kernel addresses: the upper half of the address space (x86_64, arm64)
local function is_kernel_ptr(v) return v < 0 and v ~= -1 end

-- the task's kernel stack from its saved stack pointer to the top:
-- address of the first word and the bytes
local stack_reader
local function stack_words(t)
  if stack_reader == nil then
    -- the saved stack pointer: thread.sp (x86), thread.cpu_context.sp
    -- (arm64); else the whole stack
    local sp_path = kd.has_member("struct thread_struct", "sp") and "thread.sp"
      or kd.has_member("struct thread_struct", "cpu_context.sp") and "thread.cpu_context.sp"
      or "no such member"
    stack_reader = kd.member_reader("struct task_struct", "stack", sp_path)
  end
  local base, sp = stack_reader(t)
  if base == 0 then return nil end
  local size = task.thread_size()
  sp = sp or base
  if not (ult(base - 1, sp) and ult(sp, base + size)) then sp = base end
  local ok, data = pcall(kd.read, sp, base + size - sp)
  if not ok then return nil end
  return sp, data, base, size
end

local task_by_addr
local function tasks_by_addr()
  if task_by_addr == nil then
    task_by_addr = {}
    for x in kd.tasks() do task_by_addr[x:value_()] = x end
  end
  return task_by_addr
end

local function task_desc(addr)
  local x = tasks_by_addr()[addr]
  if x == nil then return nil end
  return { pid = x.pid, comm = task.comm(x), task = x, address = addr,
           state = (select(2, pcall(task.state_char, x))) }
end

-- the kernel stack [base, base + size) of the task at `addr`, or nil
function M.stack_of(addr)
  local x = tasks_by_addr()[addr]
  if x == nil then return nil end
  local base = require("kernel.fs").pval(x:member_("stack"))
  if base == 0 then return nil end
  return base, task.thread_size()
end

-- is node `n` (a list_head) the list member of a waiter struct on the
-- stack of the task it names (off_task: offset of ->task from ->list)?
local function is_waiter_node(n, off_task)
  local tp = u64(n + off_task)
  if tp == nil then return false end
  local base, size = M.stack_of(tp)
  return base ~= nil and ult(base - 1, n) and ult(n, base + size)
end

-- the list head of the ring that node `w` is in which is not a waiter:
-- the lock's wait_list; plus the number of waiters and w's place from the
-- head (1: next in line)
local function lock_head(w, off_task)
  local n = u64(w)
  for _ = 1, 4096 do
    if n == nil or n == w then return nil end
    if not is_waiter_node(n, off_task) then
      local count, pos, m = 0, nil, u64(n)
      for _ = 1, 4096 do
        if m == nil or m == n then break end
        count = count + 1
        if m == w then pos = count end
        m = u64(m)
      end
      return n, count, pos
    end
    n = u64(n)
  end
  return nil
end

-- consistent doubly linked node?
local function linked(w)
  local nx, pv = u64(w), u64(w + 8)
  return nx and pv and nx ~= w and u64(nx + 8) == w and u64(pv) == w
end

local LOCK_KINDS = {
  -- kind, waiter type, lock type, function-name pattern of its slow path
  { "mutex", "struct mutex_waiter", "struct mutex", "mutex" },
  { "rw_semaphore", "struct rwsem_waiter", "struct rw_semaphore", "rwsem" },
  { "semaphore", "struct semaphore_waiter", "struct semaphore", "^_*down" },
}

-- the owner (and rwsem facts) of the lock at `lock` (an address)
local function owner_of(kind, lock, ltype)
  if kind == "mutex" then
    -- mutex.owner: atomic_long_t since 4.10 (task | MUTEX_FLAGS 0x7)
    local o = u64(lock + offset(ltype, "owner"))
    return o & ~7, nil
  elseif kind == "rw_semaphore" then
    -- rwsem owner: task | RWSEM_READER_OWNED (bit 0) | NONSPINNABLE (bit 1)
    -- (atomic_long_t since 5.3; a task pointer before, read the same way)
    local o = u64(lock + offset(ltype, "owner"))
    local count = u64(lock + offset(ltype, "count"))
    local readers = (count >> 8) & ((1 << 55) - 1)      -- RWSEM_READER_SHIFT
    local writer = (count & 1) == 1                      -- RWSEM_WRITER_LOCKED
    if (o & 1) == 1 then
      -- reader-owned: owner is the last reader to take it (a hint only)
      return o & ~3, { reader_owned = true, readers = readers, writer_locked = writer }
    end
    return o & ~3, { readers = readers, writer_locked = writer }
  end
  return 0, nil
end

-- waiters of locks on t's stack: the slow-path names seen on the stack
-- decide which lock type a {list, task} waiter belongs to
local function lock_waits(t, sp, data, names)
  local out = {}
  local me = t:value_()
  local unpack = string.unpack
  for _, k in ipairs(LOCK_KINDS) do
    local kind, wtype, ltype, pat = k[1], k[2], k[3], k[4]
    local seen = false
    for _, n in ipairs(names) do if n:find(pat) then seen = true break end end
    local off_task = seen and kd.has_type(wtype) and offset(wtype, "task")
    local off_list = off_task and offset(wtype, "list")
    local off_head = off_task and offset(ltype, "wait_list")
    if off_task and off_list and off_head then
      for i = 0, #data // 8 - 1 do
        if unpack("<i8", data, i * 8 + 1) == me then
          local w = sp + i * 8 - off_task + off_list
          if linked(w) then
            local head, count, pos = lock_head(w, off_task - off_list)
            if head then
              local ok, owner, extra = pcall(owner_of, kind, head - off_head, ltype)
              local r = { kind = kind, lock = head - off_head, waiters = count, position = pos }
              if ok and owner and owner ~= 0 then r.owner = task_desc(owner) or { address = owner } end
              if ok and extra then for kk, vv in pairs(extra) do r[kk] = vv end end
              out[#out + 1] = r
              break
            end
          end
        end
      end
    end
  end
  return out
end

M._lock_waits = lock_waits      -- for tests/lua/test_hungtask_locks.lua

-- the owners behind a lock wait of task `start_pid`: a list of {owner =
-- the owner's description, wait = the first thing that owner waits on},
-- following owner after owner (waits_of(owner) gives an owner's waits);
-- then true and the owner met again when the chain loops (a deadlock)
function M.owner_chain(wait, start_pid, waits_of)
  local out, seen, cur = {}, { [start_pid] = true }, wait
  for _ = 1, 64 do
    if cur == nil or cur.owner == nil or cur.owner.pid == nil then break end
    local o = cur.owner
    if seen[o.pid] then return out, true, o end
    seen[o.pid] = true
    local ows = waits_of(o)
    if type(ows) ~= "table" or #ows == 0 then break end
    out[#out + 1] = { owner = o, wait = ows[1] }
    cur = ows[1]
  end
  return out, false
end

-- {--- I/O ---

-- REQ_OP_* (include/linux/blk_types.h: REQ_OP_BITS 8 since 4.10)
local REQ_OPS = { [0] = "read", "write", "flush", "discard", [5] = "secure erase",
                  [9] = "write zeroes", [10] = "zone open", [11] = "zone close" }

local dm_by_disk
local function dm_name(disk_name)
  if dm_by_disk == nil then
    dm_by_disk = {}
    -- kernel/dm.lua: names, suspension, deferred bios
    local ok, dm = pcall(require, "kernel.dm")
    if ok and dm.devices then
      local okd, devs = pcall(dm.devices)
      if okd and type(devs) == "table" then
        for _, d in ipairs(devs) do
          if d.disk then
            local deferred = {}
            for _, b in ipairs(d.deferred or {}) do deferred[b.bio] = true end
            dm_by_disk[d.disk] = { name = d.name, suspended = d.suspended, deferred = deferred }
          end
        end
      end
    end
  end
  return dm_by_disk[disk_name]
end

-- the gendisk's name of a bio (bi_bdev since 5.15; bi_disk 4.14-5.14)
local function bio_disk(bio)
  if kd.has_member("struct bio", "bi_bdev") then
    local bdev = bio.bi_bdev
    if bdev == nil then return nil end
    local disk = bdev.bd_disk
    local name = disk.disk_name:string_()
    local partno = kd.has_member("struct block_device", "bd_partno") and bdev.bd_partno or 0
    if partno ~= 0 then name = name .. (name:find("%d$") and "p" or "") .. partno end
    return name, disk.disk_name:string_()
  elseif kd.has_member("struct bio", "bi_disk") then
    local disk = bio.bi_disk
    if disk == nil then return nil end
    return disk.disk_name:string_(), disk.disk_name:string_()
  end
  return nil
end

-- bios on the stack: words that point at an "*end_io"/"*endio" function
-- at the bi_end_io offset of a struct whose device reads as a disk name
local function bio_waits(sp, data, texts)
  local off = offset("struct bio", "bi_end_io")
  if off == nil then return {} end
  local out = {}
  local seen = {}
  for _, tx in ipairs(texts) do
    if (tx.name:find("end_?io") ) and not seen[tx.addr] then
      local addr = tx.addr - off
      local ok, r = pcall(function()
        local bio = kd.object("struct bio", addr)
        local name, disk = bio_disk(bio)
        if name == nil or not name:find("^[%w_.:-]+$") then return nil end
        local opf = bio.bi_opf
        local size = bio.bi_iter.bi_size
        local b = { kind = "bio", bio = addr, device = name, end_io = tx.name,
                    op = REQ_OPS[opf & 0xff] or tostring(opf & 0xff),
                    sector = bio.bi_iter.bi_sector, bytes = size }
        local dm = dm_name(disk)
        if dm then
          b.dm_name, b.dm_suspended = dm.name, dm.suspended
          -- held on md->deferred: it goes down only after a resume
          if dm.deferred[addr] then b.dm_deferred = true end
        end
        return b
      end)
      if ok and r then
        seen[tx.addr] = true
        out[#out + 1] = r
      end
    end
  end
  return out
end

-- }---

-- {--- frozen superblocks ---

local frozen_memo
-- superblocks frozen for writing (fsfreeze): {id, fstype, level, sems = {first, last}},
-- sems being the address range of their s_writers.rw_sem (memoized)
function M.frozen_superblocks()
  if frozen_memo then return frozen_memo end
  local out = {}
  if kd.has_member("struct super_block", "s_writers.frozen") then
    local size = kd.type("struct percpu_rw_semaphore").size
    for sb in kd.list(kd.symbol("super_blocks"), "struct super_block", "s_list") do
      local lvl = sb.s_writers.frozen
      if lvl ~= 0 then
        local base = sb.s_writers.rw_sem:address_()
        local n = #sb.s_writers.rw_sem
        out[#out + 1] = { id = sb.s_id:string_(), fstype = sb.s_type.name:string_(), level = lvl,
                          sems = { first = base, last = base + n * size } }
      end
    end
  end
  frozen_memo = out
  return out
end

-- a percpu_rwsem_wait() entry on the stack: the semaphore it is queued on
local function percpu_waits(sp, data, texts)
  local out = {}
  for _, tx in ipairs(texts) do
    if tx.name == "percpu_rwsem_wake_function" then
      local ok, r = pcall(function()
        local e = tx.addr - offset("struct wait_queue_entry", "func")
        local node = e + offset("struct wait_queue_entry", "entry")
        if not linked(node) then return nil end
        -- walk to the head: the node that is not a wait_queue_entry of a
        -- percpu_rwsem_wake_function
        local fn_off = offset("struct wait_queue_entry", "func") - offset("struct wait_queue_entry", "entry")
        local n = u64(node)
        for _ = 1, 4096 do
          if n == nil or n == node then return nil end
          local f = u64(n + fn_off)
          if f ~= tx.value then break end
          n = u64(n)
        end
        local sem = n - offset("struct wait_queue_head", "head") - offset("struct percpu_rw_semaphore", "waiters")
        local r = { kind = "percpu_rw_semaphore", lock = sem }
        for _, sb in ipairs(M.frozen_superblocks()) do
          if ult(sb.sems.first - 1, sem) and ult(sem, sb.sems.last) then
            r.frozen_sb = { id = sb.id, fstype = sb.fstype, level = sb.level }
          end
        end
        return r
      end)
      if ok and r then out[#out + 1] = r break end
    end
  end
  return out
end

M._percpu_waits = percpu_waits  -- for tests/lua/test_hungtask_locks.lua

-- }---

-- the byte offsets in `data` of the 8-byte words equal to `v`
local function word_offsets(data, v)
  local out = {}
  local needle = string.pack("<i8", v)
  local pos = 1
  while true do
    local s = data:find(needle, pos, true)
    if s == nil then return out end
    if (s - 1) % 8 == 0 then
      out[#out + 1] = s - 1
      pos = s + 8
    else
      pos = s + 1
    end
  end
end

-- where a waiter's list node lies from its task pointer, for each lock
-- kind this kernel has (lock_waits' offsets; the same for all three
-- waiter structs of 6.1, then looked at once)
local waiter_kinds
local function lock_kinds()
  if waiter_kinds == nil then
    waiter_kinds = {}
    local seen = {}
    for _, k in ipairs(LOCK_KINDS) do
      local wtype, ltype = k[2], k[3]
      local off_task = kd.has_type(wtype) and offset(wtype, "task")
      local off_list = off_task and offset(wtype, "list")
      if off_task and off_list and offset(ltype, "wait_list") and not seen[off_list - off_task] then
        seen[off_list - off_task] = true
        waiter_kinds[#waiter_kinds + 1] = off_list - off_task
      end
    end
  end
  return waiter_kinds
end

-- [lo, hi) of the addresses kd.symbolize names percpu_rwsem_wake_function
-- (its symbol's size; an unsized one reaches 1 MiB), or false when that
-- is not known (no such symbol found, or an alias named first at its
-- address).  One kernel function of that name is assumed (it is static in
-- kernel/locking/percpu-rwsem.c).
local wake_range
local function percpu_wake_range()
  if wake_range == nil then
    wake_range = false
    local ok, a = pcall(kd.symbol_address, "percpu_rwsem_wake_function")
    if ok and a then
      local name, off, _, size = kd.symbolize(a)
      if name == "percpu_rwsem_wake_function" and off == 0 then
        wake_range = { a, a + ((size and size > 0) and size or (1 << 20) + 1) }
      end
    end
  end
  return wake_range
end

-- may `data` (a stack from sp) hold a word in [lo, hi)?  The words' upper
-- six bytes (five for a range over 64 KiB) are looked for with
-- string.find -- the range spans at most two values of them -- and each
-- hit's whole word compared
local function has_word_in(data, lo, hi)
  if not ult(lo, hi) or hi - lo > (1 << 24) then return true end
  local shift = hi - lo <= (1 << 16) and 16 or 24
  local skip = shift // 8                   -- bytes of the word before the needle
  for _, top in ipairs({ lo >> shift, (hi - 1) >> shift }) do
    local needle = string.pack("<i8", top << shift):sub(skip + 1)
    local pos = 1
    while true do
      local s = data:find(needle, pos, true)
      if s == nil then break end
      if (s - 1) % 8 == skip then
        local v = string.unpack("<i8", data, s - skip)
        if not ult(v, lo) and ult(v, hi) then return true end
      end
      pos = s + 1
    end
  end
  return false
end

-- Can lock_waits or percpu_waits find anything on this stack?  A lock
-- waiter ({list, task}) names the task, its list node linked (what
-- lock_waits asks first); a percpu_rwsem wait holds a word naming
-- percpu_rwsem_wake_function.  Nearly every sleeping task has its own
-- address on its stack (an hrtimer_sleeper, a wait_queue_entry) but
-- neither of these, and is then answered without symbolizing every word
-- of its stack (hanginfo asks this of each of 10,000 sleeping tasks).
local function may_wait_on_lock(me, sp, data)
  local offs = word_offsets(data, me)
  if #offs == 0 then return false end
  for _, at in ipairs(offs) do
    for _, list_from_task in ipairs(lock_kinds()) do
      -- the node's own two pointers, from the stack bytes when they are
      -- there: a list's are kernel addresses (cheap to rule out)
      local node = at + list_from_task
      if node >= 0 and node + 16 <= #data then
        local nx, pv = string.unpack("<i8i8", data, node + 1)
        if is_kernel_ptr(nx) and is_kernel_ptr(pv) and linked(sp + node) then return true end
      elseif linked(sp + node) then
        return true
      end
    end
  end
  local r = percpu_wake_range()
  if not r then return true end
  return has_word_in(data, r[1], r[2])
end

-- what t waits on; frames (optional): its kd.stack_trace, whose function
-- names then decide the lock type instead of the text words of the stack
function M.waits(t, frames, opts)
  local sp, data = stack_words(t)
  if sp == nil then return {} end
  local unpack = string.unpack
  if opts and opts.locks_only and not may_wait_on_lock(t:value_(), sp, data) then
    return {}
  end
  -- kernel text words of the stack, symbolized once
  local texts, names = {}, {}
  for i = 0, #data // 8 - 1 do
    local v = unpack("<i8", data, i * 8 + 1)
    if is_kernel_ptr(v) then
      local name, off = kd.symbolize(v)
      if name and off then
        texts[#texts + 1] = { addr = sp + i * 8, value = v, name = name, off = off }
        if off ~= 0 then names[#names + 1] = name end
      end
    end
  end
  if frames then
    names = {}
    for _, f in ipairs(frames) do if f["function"] then names[#names + 1] = f["function"] end end
  end
  local out = {}
  for _, w in ipairs(lock_waits(t, sp, data, names)) do out[#out + 1] = w end
  for _, w in ipairs(percpu_waits(sp, data, texts)) do out[#out + 1] = w end
  for _, w in ipairs(bio_waits(sp, data, texts)) do out[#out + 1] = w end
  return out
end

-- }======

return M
