-- Storage decoders on bytes whose kernel output the kernel source fixes:
-- scsi_vpd_lun_id()'s choice among VPD page 0x83 designators (the wwid
-- attribute, drivers/scsi/scsi_lib.c designator_prio), for pages the
-- fixtures' QEMU disks do not have (they hold a vendor-specific designator
-- only, whose empty wwid tests/sh/test_storage.sh compares with the truth).
-- Runs under tests/lua/runner.lua.

local scsi = require("kernel.scsi")

local function bytes(hex) return (hex:gsub("%s", ""):gsub("%x%x", function(h) return string.char(tonumber(h, 16)) end)) end
local function page(...)
  local body = table.concat({ ... })
  return bytes("0083") .. string.char(#body >> 8, #body & 0xff) .. body
end
local function desig(b0, b1, data) return string.char(b0, b1, 0, #data) .. data end

test("wwid: no usable designator is the kernel's error, an empty copy", function()
  eq(scsi.vpd_lun_id(page(desig(0x02, 0x00, "fxscsi0"))), "", "vendor specific only")
  eq(scsi.vpd_lun_id(page(desig(0x01, 0x13, bytes("6001405abcdef012")))), "", "target port association")
  eq(scsi.vpd_lun_id(page()), "", "empty page")
end)

test("wwid: NAA (registered extended) wins over a T10 vendor id", function()
  eq(scsi.vpd_lun_id(page(desig(0x02, 0x01, "ABCDEFGH"), desig(0x01, 0x03, bytes("6001405abcdef0120011223344556677")))),
     "naa.6001405abcdef0120011223344556677\n", "NAA 16")
end)

test("wwid: T10 vendor id alone", function()
  eq(scsi.vpd_lun_id(page(desig(0x02, 0x01, "QEMU    QEMU HARDDISK"))), "t10.QEMU    QEMU HARDDISK\n", "T10")
end)

test("wwid: EUI-64 by length, SCSI name string first of all", function()
  eq(scsi.vpd_lun_id(page(desig(0x01, 0x02, bytes("0011223344556677")))), "eui.0011223344556677\n", "EUI-64 8")
  eq(scsi.vpd_lun_id(page(desig(0x01, 0x02, bytes("00112233445566778899aabb")),
                          desig(0x03, 0x08, "iqn.2003-01.org.x:disk1\0"))),
     "iqn.2003-01.org.x:disk1\0\n", "SCSI name string, its NUL padding kept")
  eq(scsi.vpd_lun_id(page(desig(0x01, 0x03, bytes("3001405abcdef012")),
                          desig(0x01, 0x02, bytes("0011223344556677")))),
     "eui.0011223344556677\n", "EUI-64 (prio 3) over NAA locally assigned (prio 1)")
end)

-- lsscsi 0.32's size2string() (src/lsscsi.c): three significant figures,
-- the fraction truncated, not rounded; `lsscsi -s` uses powers of 1000
test("lsscsi size2string: lsscsi -s columns", function()
  eq(scsi.size2string(536870912, 1000), "536MB", "512 MiB disk")
  eq(scsi.size2string(8589934592, 1000), "8.58GB", "8 GiB disk (truncated, not 8.59)")
  eq(scsi.size2string(1000204886016, 1000), "1.00TB", "1 TB disk")
  eq(scsi.size2string(999, 1000), "999B", "below one unit")
  eq(scsi.size2string(53 * 1024 * 1024, 1024), "53.0MiB", "powers of 1024")
  eq(scsi.size2string(1536, 1024), "1.50KiB", "1.5 KiB")
end)
