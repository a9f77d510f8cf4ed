-- proc/version: the kernel banner.  fs/proc/version.c prints
-- linux_proc_banner ("%s version %s (builder@host) (compiler) %s\n") with
-- the sysname, release and version of the reader's UTS namespace; from a
-- dump, init's (kd.uts()).  Older kernels without linux_proc_banner:
-- linux_banner, which is the same text for the initial namespace.

local facts = require("report.facts")

plugin{ name = "kernel_info", description = "kernel identity: banner, utsname, taints" }

emit{
  path = "proc/version", plugin = "kernel_info",
  description = "kernel banner (linux_proc_banner with init's utsname)",
  run = function()
    local uts = kd.uts()
    local fmt = facts.sym("linux_proc_banner")
    if fmt and uts.sysname and uts.release and uts.version then
      local s = fmt:string_()
      local args, n = { uts.sysname, uts.release, uts.version }, 0
      local out = s:gsub("%%s", function() n = n + 1 return args[n] or "" end)
      if n == 3 then return out end
    end
    local banner = facts.sym("linux_banner")
    if banner then return banner:string_() end
    return nil, "neither linux_proc_banner nor linux_banner in the dump"
  end,
}
