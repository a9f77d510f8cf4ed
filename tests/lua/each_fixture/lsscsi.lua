-- `lsscsi -s` and `lsscsi -L` (scripts/emitters/scsi_sysfs.lua over
-- kernel/scsi.lua) against the fixture's truth: the devices of
-- cmd/scsi-devices.txt, each size from sys/block/<disk>/size (512-byte
-- sectors, lsscsi prints size2string of the bytes in powers of 1000), each
-- static attribute of sys/class/scsi_device/H:C:T:L/device/.  A fixture
-- without SCSI devices has no lsscsi file to check.
local scsi = require("kernel.scsi")
local devs = truth("cmd/scsi-devices.txt")
local specs = load_emitters({ "scsi_sysfs" })
if not devs or not scsi.loaded() then
  test("no SCSI midlayer: no lsscsi files, as sos's plugin finds nothing", function()
    eq(scsi.loaded(), devs ~= nil, "the midlayer is loaded exactly when the truth lists SCSI devices")
    eq(specs["sos_commands/scsi/lsscsi_-s"], nil, "no lsscsi -s")
    eq(specs["sos_commands/scsi/lsscsi_-L"], nil, "no lsscsi -L")
  end)
  return
end

local want = {}
for hctl, disk in devs:gmatch("== (%d+:%d+:%d+:%d+):[^\n]*block=(%w+)") do want[#want + 1] = { hctl, disk } end

test("lsscsi -s: one line per device, the disk's size", function()
  local text = specs["sos_commands/scsi/lsscsi_-s"].run()
  ok(type(text) == "string", "real text")
  local n = 0
  for line in text:gmatch("[^\n]+") do
    n = n + 1
    local hctl, node, size = line:match("^%[(%S+)%]%s.-(/dev/%S+)%s+(%S+)$")
    ok(hctl, "line shape: " .. line)
    eq(hctl, want[n][1], "device " .. n)
    eq(node, "/dev/" .. want[n][2], "node of " .. hctl)
    local sectors = tonumber(truth("sys/block/" .. want[n][2] .. "/size"))
    eq(size, scsi.size2string(sectors * 512, 1000), "size of " .. hctl)
  end
  eq(n, #want, "devices")
end)

test("lsscsi -L: the static attributes as sysfs shows them", function()
  local text = specs["sos_commands/scsi/lsscsi_-L"].run()
  ok(type(text) == "string", "real text")
  local cur, seen = nil, 0
  for line in text:gmatch("[^\n]+") do
    local hctl = line:match("^%[(%S+)%]")
    if hctl then cur = hctl; seen = seen + 1
    else
      local k, v = line:match("^  ([%w_]+)=(.*)$")
      ok(k, "attribute line: " .. line)
      if not k:match("^io") then   -- io*_cnt drift (INDEX.md)
        local t = truth("sys/class/scsi_device/" .. cur .. "/device/" .. k)
        eq(v .. "\n", t, cur .. " " .. k)
      end
    end
  end
  eq(seen, #want, "devices")
end)
