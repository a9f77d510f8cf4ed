-- When the machine crashed (report/crashtime.lua: VMCOREINFO CRASHTIME,
-- else the timekeeper's last tick).

local crashtime = require("report.crashtime")

plugin{ name = "vmcore", description = "the crash: panic, crashing CPU and task, dump facts" }

emit{
  path = "sos_commands/vmcore/crash_time", plugin = "vmcore",
  description = "time of the crash (UTC) and where it was read",
  run = function()
    local t, source = crashtime.get()
    if not t then return nil, source end
    return string.format("%s UTC\nepoch: %d\nsource: %s\n",
      os.date("!%Y-%m-%d %H:%M:%S", t), t, source)
  end,
}
