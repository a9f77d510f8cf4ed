-- report/sos_paths.lua: what a real sos report holds, per sos plugin --
-- the yardstick of sos_reports/coverage.json.
--
-- Derived from ../shared/reference/sos-archive-layout.md (a real sos 4.0
-- report, Debian 12, -o kernel,process,memory,networking,block,processor,
-- filesys,systemd): its sos_commands/ lists, its proc/ and sys/ files and
-- root symlinks, each put under the plugin whose setup() collects it in
-- sos 4.0 (the plugin sources were read for that attribution only).  Two
-- entries come from those sources alone because the layout's lists are a
-- subset: kernel's `lsmod` (+ root symlink) and `proc/modules`; host's
-- commands (host was not in that run's -o list).
--
-- Entry forms: a plain path; "dir/" = anything below dir; "*" = one path
-- component; "{pid}" = a per-process template (matched against emitters
-- registered with that same template).  Root symlinks are plain names.

return {
  kernel = {
    "sos_commands/kernel/dmesg",
    "sos_commands/kernel/ls_-lt_.sys.kernel.slab",
    "sos_commands/kernel/lsmod",
    "sos_commands/kernel/sysctl_-a",
    "sos_commands/kernel/uname_-a",
    "proc/buddyinfo",
    "proc/cmdline",
    "proc/kallsyms",
    "proc/locks",
    "proc/misc",
    "proc/modules",
    "proc/slabinfo",
    "proc/softirqs",
    "proc/sys/kernel/random/boot_id",
    "proc/sys/kernel/tainted",
    "proc/zoneinfo",
    "lsmod",
    "uname",
  },
  process = {
    "sos_commands/process/lsof_-b_M_-n_-l_-c",
    "sos_commands/process/ps_-elfL",
    "sos_commands/process/ps_alxwww",
    "sos_commands/process/ps_auxwww",
    "sos_commands/process/ps_auxwwwm",
    "sos_commands/process/ps_axo_flags_state_uid_pid_ppid_pgid_sid_cls_pri_addr_sz_wchan_20_lstart_tty_time_cmd",
    "sos_commands/process/ps_axo_pid_ppid_user_group_lwp_nlwp_start_time_comm_cgroup",
    "sos_commands/process/pstree_-lp",
    "proc/stat",
    "sys/kernel/debug/sched/debug",
    "ps",
    "pstree",
    "lsof",
  },
  memory = {
    "sos_commands/memory/free",
    "sos_commands/memory/free_-m",
    "sos_commands/memory/lsmem_-a_-o_RANGE_SIZE_STATE_REMOVABLE_ZONES_NODE_BLOCK",
    "sos_commands/memory/slabtop_-o",
    "sos_commands/memory/swapon_--bytes_--show",
    "sos_commands/memory/swapon_--summary_--verbose",
    "proc/meminfo",
    "proc/pagetypeinfo",
    "proc/swaps",
    "proc/vmallocinfo",
    "proc/vmstat",
    "sys/kernel/mm/transparent_hugepage/",   -- sos 4.x (layout notes, "later releases")
    "free",
  },
  networking = {
    "sos_commands/networking/bridge_-d_vlan_show",
    "sos_commands/networking/bridge_-s_-s_-d_-t_fdb_show",
    "sos_commands/networking/bridge_-s_-s_-d_-t_mdb_show",
    "sos_commands/networking/bridge_-s_-s_-d_link_show",
    "sos_commands/networking/ip_-4_rule",
    "sos_commands/networking/ip_-6_route_show_table_all",
    "sos_commands/networking/ip_-6_rule",
    "sos_commands/networking/ip_-d_address",
    "sos_commands/networking/ip_-o_addr",
    "sos_commands/networking/ip_-s_-d_link",
    "sos_commands/networking/ip_-s_-s_neigh_show",
    "sos_commands/networking/ip_maddr_show",
    "sos_commands/networking/ip_mroute_show",
    "sos_commands/networking/ip_neigh_show_nud_noarp",
    "sos_commands/networking/ip_netns",
    "sos_commands/networking/ip_route_show_table_all",
    "sos_commands/networking/netstat_-W_-agn",
    "sos_commands/networking/netstat_-W_-neopa",
    "sos_commands/networking/netstat_-s",
    "sos_commands/networking/route_-n",
    "sos_commands/networking/tc_-s_qdisc_show",
    "proc/net/",
    "ip_addr",
    "netstat",
    "route",
  },
  block = {
    "sos_commands/block/blkid_-c_.dev.null",
    "sos_commands/block/blockdev_--report",
    "sos_commands/block/ls_-lanR_.dev",
    "sos_commands/block/ls_-lanR_.sys.block",
    "sos_commands/block/lsblk",
    "sos_commands/block/lsblk_-D",
    "sos_commands/block/lsblk_-f_-a_-l",
    "sos_commands/block/lsblk_-t",
    "sos_commands/block/losetup_-a",
    "proc/diskstats",
    "proc/partitions",
    "sys/block/*/queue/*",
  },
  filesys = {
    "sos_commands/filesys/df_-al_-x_autofs",
    "sos_commands/filesys/df_-ali_-x_autofs",
    "sos_commands/filesys/dumpe2fs_-h_*",     -- one per mounted ext2/3/4 device (the layout's was .dev.vda)
    "sos_commands/filesys/findmnt",
    "sos_commands/filesys/lslocks",
    "sos_commands/filesys/mount_-l",
    "proc/filesystems",
    "proc/fs/",
    "proc/{pid}/mountinfo",
    "df",
    "mount",
  },
  processor = {
    "sos_commands/processor/lscpu",
    "proc/cpuinfo",
    "sys/devices/system/cpu/",
  },
  host = {
    "sos_commands/host/hostid",
    "sos_commands/host/hostname",
    "sos_commands/host/hostname_-f",
    "sos_commands/host/hostnamectl_status",
    "sos_commands/host/uptime",
    "hostname",
    "uptime",
  },
  cgroups = {
    "proc/cgroups",
    "sys/fs/cgroup/",
  },
  -- sos 4.x devicemapper, scsi and nfs plugins (their setup() lists, read
  -- for the names only; the scsi plugin's PowerVM tools left out)
  devicemapper = {
    "sos_commands/devicemapper/dmsetup_info_-c",
    "sos_commands/devicemapper/dmsetup_table",
    "sos_commands/devicemapper/dmsetup_status",
    "sos_commands/devicemapper/dmsetup_ls_--tree",
  },
  scsi = {
    "sos_commands/scsi/lsscsi",
    "sos_commands/scsi/lsscsi_-g",
    "sos_commands/scsi/lsscsi_-H",
    "sos_commands/scsi/lsscsi_-d",
    "sos_commands/scsi/lsscsi_-s",
    "sos_commands/scsi/lsscsi_-L",
    "sys/class/scsi_host/",
    "sys/class/scsi_device/",
  },
  nfs = {
    "sos_commands/nfs/nfsstat_-o_all",
    "sos_commands/nfs/exportfs_-v",
    "proc/fs/nfsfs/servers",
    "proc/fs/nfsfs/volumes",
    "proc/fs/nfsd/",
  },
  -- plugins of sos 4.x not in the layout's -o list; their setup() read for
  -- these paths only: console, crypto, pci (the layout notes), numa
  console = {
    "proc/consoles",
  },
  crypto = {
    "proc/crypto",
  },
  pci = {
    "proc/iomem",
    "proc/ioports",
  },
  numa = {
    "sys/devices/system/node/*/meminfo",
    "sys/devices/system/node/*/cpulist",
    "sys/devices/system/node/*/distance",
  },
}
