-- host plugin: `hostname -f`, `hostid` and `hostnamectl status` (sos's
-- host plugin runs the three).  Each is what the kernel holds of it; what
-- the tool takes from user space (files, the resolver, systemd-hostnamed)
-- is not in a dump, so every file is a stub whose reason names that part.
local dmi = require("kernel.dmi")

plugin{ name = "host", description = "host information" }

-- hostname -f: net-tools' hostname asks the resolver for the canonical
-- name of gethostname() (getaddrinfo AI_CANONNAME: /etc/hosts, DNS).
emit{
  command = "hostname -f", plugin = "host",
  description = "the UTS nodename (the FQDN comes from the resolver)",
  run = function()
    local n = kd.uts().nodename
    if n == nil or n == "" then return nil, "init_uts_ns.nodename not readable" end
    return stub("the fully qualified name comes from the resolver (/etc/hosts, DNS), " ..
                "user space not in the dump; shown: the kernel's nodename", n .. "\n")
  end,
}

-- hostid: glibc gethostid() reads /etc/hostid, else resolves the hostname
-- to an IPv4 address and swaps its 16-bit halves: both are user space.
emit{
  command = "hostid", plugin = "host",
  description = "host id (from /etc/hostid or the resolver, neither in a dump)",
  run = function()
    return stub("gethostid() reads /etc/hostid, else the address the resolver gives " ..
                "for the hostname: user space, not in the dump")
  end,
}

-- systemd's names of uname machines (src/basic/architecture.c)
local ARCH = {
  x86_64 = "x86-64", i386 = "x86", i486 = "x86", i586 = "x86", i686 = "x86",
  aarch64 = "arm64", aarch64_be = "arm64-be", ppc64le = "ppc64-le", ppc64 = "ppc64",
  ppc = "ppc", s390x = "s390x", s390 = "s390", riscv64 = "riscv64", riscv32 = "riscv32",
  loongarch64 = "loongarch64", mips64 = "mips64", mips = "mips", sparc64 = "sparc64",
  alpha = "alpha", ia64 = "ia64", parisc64 = "parisc64", parisc = "parisc", m68k = "m68k",
}

-- boot_id as sd_id128 prints it (32 lowercase hex digits), or nil when it
-- was never generated (drivers/char/random.c makes it on first read)
local function boot_id()
  local addr = kd.symbol_address("sysctl_bootid")
  if not addr then return nil end
  local ok, raw = pcall(kd.read, addr, 16)
  if not ok or raw == string.rep("\0", 16) then return nil end
  return (raw:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end

-- hostnamectl status (systemd 252): a two-column table, the field names
-- with their colon right-aligned to the longest one shown, one space, the
-- value; a field without a value is left out.  The transient hostname is
-- the kernel's; hostnamectl prints it only when it differs from the
-- static one, which lives in /etc/hostname, so here it is always shown.
emit{
  command = "hostnamectl status", plugin = "host",
  description = "hostnamectl's fields the kernel holds (nodename, boot ID, kernel, DMI)",
  run = function()
    local u = kd.uts()
    if not u or not u.nodename then return nil, "init_uts_ns not readable" end
    local rows = {}
    local function add(k, v) if v ~= nil and v ~= "" then rows[#rows + 1] = { k .. ":", v } end end
    add("Transient hostname", u.nodename)
    add("Boot ID", boot_id())
    add("Kernel", (u.sysname or "Linux") .. " " .. (u.release or "?"))
    add("Architecture", ARCH[u.machine or ""] or u.machine)
    add("Hardware Vendor", dmi.field("DMI_SYS_VENDOR"))
    add("Hardware Model", dmi.field("DMI_PRODUCT_NAME"))
    add("Firmware Version", dmi.field("DMI_BIOS_VERSION"))
    local w = 0
    for _, r in ipairs(rows) do if #r[1] > w then w = #r[1] end end
    local out = {}
    for _, r in ipairs(rows) do out[#out + 1] = string.rep(" ", w - #r[1]) .. r[1] .. " " .. r[2] .. "\n" end
    return stub("the static and pretty hostnames, icon name, chassis, machine ID, " ..
                "virtualization and operating system come from files and daemons in user " ..
                "space (/etc/hostname, /etc/machine-info, /etc/machine-id, /etc/os-release, " ..
                "systemd-detect-virt), not in the dump", table.concat(out))
  end,
}
