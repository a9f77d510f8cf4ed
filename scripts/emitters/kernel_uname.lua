-- utsname: `uname -a` (coreutils/busybox: sysname nodename release version
-- machine, then the operating system "GNU/Linux") and the sysctls of
-- kernel/utsname_sysctl.c, all from init_uts_ns (kd.uts()).

plugin{ name = "kernel", description = "Linux kernel" }
plugin{ name = "kernel_info", description = "kernel identity: banner, utsname, taints" }

local function field(name)
  return function()
    local v = kd.uts()[name]
    if v == nil then return nil, "init_uts_ns." .. name .. " not readable" end
    return v .. "\n"
  end
end

emit{
  command = "uname -a", plugin = "kernel", symlink = "uname",
  description = "uname -a from init_uts_ns",
  run = function()
    local u = kd.uts()
    if not (u.sysname and u.nodename and u.release and u.version and u.machine) then
      return nil, "init_uts_ns not readable"
    end
    return string.format("%s %s %s %s %s GNU/Linux\n",
      u.sysname, u.nodename, u.release, u.version, u.machine)
  end,
}

emit{ path = "proc/sys/kernel/ostype", plugin = "kernel_info", run = field("sysname") }
emit{ path = "proc/sys/kernel/hostname", plugin = "kernel_info", run = field("nodename") }
emit{ path = "proc/sys/kernel/osrelease", plugin = "kernel_info", run = field("release") }
emit{ path = "proc/sys/kernel/version", plugin = "kernel_info", run = field("version") }
emit{ path = "proc/sys/kernel/domainname", plugin = "kernel_info", run = field("domainname") }
