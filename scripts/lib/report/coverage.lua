-- report/coverage.lua: sos_reports/coverage.json -- for every path a real
-- sos report has for the enabled plugins (report/sos_paths.lua), whether
-- this report holds it for real, as a stub, as a failed emitter's file, or
-- not at all ("missing").
--
-- Patterns ("dir/", "*", "{pid}") stand for several files: their status is
-- the best one among them (real > stub > failed), with counts beside.

local json = require("report.json")
local util = require("report.util")

local M = {}

local RANK = { real = 3, stub = 2, failed = 1 }

local function glob_pattern(entry)
  local p = entry:gsub("[%^%$%(%)%%%.%[%]%+%-%?]", "%%%0"):gsub("%*", "[^/]*")
  return "^" .. p .. "$"
end

-- first index of `list` whose path is >= s
local function lower_bound(list, s)
  local lo, hi = 1, #list + 1
  while lo < hi do
    local mid = (lo + hi) // 2
    if list[mid] < s then lo = mid + 1 else hi = mid end
  end
  return lo
end

-- produced: path -> "real"|"stub"|"failed" (files and root symlinks);
-- sorted: its paths, sorted, so that the paths under a directory or a
-- glob's fixed start are one run of the list, found by bisection (a scan
-- of all ~2000 paths per entry was a fifth of the report's serial tail;
-- the runs rely on byte-wise order: util.sorted_keys); templates: emitter
-- path template -> {real=n, stub=n, failed=n}
local function status_of(entry, produced, sorted, templates)
  local counts
  if entry:find("{", 1, true) then
    counts = templates[entry]
  elseif entry:sub(-1) == "/" or entry:find("*", 1, true) then
    local star = entry:find("*", 1, true)
    local pat = star and glob_pattern(entry)
    local prefix = star and entry:sub(1, star - 1) or entry
    counts = {}
    for i = lower_bound(sorted, prefix), #sorted do
      local path = sorted[i]
      if path:sub(1, #prefix) ~= prefix then break end
      if not pat or path:find(pat) then
        local st = produced[path]
        counts[st] = (counts[st] or 0) + 1
      end
    end
    if next(counts) == nil then counts = nil end
  else
    local st = produced[entry]
    return st or "missing", nil
  end
  if not counts then return "missing", nil end
  local best, rank = "missing", 0
  for st, n in pairs(counts) do
    if n > 0 and (RANK[st] or 0) > rank then best, rank = st, RANK[st] end
  end
  return best, counts
end

-- Which paths compute() can look at: coverage finds a path by a plain
-- entry or under a "dir/" or "*" entry; the files of a per-task template
-- ("{pid}") it counts through the template.  So the files of `each`
-- emitters (190,000 on a machine of 10,000 tasks, which the report would
-- otherwise hold until the end) need a place in `produced` only where such
-- an entry of any plugin could see them.  needed(expected) gives
-- keep(template, path) -> boolean.
function M.needed(expected)
  local plain, prefixes = {}, {}
  for _, list in pairs(expected) do
    for _, entry in ipairs(list) do
      if entry:find("{", 1, true) then
        -- counted by template
      elseif entry:sub(-1) == "/" or entry:find("*", 1, true) then
        local star = entry:find("*", 1, true)
        prefixes[#prefixes + 1] = star and entry:sub(1, star - 1) or entry
      else
        plain[entry] = true
      end
    end
  end
  local near = {}   -- template -> the prefixes its files could fall under
  return function(template, path)
    local rel = near[template]
    if not rel then
      rel = {}
      local fixed = template:match("^[^{]*")
      for _, p in ipairs(prefixes) do
        if p:sub(1, #fixed) == fixed or fixed:sub(1, #p) == p then rel[#rel + 1] = p end
      end
      near[template] = rel
    end
    if plain[path] then return true end
    for _, p in ipairs(rel) do
      if path:sub(1, #p) == p then return true end
    end
    return false
  end
end

-- expected: plugin -> list of entries; enabled: set of plugin names
function M.compute(expected, enabled, produced, templates)
  local doc = { plugins = {}, totals = { real = 0, stub = 0, failed = 0, missing = 0, expected = 0 } }
  local names = {}
  local sorted = util.sorted_keys(produced)
  for name in pairs(expected) do if enabled[name] then names[#names + 1] = name end end
  table.sort(names)
  for _, name in ipairs(names) do
    local paths, groups = {}, {}
    local sums = { real = 0, stub = 0, failed = 0, missing = 0 }
    for _, entry in ipairs(expected[name]) do
      local st, counts = status_of(entry, produced, sorted, templates)
      paths[entry] = st
      if counts then groups[entry] = counts end
      sums[st] = sums[st] + 1
      doc.totals[st] = doc.totals[st] + 1
      doc.totals.expected = doc.totals.expected + 1
    end
    doc.plugins[name] = { paths = paths, summary = sums,
                          instances = next(groups) and groups or json.object() }
  end
  doc.plugins = json.object(doc.plugins)
  return doc
end

function M.summary_line(doc)
  local t = doc.totals
  return string.format("coverage: %d paths of a sos report for the enabled plugins: "
    .. "%d real, %d stub, %d failed, %d missing", t.expected, t.real, t.stub, t.failed, t.missing)
end

return M
