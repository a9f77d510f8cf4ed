-- kdlua-test: dump=kfx
-- Type system and walkers on the synthetic fixture (tests/fixtures): an ELF
-- vmcore read through the same code path as real dumps, with known values
-- (tests/fixtures/README.md).

local T = "struct kfx_task"

local function task(sym) return kd.symbol(sym) end

test("ELF vmcore opens; uts and VMCOREINFO", function()
  eq(kd.dump_info().format, "elf", "format")
  eq(kd.uts().nodename, "kfx-node", "nodename")
  eq(kd.release(), "6.1.0-kfx", "release")
  eq(kd.vmcoreinfo("CRASHTIME"), "1700000000", "CRASHTIME")
  eq(kd.cpu_registers(0).rip, kd.symbol_address("kfx_crash_here"), "CPU 0 rip")
end)

test("struct layout: offsets, sizes, holes", function()
  eq(kd.type(T).size, 216, "sizeof")
  for m, off in pairs({ __state = 0, pid = 8, parent = 16, flags = 24, kstate = 32,
                        stamp = 48, utime = 56, stime = 64, stack = 72,
                        counters = 80, tasks = 112, pid_link = 128, run_node = 144,
                        fn = 168, exit_fn = 176, name = 184, mm = 192, comm = 200 }) do
    eq(kd.member_offset(T, m), off, "offsetof " .. m)
  end
  eq(kd.member_offset(T, "stamp.hi"), 52, "union with anonymous struct")
  eq(kd.member_offset("struct kfx_item", "node"), 16, "kfx_item.node")
  eq(kd.type("struct uts_namespace"):member("name").offset, 4, "uts name")
  eq(kd.type("struct kfx_mm").size, 32, "flexible array adds nothing")
  eq(kd.type("struct kfx_msg").size, 4, "zero-length array")
end)

test("bitfields, signed bitfields, wide bitfields", function()
  local t = task("kfx_task_init")
  eq(t.sched_reset_on_fork, 1, "reset_on_fork")
  eq(t.sched_contributes_to_load, 0, "contributes")
  eq(t.prio_bits, 20, "prio_bits")
  eq(t.nice_bits, -3, "signed bitfield")
  eq(t.kfx_id, 0xabcdef, "24-bit field")
  eq(t.kfx_gen, 0x123456789a, "40-bit field")
  local k = task("kfx_task_kthreadd")
  eq(k.nice_bits, -16, "most negative")
  eq(k.kfx_id, 0xffffff, "all ones 24")
  eq(k.kfx_gen, 0xffffffffff, "all ones 40")
  eq(kd.type(T):member("nice_bits").bit_size, 5, "bit_size")
end)

test("enums, typedef chains, unions, anonymous members", function()
  eq(task("kfx_task_shell").kstate, 4, "enum value")
  eq(kd.enum_name("enum kfx_state", 4), "KFX_STOPPED", "enum name")
  eq(kd.enum_value("enum kfx_state", "KFX_SLEEPING"), 1, "enum value by name")
  eq(kd.enum_value("enum kfx_big", "KFX_BIG_NEG"), -1, "negative enumerator")
  eq(kd.enum_value("enum kfx_big", "KFX_BIG_HUGE"), 0x100000000, "wide enumerator")
  eq(kd.type("kfx_counter_t").resolved.size, 8, "typedef chain")
  -- the base type's name is the compiler's (gcc: "long long unsigned int")
  eq(tostring(kd.type("kfx_counter_t").resolved), "long long unsigned int", "resolved name")
  local t = task("kfx_init_task")
  eq(t.stamp.raw, 0x1122334455667788, "union member")
  eq(t.stamp.lo, 0x55667788, "anonymous struct in union")
  eq(t.stime, 1000000, "anonymous struct member")
  eq(t.counters[3], 4, "array of typedef'd u64")
  local s = task("kfx_task_shell")
  eq(s.counters[2], math.mininteger, "2^63 as a wrapped integer")
  eq(s.counters[3], -1, "2^64-1 as -1 (use math.ult / %x)")
  eq(string.format("%x", s.counters[3]), "ffffffffffffffff", "hex of 2^64-1")
end)

