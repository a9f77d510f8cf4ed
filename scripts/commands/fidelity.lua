-- kdlua fidelity: compare a report (archive or folder) with the live system's files
--
-- kdlua fidelity ARCHIVE_OR_DIR TRUTH_DIR [--json] [--only PATTERN]... [-v]
--
-- Compares each file of a kdlua report (an archive or its unpacked folder)
-- with what the live system showed (TRUTH_DIR), by the rules of
-- scripts/lib/fidelity/rules/*.lua, and prints one row per file and a
-- summary.  Exit 0 when every static file is exact and every drifting one
-- within tolerance, 1 otherwise, 2 on bad usage or input.  No dump needed.

local fidelity = require("fidelity")

local USAGE = [[
usage: kdlua fidelity ARCHIVE_OR_DIR TRUTH_DIR [--json] [--only PATTERN]... [-v]
Compares every file of a kdlua report (.tar.xz/.tar.gz/.tar.zst/.tar or an
unpacked folder) with the live system's files in TRUTH_DIR, by the rules of
scripts/lib/fidelity/rules/*.lua; one row per file: exact, within tolerance,
differs (first differing line, both sides), stub (its reason), missing,
no truth, skipped; then a summary.
  --json          machine-readable rows and summary on stdout
  --only PATTERN  only files whose report path matches the glob (* matches
                  any characters, '/' included); repeatable or comma-separated
  -v              every difference of every file (-vv: also the first one again)
Exit status: 0 every static file exact and every drifting one within
tolerance; 1 otherwise; 2 bad usage or unreadable input.
]]

local command = require("command")
local usage_error = command.usage_error("fidelity")
local args = command.args(...)

local pos, only, as_json = {}, {}, false
local i = 1
while i <= #args do
  local a = args[i]
  if a == "--json" then as_json = true
  elseif a == "--only" then
    i = i + 1
    if not args[i] then usage_error("--only needs a PATTERN") end
    for p in args[i]:gmatch("[^,]+") do only[#only + 1] = p end
  elseif a:match("^%-%-only=") then
    for p in a:sub(8):gmatch("[^,]+") do only[#only + 1] = p end
  elseif a == "-h" or a == "--help" then
    io.write(USAGE)
    os.exit(0)
  elseif a == "-v" or a == "--verbose" then
    KDLUA_VERBOSE = (KDLUA_VERBOSE or 0) + 1
  elseif a:sub(1, 1) == "-" and a ~= "-" then
    usage_error("unknown option " .. a .. " (kdlua fidelity --help)")
  else
    pos[#pos + 1] = a
  end
  i = i + 1
end
if #pos ~= 2 then
  usage_error("need ARCHIVE_OR_DIR and TRUTH_DIR (kdlua fidelity --help)")
end
local input, truth_dir = pos[1], pos[2]
local verbose = (KDLUA_VERBOSE or 0) > 0 and KDLUA_VERBOSE or nil

local shq = fidelity.shq
local tmpdir

local function cleanup()
  if tmpdir then os.execute("rm -rf " .. shq(tmpdir)) end
  tmpdir = nil
end

local function fail_input(msg)
  cleanup()
  usage_error(msg)
end

-- the report's top folder inside a folder: itself when it holds report
-- files, else its only subfolder that does
local function report_root(dir)
  local function looks(d)
    if fidelity.is_dir(d .. "/proc") or fidelity.is_dir(d .. "/sos_commands") then return true end
    local f = io.open(d .. "/version.txt", "r")
    if f then f:close() return true end
    return false
  end
  if looks(dir) then return dir end
  local p = io.popen("find " .. shq(dir) .. " -mindepth 1 -maxdepth 1 -type d 2>/dev/null")
  local subs = {}
  for l in p:lines() do subs[#subs + 1] = l end
  p:close()
  if #subs == 1 and looks(subs[1]) then return subs[1] end
  return nil
end

if not fidelity.is_dir(truth_dir) then
  fail_input(truth_dir .. ": not a folder (TRUTH_DIR)")
end

local root
if fidelity.is_dir(input) then
  root = report_root(input)
  if not root then fail_input(input .. ": not a kdlua report folder (no proc/, sos_commands/ or version.txt)") end
else
  local f = io.open(input, "rb")
  if not f then fail_input(input .. ": no such file or folder") end
  f:close()
  if not (input:match("%.tar%.xz$") or input:match("%.tar%.gz$") or input:match("%.tgz$")
          or input:match("%.tar%.zst$") or input:match("%.tar%.zstd$") or input:match("%.tar$")) then
    fail_input(input .. ": not a report archive (.tar.xz, .tar.gz, .tar.zst or .tar) nor a folder")
  end
  local p = io.popen("mktemp -d \"${TMPDIR:-/tmp}/kdlua-fidelity.XXXXXX\"")
  tmpdir = p:read("l")
  p:close()
  if not tmpdir or tmpdir == "" then fail_input("cannot make a temporary folder") end
  local zstd = (input:match("%.zstd?$") and "--zstd " or "")
  local ok = os.execute("tar " .. zstd .. "-xf " .. shq(input) .. " -C " .. shq(tmpdir) .. " 2>/dev/null")
  if not ok then fail_input(input .. ": cannot unpack the archive") end
  root = report_root(tmpdir)
  if not root then fail_input(input .. ": the archive holds no kdlua report") end
end

local ok, result = pcall(fidelity.run, root, truth_dir, { only = only })
if not ok then
  cleanup()
  local msg = type(result) == "table" and tostring(result.message or result) or tostring(result)
  io.stderr:write("kdlua fidelity: " .. msg .. "\n")
  os.exit(2)
end

if as_json then
  io.write(fidelity.to_json(result, { report = input, truth = truth_dir }))
else
  io.write(fidelity.format_text(result, { verbose = verbose }))
end
io.stdout:flush()
cleanup()
os.exit(result.failing and 1 or 0)
