-- report/util.lua: small helpers shared by the report host and emitters.

local M = {}

-- sos's command-to-file-name mangling (sos/report/plugins/__init__.py,
-- _mangle_command): drop a leading /bin/, /sbin/, /usr/bin/ or /usr/sbin/,
-- turn every run of characters other than [A-Za-z0-9_.-/] into "_", then
-- "/" into ".", and strip " ._-" from both ends.  "uname -a" -> "uname_-a",
-- "ls -lt /sys/kernel/slab" -> "ls_-lt_.sys.kernel.slab".
function M.mangle(cmd)
  local s = cmd:gsub("^/usr/s?bin/", ""):gsub("^/s?bin/", "")
  s = s:gsub("[^%w_%-%./]+", "_"):gsub("/", ".")
  s = s:gsub("^[ %._%-]+", ""):gsub("[ %._%-]+$", "")
  return s:sub(1, 255)
end

-- the kernel's cpulist format ("%*pbl")
M.cpulist = require("kernel.util").cpulist

-- "a,b, c" -> {"a","b","c"} (empty items dropped)
function M.split_list(s)
  local out = {}
  for item in (s or ""):gmatch("[^,]+") do
    item = item:match("^%s*(.-)%s*$")
    if item ~= "" then out[#out + 1] = item end
  end
  return out
end

function M.set(list)
  local s = {}
  for _, v in ipairs(list or {}) do s[v] = true end
  return s
end

-- the keys of t, sorted (plugin names, archive paths: strings compared
-- byte-wise, as kdlua never sets LC_COLLATE)
function M.sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys)
  return keys
end

-- Python's str(datetime): "2026-11-24 02:29:11.588556" (local time), the
-- form sos uses in manifest.json
function M.datetime(t)
  local sec = math.floor(t)
  local usec = math.floor((t - sec) * 1e6 + 0.5)
  if usec >= 1000000 then sec, usec = sec + 1, usec - 1000000 end
  local s = os.date("%Y-%m-%d %H:%M:%S", sec)
  if usec ~= 0 then s = s .. string.format(".%06d", usec) end
  return s
end

-- Python's str(timedelta) for a non-negative duration: "0:00:08.880131"
function M.timedelta(d)
  if d < 0 then d = 0 end
  local usec_total = math.floor(d * 1e6 + 0.5)
  local sec, usec = usec_total // 1000000, usec_total % 1000000
  local days = sec // 86400
  sec = sec % 86400
  local s = string.format("%d:%02d:%02d", sec // 3600, (sec % 3600) // 60, sec % 60)
  if usec ~= 0 then s = s .. string.format(".%06d", usec) end
  if days > 0 then s = string.format("%d day%s, %s", days, days == 1 and "" or "s", s) end
  return s
end

-- the log timestamp of Python's logging: "2026-11-24 02:29:11,588"
function M.logtime(t)
  local sec = math.floor(t)
  local ms = math.floor((t - sec) * 1000)
  return os.date("%Y-%m-%d %H:%M:%S", sec) .. string.format(",%03d", ms)
end

-- sos's get_human_readable: 1024-based, two decimals: "1.23MiB"
function M.human_size(n)
  local suffixes = { "B", "KiB", "MiB", "GiB", "TiB" }
  local i, size = 1, n + 0.0
  while size > 1024 and i < #suffixes do
    size = size / 1024
    i = i + 1
  end
  return string.format("%.2f%s", size, suffixes[i])
end

-- `n` random letters a-z from /dev/urandom (math.random as a fallback)
function M.random_letters(n)
  local f = io.open("/dev/urandom", "rb")
  local bytes = f and f:read(n * 2)
  if f then f:close() end
  local out = {}
  for i = 1, n do
    local b
    if bytes and #bytes >= i then b = bytes:byte(i) else b = math.random(0, 255) end
    out[i] = string.char(97 + b % 26)
  end
  return table.concat(out)
end

-- first line of an error message, without the traceback
function M.first_line(msg)
  msg = tostring(msg)
  return (msg:match("^([^\n]*)") or msg)
end

-- what a library's `text, note [, incomplete lines]` answer becomes as an
-- emitter's result: nothing (the note is the failure's reason), a stub
-- with what could be read, a partial file, or the text itself.  The
-- kernel libraries answer so where part of a file can be missing
-- (kernel/net_*.lua, kernel/mount.lua).  An
-- emitter passes its own `stub` and `partial`:
--   local result = require("report.util").result_maker(stub, partial)
function M.result_maker(stub, partial)
  return function(text, note, plines)
    if text == nil then return nil, note end
    if note then return stub(note, text) end
    if plines and #plines > 0 then return partial(text, plines) end
    return text
  end
end

return M
