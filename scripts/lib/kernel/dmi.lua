-- kernel/dmi.lua: the SMBIOS/DMI identification strings the kernel keeps
-- after boot (what /sys/class/dmi/id/{sys_vendor,product_name,bios_*}
-- print): dmi_ident[], indexed by enum dmi_field.
--
-- Mirrors: drivers/firmware/dmi_scan.c (dmi_ident, dmi_save_ident),
--   drivers/firmware/dmi-id.c, include/linux/mod_devicetable.h (enum dmi_field)

local M = {}

-- the string of one field ("DMI_SYS_VENDOR", ...) or nil: no DMI in this
-- kernel (CONFIG_DMI off, a machine without SMBIOS), no such field, or a
-- field the firmware left empty
function M.field(name)
  if not kd.symbol_address("dmi_ident") then return nil end
  local ok, idx = pcall(kd.enum_value, "enum dmi_field", name)
  if not ok or idx == nil then return nil end
  -- an array of pointers read raw: BTF describes no variables, so the
  -- symbol's type is not needed
  local ok2, s = pcall(function()
    local psize = kd.member_size("struct list_head", "next")   -- a pointer's size
    local at = kd.symbol_address("dmi_ident") + psize * idx
    local p = psize == 8 and kd.read_u64(at) or kd.read_u32(at)
    if p == 0 then return nil end
    return kd.read_string(p, 256)
  end)
  if not ok2 or s == nil or s == "" then return nil end
  return s
end

return M
