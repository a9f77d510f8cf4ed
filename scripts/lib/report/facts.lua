-- report/facts.lua: small kernel facts shared by the bundled emitters of
-- the kernel, kernel_info and vmcore plugins (taint flags, the panic CPU
-- and task, plain symbol values).

local M = {}

function M.sym(name)
  local ok, o = pcall(kd.symbol, name)
  if ok then return o end
  return nil
end

-- integer value of a symbol (atomic_t: its counter), or nil
function M.int(name)
  local o = M.sym(name)
  if o == nil then return nil end
  local ok, v = pcall(function() return o:value_() end)
  if ok and math.type(v) == "integer" then return v end
  ok, v = pcall(function() return o.counter end)
  if ok and math.type(v) == "integer" then return v end
  return nil
end

-- kernel/panic.c taint_flags[] as {char, false_char, module} per bit,
-- read from the dump; the 6.1 table if the dump lacks it
local FALLBACK = {
  { "P", "G", true }, { "F", " ", true }, { "S", " ", false }, { "R", " ", false },
  { "M", " ", false }, { "B", " ", false }, { "U", " ", false }, { "D", " ", false },
  { "A", " ", false }, { "W", " ", false }, { "C", " ", true }, { "I", " ", false },
  { "O", " ", true }, { "E", " ", true }, { "L", " ", false }, { "K", " ", true },
  { "X", " ", true }, { "T", " ", true }, { "N", " ", true },
}

-- what each flag means (Documentation/admin-guide/tainted-kernels.rst)
M.TAINT_NAMES = {
  "proprietary module was loaded", "module was force loaded",
  "kernel running on an out of specification system", "module was force unloaded",
  "processor reported a Machine Check Exception (MCE)", "bad page referenced or some unexpected page flags",
  "taint requested by userspace application", "kernel died recently, i.e. there was an OOPS or BUG",
  "ACPI table overridden by user", "kernel issued warning", "staging driver was loaded",
  "workaround for bug in platform firmware applied", "externally-built (\"out-of-tree\") module was loaded",
  "unsigned module was loaded", "soft lockup occurred", "kernel has been live patched",
  "auxiliary taint, defined for and used by distros", "kernel was built with the struct randomization plugin",
  "an in-kernel test has been run",
}

local flags_cache
function M.taint_flags()
  if flags_cache then return flags_cache end
  local out = {}
  local ok = pcall(function()
    local tf = kd.symbol("taint_flags")
    local n = tf:type_().length
    for i = 0, n - 1 do
      local f = tf[i]
      out[i + 1] = { string.char(f.c_true), string.char(f.c_false), f.module == true }
    end
  end)
  if not ok or #out == 0 then out = FALLBACK end
  flags_cache = out
  return out
end

-- print_tainted(): "Not tainted" or "Tainted: P        W       " (one
-- column per flag, the false char where clear)
function M.print_tainted(mask)
  if mask == 0 then return "Not tainted" end
  local s = {}
  for i, f in ipairs(M.taint_flags()) do
    s[i] = ((mask >> (i - 1)) & 1 == 1) and f[1] or f[2]
  end
  return "Tainted: " .. table.concat(s)
end

-- module_flags_taint(): the module-relevant flags set in `taints`
function M.module_taint_chars(taints)
  local s = {}
  for i, f in ipairs(M.taint_flags()) do
    if f[3] and (taints >> (i - 1)) & 1 == 1 then s[#s + 1] = f[1] end
  end
  return table.concat(s)
end

-- the CPU that called panic() (kernel/panic.c panic_cpu; -1 if none)
function M.panic_cpu()
  local v = M.int("panic_cpu")
  if v == nil or v < 0 or v == 0xffffffff then return nil end
  return v
end

-- per-CPU address of a per-CPU symbol, without kd.per_cpu's reading of a
-- pointer-typed variable as a __percpu pointer
function M.per_cpu_address(name, cpu)
  local base = kd.symbol_address(name)
  if base == nil then return nil end
  local offs = kd.symbol("__per_cpu_offset")
  return base + offs[cpu]
end

-- the task running on `cpu` (x86: per-CPU current_task, or pcpu_hot)
function M.current_task(cpu)
  local ok, t = pcall(function()
    local addr = M.per_cpu_address("current_task", cpu)
    if addr == nil then
      addr = M.per_cpu_address("pcpu_hot", cpu)
      if addr == nil then return nil end
      addr = addr + kd.member_offset("struct pcpu_hot", "current_task")
    end
    local p = kd.read_u64(addr)
    if p == 0 then return nil end
    return kd.pointer("struct task_struct", p)
  end)
  if ok then return t end
  return nil
end

return M
