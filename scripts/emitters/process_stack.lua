-- /proc/<pid>/stack: the kernel stack of a sleeping task, as
-- stack_trace_save_tsk() + "[<0>] %pB" print it (fs/proc/base.c,
-- kernel/stacktrace.c, arch/x86/kernel/{stacktrace,unwind_orc}.c, 6.1).
--
-- x86_64 with ORC (the kernel's own unwind tables, in the dumped memory:
-- __start_orc_unwind_ip/__start_orc_unwind, and each module's
-- arch.orc_unwind_ip/orc_unwind): the walk starts at the task's
-- inactive_task_frame (thread.sp), follows each frame's ORC entry, stops
-- at user-mode pt_regs or the end hint, and drops scheduler/lock
-- functions (consume_entry_nosched).  Tasks running at the crash have
-- their state in CPU registers, not on the saved frame: stub.  Kernels
-- without ORC (frame pointers, other arches): stub, with the raw-scan
-- candidates marked unreliable.  (Self-contained until a kernel/stack.lua
-- library exists; nothing here is specific to the emitter.)
local task = require("kernel.task")

local A = kd.symbol_address
local function in_range(v, a, b) return a and b and math.ult(a - 1, v) and math.ult(v, b) end

local R
local function ranges()
  if R == nil then
    R = { stext = A("_stext"), etext = A("_etext"), s0 = A("__sched_text_start"),
          s1 = A("__sched_text_end"), l0 = A("__lock_text_start") or 0, l1 = A("__lock_text_end") or 0,
          orc_ip = A("__start_orc_unwind_ip"), orc_ip_end = A("__stop_orc_unwind_ip"),
          orc = A("__start_orc_unwind"), ret_from_fork = A("ret_from_fork"),
          sinit = A("_sinittext"), einit = A("_einittext") }
  end
  return R
end

local function in_sched(v)
  local r = ranges()
  return in_range(v, r.s0, r.s1) or in_range(v, r.l0, r.l1)
end

