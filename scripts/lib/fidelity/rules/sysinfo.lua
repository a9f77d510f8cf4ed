-- fidelity/rules/sysinfo.lua: kernel-side files of the smaller sos
-- plugins (console, pci, memory's /sys/kernel/mm, kernel's
-- execdomains/vmcoreinfo, numa, cgroups).  Schema: fidelity/init.lua.

return {
  ["proc/consoles"] = { truth = "proc/consoles", class = "static",
    note = "console_list (console_drivers before 6.2): name+index padded to 21, R/W/U from the "
      .. "callbacks present, the CON_* flag letters (N since nbcon), the tty's dev_t from the "
      .. "uart/vt console device callbacks decoded by name." },
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
}
