/*
** known_globals.c -- see known_globals.h.  Sorted by name (strcmp order).
**
** The list is what kdlua's scripts read with kd.symbol (a report and the
** programs on each fixture, with its vmlinux, asked for these), less the
** per-CPU variables that BTF describes itself.  A script that reads a new
** global needs its line here: tests/sh/test_btf_report.sh fails until then.  An array whose length depends on the kernel
** or its configuration says where the length comes from instead of a
** number:
**   [enum:NAME]   the value of enumerator NAME (CGROUP_SUBSYS_COUNT...)
**   [bits:TYPE]   the number of bits in TYPE (NR_CPUS is the bits of
**                 struct cpumask, MAX_NUMNODES those of nodemask_t)
**   [sentinel]    up to and with the first all-zero element (arrays that
**                 end with one: SNMP_MIB_SENTINEL, NULL, a string's NUL)
**   [nonzero]     the elements before the next symbol, less the all-zero
**                 ones at the end (padding): taint_flags[TAINT_FLAGS_COUNT]
**   [as:NAME]     as long as entry NAME (the MAX_SWAPFILES arrays)
**   struct {a,b}  an unnamed struct, the first whose members are a and b
**   [room]        as many elements as fit before the next symbol: only
**                 where the test against DWARF shows that it is exact
** x86_platform_ipi_callback, a function pointer kdlua cannot spell, reads
** as a void pointer (the same 8 bytes).  Module globals (dm_mod's
** name_rb_tree...) are here too: their modules' BTF has their types.
*/
#include "known_globals.h"

#include <stdlib.h>
#include <string.h>

