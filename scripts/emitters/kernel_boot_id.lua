-- proc/sys/kernel/random/boot_id: drivers/char/random.c keeps it in
-- sysctl_bootid[16] and prints it with "%pU" (big-endian byte order,
-- lowercase, 8-4-4-4-12).  It is generated on first read: all zeroes means
-- nobody read it before the crash, and the live value never existed.

plugin{ name = "kernel", description = "Linux kernel" }

emit{
  path = "proc/sys/kernel/random/boot_id", plugin = "kernel",
  description = "boot UUID (sysctl_bootid)",
  run = function()
    local addr = kd.symbol_address("sysctl_bootid")
    if addr == nil then return nil, "no sysctl_bootid in this kernel" end
    local b = { kd.read(addr, 16):byte(1, 16) }
    local zero = true
    for _, x in ipairs(b) do if x ~= 0 then zero = false end end
    if zero then return nil, "boot_id was never generated (never read before the crash)" end
    local h = {}
    for i = 1, 16 do h[i] = string.format("%02x", b[i]) end
    return table.concat(h, "", 1, 4) .. "-" .. table.concat(h, "", 5, 6) .. "-"
      .. table.concat(h, "", 7, 8) .. "-" .. table.concat(h, "", 9, 10) .. "-"
      .. table.concat(h, "", 11, 16) .. "\n"
  end,
}
