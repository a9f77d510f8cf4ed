-- kernel/timer_list.lua: /proc/timer_list -- every online CPU's hrtimer
-- clock bases with their queued timers, the tick_sched state and the
-- clock event (tick) devices, as of the moment each CPU stopped.  Pointers
-- are "%p" hashed with the dump's ptr_key (kernel/vsprintf.lua), so they
-- equal what the live file showed.
--
-- Mirrors: kernel/time/timer_list.c, kernel/time/hrtimer.c,
--   kernel/time/tick-sched.h, kernel/time/tick-broadcast.c

local cpu = require("kernel.cpu")
local vsprintf = require("kernel.vsprintf")
local util = require("kernel.util")

local M = {}

local sym, ival = util.symbol_or_nil, util.int_or_nil

local function p(addr) return vsprintf.p(addr) or "(____ptrval____)" end

-- "%ps": the symbol's name (and " [module]"), or the address in hex
local function ps(addr)
  if addr == 0 then return "0x0" end
  local name, _, mod = kd.symbolize(addr)
  if not name then return string.format("0x%x", addr) end
  return mod and (name .. " [" .. mod .. "]") or name
end

local function fval(o, member)
  local ok, v = pcall(function() return o:member_(member):value_() end)
  return ok and v or 0
end

local function ktime(v)
  if type(v) == "number" then return v end
  return v.tv64 or 0
end

-- 6.9 "tick/sched: Move tick_sched bit fields into one flags word"
-- (kernel/time/tick-sched.h TS_FLAG_*): nohz/highres/tick_stopped are
-- flags, nohz_mode is gone, the file's version is v0.10
local function ts_flags() return not kd.has_member("struct tick_sched", "nohz_mode") end
local TS_FLAG_STOPPED, TS_FLAG_NOHZ, TS_FLAG_HIGHRES = 2, 16, 32

