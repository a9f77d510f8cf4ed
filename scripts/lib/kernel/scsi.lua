-- kernel/scsi.lua: SCSI hosts (struct Scsi_Host) and their devices
-- (struct scsi_device), the attributes /sys/class/scsi_host/hostN/* and
-- /sys/class/scsi_device/H:C:T:L/device/* show, and lsscsi-style listings.
--
-- Hosts: the devices of shost_class (registration order), each the
-- shost_dev inside a Scsi_Host; devices: shost->__devices (siblings).  The
-- block device of a scsi_device is the gendisk whose parent device is its
-- sdev_gendev (sd, sr: the upper driver's disk), found through
-- kernel/block.lua's disk list.  "In flight" per device is
-- iorequest_cnt - iodone_cnt (dispatched to the LLD, not yet completed:
-- scsi_dispatch_cmd / scsi_finish_command); the block layer's count of the
-- disk's started requests comes from kernel/block.lua's in_flight.
--
-- Mirrors: drivers/scsi/hosts.c, drivers/scsi/scsi_sysfs.c,
--   drivers/scsi/scsi_lib.c, include/scsi/scsi_host.h,
--   include/scsi/scsi_device.h

local fs = require("kernel.fs")
local block = require("kernel.block")

local M = {}

local pval = fs.pval

-- drivers/scsi/scsi_sysfs.c shost_states[] / sdev_states[]
local SHOST_STATE = {
  SHOST_CREATED = "created", SHOST_RUNNING = "running", SHOST_CANCEL = "cancel",
  SHOST_DEL = "deleted", SHOST_RECOVERY = "recovery",
  SHOST_CANCEL_RECOVERY = "cancel/recovery", SHOST_DEL_RECOVERY = "deleted/recovery",
}
local SDEV_STATE = {
  SDEV_CREATED = "created", SDEV_RUNNING = "running", SDEV_CANCEL = "cancel",
  SDEV_DEL = "deleted", SDEV_QUIESCE = "quiesce", SDEV_OFFLINE = "offline",
  SDEV_TRANSPORT_OFFLINE = "transport-offline", SDEV_BLOCK = "blocked",
  SDEV_CREATED_BLOCK = "created-blocked",
}

-- lsscsi's scsi_short_device_types[] (peripheral device type, SPC)
local SHORT_TYPE = {
  [0] = "disk   ", "tape   ", "printer", "process", "worm   ", "cd/dvd ", "scanner",
  "optical", "mediumx", "comms  ", "(0xa)  ", "(0xb)  ", "storage", "enclosu",
  "sim dsk", "opti rd", "bridge ", "osd    ", "adi    ", "sec man", "zbc    ",
}

local function enum_text(map, typename, v)
  local ok, name = pcall(kd.enum_name, typename, v)
  if ok and name and map[name] then return map[name] end
  return nil
end

-- why there is nothing to list, or nil
function M.absent_reason()
  local present, known = require("kernel.util").subsystem_present("scsi_mod", { "shost_class" })
  if not present then return "none present (the SCSI midlayer is not loaded)" end
  if not known then
    return "scsi_mod is loaded but its symbols were not read (no scsi_mod debug or symbol file)"
  end
  if not kd.has_type("struct Scsi_Host") or not kd.has_type("struct scsi_device") then
    return "SCSI types not available (scsi_mod loaded without debug info)"
  end
  return nil
end

-- fixed-width INQUIRY string (vendor 8, model 16, rev 4): the kernel prints
-- "%.Ns", so stop at a NUL
local function inq_string(ptr, n)
  if ptr == 0 then return "" end
  local raw = kd.read(ptr, n)
  return (raw:match("^[^%z]*"))
end

local function disks_by_parent()
  local out = {}
  local ok, disks = pcall(block.disks)
  if not ok then return out end
  for _, d in ipairs(disks) do
    local parent = pval(d.dev:member_("parent"))
    if parent ~= 0 then out[parent] = d end
  end
  return out
end

-- designator_prio() (drivers/scsi/scsi_lib.c): preference of a VPD page
-- 0x83 designator for the LUN's id, 0 = not usable
local function designator_prio(d, i)
  local b1, len = d:byte(i + 1), d:byte(i + 3)
  if b1 & 0x30 ~= 0 or len == 0 then return 0 end   -- not the LUN's / empty
  local typ = b1 & 0xf
  if typ == 8 then return 9                          -- SCSI name string
  elseif typ == 3 then                               -- NAA
    local naa = (d:byte(i + 4) or 0) >> 4
    return ({ [6] = 8, [5] = 5, [4] = 4, [3] = 1 })[naa] or 0
  elseif typ == 2 then                               -- EUI-64
    return ({ [16] = 7, [12] = 6, [8] = 3 })[len] or 0
  elseif typ == 1 then return 2                      -- T10 vendor id
  end
  return 0
end

local function hexbytes(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end

-- scsi_vpd_lun_id() over the bytes of VPD page 0x83, as the wwid
-- attribute prints it: the id and "\n", or "" when the kernel returns an
-- error (no usable designator: a copy of the file is empty); nil when a
-- T10 id holds bytes %pE would escape (not decoded)
local ID_LEN = 4096                                  -- PAGE_SIZE buffer
-- the wwid attribute text of a device from its VPD page 0x83 bytes (scsi_vpd_lun_id)
function M.vpd_lun_id(data)
  local cur_prio, cur_size, id_size, id = 0, 0, -1, ""
  local i = 4                                        -- 0-based offset
  while i < #data do
    local len = data:byte(i + 4)
    if len == nil then break end
    local prio = designator_prio(data, i + 1)
    local typ = data:byte(i + 2) & 0xf
    local body = data:sub(i + 5, i + 4 + len)
    if prio ~= 0 and cur_prio <= prio then
      if typ == 1 then
        if cur_size <= len then
          cur_prio, cur_size = prio, len
          if not body:match("^[\32-\126]*$") then return nil end
          id = "t10." .. body
          id_size = #id
        end
      elseif typ == 2 or typ == 3 then
        cur_prio, cur_size = prio, len
        local okn = (typ == 2 and (len == 8 or len == 12 or len == 16))
                 or (typ == 3 and (len == 8 or len == 16))
        if okn then
          id = (typ == 2 and "eui." or "naa.") .. hexbytes(body)
          id_size = #id
        end
      elseif typ == 8 then
        if cur_size <= len then
          local skip = false
          if len > ID_LEN then prio = 2; skip = cur_prio > prio end
          if not skip then
            cur_prio, cur_size, id_size = prio, len, len
            id = body:sub(1, math.min(len, ID_LEN - 1))
          end
        end
      end
    end
    i = i + len + 4
  end
  if id_size > 0 then return id:sub(1, id_size) .. "\n" end
  return ""
end

local function read_sdev(sdev, hz, disks)
  local q = sdev.request_queue
  local gendev_addr = sdev.sdev_gendev:address_()
  local d = disks[gendev_addr]
  local req, done = sdev.iorequest_cnt.counter, sdev.iodone_cnt.counter
  local st = sdev.sdev_state
  local rec = {
    host = sdev.host.host_no, channel = sdev.channel, id = sdev.id, lun = sdev.lun,
    vendor = inq_string(pval(sdev:member_("vendor")), 8),
    model = inq_string(pval(sdev:member_("model")), 16),
    rev = inq_string(pval(sdev:member_("rev")), 4),
    state = enum_text(SDEV_STATE, "enum scsi_device_state", st) or tostring(st),
    type = sdev.type, scsi_level = sdev.scsi_level, queue_depth = sdev.queue_depth,
    queue_type = sdev.simple_tags ~= 0 and sdev.simple_tags ~= false and "simple" or "none",
    device_blocked = sdev.device_blocked.counter,
    iorequest_cnt = req, iodone_cnt = done, ioerr_cnt = sdev.ioerr_cnt.counter,
    in_flight = req - done,
    timeout = (q and hz) and (q.rq_timeout // hz) or nil,
    disk = d and d.name or nil,
    disk_dev = d and (d.major .. ":" .. d.minor) or nil,
    disk_sectors = d and d.sectors or nil,
  }
  if d then
    local ok, n = pcall(block.in_flight, d, d.part0)
    if ok then rec.disk_in_flight = n end
  end
  -- wwid: scsi_vpd_lun_id() on VPD page 0x83
  if kd.has_member("struct scsi_device", "vpd_pg83") and kd.has_type("struct scsi_vpd") then
    local p83 = pval(sdev:member_("vpd_pg83"))
    if p83 == 0 then
      rec.wwid = ""                   -- -ENXIO: a copy of the file is empty
    else
      local ok, w = pcall(function()
        local v = kd.object("struct scsi_vpd", p83)
        return M.vpd_lun_id(kd.read(pval(v.data), v.len))
      end)
      if ok then rec.wwid = w end
    end
  end
  local inq = pval(sdev:member_("inquiry"))
  if inq ~= 0 then
    local ok, raw = pcall(kd.read, inq, sdev.inquiry_len)
    if ok then rec.inquiry = raw end
  end
  rec.hctl = string.format("%d:%d:%d:%d", rec.host, rec.channel, rec.id, rec.lun)
  return rec
end

-- Every SCSI host with its devices:
-- { host_no, proc_name, unique_id, state, can_queue, cmd_per_lun,
--   sg_tablesize, nr_hw_queues, devices = { {hctl, vendor, model, rev,
--   state, type, scsi_level, queue_depth, queue_type, device_blocked,
--   iorequest_cnt, iodone_cnt, ioerr_cnt, in_flight, timeout, disk,
--   disk_in_flight, inquiry}... } }, or nil, reason.
-- Built once per run (the dump does not change; every sysfs attribute
-- emitter looks its host or device up here); callers treat it read-only.
local hosts_memo
-- every SCSI host with its devices (records described above), built once per run; or nil, reason
function M.hosts()
  if hosts_memo then return hosts_memo end
  local why = M.absent_reason()
  if why then return nil, why end
  local hz = require("kernel.time").hz()
  local disks = disks_by_parent()
  local out = {}
  for _, dev in ipairs(block.class_devices(kd.symbol("shost_class"))) do
    local sh = kd.container_of(pval(dev), "struct Scsi_Host", "shost_dev")
    local st = sh.shost_state
    local h = {
      host_no = sh.host_no,
      proc_name = kd.read_string(pval(sh.hostt:member_("proc_name")), 64),
      unique_id = sh.unique_id,
      state = enum_text(SHOST_STATE, "enum scsi_host_state", st) or tostring(st),
      can_queue = sh.can_queue, cmd_per_lun = sh.cmd_per_lun,
      sg_tablesize = sh.sg_tablesize,
      nr_hw_queues = sh.tag_set.nr_hw_queues,
      devices = {},
    }
    local busy = 0
    for sdev in kd.list(sh.__devices, "struct scsi_device", "siblings") do
      local rec = read_sdev(sdev, hz, disks)
      h.devices[#h.devices + 1] = rec
      busy = (busy and rec.disk_in_flight) and busy + rec.disk_in_flight or nil
    end
    -- host_busy: scsi_host_busy() counts the tag set's started commands;
    -- the same tags, read per request queue by block.in_flight, summed
    -- over the host's disks (nil when a device has no disk to read)
    h.host_busy = busy
    table.sort(h.devices, function(a, b)
      if a.channel ~= b.channel then return a.channel < b.channel end
      if a.id ~= b.id then return a.id < b.id end
      return a.lun < b.lun
    end)
    out[#out + 1] = h
  end
  table.sort(out, function(a, b) return a.host_no < b.host_no end)
  hosts_memo = out
  return out
end

-- is the SCSI midlayer in this dump at all (loaded or built in)?
function M.loaded()
  return (require("kernel.util").subsystem_present("scsi_mod", { "shost_class" }))
end

-- {====== sysfs attributes ======

-- /sys/class/scsi_host/hostN/<attr>, as scsi_sysfs.c prints them
M.HOST_ATTRS = {
  proc_name = function(h) return h.proc_name .. "\n" end,
  unique_id = function(h) return h.unique_id .. "\n" end,
  state = function(h) return h.state .. "\n" end,
  can_queue = function(h) return h.can_queue .. "\n" end,
  cmd_per_lun = function(h) return h.cmd_per_lun .. "\n" end,
  sg_tablesize = function(h) return h.sg_tablesize .. "\n" end,
  nr_hw_queues = function(h) return h.nr_hw_queues .. "\n" end,
  host_busy = function(h) return h.host_busy and (h.host_busy .. "\n") or nil end,
}

local function hex(v) return string.format("0x%x\n", v) end

-- /sys/class/scsi_device/H:C:T:L/device/<attr>
M.DEVICE_ATTRS = {
  vendor = function(s) return s.vendor .. "\n" end,
  model = function(s) return s.model .. "\n" end,
  rev = function(s) return s.rev .. "\n" end,
  state = function(s) return s.state .. "\n" end,
  type = function(s) return s.type .. "\n" end,
  scsi_level = function(s) return s.scsi_level .. "\n" end,
  queue_depth = function(s) return s.queue_depth .. "\n" end,
  queue_type = function(s) return s.queue_type .. "\n" end,
  device_blocked = function(s) return s.device_blocked .. "\n" end,
  iorequest_cnt = function(s) return hex(s.iorequest_cnt) end,
  iodone_cnt = function(s) return hex(s.iodone_cnt) end,
  ioerr_cnt = function(s) return hex(s.ioerr_cnt) end,
  timeout = function(s) return s.timeout and (s.timeout .. "\n") or nil end,
  inquiry = function(s) return s.inquiry end,
  wwid = function(s) return s.wwid end,
}

-- }======

-- {====== lsscsi ======

-- lsscsi 0.32's line (one_sdev_entry): "[H:C:T:L]" in 13 columns, the
-- short type and a blank, vendor "%-8s ", model "%-16s ", rev "%-4s  ",
-- the device node "%-9s" ("-" without one); opts.majmin (-d) appends
-- "[maj:min]" of the node, opts.generic (-g) "  %-9s" with the sg node,
-- opts.size (-s) "  %6s" with the disk's size; opts.list (-L) adds the
-- device's attributes below its line.
-- Returns text, plus a reason when a column could not be decoded.
function M.lsscsi(hosts, opts)
  opts = opts or {}
  local out, why = {}, nil
  local have_sg = kd.symbol_address("sg_sysfs_class") ~= nil
  for _, h in ipairs(hosts) do
    for _, s in ipairs(h.devices) do
      local line = string.format("%-13s%s %-8s %-16s %-4s  %-9s", "[" .. s.hctl .. "]",
        SHORT_TYPE[s.type] or string.format("type%-3d", s.type), s.vendor, s.model, s.rev,
        s.disk and ("/dev/" .. s.disk) or "-")
      if opts.majmin and s.disk_dev then line = line .. "[" .. s.disk_dev .. "]" end
      if opts.generic then
        if have_sg then why = "sg (SCSI generic) device names are not decoded" end
        line = line .. string.format("  %-9s", "-")
      end
      if opts.size then
        -- -s: the disk's size for direct-access types (disk, cd/dvd, rbc,
        -- zbc: is_direct_access_dev), sysfs "size" (512-byte sectors) in
        -- bytes through size2string with powers of 1000
        local da = s.type == 0 or s.type == 5 or s.type == 0xe or s.type == 0x14
        local bytes = (da and s.disk_sectors) and s.disk_sectors << 9 or 0
        line = line .. string.format("  %6s", bytes > 0 and M.size2string(bytes, 1000) or "-")
      end
      out[#out + 1] = line .. "\n"
      if opts.list then
        -- -L (long_opt 3, longer_d_entry): the device's sysfs attributes,
        -- one "  name=value" a line, in lsscsi's order; iocounterbits is
        -- the kernel's sizeof(atomic_t) * 8 (show_iostat_counterbits)
        local A = M.DEVICE_ATTRS
        for _, a in ipairs({ "device_blocked", "iocounterbits", "iodone_cnt", "ioerr_cnt",
                             "iorequest_cnt", "queue_depth", "queue_type", "scsi_level",
                             "state", "timeout", "type" }) do
          local v
          if a == "iocounterbits" then v = tostring(kd.type("atomic_t").size * 8)
          else v = A[a](s) end
          if v ~= nil then
            out[#out + 1] = "  " .. a .. "=" .. v:gsub("\n$", "") .. "\n"
          else
            why = why or (a .. " not readable from the dump")
          end
        end
      end
    end
  end
  return table.concat(out), why
end

-- lsscsi's size2string(): three significant figures in units of `div`
-- (1000: B, kB, MB...; 1024: B, KiB, MiB...), the fraction truncated
local UNITS = { [1000] = { "B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB" },
                [1024] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB" } }
function M.size2string(size, div)
  local units, i, rem, frac = UNITS[div], 1, 0, ""
  if size >= div then
    while size >= div and units[i + 1] do
      rem = size % div
      size = size // div
      i = i + 1
    end
    local cap, j = size, 0
    while cap * 10 < 1000 do cap = cap * 10; j = j + 1 end
    if j > 0 then frac = string.format(".%03d", rem * 1000 // div):sub(1, j + 1) end
  end
  return string.format("%d%s%s", size, frac, units[i])
end

-- `lsscsi -H` (one_host_entry): "[N]  " then "  %-12s  " with proc_name
function M.lsscsi_hosts(hosts)
  local out = {}
  for _, h in ipairs(hosts) do
    out[#out + 1] = string.format("[%d]    %-12s  \n", h.host_no, h.proc_name)
  end
  return table.concat(out)
end

-- }======

return M
