-- kernel/task.lua: task_struct helpers (state, ids, credentials, times,
-- memory counters, command line and environment from user memory).
--
-- Every function takes a `struct task_struct *` object as kd.tasks() yields
-- it.  Sources: include/linux/sched.h, fs/proc/array.c, fs/proc/base.c,
-- kernel/sched/cputime.c (Linux 6.1), with has_member branches for the
-- layouts of other versions.
--
-- Mirrors: include/linux/sched.h, fs/proc/array.c, fs/proc/base.c,
--   kernel/sched/cputime.c

local M = {}

local USER_HZ = 100
M.USER_HZ = USER_HZ
local NSEC_PER_SEC = 1000000000

-- {====== small utilities ======

local memo_type, memo_member = {}, {}

local function has_type(name)
  local v = memo_type[name]
  if v == nil then v = kd.has_type(name); memo_type[name] = v end
  return v
end

-- memo_member[tname][member]: two lookups, no key string built per call
-- (has_member runs several times per task in every per-pid emitter)
local function has_member(tname, member)
  local mt = memo_member[tname]
  if mt == nil then mt = {}; memo_member[tname] = mt end
  local v = mt[member]
  if v == nil then
    v = has_type(tname) and kd.has_member(tname, member) or false
    mt[member] = v
  end
  return v
end
M.has_member = has_member

-- value of a global symbol (integer) or nil
local sym_value = require("kernel.util").symbol_value
M.sym_value = sym_value

-- integer of an object that may be an atomic_t / atomic_long_t / plain int
local function value_of(x) return x:value_() end
local function ival(x)
  if x == nil then return 0 end
  local tx = type(x)
  if tx == "number" then return x end
  if tx == "boolean" then return x and 1 or 0 end
  local ok, v = pcall(value_of, x)    -- no closure per call
  if ok then return v end
  return x.counter
end
-- integer value of an atomic_t / atomic_long_t / plain int object, a number or a boolean (nil: 0)
M.ival = ival

-- pointer value (0 for NULL/nil), or the address of a struct object
local pval = require("kernel.fs").pval
M.pval = pval

local function hex(v) return string.format("%x", v) end

-- }======

-- {====== state ======

local TASK_REPORT = 0x7f
local TASK_IDLE = 0x402     -- TASK_UNINTERRUPTIBLE | TASK_NOLOAD
local TASK_RTLOCK_WAIT = 0x1000
local TASK_FROZEN = 0x8000

M.state_chars = "RSDTtXZPI"
M.state_names = { "R (running)", "S (sleeping)", "D (disk sleep)", "T (stopped)",
                  "t (tracing stop)", "X (dead)", "Z (zombie)", "P (parked)",
                  "I (idle)" }

-- raw task state word (6.1: __state; older: state)
function M.raw_state(t)
  if has_member("struct task_struct", "__state") then return t.__state end
  return t.state
end

local function fls(x)
  local n = 0
  while x ~= 0 do n = n + 1; x = x >> 1 end
  return n
end

-- the raw state word and exit_state in one call (kd.member_reader)
local state_reader
local function state_words(t)
  if state_reader == nil then
    local T = "struct task_struct"
    state_reader = kd.member_reader(T, has_member(T, "__state") and "__state" or "state",
                                    "exit_state")
  end
  return state_reader(t)
end

-- the raw state word and exit_state paths of this kernel, for callers
-- that read them along with other members in one kd.member_reader
function M.state_paths()
  return has_member("struct task_struct", "__state") and "__state" or "state", "exit_state"
end

-- __task_state_index() of a raw state word and exit_state (state_paths)
local function state_index_of(raw, exit_state)
  local st = raw & 0xffffffff
  local ex = exit_state & 0xffffffff
  local s = (st | ex) & TASK_REPORT
  if (st & TASK_IDLE) == TASK_IDLE then s = TASK_REPORT + 1 end
  -- rtlock waiters and frozen tasks look like D (6.1); bit values of older
  -- kernels differ, but there those bits were not set in the same way
  if has_member("struct task_struct", "__state") and
     ((st & TASK_RTLOCK_WAIT) ~= 0 or (st & TASK_FROZEN) ~= 0) then s = 2 end
  return fls(s)
end
M.state_index_of = state_index_of

-- index into task_state_array (0 = R ... 8 = I), as __task_state_index()
function M.state_index(t)
  return state_index_of(state_words(t))
end

-- one-letter state as ps and /proc/<pid>/stat show it (R, S, D, ...; fs/proc/array.c task_state_array)
function M.state_char(t)
  local i = M.state_index(t)
  return M.state_chars:sub(i + 1, i + 1)
end

-- state as /proc/<pid>/status names it ("S (sleeping)"), "?" when unknown
function M.state_name(t)
  return M.state_names[M.state_index(t) + 1] or "?"
end

-- true when the task's state is TASK_RUNNING (0)
function M.is_running(t) return M.raw_state(t) == 0 end

-- }======

-- {====== flags ======

M.PF_EXITING = 0x4
M.PF_WQ_WORKER = 0x20
M.PF_KTHREAD = 0x200000
M.PF_IDLE = 0x2

-- the task's PF_* flags, as an unsigned 32-bit value
function M.flags(t) return t.flags & 0xffffffff end
-- true for a kernel thread (PF_KTHREAD set)
function M.is_kthread(t) return (t.flags & M.PF_KTHREAD) ~= 0 end

-- }======