local function print_cpu(out, c, now)
  local cb = kd.per_cpu("hrtimer_bases", c)
  local nbases = kd.enum_value("enum hrtimer_base_type", "HRTIMER_MAX_CLOCK_BASES")
  local res = ival(sym("hrtimer_resolution")) or 0
  local highres = kd.has_member("struct hrtimer_cpu_base", "hres_active")
  out[#out + 1] = string.format("cpu: %d\n", c)
  for i = 0, nbases - 1 do
    local base = cb.clock_base[i]
    local baddr = base:address_()
    out[#out + 1] = string.format(" clock %d:\n  .base:       %s\n  .index:      %d\n"
      .. "  .resolution: %d nsecs\n  .get_time:   %s\n", i, p(baddr), base.index, res,
      ps(fval(base, "get_time")))
    local offset = ktime(base.offset)
    if highres then out[#out + 1] = string.format("  .offset:     %d nsecs\n", offset) end
    out[#out + 1] = "active timers:\n"
    local rel = now + offset
    local idx = 0
    local root = base.active.rb_root.rb_root
    for node in kd.rbtree(root, "struct timerqueue_node", "node") do
      local t = kd.container_of(node, "struct hrtimer", "node")
      local soft, hard = ktime(t._softexpires), ktime(node.expires)
      out[#out + 1] = string.format(" #%d: <%s>, %s, S:%02x\n # expires at %d-%d nsecs [in %d to %d nsecs]\n",
        idx, p(t:value_()), ps(fval(t, "function")), t.state, soft, hard, soft - rel, hard - rel)
      idx = idx + 1
      if idx > 100000 then break end
    end
  end
  local function P(name, v) out[#out + 1] = string.format("  .%-15s: %d\n", name, v) end
  local function Pns(name, v) out[#out + 1] = string.format("  .%-15s: %d nsecs\n", name, v) end
  if highres then
    Pns("expires_next", ktime(cb.expires_next))
    P("hres_active", cb.hres_active)
    P("nr_events", cb.nr_events)
    P("nr_retries", cb.nr_retries)
    P("nr_hangs", cb.nr_hangs)
    P("max_hang_time", cb.max_hang_time)
  end
  if kd.symbol_address("tick_cpu_sched") then -- CONFIG_TICK_ONESHOT
    local ts = kd.per_cpu("tick_cpu_sched", c)
    if ts_flags() then
      local f = ts.flags
      P("nohz", (f & TS_FLAG_NOHZ) ~= 0 and 1 or 0)
      P("highres", (f & TS_FLAG_HIGHRES) ~= 0 and 1 or 0)
      Pns("last_tick", ktime(ts.last_tick))
      P("tick_stopped", (f & TS_FLAG_STOPPED) ~= 0 and 1 or 0)
    else
      P("nohz_mode", ts.nohz_mode)
      Pns("last_tick", ktime(ts.last_tick))
      P("tick_stopped", ts.tick_stopped)
    end
    P("idle_jiffies", ts.idle_jiffies)
    P("idle_calls", ts.idle_calls)
    P("idle_sleeps", ts.idle_sleeps)
    Pns("idle_entrytime", ktime(ts.idle_entrytime))
    Pns("idle_waketime", ktime(ts.idle_waketime))
    Pns("idle_exittime", ktime(ts.idle_exittime))
    Pns("idle_sleeptime", ktime(ts.idle_sleeptime))
    Pns("iowait_sleeptime", ktime(ts.iowait_sleeptime))
    P("last_jiffies", ts.last_jiffies)
    P("next_timer", ts.next_timer)
    Pns("idle_expires", ktime(ts.idle_expires))
    out[#out + 1] = string.format("jiffies: %d\n", ival(sym("jiffies")) or 0)
  end
  out[#out + 1] = "\n"
end

local function print_tickdevice(out, td, c)
  out[#out + 1] = string.format("Tick Device: mode:     %d\n", fval(td, "mode"))
  out[#out + 1] = c < 0 and "Broadcast device\n" or string.format("Per CPU device: %d\n", c)
  out[#out + 1] = "Clock Event Device: "
  local dev = td.evtdev
  if dev == nil then out[#out + 1] = "<NULL>\n"; return end
  out[#out + 1] = dev.name:string_() .. "\n"
  out[#out + 1] = string.format(" max_delta_ns:   %d\n min_delta_ns:   %d\n mult:           %d\n"
    .. " shift:          %d\n mode:           %d\n next_event:     %d nsecs\n",
    dev.max_delta_ns, dev.min_delta_ns, dev.mult, dev.shift, fval(dev, "state_use_accessors"),
    ktime(dev.next_event))
  out[#out + 1] = " set_next_event: " .. ps(fval(dev, "set_next_event")) .. "\n"
  for _, f in ipairs({ { "set_state_shutdown", " shutdown:       " },
                       { "set_state_periodic", " periodic:       " },
                       { "set_state_oneshot", " oneshot:        " },
                       { "set_state_oneshot_stopped", " oneshot stopped: " },
                       { "tick_resume", " resume:         " } }) do
    local v = fval(dev, f[1])
    if v ~= 0 then out[#out + 1] = f[2] .. ps(v) .. "\n" end
  end
  out[#out + 1] = " event_handler:  " .. ps(fval(dev, "event_handler")) .. "\n\n"
  out[#out + 1] = string.format(" retries:        %d\n", dev.retries)
  if c >= 0 and kd.symbol_address("tick_oneshot_wakeup_device") then
    local wd = kd.per_cpu("tick_oneshot_wakeup_device", c)
    out[#out + 1] = "Wakeup Device: " .. ((wd ~= nil and wd:value_() ~= 0) and wd.name:string_() or "<NULL>") .. "\n"
  end
  out[#out + 1] = "\n"
end

-- a cpumask_var_t symbol (a mask, or a pointer to one with
-- CONFIG_CPUMASK_OFFSTACK) as "%*pb"
local function mask_hex(name)
  local o = sym(name)
  if o == nil then return "" end
  if o:type_().resolved.kind == "pointer" then o = o:deref_() end
  local nbits = ival(sym("nr_cpu_ids")) or 64
  local base = o:address_()
  local words = {}
  for i = 0, (nbits + 63) // 64 - 1 do words[i + 1] = kd.read_u64(base + 8 * i) end
  return require("kernel.procfs").bitmap_hex(words, nbits)
end

-- text of /proc/timer_list (kernel/time/timer_list.c); nil, reason without hrtimer_bases
function M.proc_timer_list()
  if not kd.symbol_address("hrtimer_bases") then return nil, "no hrtimer_bases in the debug info" end
  local now = require("kernel.sched").ktime_ns() or 0
  local out = {}
  out[#out + 1] = string.format("Timer List Version: %s\nHRTIMER_MAX_CLOCK_BASES: %d\nnow at %d nsecs\n\n",
    ts_flags() and "v0.10" or "v0.9", kd.enum_value("enum hrtimer_base_type", "HRTIMER_MAX_CLOCK_BASES"), now)
  local online = cpu.online()
  for _, c in ipairs(online) do print_cpu(out, c, now) end
  if kd.symbol_address("tick_cpu_device") then -- CONFIG_GENERIC_CLOCKEVENTS
    if kd.symbol_address("tick_broadcast_device") then -- CONFIG_GENERIC_CLOCKEVENTS_BROADCAST
      print_tickdevice(out, kd.symbol("tick_broadcast_device"), -1)
      out[#out + 1] = "tick_broadcast_mask: " .. mask_hex("tick_broadcast_mask") .. "\n"
      if kd.symbol_address("tick_broadcast_oneshot_mask") then
        out[#out + 1] = "tick_broadcast_oneshot_mask: " .. mask_hex("tick_broadcast_oneshot_mask") .. "\n"
      end
      out[#out + 1] = "\n"
    end
    for _, c in ipairs(online) do print_tickdevice(out, kd.per_cpu("tick_cpu_device", c), c) end
  end
  return table.concat(out)
end

return M
