-- kdlua info: a crash `sys`-like summary of the dump
local USAGE = [[
usage: kdlua info --vmcore FILE [--vmlinux FILE] [--json]
Prints release, version, machine, hostname, CPUs, memory, uptime and time
of the crash, panic message, taint flags, number of tasks, and what kdlua
read (dump format, debuginfo, build id, KASLR offset), in the shape of
crash's `sys`.
  --json    the same fields as one JSON object on stdout: each label in
            lower case with '_' for spaces and dashes ("load_average",
            "build_id"), its text as printed (PANIC without quotes), plus "tasks" and "cpus" as numbers
]]

local want_json = false
for _, a in ipairs({ ... }) do
  if a == "-h" or a == "--help" then
    io.write(USAGE)
    os.exit(0)
  elseif a == "--json" then
    want_json = true
  else
    io.stderr:write("kdlua info: unknown option or argument '", a, "'\n(kdlua info --help for usage)\n")
    os.exit(2)
  end
end

if kd == nil then
  io.stderr:write("kdlua info: no dump given (--vmcore FILE)\n")
  os.exit(2)
end

local sysinfo = require("kernel.sysinfo")
if not want_json then
  io.write(sysinfo.text())
  return
end

local json = require("report.json")
local obj = {}
for _, kv in ipairs(sysinfo.fields()) do
  obj[kv[1]:lower():gsub("[ %-]", "_")] = kv[2]
end
obj.panic = obj.panic and obj.panic:match('^"(.*)"$') or obj.panic
-- the two counts people compare across dumps, as numbers
obj.tasks = math.tointeger(tonumber(obj.tasks)) or obj.tasks
obj.cpus = math.tointeger(tonumber((obj.cpus or ""):match("^%d+"))) or obj.cpus
io.write(json.encode(json.object(obj), 2), "\n")
