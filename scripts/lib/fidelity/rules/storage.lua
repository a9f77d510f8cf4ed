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
  ["sys/class/scsi_device/*/device/wwid"] = { truth = "sys/class/scsi_device/*/device/wwid", class = "static",
    note = "scsi_vpd_lun_id() over vpd_pg83: the preferred LUN designator (SCSI name, NAA, EUI-64, T10). "
      .. "On the 6.12 fixture QEMU's page holds only a vendor-specific designator, so the live read "
      .. "failed (-EINVAL) and the file is empty, as here." },
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
  ["sos_commands/scsi/lsscsi_-g"] = { truth = nil, class = "static",
    note = "lsscsi -g: the default line plus the sg node ('-' without the sg driver); no live "
      .. "counterpart in truth/." },
  ["sos_commands/scsi/lsscsi_-d"] = { truth = nil, class = "static",
    note = "lsscsi -d: the default line plus [major:minor] of the block device; no live counterpart." },
  ["sos_commands/scsi/lsscsi_-s"] = { truth = nil, class = "static",
    note = "lsscsi -s: the default line plus the disk's size (size2string, powers of 1000); no live "
      .. "counterpart (tests/lua/each_fixture/lsscsi.lua checks the sizes against sys/block/*/size)." },
  ["sos_commands/scsi/lsscsi_-L"] = { truth = nil, class = "static",
    note = "lsscsi -L: the default line, then each device attribute as 'name=value' (the io*_cnt "
      .. "counters drift; each_fixture/lsscsi.lua checks the static ones against sys/class/scsi_device)." },
  -- }======

  -- {====== nfs ======
  ["proc/fs/nfsfs/servers"] = { truth = "proc/fs/nfsfs/servers", class = "static",
    note = "nfs_client of each NFS superblock (the per-net list is in nfs.ko's private nfs_net): "
      .. "rpc_ops->version, the transport's hex address/port strings, cl_count, cl_hostname." },
  ["proc/fs/nfsfs/volumes"] = { truth = "proc/fs/nfsfs/volumes", class = "static",
    note = "nfs_server of each NFS superblock: s_dev, fsid, fscache cookie." },
  ["proc/self/mountstats"] = { truth = "proc/self/mountstats", class = "drifting", kind = "lines",
    static_lines = { "^device ", "^no device", "^\topts:", "^\timpl_id:", "^\tcaps:", "^\tnfsv4:",
                     "^\tsec:", "^\tRPC iostats", "^\tper%-op" },
    tolerance = { age = { monotonic = true, abs = 600 },
                  ["xprt:_tcp"] = { monotonic = true, ignore = { 5 } },
                  ["*"] = { monotonic = true } },
    note = "show_vfsstat's device line of every mount (exact), then nfs_show_stats of the NFS mount: "
      .. "options with their defaults, caps, the NFSv4 bitmaps and lease, the flavour (exact); the "
      .. "mount's age, the per-CPU nfs_iostats events and bytes, the transport's and every "
      .. "procedure's RPC counters only grow after the capture (the transport's idle time, its "
      .. "5th number, moves either way)." },
  ["proc/fs/nfsd/threads"] = { truth = "proc/fs/nfsd/threads", class = "static",
    note = "svc_serv.sv_nrthreads, the serv of init_net's nfsd_net (nfsd.ko's types from its BTF "
      .. "in the dump when its debug file has no DWARF)." },
  ["proc/fs/nfsd/pool_threads"] = { truth = "proc/fs/nfsd/pool_threads", class = "static",
    note = "sv_pools[i].sp_nrthreads." },
  ["proc/fs/nfsd/max_block_size"] = { truth = "proc/fs/nfsd/max_block_size", class = "static",
    note = "the nfsd_max_blksize global (symbol)." },
  ["proc/fs/nfsd/max_connections"] = { truth = "proc/fs/nfsd/max_connections", class = "static",
    note = "nn->max_connections (write_maxconn)." },
  ["proc/fs/nfsd/nfsv4recoverydir"] = { truth = "proc/fs/nfsd/nfsv4recoverydir", class = "static",
    note = "the user_recovery_dirname global (symbol)." },
  ["proc/fs/nfsd/versions"] = { truth = "proc/fs/nfsd/versions", class = "static",
    note = "__write_versions: the nfsd program's version table (built-in versions), "
      .. "nn->nfsd_versions and nfsd4_minorversions." },
  ["proc/fs/nfsd/nfsv4leasetime"] = { truth = "proc/fs/nfsd/nfsv4leasetime", class = "static",
    note = "nn->nfsd4_lease." },
  ["proc/fs/nfsd/nfsv4gracetime"] = { truth = "proc/fs/nfsd/nfsv4gracetime", class = "static",
    note = "nn->nfsd4_grace." },
  ["proc/fs/nfsd/portlist"] = { truth = "proc/fs/nfsd/portlist", class = "static",
    note = "svc_xprt_names: the serv's sv_permsocks, class name and local port." },
  ["proc/fs/nfsd/exports"] = { truth = "proc/fs/nfsd/exports", class = "static",
    note = "e_show over nn->svc_export_cache's hash chains: path as the reader's root shows it, "
      .. "client name, expflags/fsid/anon ids/secinfo of valid entries." },
  ["proc/fs/nfsd/pool_stats"] = { truth = "proc/fs/nfsd/pool_stats", class = "drifting",
    kind = "lines", key = 1, tolerance = { ["*"] = { monotonic = true } },
    note = "svc_pool_stats_show: per-CPU counters of each pool; requests kept arriving (the NFS "
      .. "client on the same machine) after the capture, so they only grow." },
  ["proc/fs/nfsd/reply_cache_stats"] = { truth = "proc/fs/nfsd/reply_cache_stats", class = "drifting",
    kind = "keyvalue", tolerance = { ["*"] = { monotonic = true } },
    note = "nfsd_reply_cache_stats_show: nfsd_net's DRC settings and per-CPU counters; the "
      .. "counters grow with the requests served after the capture." },
  ["proc/fs/nfsd/filecache"] = { truth = "proc/fs/nfsd/filecache", class = "drifting",
    kind = "lines", tolerance = { ["*"] = { monotonic = true }, ["mean_age_(ms"] = { abs = 3600000 } },
    note = "nfsd_file_cache_stats_show: nfsd.ko's file cache (list_lru entries, rhltable counts) "
      .. "and its per-CPU counters, which only grow; the mean age moves either way." },
  ["proc/fs/nfsd/*"] = { truth = "proc/fs/nfsd/*", class = "stub",
    note = "another nfsd file, or any of them without nfsd.ko's types (DWARF or BTF): a stub "
      .. "naming why." },
  ["proc/fs/nfsd/clients/*/info"] = { truth = "proc/fs/nfsd/clients/*/info", class = "drifting",
    kind = "lines", tolerance = { seconds_from_last_renew = { abs = 90 } },
    note = "client_info_show of each nfs4_client (nn's conf/unconf id hash chains, the folder "
      .. "named after its nfsd dentry); the seconds since the last renewal move with the client's "
      .. "renewals (within a lease time)." },
  ["proc/fs/nfsd/clients/*/states"] = { truth = "proc/fs/nfsd/clients/*/states", class = "static",
    note = "states_show over the client's cl_stateids idr: open, lock and delegation stateids "
      .. "with their files (s_dev, i_ino, the last two path components) and owners." },
  ["sos_commands/nfs/exportfs_-v"] = { truth = "cmd/exportfs-v.txt", class = "stub",
    note = "exportfs -v prints rpc.mountd's etab (user space, not in the dump): a stub naming "
      .. "proc/fs/nfsd/exports, the kernel's export cache." },
  ["sos_commands/nfs/nfsstat_-o_all"] = { truth = nil, class = "drifting",
    note = "nfs-utils 2.6.2 nfsstat over the rebuilt /proc/net/rpc/nfsd and /proc/net/rpc/nfs "
      .. "(their counters are compared there); no live nfsstat in truth/." },
  ["proc/net/rpc/nfs"] = { truth = "proc/net/rpc/nfs", class = "drifting", kind = "lines", key = 1,
    tolerance = { ["*"] = { monotonic = true } },
    note = "rpc_proc_show of the client's rpc_stat (nfs_net.rpcstats, 6.9+; nfs_rpcstat before) and "
      .. "each registered version's call counts; the client kept calling after the capture, so the "
      .. "counters only grow." },
  ["proc/net/rpc/nfsd"] = { truth = "proc/net/rpc/nfsd", class = "drifting", kind = "lines", key = 1,
    tolerance = { ["*"] = { monotonic = true } },
    note = "nfsd_show + svc_seq_show: nfsd_net's per-CPU counters and svc_stat, the version "
      .. "tables' per-CPU call counts; requests kept coming after the capture, so they only grow." },
  ["proc/net/rpc/*/content"] = { truth = "proc/net/rpc/*/content", class = "none",
    note = "sunrpc cache contents (export, fh, idmap, auth.unix.ip): the entries are nfsd-private "
      .. "structures: not emitted." },
  ["var/lib/nfs/etab"] = { truth = "var/lib/nfs/etab", class = "none",
    note = "a file of rpc.mountd on disk (user space): not in the dump." },
  ["etc/exports"] = { truth = "etc/exports", class = "none", note = "a configuration file on disk." },
  -- }======
}
