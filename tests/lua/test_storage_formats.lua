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

-- nfs-utils 2.6.2 nfsstat (utils/nfsstat/nfsstat.c) over raw
-- /proc/net/rpc/nfsd and /proc/net/rpc/nfs texts: parse_raw_statfile keeps
-- a fixed number of values per tag, the last slot overwritten with their
-- sum; print_numbers ("%-8u" joined by three blanks), the 2.4+ fh reorder,
-- has_stats (versions with no calls left out) and print_callstats
-- ("%-17s" names, "%-8u%3llu%%     " counts with integer percentages).
local nfs = require("kernel.nfs")
test("nfsstat -o all: server and client sections as nfsstat prints them", function()
  local srv = "rc 1 2 3\nfh 9 1 2 3 4\nio 100 200\nth 4 0 0.000\nra 0 0 0 0 0 0 0 0 0 0 0 0\n" ..
    "net 7 1 6 2\nrpc 7 0 0 0 0\nproc3 22 0 3 0 1" .. string.rep(" 0", 18) .. "\nproc4 2 1 6\n" ..
    "proc4ops 76" .. string.rep(" 0", 9) .. " 4" .. string.rep(" 0", 66) .. "\n"
  local clt = "net 0 0 0 0\nrpc 5 1 5\nproc4 69 1 4" .. string.rep(" 0", 67) .. "\n"
  local t = nfs.nfsstat_all(srv, clt)
  local want_head =
    "Server packet stats:\npackets    udp        tcp        tcpconn\n" ..
    "7          1          6          2       \n\n" ..
    "Server rpc stats:\ncalls      badcalls   badfmt     badauth    badclnt\n" ..
    "7          0          0          0          0       \n\n" ..
    "Server reply cache:\nhits       misses     nocache\n1          2          3       \n\n" ..
    "Server io stats:\nread       write\n100        200     \n\n"
  eq(t:sub(1, #want_head), want_head, "server numbers")
  -- fh 9 1 2 3 4: lookup 1, anon 2, then dir/nondir swapped (4, 3), stale 9 last
  ok(t:find("Server file handle cache:\nlookup     anon       ncachedir  ncachenondir  stale\n" ..
            "1          2          4          3          9       \n\n", 1, true), "fh reorder")
  -- v3: getattr 3 of 4 calls = 75%, lookup 1 = 25%
  ok(t:find("Server nfs v3:\nnull             getattr          setattr          lookup           access           \n" ..
            "0         0%     3        75%     0         0%     1        25%     0         0%     \n", 1, true), "v3 calls")
  ok(t:find("Server nfs v4:\nnull             compound         \n1        14%     6        85%     \n\n", 1, true), "v4")
  ok(t:find("commit           create           delegpurge       delegreturn      getattr          \n" ..
            "0         0%     0         0%     0         0%     0         0%     4       100%     \n", 1, true),
     "v4 ops: getattr (op 9) all of them")
  ok(not t:find("Server nfs v2", 1, true), "no v2 line: left out")
  ok(t:find("Client rpc stats:\ncalls      retrans    authrefrsh\n5          1          5       \n\n", 1, true), "client rpc")
  ok(t:find("Client nfs v4:\nnull             read             write            commit           open             \n" ..
            "1        20%     4        80%     0         0%     0         0%     0         0%     \n", 1, true), "client v4")
  eq(select(2, t:gsub("\nallocate         deallocate       layoutstats      clone            \n", "")), 1,
     "the client's 59 names end with clone")
end)
