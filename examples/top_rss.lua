-- examples/top_rss.lua: the processes holding the most memory at crash time.
--
--   kdlua run examples/top_rss.lua [N] --vmcore vmcore [--vmlinux vmlinux]
--
-- Shows the basics of the API: walking tasks (kd.tasks), following pointers
-- with '.', NULL pointers reading as nil (kernel threads have no mm), arrays
-- indexed from 0, and branching on the kernel's struct layout with
-- kd.has_member so one script works across kernel versions.
local n = tonumber(arg[1]) or 10
local page_kb = kd.dump_info().page_size // 1024

-- mm counters: 6.2+ made rss_stat a percpu_counter array; 6.1 and older use
-- atomic_long_t count[NR_MM_COUNTERS]
local function rss_pages(mm)
  local total = 0
  for i = 0, 3 do
    local c = mm.rss_stat
    if kd.has_member("struct mm_struct", "rss_stat.count") then
      total = total + math.max(c.count[i].counter, 0)
    else
      total = total + math.max(c[i].count, 0)
    end
  end
  return total
end

local rows = {}
for t in kd.tasks() do
  local mm = t.mm
  if mm and t.pid == t.tgid then
    rows[#rows + 1] = { pid = t.pid, comm = t.comm:string_(), rss = rss_pages(mm) * page_kb,
                        vsz = mm.total_vm * page_kb }
  end
end
table.sort(rows, function(a, b) return a.rss > b.rss end)
print(string.format("%7s %10s %10s  %s", "PID", "RSS kB", "VSZ kB", "COMMAND"))
for i = 1, math.min(n, #rows) do
  local r = rows[i]
  print(string.format("%7d %10d %10d  %s", r.pid, r.rss, r.vsz, r.comm))
end
