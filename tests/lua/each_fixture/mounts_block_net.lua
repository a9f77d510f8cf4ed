-- Kernel-layout branches of the mounts, block and networking libraries,
-- checked against the truth of whichever fixture runs this file
-- (tests/sh/test_each_fixture.sh runs it once per fixture folder).  Each
-- test names the kernel change it covers; a branch is checked on the
-- fixture that takes it, and a check that needs a live file the fixture
-- lacks says so and passes nothing (it is not counted as a pass).

local mount = require("kernel.mount")
local block = require("kernel.block")
local net = require("kernel.net")
local np = require("kernel.net_proc")
local ip = require("kernel.net_ip")
local link = require("kernel.net_link")
local fidelity = require("fidelity")
local matchers = require("fidelity.matchers")

assert(truth("proc/version"), "no truth files: set KDLUA_TEST_VMCORE_DIR to the fixture folder")
print("fixture: " .. tostring(vmcore_dir))

local function tlines(s)
  local t = {}
  for l in (s or ""):gmatch("([^\n]*)\n") do t[#t + 1] = l end
  return t
end

-- a test that only applies where the fixture has the live file / layout
local function when(cond, name, fn)
  if cond then test(name, fn) else print("n/a  " .. name) end
end

-- {====== mounts ======

test("proc/mounts: every line exact or marked incomplete with its exact start", function()
  local text, why, plines = mount.proc_mounts()
  eq(why, nil, "whole-file problem")
  local want = truth("proc/mounts")
  local dropped_r = fidelity.drop_keyed_lines(text, plines)
  local dropped_t = fidelity.drop_keyed_lines(want, plines)
  eq(dropped_r, dropped_t, "lines not marked incomplete")
  for _, p in ipairs(plines) do
    ok(p.key ~= "" and want:find("\n" .. p.key:gsub("%p", "%%%0"), 1) or want:sub(1, #p.key) == p.key,
       "incomplete line's start is in the truth: " .. p.key)
    -- only a filesystem whose module types are missing, or whose data
    -- the dump left out (ext4's on-disk superblock copy, sbi->s_es, is a
    -- page-cache page that makedumpfile -d 23 excludes), may be incomplete
    ok(p.reason:find("no type information", 1, true) or p.reason:find("Excluded page", 1, true),
       "reason names missing types or excluded pages: " .. p.reason)
  end
end)

when(truth("proc/mounts") and truth("proc/mounts"):find(" nfs4? "), "NFS client line exact "
  .. "(nfs_show_options, nfs_show_devname's nfs_path, nfs_show_path)", function()
  local text = mount.proc_mounts()
  local got, want
  for _, l in ipairs(tlines(text)) do if l:find(" nfs4? ") then got = l end end
  for _, l in ipairs(tlines(truth("proc/mounts"))) do if l:find(" nfs4? ") then want = l end end
  eq(got, want, "nfs line")
end)

test("debugfs options: mount_opts (6.1) or the fs_info's own uid/gid/mode (6.12)", function()
  local got, want
  for _, l in ipairs(tlines(mount.proc_mounts())) do if l:find(" debugfs ") then got = l end end
  for _, l in ipairs(tlines(truth("proc/mounts"))) do if l:find(" debugfs ") then want = l end end
  eq(got, want, "debugfs line")
end)

test("mountinfo of pid 1 equals the truth's but the marked lines", function()
  local t1
  for t in kd.tasks() do if t.pid == 1 then t1 = t break end end
  local text, why, plines = mount.proc_mountinfo(t1)
  eq(why, nil, "whole-file problem")
  local want = truth("pid/1/mountinfo")
  eq(fidelity.drop_keyed_lines(text, plines), fidelity.drop_keyed_lines(want, plines), "mountinfo")
end)

-- }======

-- {====== block ======

test("disks: read-only flag (bd_read_only before 6.10, BD_READ_ONLY in __bd_flags after) "
  .. "and size as sys/block", function()
  local n = 0
  for _, d in ipairs(block.disks()) do
    local ro = truth("sys/block/" .. d.name .. "/ro")
    if ro then
      eq(tostring(block.disk_ro(d)), ro:gsub("%s+$", ""), d.name .. " ro")
      eq(tostring(d.sectors), truth("sys/block/" .. d.name .. "/size"):gsub("%s+$", ""), d.name .. " size")
      n = n + 1
    end
  end
  ok(n > 0, "some disk compared")
end)

test("queue attributes the truth has (scheduler without elevator features on 6.10+, "
  .. "blk_mq_queue_attrs on 6.11+)", function()
  local n = 0
  for _, d in ipairs(block.disks()) do
    for _, a in ipairs({ "scheduler", "logical_block_size", "rotational" }) do
      local want = truth("sys/block/" .. d.name .. "/queue/" .. a)
      if want then
        eq(block.queue_attr(d, a), want, d.name .. " " .. a)
        n = n + 1
      end
    end
  end
  if n == 0 then print("     (no queue files in this truth)") end
end)

test("6.11 atomic-write and feature-flag attributes exist exactly where the kernel has them", function()
  local q = block.disks()[1].disk.queue
  local names = {}
  for _, a in ipairs(block.queue_attr_names(q)) do names[a] = true end
  eq(names.atomic_write_max_bytes == true, kd.has_member("struct queue_limits", "atomic_write_max_sectors"),
     "atomic_write_max_bytes listed")
  for a in pairs(names) do
    local v, why = block.queue_attr(block.disks()[1], a)
    ok(v or (why and why:find("live system")), a .. ": " .. tostring(why))
  end
end)

when(truth("cmd/losetup-a.txt"), "losetup -a, in busybox's form, equals the live one", function()
  eq(matchers.transforms.losetup_busybox(block.losetup_a()), truth("cmd/losetup-a.txt"), "losetup -a")
end)

test("blockdev --report and lsblk -t run (bdev_inode 6.10, limits.flags misaligned 6.11)", function()
  ok(block.blockdev_report():find("/dev/"), "blockdev --report rows")
  ok(block.lsblk_t():find("ALIGNMENT"), "lsblk -t header")
end)

-- }======

-- {====== networking ======

test("SNMP MIB arrays sized from their types (linux_mib.mibs[] has no bound on 6.12)", function()
  for _, t in ipairs({ "struct ipstats_mib", "struct tcp_mib", "struct udp_mib", "struct linux_mib" }) do
    local n = np.mibs_len(t)
    ok(n > 0 and n * 8 <= kd.type(t).size, t .. " length " .. tostring(n))
  end
  -- every name line of snmp/netstat equals the live one
  for _, f in ipairs({ "snmp", "netstat" }) do
    local g, w = tlines(np[f]()), tlines(truth("proc/net/" .. f))
    eq(#g, #w, f .. " line count")
    for i = 1, #w, 2 do eq(g[i], w[i], f .. " header line " .. i) end
  end
end)

test("sockstat orphans: the per-CPU sum as an int clamped at 0 (tcp_orphan_count_sum)", function()
  local got = np.sockstat():match("orphan (%-?%d+)")
  local want = truth("proc/net/sockstat"):match("orphan (%-?%d+)")
  eq(got, want, "orphan")
end)

when(truth("proc/net/tcp.end"), "TIME-WAIT sockets at the crash: the live .end sample less the "
  .. "expired ones", function()
  -- the crash uptime: the last printk timestamp
  local last = 0
  for _, r in ipairs(require("kernel.printk").records() or {}) do last = r.ts_nsec or last end
  local t0 = tonumber((truth("capture_sockets_end_uptime") or truth("capture_end_uptime")):match("[%d.]+"))
  local dt
  if last > 0 then dt = last / 1e9 - t0 end
  local ctx = { elapsed = function() return dt end }
  for _, f in ipairs({ "tcp", "tcp6" }) do
    local got = matchers.transforms.tcp_mask(np[f]())
    local want = matchers.transforms.tcp_at_crash(truth("proc/net/" .. f .. ".end"), ctx)
    ok(dt, "crash time from the kernel log")
    if dt then eq(got, want, "proc/net/" .. f)
    else
      -- without the crash time: every TIME-WAIT of the report is in the .end sample
      for _, l in ipairs(tlines(got)) do
        if l:match("^N: %S+ %S+ 06 ") then ok(want:find(l, 1, true), "TIME-WAIT in the truth: " .. l) end
      end
    end
  end
end)

for _, f in ipairs({ "ptype", "protocols", "netlink", "packet", "dev_mcast", "raw6", "fib_trie" }) do
  test("proc/net/" .. f .. " exact", function()
    eq(np[f](), truth("proc/net/" .. f), "proc/net/" .. f)
  end)
end

test("softnet_stat: one line per CPU, 15 columns where softnet_data.dropped is atomic (6.12)", function()
  local g, w = tlines(np.softnet_stat(require("report.cpus").list())), tlines(truth("proc/net/softnet_stat"))
  eq(#g, #w, "lines")
  local function cols(l) local n = 0 for _ in l:gmatch("%S+") do n = n + 1 end return n end
  for i = 1, #w do eq(cols(g[i]), cols(w[i]), "columns of line " .. i) end
end)

local bonds = link.bonds()
when(#bonds > 0, "bonding: /proc/net/bonding exact, ip -d link bond/bond_slave lines exact", function()
  for _, b in ipairs(bonds) do
    local name = net.devname(b)
    eq(link.proc_bonding(b), truth("proc/net/bonding/" .. name), "proc/net/bonding/" .. name)
  end
  local text = ip.ip_address(nil, { details = true, mode = "link" })
  local want = truth("cmd/ip-d-link.txt")
  for _, l in ipairs(tlines(text)) do
    if l:match("^    bond") or l:match("^    vlan") then ok(want:find(l, 1, true), "in ip-d-link.txt: " .. l) end
  end
end)

when(link.vlan_loaded() and truth("proc/net/vlan/config"), "vlan: /proc/net/vlan/config exact", function()
  eq(link.proc_vlan_config(), truth("proc/net/vlan/config"), "config")
end)

-- }======
