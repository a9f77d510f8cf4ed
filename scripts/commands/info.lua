-- kdlua info: a crash `sys`-like summary of the dump
if kd == nil then
  io.stderr:write("kdlua info: no dump given (--vmcore FILE)\n")
  os.exit(2)
end
io.write(require("kernel.sysinfo").text())
