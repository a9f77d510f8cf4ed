-- fidelity/rules/kernel.lua: how each file of the kernel, processor and
-- scheduler area compares with what the live system showed (truth/, see
-- truth/INDEX.md).  Schema: fidelity/init.lua (one schema for every
-- rules/*.lua).  Kernel identity files (version, cmdline, modules, uname,
-- hostname, taint, boot_id, CPU masks, dmesg) are in rules/kernel_identity.lua.
--
-- Timeline of the shared dump (uptime, s): capture start 9.30, end 16.33,
-- crash 17.87; between the end and the crash the capturing shell wrote
-- the ~6 MB truth tar to /dev/vda with dd conv=fsync.  Counters that only
-- grow therefore lie between the truth and about 1.5x the .end sample, and
-- the virtio-blk interrupts/softirqs grow from ~0 to ~150.

local LINES, KV, COLS = "lines", "keyvalue", "columns"

local MONO = { monotonic = true, upper = "truth_end", upper_rel = 1.5, upper_abs = 400 }
-- counts per CPU of proc/interrupts and proc/softirqs (no .end sample)
local RATE = { monotonic = true, per_second = 400, since = "capture_start_uptime" }
-- load averages move towards the number of active tasks with a time
-- constant of 1, 5 and 15 minutes, one step every 5 s (calc_global_load):
-- a step moves load1 by 8% of (active - load1), load5 by 1.7%, load15 by
-- 0.6%.  The slack allows ~6 more active tasks than the load for one step
-- and grows per 10 s between the .end sample and the crash (the SMP
-- fixture of tests/fixtures/make-smp-fixture.sh spins tasks on 4 CPUs
-- while writing its truth: load1 2.19 -> 2.50 in one step)
local LOAD = { abs = 0.1, per_10s_since = "capture_end_uptime" }
local LOAD5 = { abs = 0.15, per_10s_since = "capture_end_uptime" }
local LOAD1 = { abs = 0.5, per_10s_since = "capture_end_uptime" }

-- a sysctl file checked against its line in the later `sysctl -a`
local function from_sysctl(key)
  local k = key:gsub("[%^%$%(%)%%%.%[%]%*%+%-%?]", "%%%0")
  return { truth = "cmd/sysctl-a.txt", truth_select = "^" .. k .. " = ",
    truth_gsub = { { "^" .. k .. " = ", "" } } }
end
-- a /proc/sys file read as it was
local function sysctl_file(path)
  return { truth = path, class = "static",
    note = "the sysctl value (its ctl_table data as proc_do*vec prints it): exact." }
end
local function sysctl_rule(key, class, note)
  local r = from_sysctl(key)
  r.class = class or "static"
  r.note = note or ("checked against " .. key .. " of truth/cmd/sysctl-a.txt (busybox sysctl -a)")
  return r
end

return {
  -- {====== static ======
  ["proc/kallsyms"] = {
    truth = "proc/kallsyms.xz", class = "static",
    note = "Exact (88265 lines): core symbols from kallsyms_names/token_table/token_index/"
      .. "offsets/relative_base/num_syms (VMCOREINFO), absolute-percpu decoding detected from "
      .. "negative offsets; then each module (modules list order) from mod->kallsyms symtab/"
      .. "strtab/typetab, type upper-cased when exported with that value. BPF/ftrace/kprobe "
      .. "entries (none here) would make it a stub naming them. truth is xz-compressed.",
  },
  ["proc/misc"] = { truth = "proc/misc", class = "static",
    note = "misc_list in list order, \"%3i %s\"." },
  ["proc/devices"] = { truth = "proc/devices", class = "static",
    note = "chrdevs/major_names hash chains sorted by major (chain order kept); the arrays' "
      .. "bound comes from the ELF symbol size when the debug info declares them []." },
  ["proc/filesystems"] = { truth = "proc/filesystems", class = "static",
    note = "file_systems chain; \"nodev\" unless FS_REQUIRES_DEV." },
  ["proc/cgroups"] = { truth = "proc/cgroups", class = "static",
    note = "cgroup_subsys[]: legacy_name, root->hierarchy_id, root->nr_cgrps, static key "
      .. "cgroup_subsys_enabled_key[i]." },
  ["proc/cpuinfo"] = {
    truth = "proc/cpuinfo", class = "static",
    note = "Every line exact (cpu MHz and bogomips are informative per INDEX.md, but exact here). One block per CPU online before the panic: the dump's cpu_online_mask holds only "
      .. "the panic CPU (the other ran stop_this_cpu), the live file was read with both online; "
      .. "report/cpus.lua counts the stopped CPU online, so both blocks are printed from their "
      .. "cpu_info. Flags/bugs from x86_capability with x86_cap_flags/x86_bug_flags; MHz from "
      .. "APERF/MPERF of the last tick, cpufreq policy->cur, else cpu_khz (here cpu_khz).",
  },
  ["sys/devices/system/cpu/cpu{cpu}/topology/*"] = {
    truth = "sys/devices/system/cpu/cpu{cpu}/topology/*", class = "static",
    note = "16 files per CPU (x86 6.1 with die and cluster); masks \"%*pb\" over nr_cpu_ids "
      .. "bits and \"%*pbl\"; ppin is not emitted (visible only when non-zero).",
  },
  ["sys/devices/system/cpu/isolated"] = {
    truth = "sys/devices/system/cpu/isolated", class = "static",
    note = "possible CPUs outside housekeeping_cpumask(HK_TYPE_DOMAIN) (empty without isolcpus=).",
  },
  ["sys/devices/system/cpu/nohz_full"] = {
    truth = "sys/devices/system/cpu/nohz_full", class = "static",
    note = "tick_nohz_full_mask; (null) while the OFFSTACK mask was never allocated (no nohz_full=).",
  },
  ["sys/devices/system/cpu/cpu{cpu}/online"] = {
    truth = "sys/devices/system/cpu/cpu{cpu}/online", class = "static",
    note = "Hot-pluggable present CPUs (x86: not CPU 0): !dev->offline of cpu_sys_devices; the CPUs "
      .. "the panic stopped stay 1 (the SMP fixture offlined CPUs 2 and 5 before the crash).",
  },
  ["sys/devices/system/cpu/cpu{cpu}/cache/index{n}/*"] = {
    truth = "sys/devices/system/cpu/cpu{cpu}/cache/index{n}/*", class = "static",
    note = "cacheinfo leaves (ci_cpu_cacheinfo) of the CPUs online before the panic, each file as "
      .. "cache_default_attrs_is_visible() shows it.",
  },
  ["proc/sys/kernel/pid_max"] = sysctl_file("proc/sys/kernel/pid_max"),
  ["proc/sys/kernel/threads-max"] = sysctl_file("proc/sys/kernel/threads-max"),
  ["proc/sys/kernel/panic"] = sysctl_file("proc/sys/kernel/panic"),
  ["proc/sys/kernel/panic_on_oops"] = sysctl_file("proc/sys/kernel/panic_on_oops"),
  ["proc/sys/kernel/hung_task_panic"] = sysctl_file("proc/sys/kernel/hung_task_panic"),
  ["proc/sys/kernel/hung_task_timeout_secs"] = sysctl_file("proc/sys/kernel/hung_task_timeout_secs"),
  ["proc/sys/kernel/sysrq"] = sysctl_file("proc/sys/kernel/sysrq"),
  ["proc/sys/kernel/kptr_restrict"] = sysctl_file("proc/sys/kernel/kptr_restrict"),
  ["proc/sys/fs/nr_open"] = sysctl_file("proc/sys/fs/nr_open"),
  ["proc/sys/vm/overcommit_memory"] = sysctl_file("proc/sys/vm/overcommit_memory"),
  ["proc/sys/vm/min_free_kbytes"] = sysctl_file("proc/sys/vm/min_free_kbytes"),
  ["proc/sys/vm/swappiness"] = sysctl_file("proc/sys/vm/swappiness"),
  ["proc/sys/vm/panic_on_oom"] = sysctl_file("proc/sys/vm/panic_on_oom"),
  ["proc/sys/vm/oom_dump_tasks"] = sysctl_file("proc/sys/vm/oom_dump_tasks"),
  ["proc/sys/vm/oom_kill_allocating_task"] = sysctl_file("proc/sys/vm/oom_kill_allocating_task"),
  ["proc/sys/fs/nfs/nfs_callback_tcpport"] = sysctl_file("proc/sys/fs/nfs/nfs_callback_tcpport"),
  ["proc/sys/kernel/core_pattern"] = sysctl_rule("kernel.core_pattern"),
  ["proc/sys/kernel/randomize_va_space"] = sysctl_rule("kernel.randomize_va_space"),
  ["proc/sys/fs/file-max"] = sysctl_rule("fs.file-max"),
  ["proc/sys/vm/dirty_ratio"] = sysctl_rule("vm.dirty_ratio"),
  ["proc/sys/vm/dirty_background_ratio"] = sysctl_rule("vm.dirty_background_ratio"),
  ["proc/sys/vm/max_map_count"] = sysctl_rule("vm.max_map_count"),
  ["proc/sys/kernel/printk"] = {
    truth = "cmd/sysctl-a.txt", class = "drifting", kind = LINES,
    truth_select = "^kernel%.printk = ", truth_gsub = { { "^kernel%.printk = ", "" } },
    -- fields 2-4 exact
    tolerance = { ["*"] = { any = true, fields = { 1 } } },
    note = "console_loglevel (field 1) is 15 in the dump: panic() calls console_verbose(); "
      .. "the live value was 7 (truth/cmd/sysctl-a.txt kernel.printk). Not recoverable.",
  },
  -- }======

  -- {====== drifting ======
  ["proc/sys/fs/file-nr"] = {
    truth = "proc/sys/fs/file-nr", class = "drifting", kind = LINES,
    -- fields 2-3 exact
    tolerance = { ["*"] = { fields = { 1 }, range_of = { "proc/sys/fs/file-nr", "cmd/sysctl-a.txt:fs.file-nr" }, rel = 0.25,
      abs = 128 } },
    note = "Open files of the capture helpers: 224 at copy time, 256 in the later sysctl -a, 226 at the crash. "
      .. "get_nr_files() reads the percpu_counter's shared count, which takes the CPUs' deltas in "
      .. "steps of the batch (32 on small machines): the SMP fixture read 0 live, 32 at the crash.",
  },
  ["proc/sys/fs/inode-nr"] = {
    truth = "proc/sys/fs/inode-nr", class = "drifting", kind = LINES,
    -- field 2 exact
    tolerance = { ["*"] = { fields = { 1 }, range_of = { "proc/sys/fs/inode-nr", "cmd/sysctl-a.txt:fs.inode-nr" }, rel = 0.25 } },
    note = "proc inodes made by the capture: 11416 at copy time, 17156 in sysctl -a, 18083 at the crash.",
  },
  ["sos_commands/kernel/sysctl_-a"] = {
    truth = "cmd/sysctl-a.txt", class = "stub", kind = KV,
    -- every key of the live busybox sysctl -a with its value, but these
    order = false,
    tolerance = {
      ["fs.dentry-state"] = { rel = 0.25, fields = { 1 }, ignore = { 2, 5 },
        note = "nr_dentry within 25%; nr_unused and nr_negative move with it" }, ["fs.file-nr"] = { rel = 0.25 },
      ["fs.inode-nr"] = { rel = 0.25 }, ["fs.inode-state"] = { rel = 0.25 },
      ["kernel.ns_last_pid"] = { rel = 0.25 },
      ["kernel.printk"] = { any = true, fields = { 1 }, note = "field 1: console_verbose() at panic -> 15; fields 2-4 exact" },
    },
    absent = { "kernel.random.uuid", "*.retrans_time", "*.base_reachable_time", "*.stable_secret",
      "vm.stat_refresh" },
    note = "Stub only because some readable keys have no value in a dump (named in the header: "
      .. "kernel.random.uuid is new per read; stable_secret reads fail with EIO until set; "
      .. "vm.stat_refresh reads nothing). The file is procps-ng's form: deprecated "
      .. "base_reachable_time/retrans_time are left out (busybox, which made the truth, prints "
      .. "them; sysctl.sysctl_a{busybox=true} gives that form, which matches the truth on every other key). "
      .. "Walk: sysctl_table_root default set, links followed into init_net.sysctls, "
      .. "init_user_ns.set, init_ipc_ns.ipc_set/mq_set (matched by set->dir.header.root).",
  },
  ["proc/stat"] = {
    truth = "proc/stat", truth_end = "proc/stat.end", class = "drifting", kind = LINES,
    key = 1,     -- line labels, their order and the number of fields exact by the kind
    static = { "btime" },
    tolerance = { ["*"] = MONO,
      procs_running = { abs = 4, note = "a gauge: tasks running at that moment" },
      procs_blocked = { abs = 4, note = "a gauge" },
      -- per-irq counts as proc/interrupts: the virtio-blk irqs of the disk
      -- the truth tar went to grow with its size (6.12 fixture: 3 -> 1231)
      intr = RATE },
    note = "Counters of each CPU as it stopped. cpuN lines for the CPUs online before the panic; "
      .. "idle/iowait from tick_cpu_sched idle_sleeptime (+ the open idle period up to the last "
      .. "timekeeping update) as get_idle_time() with NO_HZ. dump in [truth, 1.5 x end + 400]: "
      .. "ctxt grew 34% after the end sample, the virtio-blk irqs 0 -> ~150 (dd of the truth tar).",
  },
  ["proc/timer_list"] = {
    truth = "proc/timer_list", class = "drifting", kind = LINES,
    -- queued timers come and go: only their number is compared
    groups = { timers = "^ #" },
    static_lines = { "^Timer List", "^HRTIMER", "^cpu:", "^ clock", "^  %.base:", "^  %.index:",
      "^  %.resolution:", "^  %.get_time:", "^  %.offset:", "^Tick Device", "^Per CPU", "^Broadcast",
      "^Clock Event", "^ max_delta", "^ min_delta", "^ mult:", "^ shift:", "^ set_next_event",
      "^ shutdown", "^ periodic", "^ oneshot", "^ resume", "^ event_handler", "^tick_broadcast",
      "^Wakeup" },
    tolerance = { ["*"] = { any = true }, timers = { abs = 64 } },
    note = "Every online CPU's hrtimer clock bases ('%p' hashed with the dump's ptr_key: exact), "
      .. "their queued timers (function, state, expiry: they come and go, their count within 32), "
      .. "tick_sched state (nohz/highres/tick_stopped flags since 6.9, nohz_mode before: v0.10 / "
      .. "v0.9) and the tick devices; clocks and counters drift.",
  },
  ["proc/schedstat"] = {
    truth = "proc/schedstat", class = "drifting", kind = LINES,
    key = 1,     -- version, timestamp, cpuN / domainN labels and field counts exact by the kind
    static = { "version" },
    tolerance = { ["*"] = { monotonic = true } },
    note = "show_schedstat(): version from enum cpu_idle_type (16 when it starts with "
      .. "__CPU_NOT_IDLE), jiffies, per online CPU the runqueue's schedstats and each sched "
      .. "domain's span and load-balance counters; every counter only grows.",
  },
  ["proc/interrupts"] = {
    truth = "proc/interrupts", class = "drifting", kind = LINES,
    key = 1,     -- header, row labels, chip names, hwirq, handler and action names exact by the kind
    static = { "ERR", "MIS" },
    tolerance = { ["*"] = RATE },
    note = "No .end sample: per-CPU counts lie in [truth, truth + 400/s x (crash - capture start)] "
      .. "(LOC ticks at HZ=250 plus IPIs). virtio0-req.0/1 = 153/158 match crash's `irq -s`. "
      .. "Arch rows follow the members of irq_cpustat_t (no THR/DFR/MCE here).",
  },
  ["proc/softirqs"] = {
    truth = "proc/softirqs", class = "drifting", kind = LINES,
    key = 1,     -- header and softirq names exact by the kind
    tolerance = { ["*"] = RATE },
    note = "kstat.softirqs[] per possible CPU.",
  },
  ["proc/loadavg"] = {
    truth = "proc/loadavg", truth_end = "proc/loadavg.end", class = "drifting", kind = COLS,
    header = 0, split = "[^%s/]+",
    names = { "load1", "load5", "load15", "running", "nr_threads", "last_pid" },
    tolerance = { load1 = LOAD1, load5 = LOAD5, load15 = LOAD, running = { abs = 2 },
      nr_threads = { abs = 10 }, last_pid = { min = "end", abs = 50 } },
    note = "avenrun of the last calc_global_load; equals the .end sample (0.15 0.03 0.01). "
      .. "running counts the panicking task; last pid = init_pid_ns.idr.idr_next - 1.",
  },
  ["proc/uptime"] = {
    truth = "proc/uptime", truth_end = "proc/uptime.end", class = "drifting", kind = COLS,
    header = 0, names = { "uptime", "idle" },
    tolerance = { uptime = { min = "end", abs = 60 }, idle = { monotonic = true } },
    note = "CLOCK_BOOTTIME of the last timekeeper update (17.87 s; crash's `sys` says 00:00:17); "
      .. "idle = sum of get_idle_time() over possible CPUs.",
  },
  ["sys/kernel/debug/sched/debug"] = {
    truth = "sys/kernel/debug/sched/debug", class = "drifting", kind = "exact",
    -- the version line and the sysctl_sched section (the lines before the
    -- first cpu#) but the clocks
    transform = "sched_header", drop = { "^ktime", "^sched_clk", "^cpu_clk", "^jiffies" },
    also = {
      -- section keys and their order (values drift), task groups' runqueue
      -- sections aside (on a CPU's leaf list only while they have load)
      { kind = "extract", compare = "list", transform = "sched_root_sections",
        pattern = { "^%s*%.([%w_%->%.]+)%s*:", "^(cpu#%d+)", "^(%a+_rq%[%d+%]:?%S*)" } },
      -- every task of the truth still in the dump, with its comm (under any CPU)
      { kind = "extract", compare = "subset", alive = 2,
        pattern = "^[ >][RSDTtXZPI]%s+(.-)%s+(%d+)%s+%-?%d+%.%d+" },
      -- tunables and the deadline bandwidth
      { kind = "exact", select = { "%.sysctl_sched_latency%s", "%.sysctl_sched_base_slice%s", "%.sysctl_sched_features%s",
        "%.sysctl_sched_tunable_scaling%s", "dl_bw%->bw%s" } },
    },
    note = "Clocks: ktime = monotonic of the last timekeeping update, sched_clk/cpu_clk = "
      .. "sched_clock_data tick_raw/clock of the panic CPU (as of its last tick). Runqueues and "
      .. "per-task vruntime/sum_exec as the CPUs stopped; a task may be listed under another CPU "
      .. "after migrating; the capture's own cat/ps are gone.",
  },
  -- }======

  -- {====== no truth file ======
  ["sys/kernel/debug/sched/features"] = {
    truth = nil, class = "static",
    note = "Checked against sysctl_sched_features of the truth's sched/debug (bit i <-> NO_ prefix).",
  },
  ["proc/sched_debug"] = {
    truth = nil, class = "stub",
    note = "5.13+ kernels have no /proc/sched_debug (moved to debugfs); older ones get the same "
      .. "text as sys/kernel/debug/sched/debug.",
  },
  ["sos_commands/kernel/ls_-lt_.sys.kernel.slab"] = {
    truth = "proc/slabinfo", class = "stub",
    -- the partial content: an entry for every cache of proc/slabinfo
    kind = "extract", compare = "subset", truth_range = { 3 },
    report_pattern = "%?%?:%?%? (%S+)", truth_pattern = "^(%S+)",
    note = "Entries, modes, link counts, symlink targets from slab_kset's kernfs tree; sysfs inode "
      .. "times are made when first looked up (no iattr), so shown as ??? and sorted by name. Every "
      .. "cache of truth/proc/slabinfo is listed.",
  },
  ["sos_commands/processor/lscpu"] = {
    truth = "cmd/lscpu.txt", class = "stub",
    -- every live line kdlua can make is in the report, blanks aside
    kind = "extract", compare = "subset", pattern = "^([^:]+):%s*(.-)%s*$",
    truth_drop = { "^Vulnerability ", "^BIOS ", "MHz:", "^Hypervisor vendor:", "^Virtualization type:",
      "^Frequency boost:" },
    note = "util-linux 2.38's summary as sos records it (not a terminal: flat, keys padded to the "
      .. "longest) from cpu_info, sibling/core maps, cacheinfo (instances by cache id) and the "
      .. "nodes' online CPUs; every live line but those a dump cannot give (Vulnerabilities, "
      .. "computed at read time; DMI BIOS lines; MHz; the hypervisor lscpu reads with CPUID) is in "
      .. "the report. The shared fixtures have no live lscpu; the SMP fixture "
      .. "(tests/fixtures/make-smp-fixture.sh) has.",
  },
  -- }======
}