-- {====== names ======

-- the task's command name (task_struct.comm, at most 16 bytes)
function M.comm(t) return t.comm:string_(16) end

-- struct kthread of a kthread: 5.17+ worker_private, older set_child_tid
local function to_kthread(t)
  if not M.is_kthread(t) or not has_type("struct kthread") then return nil end
  local p
  if has_member("struct task_struct", "worker_private") then p = t.worker_private
  else p = t.set_child_tid end
  p = pval(p)
  if p == 0 then return nil end
  return kd.object("struct kthread", p)
end

M.to_kthread = to_kthread

-- the name of a kthread or workqueue worker (proc_name's slow side): the
-- members read with compiled readers, no object a task
local kthread_reader, worker_reader, worker_desc_len
local function kthread_name(flags, comm, kptr)
  local k = nil                  -- to_kthread(): only a PF_KTHREAD task has one
  if (flags & M.PF_KTHREAD) ~= 0 and has_type("struct kthread") and kptr and kptr ~= 0 then
    k = kptr
  end
  if kthread_reader == nil and k then
    kthread_reader = kd.member_reader("struct kthread", "data",
      has_member("struct kthread", "full_name") and "full_name" or "no such member")
  end
  if (flags & M.PF_WQ_WORKER) ~= 0 then
    if k == nil or not has_type("struct worker") then return comm end
    local w = kthread_reader(k)
    if w == 0 then return comm end
    if worker_reader == nil then
      worker_reader = kd.member_reader("struct worker", "pool", "desc", "current_work")
      worker_desc_len = kd.member_size("struct worker", "desc")
    end
    local pool, desc_addr, current_work = worker_reader(w)
    if pool == 0 then return comm end
    local desc = kd.read_string(desc_addr, worker_desc_len)
    if desc == "" then return comm end
    local sep = current_work ~= 0 and "+" or "-"
    return (comm .. sep .. desc):sub(1, 63)
  end
  if k then
    local _, full_name = kthread_reader(k)
    if full_name and full_name ~= 0 then return kd.read_string(full_name, 64):sub(1, 63) end
  end
  return comm
end

local name_reader
-- the name /proc shows (proc_task_name): workqueue workers get "-desc" /
-- "+desc", kthreads their full name (5.17+), others the comm
function M.proc_name(t)
  if name_reader == nil then
    -- struct kthread: 5.17+ worker_private, older set_child_tid (to_kthread)
    local T = "struct task_struct"
    name_reader = kd.member_reader(T, "flags", "comm",
      has_member(T, "worker_private") and "worker_private" or "set_child_tid")
  end
  local flags, comm_addr, kptr = name_reader(t)
  local comm = kd.read_string(comm_addr, 16)
  -- nearly every task is neither a workqueue worker nor a kthread
  if (flags & (M.PF_WQ_WORKER | M.PF_KTHREAD)) == 0 then return comm end
  local ok, name = pcall(kthread_name, flags, comm, kptr)
  if ok then return name end
  return comm
end

-- }======

-- {====== pids and namespaces ======

local PIDTYPE = { PID = 0, TGID = 1, PGID = 2, SID = 3 }
M.PIDTYPE = PIDTYPE

-- struct pid * of a task for a pid type (task_pid_ptr), or nil
function M.pid_ptr(t, ptype)
  if has_member("struct task_struct", "thread_pid") then
    if ptype == PIDTYPE.PID then return t.thread_pid end
    local sig = t.signal
    if sig == nil then return nil end
    return sig.pids[ptype]
  end
  -- before 4.19: task->pids[type].pid (leader's for pgrp/sid/tgid)
  if ptype == PIDTYPE.PID then return t.pids[0].pid end
  local leader = t.group_leader
  if ptype == PIDTYPE.TGID then return leader.pids[0].pid end
  local idx = (ptype == PIDTYPE.PGID) and 1 or 2
  return leader.pids[idx].pid
end

-- the init pid namespace object
function M.init_pid_ns()
  return kd.symbol("init_pid_ns")
end

-- pid_nr_ns(pid, ns): the number of `pid` in namespace `ns` (nil: init ns)
function M.pid_nr_ns(pid, ns)
  if pid == nil then return 0 end
  if ns == nil then return pid.numbers[0].nr end
  local lvl = ns.level
  if lvl > pid.level then return 0 end
  local up = pid.numbers[lvl]
  if pval(up:member_("ns")) ~= ns:address_() then return 0 end
  return up.nr
end

local function nsaddr_ns(ns)
  if ns == nil then return nil end
  if type(ns) == "number" then return kd.object("struct pid_namespace", ns) end
  return ns
end

-- the task's id of type ptype (default PIDTYPE_PID) as seen from pid namespace ns
-- (an object or address; kernel/pid.c __task_pid_nr_ns)
function M.task_pid_nr_ns(t, ptype, ns)
  return M.pid_nr_ns(M.pid_ptr(t, ptype or PIDTYPE.PID), nsaddr_ns(ns))
end

-- pid_alive(): thread_pid set (cleared on release)
function M.pid_alive(t)
  if has_member("struct task_struct", "thread_pid") then
    return pval(t:member_("thread_pid")) ~= 0
  end
  return pval(t.pids[0]:member_("pid")) ~= 0
end

-- the task's pid, global or as seen from pid namespace ns
function M.pid(t, ns)
  if ns == nil then return t.pid end
  return M.task_pid_nr_ns(t, PIDTYPE.PID, ns)
end

-- the task's thread group id, global or as seen from pid namespace ns
function M.tgid(t, ns)
  if ns == nil then return t.tgid end
  return M.task_pid_nr_ns(t, PIDTYPE.TGID, ns)
end

local ppid_reader
-- the tgid of the task's real parent, global or in ns; 0 when the task is not alive
-- or has no parent (fs/proc/array.c task_state)
function M.ppid(t, ns)
  if ns == nil and has_member("struct task_struct", "thread_pid") then
    -- pid_alive() and the parent's tgid in one call
    if ppid_reader == nil then
      ppid_reader = kd.member_reader("struct task_struct", "thread_pid", "real_parent->tgid")
    end
    local alive, ptgid = ppid_reader(t)
    if alive == 0 then return 0 end
    return ptgid or 0
  end
  if not M.pid_alive(t) then return 0 end
  local p = t.real_parent
  if p == nil then return 0 end
  if ns == nil then return p.tgid end
  return M.task_pid_nr_ns(p, PIDTYPE.TGID, ns)
end

-- signal->pids[type]'s number in the initial namespace (pid_nr_ns(pid,
-- NULL): numbers[0]) in one call; nil where pids live elsewhere (< 4.19)
local group_id_readers
local function group_id(t, ptype)
  if group_id_readers == nil then
    group_id_readers = false
    if has_member("struct task_struct", "thread_pid") then
      group_id_readers = {
        [PIDTYPE.PGID] = kd.member_reader("struct task_struct", "signal->pids[2]->numbers[0].nr"),
        [PIDTYPE.SID] = kd.member_reader("struct task_struct", "signal->pids[3]->numbers[0].nr"),
      }
    end
  end
  if not group_id_readers then return nil end
  return group_id_readers[ptype](t) or 0
end

-- the task's id of a group type as seen from pid namespace ns: from the
-- compiled readers when ns is the reader's own (nil), else the general walk
local function group_nr(t, ptype, ns)
  if ns == nil then
    local v = group_id(t, ptype)
    if v then return v end
  end
  return M.task_pid_nr_ns(t, ptype, ns)
end
-- the task's process group id as seen from pid namespace ns
function M.pgrp(t, ns) return group_nr(t, PIDTYPE.PGID, ns) end
-- the task's session id as seen from pid namespace ns
function M.session(t, ns) return group_nr(t, PIDTYPE.SID, ns) end

-- the per-level numbers shown by NStgid/NSpid/NSpgid/NSsid (from the
-- reader's namespace level 0 down to the task's own level)
function M.ns_numbers(t, ptype)
  local pid = M.pid_ptr(t, PIDTYPE.PID)
  if pid == nil then return {} end
  local level = pid.level
  if level == 0 then
    -- in the initial namespace only (nearly every task): the one number
    -- is that pid's first, as pid_nr_ns() finds it for level 0
    local p = ptype == PIDTYPE.PID and pid or M.pid_ptr(t, ptype)
    return { p and p.numbers[0].nr or 0 }
  end
  local out = {}
  for g = 0, level do
    local ns = pid.numbers[g]:member_("ns"):deref_()
    out[#out + 1] = M.task_pid_nr_ns(t, ptype, ns)
  end
  return out
end

local ids_reader
-- NStgid, NSpid, NSpgid and NSsid's lists at once; a task of the initial
-- namespace only (nearly every one) in one call (kd.member_reader)
function M.ns_numbers_all(t)
  if ids_reader == nil then
    ids_reader = false
    if has_member("struct task_struct", "thread_pid") then
      ids_reader = kd.member_reader("struct task_struct", "thread_pid", "thread_pid->level",
        "thread_pid->numbers[0].nr", "signal->pids[1]->numbers[0].nr",
        "signal->pids[2]->numbers[0].nr", "signal->pids[3]->numbers[0].nr")
    end
  end
  if ids_reader then
    local pid, level, nr, tgid, pgid, sid = ids_reader(t)
    if pid == 0 then return {}, {}, {}, {} end
    if level == 0 then return { tgid or 0 }, { nr }, { pgid or 0 }, { sid or 0 } end
  end
  return M.ns_numbers(t, PIDTYPE.TGID), M.ns_numbers(t, PIDTYPE.PID),
         M.ns_numbers(t, PIDTYPE.PGID), M.ns_numbers(t, PIDTYPE.SID)
end

-- the pid namespace a task lives in (task_active_pid_ns)
function M.active_pid_ns(t)
  local pid = M.pid_ptr(t, PIDTYPE.PID)
  if pid == nil then return nil end
  return pid.numbers[pid.level]:member_("ns"):deref_()
end

-- }======

-- {====== credentials ======

local function kid(x)
  if type(x) == "number" then return x end
  return x.val
end

-- the eight ids of a cred in one call (kd.member_reader): kuid_t/kgid_t
-- wrap the number in .val (3.5+ "userns: Add kuid_t and kgid_t")
local creds_reader
-- uid/gid sets of the task's objective credentials (from init_user_ns view)
function M.creds(t)
  if creds_reader == nil then
    local v = kd.has_member("struct cred", "uid.val") and ".val" or ""
    local paths = {}
    for i, id in ipairs({ "uid", "euid", "suid", "fsuid", "gid", "egid", "sgid", "fsgid" }) do
      paths[i] = "real_cred->" .. id .. v
    end
    creds_reader = kd.member_reader("struct task_struct", table.unpack(paths))
  end
  local uid, euid, suid, fsuid, gid, egid, sgid, fsgid = creds_reader(t)
  return { uid = uid, euid = euid, suid = suid, fsuid = fsuid,
           gid = gid, egid = egid, sgid = sgid, fsgid = fsgid }
end

-- real uid of the task (real_cred)
function M.uid(t) return kid(t.real_cred.uid) end
-- effective uid of the task (real_cred)
function M.euid(t) return kid(t.real_cred.euid) end
-- real gid of the task (real_cred)
function M.gid(t) return kid(t.real_cred.gid) end

local groups_reader, kgid_size
-- supplementary group ids of the task (real_cred->group_info), a list of numbers
function M.groups(t)
  if groups_reader == nil then
    groups_reader = kd.member_reader("struct task_struct", "real_cred->group_info->ngroups",
                                     "real_cred->group_info->gid")
    kgid_size = kd.type("kgid_t").size
  end
  local n, base = groups_reader(t)
  local out = {}
  if n == nil then return out end
  for i = 0, n - 1 do
    out[#out + 1] = kd.read_u32(base + i * kgid_size)
  end
  return out
end

-- kernel_cap_t as a 64-bit integer (6.1: __u32 cap[2]; 6.3+: u64 val)
function M.cap_value(cap)
  if kd.has_member(cap, "val") then return cap.val end
  local lo, hi = cap.cap[0], 0
  local ok, h = pcall(function() return cap.cap[1] end)
  if ok and h then hi = h end
  return (hi << 32) | lo
end

-- user name from the uid: the dump has no /etc/passwd, so only a small
-- table (root) plus the number (as ps prints unknown uids)
function M.user_name(uid, passwd)
  if passwd and passwd[uid] then return passwd[uid] end
  if uid == 0 then return "root" end
  return tostring(uid)
end

-- }======

-- {====== scheduling ======

local MAX_RT_PRIO, DEFAULT_PRIO = 100, 120

-- nice value, static_prio - 120 (task_nice)
function M.nice(t) return t.static_prio - DEFAULT_PRIO end
-- priority as /proc/<pid>/stat shows it, prio - MAX_RT_PRIO (task_prio)
function M.prio(t) return t.prio - MAX_RT_PRIO end          -- task_prio()
-- real-time priority (task_struct.rt_priority)
function M.rt_priority(t) return t.rt_priority end
-- scheduling policy number (SCHED_NORMAL = 0, SCHED_FIFO = 1, ...)
function M.policy(t) return t.policy end

-- CPU the task last ran on (task_struct.cpu, or thread_info.cpu on older kernels), else 0
function M.cpu(t)
  if has_member("struct task_struct", "cpu") then return t.cpu end
  if has_member("struct thread_info", "cpu") and
     has_member("struct task_struct", "thread_info") then
    return t.thread_info.cpu
  end
  return 0
end

local nr_threads_reader
-- number of threads of the task's thread group (signal->nr_threads), 0 without signal
function M.num_threads(t)
  if nr_threads_reader == nil then
    nr_threads_reader = kd.member_reader("struct task_struct", "signal->nr_threads")
  end
  return nr_threads_reader(t) or 0
end

-- THREAD_SIZE: sizeof(union thread_union), else 16 KiB (x86_64 default)
local thread_size
-- kernel stack size THREAD_SIZE: the unwinder's, else sizeof(union
-- thread_union), else 16 KiB (memoized).  (kd.thread_size asks cheap
-- symbols first: 6.1's DWARF has no union thread_union, and a type that
-- is absent costs a search of every module's debug file.)
function M.thread_size()
  if thread_size == nil then
    local ok, sz = pcall(kd.thread_size)
    if not (ok and sz and sz > 0) then
      ok, sz = pcall(function() return kd.type("union thread_union").size end)
    end
    thread_size = (ok and sz and sz > 0) and sz or 16384
  end
  return thread_size
end

-- wchan (/proc/<pid>/wchan, ps' WCHAN): get_wchan() over the core's
-- unwinder (kernel/stack.lua), module functions included; "0" for running
-- tasks.  Remembered per task: ps (process and thread rows) and
-- /proc/<pid>/wchan ask for the same tasks.
local stack = require("kernel.stack")
local wchan_memo = {}
-- the function the task sleeps in (stack.wchan), memoized per task
function M.wchan(t)
  local key = pval(t)
  local w = wchan_memo[key]
  if w == nil then
    w = stack.wchan(t, M.raw_state(t))
    wchan_memo[key] = w
  end
  return w
end

-- }======

-- {====== thread groups ======

-- true when the task is its thread group's leader
function M.is_leader(t)
  return pval(t:member_("group_leader")) == pval(t)
end

-- iterator over the threads of t's group (leader included, thread order)
function M.threads(t)
  if has_member("struct task_struct", "thread_node") and
     has_member("struct signal_struct", "thread_head") then
    local sig = t.signal
    if sig == nil then
      local done = false
      return function() if done then return nil end done = true return t end
    end
    return kd.list(sig.thread_head, "struct task_struct", "thread_node")
  end
  -- older kernels: leader->thread_group, a ring including the leader
  local leader = t.group_leader
  local first = true
  local it = kd.list(leader.thread_group, "struct task_struct", "thread_group")
  return function()
    if first then first = false return leader end
    return it()
  end
end

local thread_walk      -- { signal reader, thread_head offset, thread_node offset } or false
-- the addresses of the threads of t's group (task.threads' order): the
-- list walked without an object a thread (stat and cputime read members
-- of every thread of each process through a kd.member_reader)
function M.thread_addrs(t)
  if thread_walk == nil then
    thread_walk = false
    if has_member("struct task_struct", "thread_node") and
       has_member("struct signal_struct", "thread_head") then
      thread_walk = { kd.member_reader("struct task_struct", "signal"),
                      kd.member_offset("struct signal_struct", "thread_head"),
                      kd.member_offset("struct task_struct", "thread_node") }
    end
  end
  if not thread_walk then
    local out = {}
    for th in M.threads(t) do out[#out + 1] = pval(th) end
    return out
  end
  local sig = thread_walk[1](t)
  if sig == 0 then return { pval(t) } end
  return kd.list_addresses(sig + thread_walk[2], thread_walk[3])
end

-- list of thread-group leaders (init_task.tasks order; pid 0 excluded)
function M.processes()
  local out = {}
  local init = kd.symbol("init_task")
  for p in kd.list(init.tasks, "struct task_struct", "tasks") do
    out[#out + 1] = p
  end
  return out
end

-- every task (threads included), kd.tasks() order
function M.all()
  local out = {}
  for t in kd.tasks() do out[#out + 1] = t end
  return out
end

-- pid -> task (init namespace numbers), threads included
function M.by_pid()
  local map = {}
  for t in kd.tasks() do map[t.pid] = t end
  return map
end

-- }======

-- {====== times ======

-- ns -> USER_HZ clock ticks (nsec_to_clock_t)
function M.nsec_to_clock_t(ns)
  return ns // (NSEC_PER_SEC // USER_HZ)
end

-- start time in ns since boot (boottime based, as /proc/<pid>/stat)
function M.start_boottime_ns(t)
  if has_member("struct task_struct", "start_boottime") then return t.start_boottime end
  if has_member("struct task_struct", "real_start_time") then
    local v = t.real_start_time
    if type(v) == "number" then return v end
    return v.tv_sec * NSEC_PER_SEC + v.tv_nsec
  end
  local v = t.start_time
  if type(v) == "number" then return v end
  return v.tv_sec * NSEC_PER_SEC + v.tv_nsec
end

-- start time since boot in USER_HZ ticks, field 22 of /proc/<pid>/stat
function M.start_time_ticks(t)
  return M.nsec_to_clock_t(M.start_boottime_ns(t))
end

-- stime * rtime / total without 64-bit overflow (mul_u64_u64_div_u64)
local function scale(stime, rtime, total)
  if total == 0 then return 0 end
  if stime < (1 << 31) and rtime < (1 << 31) then return stime * rtime // total end
  return math.floor(stime / total * rtime)
end

-- cputime_adjust() of kernel/sched/cputime.c, without writing `prev`
local function cputime_adjust(ut, st, rtime, prev_u, prev_s)
  if prev_s + prev_u >= rtime then return prev_u, prev_s end
  local stime, utime = st, ut
  if stime == 0 then
    utime = rtime
  elseif utime == 0 then
    stime = rtime
  else
    stime = scale(stime, rtime, stime + utime)
  end
  if stime < prev_s then stime = prev_s end
  utime = rtime - stime
  if utime < prev_u then utime = prev_u; stime = rtime - utime end
  return utime, stime
end

-- cputime_adjust(utime, stime, rtime, prev_utime, prev_stime) -> utime, stime (ns)
M.cputime_adjust = cputime_adjust

-- the members cputime reads, in one call per struct (kd.member_reader)
local cputime_readers
local function cputime_reader()
  if cputime_readers == nil then
    local T = "struct task_struct"
    cputime_readers = {
      task = kd.member_reader(T, "utime", "stime", "se.sum_exec_runtime",
                              "prev_cputime.utime", "prev_cputime.stime", "signal"),
      thread = kd.member_reader(T, "utime", "stime", "se.sum_exec_runtime"),
      signal = kd.member_reader("struct signal_struct", "utime", "stime", "sum_sched_runtime",
                                "prev_cputime.utime", "prev_cputime.stime"),
    }
  end
  return cputime_readers
end

-- user and system time in ns as /proc shows them (adjusted to the
-- scheduler's runtime); whole = the thread group (proc_tgid_stat)
function M.cputime(t, whole)
  local R = cputime_reader()
  local ut, st, rt, prev_u, prev_s, sig = R.task(t)
  if whole and sig ~= 0 then
    ut, st, rt, prev_u, prev_s = R.signal(sig)
    local thread = R.thread
    for _, th in ipairs(M.thread_addrs(t)) do
      local a, b, c = thread(th)
      ut = ut + a
      st = st + b
      rt = rt + c
    end
  end
  return cputime_adjust(ut, st, rt, prev_u, prev_s)
end

-- utime, stime in USER_HZ clock ticks (as /proc/<pid>/stat fields 14, 15)
function M.cputime_ticks(t, whole)
  local u, s = M.cputime(t, whole)
  return M.nsec_to_clock_t(u), M.nsec_to_clock_t(s)
end

-- raw (unadjusted) tick-accounted times
function M.raw_cputime(t) return t.utime, t.stime end

-- utime and stime of waited-for children (signal->cutime, cstime), 0, 0 without signal
function M.children_cputime(t)
  local sig = t.signal
  if sig == nil then return 0, 0 end
  return sig.cutime, sig.cstime
end

-- }======

-- {====== memory ======

M.MM = { FILEPAGES = 0, ANONPAGES = 1, SWAPENTS = 2, SHMEMPAGES = 3 }

local function counter_index(name)
  local ok, v = pcall(kd.enum_value, "enum (anonymous)", name)
  if ok then return v end
  return M.MM[name:gsub("^MM_", "")]
end

-- get_mm_counter(): 6.1 atomic_long_t rss_stat.count[]; 6.2+
-- percpu_counter rss_stat[] (sum of the per-CPU deltas).  Note: with
-- SPLIT_RSS_COUNTING (before 6.2) each task caches up to 64 events in
-- task->rss_stat that are not yet in mm; /proc ignores them too.
local rss_percpu      -- rss_stat is percpu_counter[] (6.2+); nil: not looked at yet
-- each possible CPU's per-CPU offset (false where there is none), looked
-- up once instead of a kd.pointer and a kd.per_cpu per counter and CPU
local cpu_offsets
local function percpu_offsets()
  if cpu_offsets == nil then
    cpu_offsets = {}
    for i, cpu in ipairs(kd.cpus("possible")) do
      local ok, off = pcall(function() return kd.per_cpu(kd.pointer("s32", 0), cpu):address_() end)
      cpu_offsets[i] = ok and off or false
    end
  end
  return cpu_offsets
end
-- each counter's members, read in one call (kd.member_reader), by index
local counter_readers = {}
-- the counter, and whether every per-CPU part was read
local function counter_reader(idx)
  if rss_percpu == nil then
    local rst = kd.type("struct mm_struct"):member("rss_stat").type
    rss_percpu = tostring(rst):find("percpu_counter") ~= nil
  end
  local r = counter_readers[idx]
  if r == nil then
    if rss_percpu then
      r = kd.member_reader("struct mm_struct", "rss_stat[" .. idx .. "].count",
                           "rss_stat[" .. idx .. "].counters")
    else
      local path = "rss_stat.count[" .. idx .. "]"
      if kd.has_member("struct mm_struct", path .. ".counter") then path = path .. ".counter" end
      r = kd.member_reader("struct mm_struct", path)
    end
    counter_readers[idx] = r
  end
  return r
end
local function mm_counter(mm, idx)
  local v, counters = counter_reader(idx)(mm)
  local complete = true
  if rss_percpu and counters ~= 0 then
    for _, off in ipairs(percpu_offsets()) do
      local ok, part = false, nil
      if off then ok, part = pcall(kd.read_s32, counters + off) end
      if ok then v = v + part else complete = false end
    end
  end
  if v < 0 then v = 0 end
  return v, complete
end
-- an mm's rss counter idx (M.MM.*): the shared part plus every per-CPU part, never negative
function M.mm_counter(mm, idx) return (mm_counter(mm, idx)) end

-- mm address -> its counters: the threads of a process share one mm, and
-- status, statm, stat and ps all read them. Callers get a copy they may
-- change (mm_counters_with_caches adds to it).
local mm_counters_memo = {}
-- an mm's (object or address) rss counters {file, anon, swap, shmem} in pages
-- (get_mm_counter_sum), memoized when complete
function M.mm_counters(mm)
  local key = pval(mm)
  local c = mm_counters_memo[key]
  if c == nil then
    local f, okf = mm_counter(mm, M.MM.FILEPAGES)
    local a, oka = mm_counter(mm, M.MM.ANONPAGES)
    local sw, oks = mm_counter(mm, M.MM.SWAPENTS)
    local sh, okh = mm_counter(mm, M.MM.SHMEMPAGES)
    c = { file = f, anon = a, swap = sw, shmem = sh }
    -- kept only when every per-CPU part could be read (a failure may be
    -- the emitter's time budget, not the dump)
    if okf and oka and oks and okh then mm_counters_memo[key] = c end
  end
  return { file = c.file, anon = c.anon, swap = c.swap, shmem = c.shmem }
end

-- the counters plus the per-thread caches not yet folded into mm
-- (SPLIT_RSS_COUNTING, before 6.2: task->rss_stat.count[], up to
-- TASK_RSS_EVENTS_THRESH=64 events behind).  /proc shows mm_counters().
function M.mm_counters_with_caches(t)
  local mm = t.mm
  if mm == nil then return nil end
  local c = M.mm_counters(mm)
  if has_member("struct task_struct", "rss_stat") then
    for th in M.threads(t) do
      local rs = th.rss_stat
      c.file = c.file + rs.count[M.MM.FILEPAGES]
      c.anon = c.anon + rs.count[M.MM.ANONPAGES]
      c.swap = c.swap + rs.count[M.MM.SWAPENTS]
      c.shmem = c.shmem + rs.count[M.MM.SHMEMPAGES]
    end
  end
  return c
end

local page_size
-- the dump's page size in bytes (4096 when the dump does not say);
-- asked once: kd.dump_info() builds a table of everything it knows
function M.page_size()
  if page_size == nil then
    page_size = kd.dump_info().page_size
    if page_size == nil or page_size == 0 then page_size = 4096 end
  end
  return page_size
end

-- the mm of a task that has one (kernel threads: nil; exiting: nil)
function M.mm(t)
  local mm = t.mm
  return mm
end

local mm_reader
-- get_mm_rss(), as /proc/<pid>/stat shows it: each counter's shared part
-- only (percpu_counter_read_positive, 6.2+ "mm: convert mm's rss stats
-- into percpu_counter"), not the per-CPU sum status and statm show
-- (get_mm_counter_sum); before 6.2 the atomic counters, the same thing
function M.rss_pages_read(t)
  if mm_reader == nil then mm_reader = kd.member_reader("struct task_struct", "mm") end
  local mm = mm_reader(t)
  if mm == 0 then return 0 end
  return M.rss_pages_read_mm(mm)
end

-- the three counters' shared parts in one call (file, anon, shmem)
local rss_shared_reader
-- rss_pages_read of an mm (address): each counter's shared part, negative
-- ones as 0 (get_mm_counter), summed
function M.rss_pages_read_mm(mm)
  if rss_shared_reader == nil then
    counter_reader(M.MM.FILEPAGES)       -- finds out rss_percpu
    local paths = {}
    for i, idx in ipairs({ M.MM.FILEPAGES, M.MM.ANONPAGES, M.MM.SHMEMPAGES }) do
      if rss_percpu then
        paths[i] = "rss_stat[" .. idx .. "].count"
      else
        paths[i] = "rss_stat.count[" .. idx .. "]"
        if kd.has_member("struct mm_struct", paths[i] .. ".counter") then
          paths[i] = paths[i] .. ".counter"
        end
      end
    end
    rss_shared_reader = kd.member_reader("struct mm_struct", table.unpack(paths))
  end
  local f, a, sh = rss_shared_reader(mm)
  local total = 0
  if f > 0 then total = total + f end
  if a > 0 then total = total + a end
  if sh > 0 then total = total + sh end
  return total
end

-- resident pages (get_mm_rss)
function M.rss_pages(t)
  local mm = t.mm
  if mm == nil then return 0 end
  local c = M.mm_counters(mm)
  return c.file + c.anon + c.shmem
end

-- virtual memory size of the task in pages (mm->total_vm), 0 without mm
function M.total_vm(t)
  local mm = t.mm
  if mm == nil then return 0 end
  return mm.total_vm
end

-- resident set size in KiB, as ps RSS
function M.rss_kb(t) return M.rss_pages(t) * M.page_size() // 1024 end
-- virtual memory size in KiB, as ps VSZ
function M.vsz_kb(t) return M.total_vm(t) * M.page_size() // 1024 end

-- }======

-- {====== tty ======

local function new_encode_dev(dev)
  local major, minor = dev >> 20, dev & 0xfffff
  return (minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12)
end
-- kernel dev_t -> userspace encoding (include/linux/kdev_t.h new_encode_dev)
M.new_encode_dev = new_encode_dev

-- controlling tty: {name=, dev= (kernel dev_t), nr= (encoded as stat's
-- tty_nr), pgrp=} or nil
function M.tty(t)
  local sig = t.signal
  if sig == nil then return nil end
  local tty = sig.tty
  if tty == nil then return nil end
  local drv = tty.driver
  local major, minor0 = drv.major, drv.minor_start
  local dev = ((major << 20) | minor0) + tty.index
  local name = tty.name:string_()
  local pg
  if has_member("struct tty_struct", "ctrl") then pg = tty.ctrl:member_("pgrp")
  else pg = tty:member_("pgrp") end
  local pgrp = -1
  if pval(pg) ~= 0 then pgrp = M.pid_nr_ns(pg:deref_(), nil) end
  -- ps names Unix98 pty slaves pts/N
  local psname = name
  if major >= 136 and major <= 143 then psname = "pts/" .. ((major - 136) * 256 + minor0 + tty.index) end
  return { name = name, ps_name = psname, dev = dev, nr = new_encode_dev(dev), pgrp = pgrp,
           major = major, minor = minor0 + tty.index }
end

-- }======

-- {====== user memory ======

local PTE_PRESENT, PTE_PSE = 0x1, 0x80
local PTE_ADDR = 0x000ffffffffff000

local function user_error(code, addr, msg)
  return setmetatable({ code = code, address = addr, message = msg },
                      { __tostring = function(e) return e.message end })
end

-- x86_64 page walk in Lua (used until the host's kd.read_user exists)
local function lua_vtop(pgd_va, addr)
  local l5 = sym_value("__pgtable_l5_enabled")
  local levels = (l5 and l5 ~= 0) and 5 or 4
  local shift = (levels == 5) and 48 or 39
  local entry
  local ok, e = pcall(kd.read_u64, pgd_va + ((addr >> shift) & 511) * 8)
  if not ok then
    return nil, user_error("nodata", addr, string.format("page table for 0x%x is not in the dump", addr))
  end
  entry = e
  for level = levels, 1, -1 do
    if (entry & PTE_PRESENT) == 0 then
      return nil, user_error("fault", addr, string.format(
        "user address 0x%x is not mapped (not present: swapped out or never touched)", addr))
    end
    if level == 1 or ((level == 2 or level == 3) and (entry & PTE_PSE) ~= 0) then
      local size = 1 << shift
      local base = entry & PTE_ADDR & ~(size - 1)
      return base + (addr & (size - 1)), size
    end
    local table_pa = entry & PTE_ADDR
    shift = shift - 9
    local ok2, raw = pcall(kd.read_phys, table_pa + ((addr >> shift) & 511) * 8, 8)
    if not ok2 then
      return nil, user_error("nodata", addr, string.format("page table for 0x%x is not in the dump", addr))
    end
    entry = string.unpack("<i8", raw)
  end
  return nil, user_error("fault", addr, "bad page table walk")
end

local function lua_read_user(mm, addr, len)
  local pgd = pval(mm:member_("pgd"))
  local parts, got = {}, 0
  while got < len do
    local a = addr + got
    local pa, psz = lua_vtop(pgd, a)
    if pa == nil then error(psz) end
    local n = psz - (a & (psz - 1))
    if n > len - got then n = len - got end
    local ok, data = pcall(kd.read_phys, pa, n)
    if not ok then
      error(user_error("nodata", a, string.format(
        "user page at 0x%x was filtered out of the dump", a)))
    end
    parts[#parts + 1] = data
    got = got + n
  end
  return table.concat(parts)
end

-- bytes of user memory of a task (or mm): raises {code="nodata"|"fault"}
function M.read_user(t_or_mm, addr, len)
  if len <= 0 then return "" end
  if kd.read_user then return kd.read_user(t_or_mm, addr, len) end
  local mm = t_or_mm
  if tostring(t_or_mm:type_()):find("task_struct") then mm = t_or_mm.mm end
  if mm == nil then error(user_error("nodata", addr, "task has no mm")) end
  if kd.dump_info().arch ~= "x86_64" then
    error(user_error("nodata", addr, "reading user memory needs kd.read_user on " ..
                     tostring(kd.dump_info().arch)))
  end
  return lua_read_user(mm, addr, len)
end

local function errmsg(e)
  if type(e) == "table" then return e.message or tostring(e) end
  return tostring(e)
end

-- the task's mm and its argument and environment bounds, in one call
local user_bounds_reader
local function user_bounds(t)
  if user_bounds_reader == nil then
    user_bounds_reader = kd.member_reader("struct task_struct", "mm", "mm->arg_start",
      "mm->arg_end", "mm->env_start", "mm->env_end")
  end
  return user_bounds_reader(t)
end

-- /proc/<pid>/cmdline bytes (get_mm_cmdline), or nil, reason
function M.cmdline_raw(t)
  local mm, arg_start, arg_end, env_start, env_end = user_bounds(t)
  if mm == 0 then return "" end
  if env_end == 0 or arg_start >= arg_end then return "" end
  if env_start ~= arg_end or env_end < env_start then
    env_start, env_end = arg_end, arg_end
  end
  -- The arguments are read first, in one go: nearly always they end in a
  -- NUL (no setproctitle()), and that last byte is what get_mm_cmdline
  -- looks at first; or the read fails where that byte's page is not in
  -- the dump (makedumpfile -d 31 leaves out every user page), where the
  -- byte's own read would fail the same way.  (A user read walks the page
  -- tables: it was half of a process's ps row, done twice.)  Otherwise as
  -- get_mm_cmdline goes.
  local okf, all = pcall(M.read_user, t, arg_start, arg_end - arg_start)
  if okf and all:byte(-1) == 0 then return all end
  local ok, last
  if okf then
    ok, last = true, all:sub(-1)
  else
    local at = type(all) == "table" and math.type(all.address) == "integer" and all.address
    local ps = M.page_size()
    if at and at >= arg_start and at < arg_end and at // ps == (arg_end - 1) // ps then
      return nil, errmsg(all)
    end
    ok, last = pcall(M.read_user, t, arg_end - 1, 1)
  end
  if ok and last ~= "\0" then
    -- setproctitle(): the first string of up to one page
    local ok2, page = pcall(M.read_user, t, arg_start, math.min(4096, env_end - arg_start))
    if not ok2 then return nil, errmsg(page) end
    local z = page:find("\0", 1, true)
    if z then return page:sub(1, z) end
    return page
  end
  local ok3, data = pcall(M.read_user, t, arg_start, arg_end - arg_start)
  if not ok3 then return nil, errmsg(data) end
  return data
end

-- /proc/<pid>/environ bytes, or nil, reason
function M.environ_raw(t)
  local mm, _, _, s, e = user_bounds(t)
  if mm == 0 then return "" end
  if e == 0 or s >= e then return "" end
  local ok, data = pcall(M.read_user, t, s, e - s)
  if not ok then return nil, errmsg(data) end
  return data
end

-- argv as a list of strings, or nil, reason
function M.argv(t)
  local raw, why = M.cmdline_raw(t)
  if raw == nil then return nil, why end
  local out = {}
  if raw:sub(-1) == "\0" then raw = raw:sub(1, -2) end
  if raw == "" then return out end
  for a in (raw .. "\0"):gmatch("([^%z]*)%z") do out[#out + 1] = a end
  return out
end

-- "arg0 arg1 ..." (as ps prints args), or nil, reason
function M.cmdline(t)
  local argv, why = M.argv(t)
  if argv == nil then return nil, why end
  return table.concat(argv, " ")
end

-- }======

-- a number in lowercase hex, without 0x
M.hex = hex
return M