-- {====== ORC ======

local ORC_SIZE = 6
local REG = { UNDEFINED = 0, PREV_SP = 1, DX = 2, DI = 3, BP = 4, SP = 5, R10 = 6, R13 = 7,
              BP_INDIRECT = 8, SP_INDIRECT = 9 }
local TYPE = { CALL = 0, REGS = 1, REGS_PARTIAL = 2 }

-- last entry of a sorted relative-ip table with ip <= target
local function orc_search(ip_tab, orc_tab, num, ip)
  local lo, hi, found = 0, num - 1, nil
  while lo <= hi do
    local mid = (lo + hi) // 2
    local a = ip_tab + mid * 4
    local v = a + kd.read_s32(a)
    if math.ult(ip, v) then hi = mid - 1 else found = mid; lo = mid + 1 end
  end
  if found == nil then return nil end
  local raw = kd.read(orc_tab + found * ORC_SIZE, ORC_SIZE)
  local sp_off, bp_off, bits = string.unpack("<i2i2I2", raw)
  return { sp_offset = sp_off, bp_offset = bp_off, sp_reg = bits & 0xf, bp_reg = (bits >> 4) & 0xf,
           type = (bits >> 8) & 3, ["end"] = (bits >> 10) & 1 }
end

-- ip -> ORC entry (false: none) of module_orc / orc_find: the same return
-- addresses (schedule, do_syscall_64, ...) recur in most tasks' stacks,
-- and each lookup is a binary search with one dump read per step
local module_memo, orc_memo = {}, {}

local mod_tables
local function module_orc_search(ip)
  if mod_tables == nil then
    mod_tables = {}
    pcall(function()
      for m in kd.list(kd.symbol("modules"), "struct module", "list") do
        -- 6.1: core_layout; 6.4+: mem[MOD_TEXT]
        local mem = task.has_member("struct module", "core_layout") and m.core_layout or m.mem[0]
        local base = task.pval(mem:member_("base"))
        mod_tables[#mod_tables + 1] = { base = base, size = mem.size,
          ip = task.pval(m.arch:member_("orc_unwind_ip")), orc = task.pval(m.arch:member_("orc_unwind")),
          num = m.arch.num_orcs }
      end
    end)
  end
  for _, t in ipairs(mod_tables) do
    if t.num > 0 and in_range(ip, t.base, t.base + t.size) then
      return orc_search(t.ip, t.orc, t.num, ip)
    end
  end
  return nil
end

local function module_orc(ip)
  local e = module_memo[ip]
  if e == nil then
    e = module_orc_search(ip) or false
    module_memo[ip] = e
  end
  return e or nil
end

local function orc_find(ip)
  local e = orc_memo[ip]
  if e ~= nil then return e or nil end
  local r = ranges()
  if in_range(ip, r.stext, r.etext) or in_range(ip, r.sinit, r.einit) then
    e = orc_search(r.orc_ip, r.orc, (r.orc_ip_end - r.orc_ip) // 4, ip)
  else
    e = module_orc(ip)
  end
  orc_memo[ip] = e or false
  return e
end

local PT = {}
local function pt_off(f)
  if PT[f] == nil then PT[f] = kd.member_offset("struct pt_regs", f) end
  return PT[f]
end

-- the return addresses stack_trace_save_tsk() would record, or nil, why
local function orc_stack(t)
  local r = ranges()
  local stack = task.pval(t:member_("stack"))
  if stack == 0 then return {} end
  local size = task.thread_size()
  local lo, hi = stack, stack + size
  local function rd(a)
    if not in_range(a, lo, hi - 7) then error("outside the task stack", 0) end
    return kd.read_u64(a)
  end
  local fsz = kd.type("struct inactive_task_frame").size
  local tsp = t.thread.sp
  local frame = kd.object("struct inactive_task_frame", tsp)
  local st = { sp = tsp + fsz, bp = frame.bp, ip = frame.ret_addr, regs = nil, full = false }
  st.signal = st.ip == r.ret_from_fork
  local out = {}
  for _ = 1, 64 do
    -- unwind_get_return_address(): a kernel text address, else the end
    local ip = st.ip
    local kernel_text = in_range(ip, r.stext, r.etext) or module_orc(ip) ~= nil
    if not kernel_text then break end
    if not in_sched(ip) then out[#out + 1] = ip end
    -- unwind_next_frame()
    if st.regs and (kd.read_u64(st.regs + pt_off("cs")) & 3) == 3 then break end
    local orc = orc_find(st.signal and ip or ip - 1)
    if orc == nil then break end
    if orc.sp_reg == REG.UNDEFINED then break end
    local sp
    local indirect = false
    if orc.sp_reg == REG.SP then sp = st.sp + orc.sp_offset
    elseif orc.sp_reg == REG.BP then sp = st.bp + orc.sp_offset
    elseif orc.sp_reg == REG.SP_INDIRECT then sp = st.sp; indirect = true
    elseif orc.sp_reg == REG.BP_INDIRECT then sp = st.bp + orc.sp_offset; indirect = true
    elseif st.regs and st.full and (orc.sp_reg == REG.R10 or orc.sp_reg == REG.R13 or
           orc.sp_reg == REG.DI or orc.sp_reg == REG.DX) then
      local f = ({ [REG.R10] = "r10", [REG.R13] = "r13", [REG.DI] = "di", [REG.DX] = "dx" })[orc.sp_reg]
      sp = kd.read_u64(st.regs + pt_off(f))
    else
      break
    end
    if indirect then
      sp = rd(sp)
      if orc.sp_reg == REG.SP_INDIRECT then sp = sp + orc.sp_offset end
    end
    local prev_sp = st.sp
    if orc.type == TYPE.CALL then
      st.ip = rd(sp - 8)
      st.sp = sp
      st.regs, st.signal = nil, false
    elseif orc.type == TYPE.REGS then
      st.ip = rd(sp + pt_off("ip"))
      st.sp = rd(sp + pt_off("sp"))
      st.regs, st.full, st.signal = sp, true, true
    elseif orc.type == TYPE.REGS_PARTIAL then
      local regs = sp - pt_off("ip")
      st.ip = rd(sp)
      st.sp = rd(regs + pt_off("sp"))
      st.regs, st.full, st.signal = regs, false, true
    else
      break
    end
    if orc.bp_reg == REG.UNDEFINED then
      if st.regs and st.full then st.bp = kd.read_u64(st.regs + pt_off("bp")) end
    elseif orc.bp_reg == REG.PREV_SP then st.bp = rd(sp + orc.bp_offset)
    elseif orc.bp_reg == REG.BP then st.bp = rd(st.bp + orc.bp_offset)
    else break end
    if in_range(st.sp, lo, hi) and not math.ult(prev_sp, st.sp) then break end   -- wrong direction
  end
  return out
end

-- }======

-- {====== raw scan (fallback) ======

local function after_call(v)
  local ok, code = pcall(kd.read, v - 7, 7)
  if not ok then return false end
  local b = function(i) return code:byte(i) end
  if b(3) == 0xe8 then return true end
  if b(2) == 0xff and b(3) == 0x15 then return true end
  if b(6) == 0xff and b(7) >= 0xd0 and b(7) <= 0xd7 then return true end
  return false
end

local function raw_scan(t)
  local r = ranges()
  local stack = task.pval(t:member_("stack"))
  if stack == 0 then return {} end
  local size = task.thread_size()
  local sp = t.thread.sp
  if not in_range(sp, stack, stack + size) then return {} end
  local data = kd.read(sp, stack + size - sp)
  local out = {}
  for i = 0, #data // 8 - 1 do
    local v = string.unpack("<i8", data, i * 8 + 1)
    if in_range(v, r.stext, r.etext) and not in_sched(v) and after_call(v) then out[#out + 1] = v end
  end
  return out
end

-- }======

-- %pB: symbol of addr-1, offset+1, size = distance to the next symbol
-- (kallsyms_lookup_size_offset), " [module]"
local size_cache = {}
local function next_symbol_distance(addr, name, off, esize)
  local start = addr - off
  if size_cache[start] then return size_cache[start] end
  -- walk from the end of the ELF symbol over alignment padding (which
  -- belongs to no symbol) to the start of the next one
  local p = start + math.max(esize or 0, 1)
  local limit = start + (1 << 20)
  local d = 0
  while math.ult(p, limit) do
    local n, o = kd.symbolize(p)
    if n ~= nil and (n ~= name or p - o ~= start) then d = (p - o) - start break end
    if n ~= nil then p = p - o + math.max(esize or 0, o + 1) else p = p + 1 end
  end
  size_cache[start] = d
  return d
end

local function pB(v)
  local name, off, mod, esize, ksize = kd.symbolize(v - 1)
  if not name then return string.format("[<0>] 0x%x\n", v) end
  -- kd.symbolize's 5th value (when the core has it) is the kallsyms size
  local size = ksize or next_symbol_distance(v - 1, name, off, esize)
  return string.format("[<0>] %s+0x%x/0x%x%s\n", name, off + 1, size, mod and (" [" .. mod .. "]") or "")
end

local function render(list)
  local out = {}
  for _, v in ipairs(list) do out[#out + 1] = pB(v) end
  return table.concat(out)
end

local NO_UNWIND = "kernel stack unwinding not available yet"

emit{ path = "proc/{pid}/stack", plugin = "process", each = "pids",
      run = function(pid, t)
        if task.raw_state(t) == 0 then
          return stub(NO_UNWIND .. " for a task running at the crash (its frames are in the CPU's registers)", "")
        end
        local r = ranges()
        if kd.dump_info().arch == "x86_64" and r.orc_ip and r.orc then
          local ok, list = pcall(orc_stack, t)
          if ok then return render(list) end
          local ok2, cand = pcall(raw_scan, t)
          return stub(NO_UNWIND .. " (ORC walk failed: " .. tostring(type(list) == "table" and list.message or list) ..
                      "); UNRELIABLE raw-scan candidates below", ok2 and render(cand) or "")
        end
        local ok2, cand = pcall(raw_scan, t)
        return stub(NO_UNWIND .. " (no ORC tables); UNRELIABLE raw-scan candidates below",
                    ok2 and render(cand) or "")
      end }
