-- block.loop_bound: a loop device is bound exactly while its disk has the
-- "loop" sysfs group (drivers/block/loop.c loop_sysfs_init() when a file
-- is set, loop_sysfs_exit() when cleared).  Checked on every fixture
-- against the live system's sysfs (truth/sys/block/<dev>/loop/backing_file
-- exists for a bound device) and against the loop driver's own record
-- (lo_backing_file, through the loop module's types).

local block = require("kernel.block")

assert(truth("proc/version"), "no truth files: set KDLUA_TEST_VMCORE_DIR to the fixture folder")

test("loop_bound: bound loop devices as sysfs and the loop driver show them", function()
  local n = 0
  for _, d in ipairs(block.disks()) do
    if d.major == 7 then
      n = n + 1
      local live = truth("sys/block/" .. d.name .. "/loop/backing_file") ~= nil
      eq(block.loop_bound(d), live, d.name .. ": bound as the live sysfs had it")
      eq(block.loop_bound(d), block.loop_backing_file(d) ~= nil, d.name .. ": bound as lo_backing_file says")
    end
  end
  ok(n > 0, "the fixture has loop devices")
end)
