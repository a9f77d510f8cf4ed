-- repl.lua: what `kdlua repl` shows -- values printed the way a kernel
-- engineer reads them (drgn's repr, crash's `p`), `help`, the one-line
-- error message, and the names completed inside kd.symbol("... and
-- kd.type("....  host/cli/repl.c loads it; a script may use it too:
--   print(require("repl").show(kd.symbol("init_task")))
--
--   show(v [, opts])     text of a value; opts.depth (nested structs shown,
--                        default 2), opts.lines (default 400), opts.elems
--                        (array elements shown, default 8)
--   help(x)              text about x (nil: the REPL's own help)
--   error_line(e)        one line for an error value
--   complete_string(fn, partial)  names for kd.<fn>("partial

local M = {}

local OBJECT, TYPE, ERROR = "kd.object", "kd.type", "kd.error"

local function mtname(v)
  local mt = getmetatable(v)
  return type(mt) == "table" and rawget(mt, "__name") or nil
end
M.kind_of_value = mtname

local function is_object(v) return type(v) == "userdata" and mtname(v) == OBJECT end

local function quote(s)
  return (string.format("%q", s):gsub("\\\n", "\\n"))
end

local function hex(v) return string.format("0x%x", v) end

-- integers as C would print them for their type: unsigned 64-bit values
-- above 2^63 come to Lua negative; they read best in hex
local function int_text(v, unsigned)
  if math.type(v) ~= "integer" then return tostring(v) end
  if unsigned and v < 0 then return hex(v) end
  return tostring(v)
end

-- "<name+0x10>" for an address inside a symbol, "" otherwise
local function symbol_note(addr)
  if not kd or addr == 0 then return "" end
  local ok, name, off = pcall(kd.symbolize, addr)
  if not ok or not name then return "" end
  if off and off ~= 0 then return string.format(" <%s+0x%x>", name, off) end
  return " <" .. name .. ">"
end

-- {====== kernel objects ======

local function type_info(o)
  local t = o:type_()
  local r = t.resolved
  return t, r, r.kind
end

local function is_char(t)
  local r = t.resolved
  return r.kind == "int" and r.size == 1 and tostring(r):find("char", 1, true) ~= nil
end

local Printer = {}
Printer.__index = Printer

function Printer:line(indent, text)
  if #self.out >= self.max_lines then
    self.truncated = true
    return false
  end
  self.out[#self.out + 1] = string.rep("\t", indent) .. text
  return true
end

-- a scalar object (or a pointer) as one piece of text
function Printer:scalar(o, t, r, kind)
  local ok, v = pcall(o.value_, o)
  if not ok then return "<unreadable: " .. M.error_text(v) .. ">" end
  if kind == "pointer" then
    if v == 0 then return "(" .. tostring(t) .. ")NULL" end
    local s = "(" .. tostring(t) .. ")" .. hex(v)
    local target = r.target and r.target.resolved
    if target and is_char(target) then
      local ok2, str = pcall(kd.read_string, v, 64)
      if ok2 and str then return s .. " = " .. quote(str) end
    end
    return s .. symbol_note(v)
  end
  if kind == "enum" then
    local ok2, name = pcall(kd.enum_name, r, v)
    if ok2 and name then return "(" .. tostring(t) .. ")" .. name end
    return "(" .. tostring(t) .. ")" .. tostring(v)
  end
  if kind == "int" and r.size == 1 and is_char(t) and v >= 32 and v < 127 then
    return "(" .. tostring(t) .. ")" .. v .. " '" .. string.char(v) .. "'"
  end
  return "(" .. tostring(t) .. ")" .. int_text(v, kind == "int" and not r.signed)
end

-- `head` is what goes before the value on its first line (".name = ")
function Printer:object(o, indent, head, depth)
  local t, r, kind = type_info(o)
  if kind == "int" or kind == "enum" or kind == "float" or kind == "pointer" or kind == "function" then
    return self:line(indent, head .. self:scalar(o, t, r, kind))
  end
  if kind == "array" then
    local et = r.target
    if et and is_char(et) then
      local ok, s = pcall(o.string_, o, r.length or 4096)
      return self:line(indent, head .. (ok and quote(s) or "<unreadable: " .. M.error_text(s) .. ">"))
    end
    local n = r.length or 0
    local shown = math.min(n, self.elems)
    local ek = et and et.resolved.kind
    if ek == "struct" or ek == "union" or ek == "array" then
      if depth >= self.depth or n == 0 then
        return self:line(indent, head .. "(" .. tostring(t) .. "){" .. (n > 0 and "..." or "") .. "}")
      end
      if not self:line(indent, head .. "(" .. tostring(t) .. "){") then return false end
      for i = 0, shown - 1 do
        local ok, e = pcall(function() return kd.object(et, o:address_() + i * et.size) end)
        if ok then
          if not self:object(e, indent + 1, "[" .. i .. "] = ", depth + 1) then return false end
        else
          self:line(indent + 1, "[" .. i .. "] = <unreadable: " .. M.error_text(e) .. ">")
        end
      end
      if n > shown then self:line(indent + 1, string.format("... (%d more)", n - shown)) end
      return self:line(indent, "},")
    end
    local parts = {}
    for i = 0, shown - 1 do
      local ok, v = pcall(function() return o[i] end)
      if not ok then parts[#parts + 1] = "<unreadable>"
      elseif is_object(v) then parts[#parts + 1] = self:scalar(v, type_info(v))
      else parts[#parts + 1] = M.short(v) end
    end
    if n > shown then parts[#parts + 1] = string.format("... (%d more)", n - shown) end
    return self:line(indent, head .. "(" .. tostring(t) .. "){ " .. table.concat(parts, ", ") .. " }")
  end
  if kind == "struct" or kind == "union" then
    local addr = o:address_()
    local title = addr and ("*(" .. tostring(t) .. " *)" .. hex(addr)) or ("(" .. tostring(t) .. ")")
    if depth >= self.depth then
      return self:line(indent, head .. (depth == 0 and (title .. " = ") or ("(" .. tostring(t) .. ")")) .. "{...}")
    end
    local members = r.members or {}
    if not self:line(indent, head .. (depth == 0 and (title .. " = {") or ("(" .. tostring(t) .. "){"))) then
      return false
    end
    for _, m in ipairs(members) do
      local child, ok
      if m.name then
        ok, child = pcall(o.member_, o, m.name)
      elseif addr then
        ok, child = pcall(kd.object, m.type, addr + m.offset)
      else
        ok, child = false, "anonymous member of a value"
      end
      local mhead = "." .. (m.name or "<anonymous>") .. " = "
      if ok and m.bit_size and m.bit_size > 0 then
        local ok2, v = pcall(function() return o[m.name] end)
        if not self:line(indent + 1, mhead .. "(" .. tostring(m.type) .. ")"
                         .. (ok2 and tostring(v) or "<unreadable>") .. ",") then return false end
      elseif ok then
        if not self:object(child, indent + 1, mhead, depth + 1) then return false end
        local last = self.out[#self.out]
        if last and last:sub(-1) ~= "," then self.out[#self.out] = last .. "," end
      else
        if not self:line(indent + 1, mhead .. "<unreadable: " .. M.error_text(child) .. ">,") then
          return false
        end
      end
    end
    return self:line(indent, "}")
  end
  return self:line(indent, head .. tostring(o))
end

-- }======

-- a value on one line, for table entries and array elements
function M.short(v)
  local tv = type(v)
  if tv == "string" then return quote(v) end
  if tv == "number" then
    if math.type(v) == "integer" and v <= -0x1000000 then return hex(v) end
    return tostring(v)
  end
  if is_object(v) then
    local ok, t, r, kind = pcall(type_info, v)
    if ok and (kind == "int" or kind == "enum" or kind == "float" or kind == "pointer") then
      return Printer.scalar({}, v, t, r, kind)
    end
    if ok and kind == "array" and is_char(r.target) then
      local ok2, s = pcall(v.string_, v)
      if ok2 then return quote(s) end
    end
    return tostring(v)
  end
  return tostring(v)
end

local function is_identifier(k)
  return type(k) == "string" and k:match("^[%a_][%w_]*$") ~= nil
end

function Printer:table(t, indent, head, depth, seen)
  if seen[t] then return self:line(indent, head .. "<cycle: " .. tostring(t) .. ">") end
  if depth >= self.depth + 1 then return self:line(indent, head .. "{...}") end
  seen[t] = true
  local keys, n = {}, #t
  for k in pairs(t) do
    if not (math.type(k) == "integer" and k >= 1 and k <= n) then keys[#keys + 1] = k end
  end
  table.sort(keys, function(a, b)
    local ta, tb = type(a), type(b)
    if ta ~= tb then return ta < tb end
    if ta == "number" or ta == "string" then return a < b end
    return tostring(a) < tostring(b)
  end)
  local entries = {}
  for i = 1, n do entries[#entries + 1] = { nil, t[i] } end
  for _, k in ipairs(keys) do
    entries[#entries + 1] = { is_identifier(k) and k or ("[" .. M.short(k) .. "]"), t[k] }
  end
  if #entries == 0 then
    seen[t] = nil
    return self:line(indent, head .. "{}")
  end
  -- short enough for one line?
  local simple, parts, len = true, {}, #head
  for i, e in ipairs(entries) do
    local v = e[2]
    if type(v) == "table" and mtname(v) == nil then simple = false break end
    local s = (e[1] and (e[1] .. " = ") or "") .. M.short(v)
    parts[i] = s
    len = len + #s + 2
    if len > 100 then simple = false break end
  end
  if simple then
    seen[t] = nil
    return self:line(indent, head .. "{ " .. table.concat(parts, ", ") .. " }")
  end
  if not self:line(indent, head .. "{") then return false end
  local shown = 0
  for _, e in ipairs(entries) do
    if shown >= self.max_entries then
      self:line(indent + 1, string.format("... (%d more)", #entries - shown))
      break
    end
    shown = shown + 1
    local k, v = e[1], e[2]
    local h = k and (k .. " = ") or ""
    local ok
    if type(v) == "table" and mtname(v) == nil then ok = self:table(v, indent + 1, h, depth + 1, seen)
    else ok = self:line(indent + 1, h .. M.short(v)) end
    if not ok then return false end
    self.out[#self.out] = self.out[#self.out] .. ","
  end
  seen[t] = nil
  return self:line(indent, "}")
end

-- the text of one value
function M.show(v, opts)
  opts = opts or {}
  local p = setmetatable({
    out = {}, max_lines = opts.lines or 400, depth = opts.depth or 2,
    elems = opts.elems or 8, max_entries = opts.entries or 100,
  }, Printer)
  local tv = type(v)
  if v == M.help_object then return M.help() end
  if tv == "string" then return v end
  if tv == "number" then
    -- kernel addresses come to Lua negative: show them in hex as well
    if math.type(v) == "integer" and v <= -0x1000000 then return tostring(v) .. " (" .. hex(v) .. ")" end
    return tostring(v)
  end
  local name = mtname(v)
  if is_object(v) then
    local ok, err = pcall(p.object, p, v, 0, "", 0)
    if not ok then return tostring(v) .. "  <" .. M.error_text(err) .. ">" end
  elseif tv == "table" and name == nil then
    p:table(v, 0, "", 0, {})
  elseif name == ERROR then
    return "error: " .. M.error_text(v)
  else
    return tostring(v)
  end
  if p.truncated then
    p.out[#p.out + 1] = string.format("... (more than %d lines: show(v, {lines = N, depth = N}))",
                                      p.max_lines)
  end
  return table.concat(p.out, "\n")
end

-- {====== errors ======

-- one line: "fault: message (address 0x...)" for kd errors, the first line
-- of anything else
function M.error_text(e)
  if type(e) == "table" and mtname(e) == ERROR then
    local s = (e.code and (e.code .. ": ") or "") .. tostring(e.message)
    if e.address and not tostring(e.message):find(hex(e.address), 1, true) then
      s = s .. " (address " .. hex(e.address) .. ")"
    end
    return s
  end
  local s
  if type(e) == "string" then s = e
  else
    local ok, r = pcall(tostring, e)
    s = ok and r or ("(error object is a " .. type(e) .. " value)")
  end
  return (s:match("^[^\n]*"))
end

function M.error_line(e)
  return "error: " .. M.error_text(e)
end

-- }======

-- {====== help ======

-- the kd functions, one line each (README "The kd table" says more)
M.KD_DOCS = {
  symbol = "kd.symbol(name) -> object: the global variable `name`, typed (kd.symbol(\"init_task\").comm)",
  symbol_address = "kd.symbol_address(name) -> integer | nil: the address of a symbol",
  symbolize = "kd.symbolize(addr) -> name, offset, module, size: the symbol that contains addr",
  object = "kd.object(type, addr) -> object: an object of `type` (a name or kd.type) at addr",
  pointer = "kd.pointer(type, value) -> object: a pointer to `type` holding value",
  type = "kd.type(name) -> type: .name .kind .size .members .enumerators .target .length, :member(path)",
  has_type = "kd.has_type(name) -> boolean",
  has_member = "kd.has_member(type, path) -> boolean: path may be a.b[2].c",
  member_offset = "kd.member_offset(type, path) -> bytes",
  member_size = "kd.member_size(type, path) -> bytes",
  member_reader = "kd.member_reader(type, path...) -> function(obj_or_addr) -> the members' values in one call (pointers as addresses, nil: no such member); a path may follow pointers, \"real_parent->tgid\" (nil when one is NULL)",
  enum_value = "kd.enum_value(type, name) -> integer",
  enum_name = "kd.enum_name(type, value) -> string | nil",
  constant = "kd.constant(name) -> integer | nil, why: the value of an enumerator of any enum, anonymous ones too (CGRP_ROOT_NS_DELEGATE); nil when no open debug info has it, or enums give it different values",
  container_of = "kd.container_of(ptr, type, member) -> object: the containing object",
  addr = "kd.addr(x) -> integer: a pointer's value, an object's address, a number as is",
  read = "kd.read(addr, n) -> string: n raw bytes of kernel virtual memory",
  read_phys = "kd.read_phys(addr, n) -> string: n raw bytes of physical memory",
  read_u8 = "kd.read_u8(addr) (also u16/u32/u64/s8/s16/s32/s64) -> integer",
  read_string = "kd.read_string(addr, max) -> string: a NUL-terminated string",
  read_user = "kd.read_user(task_or_mm, addr, n [, partial]) -> string: user memory of a process",
  per_cpu = "kd.per_cpu(obj_or_name, cpu) -> object: a CPU's instance of a per-CPU variable",
  cpus = "kd.cpus([\"online\"|\"present\"|\"possible\"]) -> {cpu numbers}",
  vmcoreinfo = "kd.vmcoreinfo([key]) -> table | string: the dump's VMCOREINFO",
  uts = "kd.uts() -> {sysname, nodename, release, version, machine, domainname}",
  release = "kd.release() -> string: the kernel release",
  list = "kd.list(head, type, member) -> iterator over the entries of a list_head",
  hlist = "kd.hlist(head, type, member) -> iterator over an hlist",
  rbtree = "kd.rbtree(root, type, member) -> iterator over an rb_root in order",
  tasks = "kd.tasks() -> iterator over every thread (struct task_struct *)",
  modules = "kd.modules() -> {{name, address, base, size, debuginfo}...}",
  dump_info = "kd.dump_info() -> table: format, arch, page size, files read",
  damage = "kd.damage() -> count, last address, last message: reads that failed on damaged dump data",
  alloc_failures = "kd.alloc_failures() -> count: allocations that failed so far in this process (C core and Lua)",
  cpu_registers = "kd.cpu_registers(i) -> table: registers of the i-th CPU note",
  trim = "kd.trim(): give back memory that can be had again",
  hex = "kd.hex(n) -> string: \"0x...\"",
  -- (tail)
  siphash_1u64 = "kd.siphash_1u64(m, k0, k1) -> integer: the kernel's siphash_1u64 of one word (the %p/%pK pointer hash)",
  -- (tail61)
  has_kernel_type = "kd.has_kernel_type(name) -> boolean: as kd.has_type, of the debug files open now only (vmlinux, modules already opened): probes a core kernel type without looking in every module's debug file",
  has_types = "kd.has_types() -> boolean: is there type information (debuginfo)?",
  kallsyms_core_text = "kd.kallsyms_core_text([digits]) -> text, count: /proc/kallsyms of the core kernel",
  kallsyms_module_text = "kd.kallsyms_module_text(module, name [, digits]) -> text, count: a module's lines of /proc/kallsyms (\\t[name] after each; exported symbols' letters upper-case)",
  type_names = "kd.type_names() -> {names}: every type name of the debuginfo, sorted",
  traceback = "kd.traceback() -> the traceback of the last error (errors print one line)",
  stack_trace = "kd.stack_trace(task_or_cpu [, {lines = true}]) -> {frames}: pc, sp, function, offset, module, kind...; .reliable",
  stack_pcs = "kd.stack_pcs(task [, max]) -> {pc...}: the return addresses stack_trace_save_tsk() records (kernel text, scheduler functions left out, at most max = 64)",
  task_cpu = "kd.task_cpu(task) -> the CPU the task ran on at the crash, or nil",
  panic_cpu = "kd.panic_cpu() -> the CPU that crashed",
  cpu_tasks = "kd.cpu_tasks() -> {[cpu] = task address} of every CPU with saved registers",
  source_line = "kd.source_line(addr) -> {file, line, inlined} of a kernel or module text address, or nil",
  -- (unwind)
  thread_size = "kd.thread_size() -> THREAD_SIZE: the size of a task's kernel stack, as the unwinder finds it",
  -- the per-task formatters' helpers (fmtc)
  format = "kd.format(fmt, ...) -> string: string.format's text for %d %i %u %x %X %o %c %s %% (flags, width, precision), integers converted without snprintf",
  list_addresses = "kd.list_addresses(head_address [, offset]) -> {node - offset...}: kd.list's walk as addresses, no object a node",
}
-- (disc) the format-string probe
M.KD_DOCS.rodata_has = "kd.rodata_has({strings}) -> {[s] = boolean}, source: does the kernel's read-only data hold each string (source \"dump\", or \"cache\": kept per kernel build-id)"
-- the sized reads share one line
for _, w in ipairs({ "u16", "u32", "u64", "s8", "s16", "s32", "s64" }) do
  M.KD_DOCS["read_" .. w] = M.KD_DOCS.read_u8
end

local OBJECT_METHODS = [[
methods: address_() type_() value_() member_(name) deref_() is_null_()
         string_([max]) address_of_() cast_(type) bytes_() entries_([n]) members_()
`.member` reads a member (through pointers, like ->); integers come back as Lua
integers, NULL pointers as nil; arr[i] indexes from 0; show(obj, {depth = N})
prints it deeper.]]

local GENERAL = [[
kdlua REPL: Lua 5.4 with `kd` bound to the dump.  An expression prints its value.
  help(x)             about x: help(kd), help(kd.symbol), help(obj), help("task_struct")
  kd.symbol("name")   a global variable, typed      (Tab completes the name)
  kd.type("struct x") a type and its layout          (Tab completes the name)
  for t in kd.tasks() do print(t.pid, t.comm:string_()) end
  show(v, {depth = 3, lines = 1000})   print a value deeper or longer
  kd.traceback()      where the last error came from (errors print one line)
  require("kernel.task"), require("kernel.ps"), ...   the kernel libraries
                      (docs/lua-libraries.md lists them)
Ctrl-C stops a running chunk; Ctrl-D leaves.]]

local function type_layout(t)
  local r = t.resolved
  local out = { tostring(t) .. (t ~= r and ("  (= " .. tostring(r) .. ")") or "")
                .. string.format("   size %d", r.size or 0) }
  if r.kind == "struct" or r.kind == "union" then
    out[#out + 1] = tostring(r) .. " {"
    for _, m in ipairs(r.members or {}) do
      local bits = (m.bit_size and m.bit_size > 0) and string.format(" : %d", m.bit_size) or ""
      out[#out + 1] = string.format("  /* 0x%04x */  %s %s%s;", m.offset, tostring(m.type),
                                    m.name or "<anonymous>", bits)
    end
    out[#out + 1] = "}"
  elseif r.kind == "enum" then
    out[#out + 1] = tostring(r) .. " {"
    for _, e in ipairs(r.enumerators or {}) do
      out[#out + 1] = string.format("  %s = %d,", e.name, e.value)
    end
    out[#out + 1] = "}"
  end
  return table.concat(out, "\n")
end

local function kd_name_of(f)
  if type(kd) ~= "table" then return nil end
  for k, v in pairs(kd) do if v == f then return k end end
  return nil
end

function M.help(x, ...)
  if select("#", ...) == 0 and x == nil then return GENERAL end
  if x == M.help_object then return GENERAL end
  if type(kd) == "table" and x == kd then
    local names = {}
    for k in pairs(kd) do names[#names + 1] = k end
    table.sort(names)
    local out = { "kd: the dump.  Functions:" }
    for _, k in ipairs(names) do
      out[#out + 1] = "  " .. (M.KD_DOCS[k] or ("kd." .. k))
    end
    return table.concat(out, "\n")
  end
  local tx = type(x)
  if tx == "function" then
    local k = kd_name_of(x)
    if k then return M.KD_DOCS[k] or ("kd." .. k .. ": no help text") end
    local info = debug and debug.getinfo and debug.getinfo(x, "S")
    if info and info.what == "Lua" then
      return string.format("a Lua function defined at %s:%d", info.short_src, info.linedefined)
    end
    return "a built-in function"
  end
  if tx == "string" then
    local k = x:match("^kd%.([%w_]+)$")
    if k and M.KD_DOCS[k] then return M.KD_DOCS[k] end
    if kd then
      local ok, t = pcall(kd.type, x)
      if not ok then
        for _, pre in ipairs({ "struct ", "union ", "enum " }) do
          ok, t = pcall(kd.type, pre .. x)
          if ok then break end
        end
      end
      if ok then return type_layout(t) end
      local ok2, o = pcall(kd.symbol, x)
      if ok2 then return "symbol " .. x .. ": " .. tostring(o:type_()) .. "\n" .. M.help(o) end
    end
    return "no kd function, type or symbol named '" .. x .. "'"
  end
  local name = mtname(x)
  if name == OBJECT then
    local t = x:type_()
    local r = t.resolved
    local head = "object " .. tostring(x) .. "\n"
    if r.kind == "pointer" and r.target then
      return head .. "points to: " .. type_layout(r.target) .. "\n" .. OBJECT_METHODS
    end
    return head .. type_layout(t) .. "\n" .. OBJECT_METHODS
  end
  if name == TYPE then return type_layout(x) end
  if name == ERROR then
    return "an error: .code " .. tostring(x.code) .. ", .message " .. quote(tostring(x.message))
      .. (x.address and (", .address " .. hex(x.address)) or "")
  end
  if tx == "table" then
    local keys = {}
    for k in pairs(x) do keys[#keys + 1] = tostring(k) end
    table.sort(keys)
    return "a table with " .. #keys .. " keys: " .. table.concat(keys, " ", 1, math.min(#keys, 60))
      .. (#keys > 60 and " ..." or "")
  end
  return "a " .. tx .. ": " .. M.show(x)
end

-- `help` typed alone prints the general help; help(x) the help of x
M.help_object = setmetatable({}, {
  __call = function(_, ...) print(M.help(...)) end,
  __tostring = function() return GENERAL end,
  __name = "help",
})

-- }======

-- {====== completion of names inside strings ======

local symbol_names

local function load_symbol_names()
  if symbol_names then return symbol_names end
  symbol_names = {}
  local ok, text = pcall(kd.kallsyms_core_text)
  if ok and text then
    local seen = {}
    for name in text:gmatch("%x+ %a ([^%s]+)") do
      if not seen[name] then seen[name] = true; symbol_names[#symbol_names + 1] = name end
    end
  end
  table.sort(symbol_names)
  return symbol_names
end

-- binary search for the first name >= prefix
local function from_prefix(list, prefix, max)
  local lo, hi = 1, #list + 1
  while lo < hi do
    local mid = (lo + hi) // 2
    if list[mid] < prefix then lo = mid + 1 else hi = mid end
  end
  local out = {}
  for i = lo, #list do
    local s = list[i]
    if s:sub(1, #prefix) ~= prefix then break end
    out[#out + 1] = s
    if #out >= max then break end
  end
  return out
end

M.SYMBOL_FUNCTIONS = { symbol = true, symbol_address = true, per_cpu = true }
M.TYPE_FUNCTIONS = { type = true, object = true, pointer = true, has_type = true, has_kernel_type = true,
                     has_member = true, member_offset = true, member_size = true,
                     member_reader = true, container_of = false, enum_value = true, enum_name = true }

-- type names: every one the debuginfo's name index holds (kd.type_names),
-- read once, at the first Tab inside kd.type("...
local type_names

local function load_type_names()
  if type_names then return type_names end
  type_names = {}
  if kd and kd.type_names then
    local ok, list = pcall(kd.type_names)
    if ok and type(list) == "table" then type_names = list end
  end
  table.sort(type_names)
  return type_names
end

function M.complete_string(fn, partial)
  if not kd then return {} end
  if M.SYMBOL_FUNCTIONS[fn] then return from_prefix(load_symbol_names(), partial, 500) end
  if M.TYPE_FUNCTIONS[fn] then return from_prefix(load_type_names(), partial, 500) end
  return {}
end

-- }======

-- install the REPL's globals: help, show, kd.traceback
function M.install(env)
  env = env or _G
  rawset(env, "help", M.help_object)
  rawset(env, "show", function(v, opts) print(M.show(v, opts)) end)
  if type(rawget(env, "kd")) == "table" then
    rawset(env.kd, "traceback", function()
      local tb = M.last_traceback
      print(tb or "no error yet")
    end)
  end
end

return M
