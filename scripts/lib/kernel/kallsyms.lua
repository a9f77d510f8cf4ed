-- kernel/kallsyms.lua: /proc/kallsyms rebuilt from the dump.
--
-- kernel/kallsyms.c (6.1) iterates, in this order:
--   1. the core kernel's compressed table, index 0 .. kallsyms_num_syms-1:
--      kallsyms_names holds per symbol a length byte (two bytes when the
--      high bit is set, 6.1+: "big" symbols) and that many token numbers;
--      kallsyms_token_index[t] is the offset in kallsyms_token_table of the
--      NUL-terminated text of token t.  The first character of the expanded
--      text is the nm-style type letter, the rest is the name.
--      The address is kallsyms_addresses[i] (no CONFIG_KALLSYMS_BASE_RELATIVE,
--      kernels < 4.6 or some archs) or from the s32 kallsyms_offsets[i]:
--      with CONFIG_KALLSYMS_ABSOLUTE_PERCPU (x86_64 SMP up to 6.10) a
--      non-negative offset is an absolute value (per-CPU symbols) and a
--      negative one means relative_base - 1 - offset; without it every
--      offset is an unsigned distance from kallsyms_relative_base.  Absolute
--      mode is recognised by the presence of negative offsets (text is always
--      encoded negative in that mode; never in the other).
--   2. arch symbols (arch_get_kallsym: none on x86),
--   3. each module in `modules` list order that is not UNFORMED: its
--      mod->kallsyms symtab (Elf_Sym), strtab and typetab (type letters
--      computed by elf_type() at load time); the letter is upper-cased when
--      the module exports the name with that value (mod->syms), lower-cased
--      otherwise; printed "%px %c %s\t[%s]",
--   4. ftrace trampolines ("__builtin__ftrace"), 5. BPF programs ("[bpf]"),
--   6. kprobe insn pages ("__builtin__kprobes"): these live in allocator
--      structures that are not walked here; a note in the output names them
--      only when they exist (see M.extra_sections()).
-- Symbols with an empty name are skipped (s_show).  Values are printed with
-- %px, i.e. as if kptr_restrict allowed them (root with kptr_restrict=0);
-- a non-privileged reader sees zeros.
--
-- Both parts are built in C (host/core/kallsyms.c: kd.kallsyms_core_text,
-- kd.kallsyms_module_text); M.each_core stays as the readable decoder of
-- part 1, which a test holds the C one to.
--
-- The VMCOREINFO note names the tables (SYMBOL(kallsyms_names) etc., 6.0+);
-- older kernels: the vmlinux ELF symbol table (kd.symbol_address).
--
-- Mirrors: kernel/kallsyms.c, kernel/module/kallsyms.c

local M = {}

local function addr_of(name)
  local v = kd.vmcoreinfo("SYMBOL(" .. name .. ")")
  if v then return tonumber(v, 16) or math.tointeger(tonumber("0x" .. v)) end
  return kd.symbol_address(name)
end

local function tryf(f, ...)
  local ok, a, b = pcall(f, ...)
  if ok then return a, b end
  return nil, a
end

