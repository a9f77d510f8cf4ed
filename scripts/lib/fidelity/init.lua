-- fidelity: compare every file of a kdlua report with what the live system
-- showed (a "truth" folder captured before the crash).  Used by
-- `kdlua fidelity` (scripts/commands/fidelity.lua) and the tests.  Works
-- without a dump: it reads two folders.
--
-- ======================================================================
-- THE RULE SCHEMA (one for all rule files)
-- ======================================================================
--
-- scripts/lib/fidelity/rules/*.lua each return a table
--
--     { [PATH] = RULE, ... }
--
-- PATH is a report path ("proc/meminfo", "sos_commands/memory/free") or a
-- template: "{pid}", "{tid}", "{cpu}" stand for a number, "*" for one path
-- component, "**" for any run of components.  A file is judged by the
-- rule of its exact path, else by the most specific template it matches.
--
-- RULE fields:
--   class      "static"   must be exact (everything compared is equal);
--              "drifting" exact but for the values a `tolerance` accepts;
--              "stub"     the report is expected to hold a stub (the
--                         `# kdlua: reason` header): never a failure;
--              "none"     the truth has it, kdlua does not emit it (why in
--                         note): listed as missing, never a failure.
--   note       required: what is compared and why anything may differ.
--   truth      path under TRUTH_DIR, with the PATH's placeholders
--              ("pid/{pid}/status"); a list = alternatives, the first that
--              exists is used; nil = no live counterpart ("no truth").
--              A ".xz" truth is decompressed with xz.
--   truth_end  a second live sample taken later (".end"): a drifting value
--              may lie anywhere between the two samples (plus tolerance).
--   kind       how to compare (default "exact"):
--     exact       same lines (and bytes when nothing is filtered)
--     prefix      the truth's lines are the first lines of the report
--     subsequence the truth's lines appear in the report, in order
--     set         the same lines in any order; subset = true: the truth's
--                 lines are all in the report
--     lines       same number of lines; line i against line i: equal, or
--                 the same text with numbers within the tolerance of the
--                 line's key (key = its label, the text before its first
--                 number, blanks as "_"; or key = N: its N-th word);
--                 static_lines = Lua patterns of lines that must be equal;
--                 groups = { name = pattern }: lines that come and go, only
--                 their count is compared (tolerance[name])
--     keyvalue    "key: value" / "key value" / "key = value" records
--                 (parse = "kv"; "snmp": name line + value line, keys
--                 "Ip.Forwarding"; "pairs": "TCP: inuse 1 mem 0" ->
--                 "TCP.inuse"); same keys in the same order (order =
--                 false: any order; absent = globs of keys the report may
--                 lack; extra = true: the report may have more keys);
--                 values equal, or within tolerance[key] (also looked up
--                 as the part after the last ".", then "*")
--     columns     tables: header = number of header lines (default 1,
--                 compared unless header_exact = false), names = column
--                 names (default: the last header line's words;
--                 header_words = { "Mounted on" } joins such names; a
--                 repeated name gets "_2"), split = Lua pattern of a cell
--                 (default "%S+"; the last named column takes the rest of
--                 the line unless rest = false); key = the column naming a
--                 row (a name, an index, "label" = the text before the
--                 trailing numbers, nil = row number); rows = "same" (same
--                 rows, same order) or "truth" (every truth row is in the
--                 report); columns = the report columns compared (default
--                 all), map = { report column = truth column }, match =
--                 { column = matcher } (fidelity/matchers.lua: another
--                 tool's form of the value); row_sum = { name =, weight =
--                 "pow2"|nil }: compare the sum of a row's numbers;
--                 pid_column = the column holding a pid (capture helpers
--                 skipped, pid classes for `when`); truth_header,
--                 truth_names, truth_split, truth_header_words: the live
--                 tool's own layout
--     extract     records captured by Lua patterns (pattern, or
--                 report_pattern / truth_pattern) compared as a list
--                 (compare = "list"), a multiset ("set") or truth-in-report
--                 ("subset"); alive = N: truth records whose N-th capture is
--                 a pid that is not in the dump are skipped
--   static     keys / columns / row keys / line keys that must be equal
--              even where a tolerance ("*") would apply.
--   tolerance  { [key] = SPEC, ["*"] = SPEC }, keys as the kind says.
--   select, drop (Lua patterns: keep / remove matching lines), gsub
--              ({ {pattern, replacement}, ... } on every line), range
--              ({first, last} line), transform (a name in
--              fidelity/matchers.lua): applied to both texts first;
--              truth_select, report_drop, truth_transform... to one side.
--   also       a list of further checks of the same file (tables with
--              kind, truth, truth_end and the kind's fields); the file's
--              status is the worst of all its checks.
--   skip       pid classes whose files are not compared ({ "crash" }).
--   skip_if_differs  pid classes whose file is compared, but "skipped"
--              rather than failing when it differs ({ "ran_after" }: the
--              live file shows an earlier moment of that task).
--   stub_ok    a stub is acceptable for some instances (the reason).
--   partial_block  a Lua pattern: an incomplete line (sos_reports/
--              kdlua_partial.txt) heads a block that ends before the next
--              line matching it (e.g. "^%d+: ", an interface's lines).
--
-- SPEC (tolerance of the numbers of one key; a number of the report is
-- compared with the truth's number at the same place):
--   abs = n, rel = r   |report - truth| <= max(abs, rel * |truth|); with a
--                      truth_end sample, around [min, max] of both
--   monotonic = true   a counter: never below the latest sample; above it
--                      by at most abs/rel, or upper_rel x end + upper_abs
--                      (upper = "truth_end"), or per_second x (crash
--                      uptime - uptime in truth file `since`); no bound
--                      when none of these is given
--   min = "end"        between the .end sample and .end + abs
--   per_10s_since = f  abs/rel are per 10 s between the uptime in truth file
--                      f and the crash (at least once)
--   range_of = { "file", "file:key" }  more live samples of the value
--   any = true         not compared (structure only)
--   fields = { i... }  only the i-th numbers of the value may move
--   ignore = { i... }  the i-th numbers of the value are not compared
--   when = class       the spec applies only to files of pids of that class
--
-- PID CLASSES (from the truth): "crash" = truth/crash_pid (the task the
-- kernel panicked in: the capturing shell, or a task signalled after the
-- capture; running at the crash); "running" = crash, or state R in the
-- truth, or R in the report (on a CPU at the crash); "worker" = a
-- workqueue worker (PF_WQ_WORKER in the truth's stat: its name carries its
-- latest work item); "ran_after" = the task was switched in after the
-- capture (more voluntary + involuntary context switches in the report's
-- status than in the truth's), so what it was doing then may have changed.  Pids of the truth that are not in the dump and
-- descend from crash_pid, or were running (R) in the truth, or are the
-- gone ancestors or children of such, are the capture helpers: their
-- files are "skipped" with a note.
--
-- ROW STATUS: exact, within tolerance, differs, stub, missing, no truth,
-- skipped.  A row fails when its class is static and it is not exact, or
-- drifting and neither exact nor within tolerance, or it is an unexpected
-- stub / a missing file of a static or drifting rule whose truth exists.
-- ======================================================================

local compare = require("fidelity.compare")

local M = {}

local CLASSES = { static = true, drifting = true, stub = true, none = true }

local RULE_FIELDS = {}
for w in ([[class note truth truth_end kind also skip stub_ok tolerance static static_lines
  groups key parse absent extra order loose_spacing header names split header_words rest rows
  columns map match row_sum pid_column ppid_column pattern alive compare subset all select drop gsub range
  transform header_exact partial_block skip_if_differs]]):gmatch("%S+") do RULE_FIELDS[w] = true end
for _, side in ipairs({ "truth", "report" }) do
  for w in ("select drop gsub range transform header names split header_words pattern key"):gmatch("%S+") do
    RULE_FIELDS[side .. "_" .. w] = true
  end
end
local SPEC_FIELDS = {}
for w in ("abs rel monotonic upper upper_rel upper_abs per_second since per_10s_since min any fields ignore when range_of note")
    :gmatch("%S+") do SPEC_FIELDS[w] = true end

-- {====== small helpers ======

local function shq(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end
M.shq = shq

local function read_file(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end
M.read_file = read_file

local function is_dir(path)
  local ok, ar = pcall(require, "kdlua.archive")
  if ok and ar.stat then
    local st = ar.stat(path)
    return st ~= nil and st.is_dir
  end
  return os.execute("test -d " .. shq(path)) == true
end
M.is_dir = is_dir

-- every regular file under dir (relative paths, sorted bytewise)
local function list_files(dir)
  local p = io.popen("find " .. shq(dir) .. " -type f -printf '%P\\n' 2>/dev/null")
  local out = {}
  for l in p:lines() do out[#out + 1] = l end
  p:close()
  table.sort(out)
  return out
end
M.list_files = list_files

local function list(v)
  if v == nil then return {} end
  if type(v) == "table" then return v end
  return { v }
end

-- a path template -> anchored pattern, placeholder names in capture order
-- ("pid", "tid", "cpu", "*1", "*2"... for the wildcards in their order)
local function compile(tpl)
  local names, out, i, stars = {}, {}, 1, 0
  while i <= #tpl do
    local c = tpl:sub(i, i)
    if c == "{" then
      local j = assert(tpl:find("}", i, true), "unclosed { in " .. tpl)
      names[#names + 1] = tpl:sub(i + 1, j - 1)
      out[#out + 1] = "(%d+)"
      i = j + 1
    elseif tpl:sub(i, i + 1) == "**" then
      stars = stars + 1
      names[#names + 1] = "*" .. stars
      out[#out + 1] = "(.+)"
      i = i + 2
    elseif c == "*" then
      stars = stars + 1
      names[#names + 1] = "*" .. stars
      out[#out + 1] = "([^/]+)"
      i = i + 1
    else
      out[#out + 1] = (c:gsub("[%^%$%(%)%%%.%[%]%+%-%?]", "%%%0"))
      i = i + 1
    end
  end
  return "^" .. table.concat(out) .. "$", names
end
M.compile = compile

local function bind(pat, names, s)
  local caps = { s:match(pat) }
  if caps[1] == nil then return nil end
  local b = {}
  for i, n in ipairs(names) do b[n] = caps[i] end
  return b
end

local function fill(tpl, b)
  local stars = 0
  local out = tpl:gsub("{(%w+)}", function(n) return b[n] or ("{" .. n .. "}") end)
  out = out:gsub("%*%*?", function()
    stars = stars + 1
    return b["*" .. stars] or "*"
  end)
  return out
end
M.fill = fill

local function is_template(p) return p:find("[{*]") ~= nil end

local function glob_match(pats, s)
  if #pats == 0 then return true end
  for _, p in ipairs(pats) do if s:find(p) then return true end end
  return false
end

-- }======

-- {====== rules ======

local function validate_spec(where, key, spec)
  if type(spec) ~= "table" then error(where .. ": tolerance " .. tostring(key) .. " is not a table", 0) end
  for f in pairs(spec) do
    if not SPEC_FIELDS[f] then error(where .. ": tolerance " .. tostring(key) .. ": unknown field " .. tostring(f), 0) end
  end
end

local function validate_check(where, r, top)
  for f in pairs(r) do
    if not RULE_FIELDS[f] then error(where .. ": unknown field " .. tostring(f), 0) end
  end
  if top then
    if not CLASSES[r.class] then error(where .. ": class must be static, drifting, stub or none", 0) end
    if type(r.note) ~= "string" or r.note == "" then error(where .. ": no note", 0) end
  end
  if r.kind and not compare.kinds[r.kind] then error(where .. ": unknown kind " .. tostring(r.kind), 0) end
  if r.tolerance then
    for k, s in pairs(r.tolerance) do validate_spec(where, k, s) end
  end
  for i, c in ipairs(list(r.also)) do validate_check(where .. " (also #" .. i .. ")", c, false) end
end

-- the rules directory (beside this file)
local function rules_dir()
  local src = debug.getinfo(1, "S").source
  local dir = src:match("^@(.*)/[^/]*$") or "."
  return dir .. "/rules"
end
M.rules_dir = rules_dir

-- every rule of every rules/*.lua: { [path] = rule } + ordered templates;
-- rule.file names the file it came from.  Errors name the file and path.
function M.load_rules(dir)
  local bundled = (dir == nil)
  dir = dir or rules_dir()
  local names = {}
  local p = io.popen("ls " .. shq(dir) .. " 2>/dev/null")
  for l in p:lines() do if l:match("^[%w_]+%.lua$") then names[#names + 1] = l end end
  p:close()
  table.sort(names)
  local exact, templates, files = {}, {}, {}
  for _, n in ipairs(names) do
    local mod = n:sub(1, -5)
    -- the bundled files through require (the tests share those tables),
    -- any other folder's by file
    local ok, t = false, nil
    if bundled then ok, t = pcall(require, "fidelity.rules." .. mod) end
    if not ok then
      local chunk, err = loadfile(dir .. "/" .. n, "t")
      if not chunk then error("rules/" .. n .. ": " .. tostring(err), 0) end
      t = chunk()
    end
    if type(t) ~= "table" then error("rules/" .. n .. ": does not return a table", 0) end
    files[#files + 1] = mod
    local paths = {}
    for path in pairs(t) do paths[#paths + 1] = path end
    table.sort(paths)
    for _, path in ipairs(paths) do
      local r = t[path]
      local where = "rules/" .. n .. ": " .. tostring(path)
      if type(path) ~= "string" or type(r) ~= "table" then error(where .. ": not a path = rule entry", 0) end
      validate_check(where, r, true)
      if exact[path] then error(where .. ": also in rules/" .. exact[path].file .. ".lua", 0) end
      local entry = { path = path, rule = r, file = mod }
      if is_template(path) then
        for _, e in ipairs(templates) do
          if e.path == path then error(where .. ": also in rules/" .. e.file .. ".lua", 0) end
        end
        entry.pat, entry.names = compile(path)
        local literal = path:gsub("{%w+}", ""):gsub("%*", "")
        entry.weight = #literal
        templates[#templates + 1] = entry
      end
      exact[path] = entry
    end
  end
  table.sort(templates, function(a, b)
    if a.weight ~= b.weight then return a.weight > b.weight end
    return a.path < b.path
  end)
  return { by_path = exact, templates = templates, files = files }
end

local function find_rule(rules, path)
  local e = rules.by_path[path]
  if e and not is_template(path) then return e, {} end
  for _, t in ipairs(rules.templates) do
    local b = bind(t.pat, t.names, path)
    if b then return t, b end
  end
  return nil
end
M.find_rule = find_rule

-- }======

-- {====== context: the truth's facts about pids ======

local function first_number(s) return s and tonumber(s:match("%-?%d+%.?%d*")) end

local function make_ctx(report_dir, truth_dir, truth_files, report_set)
  local ctx = { truth_dir = truth_dir, report_dir = report_dir, consumed = {} }
  local cache = {}
  function ctx.read_truth(rel)
    if cache[rel] ~= nil then
      ctx.consumed[rel] = true
      return cache[rel] or nil
    end
    local text
    if rel:match("%.xz$") then
      local f = io.open(truth_dir .. "/" .. rel, "rb")
      if f then
        f:close()
        local p = io.popen("xz -dc " .. shq(truth_dir .. "/" .. rel) .. " 2>/dev/null")
        text = p:read("a")
        p:close()
      end
    else
      text = read_file(truth_dir .. "/" .. rel)
    end
    cache[rel] = text or false
    if text then ctx.consumed[rel] = true end
    return text
  end
  function ctx.truth_exists(rel) return truth_files[rel] == true end
  ctx.crash_pid = first_number(read_file(truth_dir .. "/crash_pid"))
  -- pids of the dump: proc/<pid>/ folders of the report
  local alive, tids = {}, {}
  for p in pairs(report_set) do
    local pid = p:match("^proc/(%d+)/")
    if pid then alive[tonumber(pid)] = true end
    local tid = p:match("^proc/%d+/task/(%d+)/")
    if tid then tids[tonumber(tid)] = true end
  end
  function ctx.alive(pid) return alive[pid] == true or tids[pid] == true end
  -- where the truth keeps a task's stat/status: pid/<id>/ or pid/<p>/task/<id>/
  local task_dir = {}
  for rel in pairs(truth_files) do
    local p, t = rel:match("^pid/(%d+)/task/(%d+)/stat$")
    if t then task_dir[tonumber(t)] = task_dir[tonumber(t)] or ("pid/" .. p .. "/task/" .. t) end
  end
  for rel in pairs(truth_files) do
    local p = rel:match("^pid/(%d+)/stat$")
    if p then task_dir[tonumber(p)] = "pid/" .. p end
  end
  local function tstat(id)
    local d = task_dir[id]
    local s = d and read_file(truth_dir .. "/" .. d .. "/stat")
    if not s then return nil end
    local rest = s:match("%) (.*)$")
    local f = {}
    for w in (rest or ""):gmatch("%S+") do f[#f + 1] = w end
    return f          -- f[1] = state (field 3), f[7] = flags (field 9)
  end
  -- field n (proc(5) numbering) of a task's live stat
  function ctx.stat_field(id, n)
    local f = tstat(id)
    return f and f[n - 2]
  end
  local function tstatus(id)
    local d = task_dir[id]
    return d and read_file(truth_dir .. "/" .. d .. "/status")
  end
  -- where the report keeps a task's stat: proc/<id>/ or proc/<p>/task/<id>/
  local report_stat = {}
  for rel in pairs(report_set) do
    local t = rel:match("^proc/%d+/task/(%d+)/stat$")
    if t then report_stat[tonumber(t)] = report_stat[tonumber(t)] or rel end
  end
  for rel in pairs(report_set) do
    local p = rel:match("^proc/(%d+)/stat$")
    if p then report_stat[tonumber(p)] = rel end
  end
  local function report_state(id)
    local rel = report_stat[id]
    local s = rel and read_file(report_dir .. "/" .. rel)
    return s and s:match("%) (%S+)")
  end
  -- a task's status in the report: proc/<id>/ or proc/<p>/task/<id>/
  local function report_status(id)
    local rel = report_stat[id]
    return rel and read_file(report_dir .. "/" .. rel:gsub("stat$", "status"))
  end
  -- voluntary + involuntary context switches of a status text
  local function switches(text)
    local v = text and text:match("\nvoluntary_ctxt_switches:%s+(%d+)")
    local n = text and text:match("\nnonvoluntary_ctxt_switches:%s+(%d+)")
    return v and n and tonumber(v) + tonumber(n)
  end
  local class_cache = {}
  function ctx.classes_for(id)
    if class_cache[id] then return class_cache[id] end
    local c = {}
    c.crash = (id == ctx.crash_pid)
    local f = tstat(id)
    -- running at either moment: R in the truth, or on a CPU (R) in the dump
    c.running = c.crash or (f ~= nil and f[1] == "R") or report_state(id) == "R"
    c.worker = f ~= nil and ((tonumber(f[7]) or 0) & 0x20) ~= 0
    local then_, now = switches(tstatus(id)), switches(report_status(id))
    c.ran_after = then_ ~= nil and now ~= nil and now > then_
    class_cache[id] = c
    return c
  end
  function ctx.vmrss_of(pid)
    local s = tstatus(pid)
    return s and tonumber(s:match("\nVmRSS:%s+(%d+)"))
  end
  function ctx.uid_of(pid)
    local s = tstatus(pid)
    return s and tonumber(s:match("\nUid:%s+(%d+)"))
  end
  -- pids of the truth gone at the crash that were running (R) in the
  -- truth, and their ancestors gone at the crash
  local chain
  local function capture_chain()
    if chain then return chain end
    chain = {}
    for id in pairs(task_dir) do
      local f = tstat(id)
      if f and f[1] == "R" and not ctx.alive(id) then
        local cur, n = id, 0
        while cur and not ctx.alive(cur) and not chain[cur] and n < 64 do
          chain[cur] = true
          local g = tstat(cur)
          cur = g and tonumber(g[2])
          n = n + 1
        end
      end
    end
    return chain
  end
  local helper_cache = {}
  -- ppid_hint: the parent as another live listing (ps) shows it, for
  -- helpers so short-lived that fxsnap has no folder of theirs
  function ctx.helper(pid, depth, ppid_hint)
    depth = depth or 0
    if pid == nil or depth > 16 then return false end
    if helper_cache[pid] ~= nil then return helper_cache[pid] end
    local r = false
    if not ctx.alive(pid) and ctx.crash_pid then
      local s = tstatus(pid)
      local ppid = s and tonumber(s:match("\nPPid:%s+(%d+)")) or ppid_hint
      if ppid == ctx.crash_pid then r = true
      elseif ppid and not ctx.alive(ppid) then r = ctx.helper(ppid, depth + 1) end
    end
    -- a capture that is not the crashing task's (the crash was triggered
    -- by another process afterwards): the helper running (R) when it
    -- read its own files, and its gone ancestors, e.g. fxsnap and the
    -- fx-truth shell of the 6.12 fixture
    if not r and not ctx.alive(pid) then
      local s = tstatus(pid)
      local ppid = s and tonumber(s:match("\nPPid:%s+(%d+)")) or ppid_hint
      r = capture_chain()[pid] == true or (ppid ~= nil and capture_chain()[ppid] == true)
    end
    helper_cache[pid] = r
    return r
  end
  -- the crash uptime: the report's proc/uptime, else (a stub) the last
  -- timestamp of the report's kernel log
  local up = read_file(report_dir .. "/proc/uptime")
  ctx.crash_uptime = up and not up:match("^# kdlua:") and first_number(up) or nil
  if not ctx.crash_uptime then
    local log = read_file(report_dir .. "/sos_commands/kernel/dmesg") or ""
    local last
    for ts in log:gmatch("\n%[%s*(%d+%.%d+)%]") do last = ts end
    ctx.crash_uptime = tonumber(last)
  end
  function ctx.elapsed(since)
    if not (ctx.crash_uptime and since) then return nil end
    local t0 = first_number(ctx.read_truth(since))
    return t0 and (ctx.crash_uptime - t0) or nil
  end
  ctx.classes = {}
  return ctx
end

-- }======

-- {====== comparing one file ======

local STUB = "^# kdlua: ([^\n]*)"

local function resolve_truth(truth, b, ctx)
  for _, t in ipairs(list(truth)) do
    local rel = fill(t, b)
    if ctx.truth_exists(rel) then return rel end
  end
  return nil, list(truth)[1] and fill(list(truth)[1], b)
end

local function first_diff_text(res)
  local d = res.diffs[1]
  if not d then return nil end
  return d
end

-- compare one report file under its rule -> row fields
local function judge(entry, b, path, report_text, ctx)
  local rule = entry.rule
  local row = { path = path, class = rule.class, rule = entry.file .. ":" .. entry.path, note = rule.note }
  local id = tonumber(b.tid or b.pid)
  ctx.classes = id and ctx.classes_for(id) or {}
  ctx.row_pid = nil
  local skipped_by
  for _, cl in ipairs(list(rule.skip)) do
    if ctx.classes[cl] then skipped_by = cl break end
  end
  local truth_rel, wanted = resolve_truth(rule.truth, b, ctx)
  row.truth = truth_rel or wanted
  local reason = report_text:match(STUB)
  if reason then
    row.status = "stub"
    row.reason = reason
    row.detail = reason
    if skipped_by then
      row.detail = reason .. " (not compared for the " .. skipped_by .. " task anyway)"
    elseif rule.class ~= "stub" and rule.class ~= "none" and truth_rel and not rule.stub_ok then
      row.failing = true
      row.detail = "unexpected stub (the rule says " .. rule.class .. "): " .. reason
    elseif truth_rel and rule.class == "stub" then
      -- what the stub does hold, against the truth (information only)
      local body = report_text:gsub("^[^\n]*\n?", "", 1)
      local ok, res = pcall(compare.run, rule, body, ctx.read_truth(truth_rel), ctx)
      if ok and res.status ~= "notruth" then
        local st = ({ exact = "exact", within = "within tolerance", differs = "differs" })[res.status]
        row.partial = st
        row.diffs, row.ndiffs = res.diffs, res.ndiffs
        row.first = res.diffs[1]
        row.detail = "partial content " .. st
          .. (res.diffs[1] and (" (" .. res.diffs[1].where .. ": " .. (res.diffs[1].why or "differs") .. ")") or "")
          .. "; " .. reason
        row.moved = res.moved
      end
    end
    return row
  end
  if skipped_by then
    row.status = "skipped"
    row.detail = "not compared for the " .. skipped_by .. " task: " .. rule.note
    return row
  end
  if not truth_rel then
    row.status = "no truth"
    if rule.truth then row.detail = "no live file " .. tostring(wanted) end
    return row
  end
  local truth_text = ctx.read_truth(truth_rel)
  -- lines the report marked incomplete (sos_reports/kdlua_partial.txt):
  -- left out of the comparison on both sides, found by their exact start
  local plist = ctx.partial and ctx.partial[path]
  if plist then
    report_text = M.drop_keyed_lines(report_text, plist, rule.partial_block)
    truth_text = M.drop_keyed_lines(truth_text, plist, rule.partial_block)
  end
  local end_text
  if rule.truth_end then
    local e = resolve_truth(rule.truth_end, b, ctx)
    end_text = e and ctx.read_truth(e)
  end
  local res = compare.run(rule, report_text, truth_text, ctx, end_text)
  if res.status == "notruth" then
    row.status = "no truth"
    row.detail = "the live file cannot be put in this form"
    return row
  end
  for i, chk in ipairs(list(rule.also)) do
    local ct = truth_text
    local ce
    if chk.truth then
      local rel = resolve_truth(chk.truth, b, ctx)
      ct = rel and ctx.read_truth(rel)
    end
    if chk.truth_end then
      local rel = resolve_truth(chk.truth_end, b, ctx)
      ce = rel and ctx.read_truth(rel)
    end
    if ct and plist and chk.truth then ct = M.drop_keyed_lines(ct, plist, rule.partial_block) end
    if ct then
      local r2 = compare.run(chk, report_text, ct, ctx, ce)
      if r2.status == "notruth" then
        res:note("check " .. (i + 1) .. ": no truth")
      else
        for _, d in ipairs(r2.diffs) do d.where = "check " .. (i + 1) .. ": " .. d.where end
        res:merge(r2)
      end
    else
      res:note("check " .. (i + 1) .. ": no live file " .. tostring(chk.truth))
    end
  end
  -- a drifting file is exact only when it is the same file: where the
  -- rule compares parts of it, the rest drifted
  if res.status == "exact" and rule.class == "drifting" and report_text ~= truth_text then
    res.status = "within"
    res:note("the parts compared are equal; the rest drifted (not compared)")
  end
  if res.status == "differs" then
    for _, cl in ipairs(list(rule.skip_if_differs)) do
      if ctx.classes[cl] then
        row.status = "skipped"
        row.detail = "differs, not compared for a task that " ..
          (cl == "ran_after" and "ran after the capture" or ("is " .. cl)) .. ": " .. rule.note
        row.first = res.diffs[1]
        return row
      end
    end
  end
  row.status = ({ exact = "exact", within = "within tolerance", differs = "differs" })[res.status]
  row.diffs = res.diffs
  row.ndiffs = res.ndiffs
  row.within = res.within
  row.moved = res.moved
  row.notes = res.notes
  local d = first_diff_text(res)
  if d then
    row.first = d
    row.detail = string.format("%s: %s", d.where, d.why or "differs")
  elseif res.within > 0 then
    row.detail = string.format("%d value%s within tolerance", res.within, res.within == 1 and "" or "s")
  elseif #res.notes > 0 then
    row.detail = table.concat(res.notes, "; ")
  end
  if rule.class == "static" and row.status ~= "exact" then row.failing = true end
  if rule.class == "drifting" and row.status == "differs" then row.failing = true end
  if plist and not row.failing then
    -- the rest is as the rule requires: a stub for the incomplete lines
    local why = {}
    for _, p in ipairs(plist) do why[#why + 1] = p.reason end
    row.partial = row.status
    row.status = "stub"
    row.reason = #plist .. " line(s) incomplete: " .. table.concat(why, "; ")
    row.detail = "the other lines " .. row.partial .. "; " .. row.reason
  end
  return row
end

-- text without the first line that starts with each key (a key "" stands
-- for a line the report could not identify: nothing is dropped for it);
-- with `block` (the rule's partial_block), without the lines after it up
-- to the next line that matches `block`
function M.drop_keyed_lines(text, plist, block)
  if text == nil then return nil end
  local ls = {}
  for l in text:gmatch("([^\n]*)\n?") do ls[#ls + 1] = l end
  if ls[#ls] == "" then ls[#ls] = nil end
  local gone = {}
  for _, p in ipairs(plist) do
    if p.key ~= "" then
      for i, l in ipairs(ls) do
        if not gone[i] and l:sub(1, #p.key) == p.key then
          gone[i] = true
          local j = i + 1
          while block and ls[j] and not ls[j]:find(block) do gone[j] = true; j = j + 1 end
          break
        end
      end
    end
  end
  local out = {}
  for i, l in ipairs(ls) do if not gone[i] then out[#out + 1] = l end end
  return table.concat(out, "\n") .. (#out > 0 and text:sub(-1) == "\n" and "\n" or "")
end

-- }======

-- {====== the whole run ======

local META = { ["INDEX.md"] = true, crash_pid = true, capture_start_uptime = true,
  capture_end_uptime = true, capture_start_date = true, capture_end_date = true }

local function skip_report_path(p)
  return p:match("^sos_logs/") or p:match("^sos_reports/") or p == "version.txt"
end

-- the report path a truth file would have with no rule
local function natural_path(rel)
  local pid, rest = rel:match("^pid/(%d+)/(.*)$")
  if pid then return "proc/" .. pid .. "/" .. rest end
  if rel:match("^proc/") or rel:match("^sys/") then return (rel:gsub("%.xz$", "")) end
  return "truth:" .. rel
end

-- sos_reports/kdlua_partial.txt (PATH<TAB>KEY<TAB>REASON lines) -> path ->
-- list of { key, reason }
function M.read_partial(text)
  local t = {}
  for l in (text or ""):gmatch("[^\n]+") do
    local path, key, reason = l:match("^([^\t]*)\t([^\t]*)\t(.*)$")
    if path then
      t[path] = t[path] or {}
      table.insert(t[path], { key = key, reason = reason })
    end
  end
  return t
end

-- opts: only = { glob patterns }, rules = preloaded rules
-- returns { rows = {...}, summary = {...}, failing = bool }
function M.run(report_dir, truth_dir, opts)
  opts = opts or {}
  local rules = opts.rules or M.load_rules()
  local only = {}
  for _, g in ipairs(opts.only or {}) do only[#only + 1] = compare.glob_pattern(g) end
  local report_files, report_set = {}, {}
  for _, p in ipairs(list_files(report_dir)) do
    if not skip_report_path(p) then
      report_files[#report_files + 1] = p
      report_set[p] = true
    end
  end
  local truth_list, truth_files = list_files(truth_dir), {}
  for _, p in ipairs(truth_list) do truth_files[p] = true end
  local ctx = make_ctx(report_dir, truth_dir, truth_files, report_set)
  ctx.partial = M.read_partial(read_file(report_dir .. "/sos_reports/kdlua_partial.txt"))
  local rows = {}
  local function add(row)
    if glob_match(only, row.path) then rows[#rows + 1] = row end
  end

  -- 1. every file of the report
  for _, path in ipairs(report_files) do
    if glob_match(only, path) then
      local text = read_file(report_dir .. "/" .. path) or ""
      local entry, b = find_rule(rules, path)
      if entry then
        add(judge(entry, b, path, text, ctx))
      elseif truth_files[path] then
        -- no rule, but the truth has a file of the same path: compare it
        local row = { path = path, class = "-", truth = path, note = "no rule" }
        local reason = text:match(STUB)
        if reason then
          row.status, row.reason, row.detail = "stub", reason, reason
        else
          local res = compare.run({}, text, ctx.read_truth(path), ctx)
          row.status = res.status == "exact" and "exact" or "differs"
          row.diffs, row.ndiffs = res.diffs, res.ndiffs
          row.first = res.diffs[1]
          row.detail = "no rule; compared as a static file"
            .. (row.first and (": " .. row.first.where) or "")
        end
        add(row)
      else
        add({ path = path, class = "-", status = text:match(STUB) and "stub" or "no truth",
              reason = text:match(STUB), detail = text:match(STUB) or "no rule" })
      end
    end
  end

  -- 2. what the rules expect and the report lacks
  local planned = {}   -- truth files a rule accounts for
  local paths = {}
  for p in pairs(rules.by_path) do paths[#paths + 1] = p end
  table.sort(paths)
  local function missing_row(entry, path, truth_rel)
    local r = entry.rule
    local row = { path = path, class = r.class, rule = entry.file .. ":" .. entry.path, truth = truth_rel,
                  status = "missing", note = r.note }
    if r.class == "none" then
      row.detail = "not emitted: " .. r.note
    elseif truth_rel and (r.class == "static" or r.class == "drifting") then
      row.failing = true
      row.detail = "not in the report"
    else
      row.detail = "not in the report" .. (truth_rel and "" or " (no live file either)")
    end
    return row
  end
  for _, p in ipairs(paths) do
    local entry = rules.by_path[p]
    local r = entry.rule
    if not is_template(p) then
      local t = resolve_truth(r.truth, {}, ctx)
      if t then planned[t] = true end
      if r.truth_end then local e = resolve_truth(r.truth_end, {}, ctx); if e then planned[e] = true end end
      if not report_set[p] and (t or r.class ~= "none") then
        if glob_match(only, p) then add(missing_row(entry, p, t)) end
      end
    elseif r.truth then
      local tpat, tnames = compile(list(r.truth)[1])
      local none_count, none_example = 0, nil
      for _, rel in ipairs(truth_list) do
        local b = bind(tpat, tnames, rel)
        if b then
          planned[rel] = true
          local path = fill(p, b)
          if not report_set[path] and glob_match(only, path) then
            local id = tonumber(b.tid or b.pid)
            if r.class == "none" then
              none_count = none_count + 1
              none_example = none_example or rel
            elseif id and ctx.helper(id) then
              add({ path = path, class = r.class, rule = entry.file .. ":" .. p, truth = rel, status = "skipped",
                    detail = "capture helper: pid " .. id .. " is gone at the crash and descends from crash_pid or ran the capture" })
            elseif id and not ctx.alive(id) then
              local row = missing_row(entry, path, rel)
              row.detail = "pid " .. id .. " of the truth is not in the report"
              add(row)
            else
              add(missing_row(entry, path, rel))
            end
          end
        end
      end
      if none_count > 0 then
        add({ path = p, class = "none", rule = entry.file .. ":" .. p, truth = list(r.truth)[1],
              status = "missing", note = r.note, count = none_count,
              detail = string.format("%d live file%s (e.g. %s), not emitted: %s", none_count,
                none_count == 1 and "" or "s", none_example, r.note) })
      end
    end
  end

  -- 3. live files no rule speaks of
  for _, rel in ipairs(truth_list) do
    if not META[rel] and not planned[rel] and not ctx.consumed[rel] and not rel:match("%.end$")
       and not report_set[natural_path(rel)] then
      local path = natural_path(rel)
      if glob_match(only, path) then
        add({ path = path, class = "-", truth = rel, status = "missing",
              detail = "live file " .. rel .. ": no rule and no report file" })
      end
    end
  end

  table.sort(rows, function(a, b) return a.path < b.path end)
  return { rows = rows, summary = M.summarize(rows), failing = M.any_failing(rows) }
end

function M.any_failing(rows)
  for _, r in ipairs(rows) do if r.failing then return true end end
  return false
end

function M.summarize(rows)
  local s = { static = 0, static_exact = 0, drifting = 0, drifting_ok = 0, drifting_exact = 0,
              stub = 0, differs = 0, missing = 0, missing_required = 0, no_truth = 0,
              skipped = 0, exact = 0, within = 0, failing = 0, live_only = 0, rows = #rows }
  for _, r in ipairs(rows) do
    local st = r.status
    if r.failing then s.failing = s.failing + 1 end
    if st == "exact" then s.exact = s.exact + 1
    elseif st == "within tolerance" then s.within = s.within + 1
    elseif st == "differs" then s.differs = s.differs + 1
    elseif st == "stub" then s.stub = s.stub + 1
    elseif st == "missing" and (r.class == "none" or r.class == "-") then
      s.live_only = s.live_only + (r.count or 1)
    elseif st == "missing" then
      s.missing = s.missing + 1
      if r.failing then s.missing_required = s.missing_required + 1 end
    elseif st == "no truth" then s.no_truth = s.no_truth + 1
    elseif st == "skipped" then s.skipped = s.skipped + 1 end
    local counted = st == "exact" or st == "within tolerance" or st == "differs" or r.failing
    if r.class == "static" and counted then
      s.static = s.static + 1
      if st == "exact" then s.static_exact = s.static_exact + 1 end
    elseif r.class == "drifting" and counted then
      s.drifting = s.drifting + 1
      if st == "exact" or st == "within tolerance" then s.drifting_ok = s.drifting_ok + 1 end
      if st == "exact" then s.drifting_exact = s.drifting_exact + 1 end
    end
  end
  return s
end

function M.summary_line(s)
  return string.format("static exact %d/%d, drifting within tolerance %d/%d (%d exact), stubs %d, "
    .. "differs %d, missing %d (%d required), no truth %d, skipped %d, live files not emitted %d",
    s.static_exact, s.static, s.drifting_ok, s.drifting, s.drifting_exact, s.stub, s.differs,
    s.missing, s.missing_required, s.no_truth, s.skipped, s.live_only)
end

-- }======

-- {====== output ======

local function one_line(s, n)
  if s == nil then return "(none)" end
  s = s:gsub("\t", "\\t")
  if #s > (n or 200) then s = s:sub(1, n or 200) .. "..." end
  return s
end

function M.format_text(result, opts)
  opts = opts or {}
  local out = {}
  local function p(s) out[#out + 1] = s end
  p(string.format("%-16s  %-8s  %s", "STATUS", "CLASS", "FILE"))
  for _, r in ipairs(result.rows) do
    local mark = r.failing and "!" or " "
    local line = string.format("%-16s %s%-8s  %s", r.status, mark, r.class or "-", r.path)
    if r.detail and r.status ~= "exact" then line = line .. "  -- " .. one_line(r.detail, 240) end
    p(line)
    if r.status == "differs" and r.first then
      p("      " .. r.first.where .. (r.first.why and (" (" .. r.first.why .. ")") or ""))
      p("        report: " .. one_line(r.first.report))
      p("        truth:  " .. one_line(r.first.truth))
    end
    if opts.verbose and r.diffs and #r.diffs > 0 and (r.status ~= "differs" or #r.diffs > 1 or opts.verbose > 1) then
      for i, d in ipairs(r.diffs) do
        if not (i == 1 and r.status == "differs") then
          p(string.format("      %s%s", d.where, d.why and (" (" .. d.why .. ")") or ""))
          p("        report: " .. one_line(d.report))
          p("        truth:  " .. one_line(d.truth))
        end
      end
      if (r.ndiffs or 0) > #r.diffs then p(string.format("      ... %d more", r.ndiffs - #r.diffs)) end
    end
    if opts.verbose and r.moved and #r.moved > 0 then
      for _, d in ipairs(r.moved) do
        p(string.format("      %s: %s (live %s; %s)", d.where, one_line(d.report, 100), one_line(d.truth, 100),
          d.why or "accepted"))
      end
    end
  end
  p("")
  p("summary: " .. M.summary_line(result.summary))
  p(result.failing and string.format("FAIL: %d file(s) not as their rule requires (marked !)", result.summary.failing)
    or "PASS: every static file exact, every drifting file within tolerance")
  return table.concat(out, "\n") .. "\n"
end

function M.to_json(result, extra)
  local json = require("report.json")
  local rows = {}
  for _, r in ipairs(result.rows) do
    local o = { path = r.path, status = r.status, class = r.class or "-", failing = r.failing or false,
      truth = r.truth or json.null, rule = r.rule or json.null, detail = r.detail or json.null,
      reason = r.reason or json.null }
    if r.first then
      o.first_difference = { where = r.first.where, report = r.first.report or json.null,
        truth = r.first.truth or json.null, why = r.first.why or json.null }
    end
    if r.diffs and #r.diffs > 0 then
      local ds = {}
      for _, d in ipairs(r.diffs) do
        ds[#ds + 1] = { where = d.where, report = d.report or json.null, truth = d.truth or json.null,
          why = d.why or json.null }
      end
      o.differences = json.array(ds)
    end
    if r.moved and #r.moved > 0 then
      local ms = {}
      for _, d in ipairs(r.moved) do
        ms[#ms + 1] = { where = d.where, report = d.report or json.null, truth = d.truth or json.null,
          why = d.why or json.null }
      end
      o.within_tolerance = json.array(ms)
    end
    if r.count then o.count = r.count end
    rows[#rows + 1] = o
  end
  local doc = { rows = json.array(rows), summary = result.summary, pass = not result.failing,
    summary_line = M.summary_line(result.summary) }
  for k, v in pairs(extra or {}) do doc[k] = v end
  return json.encode(doc, 2) .. "\n"
end

-- }======

return M
