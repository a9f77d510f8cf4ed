-- kd.member_reader: the values it reads in one call are the ones member
-- reads give, for every kind of member (integers, pointers, subscripts,
-- bitfields, aggregates, _Bool), on every task of the dump; a member the
-- kernel lacks is nil, a NULL address an error.

local function addr(o) return o == nil and 0 or kd.addr(o) end

test("task members read in one call equal member reads, on every task", function()
  local r = kd.member_reader("struct task_struct", "pid", "tgid", "exit_code", "mm", "signal",
    "real_cred", "pending.signal.sig[0]", "blocked.sig[0]", "in_execve", "comm", "se.vruntime",
    "rlim_of_nothing_such")
  local n = 0
  for t in kd.tasks() do
    local pid, tgid, exit_code, mm, sig, cred, pend, blk, in_execve, comm, vruntime, absent = r(t)
    eq(pid, t.pid, "pid"); eq(tgid, t.tgid, "tgid"); eq(exit_code, t.exit_code, "exit_code")
    eq(mm, addr(t.mm), "mm (a pointer: its value, 0 for NULL)")
    eq(sig, addr(t.signal), "signal"); eq(cred, addr(t.real_cred), "real_cred")
    eq(pend, t.pending.signal.sig[0], "a subscript names the element")
    eq(blk, t.blocked.sig[0], "blocked.sig[0]")
    eq(in_execve, t.in_execve, "a bitfield")
    eq(comm, t.comm:address_(), "an array member: its address")
    eq(vruntime, t.se.vruntime, "a nested member")
    eq(absent, nil, "a member the type lacks")
    n = n + 1
  end
  ok(n > 10, "read " .. n .. " tasks")
end)

test("the argument: an object, a pointer object or an address", function()
  local t = kd.symbol("init_task")
  local r = kd.member_reader("struct task_struct", "pid", "flags")
  local a, b = r(t)
  local c, d = r(t:address_())
  local e, f = r(t:address_of_())
  eq(a, t.pid); eq(b, t.flags)
  eq(c, a); eq(d, b); eq(e, a); eq(f, b)
  raises(function() r(0) end, "NULL address")
end)

test("_Bool members come back as booleans", function()
  local r = kd.member_reader("struct module", "sig_ok", "async_probe_requested")
  local seen = 0
  for _, m in ipairs(kd.modules()) do
    local mod = kd.object("struct module", m.address)
    local sig_ok, apr = r(mod)
    eq(sig_ok, mod.sig_ok, m.name .. " sig_ok")
    eq(type(apr), "boolean", "async_probe_requested is a boolean")
    seen = seen + 1
  end
  ok(seen > 0, "modules read: " .. seen)
end)

test("a reader names at least one member", function()
  raises(function() kd.member_reader("struct task_struct") end, "no member named")
end)

-- "->" follows pointers: the values equal the member reads through the
-- same pointers, nil where one on the way is NULL (a kthread's mm, a task
-- without a tty), on every task
test("paths through pointers equal member reads through the objects, on every task", function()
  local v = kd.has_member("struct cred", "uid.val") and ".val" or ""
  local r = kd.member_reader("struct task_struct", "real_parent->tgid", "real_cred->uid" .. v,
    "mm->arg_start", "signal->nr_threads", "signal->tty->index",
    "thread_pid->numbers[0].nr", "signal->pids[2]->numbers[0].nr", "mm->no_such_member",
    "real_cred->group_info->gid")
  local n, null_mm, null_tty = 0, 0, 0
  for t in kd.tasks() do
    local ptgid, uid, arg_start, nr_threads, tty_index, nr, pgid, absent, gid = r(t)
    eq(ptgid, t.real_parent.tgid, "real_parent->tgid")
    eq(uid, v == "" and t.real_cred.uid or t.real_cred.uid.val, "real_cred->uid")
    if t.mm == nil then eq(arg_start, nil, "NULL mm: nil"); null_mm = null_mm + 1
    else eq(arg_start, t.mm.arg_start, "mm->arg_start") end
    eq(nr_threads, t.signal.nr_threads, "signal->nr_threads")
    if t.signal.tty == nil then eq(tty_index, nil, "no tty: nil"); null_tty = null_tty + 1
    else eq(tty_index, t.signal.tty.index, "signal->tty->index") end
    eq(nr, t.thread_pid.numbers[0].nr, "a subscript after a hop")
    local pg = t.signal.pids[2]
    eq(pgid, pg and pg.numbers[0].nr, "two hops with a subscript between")
    eq(absent, nil, "a member the last struct lacks")
    eq(gid, t.real_cred.group_info.gid:address_(), "an array member after two hops: its address")
    n = n + 1
  end
  ok(n > 10 and null_mm > 0 and null_tty > 0,
     string.format("%d tasks, %d without mm, %d without tty", n, null_mm, null_tty))
end)

