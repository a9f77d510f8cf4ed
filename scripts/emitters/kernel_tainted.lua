-- proc/sys/kernel/tainted: proc_taint() shows tainted_mask in decimal.

local facts = require("report.facts")

plugin{ name = "kernel", description = "Linux kernel" }

emit{
  path = "proc/sys/kernel/tainted", plugin = "kernel",
  description = "taint mask (tainted_mask)",
  run = function()
    local v = facts.int("tainted_mask")
    if v == nil then return nil, "tainted_mask not readable" end
    return string.format("%d\n", v)
  end,
}
