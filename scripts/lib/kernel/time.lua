-- kernel/time.lua: clocks at the time of the crash.
--
-- From the timekeeper (kernel/time/timekeeping.c: tk_core.timekeeper,
-- older kernels the global `timekeeper`), as of its last update (the last
-- tick before the CPUs stopped):
--   wall clock   = xtime_sec + (tkr_mono.xtime_nsec >> tkr_mono.shift)
--   monotonic    = tkr_mono.base + (tkr_mono.xtime_nsec >> shift)
--   boottime     = monotonic + offs_boot       (/proc/uptime)
--   boot (wall)  = offs_real - offs_boot       (getboottime64, /proc/stat btime)
-- Fallback: jiffies since INITIAL_JIFFIES (HZ from tick_nsec).
--
-- Mirrors: kernel/time/timekeeping.c, kernel/time/jiffies.c

local M = {}

local NSEC = 1000000000

local sym = require("kernel.util").symbol_or_nil

local ival = require("kernel.util").int_or_nil

-- the struct timekeeper object, or nil
function M.timekeeper()
  local tkc = sym("tk_core")
  if tkc then
    local ok, tk = pcall(function() return tkc.timekeeper end)
    if ok then return tk end
  end
  local tk = sym("timekeeper")
  if tk and kd.has_member(tk, "xtime_sec") then return tk end
  return nil
end

-- kernel HZ (CONFIG_HZ), from tick_nsec = (NSEC_PER_SEC + HZ/2) / HZ
function M.hz()
  local tn = ival(sym("tick_nsec"))
  if tn and tn > 0 then return math.floor(NSEC / tn + 0.5) end
  return 250
end

-- the jiffies counter (jiffies_64, else jiffies), nil when neither is readable
function M.jiffies()
  local j = ival(sym("jiffies_64")) or ival(sym("jiffies"))
  return j
end

-- INITIAL_JIFFIES: (unsigned long)(unsigned int)(-300*HZ)
function M.initial_jiffies()
  return (-300 * M.hz()) & 0xffffffff
end

local function tk_mono_ns(tk)
  local tkr = tk.tkr_mono
  local nsec = tkr.xtime_nsec >> tkr.shift
  local base = tkr.base
  if type(base) ~= "number" then base = base.tv64 or 0 end
  return base + nsec
end

-- seconds since boot at the crash, in ns (CLOCK_BOOTTIME; /proc/uptime)
function M.uptime_ns()
  local tk = M.timekeeper()
  if tk then
    local ok, v = pcall(function()
      local boot = kd.has_member(tk, "offs_boot") and tk.offs_boot or 0
      if type(boot) ~= "number" then boot = boot.tv64 or 0 end
      return tk_mono_ns(tk) + boot
    end)
    if ok and v > 0 then return v, "timekeeper" end
  end
  local j = M.jiffies()
  if j then
    local d = (j - M.initial_jiffies()) & 0xffffffffffffffff
    return d * (NSEC // M.hz()), "jiffies"
  end
  return nil, "no timekeeper and no jiffies"
end

-- seconds since boot as a float (uptime_ns / 1e9), nil when unknown
function M.uptime() -- seconds (float)
  local ns = M.uptime_ns()
  if ns == nil then return nil end
  return ns / NSEC
end

-- wall clock at the crash: seconds, nanoseconds (UTC, since the epoch)
function M.wall_clock()
  local tk = M.timekeeper()
  if tk then
    local ok, s, ns = pcall(function()
      return tk.xtime_sec, tk.tkr_mono.xtime_nsec >> tk.tkr_mono.shift
    end)
    if ok then return s, ns end
  end
  local xt = sym("xtime")
  if xt then return xt.tv_sec, xt.tv_nsec end
  return nil
end

-- wall clock time of boot, ns since the epoch (getboottime64)
function M.boot_time_ns()
  local tk = M.timekeeper()
  if tk then
    local ok, v = pcall(function()
      local real = tk.offs_real
      if type(real) ~= "number" then real = real.tv64 end
      local boot = kd.has_member(tk, "offs_boot") and tk.offs_boot or 0
      if type(boot) ~= "number" then boot = boot.tv64 or 0 end
      return real - boot
    end)
    if ok and v and v > 0 then return v end
  end
  local s, ns = M.wall_clock()
  local up = M.uptime_ns()
  if s and up then return s * NSEC + ns - up end
  return nil
end

-- boot time in whole seconds, as /proc/stat btime (procps' boot time)
function M.btime()
  local b = M.boot_time_ns()
  if b == nil then return nil end
  return b // NSEC
end

-- crash's "DATE:" format, e.g. "Wed Nov 25 07:57:11 UTC 2026"
function M.format_date(sec)
  return (os.date("!%a %b %e %H:%M:%S UTC %Y", sec))
end

-- crash's "UPTIME:" format: "00:00:17", "3 days, 01:02:03"
function M.format_uptime(sec)
  sec = math.floor(sec)
  local d = sec // 86400
  local h, m, s = (sec % 86400) // 3600, (sec % 3600) // 60, sec % 60
  local hms = string.format("%02d:%02d:%02d", h, m, s)
  if d > 0 then return string.format("%d day%s, %s", d, d == 1 and "" or "s", hms) end
  return hms
end

-- load averages (avenrun, FSHIFT 11) as three numbers rounded like
-- /proc/loadavg: strings "0.15" etc.
function M.loadavg()
  local av = sym("avenrun")
  if av == nil then return nil end
  local FSHIFT, FIXED_1 = 11, 1 << 11
  local out = {}
  for i = 0, 2 do
    local x = av[i] + FIXED_1 // 200
    local int = x >> FSHIFT
    local frac = ((x & (FIXED_1 - 1)) * 100) >> FSHIFT
    out[#out + 1] = string.format("%d.%02d", int, frac)
  end
  return out
end

return M
