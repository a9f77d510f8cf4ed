-- kernel/sysinfo.lua: a summary of the dumped system in the shape of
-- crash's `sys` (KERNEL, DUMPFILE, CPUS, DATE, UPTIME, LOAD AVERAGE, TASKS,
-- NODENAME, RELEASE, VERSION, MACHINE, MEMORY, PANIC), plus TAINTED and
-- what kdlua read (format, debuginfo, build id, KASLR offset).
--
-- Mirrors: no kernel file: crash's `sys` over kernel/time.lua,
--   kernel/printk.lua and the uts name

local ktime = require("kernel.time")
local printk = require("kernel.printk")

local M = {}

local function try(f, ...)
  local ok, a, b = pcall(f, ...)
  if ok then return a, b end
  return nil
end

-- f's value, or "? (why not)": a field that cannot be read is shown as
-- such, never dropped (a damaged dump must not look like a quiet one)
local function value_or_why(f, ...)
  local ok, a = pcall(f, ...)
  if ok and a ~= nil then return a end
  if ok then return nil end
  local msg = type(a) == "table" and a.message or tostring(a)
  return "? (" .. tostring(msg):match("^[^\n]*") .. ")"
end

local sym = require("kernel.util").symbol_or_nil

local UNREADABLE = "? (cannot be read from this dump)"

local ival = require("kernel.util").int_or_nil

-- crash-style size: "511.5 MB", "2 GB"
function M.pretty_size(bytes)
  local units = { "KB", "MB", "GB", "TB" }
  local v, u = bytes / 1024, 1
  while v >= 1024 and u < #units do v = v / 1024; u = u + 1 end
  local s = string.format("%.1f", v):gsub("%.0$", "")
  return s .. " " .. units[u]
end