test("a hop must be a pointer to a struct or union", function()
  raises(function() kd.member_reader("struct task_struct", "pid->x") end, "not a pointer")
  raises(function() kd.member_reader("struct task_struct", "comm->x") end, "not a pointer")
  eq(kd.member_reader("struct task_struct", "no_such->pid")(kd.symbol("init_task")), nil,
     "a first hop the type lacks: absent")
end)

-- kd.stack_pcs is stack_trace_save_tsk() over the one unwinder: the pcs
-- of kd.stack_trace's frames while they are kernel text, scheduler
-- functions left out (tests/lua/stack_checks.lua compares the texts made
-- from it with each fixture's truth)
test("kd.stack_pcs: kd.stack_trace's kernel-text, non-scheduler pcs, on every task", function()
  local n, frames = 0, 0
  for t in kd.tasks() do
    local okt, tr = pcall(kd.stack_trace, t)
    local okp, pcs = pcall(kd.stack_pcs, t)
    eq(okp, okt, "both unwind or both fail")
    if okt then
      local want = {}
      for _, f in ipairs(tr) do
        if not f.kernel_text then break end
        if not f.sched and #want < 64 then want[#want + 1] = f.pc end
      end
      eq(#pcs, #want, "pid " .. t.pid .. ": as many pcs")
      for i = 1, #want do eq(pcs[i], want[i], "pid " .. t.pid .. " pc " .. i) end
      local one = kd.stack_pcs(t, 1)
      eq(#one, math.min(1, #want), "max 1")
      eq(one[1], want[1], "the first: wchan's")
      frames = frames + #want
      n = n + 1
    end
  end
  ok(n > 10 and frames > n, n .. " tasks, " .. frames .. " pcs")
end)

test("kd.list_addresses walks what kd.list walks, as addresses", function()
  local off = kd.member_offset("struct task_struct", "tasks")
  local init = kd.symbol("init_task")
  local head = init.tasks:address_()
  local want = {}
  for p in kd.list(init.tasks, "struct task_struct", "tasks") do want[#want + 1] = kd.addr(p) end
  local got = kd.list_addresses(head, off)
  eq(#got, #want, "as many nodes")
  for i = 1, #want do eq(got[i], want[i], "node " .. i) end
  ok(#got > 10, #got .. " processes")
  -- without an offset: the list_head nodes themselves
  local nodes = kd.list_addresses(head)
  eq(nodes[1], want[1] + off, "the first node's list_head")
  -- every thread group, through signal->thread_head where the kernel has it
  if kd.has_member("struct signal_struct", "thread_head") then
    local toff = kd.member_offset("struct task_struct", "thread_node")
    local n = 0
    for t in kd.tasks() do
      local sig = t.signal
      if sig ~= nil and t.pid == t.tgid then
        local w = {}
        for th in kd.list(sig.thread_head, "struct task_struct", "thread_node") do w[#w + 1] = kd.addr(th) end
        local g = kd.list_addresses(sig.thread_head:address_(), toff)
        eq(#g, #w, "threads of " .. t.pid)
        for i = 1, #w do eq(g[i], w[i]) end
        n = n + 1
      end
    end
    ok(n > 10, n .. " thread groups")
  end
  raises(function() kd.list_addresses(0) end, "")
end)
