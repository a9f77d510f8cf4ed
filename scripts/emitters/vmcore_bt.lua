-- Backtraces in crash's layout (scripts/lib/bt.lua over the core's
-- unwinder): `bt -a` (what every CPU ran at the crash) and `foreach bt`
-- (every task, idle tasks included), as a support engineer would have run
-- them in crash and saved beside the sos report.
local bt = require("bt")

emit{
  path = "sos_commands/vmcore/bt_-a", plugin = "vmcore",
  description = "crash `bt -a`: the backtrace of what each CPU ran at the crash",
  run = function() return bt.all_cpus_text() end,
}

emit{
  path = "sos_commands/vmcore/foreach_bt", plugin = "vmcore",
  description = "crash `foreach bt`: the backtrace of every task",
  run = function() return bt.foreach_text() end,
}
