-- fidelity/compare.lua: the comparison kinds of the fidelity checker.
-- Each kind compares the text of one report file with the text of its live
-- counterpart, as one check of a rule says (schema: fidelity/init.lua).
-- Pure Lua on strings: no `kd`, no files (the context `ctx` reads other
-- truth files when a rule names them).
--
--   compare.run(check, report_text, truth_text, ctx [, end_text]) -> result
--     result = { status = "exact" | "within" | "differs",
--                diffs  = { { where =, report =, truth =, why = }, ... },
--                within = number of values accepted by a tolerance,
--                notes  = { "..." } }
--
-- `ctx` (see init.lua): classes (pid classes of the file: crash, running,
-- worker), classes_for(pid), alive(pid), read_truth(rel), elapsed(since).

local tol = require("fidelity.tolerance")
local matchers = require("fidelity.matchers")

local M = {}

local MAX_DIFFS = 400

-- {====== results ======

local Result = {}
Result.__index = Result

local function new_result()
  return setmetatable({ status = "exact", diffs = {}, within = 0, notes = {}, ndiffs = 0, moved = {} }, Result)
end

function Result:diff(where, report, truth, why)
  self.status = "differs"
  self.ndiffs = self.ndiffs + 1
  if #self.diffs < MAX_DIFFS then
    self.diffs[#self.diffs + 1] = { where = where, report = report, truth = truth, why = why }
  end
end

-- a value that differs but is accepted (where, report, truth, why)
function Result:tolerated(where, report, truth, why)
  self.within = self.within + 1
  if self.status == "exact" then self.status = "within" end
  if where and #self.moved < MAX_DIFFS then
    self.moved[#self.moved + 1] = { where = where, report = report, truth = truth, why = why }
  end
end

function Result:note(s) self.notes[#self.notes + 1] = s end

function Result:merge(other)
  for _, d in ipairs(other.diffs) do
    if #self.diffs < MAX_DIFFS then self.diffs[#self.diffs + 1] = d end
  end
  self.ndiffs = self.ndiffs + other.ndiffs
  self.within = self.within + other.within
  for _, d in ipairs(other.moved) do
    if #self.moved < MAX_DIFFS then self.moved[#self.moved + 1] = d end
  end
  for _, n in ipairs(other.notes) do self.notes[#self.notes + 1] = n end
  local rank = { exact = 0, within = 1, differs = 2 }
  if rank[other.status] > rank[self.status] then self.status = other.status end
end

M.new_result = new_result

-- }======

-- {====== text helpers ======

local function split_lines(s)
  local t = {}
  if s == nil or s == "" then return t end
  for l in s:gmatch("([^\n]*)\n") do t[#t + 1] = l end
  local tail = s:match("([^\n]+)$")
  if tail then t[#t + 1] = tail end
  return t
end
M.lines = split_lines

local function list(v)
  if v == nil then return {} end
  if type(v) == "table" then return v end
  return { v }
end

local function set_of(v)
  local s = {}
  for _, x in ipairs(list(v)) do s[x] = true end
  return s
end

-- a glob ("*" any run of characters) as an anchored Lua pattern
local function glob_pattern(g)
  return "^" .. g:gsub("[%^%$%(%)%%%.%[%]%+%-%?]", "%%%0"):gsub("%*", ".*") .. "$"
end
M.glob_pattern = glob_pattern

local function matches_any(s, pats)
  for _, p in ipairs(pats) do
    if s:find(p) then return true end
  end
  return false
end

-- numbers of a text: tokens made of [%w._-] that are a (possibly negative,
-- possibly decimal) number.  Returns the shape (numbers replaced by \1)
-- and the numbers as strings.
local function numbers(s)
  local nums = {}
  local shape = s:gsub("[%w%._%-]+", function(w)
    if w:find("^%-?%d+$") or w:find("^%-?%d+%.%d+$") then
      nums[#nums + 1] = w
      return "\1"
    end
  end)
  return shape, nums
end
M.numbers = numbers

local function trim(s) return (s:gsub("^%s+", ""):gsub("%s+$", "")) end

-- the label of a line: the text before its first number, without the
-- punctuation around it, inner blanks as "_" ("  pages free  38" ->
-- "pages_free", "protection: (0, 442)" -> "protection")
local function line_label(l)
  local shape = numbers(l)
  local head = shape:match("^([^\1]*)") or shape
  head = head:gsub("^[%s%p]+", ""):gsub("[%s%p]+$", "")
  return (head:gsub("%s+", "_"))
end
M.line_label = line_label

local function short(s, n)
  n = n or 160
  if s == nil then return nil end
  if #s > n then return s:sub(1, n) .. "..." end
  return s
end

-- }======

-- {====== preprocessing (select/drop/gsub/range/transform) ======

local function side_opt(check, side, name)
  return check[side .. "_" .. name]
end

-- apply the rule's line filters to the text of one side ("report"/"truth")
function M.prepare(check, text, side, ctx)
  for _, name in ipairs({ check.transform or false, side_opt(check, side, "transform") or false }) do
    if name then
      local f = matchers.transforms[name]
      if not f then error("unknown transform " .. tostring(name)) end
      text = f(text, ctx, side)
      if text == nil then return nil end
    end
  end
  local ls = split_lines(text)
  local range = side_opt(check, side, "range") or check.range
  if range then
    local out = {}
    for i = range[1], math.min(range[2] or #ls, #ls) do out[#out + 1] = ls[i] end
    ls = out
  end
  local function filter(sel, drop, subs)
    if sel then
      local pats, out = list(sel), {}
      for _, l in ipairs(ls) do if matches_any(l, pats) then out[#out + 1] = l end end
      ls = out
    end
    if drop then
      local pats, out = list(drop), {}
      for _, l in ipairs(ls) do if not matches_any(l, pats) then out[#out + 1] = l end end
      ls = out
    end
    if subs then
      for i, l in ipairs(ls) do
        for _, s in ipairs(subs) do l = l:gsub(s[1], s[2]) end
        ls[i] = l
      end
    end
  end
  filter(check.select, check.drop, check.gsub)
  filter(side_opt(check, side, "select"), side_opt(check, side, "drop"), side_opt(check, side, "gsub"))
  return ls
end

-- }======

-- {====== tolerance lookup ======

local function spec_applies(spec, ctx)
  if not spec then return false end
  if spec.when then
    local cl = ctx and ctx.classes or {}
    return cl[spec.when] and true or false
  end
  return true
end

-- the spec for a unit known by several names (first found), else "*"
local function find_spec(check, ctx, ...)
  local t = check.tolerance
  if not t then return nil end
  for i = 1, select("#", ...) do
    local k = select(i, ...)
    if k ~= nil and t[k] and spec_applies(t[k], ctx) then return t[k] end
  end
  local d = t["*"]
  if d and spec_applies(d, ctx) then return d end
  return nil
end
M.find_spec = find_spec

-- compare one unit (a line, a value, a cell) under a spec: "exact",
-- "within", or nil + why
local function unit(got, want, spec, end_text, ctx, extra)
  if got == want then return "exact" end
  if not spec then return nil, "differs" end
  if spec.any and not spec.fields then return "within" end
  -- the text around the numbers must be the same; blanks may differ in
  -- number (right-aligned columns widen when a number grows)
  local function sq(x) return (x:gsub("%s+", " ")) end
  local gs, gn = numbers(got)
  local ws, wn = numbers(want)
  if sq(gs) ~= sq(ws) or #gn ~= #wn then return nil, "layout differs" end
  local en
  if end_text then
    local es
    es, en = numbers(end_text)
    if sq(es) ~= sq(ws) or #en ~= #wn then en = nil end
  end
  local fields = spec.fields and set_of(spec.fields)
  local ignore = spec.ignore and set_of(spec.ignore)
  local used = false
  for i = 1, #wn do
    if gn[i] ~= wn[i] and ignore and ignore[i] then
      used = true
    elseif gn[i] ~= wn[i] then
      if fields and not fields[i] then
        return nil, string.format("field %d: %s vs %s", i, gn[i], wn[i])
      end
      local g, w = tonumber(gn[i]), tonumber(wn[i])
      local samples = { truth = w, end_ = en and tonumber(en[i]), extra = extra and extra(i) }
      local ok, why = true, nil
      if not spec.any then ok, why = tol.check(g, samples, spec, ctx) end
      if not ok then
        if #wn > 1 then why = string.format("number %d: %s", i, why) end
        return nil, why
      end
      used = true
    end
  end
  return used and "within" or "exact"
end
M.unit = unit

-- extra samples named by spec.range_of ({ "path", "path:key" }): the n-th
-- number of that truth file (or of the value of `key` in it)
local function range_of(spec, ctx)
  if not (spec and spec.range_of and ctx and ctx.read_truth) then return nil end
  return function(n)
    local out = {}
    for _, ref in ipairs(spec.range_of) do
      local path, key = ref:match("^([^:]+):(.+)$")
      path = path or ref
      local text = ctx.read_truth(path)
      if text then
        local src = text
        if key then
          src = nil
          for _, l in ipairs(split_lines(text)) do
            local k, v = l:match("^%s*([^%s:=]+)%s*[:=]?%s*(.*)$")
            if k == key then src = v break end
          end
        end
        if src then
          local _, nums = numbers(src)
          if nums[n] then out[#out + 1] = tonumber(nums[n]) end
        end
      end
    end
    return out
  end
end

-- }======

local kinds = {}
M.kinds = kinds

-- {====== exact / prefix / subsequence / set ======

local function first_line_diff(res, R, T, offset)
  offset = offset or 0
  local n = math.max(#R, #T)
  for i = 1, n do
    if R[i] ~= T[i] then
      res:diff("line " .. (i + offset), R[i], T[i],
        R[i] == nil and "report ends here" or T[i] == nil and "line not in the truth" or nil)
    end
  end
end

kinds.exact = function(check, R, T, ctx, res)
  first_line_diff(res, R, T)
end

-- the truth's lines are the first lines of the report (dmesg)
kinds.prefix = function(check, R, T, ctx, res)
  if #R < #T then
    res:diff("line " .. (#R + 1), nil, T[#R + 1], "report has fewer lines than the truth")
  end
  for i = 1, math.min(#R, #T) do
    if R[i] ~= T[i] then res:diff("line " .. i, R[i], T[i]) end
  end
  if res.status == "exact" then
    res:note(string.format("truth = first %d of %d report lines", #T, #R))
  end
end

-- the truth's lines appear in the report in the same order, not
-- necessarily next to each other
kinds.subsequence = function(check, R, T, ctx, res)
  local j = 1
  for i, t in ipairs(T) do
    local found
    for k = j, #R do
      if R[k] == t then found = k break end
    end
    if found then j = found + 1
    else res:diff("truth line " .. i, nil, t, "not found in the report (in order)") end
  end
end

-- the same lines in any order (multiset); subset = true: every truth line
-- is in the report
kinds.set = function(check, R, T, ctx, res)
  local count = {}
  for _, l in ipairs(R) do count[l] = (count[l] or 0) + 1 end
  for i, t in ipairs(T) do
    if (count[t] or 0) > 0 then count[t] = count[t] - 1
    else res:diff("truth line " .. i, nil, t, "not in the report") end
  end
  if not check.subset then
    for i, l in ipairs(R) do
      if (count[l] or 0) > 0 then
        count[l] = count[l] - 1
        res:diff("report line " .. i, l, nil, "not in the truth")
      end
    end
  end
end

-- }======

-- {====== lines: line by line, numbers within tolerance ======

local function line_key(check, l)
  if type(check.key) == "number" then
    local i = 0
    for w in l:gmatch("%S+") do
      i = i + 1
      if i == check.key then return (w:gsub(":$", "")) end
    end
    return ""
  end
  return line_label(l)
end

kinds.lines = function(check, R, T, ctx, res, E)
  -- groups: lines that come and go; only their number is compared
  if check.groups then
    local names = {}
    for name in pairs(check.groups) do names[#names + 1] = name end
    table.sort(names)
    for _, name in ipairs(names) do
      local pats = list(check.groups[name])
      local function take(ls)
        if not ls then return nil, 0 end
        local keep, n = {}, 0
        for _, l in ipairs(ls) do
          if matches_any(l, pats) then n = n + 1 else keep[#keep + 1] = l end
        end
        return keep, n
      end
      local nr, nt, ne
      R, nr = take(R)
      T, nt = take(T)
      E, ne = take(E)
      local spec = find_spec(check, ctx, name)
      local st, why = unit(tostring(nr), tostring(nt), spec, E and tostring(ne), ctx)
      if not st then res:diff("lines " .. name, tostring(nr), tostring(nt), "count: " .. why)
      elseif st == "within" then res:tolerated("lines " .. name, tostring(nr), tostring(nt), tol.describe(spec)) end
    end
  end
  if #R ~= #T then
    res:diff("line count", tostring(#R), tostring(#T), "the files have different numbers of lines")
  end
  if E and #E ~= #T then E = nil end
  local static = set_of(check.static)
  local static_lines = list(check.static_lines)
  for i = 1, math.min(#R, #T) do
    local r, t = R[i], T[i]
    if r ~= t then
      local key = line_key(check, t)
      local spec
      if not static[key] and not matches_any(t, static_lines) then
        spec = find_spec(check, ctx, key)
      end
      local st, why = unit(r, t, spec, E and E[i], ctx, range_of(spec, ctx))
      if not st then res:diff("line " .. i .. (key ~= "" and (" (" .. key .. ")") or ""), r, t, why)
      elseif st == "within" then res:tolerated("line " .. i .. (key ~= "" and (" (" .. key .. ")") or ""), r, t, tol.describe(spec)) end
    end
  end
end

-- }======

-- {====== keyvalue ======

local parsers = {}

-- "Key: value", "key value", "key = value"
parsers.kv = function(ls)
  local out = {}
  for _, l in ipairs(ls) do
    local k, v = l:match("^%s*([^%s:=]+)%s*[:=]?%s*(.*)$")
    if k then out[#out + 1] = { key = k, value = v, line = l } end
  end
  return out
end

-- /proc/net/snmp, /proc/net/netstat: a line of names, then a line of values
parsers.snmp = function(ls)
  local out = {}
  local i = 1
  while i <= #ls do
    local sec, names = ls[i]:match("^(%w+):(.*)$")
    local sec2, vals = (ls[i + 1] or ""):match("^(%w+):(.*)$")
    if sec and sec2 == sec then
      local n, v = {}, {}
      for w in names:gmatch("%S+") do n[#n + 1] = w end
      for w in vals:gmatch("%S+") do v[#v + 1] = w end
      for j = 1, math.max(#n, #v) do
        out[#out + 1] = { key = sec .. "." .. (n[j] or ("#" .. j)), value = v[j] or "" }
      end
      i = i + 2
    else
      out[#out + 1] = { key = "line:" .. ls[i], value = "" }
      i = i + 1
    end
  end
  return out
end

-- /proc/net/sockstat: "LABEL: name value name value ..."
parsers.pairs = function(ls)
  local out = {}
  for _, l in ipairs(ls) do
    local label, rest = l:match("^([^:]+):(.*)$")
    if label then
      local w = {}
      for x in rest:gmatch("%S+") do w[#w + 1] = x end
      for j = 1, #w, 2 do out[#out + 1] = { key = label .. "." .. w[j], value = w[j + 1] or "" } end
    else
      out[#out + 1] = { key = "line:" .. l, value = "" }
    end
  end
  return out
end

local function keyed(items)
  local by, seen, order = {}, {}, {}
  for _, it in ipairs(items) do
    local k = it.key
    seen[k] = (seen[k] or 0) + 1
    if seen[k] > 1 then k = k .. "#" .. seen[k] end
    it.ukey = k
    by[k] = it
    order[#order + 1] = k
  end
  return by, order
end

kinds.keyvalue = function(check, R, T, ctx, res, E)
  local parse = parsers[check.parse or "kv"]
  if not parse then error("unknown parse " .. tostring(check.parse)) end
  local rb, ro = keyed(parse(R))
  local tb, to = keyed(parse(T))
  local eb = E and keyed(parse(E))
  local absent = {}
  for _, g in ipairs(list(check.absent)) do absent[#absent + 1] = glob_pattern(g) end
  local static = set_of(check.static)
  -- keys: the truth's keys, in its order (unless order = false)
  for _, k in ipairs(to) do
    if not rb[k] and not matches_any(k, absent) then
      res:diff(k, nil, tb[k].value, "key not in the report")
    end
  end
  if not check.extra then
    for _, k in ipairs(ro) do
      if not tb[k] and not matches_any(k, absent) then
        res:diff(k, rb[k].value, nil, "key not in the truth")
      end
    end
  end
  if check.order ~= false then
    local rcommon, tcommon = {}, {}
    for _, k in ipairs(ro) do if tb[k] then rcommon[#rcommon + 1] = k end end
    for _, k in ipairs(to) do if rb[k] then tcommon[#tcommon + 1] = k end end
    for i = 1, #tcommon do
      if rcommon[i] ~= tcommon[i] then
        res:diff("key order", rcommon[i], tcommon[i], "keys in a different order (entry " .. i .. ")")
        break
      end
    end
  end
  for _, k in ipairs(to) do
    local r, t = rb[k], tb[k]
    if r then
      local base = t.key
      local short_key = base:match("%.([^%.]+)$")
      local spec
      if not static[base] and not static[k] then spec = find_spec(check, ctx, k, base, short_key) end
      local e = eb and eb[k] and eb[k].value
      local st, why = unit(r.value, t.value, spec, e, ctx, range_of(spec, ctx))
      if not st then res:diff(k, r.value, t.value, why)
      elseif st == "within" then res:tolerated(k, r.value, t.value, tol.describe(spec))
      elseif r.line and t.line and r.line ~= t.line and not check.loose_spacing then
        res:diff(k, r.line, t.line, "same value, different spacing")
      end
    end
  end
end

-- }======

-- {====== columns: tables with a header ======

-- the column names of a header line ("Mounted on" and the like joined)
local function header_names(line, words, split)
  local l = line
  local joined = {}
  for i, w in ipairs(list(words)) do
    local tok = "\2" .. i .. "\2"
    joined[tok] = w
    l = l:gsub(w:gsub("[%^%$%(%)%%%.%[%]%*%+%-%?]", "%%%0"), tok)
  end
  local names, seen = {}, {}
  for w in l:gmatch(split or "%S+") do
    w = joined[w] or w
    seen[w] = (seen[w] or 0) + 1
    if seen[w] > 1 then w = w .. "_" .. seen[w] end
    names[#names + 1] = w
  end
  return names
end

-- cells of a row; with names, the last named column takes the rest of the line
local function row_cells(line, names, split, rest)
  local cells, pos = {}, {}
  local init = 1
  local pat = "()(" .. (split or "%S+") .. ")()"
  while true do
    local s, tok, e = line:match(pat, init)
    if not s then break end
    cells[#cells + 1] = tok
    pos[#pos + 1] = s
    init = e
  end
  if names and rest ~= false and #cells > #names and #names > 0 then
    local n = #names
    local tail = trim(line:sub(pos[n]))
    for i = #cells, n + 1, -1 do cells[i] = nil end
    cells[n] = tail
  end
  return cells
end

-- a label-keyed row: leading text is the key, trailing numbers the cells
local function label_row(line)
  local toks = {}
  for w in line:gmatch("%S+") do toks[#toks + 1] = w end
  local n = #toks
  while n > 0 and (toks[n]:find("^%-?%d+$") or toks[n]:find("^%-?%d+%.%d+$")) do n = n - 1 end
  local key = table.concat(toks, " ", 1, n)
  local cells = {}
  for i = n + 1, #toks do cells[#cells + 1] = toks[i] end
  return key, cells
end

local function parse_table(check, ls, side)
  local hdr = check[side .. "_header"] or check.header
  if hdr == nil then hdr = 1 end
  local names = check[side .. "_names"] or check.names
  local split = check[side .. "_split"] or check.split
  if not names and hdr > 0 and ls[hdr] and (check[side .. "_key"] or check.key) ~= "label" then
    names = header_names(ls[hdr], check[side .. "_header_words"] or check.header_words, split)
  end
  local rows, order = {}, {}
  local index = {}
  if names then for i, n in ipairs(names) do index[n] = i end end
  for i = hdr + 1, #ls do
    local l = ls[i]
    local key, cells
    if (check[side .. "_key"] or check.key) == "label" then
      key, cells = label_row(l)
    else
      cells = row_cells(l, names, split, check.rest)
      local ckey = check[side .. "_key"] or check.key
      if ckey then
        local ki = type(ckey) == "number" and ckey or index[ckey]
        key = ki and cells[ki] or nil
      else
        key = tostring(i - hdr)
      end
    end
    if key then
      local k, n = key, 1
      while rows[k] do n = n + 1; k = key .. "#" .. n end
      rows[k] = { cells = cells, line = l, n = i }
      order[#order + 1] = k
    end
  end
  local header = {}
  for i = 1, hdr do header[#header + 1] = ls[i] end
  return { names = names, index = index, rows = rows, order = order, header = header }
end

local function cell_of(tbl, row, col)
  if type(col) == "number" then return row.cells[col] end
  local i = tbl.index[col] or tonumber(col)
  return i and row.cells[i] or nil
end

local function row_sum(cells, weight)
  local s = 0
  for i, c in ipairs(cells) do
    local v = tonumber(c)
    if v then
      if weight == "pow2" then s = s + v * (1 << (i - 1)) else s = s + v end
    end
  end
  return s
end

kinds.columns = function(check, R, T, ctx, res, E)
  local rt, tt = parse_table(check, R, "report"), parse_table(check, T, "truth")
  local et = E and parse_table(check, E, "truth")
  if check.header_exact ~= false then
    for i = 1, math.max(#rt.header, #tt.header) do
      if rt.header[i] ~= tt.header[i] then res:diff("header line " .. i, rt.header[i], tt.header[i]) end
    end
  end
  local static = set_of(check.static)
  local match = check.match or {}
  -- the columns compared
  local cols = check.columns
  if not cols then
    cols = {}
    if rt.names then
      for _, n in ipairs(rt.names) do if n ~= check.key then cols[#cols + 1] = n end end
    else
      local max = 0
      for _, k in ipairs(tt.order) do max = math.max(max, #tt.rows[k].cells) end
      for i = 1, max do cols[#cols + 1] = i end
    end
  end
  local map = check.map or {}
  local rows_mode = check.rows or "same"
  -- rows: same keys in the same order, or every truth row present
  local skipped = 0
  for _, k in ipairs(tt.order) do
    if not rt.rows[k] then
      local pid = check.pid_column and cell_of(tt, tt.rows[k], map[check.pid_column] or check.pid_column)
      local ppid = check.ppid_column and cell_of(tt, tt.rows[k], map[check.ppid_column] or check.ppid_column)
      if pid and ctx.helper and ctx.helper(tonumber(pid), nil, tonumber(ppid)) then
        skipped = skipped + 1
      else
        res:diff("row " .. k, nil, tt.rows[k].line, "row not in the report")
      end
    end
  end
  if skipped > 0 then res:note(skipped .. " truth rows of capture helpers skipped") end
  if rows_mode == "same" then
    for _, k in ipairs(rt.order) do
      if not tt.rows[k] then res:diff("row " .. k, rt.rows[k].line, nil, "row not in the truth") end
    end
    local rc, tc = {}, {}
    for _, k in ipairs(rt.order) do if tt.rows[k] then rc[#rc + 1] = k end end
    for _, k in ipairs(tt.order) do if rt.rows[k] then tc[#tc + 1] = k end end
    for i = 1, #tc do
      if rc[i] ~= tc[i] then
        res:diff("row order", rc[i], tc[i], "rows in a different order (row " .. i .. ")")
        break
      end
    end
  end
  for _, k in ipairs(tt.order) do
    local rr, tr = rt.rows[k], tt.rows[k]
    if rr then
      local saved = ctx.classes
      if check.pid_column and ctx.classes_for then
        local pid = tonumber(cell_of(tt, tr, map[check.pid_column] or check.pid_column))
        ctx.classes = pid and ctx.classes_for(pid) or {}
        ctx.row_pid = pid
      end
      local er = et and et.rows[k]
      if check.row_sum then
        local rs = check.row_sum
        if #rr.cells ~= #tr.cells then
          res:diff(k, rr.line, tr.line, string.format("%d columns vs %d", #rr.cells, #tr.cells))
        end
        local spec = (not static[rs.name]) and find_spec(check, ctx, rs.name) or nil
        local g, w = row_sum(rr.cells, rs.weight), row_sum(tr.cells, rs.weight)
        local st, why = unit(tostring(g), tostring(w), spec, er and tostring(row_sum(er.cells, rs.weight)), ctx)
        if not st then res:diff(k .. " " .. rs.name, tostring(g), tostring(w), why)
        elseif st == "within" then res:tolerated(k .. " " .. rs.name, tostring(g), tostring(w), tol.describe(spec)) end
      end
      for _, c in ipairs(cols) do
        local tc = map[c] or c
        local g, w = cell_of(rt, rr, c), cell_of(tt, tr, tc)
        local where = k .. " " .. tostring(c)
        if g == nil or w == nil then
          if g ~= w then res:diff(where, g, w, g == nil and "no such cell in the report" or "no such cell in the truth") end
        elseif match[c] then
          local m = matchers.cells[match[c]]
          if not m then error("unknown matcher " .. tostring(match[c])) end
          ctx.column = c
          local ok, how = m(g, w, ctx, tr)
          ctx.column = nil
          if not ok then
            local spec = find_spec(check, ctx, c)
            if spec and spec.any then ok, how = true, "within" end
          end
          if not ok then res:diff(where, g, w, how or ("not a match (" .. match[c] .. ")"))
          elseif how == "within" then res:tolerated(where, g, w, match[c]) end
        elseif g ~= w then
          local spec
          if not static[c] and not static[k] then spec = find_spec(check, ctx, k, c) end
          local e = er and cell_of(et, er, tc)
          local idx = type(c) == "number" and c or rt.index[c] or tonumber(c)
          local ro = range_of(spec, ctx)
          local st, why = unit(g, w, spec, e, ctx, ro and function() return ro(idx) end)
          if not st then res:diff(where, g, w, why)
          elseif st == "within" then res:tolerated(where, g, w, tol.describe(spec)) end
        end
      end
      ctx.classes = saved
    end
  end
end

-- }======

-- {====== extract: records captured by patterns ======

local function records(ls, pats, all)
  local out = {}
  for _, l in ipairs(ls) do
    for _, p in ipairs(pats) do
      if all and p:sub(1, 1) ~= "^" then       -- an anchored pattern matches once
        local n = 0
        for a, b, c in l:gmatch(p) do out[#out + 1] = { a, b, c }; n = n + 1 end
        if n > 0 then break end
      else
        local caps = { l:match(p) }
        if caps[1] then
          out[#out + 1] = caps
          break
        end
      end
    end
  end
  return out
end

kinds.extract = function(check, R, T, ctx, res)
  local rp = list(check.report_pattern or check.pattern)
  local tp = list(check.truth_pattern or check.pattern)
  local rr, tr = records(R, rp, check.all), records(T, tp, check.all)
  local alive = check.alive
  local skipped = 0
  local keep = {}
  for _, c in ipairs(tr) do
    local pid = alive and tonumber(c[alive])
    if pid and not ctx.alive(pid) then skipped = skipped + 1 else keep[#keep + 1] = c end
  end
  tr = keep
  if skipped > 0 then res:note(skipped .. " truth records of tasks gone at the crash skipped") end
  local function j(c) return table.concat(c, " ") end
  local mode = check.compare or "list"
  if mode == "list" then
    for i = 1, math.max(#rr, #tr) do
      local a, b = rr[i] and j(rr[i]), tr[i] and j(tr[i])
      if a ~= b then res:diff("record " .. i, a, b) end
    end
  else
    local count = {}
    for _, c in ipairs(rr) do local k = j(c); count[k] = (count[k] or 0) + 1 end
    for i, c in ipairs(tr) do
      local k = j(c)
      if (count[k] or 0) > 0 then count[k] = count[k] - 1
      else res:diff("truth record " .. i, nil, k, "not in the report") end
    end
    if mode == "set" then
      for i, c in ipairs(rr) do
        local k = j(c)
        if (count[k] or 0) > 0 then count[k] = count[k] - 1; res:diff("report record " .. i, k, nil, "not in the truth") end
      end
    end
  end
  if res.status == "exact" then
    res:note(string.format("%d records compared", #tr))
  end
end

-- }======

-- run one check: preprocess both sides, then the kind
local PREP = { "select", "drop", "gsub", "range", "transform" }

local function has_prep(check)
  for _, f in ipairs(PREP) do
    if check[f] or check["report_" .. f] or check["truth_" .. f] then return true end
  end
  return false
end

function M.run(check, report_text, truth_text, ctx, end_text)
  local res = new_result()
  local kind = kinds[check.kind or "exact"]
  if not kind then error("unknown comparison kind " .. tostring(check.kind)) end
  local prep = has_prep(check)
  if truth_text ~= nil and report_text == truth_text and not prep and (check.kind or "exact") == "exact" then
    return res
  end
  local R = M.prepare(check, report_text, "report", ctx)
  local T = M.prepare(check, truth_text, "truth", ctx)
  if T == nil then
    res.status = "notruth"
    return res
  end
  local E = end_text and M.prepare(check, end_text, "truth", ctx) or nil
  kind(check, R or {}, T, ctx, res, E)
  -- a byte-level check on top of an exact kind: the files themselves must be
  -- equal when no preprocessing is involved
  if (check.kind or "exact") == "exact" and res.status == "exact" and report_text ~= truth_text
     and not prep then
    local rl, tl = report_text:sub(-1) == "\n", truth_text:sub(-1) == "\n"
    res:diff("end of file", rl and "newline" or "no newline", tl and "newline" or "no newline",
      "the files differ in their final bytes")
  end
  for _, d in ipairs(res.diffs) do d.report = short(d.report, 400); d.truth = short(d.truth, 400) end
  return res
end

return M
