-- kdlua-test: dump=kfx
-- report/cpus.lua on laid-out CPU masks and register notes: which CPUs
-- count as online before the panic.  A panic without kdump stops the other
-- CPUs with smp_send_stop(); each runs stop_this_cpu() (arch/x86/kernel/
-- process.c), which clears its bit in cpu_online_mask; a CPU taken offline
-- before sits in play_dead (hlt_play_dead, arch/x86/kernel/smpboot.c).
-- QEMU's dump-guest-memory writes one NT_PRSTATUS per vCPU that exists
-- (the present CPUs, dump/dump.c), kdump one per possible CPU; notes map
-- to CPUs in that order.  The SMP fixture (tests/fixtures/make-smp-
-- fixture.sh: possible 0-7, present 0-5, 2 and 5 offlined, panic on 3)
-- is the first case below.

local function load_cpus(m)
  local fake_kd = setmetatable({
    cpus = function(which) return m[which] end,
    dump_info = function() return { cpu_notes = #m.notes } end,
    cpu_registers = function(i) return { rip = 0x1000 + i } end,
    symbolize = function(addr) return m.notes[addr - 0x1000 + 1] end,
  }, { __index = kd })
  local env = setmetatable({ kd = fake_kd }, { __index = _G })
  return assert(loadfile(SOURCE_DIR .. "/scripts/lib/report/cpus.lua", "t", env))()
end

local function list(t) return table.concat(t, ",") end

test("one note per present CPU (QEMU, hot-pluggable CPUs): stopped ones online, offlined ones not", function()
  local cpus = load_cpus({
    possible = { 0, 1, 2, 3, 4, 5, 6, 7 }, present = { 0, 1, 2, 3, 4, 5 }, online = { 3 },
    notes = { "stop_this_cpu", "stop_this_cpu", "hlt_play_dead", "delay_tsc", "stop_this_cpu", "hlt_play_dead" },
  })
  local m = cpus.masks()
  eq(list(m.online), "0,1,3,4", "online before the panic")
  eq(list(m.stopped), "0,1,4", "stopped by the panic")
  eq(list(m.raw_online), "3", "the dump's own mask")
  eq(list(cpus.list()), "0,1,3,4", "CPUs per-CPU files are made for")
end)

test("one note per possible CPU (kdump or no hotplug slots)", function()
  local cpus = load_cpus({
    possible = { 0, 1, 2, 3 }, present = { 0, 1, 2, 3 }, online = { 1 },
    notes = { "stop_this_cpu", "panic", "hlt_play_dead", "stop_this_cpu" },
  })
  eq(list(cpus.masks().online), "0,1,3", "online before the panic")
end)

test("notes matching neither mask are not guessed at", function()
  local cpus = load_cpus({
    possible = { 0, 1, 2, 3, 4, 5, 6, 7 }, present = { 0, 1, 2, 3, 4, 5 }, online = { 2 },
    notes = { "stop_this_cpu", "panic", "stop_this_cpu" },
  })
  eq(list(cpus.masks().online), "2", "only the dump's mask")
end)
