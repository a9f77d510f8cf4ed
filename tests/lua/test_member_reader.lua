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
