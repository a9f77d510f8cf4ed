-- fidelity/rules/unemitted.lua: live files of the truth folder that no
-- kdlua emitter writes, and why (class "none": listed as missing, one row
-- per rule, never a failure).  Schema: fidelity/init.lua.  When an emitter
-- starts writing one of these, move its rule to the area's file with a
-- real class.  Paths are the report paths such a file would have;
-- "truth:cmd/..." for live command outputs no sos command corresponds to.

local function none(truth, note) return { truth = truth, class = "none", note = note } end

return {
  -- {====== per process: fxsnap's other files ======
  ["proc/{pid}/maps"] = none("pid/{pid}/maps", "sos does not copy /proc/<pid>/maps (its process plugin "
    .. "copies status, stack, limits... and runs lsof, whose mem rows kdlua builds from the VMAs)."),
  ["proc/{pid}/io"] = none("pid/{pid}/io", "sos does not copy /proc/<pid>/io (task I/O accounting, "
    .. "drifting)."),
  ["proc/{pid}/sched"] = none("pid/{pid}/sched", "sos does not copy /proc/<pid>/sched (per-task "
    .. "scheduler statistics); the report has them in sys/kernel/debug/sched/debug."),
  ["proc/{pid}/fd"] = none("pid/{pid}/fd", "fxsnap's list of readlink(/proc/<pid>/fd/*), no /proc "
    .. "file: the same names are lsof's NAME column (tests/lua/test_filesys.lua compares them)."),
  ["proc/{pid}/ns"] = none("pid/{pid}/ns", "fxsnap's list of readlink(/proc/<pid>/ns/*) (namespace "
    .. "inode numbers), no /proc file; sos does not copy it."),
  ["proc/{pid}/exe"] = none("pid/{pid}/exe", "fxsnap's readlink(/proc/<pid>/exe); lsof's txt row has "
    .. "the same path."),
  ["proc/{pid}/tids"] = none("pid/{pid}/tids", "fxsnap's list of /proc/<pid>/task/; the report has "
    .. "proc/<pid>/task/<tid>/ folders for the same threads."),
  -- }======

  -- {====== /proc ======
  ["proc/key-users"] = none("proc/key-users", "no emitter."),
  -- }======

  -- {====== /sys ======
  ["sys/block/*/*"] = none("sys/block/*/*", "sos copies sys/block/*/queue/* only; size, dev, ro, "
    .. "removable of the same gendisks are checked in tests/lua/test_filesys.lua; stat drifts."),
  ["sys/class/net/**"] = none("sys/class/net/**", "sos 4.x copies /sys/class/net/*/{flags,statistics}; "
    .. "not emitted (the same values are in ip -d address and proc/net/dev)."),
  ["sys/fs/cgroup/**"] = none("sys/fs/cgroup/**", "sos's cgroups plugin copies /sys/fs/cgroup: the "
    .. "cgroup.*, memory.{current,max,events}, pids.{current,max} and cpu.{weight,weight.nice,idle,"
    .. "max,max.burst} files are emitted (rules/sysinfo.lua), the other controller files (cpu.stat, "
    .. "cgroup.type...) not yet."),
  -- }======

  -- {====== live commands ======
  ["truth:cmd/brctl-show.txt"] = none("cmd/brctl-show.txt", "no bridge on this system; the bridge "
    .. "commands are emitted when bridges exist."),
  ["truth:cmd/netstat-anp.txt"] = none("cmd/netstat-anp.txt", "busybox's usage message (its netstat "
    .. "lacks these options): netstat -W -neopa is checked against proc/net/* instead."),
  ["truth:cmd/netstat-s.txt"] = none("cmd/netstat-s.txt", "busybox's usage message: netstat -s is "
    .. "checked against proc/net/snmp and proc/net/netstat instead."),
  ["truth:cmd/top-bn1.txt"] = none("cmd/top-bn1.txt", "sos does not run top."),
  -- }======
}
