-- Taint: print_tainted()'s one-liner, then each flag set with its meaning.

local facts = require("report.facts")

plugin{ name = "vmcore", description = "the crash: panic, crashing CPU and task, dump facts" }

emit{
  path = "sos_commands/vmcore/taint", plugin = "vmcore",
  description = "taint flags of the crashed kernel",
  run = function()
    local mask = facts.int("tainted_mask")
    if mask == nil then return nil, "tainted_mask not readable" end
    local out = { facts.print_tainted(mask), string.format("mask: %d (0x%x)", mask, mask) }
    for i, f in ipairs(facts.taint_flags()) do
      if (mask >> (i - 1)) & 1 == 1 then
        out[#out + 1] = string.format("  %s  bit %2d  %s", f[1], i - 1, facts.TAINT_NAMES[i] or "")
      end
    end
    return table.concat(out, "\n") .. "\n"
  end,
}