-- read n bytes in chunks (a long read across a hole fails as a whole)
local function read_big(addr, n)
  local ok, s = pcall(kd.read, addr, n)
  if ok then return s end
  local parts, CH = {}, 65536
  local off = 0
  while off < n do
    local len = math.min(CH, n - off)
    parts[#parts + 1] = kd.read(addr + off, len)
    off = off + len
  end
  return table.concat(parts)
end

local function ptr_digits()
  local ok, t = pcall(kd.type, "void *")
  if ok and t and t.size == 4 then return 8 end
  return 16
end

-- Core symbols: calls fn(addr, type_letter, name) for each in index
-- order; returns the count, or nil, why
function M.each_core(fn)
  local a_names = addr_of("kallsyms_names")
  local a_num = addr_of("kallsyms_num_syms")
  local a_ttab = addr_of("kallsyms_token_table")
  local a_tidx = addr_of("kallsyms_token_index")
  if not (a_names and a_num and a_ttab and a_tidx) then
    return nil, "kallsyms tables not found (kernel built without CONFIG_KALLSYMS, or no VMCOREINFO/symbols)"
  end
  local num = kd.read_u32(a_num)
  -- token table: 256 entries of u16 offsets into the token text
  local idx = kd.read(a_tidx, 512)
  local maxoff = 0
  local offs = {}
  for t = 0, 255 do
    local o = string.unpack("<I2", idx, t * 2 + 1)
    offs[t] = o
    if o > maxoff then maxoff = o end
  end
  local ttext = kd.read(a_ttab, maxoff + 64)
  local tok = {}
  for t = 0, 255 do
    tok[t] = ttext:match("^[^%z]*", offs[t] + 1)
  end

  -- names: size from the next table when it follows (kallsyms_markers),
  -- otherwise read generously in chunks
  local a_markers = kd.symbol_address("kallsyms_markers")
  local names
  if a_markers and a_markers > a_names and a_markers - a_names < 64 * 1024 * 1024 then
    names = read_big(a_names, a_markers - a_names)
  else
    names = read_big(a_names, num * 40)
  end

  -- addresses
  local raw, base, mode
  local a_offs = addr_of("kallsyms_offsets")
  if a_offs then
    base = kd.read_u64(addr_of("kallsyms_relative_base"))
    raw = read_big(a_offs, num * 4)
    mode = "relative"
    for i = 1, num do
      if string.unpack("<i4", raw, i * 4 - 3) < 0 then mode = "absolute_percpu"; break end
    end
  else
    local a_addr = addr_of("kallsyms_addresses")
    if not a_addr then return nil, "neither kallsyms_offsets nor kallsyms_addresses found" end
    raw = read_big(a_addr, num * 8)
    mode = "addresses"
  end

  local byte, concat, sub, unpack = string.byte, table.concat, string.sub, string.unpack
  local p = 1
  local buf = {}
  for i = 1, num do
    local len = byte(names, p)
    p = p + 1
    if len >= 0x80 then
      len = (len & 0x7f) | (byte(names, p) << 7)
      p = p + 1
    end
    for k = 1, len do buf[k] = tok[byte(names, p + k - 1)] end
    local s = concat(buf, "", 1, len)
    p = p + len
    local a
    if mode == "addresses" then
      a = unpack("<i8", raw, i * 8 - 7)
    else
      local o = unpack("<i4", raw, i * 4 - 3)
      if mode == "absolute_percpu" then
        a = o >= 0 and o or (base - 1 - o)
      else
        a = base + (o & 0xffffffff)
      end
    end
    fn(a, sub(s, 1, 1), sub(s, 2))
  end
  return num
end

local function modules_in_order()
  local list = {}
  local head = kd.symbol("modules")
  local unformed = tryf(kd.enum_value, "enum module_state", "MODULE_STATE_UNFORMED")
  for m in kd.list(head, "struct module", "list") do
    if unformed == nil or m.state ~= unformed then list[#list + 1] = m end
  end
  return list
end

-- sections after the modules that are not walked: name those that have
-- entries (a non-empty list head / kprobe insn page list)
function M.extra_sections()
  local notes = {}
  local function nonempty(name, member)
    local ok, v = pcall(function()
      local h = kd.symbol(name)
      if member then h = h[member] end
      return h.next:value_() ~= h:address_()
    end)
    return ok and v
  end
  if nonempty("ftrace_mod_maps") then notes[#notes + 1] = "ftrace module maps ([__builtin__ftrace] / init symbols)" end
  if nonempty("bpf_kallsyms") then notes[#notes + 1] = "BPF programs ([bpf])" end
  if nonempty("kprobe_insn_slots", "pages") or nonempty("kprobe_optinsn_slots", "pages") then
    notes[#notes + 1] = "kprobe instruction pages ([__builtin__kprobes])"
  end
  return notes
end

local function message(e)
  return tostring(type(e) == "table" and e.message or e)
end

-- the whole file as text; second value: a note about omitted sections or nil
function M.text()
  local w = ptr_digits()
  -- both parts are built in C (host/core/kallsyms.c): 100k core symbols and
  -- tens of thousands of module ones are the report's hottest loop in Lua
  local ok, core = pcall(kd.kallsyms_core_text, w)
  if not ok then return nil, message(core) end
  local parts, note = { core }, nil
  local mods_ok, mods = pcall(modules_in_order)
  if mods_ok then
    for _, m in ipairs(mods) do
      local mname = m.name:string_()
      local mod_ok, text = pcall(kd.kallsyms_module_text, m, mname, w)
      if mod_ok then
        parts[#parts + 1] = text
      else
        note = (note and note .. "; " or "") .. "module " .. mname .. ": " .. message(text)
      end
    end
  else
    note = "module list not readable: " .. message(mods)
  end
  local extra = M.extra_sections()
  if #extra > 0 then
    note = (note and note .. "; " or "") .. "not listed: " .. table.concat(extra, ", ")
  end
  return table.concat(parts), note
end

return M
