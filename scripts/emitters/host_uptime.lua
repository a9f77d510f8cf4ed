-- sos_commands/host/uptime: procps-ng `uptime` at the crash.  The clock is
-- the kernel's wall clock at the crash, shown in UTC (the machine's time
-- zone is a user-space setting the dump does not hold), uptime and load
-- averages come from the kernel; the number of logged-in users comes from
-- utmp, a user-space file, so the file is a stub that says so and shows "?"
-- there.
local time = require("kernel.time")

emit{
  command = "uptime", plugin = "host", symlink = "uptime",
  description = "time, uptime and load averages at the crash",
  run = function()
    local now = time.wall_clock()
    local up = time.uptime()
    local av = time.loadavg()
    if not (now and up and av) then
      return nil, "the timekeeper, jiffies or avenrun cannot be read from this dump"
    end
    -- procps sprint_uptime(): " hh:mm:ss up [N day(s), ]{h:mm|m min}, "
    local upm = math.floor(up) // 60
    local days, hours, mins = upm // 1440, (upm // 60) % 24, upm % 60
    local s = " " .. os.date("!%H:%M:%S", now) .. " up "
    if days > 0 then s = s .. string.format("%d %s, ", days, days > 1 and "days" or "day") end
    if hours > 0 then s = s .. string.format("%2d:%02d, ", hours, mins)
    else s = s .. string.format("%d min, ", mins) end
    s = s .. string.format(" ? users,  load average: %s, %s, %s\n", av[1], av[2], av[3])
    return stub("logged-in users come from utmp, a user-space file not in the dump; " ..
                "the time is UTC", s)
  end,
}
