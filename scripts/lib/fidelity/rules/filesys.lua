-- fidelity/rules/filesys.lua: how each file of the block, filesys and
-- per-process-extras area compares with what the live system showed
-- (truth/, see truth/INDEX.md).  Schema: fidelity/init.lua (one schema for
-- every rules/*.lua).  The former `skip_pids = { "crash_pid" }` is
-- `skip = { "crash" }`; busybox tables (df) name the columns compared.
--
-- Shared-dump facts behind the notes: the truth was captured ~7 s before
-- the crash by helpers run from the crashing shell (crash_pid), which then
-- wrote the truth tar to /dev/vda and ran `echo c > /proc/sysrq-trigger`.

return {
  -- {====== filesys ======
  ["proc/mounts"] = {
    truth = "proc/mounts", class = "static",
    note = "init's namespace and root; tmpfs/devpts/proc/debugfs/cgroup2 options decoded from "
      .. "the superblocks (shmem_sb_info, pts_fs_info, proc_fs_info, cgrp_dfl_root.flags). A "
      .. "filesystem whose show_options cannot be decoded (its module's types missing: ext4, "
      .. "xfs, nfs on 6.12) is listed in sos_reports/kdlua_partial.txt: its line is left out "
      .. "of the comparison, every other line exact.",
  },
  ["proc/{pid}/mountinfo"] = {
    truth = "pid/{pid}/mountinfo", class = "static",
    note = "each task's mount namespace seen from its root: the unshare'd child namespace "
      .. "(ids 31-41, its own /proc) and kdevtmpfs's chroot (only mount 6) are exact. Zombies "
      .. "have no namespace: stub (the live read failed too, no truth file).",
  },
  ["sos_commands/filesys/mount_-l"] = {
    truth = "cmd/mount.txt", class = "static",
    note = "util-linux form 'SRC on DIR type T (OPTS)' with libmount's rw/ro merge; the truth is "
      .. "busybox mount, identical here. No [LABEL]: labels are on disk/in the blkid cache.",
  },
  ["sos_commands/filesys/findmnt"] = {
    truth = nil, class = "static",
    note = "findmnt tree (UTF-8 lines, sos's LC_ALL=C.UTF-8) of the same entries as mountinfo; "
      .. "no live counterpart in truth/.",
  },
  ["sos_commands/filesys/df_-al_-x_autofs"] = {
    truth = "cmd/df.txt", class = "static", kind = "columns", key = "Mounted on",
    header_words = { "Mounted on" }, header_exact = false, rows = "truth",
    truth_drop = "^[^%s/]+:%S* ",   -- remote (host:path): df -l leaves them out, busybox df not
    columns = { "Filesystem", "1K-blocks", "Used", "Available" },
    note = "coreutils df -a lists every mount; busybox df (truth) only those with blocks, so the "
      .. "rows it has are compared (rootfs is absent from busybox's list). tmpfs numbers from "
      .. "shmem_sb_info (max_blocks, used_blocks percpu sum); pseudo filesystems 0 with '-'. "
      .. "Remote filesystems (NFS) are not local (-l): left out of the truth too. A filesystem "
      .. "whose statfs is not decoded (its types missing) gets '?' and an incomplete-line mark.",
  },
  ["sos_commands/filesys/df_-ali_-x_autofs"] = {
    truth = "cmd/df-i.txt", class = "static", kind = "columns", key = "Mounted on",
    header_words = { "Mounted on" }, header_exact = false, rows = "truth",
    truth_drop = "^[^%s/]+:%S* ",
    columns = { "Filesystem", "Inodes", "IUsed", "IFree" },
    map = { IUsed = "Used", IFree = "Available" },      -- busybox df -i's names
    note = "inodes from shmem_sb_info max_inodes/free_inodes; same row selection as df -al.",
  },
  ["proc/locks"] = {
    truth = "proc/locks", class = "static",
    note = "per-CPU file_lock_list walk with the blocked-waiter tree; empty on the shared dump "
      .. "(INDEX calls it drifting: locks come and go, none were held here).",
  },
  ["sos_commands/filesys/lslocks"] = {
    truth = nil, class = "static",
    note = "lslocks over our /proc/locks with paths from the owners' fd tables; header only here.",
  },
  -- }======

  -- {====== block ======
  ["proc/partitions"] = {
    truth = "proc/partitions", class = "static",
    note = "block_class devices of disk_type, part_tbl xarray, bd_nr_sectors.",
  },
  ["proc/diskstats"] = {
    truth = "proc/diskstats", class = "drifting", kind = "lines",
    key = 3,                           -- the device name
    -- devices that saw no I/O at all (idle loops) stay exact
    static_lines = "^%s*%d+%s+%d+ %S+ 0 0 0 0 0 0 0 0 0 0 0",
    tolerance = { ["*"] = { monotonic = true } },
    note = "per-CPU bd_stats summed; in-flight from the blk-mq tag bitmaps. Idle devices exact. "
      .. "Counters of devices in use grew after the capture (6.1: the truth tar was dd'd to "
      .. "/dev/vda; 6.12: ext4/xfs/loop writeback on sda, sdb, loop0, dm-0, dm-1), so they are "
      .. "only checked not to be below the truth; dm-2's blocked read stays in flight.",
  },
  ["sys/block/*/queue/*"] = {
    truth = "sys/block/*/queue/*", class = "static",
    note = "attributes named by the kernel's queue_attrs[] (so each version lists its own), "
      .. "values from request_queue/queue_limits/queue_flags (6.1 QUEUE_FLAG_* bit numbers), "
      .. "scheduler from elv_list. wbt_lat_usec is a stub when wbt is off (EINVAL live). "
      .. "Compared where the truth has the attribute (the 6.12 one: scheduler, "
      .. "logical_block_size); truth/sys/block's size/dev/ro/removable are checked from the same "
      .. "gendisks in the tests.",
  },
  ["sos_commands/block/lsblk"] = {
    truth = nil, class = "static",
    note = "util-linux 2.38 defaults: sorted by MAJ:MIN, empty loops without backing file hidden, "
      .. "RAM disks excluded; sizes in util-linux's human form; MOUNTPOINTS by device number; "
      .. "stacked devices (dm) under each device they sit on (gendisk slave_bdevs), named by "
      .. "their dm name, TYPE the dm uuid's prefix as get_type() takes it.",
  },
  ["sos_commands/block/lsblk_-f_-a_-l"] = {
    truth = nil, class = "stub",
    note = "partial: FSTYPE/FSVER/LABEL/UUID of unmounted devices are on-disk signatures "
      .. "(blkid/udev), not in memory; mounted filesystems get their type, FSAVAIL/FSUSE% and "
      .. "the UUID/LABEL their superblocks hold.",
  },
  ["sos_commands/block/blkid_-c_.dev.null"] = {
    truth = nil, class = "stub",
    note = "mounted ext2/3/4 and XFS filesystems only (UUID, label, block size, type from their "
      .. "superblocks); the truth's busybox had no blkid (cmd/blkid.txt is its error), "
      .. "each_fixture/blkid.lua compares with the UUIDs and labels the fixture README records.",
  },
  ["sos_commands/block/ls_-lanR_.dev"] = {
    truth = nil, class = "static",
    note = "devtmpfs and the in-memory filesystems below /dev from the dentry/inode caches; no "
      .. "live listing in truth/ (each_fixture/ls_dev.lua checks nodes against proc/partitions, "
      .. "proc/misc and the live processes' open /dev files).",
  },
  ["sos_commands/filesys/dumpe2fs_-h_*"] = {
    truth = nil, class = "stub",
    note = "the superblock fields ext4_sb_info/super_block keep when the on-disk superblock's "
      .. "page is filtered out; each_fixture/dumpe2fs.lua checks the counts against df/df -i.",
  },
  ["sos_commands/block/lsblk_-t"] = { truth = nil, class = "static", note = "queue limits per device." },
  ["sos_commands/block/lsblk_-D"] = { truth = nil, class = "static", note = "discard limits per device." },
  ["sos_commands/block/blockdev_--report"] = {
    truth = nil, class = "static",
    note = "one line per /proc/partitions device: RO, RA (bdi ra_pages in sectors), SSZ "
      .. "(logical block), BSZ (bd_inode i_blkbits), StartSec, bytes.",
  },
  ["sos_commands/block/losetup_-a"] = {
    truth = "cmd/losetup-a.txt", class = "static", report_transform = "losetup_busybox",
    note = "util-linux form (backing device number as huge_encode_dev, inode, d_path of "
      .. "lo_backing_file, offset/sizelimit); the truth is busybox's 'DEV: OFFSET FILE', so the "
      .. "report is brought to that form. A stub when the loop module's types are missing.",
  },
  ["sos_commands/block/ls_-lanR_.sys.block"] = {
    truth = nil, class = "static",
    note = "names, modes, nlink and link targets from the kernfs nodes under /sys/block; times "
      .. "from cached sysfs inodes, else the crash time (ls would create them then), in UTC.",
  },
  -- }======

  -- {====== process extras ======
  ["proc/{pid}/limits"] = {
    truth = "pid/{pid}/limits", class = "static",
    note = "signal->rlim[] in proc_pid_limits' layout.",
  },
  ["proc/{pid}/cgroup"] = {
    truth = "pid/{pid}/cgroup", class = "static",
    note = "cgroup_roots walk, css_set -> cgroup, kernfs path (fx-tree tasks in /fxtree).",
  },
  ["proc/{pid}/wchan"] = {
    truth = "pid/{pid}/wchan", class = "static",
    skip = { "crash" }, skip_if_differs = { "ran_after" },
    note = "get_wchan() over the core's unwinder (kernel/stack.lua); the crashing shell was "
      .. "running. Tasks that ran after the capture (more context switches than the live "
      .. "status shows) may differ: such a row is skipped.",
  },
  ["proc/{pid}/task/{tid}/wchan"] = {
    truth = "pid/{pid}/task/{tid}/wchan", class = "static",
    skip = { "crash" }, skip_if_differs = { "ran_after" },
    note = "as proc/<pid>/wchan, per thread.",
  },
  ["proc/{pid}/stack"] = {
    truth = "pid/{pid}/stack", class = "static",
    skip = { "crash" }, skip_if_differs = { "ran_after" },
    note = "stack_trace_save_tsk() over the core's unwinder (ORC from the dump), sched/lock "
      .. "functions dropped, %pB sizes = distance to the next symbol; the crashing task is unwound "
      .. "from its CPU's registers (the capture saw it running fx-truth). tests/sh/"
      .. "test_stack_trace.sh compares every sleeping task on every fixture.",
  },
  ["proc/{pid}/task/{tid}/stack"] = {
    truth = "pid/{pid}/task/{tid}/stack", class = "static",
    skip = { "crash" }, skip_if_differs = { "ran_after" },
    note = "as proc/<pid>/stack, per thread.",
  },
  ["sos_commands/process/lsof_-b_M_-n_-l_-c"] = {
    truth = nil, class = "static",
    note = "lsof 4.95 layout (two-pass column widths, COMMAND/TASKCMD cut at 9, TID rows for "
      .. "threads): cwd/rtd/txt/mem/fds from fs_struct, mm (maple tree VMAs) and fdtables; NAMEs "
      .. "equal the truth fd readlinks (checked for every pid but the crashing shell); sockets "
      .. "decoded from struct sock; port names from the dump's /etc/services when cached, else "
      .. "numeric. Not reproduced: lsof's -b stderr warnings, lock characters.",
  },
  -- }======
}
