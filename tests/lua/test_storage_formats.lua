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

-- e2fsprogs 1.47.0 list_super2() (lib/e2p/ls.c) in kernel/ext4.lua over
-- two superblocks made by mke2fs 1.47.0 (E2FSPROGS_FAKE_TIME=1700000000;
-- "a": 1 KiB blocks, no journal, a label, tune2fs -i 2w -c 30 -e
-- remount-ro -E mount_opts=nodelalloc; "b": bigalloc with 4 KiB clusters,
-- quota, a journal, RAID stride/width, last mounted on /srv/x), against
-- `TZ=UTC dumpe2fs -h` of the same images up to the journal's lines; the
-- reserved uid/gid lines differ by design (no passwd in a dump: "unknown").
local ext4 = require("kernel.ext4")
local SB = {
  a = { hex = "" ..
    "000800000020000099010000ae1d0000f507000001000000000000000000000000200000002000000008000000000000" ..
    "00f1536500001e0053ef01000200000000f15365007512000000000001000000000000000b0000000001000038000000" ..
    "c20200006b04000011111111222233334444555555555612667874657374000000000000000000000000000000000000" ..
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" ..
    "00000000000000000000000000003f00000000000000000000000000000000000000000000000000000000006b257251" ..
    "883847258fc335e831524646010040000c0000000000000000f153650000000000000000000000000000000000000000" ..
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" ..
    "000000000000000000000000200020000100000000000000000000000000000000000000040100005300000000000000" ..
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" ..
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" ..
    "00000000000000000000000000000000000000000000000000000000000000006e6f64656c616c6c6f63000000000000" ..
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" ..
    "000000000000000044020000000000000000000000000000000000000000000000000000000000000000000000000000" ..
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" ..
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" ..
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" ..
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" ..
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" ..
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" ..
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" ..
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" ..
    "000000000000000000000000eec74d7c" ..
    "",
    want = "Filesystem volume name:   fxtest\n" ..
    "Last mounted on:          <not available>\n" ..
    "Filesystem UUID:          11111111-2222-3333-4444-555555555612\n" ..
    "Filesystem magic number:  0xEF53\n" ..
    "Filesystem revision #:    1 (dynamic)\n" ..
    "Filesystem features:      ext_attr resize_inode dir_index filetype extent 64bit flex_bg sparse_super large_file huge_file dir_nlink extra_isize metadata_csum\n" ..
    "Filesystem flags:         signed_directory_hash \n" ..
    "Default mount options:    user_xattr acl\n" ..
    "Mount options:            nodelalloc\n" ..
    "Filesystem state:         clean\n" ..
    "Errors behavior:          Remount read-only\n" ..
    "Filesystem OS type:       Linux\n" ..
    "Inode count:              2048\n" ..
    "Block count:              8192\n" ..
    "Reserved block count:     409\n" ..
    "Overhead clusters:        580\n" ..
    "Free blocks:              7598\n" ..
    "Free inodes:              2037\n" ..
    "First block:              1\n" ..
    "Block size:               1024\n" ..
    "Fragment size:            1024\n" ..
    "Group descriptor size:    64\n" ..
    "Reserved GDT blocks:      63\n" ..
    "Blocks per group:         8192\n" ..
    "Fragments per group:      8192\n" ..
    "Inodes per group:         2048\n" ..
    "Inode blocks per group:   512\n" ..
    "Flex block group size:    16\n" ..
    "Filesystem created:       Tue Nov 14 22:13:20 2023\n" ..
    "Last mount time:          n/a\n" ..
    "Last write time:          Tue Nov 14 22:13:20 2023\n" ..
    "Mount count:              0\n" ..
    "Maximum mount count:      30\n" ..
    "Last checked:             Tue Nov 14 22:13:20 2023\n" ..
    "Check interval:           1209600 (2 weeks)\n" ..
    "Next check after:         Tue Nov 28 22:13:20 2023\n" ..
    "Lifetime writes:          83 kB\n" ..
    "Reserved blocks uid:      0 (user unknown)\n" ..
    "Reserved blocks gid:      0 (group unknown)\n" ..
    "First inode:              11\n" ..
    "Inode size:\t          256\n" ..
    "Required extra isize:     32\n" ..
    "Desired extra isize:      32\n" ..
    "Default directory hash:   half_md4\n" ..
    "Directory Hash Seed:      6b257251-8838-4725-8fc3-35e831524646\n" ..
    "Checksum type:            crc32c\n" ..
    "Checksum:                 0x7c4dc7ee\n" ..
    "" },
  b = { hex = "" ..
    "00200000008000006606000090670000f51f000000000000000000000200000000800000002000000020000000000000" ..
    "00f153650000ffff53ef01000100000000f15365000000000000000001000000000000000b000000000100003c000000" ..
    "c20200006b07000022222222222233334444555555555612000000000000000000000000000000002f7372762f780000" ..
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" ..
    "00000000000000000000000000003f00000000000000000000000000000000000800000000000000000000000b257251" ..
    "883847258fc335e831524646010140000c0000000000000000f153650af3020004000000000000000000000008000000" ..
    "5800000008000000f80f0000680800000000000000000000000000000000000000000000000000000000000000004000" ..
    "000000000000000000000000200020000100000010000000000000000000000020000000040100006100000000000000" ..
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" ..
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" ..
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" ..
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" ..
    "030000000400000013060000000000000000000000000000000000000000000000000000000000000000000000000000" ..
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" ..
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" ..
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" ..
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" ..
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" ..
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" ..
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" ..
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" ..
    "000000000000000000000000c2108bcf" ..
    "",
    want = "Filesystem volume name:   <none>\n" ..
    "Last mounted on:          /srv/x\n" ..
    "Filesystem UUID:          22222222-2222-3333-4444-555555555612\n" ..
    "Filesystem magic number:  0xEF53\n" ..
    "Filesystem revision #:    1 (dynamic)\n" ..
    "Filesystem features:      has_journal ext_attr resize_inode dir_index filetype extent 64bit flex_bg sparse_super large_file huge_file dir_nlink extra_isize quota bigalloc metadata_csum\n" ..
    "Filesystem flags:         signed_directory_hash \n" ..
    "Default mount options:    user_xattr acl\n" ..
    "Filesystem state:         clean\n" ..
    "Errors behavior:          Continue\n" ..
    "Filesystem OS type:       Linux\n" ..
    "Inode count:              8192\n" ..
    "Block count:              32768\n" ..
    "Reserved block count:     1638\n" ..
    "Overhead clusters:        1555\n" ..
    "Free blocks:              26512\n" ..
    "Free inodes:              8181\n" ..
    "First block:              0\n" ..
    "Block size:               1024\n" ..
    "Cluster size:             4096\n" ..
    "Group descriptor size:    64\n" ..
    "Reserved GDT blocks:      63\n" ..
    "Blocks per group:         32768\n" ..
    "Clusters per group:       8192\n" ..
    "Inodes per group:         8192\n" ..
    "Inode blocks per group:   2048\n" ..
    "RAID stride:              16\n" ..
    "RAID stripe width:        32\n" ..
    "Flex block group size:    16\n" ..
    "Filesystem created:       Tue Nov 14 22:13:20 2023\n" ..
    "Last mount time:          n/a\n" ..
    "Last write time:          Tue Nov 14 22:13:20 2023\n" ..
    "Mount count:              0\n" ..
    "Maximum mount count:      -1\n" ..
    "Last checked:             Tue Nov 14 22:13:20 2023\n" ..
    "Check interval:           0 (<none>)\n" ..
    "Lifetime writes:          97 kB\n" ..
    "Reserved blocks uid:      0 (user unknown)\n" ..
    "Reserved blocks gid:      0 (group unknown)\n" ..
    "First inode:              11\n" ..
    "Inode size:\t          256\n" ..
    "Required extra isize:     32\n" ..
    "Desired extra isize:      32\n" ..
    "Journal inode:            8\n" ..
    "Default directory hash:   half_md4\n" ..
    "Directory Hash Seed:      0b257251-8838-4725-8fc3-35e831524646\n" ..
    "Journal backup:           inode blocks\n" ..
    "User quota inode:         3\n" ..
    "Group quota inode:        4\n" ..
    "Checksum type:            crc32c\n" ..
    "Checksum:                 0xcf8b10c2\n" ..
    "" },
}
for name, c in pairs(SB) do
  test("dumpe2fs -h's superblock lines: image " .. name, function()
    local raw = c.hex:gsub("%x%x", function(h) return string.char(tonumber(h, 16)) end)
    eq(#raw, 1024, "a superblock")
    eq(ext4.list_super(raw), c.want, "list_super2")
  end)
end
