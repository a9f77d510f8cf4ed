-- The host plugin's uptime against what the live system showed at the end
-- of the capture, seconds before the crash (truth/proc/loadavg.end and
-- truth/capture_end_uptime).
local specs = load_emitters({ "host_uptime" })

test("uptime: load averages and minutes up as the live system showed", function()
  local r = specs["sos_commands/host/uptime"].run()
  ok(getmetatable(r) == STUB, "a stub: users are not in the dump")
  ok(r.reason:find("utmp"), "the reason names utmp")
  local hh, mm, ss, rest = r.text:match("^ (%d%d):(%d%d):(%d%d) up (.*)\n$")
  ok(hh and tonumber(hh) < 24 and tonumber(mm) < 60 and tonumber(ss) < 60, "time of day: " .. r.text)
  local live = truth("proc/loadavg.end"):match("^(%S+ %S+ %S+)"):gsub(" ", ", ")
  -- load averages are recomputed every 5 s; the crash came ~1.5 s after
  -- the end of the capture, so they are the same samples
  eq(rest:match("load average: (.*)$"), live, "load averages")
  local up_min = math.floor(tonumber(truth("capture_end_uptime"):match("^(%S+)")) / 60)
  local got_min = tonumber(rest:match("^(%d+) min,")) or
                  (function() local h, m = rest:match("^%s*(%d+):(%d+),") return h and h * 60 + m end)()
  ok(got_min == up_min or got_min == up_min + 1, "minutes up: " .. tostring(got_min) .. " vs live " .. up_min)
end)
