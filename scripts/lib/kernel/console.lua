-- kernel/console.lua: the registered consoles as /proc/consoles shows them.
--
-- The list: console_list (an hlist, 6.2 "printk: Convert console_drivers
-- list to hlist") or console_drivers (->next) before.  The device column
-- comes from con->device(), a callback a dump cannot run: the callbacks
-- whose result lies in memory are decoded by name (uart_console_device:
-- the uart_driver's tty_driver and con->index; vt_console_device: the vt
-- console_driver and the console's vt), any other one makes the file a
-- stub naming it.
--
-- Mirrors: fs/proc/consoles.c, kernel/printk/printk.c,
--   drivers/tty/serial/serial_core.c, drivers/tty/vt/vt.c

local M = {}

-- the consoles in list order
function M.list()
  local out = {}
  local head = kd.symbol_address("console_list") and kd.symbol("console_list")
  if head then
    for c in kd.hlist(head, "struct console", "node") do out[#out + 1] = c end
    return out
  end
  local c = kd.symbol("console_drivers")
  local n = 0
  while c ~= nil and n < 1024 do
    out[#out + 1] = c
    c = c.next
    n = n + 1
  end
  return out
end

-- CON_* bits: enum cons_flags (6.2+) or the old #defines (same values).
-- (kd.has_kernel_type: a core type no module defines, so its absence is
-- not looked for in every module's debug file)
local function con_flag(name, old)
  if not kd.has_kernel_type("enum cons_flags") then return old end
  local ok, v = pcall(kd.enum_value, "enum cons_flags", name)
  if ok and v then return v end
  return old
end

local function fptr(o, member)
  local ok, v = pcall(function() return o:member_(member):value_() end)
  return ok and v or 0
end

-- dev_t of a console's tty, or nil, why
local function console_dev(c)
  local dev = fptr(c, "device")
  if dev == 0 then return 0 end
  local name = kd.symbolize(dev)
  local drv, index
  if name == "uart_console_device" then
    local ud = kd.object("struct uart_driver", fptr(c, "data"))
    drv, index = ud.tty_driver, c.index
  elseif name == "vt_console_device" then
    local fg = kd.symbol("fg_console"):value_()
    drv = kd.symbol("console_driver")
    index = c.index ~= 0 and (c.index - 1) or fg
  else
    return nil, "the device of console " .. c.name:string_() .. " comes from "
      .. tostring(name or string.format("%#x", dev)) .. "(), not decoded"
  end
  if drv == nil then return 0 end
  return (drv.major << 20 | drv.minor_start) + index
end

-- /proc/consoles; nil, why, partial text when a device is not decoded
function M.proc_consoles()
  local flags = {
    { con_flag("CON_ENABLED", 4), "E" }, { con_flag("CON_CONSDEV", 2), "C" },
    { con_flag("CON_BOOT", 8), "B" },
  }
  -- 6.6 "printk: nbcon: ... CON_NBCON": the 'N' column and nbcon consoles
  -- count as writable
  local nbcon = kd.has_kernel_type("enum cons_flags")
    and (pcall(kd.enum_value, "enum cons_flags", "CON_NBCON"))
    and kd.enum_value("enum cons_flags", "CON_NBCON") or nil
  if nbcon then flags[#flags + 1] = { nbcon, "N" } end
  flags[#flags + 1] = { con_flag("CON_PRINTBUFFER", 1), "p" }
  flags[#flags + 1] = { con_flag("CON_BRL", 32), "b" }
  flags[#flags + 1] = { con_flag("CON_ANYTIME", 16), "a" }
  local out, why = {}, nil
  for _, c in ipairs(M.list()) do
    local f = {}
    for i, fl in ipairs(flags) do f[i] = (c.flags & fl[1]) ~= 0 and fl[2] or " " end
    local head = string.format("%s%d", c.name:string_(), c.index)
    -- seq_setwidth(m, 20) + seq_pad(m, ' '): blanks up to column 20, then one
    if #head < 20 then head = head .. string.rep(" ", 20 - #head) end
    head = head .. " "
    local w = (nbcon and (c.flags & nbcon) ~= 0) or fptr(c, "write") ~= 0
    local line = head .. string.format("%s%s%s (%s)", fptr(c, "read") ~= 0 and "R" or "-",
      w and "W" or "-", fptr(c, "unblank") ~= 0 and "U" or "-", table.concat(f))
    local dev, err = console_dev(c)
    if dev == nil then why = why or err
    elseif dev ~= 0 then line = line .. string.format(" %4d:%d", dev >> 20, dev & 0xfffff) end
    out[#out + 1] = line .. "\n"
  end
  if why then return nil, why, table.concat(out) end
  return table.concat(out)
end

return M
