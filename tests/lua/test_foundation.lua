-- Foundation checks on the real dump against what the live system showed
-- (truth/) and against facts the kernel itself recorded (VMCOREINFO).

local function trim(s) return (s:gsub("%s+$", "")) end

local function lines(s)
  local t = {}
  for l in s:gmatch("[^\n]+") do t[#t + 1] = l end
  return t
end

test("kd.uts() equals the live uname", function()
  local u = kd.uts()
  eq(u.sysname .. " " .. u.nodename .. " " .. u.release .. " " .. u.version ..
     " " .. u.machine .. " GNU/Linux", trim(truth("cmd/uname-a.txt")), "uname -a")
  eq(u.nodename, trim(truth("proc/sys/kernel/hostname")), "hostname")
  eq(u.domainname, trim(truth("proc/sys/kernel/domainname")), "domainname")
  eq(u.release, trim(truth("proc/sys/kernel/osrelease")), "release")
  eq(u.version, trim(truth("proc/sys/kernel/version")), "version")
  eq(kd.release(), u.release, "kd.release()")
end)

test("kd.read_string: cut at the NUL, bounded by max, across page ends", function()
  local a = kd.symbol_address("linux_banner")
  local banner = kd.read_string(a)
  eq(banner, kd.symbol("linux_banner"):string_(), "banner")
  eq(kd.read_string(a, 5), banner:sub(1, 5), "max")
  eq(kd.read_string(a, 0), "", "max 0")
  -- it reads a page at a time up to the NUL: the same as one raw read cut
  -- at the first NUL, for strings starting just before a page's end
  local page_end = (a & ~4095) + 4096
  for k = 1, 24 do
    local at = page_end - k
    local raw = kd.read(at, 64)
    eq(kd.read_string(at, 64), raw:match("^[^%z]*"), "at page end - " .. k)
  end
end)

test("kd.constant: enumerators of anonymous enums, by name", function()
  -- include/linux/cgroup-defs.h ("cgroup_root->flags", an anonymous enum)
  -- and include/linux/sched.h (enum { TASK_COMM_LEN = 16 }), 6.1 and 6.12
  eq(kd.constant("CGRP_ROOT_NOPREFIX"), 1 << 1, "CGRP_ROOT_NOPREFIX")
  eq(kd.constant("CGRP_ROOT_NS_DELEGATE"), 1 << 3, "CGRP_ROOT_NS_DELEGATE")
  eq(kd.constant("TASK_COMM_LEN"), 16, "TASK_COMM_LEN")
  -- a named enum's too, as kd.enum_value gives it
  eq(kd.constant("PIDTYPE_TGID"), kd.enum_value("enum pid_type", "PIDTYPE_TGID"), "PIDTYPE_TGID")
  local v, why = kd.constant("kdlua_no_such_enumerator")
  eq(v, nil, "absent")
  assert(why and why:match("no enumerator"), tostring(why))
  -- the filesystems' parameter tokens: one name, many enums, many values
  v, why = kd.constant("Opt_err")
  eq(v, nil, "ambiguous")
  assert(why and why:match("different values"), tostring(why))
end)

test("kd.symbol reads typed globals", function()
  local it = kd.symbol("init_task")
  eq(it.comm:string_(), "swapper/0", "init_task.comm")
  eq(it.pid, 0, "init_task.pid")
  eq(math.type(it:address_()), "integer", "address is an integer")
  eq(it:address_(), kd.symbol_address("init_task"), "address")
  ok(tostring(it:address_of_()):match("^%(struct task_struct %*%)0x%x+$"), "tostring of a pointer")
  eq(kd.symbol("init_uts_ns").name.nodename:string_(), trim(truth("proc/sys/kernel/hostname")),
     "init_uts_ns.name.nodename")
end)

test("/proc/cmdline text equals the live one", function()
  local p = kd.symbol("saved_command_line")
  eq(p:string_(), trim(truth("proc/cmdline")), "saved_command_line")
end)

-- VMCOREINFO records SIZE(x), OFFSET(x.y) and LENGTH(x) from the kernel's
-- own compiler: an independent check of the DWARF type reader.
test("sizes and offsets agree with VMCOREINFO", function()
  local n = 0
  for line in kd.vmcoreinfo():gmatch("[^\n]+") do
    local kind, name, value = line:match("^(%u+)%(([%w_.]+)%)=(%-?%d+)$")
    if kind == "SIZE" then
      local ty = kd.has_type("struct " .. name) and "struct " .. name or name
      if kd.has_type(ty) then
        eq(kd.type(ty).size, tonumber(value), "SIZE(" .. name .. ")")
        n = n + 1
      end
    elseif kind == "OFFSET" then
      local sname, member = name:match("^([%w_]+)%.(.+)$")
      local ty = "struct " .. sname
      if not kd.has_type(ty) then ty = sname end
      if kd.has_type(ty) and kd.has_member(ty, member) then
        eq(kd.member_offset(ty, member), tonumber(value), "OFFSET(" .. name .. ")")
        n = n + 1
      end
    end
  end
  ok(n >= 10, "at least 10 VMCOREINFO facts checked (got " .. n .. ")")
end)

test("struct layout facts", function()
  local t = kd.type("struct task_struct")
  eq(t.kind, "struct", "kind")
  ok(t.size > 1000, "task_struct is big")
  eq(kd.member_size("struct task_struct", "comm"), 16, "sizeof comm")
  eq(kd.type("struct list_head").size, 16, "sizeof list_head")
  eq(kd.member_offset("struct list_head", "prev"), 8, "offsetof prev")
  ok(kd.has_member("struct task_struct", "pid"), "has pid")
  ok(not kd.has_member("struct task_struct", "no_such_member"), "no such member")
  eq(tostring(kd.type("struct task_struct *")), "struct task_struct *", "pointer spelling")
  eq(tostring(t:member("comm").type), "char [16]", "array spelling")
  local pt = kd.type("enum pid_type")
  eq(kd.enum_value(pt, "PIDTYPE_PID"), 0, "PIDTYPE_PID")
  eq(kd.enum_name(pt, 0), "PIDTYPE_PID", "enum name")
  -- a pointer whose unit only declares its target (struct kmem_cache;):
  -- the declaration has the definition's size from the first question on
  local decl = kd.symbol("acpi_gbl_namespace_cache"):type_().target
  eq(decl.size, kd.type("struct kmem_cache").size, "size of a declared-only target")
end)

-- The processes of the live `ps` at capture time must be the dump's
-- thread-group leaders, except the capture's own helpers (descendants of the
-- capturing shell, truth/crash_pid), which had exited when the kernel crashed.
test("kd.tasks() matches the live process list", function()
  local crash_pid = tonumber(trim(truth("crash_pid")))
  local live, parent = {}, {}
  for i, l in ipairs(lines(truth("cmd/ps.txt"))) do
    if i > 1 then
      local pid, ppid, comm = l:match("^%s*(%d+)%s+(%d+)%s+%d+%s+%d+%s+%S+%s+%S+%s+%S+%s+%-?%d+%s+%S+%s+%S+%s+%S+%s+(%S+)")
      ok(pid, "parsed ps line: " .. l)
      live[tonumber(pid)] = comm
      parent[tonumber(pid)] = tonumber(ppid)
    end
  end
  local function helper(pid)
    local p = parent[pid]
    while p and p ~= 0 do
      if p == crash_pid then return true end
      p = parent[p]
    end
    return false
  end
  local dump, threads = {}, 0
  for t in kd.tasks() do
    threads = threads + 1
    if t.pid == t.tgid then dump[t.pid] = t.comm:string_() end
  end
  for pid, comm in pairs(live) do
    if dump[pid] then
      -- /proc shows a workqueue worker's comm with "-<workqueue>" appended
      -- (wq_worker_comm); task->comm itself has only the thread name
      if dump[pid] ~= comm then
        eq(comm:sub(1, #dump[pid] + 1), dump[pid] .. "-", "comm of pid " .. pid)
      end
    else
      ok(helper(pid), "live pid " .. pid .. " (" .. comm .. ") missing from the dump")
    end
  end
  for pid, comm in pairs(dump) do
    ok(live[pid], "dump pid " .. pid .. " (" .. comm .. ") not in the live list")
  end
  -- threads: truth/cmd/ps-T.txt lists every thread
  local live_threads = 0
  for i, l in ipairs(lines(truth("cmd/ps-T.txt"))) do
    local pid, ppid = l:match("^%s*(%d+)%s+(%d+)")
    pid, ppid = tonumber(pid), tonumber(ppid)
    if i > 1 and pid then
      parent[pid] = parent[pid] or ppid
      if not helper(pid) then live_threads = live_threads + 1 end
    end
  end
  eq(threads, live_threads, "number of threads")
end)

test("module names equal the live lsmod", function()
  local live = {}
  for i, l in ipairs(lines(truth("cmd/lsmod.txt"))) do
    if i > 1 then live[#live + 1] = l:match("^(%S+)") end
  end
  local got = {}
  for _, m in ipairs(kd.modules()) do got[#got + 1] = m.name end
  table.sort(live)
  table.sort(got)
  eq(table.concat(got, " "), table.concat(live, " "), "modules")
end)

test("module symbols and types resolve", function()
  local found = 0
  for _, m in ipairs(kd.modules()) do
    if m.debuginfo then found = found + 1 end
  end
  eq(found, #kd.modules(), "every module has debuginfo in the fixture")
  -- loop.ko's global `max_loop` lives in the module
  local addr = kd.symbol_address("max_loop")
  ok(addr, "max_loop has an address")
  local name, off, mod = kd.symbolize(addr)
  eq(name, "max_loop", "symbolize")
  eq(mod, "loop", "module of max_loop")
  eq(math.type(kd.symbol("max_loop"):value_()), "integer", "typed module variable")
end)

test("per-CPU data and CPU masks", function()
  local cpus = kd.cpus("possible")
  ok(#cpus >= 1, "possible CPUs")
  for _, c in ipairs(cpus) do
    local rq = kd.per_cpu("runqueues", c)
    eq(rq.cpu, c, "runqueues.cpu on CPU " .. c)
  end
  local online = kd.cpus()
  ok(#online >= 1, "kd.cpus() not empty")
end)

test("errors carry code, message and address", function()
  local e = raises(function() return kd.read_u64(0x10) end)
  eq(e.code, "fault", "code")
  eq(e.address, 0x10, "address")
  ok(tostring(e):find("0x10"), "message names the address")
  e = raises(function() return kd.symbol("no_such_symbol_xyz") end, "no_such_symbol_xyz")
  eq(e.code, "lookup", "lookup code")
  e = raises(function() return kd.symbol("init_task").no_such_member end, "no member")
  eq(e.code, "lookup", "member lookup code")
  raises(function() return kd.type("struct no_such_struct_xyz") end, "no type information")
end)

test("lists, NULL pointers and arrays", function()
  local it = kd.symbol("init_task")
  eq(it.mm, nil, "kernel thread has no mm: NULL reads as nil")
  ok(it:member_("mm"):is_null_(), "member_ gives the typed NULL")
  local n = 0
  for t in kd.list(it.tasks, "struct task_struct", "tasks") do
    n = n + 1
    ok(t.pid > 0, "pid")
  end
  ok(n > 10, "walked the task list")
  eq(it.comm[0], string.byte("s"), "array index is 0-based")
  eq(#it.comm, 16, "array length")
  local s = {}
  for i, c in it.comm:entries_() do if c ~= 0 then s[#s + 1] = string.char(c) end end
  eq(table.concat(s), "swapper/0", "entries_")
end)

-- QEMU's NT_PRSTATUS carry vCPU index + 1 in pr_pid, not a PID: registers
-- are mapped to CPUs by note order.  The panicking CPU's rip must be in the
-- panic path (the crash reference shows panic -> delay), and the task that
-- runs there must be the process that crashed the kernel (truth/crash_pid).
test("CPU register notes map to CPUs by order", function()
  local crash_pid = tonumber(truth("crash_pid"))
  local found = false
  for i = 0, kd.dump_info().cpu_notes - 1 do
    local regs = kd.cpu_registers(i)
    ok(regs and regs.rip, "registers of note " .. i)
    local curr = kd.per_cpu("runqueues", i).curr
    if curr.pid == crash_pid then
      found = true
      local name = kd.symbolize(regs.rip)
      ok(name, "rip of the panic CPU symbolizes")
      -- the stack holds the panic() return address near rsp
      local seen = {}
      for k = 0, 63 do
        local ok2, v = pcall(kd.read_u64, regs.rsp + 8 * k)
        local name = ok2 and kd.symbolize(v)
        if name then seen[name] = true end
      end
      ok(seen.panic, "panic() on the panicking CPU's stack")
    end
  end
  ok(found, "a CPU was running the crashing process " .. crash_pid)
end)
