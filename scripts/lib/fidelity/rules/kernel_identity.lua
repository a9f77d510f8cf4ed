-- fidelity/rules/kernel_identity.lua: the files that say which kernel ran
-- where (version, command line, modules, uname, hostname, taint, boot id,
-- CPU masks) and its log.  All of them are static: the truth was read
-- seconds before the crash and none of it changes while a kernel runs
-- (hostname and domainname could, but not on the shared dump).  Schema:
-- fidelity/init.lua.  tests/sh/test_report.sh compares the same files.

local function same(path, note)
  return { truth = path, class = "static", note = note }
end

return {
  ["proc/version"] = same("proc/version", "linux_banner as printed at boot (utsname release and version, "
    .. "the compiler string): exact."),
  ["proc/cmdline"] = same("proc/cmdline", "saved_command_line: exact."),
  ["proc/modules"] = same("proc/modules", "modules list: name, size, refcount, users, state and the "
    .. "real load addresses (kptr_restrict=0 for root, as when the truth was read): exact."),
  ["proc/sys/kernel/tainted"] = same("proc/sys/kernel/tainted", "tainted_mask: exact."),
  ["proc/sys/kernel/random/boot_id"] = same("proc/sys/kernel/random/boot_id",
    "the boot id's UUID bytes (sysctl_bootid): exact."),
  ["proc/sys/kernel/hostname"] = same("proc/sys/kernel/hostname", "init_uts_ns nodename: exact."),
  ["proc/sys/kernel/domainname"] = same("proc/sys/kernel/domainname", "init_uts_ns domainname: exact."),
  ["proc/sys/kernel/osrelease"] = same("proc/sys/kernel/osrelease", "utsname release: exact."),
  ["proc/sys/kernel/version"] = same("proc/sys/kernel/version", "utsname version: exact."),
  ["proc/sys/kernel/ostype"] = { truth = nil, class = "static",
    note = "\"Linux\" (utsname sysname); not in the truth." },
  ["sys/devices/system/cpu/online"] = same("sys/devices/system/cpu/online",
    "the CPUs online before the panic: the dump's cpu_online_mask lacks the CPU that "
      .. "smp_send_stop() stopped, report/cpus.lua counts it online as user space saw it: exact."),
  ["sys/devices/system/cpu/present"] = same("sys/devices/system/cpu/present", "cpu_present_mask: exact."),
  ["sys/devices/system/cpu/possible"] = same("sys/devices/system/cpu/possible", "cpu_possible_mask: exact."),
  ["sys/devices/system/cpu/offline"] = same("sys/devices/system/cpu/offline",
    "possible but not online (before the panic): exact."),
  ["sys/devices/system/cpu/kernel_max"] = same("sys/devices/system/cpu/kernel_max", "NR_CPUS - 1: exact."),
  ["sos_commands/kernel/uname_-a"] = same("cmd/uname-a.txt", "uname -a from utsname (the "
    .. "processor and hardware platform words as coreutils prints them on x86_64): exact."),
  ["sos_commands/kernel/lsmod"] = same("cmd/lsmod.txt", "the truth is busybox lsmod, whose "
    .. "layout kdlua's lsmod follows here (name, size, used by): exact."),
  ["sos_commands/host/hostname"] = same("cmd/hostname.txt", "nodename: exact."),
  ["sos_commands/host/hostname_-f"] = { truth = nil, class = "stub",
    note = "the nodename; the FQDN comes from the resolver (user space)." },
  ["sos_commands/host/hostid"] = { truth = nil, class = "stub",
    note = "/etc/hostid or the resolver's address: user space, nothing in the dump." },
  ["sos_commands/host/hostnamectl_status"] = { truth = nil, class = "stub",
    note = "transient hostname, boot ID, kernel, architecture, DMI vendor/model/firmware; the "
      .. "rest is systemd-hostnamed's files (each_fixture/host_identity.lua checks hostname, "
      .. "boot ID and release against truth)." },
  ["etc/hostname"] = same("cmd/hostname.txt", "/etc/hostname rebuilt from the nodename "
    .. "(the file itself is on disk): exact against `hostname`."),
  ["sos_commands/kernel/dmesg"] = {
    truth = "cmd/dmesg.txt", class = "static", kind = "prefix",
    note = "printk ringbuffer records as dmesg prints them; the live dmesg is a prefix of the "
      .. "dump's log, which goes on with what came after the capture (the truth tar written, "
      .. "the sysrq crash).",
  },
  ["sos_commands/vmcore/panic"] = { truth = nil, class = "static",
    note = "panic message and panicking task from the dump; checked in test_report.sh "
      .. "(crash_pid)." },
  ["sos_commands/vmcore/bt_-a"] = { truth = nil, class = "static",
    note = "crash's bt -a from the core's unwinder; tests/sh/test_stack_trace.sh checks the "
      .. "traces against the serial console and crash's output." },
  ["sos_commands/vmcore/foreach_bt"] = { truth = nil, class = "static",
    note = "crash's foreach bt; each task's frames are those of proc/<pid>/stack (compared "
      .. "with the truth by tests/sh/test_stack_trace.sh)." },
  ["sos_commands/vmcore/crash_time"] = { truth = nil, class = "static",
    note = "VMCOREINFO CRASHTIME or the last tick; test_report.sh checks it follows the capture." },
  ["sos_commands/vmcore/dump_info"] = { truth = nil, class = "static",
    note = "dump format, KASLR offset, build-id...: facts of the dump file, no live counterpart." },
  ["sos_commands/vmcore/taint"] = { truth = nil, class = "static",
    note = "taint flags in words; the number is proc/sys/kernel/tainted." },
  ["sos_commands/vmcore/vmcoreinfo"] = { truth = nil, class = "static",
    note = "the VMCOREINFO note's text; truth/sys/kernel/vmcoreinfo is only its physical "
      .. "address and size." },
}
