-- Facts about the dump and the debuginfo kdlua used: kd.dump_info(),
-- kd.modules(), the raw VMCOREINFO note, and the CPU masks as the dump has
-- them (before report/cpus.lua counts the CPUs the panic stopped).

local cpus = require("report.cpus")
local util = require("report.util")

plugin{ name = "vmcore", description = "the crash: panic, crashing CPU and task, dump facts" }

emit{
  path = "sos_commands/vmcore/dump_info", plugin = "vmcore",
  description = "dump file, format, KASLR offset, debuginfo, CPU notes and masks",
  run = function()
    local i = kd.dump_info()
    local o = {}
    local function add(k, v) if v ~= nil then o[#o + 1] = string.format("%-16s %s", k .. ":", v) end end
    add("dump", i.path)
    add("format", i.format)
    add("arch", i.arch)
    add("release", kd.release())
    add("page size", i.page_size)
    add("kaslr offset", i.kaslr_offset and string.format("0x%x", i.kaslr_offset))
    add("vmlinux", i.vmlinux)
    add("vmlinux read", i.vmlinux_read)
    add("build id", i.build_id)
    add("cpu notes", i.cpu_notes)
    local m = cpus.masks()
    add("cpus possible", util.cpulist(m.possible))
    add("cpus present", util.cpulist(m.present))
    add("cpus online", util.cpulist(m.raw_online) .. " (in the dump)")
    if #m.stopped > 0 then add("cpus stopped", util.cpulist(m.stopped) .. " (by the panic)") end
    local ok, mods = pcall(kd.modules)
    if ok then
      table.sort(mods, function(a, b) return a.name < b.name end)
      o[#o + 1] = "modules:"
      for _, mod in ipairs(mods) do
        o[#o + 1] = string.format("  %-24s 0x%x %s", mod.name, mod.address or 0,
          mod.debuginfo or ("(no debuginfo" .. (mod.note and ": " .. mod.note or "") .. ")"))
      end
    end
    for _, n in ipairs(i.notes or {}) do o[#o + 1] = "note: " .. n end
    return table.concat(o, "\n") .. "\n"
  end,
}

emit{
  path = "sos_commands/vmcore/vmcoreinfo", plugin = "vmcore",
  description = "the VMCOREINFO note as the dump carries it",
  run = function()
    local v = kd.vmcoreinfo()
    if v == nil or v == "" then return nil, "the dump has no VMCOREINFO" end
    if v:sub(-1) ~= "\n" then v = v .. "\n" end
    return v
  end,
}