test("pointers, NULL, strings, comm without NUL", function()
  local t = task("kfx_task_init")
  eq(t.parent.pid, 0, "'.' through a pointer")
  eq(t.mm.map_count, 3, "pointer member deref")
  eq(t.name:string_(), "init", "char * string")
  eq(task("kfx_task_kthreadd").mm, nil, "NULL pointer reads as nil")
  ok(task("kfx_task_kthreadd"):member_("mm"):is_null_(), "typed NULL via member_")
  eq(task("kfx_task_shell").comm:string_(), "fx-comm-16-chars", "16 chars, no NUL")
  eq(task("kfx_init_task").comm:string_(), "swapper/0", "comm")
  local e = raises(function() return task("kfx_task_kthreadd"):member_("mm"):deref_() end, "NULL")
  eq(e.code, "fault", "NULL deref is a fault")
end)

test("list, hlist, rbtree walks", function()
  local pids = {}
  for p in kd.list(task("kfx_init_task").tasks, T, "tasks") do pids[#pids + 1] = p.pid end
  eq(table.concat(pids, ","), "1,2,7,42", "list order")
  pids = {}
  for p in kd.hlist(kd.symbol("kfx_pid_hash")[1], T, "pid_link") do pids[#pids + 1] = p.pid end
  eq(table.concat(pids, ","), "1,7,42", "hlist bucket 1")
  local n = 0
  for _ in kd.hlist(kd.symbol("kfx_pid_hash")[3], T, "pid_link") do n = n + 1 end
  eq(n, 0, "empty hlist bucket")
  pids = {}
  for p in kd.rbtree(kd.symbol("kfx_run_tree"), T, "run_node") do pids[#pids + 1] = p.pid end
  eq(table.concat(pids, ","), "0,1,2,7,42", "rb in-order")
  n = 0
  for _ in kd.list(kd.symbol("kfx_empty_list")) do n = n + 1 end
  eq(n, 0, "empty list")
end)

test("corrupt and cyclic lists end with an error naming the address", function()
  local ids = {}
  local e = raises(function()
    for it in kd.list(kd.symbol("kfx_bad_list"), "struct kfx_item", "node") do ids[#ids + 1] = it.id end
  end)
  eq(table.concat(ids, ","), "1,2", "items before the bad link")
  ok(e.message:find("0xffffffff8f000000"), "message names the bad address: " .. e.message)
  ids = {}
  e = raises(function()
    for it in kd.list(kd.symbol("kfx_loop_list"), "struct kfx_item", "node") do
      ids[#ids + 1] = it.id
      if #ids > 100 then error("walk did not stop") end
    end
  end, "cycle")
  ok(#ids <= 8, "cycle detected quickly (" .. #ids .. " nodes)")
end)

test("container_of, per_cpu, casts", function()
  local a = kd.symbol("kfx_bad_a")
  local p = kd.container_of(a.node:address_(), "struct kfx_item", "node")
  eq(p:value_(), a:address_(), "container_of")
  eq(p.value, 0x1111, "member via container_of pointer")
  eq(kd.per_cpu("kfx_runqueues", 0).clock, 1000000000, "per-CPU 0")
  eq(kd.per_cpu("kfx_runqueues", 1).curr.pid, 2, "per-CPU 1")
  local v = kd.object("struct kfx_task", kd.symbol_address("kfx_task_shell"))
  eq(v.pid, 42, "kd.object")
  -- kfx_item.id overlays the low half of kfx_task.__state (4, STOPPED)
  eq(v:cast_("struct kfx_item").id, 4, "cast_ reinterprets")
end)

test("bad uses give typed errors", function()
  eq(raises(function() return kd.symbol("kfx_task_init").nope end, "no member").code, "lookup", "member")
  eq(raises(function() return kd.symbol("kfx_nr_tasks").x end).code, "type", "member of int")
  eq(raises(function() return kd.read(0xffffffff8f000000, 8) end).address, 0xffffffff8f000000 | 0, "fault address")
  raises(function() kd.symbol("kfx_task_init").pid = 3 end, "read%-only")
end)
