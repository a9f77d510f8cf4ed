-- fidelity/rules/kernel.lua: how each file of the kernel, processor and
-- scheduler area compares with what the live system showed (truth/, see
-- truth/INDEX.md).  Same fields as rules/memory.lua:
--   truth      file under truth/ it is compared with (nil: none exists)
--   truth_end  second sample taken at the end of the capture, if any
--   class      "static" (must be exact), "drifting" (static parts exact,
--              counters within tolerance) or "stub"
--   format     "lines" (line by line as the note says), "keyvalue"
--              ("key = value" / "key: value"), "columns" (whitespace
--              separated numbers after a label)
--   static     keys / parts that must be exact
--   tolerance  [key] = {abs = n} | {rel = r} | {monotonic = true, ...};
--              "*" is the default for keys not listed
--   note       why it differs / what the tolerance covers
--
-- Timeline of the shared dump (uptime, s): capture start 9.30, end 16.33,
-- crash 17.87; between the end and the crash the capturing shell wrote
-- the ~6 MB truth tar to /dev/vda with dd conv=fsync.  Counters that only
-- grow therefore lie between the truth and about 1.5x the .end sample, and
-- the virtio-blk interrupts/softirqs grow from ~0 to ~150.

local LINES, KV, COLS = "lines", "keyvalue", "columns"

local MONO = { monotonic = true, upper = "truth_end", upper_rel = 1.5, upper_abs = 400 }

