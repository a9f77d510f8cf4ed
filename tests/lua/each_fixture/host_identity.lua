-- The host plugin's hostname -f, hostid and hostnamectl status
-- (scripts/emitters/host_identity.lua) against the fixture's truth: the
-- hostname (truth/cmd/hostname.txt), the boot ID
-- (truth/proc/sys/kernel/random/boot_id, hostnamectl prints it as a bare
-- 128-bit id) and the kernel release (truth/proc/sys/kernel/osrelease).
-- Each file is a stub: its reason names what user space holds.
local specs = load_emitters({ "host_identity" })

local function run(p)
  local r = specs[p].run()
  ok(getmetatable(r) == STUB, p .. " is a stub")
  ok(#r.reason > 20, p .. " has a reason")
  return r
end

test("hostname -f: the nodename, the resolver named", function()
  local r = run("sos_commands/host/hostname_-f")
  eq(r.text, truth("cmd/hostname.txt"), "nodename")
  ok(r.reason:find("resolver"), "reason names the resolver")
end)

test("hostid: nothing the kernel holds, /etc/hostid named", function()
  local r = run("sos_commands/host/hostid")
  eq(r.text, "", "no text")
  ok(r.reason:find("/etc/hostid", 1, true), "reason names /etc/hostid")
end)

test("hostnamectl status: fields aligned, values from the kernel", function()
  local r = run("sos_commands/host/hostnamectl_status")
  local fields, width = {}, nil
  for line in r.text:gmatch("([^\n]*)\n") do
    local pad, k, v = line:match("^( *)([%w ]-%a):%s(.*)$")
    ok(k, "line shape: " .. line)
    local w = #pad + #k + 1
    width = width or w
    eq(w, width, "colon column of " .. k)
    fields[k] = v
  end
  eq(fields["Transient hostname"] .. "\n", truth("cmd/hostname.txt"), "hostname")
  eq(fields["Boot ID"], (truth("proc/sys/kernel/random/boot_id"):gsub("[-\n]", "")), "boot ID")
  eq(fields.Kernel, "Linux " .. truth("proc/sys/kernel/osrelease"):gsub("\n", ""), "kernel")
  eq(fields.Architecture, "x86-64", "architecture (both fixtures are x86_64 guests)")
  -- QEMU's SMBIOS tables: both fixtures are QEMU guests (README)
  eq(fields["Hardware Vendor"], "QEMU", "DMI system vendor")
end)
