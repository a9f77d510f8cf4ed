-- fidelity/rules/sysinfo.lua: kernel-side files of the smaller sos
-- plugins (console, pci, memory's /sys/kernel/mm, kernel's
-- execdomains/vmcoreinfo, numa, cgroups).  Schema: fidelity/init.lua.

local rules = {}

-- a cgroup2 file of the root and of every cgroup below it
local function cgroup_file(name, rule)
  local function copy(truth)
    local r = {}
    for k, v in pairs(rule) do r[k] = v end
    r.truth = truth
    return r
  end
  rules["sys/fs/cgroup/" .. name] = copy("sys/fs/cgroup/" .. name)
  rules["sys/fs/cgroup/**/" .. name] = copy("sys/fs/cgroup/**/" .. name)
end

local MEMBERS = { class = "static", kind = "extract", compare = "subset", pattern = "^(%d+)$", alive = 1,
  note = "Tasks whose css_set's dfl_cgrp is this cgroup (leaders whose group lives / threads not "
    .. "exiting), by pid; the live order is the css_sets' (compared as a set): every live pid "
    .. "still in the dump is listed (pids gone at the crash skipped; tasks started after the "
    .. "capture, like the 6.12 fixture's sleep 60, are extra)." }
cgroup_file("cgroup.procs", MEMBERS)
cgroup_file("cgroup.threads", MEMBERS)
cgroup_file("cgroup.controllers", { class = "static",
  note = "cgroup_control(): the parent's subtree_control, the root's subsys_mask less the "
    .. "inhibited/implicit controllers; names in cgroup_subsys[] order." })
cgroup_file("cgroup.subtree_control", { class = "static",
  note = "subtree_control's controller names (an empty file for none)." })
cgroup_file("memory.max", { class = "static", note = "memory.max in bytes, or max." })
cgroup_file("pids.max", { class = "static", note = "pids limit, or max (PIDS_MAX)." })
cgroup_file("cpu.weight", { class = "static",
  note = "The task group's shares as a cgroup weight (cpu_weight_read_u64)." })
cgroup_file("cpu.weight.nice", { class = "static",
  note = "The nice value whose sched_prio_to_weight[] is nearest the shares." })
cgroup_file("cpu.idle", { class = "static", note = "tg->idle (cgroup SCHED_IDLE, 5.15+)." })
cgroup_file("cpu.max", { class = "static",
  note = "cfs_bandwidth quota (max for RUNTIME_INF) and period in microseconds." })
cgroup_file("cpu.max.burst", { class = "static", note = "cfs_bandwidth burst in microseconds." })
cgroup_file("memory.current", { class = "drifting", kind = "lines", tolerance = { ["*"] = { any = true } },
  note = "page_counter usage x page size: drifts (the 6.12 fixture's crash is this memcg's OOM "
    .. "at its 64 MB limit)." })
cgroup_file("memory.events", { class = "drifting", kind = "keyvalue", tolerance = { ["*"] = { monotonic = true } },
  note = "memory_events[] counters (low high max oom oom_kill oom_group_kill) only grow: the "
    .. "crash's OOM counts." })
cgroup_file("pids.current", { class = "drifting", kind = "lines", tolerance = { ["*"] = { abs = 16 } },
  note = "pids counter: tasks come and go." })

rules["sys/devices/system/node/online"] = { truth = "sys/devices/system/node/online", class = "static",
  note = "node_states[N_ONLINE] as a list." }
for _, st in ipairs({ "possible", "has_normal_memory", "has_high_memory", "has_memory", "has_cpu",
                     "has_generic_initiator" }) do
  rules["sys/devices/system/node/" .. st] = { truth = "sys/devices/system/node/" .. st, class = "static",
    note = "print_nodes_state(): node_states[] as a list (has_high_memory only with CONFIG_HIGHMEM)." }
end
rules["sys/devices/system/node/node{n}/cpulist"] = { truth = "sys/devices/system/node/node{n}/cpulist",
  class = "static",
  note = "cpumask_of_node() & the CPUs online before the panic, as a list (the SMP fixture of "
    .. "tests/fixtures/make-smp-fixture.sh has the live file)." }
