-- bench/tasks.lua: the drgn reference's task walk (reference/drgn/tasks.py),
-- the same rows: pid tgid ppid state comm task-address, sorted by pid.
local states = { [0] = "R", [1] = "S", [2] = "D", [4] = "T", [8] = "t",
                 [16] = "X", [32] = "Z", [0x402] = "I" }
local rows = {}
for t in kd.tasks() do
  local st = t.__state
  local s = states[st & 0x47f] or "?"
  if t.exit_state ~= 0 then s = states[t.exit_state] or s end
  rows[#rows + 1] = { t.pid, t.tgid, t.real_parent.pid, s, t.comm:string_(), t:value_() }
end
table.sort(rows, function(a, b) return a[1] < b[1] end)
local out = { string.format("%7s %7s %7s %s %-16s %s", "PID", "TGID", "PPID", "S", "COMM", "TASK") }
for _, r in ipairs(rows) do
  out[#out + 1] = string.format("%7d %7d %7d %s %-16s 0x%x", table.unpack(r))
end
out[#out + 1] = "# " .. #rows .. " tasks"
print(table.concat(out, "\n"))
