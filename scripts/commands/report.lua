-- kdlua report: a sos-report-shaped archive from a crash dump
-- The work is in lib/report/ (report.main); `kdlua report --help` for usage.
local report = require("report")
local status = report.main({ ... })
if status ~= 0 then os.exit(status) end
