-- Loaded modules: proc/modules and `lsmod`.
--
-- proc/modules follows kernel/module/procfs.c m_show(): walk `modules`
-- (newest first), skip MODULE_STATE_UNFORMED, print
--   name  size  refcount  deps  state  0x%px-address  [taints]
-- size = init_layout.size + core_layout.size (+ data_layout.size where the
-- kernel has one), since 6.4 the sum of mem[type].size; refcount = refcnt - MODULE_REF_BASE (1); deps = the
-- names on source_list, each followed by ",", then "[permanent]," for a
-- module with init and no exit, "-" if nothing; state Live/Loading/
-- Unloading; the address is core_layout.base (6.4+: mem[MOD_TEXT].base) in full ("0x%px", 16 hex
-- digits); taints "(OE)" plus "-"/"+" for going/coming modules.
--
-- lsmod is busybox's layout (the truth of the shared dump was taken with
-- busybox): "Module                  Size  Used by" plus "    Not tainted" or
-- "    Tainted: PFS" (P/G, F, S only), then "%-19s %8s %2s " name, size,
-- refcount and the deps without their trailing comma.  (kmod's lsmod
-- differs: no taint column, "%-19s %8lu  %d" and holders from sysfs.)

local facts = require("report.facts")

plugin{ name = "kernel", description = "Linux kernel" }

local STATE = { [0] = "Live", [1] = "Loading", [2] = "Unloading" }  -- enum module_state
local UNFORMED = 3

local function layout_size(m, name)
  if not kd.has_member("struct module", name) then return 0 end
  return m[name].size
end

-- every formed module: {name, size, refcnt, deps, state, base, taints, flags}
local function modules()
  local head = kd.symbol("modules")
  local out = {}
  for m in kd.list(head, "struct module", "list") do
    local state = m.state
    if state ~= UNFORMED then
      local deps = {}
      for use in kd.list(m.source_list, "struct module_use", "source_list") do
        deps[#deps + 1] = use.source.name:string_() .. ","
      end
      if m.init ~= nil and m.exit == nil then deps[#deps + 1] = "[permanent]," end
      local size, base
      if kd.has_member("struct module", "mem") then
        -- 6.4 "module: replace module_layout with module_memory": the sum
        -- of every mem[type].size, the address is mem[MOD_TEXT].base
        size = 0
        local mem = m.mem
        for i = 0, #mem - 1 do size = size + mem[i].size end
        base = mem[0].base
      else
        size = layout_size(m, "core_layout") + layout_size(m, "init_layout")
          + layout_size(m, "data_layout")
        base = kd.has_member("struct module", "core_layout") and m.core_layout.base or nil
      end
      local taints = m.taints
      local flags = ""
      if taints ~= 0 then   -- m_show prints module_flags() only for a tainted module
        flags = "(" .. facts.module_taint_chars(taints)
          .. (state == 2 and "-" or "") .. (state == 1 and "+" or "") .. ")"
      end
      out[#out + 1] = {
        name = m.name:string_(), size = size, refcnt = m.refcnt.counter - 1,
        deps = table.concat(deps), state = STATE[state] or "Live",
        base = base and base:value_() or 0, flags = flags,
      }
    end
  end
  return out
end

emit{
  path = "proc/modules", plugin = "kernel",
  description = "loaded modules (the `modules` list, as m_show prints it)",
  run = function()
    local out = {}
    for _, m in ipairs(modules()) do
      local line = string.format("%s %d %d %s %s 0x%016x", m.name, m.size, m.refcnt,
        m.deps == "" and "-" or m.deps, m.state, m.base)
      if m.flags ~= "" then line = line .. " " .. m.flags end
      out[#out + 1] = line .. "\n"
    end
    return table.concat(out)
  end,
}

emit{
  command = "lsmod", plugin = "kernel", symlink = "lsmod",
  description = "lsmod (busybox layout) from the `modules` list",
  run = function()
    local tainted = facts.int("tainted_mask") or 0
    local head = "Module                  Size  Used by"
    -- busybox check_tainted(): three columns only
    if tainted == 0 then head = head .. "    Not tainted"
    else
      head = head .. string.format("    Tainted: %s%s%s", tainted & 1 ~= 0 and "P" or "G",
        tainted & 2 ~= 0 and "F" or " ", tainted & 4 ~= 0 and "S" or " ")
    end
    local out = { head .. "\n" }
    for _, m in ipairs(modules()) do
      local deps = m.deps:gsub(",$", "")
      out[#out + 1] = string.format("%-19s %8d %2d %s\n", m.name, m.size, m.refcnt, deps)
    end
    return table.concat(out)
  end,
}