return {
  -- {====== static ======
  ["proc/kallsyms"] = {
    truth = "proc/kallsyms.xz", class = "static", format = LINES,
    note = "Exact (88265 lines): core symbols from kallsyms_names/token_table/token_index/"
      .. "offsets/relative_base/num_syms (VMCOREINFO), absolute-percpu decoding detected from "
      .. "negative offsets; then each module (modules list order) from mod->kallsyms symtab/"
      .. "strtab/typetab, type upper-cased when exported with that value. BPF/ftrace/kprobe "
      .. "entries (none here) would make it a stub naming them. truth is xz-compressed.",
  },
  ["proc/misc"] = { truth = "proc/misc", class = "static", format = LINES,
    note = "misc_list in list order, \"%3i %s\"." },
  ["proc/devices"] = { truth = "proc/devices", class = "static", format = LINES,
    note = "chrdevs/major_names hash chains sorted by major (chain order kept); the arrays' "
      .. "bound comes from the ELF symbol size when the debug info declares them []." },
  ["proc/filesystems"] = { truth = "proc/filesystems", class = "static", format = LINES,
    note = "file_systems chain; \"nodev\" unless FS_REQUIRES_DEV." },
  ["proc/cgroups"] = { truth = "proc/cgroups", class = "static", format = LINES,
    note = "cgroup_subsys[]: legacy_name, root->hierarchy_id, root->nr_cgrps, static key "
      .. "cgroup_subsys_enabled_key[i]." },
  ["proc/cpuinfo"] = {
    truth = "proc/cpuinfo", class = "static", format = LINES,
    static = { "every line; cpu MHz and bogomips are informative per INDEX.md but exact here" },
    note = "One block per CPU online before the panic: the dump's cpu_online_mask holds only "
      .. "the panic CPU (the other ran stop_this_cpu), the live file was read with both online; "
      .. "report/cpus.lua counts the stopped CPU online, so both blocks are printed from their "
      .. "cpu_info. Flags/bugs from x86_capability with x86_cap_flags/x86_bug_flags; MHz from "
      .. "APERF/MPERF of the last tick, cpufreq policy->cur, else cpu_khz (here cpu_khz).",
  },
  ["sys/devices/system/cpu/cpu{cpu}/topology/*"] = {
    truth = "sys/devices/system/cpu/cpu{cpu}/topology/*", class = "static", format = LINES,
    note = "16 files per CPU (x86 6.1 with die and cluster); masks \"%*pb\" over nr_cpu_ids "
      .. "bits and \"%*pbl\"; ppin is not emitted (visible only when non-zero).",
  },
  ["proc/sys/kernel/pid_max"] = { truth = "proc/sys/kernel/pid_max", class = "static" },
  ["proc/sys/kernel/threads-max"] = { truth = "proc/sys/kernel/threads-max", class = "static" },
  ["proc/sys/kernel/panic"] = { truth = "proc/sys/kernel/panic", class = "static" },
  ["proc/sys/kernel/panic_on_oops"] = { truth = "proc/sys/kernel/panic_on_oops", class = "static" },
  ["proc/sys/kernel/hung_task_panic"] = { truth = "proc/sys/kernel/hung_task_panic", class = "static" },
  ["proc/sys/kernel/hung_task_timeout_secs"] = { truth = "proc/sys/kernel/hung_task_timeout_secs", class = "static" },
  ["proc/sys/kernel/sysrq"] = { truth = "proc/sys/kernel/sysrq", class = "static" },
  ["proc/sys/kernel/kptr_restrict"] = { truth = "proc/sys/kernel/kptr_restrict", class = "static" },
  ["proc/sys/fs/nr_open"] = { truth = "proc/sys/fs/nr_open", class = "static" },
  ["proc/sys/vm/overcommit_memory"] = { truth = "proc/sys/vm/overcommit_memory", class = "static" },
  ["proc/sys/vm/min_free_kbytes"] = { truth = "proc/sys/vm/min_free_kbytes", class = "static" },
  ["proc/sys/vm/swappiness"] = { truth = "proc/sys/vm/swappiness", class = "static" },
  ["proc/sys/kernel/core_pattern"] = { truth = nil, class = "static",
    note = "in truth/cmd/sysctl-a.txt (kernel.core_pattern)" },
  ["proc/sys/kernel/randomize_va_space"] = { truth = nil, class = "static",
    note = "in truth/cmd/sysctl-a.txt" },
  ["proc/sys/fs/file-max"] = { truth = nil, class = "static", note = "in truth/cmd/sysctl-a.txt" },
  ["proc/sys/vm/dirty_ratio"] = { truth = nil, class = "static", note = "in truth/cmd/sysctl-a.txt" },
  ["proc/sys/vm/dirty_background_ratio"] = { truth = nil, class = "static", note = "in truth/cmd/sysctl-a.txt" },
  ["proc/sys/vm/max_map_count"] = { truth = nil, class = "static", note = "in truth/cmd/sysctl-a.txt" },
  ["proc/sys/kernel/printk"] = {
    truth = nil, class = "drifting", format = COLS,
    static = { "fields 2-4" },
    note = "console_loglevel (field 1) is 15 in the dump: panic() calls console_verbose(); "
      .. "the live value was 7 (truth/cmd/sysctl-a.txt kernel.printk). Not recoverable.",
  },
  -- }======

  -- {====== drifting ======
  ["proc/sys/fs/file-nr"] = {
    truth = "proc/sys/fs/file-nr", class = "drifting", format = COLS,
    static = { "fields 2-3" },
    tolerance = { ["1"] = { range_of = { "proc/sys/fs/file-nr", "cmd/sysctl-a.txt:fs.file-nr" }, rel = 0.25 } },
    note = "Open files of the capture helpers: 224 at copy time, 256 in the later sysctl -a, 226 at the crash.",
  },
  ["proc/sys/fs/inode-nr"] = {
    truth = "proc/sys/fs/inode-nr", class = "drifting", format = COLS,
    static = { "field 2" },
    tolerance = { ["1"] = { range_of = { "proc/sys/fs/inode-nr", "cmd/sysctl-a.txt:fs.inode-nr" }, rel = 0.25 } },
    note = "proc inodes made by the capture: 11416 at copy time, 17156 in sysctl -a, 18083 at the crash.",
  },
  ["sos_commands/kernel/sysctl_-a"] = {
    truth = "cmd/sysctl-a.txt", class = "stub", format = KV,
    static = { "every key except those below, with its value" },
    tolerance = {
      ["fs.dentry-state"] = { rel = 0.25 }, ["fs.file-nr"] = { rel = 0.25 },
      ["fs.inode-nr"] = { rel = 0.25 }, ["fs.inode-state"] = { rel = 0.25 },
      ["kernel.ns_last_pid"] = { rel = 0.25 },
      ["kernel.printk"] = { static = "fields 2-4", note = "field 1: console_verbose() at panic -> 15" },
    },
    absent = { "kernel.random.uuid", "*.retrans_time", "*.base_reachable_time" },
    note = "Stub only because some readable keys have no value in a dump (named in the header: "
      .. "kernel.random.uuid is new per read; stable_secret reads fail with EIO until set; "
      .. "vm.stat_refresh reads nothing). The file is procps-ng's form: deprecated "
      .. "base_reachable_time/retrans_time are left out (busybox, which made the truth, prints "
      .. "them; sysctl.sysctl_a{busybox=true} gives that form, which matches the truth on every other key). "
      .. "Walk: sysctl_table_root default set, links followed into init_net.sysctls, "
      .. "init_user_ns.set, init_ipc_ns.ipc_set/mq_set (matched by set->dir.header.root).",
  },
  ["proc/stat"] = {
    truth = "proc/stat", truth_end = "proc/stat.end", class = "drifting", format = COLS,
    static = { "line labels and order", "btime", "number of intr and softirq fields" },
    tolerance = { ["*"] = MONO },
    note = "Counters of each CPU as it stopped. cpuN lines for the CPUs online before the panic; "
      .. "idle/iowait from tick_cpu_sched idle_sleeptime (+ the open idle period up to the last "
      .. "timekeeping update) as get_idle_time() with NO_HZ. dump in [truth, 1.5 x end + 400]: "
      .. "ctxt grew 34% after the end sample, the virtio-blk irqs 0 -> ~150 (dd of the truth tar).",
  },
  ["proc/interrupts"] = {
    truth = "proc/interrupts", class = "drifting", format = COLS,
    static = { "header", "row labels", "chip names, hwirq, handler name, action names", "ERR/MIS rows" },
    tolerance = { ["*"] = { monotonic = true, per_second = 400, since = "capture_start_uptime" } },
    note = "No .end sample: per-CPU counts lie in [truth, truth + 400/s x (crash - capture start)] "
      .. "(LOC ticks at HZ=250 plus IPIs). virtio0-req.0/1 = 153/158 match crash's `irq -s`. "
      .. "Arch rows follow the members of irq_cpustat_t (no THR/DFR/MCE here).",
  },
  ["proc/softirqs"] = {
    truth = "proc/softirqs", class = "drifting", format = COLS,
    static = { "header", "softirq names" },
    tolerance = { ["*"] = { monotonic = true, per_second = 400, since = "capture_start_uptime" } },
    note = "kstat.softirqs[] per possible CPU.",
  },
  ["proc/loadavg"] = {
    truth = "proc/loadavg", truth_end = "proc/loadavg.end", class = "drifting", format = COLS,
    tolerance = { load = { abs = 0.1 }, nr_threads = { abs = 10 }, last_pid = { min = "end", abs = 50 } },
    note = "avenrun of the last calc_global_load; equals the .end sample (0.15 0.03 0.01). "
      .. "running counts the panicking task; last pid = init_pid_ns.idr.idr_next - 1.",
  },
  ["proc/uptime"] = {
    truth = "proc/uptime", truth_end = "proc/uptime.end", class = "drifting", format = COLS,
    tolerance = { uptime = { min = "end", abs = 60 }, idle = { monotonic = true } },
    note = "CLOCK_BOOTTIME of the last timekeeper update (17.87 s; crash's `sys` says 00:00:17); "
      .. "idle = sum of get_idle_time() over possible CPUs.",
  },
  ["sys/kernel/debug/sched/debug"] = {
    truth = "sys/kernel/debug/sched/debug", class = "drifting", format = LINES,
    static = { "version line", "sysctl_sched section", "cpu#N MHz lines", "section keys and order",
      "rt_runtime", "dl_bw", "task (pid, comm) set of live tasks" },
    tolerance = { ["*"] = { any = true } },
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
    truth = nil, class = "stub",
    note = "Entries, modes, link counts, symlink targets from slab_kset's kernfs tree; sysfs inode "
      .. "times are made when first looked up (no iattr), so shown as ??? and sorted by name. Every "
      .. "cache of truth/proc/slabinfo is listed.",
  },
  ["sos_commands/processor/lscpu"] = {
    truth = nil, class = "stub",
    note = "Summary from cpu_info, sibling/core maps, cacheinfo and node_to_cpumask_map; checked "
      .. "against truth/proc/cpuinfo (model, flags, bogomips). Not in a dump: Vulnerabilities "
      .. "(computed at read time), DMI BIOS vendor/model, hypervisor vendor from CPUID.",
  },
  -- }======
}