static const struct { const char *name, *type; } globals[] = {
  { "__cpu_online_mask", "struct cpumask" },
  { "__cpu_possible_mask", "struct cpumask" },
  { "__cpu_present_mask", "struct cpumask" },
  { "__per_cpu_offset", "long unsigned int [bits:struct cpumask]" },
  { "__pgtable_l5_enabled", "unsigned int" },
  { "__sched_clock_stable", "struct static_key_false" },
  { "_totalram_pages", "atomic_long_t" },
  { "arp_tbl", "struct neigh_table" },
  { "avenrun", "long unsigned int [3]" },
  { "blk_mq_queue_attrs", "struct attribute *[sentinel]" },
  { "blk_queue_flag_name", "char *[nonzero]" },
  { "block_class", "struct class" },
  { "block_depr", "struct kobject *" },
  { "blockdev_superblock", "struct super_block *" },
  { "boot_cpu_data", "struct cpuinfo_x86" },
  { "bpf_kallsyms", "struct list_head" },
  { "cad_pid", "struct pid *" },
  { "cgroup_roots", "struct list_head" },
  { "cgroup_subsys", "struct cgroup_subsys *[enum:CGROUP_SUBSYS_COUNT]" },
  { "cgroup_subsys_enabled_key", "struct static_key_true *[enum:CGROUP_SUBSYS_COUNT]" },
  { "cgrp_dfl_root", "struct cgroup_root" },
  { "cgrp_dfl_visible", "bool" },
  { "chrdevs", "struct char_device_struct *[room]" },
  { "class_kset", "struct kset *" },
  { "cpu_khz", "unsigned int" },
  { "cpu_l2c_id", "u16" },
  { "debug_boot_weak_hash", "int" },
  { "default_hstate_idx", "unsigned int" },
  { "default_qdisc_ops", "struct Qdisc_ops *" },
  { "direct_gbpages", "int" },
  { "direct_pages_count", "long unsigned int [enum:PG_LEVEL_NUM]" },
  { "dirty_background_bytes", "long unsigned int" },
  { "dirty_background_ratio", "int" },
  { "dqstats", "struct dqstats" },
  { "elv_list", "struct list_head" },
  { "file_systems", "struct file_system_type *" },
  { "files_stat", "struct files_stat_struct" },
  { "filled_random_ptr_key", "bool" },
  { "ftrace_mod_maps", "struct list_head" },
  { "hstates", "struct hstate [2]" },
  { "hugetlb_max_hstate", "int" },
  { "icmp6type2name", "char *[256]" },
  { "icmpmibmap", "struct {name,index} [sentinel]" },
  { "init_ipc_ns", "struct ipc_namespace" },
  { "init_net", "struct net" },
  { "init_pid_ns", "struct pid_namespace" },
  { "init_task", "struct task_struct" },
  { "init_user_ns", "struct user_namespace" },
  { "init_uts_ns", "struct uts_namespace" },
  { "irq_desc_tree", "struct xarray" },
  { "irq_err_count", "atomic_t" },
  { "irq_mis_count", "atomic_t" },
  { "jiffies", "long unsigned int" },
  { "jiffies_64", "u64" },
  { "kprobe_insn_slots", "struct kprobe_insn_cache" },
  { "kprobe_optinsn_slots", "struct kprobe_insn_cache" },
  { "kptr_restrict", "int" },
  { "linux_proc_banner", "char [sentinel]" },
  { "major_names", "struct blk_major_name *[room]" },
  { "max_threads", "int" },
  { "mem_section", "struct mem_section **" },
  { "memory_blocks", "struct xarray" },
  { "migratetype_names", "char *[enum:MIGRATE_TYPES]" },
  { "misc_list", "struct list_head" },
  { "modules", "struct list_head" },
  { "mptcp_snmp_list", "struct snmp_mib [sentinel]" },
  { "name_rb_tree", "struct rb_root" },
  { "nd_tbl", "struct neigh_table" },
  { "net_hotdata", "struct net_hotdata" },
  { "netdev_rss_key", "u8 [52]" },
  { "no_hash_pointers", "bool" },
  { "node_data", "struct pglist_data *[bits:nodemask_t]" },
  { "node_states", "nodemask_t [enum:NR_NODE_STATES]" },
  { "node_to_cpumask_map", "cpumask_var_t [bits:nodemask_t]" },
  { "nr_cpu_ids", "unsigned int" },
  { "nr_files", "struct percpu_counter" },
  { "nr_irqs", "int" },
  { "nr_node_ids", "unsigned int" },
  { "nr_swap_pages", "atomic_long_t" },
  { "nr_swapfiles", "unsigned int" },
  { "nr_swapper_spaces", "unsigned int [as:swap_info]" },
  { "nr_threads", "int" },
  { "nr_vmalloc_pages", "atomic_long_t" },
  { "num_poisoned_pages", "atomic_long_t" },
  { "panic_cpu", "atomic_t" },
  { "pcpu_nr_populated", "long unsigned int" },
  { "pcpu_nr_units", "int" },
  { "pid_max", "int" },
  { "prb", "struct printk_ringbuffer *" },
  { "proto_list", "struct list_head" },
  { "ptr_key", "siphash_key_t" },
  { "ptype_all", "struct list_head" },
  { "ptype_base", "struct list_head [16]" },
  { "purge_vmap_area_list", "struct list_head" },
  { "queue_attrs", "struct attribute *[sentinel]" },
  { "raw_prot", "struct proto" },
  { "raw_v4_hashinfo", "struct raw_hashinfo" },
  { "raw_v6_hashinfo", "struct raw_hashinfo" },
  { "rawv6_prot", "struct proto" },
  { "rps_sock_flow_table", "struct rps_sock_flow_table *" },
  { "saved_command_line", "char *" },
  { "sched_feat_names", "char *[enum:__SCHED_FEAT_NR]" },
  { "sched_schedstats", "struct static_key_false" },
  { "seccomp_actions_logged", "u32" },
  { "seccomp_log_names", "struct seccomp_log_name [sentinel]" },
  { "sections_per_block", "int" },
  { "shost_class", "struct class" },
  { "slab_caches", "struct list_head" },
  { "slab_kset", "struct kset *" },
  { "snmp4_ipextstats_list", "struct snmp_mib [sentinel]" },
  { "snmp4_ipstats_list", "struct snmp_mib [sentinel]" },
  { "snmp4_net_list", "struct snmp_mib [sentinel]" },
  { "snmp4_tcp_list", "struct snmp_mib [sentinel]" },
  { "snmp4_udp_list", "struct snmp_mib [sentinel]" },
  { "snmp6_icmp6_list", "struct snmp_mib [sentinel]" },
  { "snmp6_ipstats_list", "struct snmp_mib [sentinel]" },
  { "snmp6_udp6_list", "struct snmp_mib [sentinel]" },
  { "snmp6_udplite6_list", "struct snmp_mib [sentinel]" },
  { "softirq_to_name", "char *[enum:NR_SOFTIRQS]" },
  { "sparse_irqs", "struct maple_tree" },
  { "spectre_v2_user_ibpb", "enum spectre_v2_user_mitigation" },
  { "spectre_v2_user_stibp", "enum spectre_v2_user_mitigation" },
  { "ssb_mode", "enum ssb_mitigation" },
  { "super_blocks", "struct list_head" },
  { "swap_info", "struct swap_info_struct *[room]" },
  { "swapper_spaces", "struct address_space *[as:swap_info]" },
  { "sysctl_hung_task_timeout_secs", "long unsigned int" },
  { "sysctl_numa_balancing_mode", "int" },
  { "sysctl_overcommit_kbytes", "long unsigned int" },
  { "sysctl_overcommit_ratio", "int" },
  { "sysctl_sched_child_runs_first", "unsigned int" },
  { "sysctl_sched_features", "unsigned int" },
  { "sysctl_sched_idle_min_granularity", "unsigned int" },
  { "sysctl_sched_latency", "unsigned int" },
  { "sysctl_sched_min_granularity", "unsigned int" },
  { "sysctl_sched_tunable_scaling", "unsigned int" },
  { "sysctl_sched_wakeup_granularity", "unsigned int" },
  { "sysctl_table_root", "struct ctl_table_root" },
  { "sysrq_always_enabled", "bool" },
  { "sysrq_enabled", "int" },
  { "system_vectors", "long unsigned int [4]" },
  { "taint_flags", "struct taint_flag [nonzero]" },
  { "tainted_mask", "long unsigned int" },
  { "tcp_cong_list", "struct list_head" },
  { "tcp_prot", "struct proto" },
  { "tcp_ulp_list", "struct list_head" },
  { "tcpv6_prot", "struct proto" },
  { "tick_nohz_active", "long unsigned int" },
  { "tick_nsec", "long unsigned int" },
  { "tk_core", "struct {seq,timekeeper}" },
  { "total_cpus", "unsigned int" },
  { "total_forks", "long unsigned int" },
  { "total_swap_pages", "long int" },
  { "totalreserve_pages", "long unsigned int" },
  { "transparent_hugepage_flags", "long unsigned int" },
  { "udp_prot", "struct proto" },
  { "udp_table", "struct udp_table" },
  { "udplite_prot", "struct proto" },
  { "udplite_table", "struct udp_table" },
  { "udplitev6_prot", "struct proto" },
  { "udpv6_prot", "struct proto" },
  { "usermodehelper_bset", "kernel_cap_t" },
  { "usermodehelper_inheritable", "kernel_cap_t" },
  { "vlan_name_type_str", "char *[enum:VLAN_NAME_TYPE_HIGHEST]" },
  { "vm_committed_as", "struct percpu_counter" },
  { "vm_dirty_bytes", "long unsigned int" },
  { "vm_dirty_ratio", "int" },
  { "vmalloc_base", "long unsigned int" },
  { "vmap_area_list", "struct list_head" },
  { "vmemmap_base", "long unsigned int" },
  { "watchdog_cpumask", "struct cpumask" },
  { "x86_bug_flags", "char *[room]" },
  { "x86_cap_flags", "char *[room]" },
  { "x86_hyper_type", "enum x86_hypervisor_type" },
  { "x86_platform_ipi_callback", "void *" },
  { "x86_power_flags", "char *[32]" },
};

static int cmp(const void *key, const void *elem) {
  return strcmp(key, *(const char *const *)elem);
}

const char *kd_known_global_type(const char *name) {
  const void *e = bsearch(name, globals, sizeof globals / sizeof globals[0],
                          sizeof globals[0], cmp);
  return e ? ((const char *const *)e)[1] : NULL;
}

const char *kd_known_global_at(size_t i, const char **type) {
  if (i >= sizeof globals / sizeof globals[0]) return NULL;
  *type = globals[i].type;
  return globals[i].name;
}
