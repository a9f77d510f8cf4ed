-- kernel/hungtask.lua's lock walk (what hanginfo says a task waits on) on
-- memory laid out by hand, since no fixture has a task queued on a lock:
-- the dump's own types give the offsets (struct mutex_waiter, struct
-- mutex, struct rw_semaphore ...) and its real tasks the owners; the waiter
-- structures, the lock and the stacks they sit on are built below as the
-- kernel builds them (kernel/locking/mutex.c __mutex_lock_common:
-- list_add_tail(&waiter.list, &lock->wait_list), waiter.task = current;
-- rwsem.c rwsem_down_write_slowpath; owner words with their flag bits).

local hung = require("kernel.hungtask")

local function real_tasks(n)
  local out = {}
  for t in kd.tasks() do
    if t.pid > 0 then out[#out + 1] = t end
    if #out == n then break end
  end
  return out
end

local A, B, C = table.unpack(real_tasks(3))
local a, b, c = A:value_(), B:value_(), C:value_()
local STACK = 0x4000
local base = { [a] = 0x100000, [b] = 0x200000, [c] = 0x300000 }

-- install fake memory and stacks for fn, then put the real ones back
local function with_memory(mem, fn)
  local read, stack = hung.read_u64, hung.stack_of
  hung.read_u64 = function(addr) return mem[addr] end
  hung.stack_of = function(addr) if base[addr] then return base[addr], STACK end return nil end
  local ok, err = pcall(fn)
  hung.read_u64, hung.stack_of = read, stack
  if not ok then error(err, 0) end
end

-- link nodes into a ring after head (list_add_tail order)
local function ring(mem, head, nodes)
  local all = { head }
  for _, n in ipairs(nodes) do all[#all + 1] = n end
  for i, n in ipairs(all) do
    mem[n] = all[i % #all + 1]                          -- next
    mem[n + 8] = all[(i - 2) % #all + 1]                -- prev
  end
end

-- the bytes of a task's stack from its base: zeros, the task's own
-- address where its waiter's ->task is
local function stack_bytes(task_addr, waiter, off_task)
  local words = {}
  for i = 1, 256 do words[i] = 0 end
  words[(waiter + off_task - base[task_addr]) // 8 + 1] = task_addr
  local parts = {}
  for i, w in ipairs(words) do parts[i] = string.pack("<i8", w) end
  return table.concat(parts)
end

local off_mtask = kd.member_offset("struct mutex_waiter", "task")
local off_mhead = kd.member_offset("struct mutex", "wait_list")
local off_mowner = kd.member_offset("struct mutex", "owner")

test("a mutex waiter: the lock, the queue, the owner without MUTEX_FLAGS", function()
  local mem = {}
  local lock = 0x500000
  local wa, wb = base[a] + 0x100, base[b] + 0x200
  ring(mem, lock + off_mhead, { wb, wa })               -- B queued first, then A
  mem[wa + off_mtask], mem[wb + off_mtask] = a, b
  mem[lock + off_mowner] = c | 1                        -- MUTEX_FLAG_WAITERS
  with_memory(mem, function()
    local w = hung._lock_waits(A, base[a], stack_bytes(a, wa, off_mtask), { "__mutex_lock.constprop.0" })
    eq(#w, 1, "waits found")
    eq(w[1].kind, "mutex", "kind")
    eq(w[1].lock, lock, "lock address")
    eq(w[1].waiters, 2, "waiters queued")
    eq(w[1].position, 2, "A's place in the queue")
    eq(w[1].owner.pid, C.pid, "owner pid (flag bits dropped)")
  end)
end)

test("no lock slow path on the stack: no lock wait is claimed", function()
  local mem = {}
  local lock = 0x500000
  local wa = base[a] + 0x100
  ring(mem, lock + off_mhead, { wa })
  mem[wa + off_mtask] = a
  with_memory(mem, function()
    eq(#hung._lock_waits(A, base[a], stack_bytes(a, wa, off_mtask), { "do_nanosleep" }), 0, "waits")
  end)
end)

test("a broken list (next->prev not back) is not a waiter", function()
  local mem = {}
  local lock = 0x500000
  local wa = base[a] + 0x100
  ring(mem, lock + off_mhead, { wa })
  mem[lock + off_mhead + 8] = 0x12345678                -- head's prev points elsewhere
  mem[wa + off_mtask] = a
  with_memory(mem, function()
    eq(#hung._lock_waits(A, base[a], stack_bytes(a, wa, off_mtask), { "mutex_lock" }), 0, "waits")
  end)
end)

test("an rw_semaphore owned by readers: reader count, last reader, no writer", function()
  local off_task = kd.member_offset("struct rwsem_waiter", "task")
  local off_head = kd.member_offset("struct rw_semaphore", "wait_list")
  local mem = {}
  local sem = 0x600000
  local wa = base[a] + 0x300
  ring(mem, sem + off_head, { wa })
  mem[wa + off_task] = a
  mem[sem + kd.member_offset("struct rw_semaphore", "owner")] = c | 1 -- RWSEM_READER_OWNED
  mem[sem + kd.member_offset("struct rw_semaphore", "count")] = (3 << 8) | 2  -- 3 readers, WAITERS
  with_memory(mem, function()
    local w = hung._lock_waits(A, base[a], stack_bytes(a, wa, off_task), { "rwsem_down_write_slowpath" })
    eq(#w, 1, "waits found")
    eq(w[1].kind, "rw_semaphore", "kind")
    eq(w[1].readers, 3, "readers")
    eq(w[1].reader_owned, true, "reader owned")
    eq(w[1].writer_locked, false, "writer locked")
    eq(w[1].owner.pid, C.pid, "last reader")
    eq(w[1].position, 1, "place")
  end)
end)

test("owner chain: A waits on C's lock, C on A's: a deadlock", function()
  local wait_a = { kind = "mutex", owner = { pid = C.pid, comm = "c" } }
  local wait_c = { kind = "mutex", owner = { pid = A.pid, comm = "a" } }
  local links, deadlock, again = hung.owner_chain(wait_a, A.pid, function(o)
    if o.pid == C.pid then return { wait_c } end
    return {}
  end)
  eq(#links, 1, "links")
  eq(links[1].owner.pid, C.pid, "first owner")
  eq(deadlock, true, "deadlock")
  eq(again.pid, A.pid, "met again")
  local links2, dl2 = hung.owner_chain(wait_a, A.pid, function() return {} end)
  eq(#links2, 0, "owner not blocked: no link")
  eq(dl2, false, "no deadlock")
end)

test("a percpu_rwsem_wait entry: the semaphore, and the frozen superblock it belongs to", function()
  local WAKE = -0x7edcba98                               -- a text address (percpu_rwsem_wake_function)
  local off_func = kd.member_offset("struct wait_queue_entry", "func")
  local off_entry = kd.member_offset("struct wait_queue_entry", "entry")
  local off_waiters = kd.member_offset("struct percpu_rw_semaphore", "waiters") +
                      kd.member_offset("struct wait_queue_head", "head")
  local mem = {}
  local sems = 0x700000                                  -- sb->s_writers.rw_sem[0..2]
  local size = kd.type("struct percpu_rw_semaphore").size
  local sem = sems + size                                -- rw_sem[1]: SB_FREEZE_PAGEFAULT
  local e = base[a] + 0x400
  ring(mem, sem + off_waiters, { e + off_entry })
  mem[e + off_func] = WAKE
  local frozen = hung.frozen_superblocks
  hung.frozen_superblocks = function()
    return { { id = "dm-1", fstype = "xfs", level = 4, sems = { first = sems, last = sems + 3 * size } } }
  end
  local ok, err = pcall(with_memory, mem, function()
    local w = hung._percpu_waits(base[a], "", {
      { addr = e + off_func, value = WAKE, name = "percpu_rwsem_wake_function", off = 0 } })
    eq(#w, 1, "waits found")
    eq(w[1].kind, "percpu_rw_semaphore", "kind")
    eq(w[1].lock, sem, "semaphore")
    eq(w[1].frozen_sb and w[1].frozen_sb.id, "dm-1", "frozen superblock")
    eq(w[1].frozen_sb.level, 4, "freeze level")
  end)
  hung.frozen_superblocks = frozen
  if not ok then error(err, 0) end
end)
