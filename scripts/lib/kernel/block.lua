-- kernel/block.lua: block devices (gendisks and partitions) from the
-- block class, and what /proc/partitions, /proc/diskstats,
-- /sys/block/<disk>/queue/*, lsblk, blockdev --report and
-- `ls -lanR /sys/block` show.
--
-- Sources (Linux 6.1): block/genhd.c (show_partition, diskstats_show,
-- part_stat_read_all), block/blk-sysfs.c (queue attributes),
-- block/blk-mq.c (blk_mq_in_flight), block/elevator.c (elv_iosched_show),
-- block/partitions/core.c, include/linux/blkdev.h; fs/kernfs for sysfs;
-- util-linux 2.38 lsblk/blockdev for the tool formats.
--
-- Layouts: 6.1 keeps a struct block_device (bd_device, bd_nr_sectors,
-- bd_stats) per disk and partition and an xarray part_tbl in the gendisk
-- (5.14+).  Older kernels (hd_struct, disk_part_tbl) are not decoded:
-- M.disks() raises a clear error there.
--
-- Mirrors: block/genhd.c, block/partitions/core.c, block/blk-sysfs.c,
--   block/blk-mq.c, block/elevator.c, include/linux/blkdev.h

local fs = require("kernel.fs")
local ktime = require("kernel.time")

local M = {}

local pval, has_member = fs.pval, fs.has_member

local xarray = require("kernel.xarray")

-- {====== devices of the block class ======

-- klist of a class's devices (6.1: class->p; 6.4+: subsys_private found
-- through class_kset)
local function class_private(cls)
  if has_member("struct class", "p") then return cls.p end
  local kset = kd.symbol("class_kset")
  for kobj in kd.list(kset.list, "struct kobject", "entry") do
    local sp = kd.container_of(pval(kobj), "struct subsys_private", "subsys.kobj")
    if pval(sp:member_("class")) == cls:address_() then return sp end
  end
  error("class has no subsys_private", 0)
end

-- struct device objects of a class (default: the block class), in
-- registration order; kernel/scsi.lua walks shost_class with it
function M.class_devices(cls)
  local sp = class_private(cls or kd.symbol("block_class"))
  local out = {}
  for node in kd.list(sp.klist_devices.k_list, "struct device_private", "knode_class.n_node") do
    out[#out + 1] = node.device
  end
  return out
end

local function bdev_of_device(dev)
  return kd.container_of(pval(dev), "struct block_device", "bd_device")
end

-- the page-cache inode of a block_device: bd_inode until 6.10 "block:
-- remove bdev->bd_inode", then the vfs_inode of the bdev_inode around it
function M.bdev_inode(bdev)
  if has_member("struct block_device", "bd_inode") then return bdev.bd_inode end
  return kd.container_of(bdev:address_of_(), "struct bdev_inode", "bdev").vfs_inode
end

-- sectors of a block_device (bdev_nr_sectors)
function M.nr_sectors(bdev)
  if has_member("struct block_device", "bd_nr_sectors") then return bdev.bd_nr_sectors end
  return M.bdev_inode(bdev).i_size >> 9
end

local function bdev_partno(bdev)
  if has_member("struct block_device", "bd_partno") then return bdev.bd_partno end
  return bdev.__bd_flags.counter & 0xff       -- 6.10+: partno in __bd_flags
end

-- %pg: the disk name, or disk name + ("p" if it ends in a digit) + partno
function M.bdev_name(bdev, disk_name)
  local pn = bdev_partno(bdev)
  if pn == 0 then return disk_name end
  if disk_name:match("%d$") then return disk_name .. "p" .. pn end
  return disk_name .. pn
end

-- Disks in class order: {name=, disk=, part0=, dev=, major=, minor=,
-- parts = { {bdev=, name=, major=, minor=, partno=, sectors=}... } (part0
-- first, as the part_tbl xarray holds it) }.
-- Built once per run: the dump does not change, and every one of the
-- (hundreds of) sys/block/<disk>/queue/<attr> emitters looks its disk up
-- here. Callers treat the list as read-only.
local disks_memo
-- every disk in class order with its partitions (records described above), built once per run
function M.disks()
  if disks_memo then return disks_memo end
  if not has_member("struct block_device", "bd_device") or
     not has_member("struct gendisk", "part_tbl") then
    error("block layer layout before 5.14 (hd_struct) is not decoded", 0)
  end
  local disk_type = kd.symbol_address("disk_type")
  local out = {}
  for _, dev in ipairs(M.class_devices()) do
    if pval(dev:member_("type")) == disk_type then
      local part0 = bdev_of_device(dev)
      local disk = part0.bd_disk
      local name = disk.disk_name:string_()
      local d = { name = name, disk = disk, part0 = part0, dev = dev, parts = {} }
      local devt = part0.bd_dev
      d.major, d.minor = fs.major(devt), fs.minor(devt)
      for _, ent in ipairs(xarray.entries(disk.part_tbl)) do
        local b = kd.object("struct block_device", ent[2])
        local bd = b.bd_dev
        d.parts[#d.parts + 1] = { bdev = b, name = M.bdev_name(b, name), major = fs.major(bd),
                                   minor = fs.minor(bd), partno = bdev_partno(b),
                                   sectors = M.nr_sectors(b) }
      end
      d.sectors = M.nr_sectors(part0)
      out[#out + 1] = d
    end
  end
  disks_memo = out
  return out
end

M.GENHD_FL_REMOVABLE, M.GENHD_FL_HIDDEN = 1, 2

-- true when the disk is hidden (GENHD_FL_HIDDEN)
function M.hidden(d) return d.disk.flags & M.GENHD_FL_HIDDEN ~= 0 end
-- 1 when the disk is removable (GENHD_FL_REMOVABLE), else 0, as lsblk RM
function M.removable(d) return d.disk.flags & M.GENHD_FL_REMOVABLE ~= 0 and 1 or 0 end

-- the read-only policy bit of a block_device (6.10 "block: move
-- ->bd_read_only into ->__bd_flags": BD_READ_ONLY, bit 8, replaced the bool)
local BD_READ_ONLY = 1 << 8
local function bdev_ro_flag(bdev)
  if has_member("struct block_device", "bd_read_only") then
    local ro = bdev.bd_read_only
    return ro == true or ro == 1
  end
  return bdev.__bd_flags.counter & BD_READ_ONLY ~= 0
end

-- get_disk_ro(): part0's read-only policy || GD_READ_ONLY (bit 1 of state)
function M.disk_ro(d)
  if bdev_ro_flag(d.part0) then return 1 end
  return (d.disk.state >> 1) & 1
end

-- the same for a struct gendisk object alone (device-mapper's tables)
function M.gendisk_ro(disk)
  return bdev_ro_flag(disk.part0) or (disk.state >> 1) & 1 == 1
end

-- 1 when partition p of disk d is read-only, by itself or through the disk (bdev_read_only)
function M.part_ro(d, p)
  if bdev_ro_flag(p.bdev) then return 1 end
  return M.disk_ro(d)
end

-- }======

-- {====== /proc/partitions and /proc/diskstats ======

-- text of /proc/partitions (block/genhd.c show_partition), "" when no disk has a size
function M.proc_partitions(disks)
  disks = disks or M.disks()
  local out = {}
  for _, d in ipairs(disks) do
    if d.sectors ~= 0 and not M.hidden(d) then
      for _, p in ipairs(d.parts) do
        if p.sectors ~= 0 then
          out[#out + 1] = string.format("%4d  %7d %10d %s\n", p.major, p.minor, p.sectors >> 1, p.name)
        end
      end
    end
  end
  if #out == 0 then return "" end
  return "major minor  #blocks  name\n\n" .. table.concat(out)
end

-- part_stat_read_all(): the per-CPU disk_stats summed over possible CPUs
function M.part_stats(bdev)
  local s = { nsecs = { 0, 0, 0, 0 }, sectors = { 0, 0, 0, 0 }, ios = { 0, 0, 0, 0 },
              merges = { 0, 0, 0, 0 }, io_ticks = 0, in_flight = { 0, 0 } }
  local base = pval(bdev:member_("bd_stats"))
  local sz = kd.type("struct disk_stats").size
  local offs = {}
  for _, f in ipairs({ "nsecs", "sectors", "ios", "merges", "io_ticks", "in_flight" }) do
    offs[f] = kd.member_offset("struct disk_stats", f)
  end
  local ngroups = kd.member_size("struct disk_stats", "ios") // 8
  for _, cpu in ipairs(kd.cpus("possible")) do
    local p = kd.per_cpu(kd.pointer("struct disk_stats", base), cpu):address_()
    local raw = kd.read(p, sz)
    for g = 1, ngroups do
      s.nsecs[g] = s.nsecs[g] + string.unpack("<I8", raw, offs.nsecs + (g - 1) * 8 + 1)
      s.sectors[g] = s.sectors[g] + string.unpack("<I8", raw, offs.sectors + (g - 1) * 8 + 1)
      s.ios[g] = s.ios[g] + string.unpack("<I8", raw, offs.ios + (g - 1) * 8 + 1)
      s.merges[g] = s.merges[g] + string.unpack("<I8", raw, offs.merges + (g - 1) * 8 + 1)
    end
    s.io_ticks = s.io_ticks + string.unpack("<I8", raw, offs.io_ticks + 1)
    for i = 1, 2 do
      s.in_flight[i] = s.in_flight[i] + string.unpack("<i8", raw, offs.in_flight + (i - 1) * 8 + 1)
    end
  end
  return s
end

local function queue_is_mq(q) return q.mq_ops ~= nil end

-- hardware contexts of a queue (6.1: hctx_table xarray; older: queue_hw_ctx array)
local function hctxs(q)
  local out = {}
  if has_member("struct request_queue", "hctx_table") then
    for _, e in ipairs(xarray.entries(q.hctx_table)) do out[#out + 1] = kd.object("struct blk_mq_hw_ctx", e[2]) end
  else
    local arr = pval(q:member_("queue_hw_ctx"))
    for i = 0, q.nr_hw_queues - 1 do
      out[#out + 1] = kd.object("struct blk_mq_hw_ctx", kd.read_u64(arr + i * 8))
    end
  end
  return out
end

-- set bits of an sbitmap (allocated tags)
local function sbitmap_tags(sb)
  local tags = {}
  local map = pval(sb:member_("map"))
  local shift, nr, depth = sb.shift, sb.map_nr, sb.depth
  local wsz = kd.type("struct sbitmap_word").size
  local woff = kd.member_offset("struct sbitmap_word", "word")
  local coff = kd.member_offset("struct sbitmap_word", "cleared")
  for i = 0, nr - 1 do
    local word = kd.read_u64(map + i * wsz + woff)
    local cleared = kd.read_u64(map + i * wsz + coff)
    word = word & ~cleared
    local bits = math.min(1 << shift, depth - (i << shift))
    for b = 0, bits - 1 do
      if (word >> b) & 1 == 1 then tags[#tags + 1] = (i << shift) + b end
    end
  end
  return tags
end

-- blk_mq_in_flight(q, part): started requests of the queue for this
-- partition (any partition when it is part0)
local MQ_RQ_IN_FLIGHT = 1
local function mq_in_flight(q, bdev)
  local n = 0
  local seen = {}
  local partno = bdev_partno(bdev)
  for _, h in ipairs(hctxs(q)) do
    local tags = h.tags
    if tags ~= nil and not seen[pval(tags)] then
      seen[pval(tags)] = true
      local rqs = pval(tags:member_("rqs"))
      local function scan(sbq, offset)
        for _, tag in ipairs(sbitmap_tags(sbq.sb)) do
          local rq = kd.read_u64(rqs + (tag + offset) * 8)
          if rq ~= 0 then
            local r = kd.object("struct request", rq)
            if pval(r:member_("q")) == pval(q) and
               (partno == 0 or pval(r:member_("part")) == pval(bdev)) and
               r.state == MQ_RQ_IN_FLIGHT then
              n = n + 1
            end
          end
        end
      end
      local nres = tags.nr_reserved_tags
      if has_member("struct blk_mq_tags", "bitmap_tags") then
        local bt = tags.bitmap_tags
        if bt:type_().kind == "pointer" then bt = bt:deref_() end
        scan(bt, nres)
        if nres > 0 then
          local br = tags.breserved_tags
          if br:type_().kind == "pointer" then br = br:deref_() end
          scan(br, 0)
        end
      end
    end
  end
  return n
end

-- requests in flight on a disk or partition (block/genhd.c part_in_flight,
-- blk_mq_in_flight for blk-mq queues)
function M.in_flight(d, bdev)
  local q = d.disk.queue
  if queue_is_mq(q) then return mq_in_flight(q, bdev) end
  local s = M.part_stats(bdev)
  local v = s.in_flight[1] + s.in_flight[2]
  if v < 0 then v = 0 end
  return v
end

local function jiffies_to_msecs(j)
  local hz = ktime.hz()
  return (j * 1000) // hz
end

-- text of /proc/diskstats (block/genhd.c diskstats_show)
function M.proc_diskstats(disks)
  disks = disks or M.disks()
  local out = {}
  local NSEC_PER_MSEC = 1000000
  for _, d in ipairs(disks) do
    for _, p in ipairs(d.parts) do
      if not (p.partno ~= 0 and p.sectors == 0) then
        local okf, inflight = pcall(M.in_flight, d, p.bdev)
        if not okf then inflight = 0 end
        local s = M.part_stats(p.bdev)
        local R, W, D, F = 1, 2, 3, 4
        out[#out + 1] = string.format(
          "%4d %7d %s %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d\n",
          p.major, p.minor, p.name,
          s.ios[R], s.merges[R], s.sectors[R], (s.nsecs[R] // NSEC_PER_MSEC) & 0xffffffff,
          s.ios[W], s.merges[W], s.sectors[W], (s.nsecs[W] // NSEC_PER_MSEC) & 0xffffffff,
          inflight, jiffies_to_msecs(s.io_ticks) & 0xffffffff,
          ((s.nsecs[R] + s.nsecs[W] + s.nsecs[D] + s.nsecs[F]) // NSEC_PER_MSEC) & 0xffffffff,
          s.ios[D], s.merges[D], s.sectors[D], (s.nsecs[D] // NSEC_PER_MSEC) & 0xffffffff,
          s.ios[F], (s.nsecs[F] // NSEC_PER_MSEC) & 0xffffffff)
      end
    end
  end
  return table.concat(out)
end

-- }======

-- {====== queue attributes (block/blk-sysfs.c) ======

-- QUEUE_FLAG_* bit numbers: read from blk-mq-debugfs's
-- blk_queue_flag_name[] ([QUEUE_FLAG_x] = "x") when the kernel has it, so
-- each kernel gives its own numbering; else 6.1's #defines
local QF61 = { NOMERGES = 3, SAME_COMP = 4, NONROT = 6, IO_STAT = 7, NOXMERGES = 9,
  ADD_RANDOM = 10, SAME_FORCE = 12, STABLE_WRITES = 15, POLL = 16, WC = 17, FUA = 18, DAX = 19 }
local QF
local function queue_flag_bits()
  if QF then return QF end
  local names = {}
  local ok = pcall(function()
    local arr = kd.symbol("blk_queue_flag_name")
    for i = 0, #arr - 1 do
      local p = arr[i]
      if p ~= nil then names[p:string_()] = i end
    end
  end)
  QF = (ok and next(names) ~= nil) and names or QF61
  return QF
end
-- map QUEUE_FLAG_* name -> bit, from blk_queue_flag_name when present, else the 6.1 values
M.queue_flag_bits = queue_flag_bits

local function qflag(q, name)
  local bit = queue_flag_bits()[name]
  if bit == nil then return 0 end             -- not a flag of this kernel
  return (q.queue_flags >> bit) & 1
end

-- 6.11 "block: move the ... flags to queue_limits->features": BLK_FEAT_* and
-- BLK_FLAG_* (#defines of include/linux/blkdev.h, 6.12 numbering)
local FEAT = { WRITE_CACHE = 0, FUA = 1, ROTATIONAL = 2, ADD_RANDOM = 3, IO_STAT = 4,
  STABLE_WRITES = 5, DAX = 8, POLL = 9, ZONED = 10 }
local LFLAG = { WRITE_CACHE_DISABLED = 0, MISALIGNED = 1 }
local function has_features() return has_member("struct queue_limits", "features") end
local function feat(q, name) return (q.limits.features >> FEAT[name]) & 1 end
local function lflag(l, name) return (l.flags >> LFLAG[name]) & 1 end
M.FEAT, M.LFLAG = FEAT, LFLAG

-- a queue property that was a QUEUE_FLAG bit before 6.11 and is a
-- limits.features bit since; inverted = the old flag meant the opposite
local function qprop(q, featname, flagname, inverted)
  if has_features() then return feat(q, featname) end
  local v = qflag(q, flagname)
  if inverted then v = 1 - v end
  return v
end

local function page_shift()
  local ps = kd.dump_info().page_size or 4096
  local s = 0
  while (1 << s) < ps do s = s + 1 end
  return s
end

-- elv_iosched_show()
function M.scheduler(q)
  if not queue_is_mq(q) then return "none" end
  local e = q.elevator
  local cur = e and e.type or nil
  local tag_set = q.tag_set
  local out = {}
  if not has_member("struct elevator_type", "elevator_features") then
    -- 6.10 "block: remove elevator required features": every registered
    -- elevator is listed, "none" first; BLK_MQ_F_NO_SCHED is 1 << 5 in
    -- that enum (the BLK_MQ_F_TAG_SHARED... renumbering of 6.9)
    if tag_set ~= nil and (tag_set.flags & (1 << 5)) ~= 0 then return "none" end
    out[1] = cur == nil and "[none] " or "none "
    for et in kd.list(kd.symbol("elv_list"), "struct elevator_type", "list") do
      local name = et.elevator_name:string_()
      if cur and pval(cur) == pval(et) then out[#out + 1] = "[" .. name .. "] "
      else out[#out + 1] = name .. " " end
    end
    return table.concat(out)
  end
  if cur == nil then out[#out + 1] = "[none] " end
  local req = has_member("struct request_queue", "required_elevator_features") and
              q.required_elevator_features or 0
  -- elv_support_iosched(): no BLK_MQ_F_NO_SCHED (bit 6 in 6.1) in the tag set
  local support = true
  if tag_set ~= nil then support = (tag_set.flags & (1 << 6)) == 0 end
  for et in kd.list(kd.symbol("elv_list"), "struct elevator_type", "list") do
    local name = et.elevator_name:string_()
    if cur and pval(cur) == pval(et) then
      out[#out + 1] = "[" .. name .. "] "
    elseif support and (et.elevator_features & req) == req then
      out[#out + 1] = name .. " "
    end
  end
  if cur ~= nil then out[#out + 1] = "none" end
  return table.concat(out)
end

-- wbt_lat_usec: nil when write-back throttling is off (the read fails
-- with EINVAL on the live system)
local function wbt_lat(q)
  local id = 0
  local ok, v = pcall(kd.enum_value, "enum rq_qos_id", "RQ_QOS_WBT")
  if ok then id = v end
  local r = q.rq_qos
  while r ~= nil do
    if r.id == id then
      local wb = kd.container_of(pval(r), "struct rq_wb", "rqos")
      return wb.min_lat_nsec // 1000
    end
    r = r.next
  end
  return nil
end

-- BLK_ZONED_* model (6.1); 6.10 "block: remove the blk_zoned_model enum"
-- left only host-managed, as BLK_FEAT_ZONED in limits.features since 6.11
local function zoned_model(q)
  if has_member("struct queue_limits", "zoned") then
    local z = q.limits.zoned
    if type(z) == "boolean" then return z and 2 or 0 end
    return z
  end
  if has_member("struct queue_limits", "features") then
    return (q.limits.features >> 10) & 1 == 1 and 2 or 0     -- BLK_FEAT_ZONED
  end
  return 0
end

-- name -> function(q, d) returning the text without the newline, or nil
-- (attribute not readable: EINVAL/EIO on the live system)
local A = {}
M.QUEUE_ATTRS = A
local function lim(f) return function(q) return tostring(q.limits[f]) end end
local function sect_bytes(f) return function(q) return tostring(q.limits[f] << 9) end end
A.nr_requests = function(q) return tostring(q.nr_requests) end
A.read_ahead_kb = function(q, d)
  return tostring(d.disk.bdi.ra_pages << (page_shift() - 10))
end
A.max_hw_sectors_kb = function(q) return tostring(q.limits.max_hw_sectors >> 1) end
A.max_sectors_kb = function(q) return tostring(q.limits.max_sectors >> 1) end
A.max_segments = lim("max_segments")
A.max_discard_segments = lim("max_discard_segments")
A.max_integrity_segments = lim("max_integrity_segments")
A.max_segment_size = lim("max_segment_size")
A.scheduler = function(q) return M.scheduler(q) end
A.hw_sector_size = lim("logical_block_size")
A.logical_block_size = lim("logical_block_size")
A.physical_block_size = lim("physical_block_size")
A.chunk_sectors = lim("chunk_sectors")
A.minimum_io_size = lim("io_min")
A.optimal_io_size = lim("io_opt")
A.discard_granularity = lim("discard_granularity")
A.discard_max_bytes = sect_bytes("max_discard_sectors")
A.discard_max_hw_bytes = sect_bytes("max_hw_discard_sectors")
A.discard_zeroes_data = function() return "0" end
A.write_same_max_bytes = function() return "0" end
A.write_zeroes_max_bytes = sect_bytes("max_write_zeroes_sectors")
A.zone_append_max_bytes = sect_bytes("max_zone_append_sectors")
A.zone_write_granularity = lim("zone_write_granularity")
A.rotational = function(q) return tostring(qprop(q, "ROTATIONAL", "NONROT", true)) end
A.zoned = function(q)
  local z = zoned_model(q)
  if z == 1 then return "host-aware" elseif z == 2 then return "host-managed" end
  return "none"
end
A.nr_zones = function(q, d)
  if has_member("struct gendisk", "nr_zones") then return tostring(d.disk.nr_zones) end
  return "0"
end
A.max_open_zones = function(q, d)
  if has_member("struct gendisk", "max_open_zones") then return tostring(d.disk.max_open_zones) end
  return "0"
end
A.max_active_zones = function(q, d)
  if has_member("struct gendisk", "max_active_zones") then return tostring(d.disk.max_active_zones) end
  return "0"
end
A.nomerges = function(q) return tostring((qflag(q, "NOMERGES") << 1) | qflag(q, "NOXMERGES")) end
A.rq_affinity = function(q) return tostring(qflag(q, "SAME_COMP") << qflag(q, "SAME_FORCE")) end
A.iostats = function(q) return tostring(qprop(q, "IO_STAT", "IO_STAT")) end
A.stable_writes = function(q) return tostring(qprop(q, "STABLE_WRITES", "STABLE_WRITES")) end
A.add_random = function(q) return tostring(qprop(q, "ADD_RANDOM", "ADD_RANDOM")) end
A.io_poll = function(q)
  -- 6.11+: blk_mq_can_poll() for blk-mq queues (a poll queue map with
  -- queues), BLK_FEAT_POLL for bio-based ones
  if has_features() and queue_is_mq(q) then
    local ok, n = pcall(function()
      local ts = q.tag_set
      if ts.nr_maps <= 2 then return 0 end              -- HCTX_TYPE_POLL = 2
      return ts.map[2].nr_queues
    end)
    return (ok and n > 0) and "1" or "0"
  end
  return tostring(qprop(q, "POLL", "POLL"))
end
A.write_cache = function(q)
  local wc
  if has_features() then
    wc = feat(q, "WRITE_CACHE") == 1 and lflag(q.limits, "WRITE_CACHE_DISABLED") == 0
  else
    wc = qflag(q, "WC") == 1
  end
  return wc and "write back" or "write through"
end
A.fua = function(q) return tostring(qprop(q, "FUA", "FUA")) end
A.dax = function(q) return tostring(qprop(q, "DAX", "DAX")) end
-- 6.11 atomic writes (queue_limits.atomic_write_*): units in bytes,
-- max/boundary in sectors shown as bytes
A.atomic_write_max_bytes = sect_bytes("atomic_write_max_sectors")
A.atomic_write_boundary_bytes = sect_bytes("atomic_write_boundary_sectors")
A.atomic_write_unit_min_bytes = lim("atomic_write_unit_min")
A.atomic_write_unit_max_bytes = lim("atomic_write_unit_max")
A.wbt_lat_usec = function(q)
  local v = wbt_lat(q)
  return v and tostring(v) or nil
end
A.io_poll_delay = function(q)
  if not has_member("struct request_queue", "poll_nsec") then return "-1" end
  local v = q.poll_nsec
  if v == -1 then return "-1" end
  return tostring(v // 1000)
end
A.io_timeout = function(q) return tostring(jiffies_to_msecs(q.rq_timeout)) end
A.virt_boundary_mask = lim("virt_boundary_mask")
A.dma_alignment = function(q)
  if has_member("struct queue_limits", "dma_alignment") then return tostring(q.limits.dma_alignment) end
  return tostring(q.dma_alignment)
end

-- names of the queue attributes this kernel has (its queue_attrs[] array,
-- so other versions list their own set), filtered by queue_attr_visible()
function M.queue_attr_names(q)
  local names = {}
  local mq_only = {}
  local function take(sym, only_mq)
    local arr = kd.symbol(sym)
    for i = 0, #arr - 1 do
      local a = arr[i]
      if a == nil then break end
      local n = a.name:string_()
      names[#names + 1] = n
      if only_mq then mq_only[n] = true end
    end
  end
  local ok = pcall(take, "queue_attrs")
  -- 6.11 "block: split the blk-mq-only queue attributes into their own
  -- group" (blk_mq_queue_attrs, visible only on blk-mq queues)
  if ok and kd.symbol_address("blk_mq_queue_attrs") then
    ok = pcall(take, "blk_mq_queue_attrs", true)
  end
  if not ok or #names == 0 then
    names = {}
    for k in pairs(A) do names[#names + 1] = k end
    table.sort(names)
  end
  local out = {}
  for _, n in ipairs(names) do
    local visible = not mq_only[n] or queue_is_mq(q)
    if n == "io_timeout" then
      visible = q.mq_ops ~= nil and q.mq_ops:member_("timeout"):value_() ~= 0
    elseif n == "max_open_zones" or n == "max_active_zones" then
      visible = zoned_model(q) ~= 0
    end
    if visible then out[#out + 1] = n end
  end
  return out
end

-- text of /sys/block/<disk>/queue/<attr>: text, or nil, reason
function M.queue_attr(d, name)
  local f = A[name]
  if f == nil then return nil, "queue attribute " .. name .. " is not decoded" end
  local q = d.disk.queue
  local ok, v = pcall(f, q, d)
  if not ok then return nil, fs.errmsg(v) end
  if v == nil then return nil, "reading " .. name .. " fails on the live system (EINVAL: feature off)" end
  return v .. "\n"
end

-- }======

-- {====== lsblk / blockdev ======

-- size_to_human_string(SIZE_SUFFIX_1LETTER) of util-linux
M.human = require("kernel.util").human_size

-- loop device backing file path (lo_file_name, as the "backing_file" attribute
-- shows it through d_path of lo_backing_file when set)
function M.loop_backing_file(d)
  if d.major ~= 7 then return nil end
  local ok, r = pcall(function()
    local lo = kd.object("struct loop_device", pval(d.disk:member_("private_data")))
    local f = lo.lo_backing_file
    if f == nil then return nil end
    local rd, rm = require("kernel.mount").reader_root()
    return fs.d_path(f.f_path, rd, rm)
  end)
  if ok then return r end
  return nil
end

-- whether a loop device is bound, from sysfs: its disk has the "loop"
-- attribute group (loop/backing_file, ...) exactly while it is --
-- loop_sysfs_init() when a file is set (LOOP_SET_FD, LOOP_CONFIGURE),
-- loop_sysfs_exit() when it is cleared -- which is what lsblk reads to
-- leave empty loop devices out.  No loop module type is needed (asking
-- for struct loop_device opens the module debug files: ~30 M instructions
-- in a report worker on the 6.1 fixture, whose eight loop devices are all
-- unbound).  nil when the disk's sysfs node cannot be read
function M.loop_bound(d)
  local ok, r = pcall(function()
    local sd = d.dev.kobj.sd
    if sd == nil then return nil end
    return require("kernel.devices").kernfs_has_dir(pval(sd), "loop")
  end)
  if ok then return r end
  return nil
end

-- `losetup -a` (util-linux 2.38 printf_loopdev): the bound loop devices in
-- /proc/partitions order, "DEV: [DEVNO]:INODE (FILE)" with the backing
-- inode's device number in huge_encode_dev() form (LOOP_GET_STATUS64's
-- lo_device, printed as a decimal), then ", offset N", ", sizelimit N"
function M.losetup_a()
  local out = {}
  for _, d in ipairs(M.disks()) do
    -- an unbound loop device has capacity 0 (loop_clr_fd sets it so): only
    -- the others need the driver's types
    if d.major == 7 and d.sectors ~= 0 then
      if not kd.has_type("struct loop_device") then
        return nil, "loop devices present, but the loop driver's types are not available "
          .. "(no debuginfo for the loop module): bindings not read"
      end
      local lo = kd.object("struct loop_device", pval(d.disk:member_("private_data")))
      local f = lo.lo_backing_file
      if f ~= nil then
        local name = M.loop_backing_file(d) or lo.lo_file_name:string_()
        local inode = f.f_inode
        local dev = inode.i_sb.s_dev
        local major, minor = fs.major(dev), fs.minor(dev)
        local enc = (minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12)
        local line = string.format("/dev/%s: [%04d]:%d (%s)", d.name, enc, inode.i_ino, name)
        if lo.lo_offset ~= 0 then line = line .. ", offset " .. lo.lo_offset end
        if lo.lo_sizelimit ~= 0 then line = line .. ", sizelimit " .. lo.lo_sizelimit end
        out[#out + 1] = line .. "\n"
      end
    end
  end
  return table.concat(out)
end

-- alignment_offset / discard_alignment sysfs attributes (bdev_alignment_offset,
-- bdev_discard_alignment)
local function alignment_offset(d, p)
  local l = d.disk.queue.limits
  -- 6.11 moved queue_limits.misaligned into limits.flags (BLK_FLAG_MISALIGNED)
  local mis
  if has_member("struct queue_limits", "misaligned") then
    mis = l.misaligned ~= 0 and l.misaligned ~= false
  else
    mis = lflag(l, "MISALIGNED") == 1
  end
  if mis then return -1 end
  if p.partno == 0 then return l.alignment_offset end
  local gran = math.max(l.physical_block_size, l.io_min)
  local sector = p.bdev.bd_start_sect
  local alignment = (sector % (gran >> 9)) << 9
  return (gran + l.alignment_offset - alignment) % gran
end

local function discard_alignment(d, p)
  local l = d.disk.queue.limits
  if p.partno == 0 then return l.discard_alignment end
  if l.max_discard_sectors == 0 then return 0 end
  local alignment, gran = l.discard_alignment >> 9, l.discard_granularity >> 9
  if gran == 0 then return 0 end
  local off = p.bdev.bd_start_sect % gran
  return ((gran + alignment - off) % gran) << 9
end

local function sched_name(q)
  local s = M.scheduler(q)
  return s:match("%[([^%]]*)%]") or ""
end

-- mountpoints of a device number in init's namespace (lsblk: by devno)
local function mountpoints_by_dev()
  local mount = require("kernel.mount")
  local map = {}
  local es = mount.entries(mount.reader_task())
  for _, e in ipairs(es or {}) do
    local key = e.major .. ":" .. e.minor
    map[key] = map[key] or {}
    table.insert(map[key], { target = fs.unescape(e.target), sb = e.sb, fstype = fs.unescape(e.fstype) })
  end
  -- swap areas on block devices ([SWAP])
  pcall(function()
    local n = kd.symbol("nr_swapfiles"):value_()
    local si = kd.symbol("swap_info")
    for i = 0, n - 1 do
      local s = si[i]
      if s ~= nil and s.flags & 1 ~= 0 and s.bdev ~= nil then   -- SWP_USED
        local bd = s.bdev.bd_dev
        local ino = s.swap_file.f_inode
        if ino ~= nil and fs.ifmt(ino.i_mode) == fs.S_IFBLK then
          local key = fs.major(bd) .. ":" .. fs.minor(bd)
          map[key] = map[key] or {}
          table.insert(map[key], { target = "[SWAP]", swap = true })
        end
      end
    end
  end)
  return map
end

-- device-mapper name and uuid of a dm disk (sysfs dm/name, dm/uuid), from
-- kernel/dm.lua's devices (the dm-ioctl hash cells); nil when device-mapper
-- is absent or its types are missing
local dm_by_disk
-- device-mapper name and uuid of a dm disk (sysfs dm/name, dm/uuid), nil otherwise
function M.dm_name_uuid(d)
  if not d.name:match("^dm%-") then return nil end
  if dm_by_disk == nil then
    dm_by_disk = {}
    local ok, devs = pcall(function() return require("kernel.dm").devices() end)
    for _, v in ipairs(ok and devs or {}) do dm_by_disk[v.disk] = v end
  end
  local v = dm_by_disk[d.name]
  if v then return v.name, v.uuid end
  return nil
end

-- the disks a disk is stacked on (its /sys/block/X/slaves): the
-- bd_holder_disk entries of disk->slave_bdevs.  6.1 keeps the slave's
-- block_device there; 6.12 ("block: remove ->bd_holder_disks" era) only its
-- bd_holder_dir, matched against every device's
local function slaves_of(d, by_holder_dir, by_bdev)
  local out = {}
  if not has_member("struct gendisk", "slave_bdevs") then return out end
  for h in kd.list(d.disk.slave_bdevs, "struct bd_holder_disk", "list") do
    local s
    if has_member("struct bd_holder_disk", "bdev") then s = by_bdev[pval(h:member_("bdev"))]
    else s = by_holder_dir[pval(h:member_("holder_dir"))] end
    if s then out[#out + 1] = s end
  end
  return out
end

-- the devices lsblk shows, as rows: {name, parent=, d=, p=} sorted by MAJ:MIN
-- (lsblk default since 2.33), partitions as children of their disk, and a
-- stacked device (dm) as a child of each device it sits on (lsblk's
-- holders tree), not at the top.  all: -a (also empty devices and RAM disks)
local function lsblk_devices(all)
  local disks = M.disks()
  local list = {}
  -- who holds whom: holder entries under each slave (disk or partition)
  local by_holder_dir, by_bdev = {}, {}
  for _, d in ipairs(disks) do
    for _, p in ipairs(d.parts) do
      local ent = { d = d, p = p }
      by_bdev[pval(p.bdev)] = ent
      if has_member("struct block_device", "bd_holder_dir") then
        by_holder_dir[pval(p.bdev:member_("bd_holder_dir"))] = ent
      end
    end
  end
  local holders, stacked = {}, {}
  for _, d in ipairs(disks) do
    local ok, sl = pcall(slaves_of, d, by_holder_dir, by_bdev)
    for _, s in ipairs(ok and sl or {}) do
      local key = pval(s.p.bdev)
      holders[key] = holders[key] or {}
      table.insert(holders[key], d)
      stacked[d] = true
    end
  end
  M.lsblk_holders = holders
  for _, d in ipairs(disks) do
    local size = d.sectors << 9
    local keep = true
    if not all then
      if d.major == 1 then keep = false end                       -- RAM disks
      -- an empty loop device: size 0 and no file bound (sysfs; else the
      -- loop driver's own record)
      if size == 0 and d.major == 7 then
        local bound = M.loop_bound(d)
        if bound == nil then bound = M.loop_backing_file(d) ~= nil end
        if not bound then keep = false end
      end
    end
    if M.hidden(d) or stacked[d] then keep = false end
    if keep then
      local kids = {}
      for _, p in ipairs(d.parts) do
        if p.partno ~= 0 and (all or p.sectors ~= 0) then kids[#kids + 1] = p end
      end
      table.sort(kids, function(a, b) return a.minor < b.minor end)
      list[#list + 1] = { d = d, p = d.parts[1], kids = kids }
    end
  end
  table.sort(list, function(a, b)
    if a.d.major ~= b.d.major then return a.d.major < b.d.major end
    return a.d.minor < b.d.minor
  end)
  return list
end

local function dev_type(d, p)
  if p.partno ~= 0 then return "part" end
  if d.name:match("^loop") then return "loop" end
  if d.name:match("^md") then return "md" end
  if d.name:match("^dm%-") then
    -- util-linux get_type(): the dm uuid's prefix before "-", lowercased
    -- ("LVM-..." -> lvm; "part" prefixes of kpartx cut to "part"), else "dm"
    local _, uuid = M.dm_name_uuid(d)
    if uuid and uuid ~= "" then
      local pre = uuid:match("^([^-]*)")
      if pre:lower():sub(1, 4) == "part" then pre = pre:sub(1, 4) end
      return pre:lower()
    end
    return "dm"
  end
  if d.major == 11 then return "rom" end
  return "disk"
end

-- one lsblk row of values for the given column names
local function cells(cols, d, p, mps, opts)
  local key = p.major .. ":" .. p.minor
  local row = {}
  local q = d.disk.queue
  for _, c in ipairs(cols) do
    local v = ""
    if c == "NAME" then v = (p.partno == 0 and M.dm_name_uuid(d)) or p.name
    elseif c == "MAJ:MIN" then v = string.format("%3d:%-3d", p.major, p.minor)
    elseif c == "RM" then v = tostring(M.removable(d))
    elseif c == "SIZE" then v = M.human(p.sectors << 9)
    elseif c == "RO" then v = tostring(p.partno == 0 and M.disk_ro(d) or M.part_ro(d, p))
    elseif c == "TYPE" then v = dev_type(d, p)
    elseif c == "MOUNTPOINTS" then
      local t = {}
      for _, m in ipairs(mps[key] or {}) do t[#t + 1] = m.target end
      v = table.concat(t, "\n")
    elseif c == "FSTYPE" then
      local m = (mps[key] or {})[1]
      v = m and (m.swap and "swap" or m.fstype) or ""
    elseif c == "LABEL" or c == "UUID" then
      -- mounted filesystems' superblocks (M.fs_tags, as blkid below)
      local m = (mps[key] or {})[1]
      local ok, t = pcall(function() return m and m.sb and M.fs_tags(m.sb, m.fstype) end)
      if ok and t then
        if c == "UUID" then v = (t.uuid and t.uuid ~= "<none>") and t.uuid or "" else v = t.label or "" end
      end
    elseif c == "FSVER" then v = ""
    elseif c == "FSAVAIL" or c == "FSUSE%" then
      local m = (mps[key] or {})[1]
      if m and m.sb then
        local st = require("kernel.mount").statfs(m.sb)
        if st and st.blocks ~= 0 then
          if c == "FSAVAIL" then
            local b = st.bsize * st.bavail
            v = b == 0 and "0" or M.human(b)
          else
            v = string.format("%.0f%%", (st.blocks - st.bfree) / st.blocks * 100)
          end
        elseif st then
          v = c == "FSUSE%" and "-" or ""
        end
      end
    elseif c == "ALIGNMENT" then v = tostring(alignment_offset(d, p))
    elseif c == "MIN-IO" then v = tostring(q.limits.io_min)
    elseif c == "OPT-IO" then v = tostring(q.limits.io_opt)
    elseif c == "PHY-SEC" then v = tostring(q.limits.physical_block_size)
    elseif c == "LOG-SEC" then v = tostring(q.limits.logical_block_size)
    elseif c == "ROTA" then v = A.rotational(q)
    elseif c == "SCHED" then v = sched_name(q)
    elseif c == "RQ-SIZE" then v = tostring(q.nr_requests)
    elseif c == "RA" then v = A.read_ahead_kb(q, d)
    elseif c == "WSAME" then v = M.human(0)
    elseif c == "DISC-ALN" then
      v = q.limits.discard_granularity > 0 and tostring(discard_alignment(d, p)) or "0"
    elseif c == "DISC-GRAN" then v = M.human(q.limits.discard_granularity)
    elseif c == "DISC-MAX" then v = M.human(q.limits.max_discard_sectors << 9)
    elseif c == "DISC-ZERO" then v = "0"
    end
    row[#row + 1] = v
  end
  return row
end

local RIGHT = { RM = true, SIZE = true, RO = true, ALIGNMENT = true, ["MIN-IO"] = true,
  ["OPT-IO"] = true, ["PHY-SEC"] = true, ["LOG-SEC"] = true, ROTA = true, ["RQ-SIZE"] = true,
  RA = true, WSAME = true, ["DISC-ALN"] = true, ["DISC-GRAN"] = true, ["DISC-MAX"] = true,
  ["DISC-ZERO"] = true, FSAVAIL = true, ["FSUSE%"] = true }

-- lsblk with the given columns; tree (default) or list (-l); all (-a).
-- Multi-line cells (several mountpoints) continue on following lines as
-- libsmartcols prints wrapped cells.
function M.lsblk(cols, opts)
  opts = opts or {}
  local mount = require("kernel.mount")
  local mps = mountpoints_by_dev()
  local rows = {}
  local devs = lsblk_devices(opts.all)
  local holders = M.lsblk_holders or {}
  -- a device, then its children: its partitions, then the devices stacked
  -- on it (sorted by MAJ:MIN), each with the tree prefix of its depth
  local function add(d, p, prefix, branch, depth)
    local r = cells(cols, d, p, mps, opts)
    if opts.tree then r[1] = prefix .. branch .. r[1] end
    rows[#rows + 1] = r
    if depth > 16 then return end
    local kids = {}
    if p.partno == 0 then
      for _, k in ipairs(d.parts) do
        if k.partno ~= 0 and (opts.all or k.sectors ~= 0) then kids[#kids + 1] = { d = d, p = k } end
      end
      table.sort(kids, function(a, b) return a.p.minor < b.p.minor end)
    end
    local hs = {}
    for _, h in ipairs(holders[pval(p.bdev)] or {}) do hs[#hs + 1] = { d = h, p = h.parts[1] } end
    table.sort(hs, function(a, b)
      if a.d.major ~= b.d.major then return a.d.major < b.d.major end
      return a.d.minor < b.d.minor
    end)
    for _, h in ipairs(hs) do kids[#kids + 1] = h end
    local np = prefix
    if branch == "└─" then np = prefix .. "  " elseif branch == "├─" then np = prefix .. "│ " end
    for i, k in ipairs(kids) do
      add(k.d, k.p, opts.tree and np or "", opts.tree and (i == #kids and "└─" or "├─") or "", depth + 1)
    end
  end
  for _, ent in ipairs(devs) do add(ent.d, ent.p, "", "", 0) end
  -- expand multi-line cells into continuation rows
  local out = {}
  for _, r in ipairs(rows) do
    local maxl = 1
    local split = {}
    for i, c in ipairs(r) do
      local parts = {}
      for l in (c .. "\n"):gmatch("([^\n]*)\n") do parts[#parts + 1] = l end
      split[i] = parts
      if #parts > maxl then maxl = #parts end
    end
    for li = 1, maxl do
      local nr = {}
      for i = 1, #r do nr[i] = split[i][li] or "" end
      out[#out + 1] = nr
    end
  end
  local right = {}
  for i, c in ipairs(cols) do right[i] = RIGHT[c] end
  return mount.table_text(cols, out, right)
end

-- text of plain `lsblk` (NAME MAJ:MIN RM SIZE RO TYPE MOUNTPOINTS, as a tree)
function M.lsblk_default()
  return M.lsblk({ "NAME", "MAJ:MIN", "RM", "SIZE", "RO", "TYPE", "MOUNTPOINTS" }, { tree = true })
end

-- lsblk -f -a -l: FSTYPE/FSVER/LABEL/UUID come from on-disk signatures
-- (udev db / blkid); only mounted filesystems' types are in memory
function M.lsblk_fal()
  return M.lsblk({ "NAME", "FSTYPE", "FSVER", "LABEL", "UUID", "FSAVAIL", "FSUSE%", "MOUNTPOINTS" },
                 { all = true }),
         "FSTYPE/FSVER/LABEL/UUID are on-disk signatures (blkid/udev): shown only for mounted " ..
         "filesystems, from their superblocks (UUID and LABEL of ext2/3/4 and XFS; an ext4 LABEL " ..
         "only when its superblock page is in the dump), never FSVER"
end

-- text of `lsblk -t` (topology columns, as a tree)
function M.lsblk_t()
  return M.lsblk({ "NAME", "ALIGNMENT", "MIN-IO", "OPT-IO", "PHY-SEC", "LOG-SEC", "ROTA", "SCHED",
                   "RQ-SIZE", "RA", "WSAME" }, { tree = true })
end

-- text of `lsblk -D` (discard columns, as a tree)
function M.lsblk_D()
  return M.lsblk({ "NAME", "DISC-ALN", "DISC-GRAN", "DISC-MAX", "DISC-ZERO" }, { tree = true })
end

-- blockdev --report: every /proc/partitions device, in that order
-- ("RO    RA   SSZ   BSZ   StartSec            Size   Device");
-- BSZ is the block size of the opened device's page-cache inode
-- (i_blkbits of bd_inode: 1024 unless a filesystem set it), StartSec the
-- partition start
function M.blockdev_report()
  local disks = M.disks()
  local out = { "RO    RA   SSZ   BSZ        StartSec            Size   Device\n" }
  for _, d in ipairs(disks) do
    if d.sectors ~= 0 and not M.hidden(d) then
      local q = d.disk.queue
      for _, p in ipairs(d.parts) do
        if p.sectors ~= 0 then
          local ro = p.partno == 0 and M.disk_ro(d) or M.part_ro(d, p)
          local ra = d.disk.bdi.ra_pages << (page_shift() - 9)      -- BLKRAGET: sectors
          local ssz = q.limits.logical_block_size
          local bsz = 1 << M.bdev_inode(p.bdev).i_blkbits
          local start = has_member("struct block_device", "bd_start_sect") and p.bdev.bd_start_sect or 0
          out[#out + 1] = string.format("%s %5d %5d %5d %15d %15d   %s\n", ro == 1 and "ro" or "rw", ra, ssz,
            bsz, start, p.sectors << 9, "/dev/" .. p.name)
        end
      end
    end
  end
  return table.concat(out)
end

-- }======

-- {====== ls -lanR /sys/block ======

local KERNFS_DIR, KERNFS_FILE, KERNFS_LINK = 1, 2, 4

local function kn_type(kn) return kn.flags & 0xf end
local function kn_name(kn) return kd.read_string(pval(kn:member_("name")), 256) end

local function kn_children(kn)
  local out = {}
  for c in kd.rbtree(kn.dir.children, "struct kernfs_node", "rb") do out[#out + 1] = c end
  return out
end

-- kernfs_get_target_path(): relative link text from directory `parent`
local function target_path(parent, target)
  local s = {}
  local base = parent
  while base.parent ~= nil do
    local k = target.parent
    while k.parent ~= nil and pval(base) ~= pval(k) do k = k.parent end
    if pval(base) == pval(k) then break end
    s[#s + 1] = "../"
    base = base.parent
  end
  local names = {}
  local k = target
  while k.parent ~= nil and pval(k) ~= pval(base) do
    table.insert(names, 1, kn_name(k))
    k = k.parent
  end
  return table.concat(s) .. table.concat(names, "/")
end

local function timespec_sec(ts)
  if type(ts) == "number" then return ts end
  return ts.tv_sec
end

-- mtime of an inode (6.1 i_mtime; 6.6+ __i_mtime / i_mtime_sec)
local function inode_mtime(inode)
  if has_member("struct inode", "i_mtime") then return timespec_sec(inode.i_mtime) end
  if has_member("struct inode", "i_mtime_sec") then return inode.i_mtime_sec end
  return timespec_sec(inode.__i_mtime)
end

-- ls -l time column: "%b %e %H:%M", or "%b %e  %Y" when more than six
-- months old or in the future (UTC: the dump has no time zone)
function M.ls_time(t, now)
  local six = 31556952 // 2
  local d = os.date("!*t", t)
  local mon = os.date("!%b", t)
  if now - t > six or t > now + 60 then
    return string.format("%s %2d  %d", mon, d.day, d.year)
  end
  return string.format("%s %2d %02d:%02d", mon, d.day, d.hour, d.min)
end

-- `ls -lanR /sys/block`: names, modes and link targets from kernfs
-- nodes; times from the sysfs inodes when they are in the inode cache,
-- else the crash time (ls creates uncached kernfs inodes with the current
-- time); owners 0 0 (kernfs nodes of the init namespace)
function M.ls_sys_block(now)
  local mount = require("kernel.mount")
  local blk = kd.symbol("block_depr")
  local kn = blk.sd
  if kn == nil then error("no /sys/block kernfs node", 0) end
  local sysroot_kn = kn.parent
  -- the sysfs superblock's dentries for cached inode times
  local sys_dentry
  for _, e in ipairs(mount.entries(mount.reader_task()) or {}) do
    if fs.unescape(e.fstype) == "sysfs" then sys_dentry = e.mnt.mnt.mnt_root break end
  end
  local function cached_mtime(dent_parent, name)
    if dent_parent == nil then return nil end
    local c = fs.d_child(dent_parent, name)
    if c == nil or c.d_inode == nil then return nil, nil end
    return inode_mtime(c.d_inode), c
  end
  local function kn_time(node, fallback)
    local ia = node.iattr
    if ia ~= nil then
      local ok, t = pcall(function() return timespec_sec(ia.ia_mtime) end)
      if ok then return t end
    end
    return fallback
  end
  local block_dent
  local block_t
  if sys_dentry then block_t, block_dent = cached_mtime(sys_dentry, "block") end
  local sys_t = sys_dentry and sys_dentry.d_inode and inode_mtime(sys_dentry.d_inode) or nil
  local rows = {}
  local function subdirs(node) return node.dir.subdirs end
  rows[#rows + 1] = { mode = kn.mode | 0x4000, nlink = subdirs(kn) + 2, t = kn_time(kn, block_t or now), name = "." }
  rows[#rows + 1] = { mode = sysroot_kn.mode | 0x4000, nlink = subdirs(sysroot_kn) + 2,
                      t = kn_time(sysroot_kn, sys_t or now), name = ".." }
  for _, c in ipairs(kn_children(kn)) do
    local ty = kn_type(c)
    local name = kn_name(c)
    local t = kn_time(c, (block_dent and select(1, cached_mtime(block_dent, name))) or now)
    local r = { name = name, t = t }
    if ty == KERNFS_LINK then
      r.mode = 0xa000 | 0x1ff
      r.nlink = 1
      r.target = target_path(kn, c.symlink.target_kn)
    elseif ty == KERNFS_DIR then
      r.mode = 0x4000 | c.mode
      r.nlink = subdirs(c) + 2
    else
      r.mode = 0x8000 | c.mode
      r.nlink = 1
    end
    rows[#rows + 1] = r
  end
  table.sort(rows, function(a, b) return a.name < b.name end)
  local wl = 1
  for _, r in ipairs(rows) do wl = math.max(wl, #tostring(r.nlink)) end
  local out = { "/sys/block:\n", "total 0\n" }
  for _, r in ipairs(rows) do
    out[#out + 1] = string.format("%s %" .. wl .. "d 0 0 0 %s %s%s\n", fs.mode_string(r.mode), r.nlink,
      M.ls_time(r.t, now), r.name, r.target and (" -> " .. r.target) or "")
  end
  return table.concat(out)
end

-- }======

-- {====== blkid ======

-- `blkid -c /dev/null` (util-linux 2.38) probes every block device's
-- first sectors; a dump holds those sectors only in the page cache, which
-- kdump's filters leave out.  What the kernel keeps is the superblock of
-- each mounted filesystem: the UUID (super_block.s_uuid), and per
-- filesystem the label and block size libblkid would print.  One line per
-- mounted device, in /proc/partitions order, tags in libblkid's order
-- (LABEL, UUID, BLOCK_SIZE, TYPE).  Returns text, the reason for what is
-- left out (always: devices without a mounted filesystem, PART* tags).
-- the blkid tags of a mounted filesystem's superblock: {label=, uuid=,
-- bsize=} and a reason for a tag left out; nil for a type not decoded
function M.fs_tags(sb, fstype)
  local uuid = require("kernel.ext4").uuid_string(kd.read(sb.s_uuid:address_(), 16))
  if fstype:match("^ext[234]$") then
    -- libblkid ext: LABEL from s_volume_name, BLOCK_SIZE the fs block size
    local label, why = require("kernel.ext4").label(sb)
    return { label = label, uuid = uuid, bsize = sb.s_blocksize }, not label and why or nil
  elseif fstype == "xfs" then
    -- libblkid xfs: LABEL from sb_fname[12], BLOCK_SIZE the sector size
    local ok, mp = pcall(kd.object, "struct xfs_mount", pval(sb.s_fs_info))
    if not ok or not has_member("struct xfs_mount", "m_sb") then
      return { uuid = uuid }, "xfs types not available: LABEL and BLOCK_SIZE left out"
    end
    local fname = kd.read(mp.m_sb.sb_fname:address_(), 12):match("^[^%z]*")
    return { label = fname ~= "" and fname or nil, uuid = uuid, bsize = mp.m_sb.sb_sectsize }
  end
  return nil
end

function M.blkid()
  local by_dev = {}
  for _, sb in ipairs(fs.superblocks()) do
    if pval(sb:member_("s_bdev")) ~= 0 then
      local dev = sb.s_dev
      by_dev[fs.major(dev) .. ":" .. fs.minor(dev)] = sb
    end
  end
  local out, notes, seen_note = {}, {}, {}
  local function note(s) if s and not seen_note[s] then seen_note[s] = true; notes[#notes + 1] = s end end
  for _, d in ipairs(M.disks()) do
    for _, p in ipairs(d.parts) do
      local sb = by_dev[p.major .. ":" .. p.minor]
      if sb then
        local fstype = fs.fstype_name(sb)
        local name = "/dev/" .. p.name
        local dmname = p.partno == 0 and M.dm_name_uuid(d)
        if dmname then name = "/dev/mapper/" .. dmname end   -- blkid names dm devices so
        local t, why = M.fs_tags(sb, fstype)
        if t then
          local line = { name .. ":" }
          if t.label then line[#line + 1] = string.format('LABEL="%s"', t.label) end
          if t.uuid ~= "<none>" then line[#line + 1] = string.format('UUID="%s"', t.uuid) end
          if t.bsize then line[#line + 1] = string.format('BLOCK_SIZE="%d"', t.bsize) end
          line[#line + 1] = string.format('TYPE="%s"', fstype)
          out[#out + 1] = table.concat(line, " ") .. "\n"
          if why then note(name .. ": LABEL left out (" .. why .. ")") end
        else
          note(name .. " (" .. fstype .. "): its superblock is not decoded")
        end
      end
    end
  end
  local why = "only mounted filesystems, from their in-memory superblocks (blkid reads every " ..
    "device's first sectors, page cache a dump leaves out): unmounted devices, swap, " ..
    "partition-table and RAID/LVM signatures and PART* tags are left out"
  if #notes > 0 then why = why .. "; " .. table.concat(notes, "; ") end
  return table.concat(out), why
end

-- }======

return M