-- physical memory present (sum of node_present_pages), and MemTotal
function M.memory()
  local ps = kd.dump_info().page_size or 4096
  local present
  local nd = sym("node_data")
  if nd then
    present = 0
    local n = try(function() return #nd end) or 1
    local base = nd:address_()
    local raw = try(kd.read, base, n * 8)
    if raw then
      for i = 0, n - 1 do
        local p = string.unpack("<i8", raw, i * 8 + 1)
        if p ~= 0 then
          present = present + (try(function() return nd[i].node_present_pages end) or 0)
        end
      end
    end
  else
    local cp = sym("contig_page_data")
    if cp then present = try(function() return cp.node_present_pages end) end
  end
  local total = ival(sym("_totalram_pages")) or ival(sym("totalram_pages"))
  return present and present * ps or nil, total and total * ps or nil
end

-- taint letters from the kernel's own taint_flags[] table
function M.tainted()
  local mask = ival(sym("tainted_mask"))
  if mask == nil then return nil end
  local tf = sym("taint_flags")
  if mask == 0 then return "Not tainted", 0 end
  if tf == nil then return string.format("0x%x", mask), mask end
  local s = {}
  for i = 0, #tf - 1 do
    local f = tf[i]
    s[#s + 1] = string.char(((mask >> i) & 1) == 1 and f.c_true or f.c_false)
  end
  return "Tainted: " .. table.concat(s):gsub("%s+$", ""), mask
end

-- number of tasks as crash counts them (with one idle task per CPU), and without the idle ones
function M.task_count()
  local n = 0
  for _ in kd.tasks() do n = n + 1 end
  -- plus one idle task per CPU (crash counts swapper/N)
  local idle = 0
  for _, cpu in ipairs(kd.cpus("possible")) do
    local ok = pcall(function() return kd.per_cpu("runqueues", cpu).idle end)
    if ok then idle = idle + 1 end
  end
  if idle == 0 then idle = 1 end
  return n + idle, n
end

-- ordered list of {label, value}
function M.fields()
  local info = kd.dump_info()
  local uts = try(kd.uts) or {}
  local f = {}
  local function add(k, v) if v ~= nil then f[#f + 1] = { k, tostring(v) } end end

  add("KERNEL", info.vmlinux or "(none)")
  local df = info.path or "?"
  df = df:match("[^/]*$")
  add("DUMPFILE", df .. "  [" .. (info.format or "?") .. "]")
  local cpus = try(kd.cpus, "present") or value_or_why(kd.cpus)
  if type(cpus) == "table" and #cpus > 0 then
    local online = try(kd.cpus, "online") or cpus
    local off = #cpus - #online
    add("CPUS", #cpus .. (off > 0 and string.format(" [OFFLINE: %d]", off) or ""))
  else
    add("CPUS", type(cpus) == "string" and cpus or "? (no CPU is present, online or possible)")
  end
  -- a field whose value cannot be had says so, as CPUS and TASKS do: a
  -- wrong KERNELOFFSET or damaged page tables once dropped DATE, UPTIME,
  -- MEMORY and TAINTED without a word and printed PANIC: ""
  local s = value_or_why(ktime.wall_clock)
  add("DATE", type(s) == "number" and ktime.format_date(s) or s or UNREADABLE)
  local up = value_or_why(ktime.uptime)
  add("UPTIME", type(up) == "number" and ktime.format_uptime(up) or up or UNREADABLE)
  local la = value_or_why(ktime.loadavg)
  if la then add("LOAD AVERAGE", type(la) == "table" and table.concat(la, ", ") or la) end
  add("TASKS", value_or_why(M.task_count))
  add("NODENAME", uts.nodename)
  add("RELEASE", uts.release)
  add("VERSION", uts.version)
  -- reads that hit damaged dump data while a field was made: the field
  -- may be short (a helper took the failure for "absent"), so it says so
  local d0 = kd.damage()
  local mhz = ival(sym("cpu_khz")) or ival(sym("tsc_khz"))
  if uts.machine then
    add("MACHINE", uts.machine .. (mhz and mhz > 0 and string.format("  (%d Mhz)", mhz // 1000)
                                   or kd.damage() > d0 and "  (? Mhz: damaged dump data)" or ""))
  end
  d0 = kd.damage()
  local ok, present, total = pcall(M.memory)
  local short = kd.damage() > d0 and "  (? incomplete: damaged dump data)" or ""
  if not ok then
    add("MEMORY", value_or_why(error, present))
  elseif present and present > 0 then
    add("MEMORY", M.pretty_size(present) .. (total and ("  (MemTotal " .. M.pretty_size(total) .. ")") or "")
                  .. short)
  elseif total then
    add("MEMORY", M.pretty_size(total) .. short)
  else
    add("MEMORY", UNREADABLE)
  end
  -- no panic line in a log that was read is "" (crash's way); a log that
  -- cannot be read is not an empty one
  local okr, recs, why = pcall(printk.records)
  if not okr then
    add("PANIC", value_or_why(error, recs))
  elseif type(recs) ~= "table" then
    add("PANIC", "? (" .. (why and tostring(why):match("^[^\n]*") or "the kernel log cannot be read") .. ")")
  else
    local panic = value_or_why(printk.panic_message, recs)
    add("PANIC", type(panic) == "string" and panic:sub(1, 1) == "?" and panic
                 or panic and ('"' .. panic .. '"') or '""')
  end
  add("TAINTED", value_or_why(M.tainted) or UNREADABLE)
  add("FORMAT", info.format)
  if info.vmlinux then
    -- the file the user has; the uncompressed cache copy read in its place
    -- is an implementation detail shown only when it differs
    add("DEBUGINFO", info.vmlinux .. ((info.vmlinux_read and info.vmlinux_read ~= info.vmlinux)
        and ("  (read from " .. info.vmlinux_read .. ")") or ""))
  elseif info.type_source == "BTF" then
    -- no vmlinux: the dump's own BTF and kallsyms (host/core/btf.c)
    add("DEBUGINFO", "none found: types from the dump's BTF, symbols from its kallsyms")
  else
    add("DEBUGINFO", "none found (types unavailable)")
  end
  add("BUILD-ID", info.build_id)
  if info.kaslr_offset then add("KASLR", string.format("0x%x", info.kaslr_offset)) end
  -- what could not be read because the dump's data is damaged
  local n, addr, msg = kd.damage()
  if n > 0 then
    add("DAMAGED", string.format("%d read(s) of damaged dump data (last at 0x%x: %s)",
                                 n, addr, tostring(msg):match("^[^\n]*")))
  end
  return f
end

-- the fields as crash's sys prints them, "%12s: %s" lines
function M.text()
  local out = {}
  for _, kv in ipairs(M.fields()) do
    out[#out + 1] = string.format("%12s: %s\n", kv[1], kv[2])
  end
  return table.concat(out)
end

return M
