-- fidelity/rules/process.lua: how the process plugin's files compare with
-- what the live system showed (truth/pid/<pid>/* from the fxsnap helper,
-- truth/cmd/ps.txt and ps-T.txt from busybox ps).  Schema:
-- fidelity/init.lua.  limits, cgroup, mountinfo, wchan, stack and lsof are
-- in rules/filesys.lua; the live files kdlua does not emit (maps, io,
-- sched, fd...) in rules/unemitted.lua.
--
-- Which fields are static was established by tests/lua/test_kernel_libs.lua
-- (STATUS_KEYS, STAT_STATIC) on the shared dump:
--  * the dump is ~8 s later than the capture: kernel threads and daemons
--    ran a little (context switches, utime/stime, faults grow; a task may
--    be on another CPU);
--  * the crashing shell (truth/crash_pid, class "crash") captured the
--    truth, then ran: its state, RSS and fault counters are the crash's;
--  * tasks shown running (R) in the truth had their state of the moment;
--  * a workqueue worker's name carries its latest work item
--    ("kworker/1:0-events" -> "kworker/1:0-events_power_efficient");
--  * pids of the capture helpers (fxsnap, cat, ps: descendants of the
--    crashing shell gone at the crash) are skipped by the checker.

local KV, LINES = "keyvalue", "lines"
local ANY = { any = true }
local MONOTONIC = { monotonic = true }
local IF_RUNNING = { any = true, when = "running" }
local IF_WORKER = { any = true, when = "worker" }
local IF_CRASH = { any = true, when = "crash" }

-- {====== /proc/<pid>/status ======

-- the keys test_kernel_libs.lua found static for every task
local STATUS_STATIC = { "Umask", "Tgid", "Ngid", "Pid", "PPid", "TracerPid", "Uid", "Gid",
  "FDSize", "Groups", "NStgid", "NSpid", "NSpgid", "NSsid", "VmSize", "VmExe", "VmLib", "Threads",
  "SigQ", "SigPnd", "ShdPnd", "SigIgn", "SigCgt", "CapInh", "CapPrm", "CapEff",
  "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp", "Seccomp_filters", "Speculation_Store_Bypass",
  "SpeculationIndirectBranch", "Cpus_allowed", "Cpus_allowed_list", "Mems_allowed",
  "Mems_allowed_list", "CoreDumping", "THP_enabled", "HugetlbPages" }

local STATUS = {
  class = "drifting", kind = KV,
  static = STATUS_STATIC,
  tolerance = {
    Name = IF_WORKER, State = IF_RUNNING,
    voluntary_ctxt_switches = MONOTONIC, nonvoluntary_ctxt_switches = MONOTONIC,
    -- memory of the crashing shell: it ran after the capture
    VmPeak = IF_CRASH, VmLck = IF_CRASH, VmPin = IF_CRASH, VmHWM = IF_CRASH, VmRSS = IF_CRASH,
    RssAnon = IF_CRASH, RssFile = IF_CRASH, RssShmem = IF_CRASH, VmData = IF_CRASH,
    VmStk = IF_CRASH, VmPTE = IF_CRASH, VmSwap = IF_CRASH,
    -- exact for every task but the crashing one, which may have been sent
    -- the signal that crashed the machine (6.12 fixture: fxhog panicked in
    -- its SIGUSR1 handler, SIGUSR1 blocked)
    SigBlk = IF_CRASH,
  },
  note = "proc_pid_status() layout, same keys in the same order. Static: ids, credentials, "
    .. "namespaces' pids, VmSize/VmExe/VmLib, signal masks, capabilities, seccomp, "
    .. "speculation, cpu/mem masks (test_kernel_libs STATUS_KEYS). Memory sizes are exact "
    .. "but for the crashing shell; State is exact but for tasks running at either moment; "
    .. "context switches only grow; a kworker's Name follows its latest work item.",
}

-- }======

-- {====== /proc/<pid>/stat ======

-- fields (proc(5) numbers) test_kernel_libs.lua found static: pid comm
-- state ppid pgrp session tty_nr tpgid flags priority nice num_threads
-- itrealvalue starttime vsize rsslim startcode endcode startstack kstkesp
-- kstkeip signal blocked sigignore sigcatch nswap cnswap exit_signal
-- rt_priority policy start_data end_data start_brk arg_start arg_end
-- env_start env_end exit_code
local STAT_STATIC = {}
for _, i in ipairs({ 1, 4, 5, 6, 7, 8, 9, 18, 19, 20, 21, 22, 23, 25, 26, 27, 28, 29, 30,
                     31, 33, 34, 36, 37, 38, 40, 41, 45, 46, 47, 48, 49, 50, 51, 52 }) do
  STAT_STATIC[#STAT_STATIC + 1] = tostring(i)
end

local STAT = {
  class = "drifting", kind = KV, transform = "stat_fields",
  static = STAT_STATIC,
  tolerance = {
    ["2"] = IF_WORKER,                -- comm: a kworker's latest work item
    ["3"] = IF_RUNNING,               -- state
    ["35"] = IF_RUNNING,              -- the wchan flag (0 while running)
    -- minflt cminflt majflt cmajflt utime stime cutime cstime: counters
    ["10"] = MONOTONIC, ["11"] = MONOTONIC, ["12"] = MONOTONIC, ["13"] = MONOTONIC,
    ["14"] = MONOTONIC, ["15"] = MONOTONIC, ["16"] = MONOTONIC, ["17"] = MONOTONIC,
    ["24"] = IF_CRASH,                -- rss: the crashing shell ran after the capture
    ["32"] = IF_CRASH,                -- blocked: the crashing task may be in the handler
                                      -- of the signal that crashed the machine (SigBlk)
    ["39"] = ANY,                     -- processor: the CPU the task last ran on
    ["42"] = MONOTONIC,               -- delayacct_blkio_ticks
    ["43"] = MONOTONIC, ["44"] = MONOTONIC,   -- guest_time cguest_time
  },
  note = "do_task_stat() layout, 52 fields; the fields test_kernel_libs STAT_STATIC names are "
    .. "exact (ids, flags, priority, nice, threads, start time, sizes, addresses, signals, "
    .. "policy); fault and time counters only grow; processor may change; state and the wchan "
    .. "flag are exact but for running tasks; rss exact but for the crashing shell.",
}

-- }======

local function with(t, extra)
  local r = {}
  for k, v in pairs(t) do r[k] = v end
  for k, v in pairs(extra) do r[k] = v end
  return r
end

-- the columns of busybox ps (truth/cmd/ps.txt):
-- PID PPID PGID SID USER GROUP STAT NI TT VSZ RSS COMMAND COMMAND(args)
local BUSYBOX = { header_exact = false, rows = "truth", pid_column = "PID", ppid_column = "PPID" }

return {
  -- {====== per pid ======
  ["proc/{pid}/status"] = with(STATUS, { truth = "pid/{pid}/status" }),
  ["proc/{pid}/task/{tid}/status"] = with(STATUS, {
    truth = { "pid/{pid}/task/{tid}/status", "pid/{tid}/status" },
    note = STATUS.note .. " Threads: truth/pid/<pid>/task/<tid>/status where fxsnap took it "
      .. "(multi-threaded processes), else a single-threaded task's own pid/<tid>/status "
      .. "(the same text for the thread group leader).",
  }),
  ["proc/{pid}/stat"] = with(STAT, { truth = "pid/{pid}/stat" }),
  ["proc/{pid}/task/{tid}/stat"] = with(STAT, {
    truth = "pid/{pid}/task/{tid}/stat",
    note = STAT.note .. " Threads: only where fxsnap took task/<tid>/stat (a thread's stat "
      .. "is not its process's: exit_code of a stopped group, the group's times and faults).",
  }),
  ["proc/{pid}/statm"] = {
    truth = "pid/{pid}/statm", class = "drifting", kind = LINES,
    -- size text lib data dt exact; resident and shared but for the crashing shell
    tolerance = { ["*"] = { any = true, fields = { 2, 3 }, when = "crash" } },
    note = "size resident shared text lib data dt in pages; test_kernel_libs compares size, "
      .. "text and data; resident/shared are exact too but for the crashing shell.",
  },
  ["proc/{pid}/comm"] = {
    truth = "pid/{pid}/comm", class = "drifting", kind = LINES,
    tolerance = { ["*"] = IF_WORKER },
    note = "task->comm; a workqueue worker's name gets its latest work item (wq_worker_comm), "
      .. "which drifts; every other comm exact.",
  },
  ["proc/{pid}/task/{tid}/comm"] = {
    truth = { "pid/{pid}/task/{tid}/comm", "pid/{tid}/comm" }, class = "drifting", kind = LINES,
    tolerance = { ["*"] = IF_WORKER },
    note = "as proc/<pid>/comm, per thread (fxworker-N threads of fxthreads).",
  },
  ["proc/{pid}/cmdline"] = {
    truth = "pid/{pid}/cmdline", class = "static",
    stub_ok = "argv lives in user memory: a stub when the dump lacks its page",
    note = "argv read from the process's user pages (makedumpfile -d 23 keeps them), byte "
      .. "for byte; empty for kernel threads and zombies.",
  },
  ["proc/{pid}/environ"] = {
    truth = "pid/{pid}/environ", class = "static",
    stub_ok = "the environment lives in user memory: a stub when the dump lacks its page",
    note = "env_start..env_end of the process's user pages, byte for byte.",
  },
  -- }======

  -- {====== ps and pstree against busybox ps ======
  ["sos_commands/process/ps_auxwww"] = with(BUSYBOX, {
    truth = "cmd/ps.txt", class = "drifting", kind = "columns", key = "PID",
    columns = { "USER", "VSZ", "RSS", "STAT", "COMMAND" },
    map = { COMMAND = "COMMAND_2" },
    match = { USER = "user", VSZ = "busybox_kb", RSS = "busybox_kb", STAT = "state",
      COMMAND = "busybox_args" },
    tolerance = { RSS = IF_CRASH },
    note = "procps-ng ps aux against busybox ps -o ...: every live pid (but the capture "
      .. "helpers) has a row with the same USER (or its uid when the dump has no passwd "
      .. "data), VSZ and RSS (busybox prints kB, 'm' = MiB), state letter and '<'/'N' flags, "
      .. "and COMMAND (busybox's '{comm} args' without the {comm}, '[comm]' cut at 15 "
      .. "characters for kernel threads and zombies). %CPU, START, TIME are not in the truth.",
  }),
  ["sos_commands/process/ps_alxwww"] = with(BUSYBOX, {
    truth = "cmd/ps.txt", class = "drifting", kind = "columns", key = "PID",
    columns = { "UID", "PPID", "NI", "VSZ", "RSS", "STAT", "COMMAND" },
    map = { UID = "USER", COMMAND = "COMMAND_2" },
    match = { UID = "uid", NI = "procps_nice", VSZ = "busybox_kb", RSS = "busybox_kb",
      STAT = "state", COMMAND = "busybox_args" },
    tolerance = { RSS = IF_CRASH },
    note = "procps-ng ps alx against busybox ps: UID (the live user's uid), PPID, NI ('-' for "
      .. "real-time tasks in procps), VSZ, "
      .. "RSS, state and COMMAND as for ps auxwww; F, PRI, WCHAN, TTY, TIME not in the truth.",
  }),
  ["sos_commands/process/ps_auxwwwm"] = with(BUSYBOX, {
    truth = "cmd/ps.txt", class = "drifting", kind = "columns", key = "PID",
    report_drop = "^%S+%s+%-%s",          -- the thread rows (PID "-")
    columns = { "USER", "VSZ", "RSS", "COMMAND" },
    map = { COMMAND = "COMMAND_2" },
    match = { USER = "user", VSZ = "busybox_kb", RSS = "busybox_kb", COMMAND = "busybox_args" },
    tolerance = { RSS = IF_CRASH },
    note = "ps auxm: the process rows as ps auxwww (their STAT is '-'); thread rows not in "
      .. "busybox's output.",
  }),
  ["sos_commands/process/ps_-elfL"] = {
    truth = "cmd/ps-T.txt", class = "drifting", kind = "columns",
    header_exact = false, rows = "truth", key = "LWP", truth_key = "PID", pid_column = "LWP",
    ppid_column = "PPID",
    columns = { "PPID", "UID", "S", "CMD" },
    map = { LWP = "PID", UID = "USER", S = "STAT", CMD = "COMMAND_2" },
    match = { UID = "user", S = "state_letter", CMD = "busybox_args" },
    note = "one row per thread against busybox ps -T (PID there = the thread id): parent, "
      .. "user, state and command line of every live thread; F, PRI, NI, SZ, WCHAN, STIME, TIME "
      .. "are not in the truth.",
  },
  ["sos_commands/process/ps_axo_flags_state_uid_pid_ppid_pgid_sid_cls_pri_addr_sz_wchan_20_lstart_tty_time_cmd"] =
    with(BUSYBOX, {
    truth = "cmd/ps.txt", class = "drifting", kind = "columns", key = "PID",
    -- STARTED ("Wed Nov 25 07:56:53 2026", ctime) as one cell
    report_gsub = { { "(%a%a%a) (%a%a%a) +(%d+) (%d%d:%d%d:%d%d) (%d+) ", "%1_%2_%3_%4_%5 " } },
    columns = { "UID", "PPID", "PGID", "SID", "S", "CMD" },
    map = { UID = "USER", S = "STAT", CMD = "COMMAND_2" },
    match = { UID = "uid", S = "state_letter", CMD = "busybox_args" },
    note = "procps-ng ps axo flags,state,uid,...,cmd against busybox ps: every live pid (but "
      .. "the capture helpers) has a row with the live user's uid, PPID, PGID, SID, the state "
      .. "letter (the moment's for running tasks) and CMD as ps auxwww's COMMAND. F, CLS, PRI, "
      .. "SZ, WCHAN, STARTED are not in busybox's output: tests/lua/test_ps_axo.lua checks them "
      .. "against the live stat/status/wchan.",
  }),
  ["sos_commands/process/ps_axo_pid_ppid_user_group_lwp_nlwp_start_time_comm_cgroup"] = with(BUSYBOX, {
    truth = "cmd/ps.txt", class = "drifting", kind = "columns", key = "PID",
    columns = { "PPID", "USER", "GROUP", "COMMAND" },
    match = { USER = "user" },
    -- GROUP: the live group name; the dump's number when /etc/group is not
    -- in its page cache (the matchers know live uids, not gids)
    tolerance = { GROUP = ANY, COMMAND = IF_WORKER },
    note = "procps-ng ps axo pid,ppid,user,group,...,comm,cgroup against busybox ps: every live "
      .. "pid (but the capture helpers) has a row with the same PPID, USER (or its uid when the "
      .. "dump has no passwd data) and COMMAND (comm cut at 15 in both; a kworker's drifts); "
      .. "GROUP is the live name or, without /etc/group pages in the dump, the gid (not compared "
      .. "here: test_ps_axo checks it against the live Gid). LWP, NLWP, START, CGROUP are not in "
      .. "busybox's output: test_ps_axo checks them against the live status and cgroup files.",
  }),
  ["sos_commands/process/pstree_-lp"] = {
    truth = "cmd/ps.txt", class = "static", kind = "extract", compare = "subset", all = true,
    report_pattern = "%((%d+)%)",
    -- init's tree: not kthreadd (pid 2) nor its children, not the header
    truth_drop = { "^%s*PID", "^%s*2%s", "^%s*%d+%s+2%s" },
    truth_pattern = "^%s*(%d+)%s", alive = 1,
    note = "every process of the live ps outside kthreadd's tree (and alive at the crash) is "
      .. "in the tree with its pid; the tree's shape (parents) is ps -o ppid's.",
  },
  -- }======
}
