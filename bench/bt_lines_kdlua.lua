-- bench/bt_lines_kdlua.lua: what a frame's source line (-l, {lines =
-- true}) costs, module code next to vmlinux.  Prints CPU time (os.clock):
--  * opening: the first lookup in each module with DWARF (its debug file
--    opened and relocated by libdwfl, section addresses read from struct
--    module, the build checked against kallsyms);
--  * uncached: N distinct addresses spread over the DWARF modules' text,
--    and N over vmlinux's text, one lookup each (line table row, the walk
--    down the unit's DIEs for inlined calls);
--  * cached: the frames of every task again (the map remembers answers per
--    address; stacks share most return addresses).
local N = math.tointeger(tonumber(arg[1] or "2000"))
local mods = {}
for _, m in ipairs(kd.modules()) do
  if m.size and m.size > 0 then mods[#mods + 1] = m end
end
local t0 = os.clock()
local dmods = {}
for _, m in ipairs(mods) do
  -- any address of the text opens the module; keep those with DWARF
  for off = 0, m.size - 1, math.max(1, m.size // 32) do
    if kd.source_line(m.base + off) then dmods[#dmods + 1] = m; break end
  end
end
local open_ms = (os.clock() - t0) * 1e3
local function spread(ranges, n)
  local total = 0
  for _, r in ipairs(ranges) do total = total + r[2] end
  local out, step = {}, total // n
  for _, r in ipairs(ranges) do
    for off = step // 2, r[2] - 1, step do out[#out + 1] = r[1] + off end
  end
  return out
end
local mr = {}
for _, m in ipairs(dmods) do mr[#mr + 1] = { m.base, m.size } end
local stext, etext = kd.symbol_address("_stext"), kd.symbol_address("_etext")
local function uncached(addrs)
  local s, hits = os.clock(), 0
  for _, a in ipairs(addrs) do if kd.source_line(a) then hits = hits + 1 end end
  return (os.clock() - s) * 1e6 / math.max(1, #addrs), hits
end
local mod_addrs = spread(mr, N)
local mod_us, mod_hits = uncached(mod_addrs)
local vml_addrs = spread({ { stext + 7, etext - stext - 7 } }, N)
local vml_us, vml_hits = uncached(vml_addrs)
-- cached: every task's frames, twice with lines, per frame
local tasks = {}
for t in kd.tasks() do tasks[#tasks + 1] = t end
local frames = 0
for _, t in ipairs(tasks) do pcall(kd.stack_trace, t, { lines = true }) end
local s = os.clock()
for _, t in ipairs(tasks) do
  local ok, tr = pcall(kd.stack_trace, t, { lines = true })
  if ok then frames = frames + #tr end
end
local with_lines = os.clock() - s
s = os.clock()
for _, t in ipairs(tasks) do pcall(kd.stack_trace, t) end
local without = os.clock() - s
print(string.format("modules_with_dwarf %d open_ms_per_module %.1f uncached_module_us %.1f (%d/%d with a line) "
                    .. "uncached_vmlinux_us %.1f (%d/%d) cached_lines_us_per_frame %.2f",
                    #dmods, open_ms / math.max(1, #dmods), mod_us, mod_hits, #mod_addrs,
                    vml_us, vml_hits, #vml_addrs, (with_lines - without) * 1e6 / math.max(1, frames)))
