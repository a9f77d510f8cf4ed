-- fidelity/rules/storage.lua: device-mapper (sos's devicemapper plugin),
-- SCSI (scsi plugin) and NFS (nfs/nfsserver plugins, /proc/fs/nfsd,
-- mountstats) against the live outputs of the 6.12 fixture's truth/
-- (dmsetup 1.02.185, sys/class/scsi_*, /proc/fs/nfsd).  Schema:
-- fidelity/init.lua.

local DM = "dm-ioctl name index (hash_cell rbtree), md->flags DMF_SUSPENDED, open_count, event_nr, "
  .. "the live dm_table's targets and devices; "

return {
  -- {====== devicemapper ======
  ["sos_commands/devicemapper/dmsetup_info_-c"] = { truth = "cmd/dmsetup-info-c.txt", class = "static",
    note = DM .. "libdm's column widths. Open counts and events were unchanged since the capture." },
  ["sos_commands/devicemapper/dmsetup_table"] = { truth = "cmd/dmsetup-table.txt", class = "static",
    note = DM .. "linear_c / stripe_c parameters as their STATUSTYPE_TABLE prints them." },
  ["sos_commands/devicemapper/dmsetup_status"] = { truth = "cmd/dmsetup-status.txt", class = "static",
    note = DM .. "STATUSTYPE_INFO: linear prints nothing, striped its devices and A/D health." },
  ["sos_commands/devicemapper/dmsetup_ls_--tree"] = { truth = "cmd/dmsetup-ls-tree.txt", class = "static",
    note = DM .. "dm_table.devices in DM_TABLE_DEPS order; dmsetup's ascii tree." },
  -- }======

  -- {====== scsi ======
  ["sys/class/scsi_host/*/*"] = { truth = "sys/class/scsi_host/*/*", class = "static",
    note = "shost_class devices -> Scsi_Host: hostt->proc_name, unique_id, shost_state, can_queue, "
      .. "cmd_per_lun, sg_tablesize, tag_set.nr_hw_queues as scsi_sysfs.c prints them." },
  ["sys/class/scsi_device/*/device/*"] = { truth = "sys/class/scsi_device/*/device/*", class = "static",
    note = "shost->__devices: INQUIRY vendor/model/rev (%.Ns), sdev_state, type, scsi_level, "
      .. "queue_depth, simple_tags, device_blocked, rq_timeout / HZ, the raw INQUIRY data." },
  ["sys/class/scsi_device/*/device/iorequest_cnt"] = { truth = "sys/class/scsi_device/*/device/iorequest_cnt",
    class = "drifting", kind = "lines", transform = "hex_numbers", tolerance = { ["*"] = { monotonic = true } },
    note = "a counter (hex): I/O went on after the capture (the truth was written, the filesystems "
      .. "kept working), so it may only be at or above the live value." },
  ["sys/class/scsi_device/*/device/iodone_cnt"] = { truth = "sys/class/scsi_device/*/device/iodone_cnt",
    class = "drifting", kind = "lines", transform = "hex_numbers", tolerance = { ["*"] = { monotonic = true } },
    note = "a counter (hex), as iorequest_cnt." },
  ["sys/class/scsi_device/*/device/ioerr_cnt"] = { truth = "sys/class/scsi_device/*/device/ioerr_cnt",
    class = "drifting", kind = "lines", transform = "hex_numbers", tolerance = { ["*"] = { monotonic = true } },
    note = "a counter (hex), as iorequest_cnt." },
  ["sys/class/scsi_device/*/device/wwid"] = { truth = "sys/class/scsi_device/*/device/wwid", class = "stub",
    note = "scsi_vpd_lun_id()'s choice among VPD page 0x83 designators is not decoded (stub). On the "
      .. "6.12 fixture the live read failed (empty file: QEMU's page has no designator it accepts)." },
  ["sys/class/scsi_host/*/host_busy"] = { truth = "sys/class/scsi_host/*/host_busy", class = "drifting",
    kind = "lines", tolerance = { ["*"] = { any = true } },
    note = "started requests in the host's disks' blk-mq tags (block.in_flight), scsi_host_busy() "
      .. "counts the same tags; commands in flight come and go (INDEX: drifting)." },
  ["sos_commands/scsi/lsscsi"] = { truth = nil, class = "stub",
    note = "lsscsi -i: the udev ID column is user-space state; the rest is lsscsi's default line. The "
      .. "truth has a busybox loop instead (cmd/scsi-devices.txt: tests/sh/test_storage.sh compares "
      .. "vendor/model/rev/state/block with it)." },
  ["sos_commands/scsi/lsscsi_-H"] = { truth = nil, class = "static",
    note = "lsscsi -H: host numbers and proc_name; no live counterpart in truth/ (sys/class/scsi_host "
      .. "is compared instead)." },
  -- }======
}