rules["sys/devices/system/node/node{n}/cpumap"] = { truth = "sys/devices/system/node/node{n}/cpumap",
  class = "static", note = "The same mask as \"%*pb\" over nr_cpu_ids bits (cpumap_read)." }
rules["sys/devices/system/node/node{n}/distance"] = { truth = "sys/devices/system/node/node{n}/distance",
  class = "static",
  note = "node_distance() to each online node (numa_distance, 10/20 outside the table; the SMP "
    .. "fixture's SLIT says 21)." }
local NODE_EVENTS = { monotonic = true, abs = 131072 }
rules["sys/devices/system/node/node{n}/numastat"] = {
  truth = "sys/devices/system/node/node{n}/numastat", class = "drifting", kind = "keyvalue",
  tolerance = { ["*"] = NODE_EVENTS },
  note = "node_read_numastat(): the node's zones' NUMA events after fold_vm_numa_events() (the "
    .. "per-CPU deltas of the CPUs online before the panic); events only grow, by what the "
    .. "capture and the crash allocated." }
rules["sys/devices/system/node/node{n}/vmstat"] = {
  truth = "sys/devices/system/node/node{n}/vmstat", class = "drifting", kind = "keyvalue",
  tolerance = { ["*"] = { abs = 49152 }, numa_hit = NODE_EVENTS, numa_local = NODE_EVENTS,
    numa_other = NODE_EVENTS, numa_interleave = NODE_EVENTS, numa_miss = NODE_EVENTS,
    numa_foreign = NODE_EVENTS },
  note = "node_read_vmstat(): zone items summed over the node's zones, the NUMA events, the node "
    .. "items (THP ones in huge pages): names and order exact, values within 192 MB of pages "
    .. "(as node meminfo)." }
rules["sys/devices/system/node/node{n}/meminfo"] = {
  truth = "sys/devices/system/node/node{n}/meminfo", class = "drifting", kind = "keyvalue",
  tolerance = { ["*"] = { abs = 196608 } },
  note = "node_read_meminfo() of the node: the same keys in the same order (layout exact); the "
    .. "values are the node's counters, taken at the capture's start: within 192 MB (what the "
    .. "capture and the 6.12 crash's memcg OOM moved, see rules/memory.lua)." }

for k, v in pairs({
  ["proc/consoles"] = { truth = "proc/consoles", class = "static",
    note = "console_list (console_drivers before 6.2): name+index padded to 21, R/W/U from the "
      .. "callbacks present, the CON_* flag letters (N since nbcon), the tty's dev_t from the "
      .. "uart/vt console device callbacks decoded by name." },
  ["proc/crypto"] = { truth = "proc/crypto", class = "static",
    note = "crypto_alg_list in list order; refcnt is exact on both fixtures (no crypto use "
      .. "between capture and crash); the type lines from the type's show() decoded by name." },
  ["proc/execdomains"] = { truth = "proc/execdomains", class = "static",
    note = "One fixed line since 4.1." },
  ["proc/iomem"] = { truth = "proc/iomem", class = "static",
    note = "iomem_resource tree, pre-order, real addresses (root reader)." },
  ["proc/ioports"] = { truth = "proc/ioports", class = "static",
    note = "ioport_resource tree, pre-order, 4 hex digits (the root ends below 0x10000)." },
  ["sys/kernel/vmcoreinfo"] = { truth = "sys/kernel/vmcoreinfo", class = "static",
    note = "__pa(vmcoreinfo_note) as %pa and VMCOREINFO_NOTE_SIZE in hex." },
  ["sys/kernel/mm/transparent_hugepage/enabled"] = {
    truth = "sys/kernel/mm/transparent_hugepage/enabled", class = "static",
    note = "transparent_hugepage_flags' FLAG / REQ_MADV_FLAG bits as enabled_show() words them." },
  ["sys/kernel/mm/transparent_hugepage/*"] = { truth = nil, class = "static",
    note = "defrag, use_zero_page, hpage_pmd_size from transparent_hugepage_flags and the page "
      .. "size; no live file in the fixtures." },
}) do rules[k] = v end

return rules
