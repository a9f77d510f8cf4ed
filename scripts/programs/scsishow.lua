-- kdlua scsishow: SCSI hosts and devices (vendor, model, revision, state, block device) and commands in flight
--
-- Over kernel/scsi.lua (shost_class, shost->__devices; scsi_device state
-- names of scsi_sysfs.c).

local program = require("program")

return program.define{
  name = "scsishow",
  usage = nil,
  description = [[
Every SCSI host (driver, state, queue limits) and its devices at the time of
the crash: H:C:T:L, vendor, model, revision, state, type, queue depth, the
block device (sd/sr disk) and commands in flight. "In flight" is
iorequest_cnt - iodone_cnt (commands dispatched to the driver and not yet
completed); "disk I/O" is the block layer's count of started requests of
the device's disk. A device that is not running, or a host that is not, is
a WARNING; so are I/O errors (ioerr_cnt) as an INFO.]],
  options = {},
  run = function(p)
    local scsi = require("kernel.scsi")
    local okc, hosts, why = pcall(scsi.hosts)
    if not okc then
      why = "cannot read: " .. program.errmsg(hosts); hosts = nil
    end
    if not hosts then
      p:line("SCSI: %s", why)
      p:set("present", false)
      p:set("reason", why)
      p:set("hosts", {})
      if not why:match("^none present") then p:warning("SCSI: " .. why) end
      return
    end
    p:set("present", true)
    if #hosts == 0 then
      p:line("SCSI: none present (no SCSI hosts)")
      p:set("hosts", {})
      return
    end
    local ndev = 0
    for _, h in ipairs(hosts) do ndev = ndev + #h.devices end
    p:line("%d SCSI host(s), %d device(s)", #hosts, ndev)
    local jhosts = {}
    for _, h in ipairs(hosts) do
      p:section(string.format("host%d  %s  (%s)", h.host_no, h.proc_name, h.state))
      p:line("  can_queue %d, cmd_per_lun %d, sg_tablesize %d, hw queues %d%s", h.can_queue,
             h.cmd_per_lun, h.sg_tablesize, h.nr_hw_queues,
             h.host_busy and (", busy " .. h.host_busy) or "")
      if h.state ~= "running" then p:warning(string.format("host%d is %s", h.host_no, h.state)) end
      local rows, jdevs = {}, {}
      for _, s in ipairs(h.devices) do
        rows[#rows + 1] = { s.hctl, s.vendor, s.model, s.rev, s.state, s.type, s.queue_depth,
                            s.disk or "-", s.in_flight, s.disk_in_flight, s.ioerr_cnt }
        if s.state ~= "running" then p:warning(string.format("%s (%s) is %s", s.hctl, s.disk or "-", s.state)) end
        if s.ioerr_cnt > 0 then
          p:info(string.format("%s (%s): %d command(s) ended in error", s.hctl, s.disk or "-", s.ioerr_cnt))
        end
        local js = {}
        for k, v in pairs(s) do if k ~= "inquiry" then js[k] = v end end
        jdevs[#jdevs + 1] = js
      end
      if #rows > 0 then
        p:table({ { "H:C:T:L" }, { "VENDOR" }, { "MODEL" }, { "REV" }, { "STATE" }, { "TYPE", align = "right" },
                  { "QDEPTH", align = "right" }, { "DISK" }, { "IN FLIGHT", align = "right" },
                  { "DISK I/O", align = "right" }, { "IOERR", align = "right" } }, rows, { indent = "  " })
      else
        p:line("  no devices")
      end
      jhosts[#jhosts + 1] = { host_no = h.host_no, proc_name = h.proc_name, state = h.state,
        unique_id = h.unique_id, can_queue = h.can_queue, cmd_per_lun = h.cmd_per_lun,
        sg_tablesize = h.sg_tablesize, nr_hw_queues = h.nr_hw_queues, host_busy = h.host_busy,
        devices = jdevs }
    end
    p:set("hosts", jhosts)
  end,
}
