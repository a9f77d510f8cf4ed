-- report/books.lua: the report's own bookkeeping -- sos_reports/sos.txt,
-- sos_reports/sos.json and the plugins of sos_reports/manifest.json --
-- written plugin by plugin as each plugin's results are committed.
--
--   local b = books.new(names, expand)
--                                 names: the enabled plugins, sorted (the
--                                 order their results are committed in);
--                                 expand(item): the paths a non-string item
--                                 of a list of files stands for
--   b:plugin(name, md, section)   one plugin, in that order: md its manifest
--                                 entry, section its {commands, copied_files
--                                 (paths and items), alerts}; serialised
--                                 now, so the caller drops both
--   b:write(a, manifest)          the three files into archive a; the
--                                 manifest's components.report.plugins is
--                                 filled in here
--
-- Why: on a machine of 10,000 tasks the report copies 190,000 files, each
-- listed three times; kept as tables until the end (as they were), those
-- lists and the JSON made from them at once were 150 MB of this process.
-- Each plugin's text now waits in an unlinked temporary file and goes into
-- the archive in pieces.  The text is byte for byte what json.encode(v, 4)
-- makes of the whole (Python's json.dumps layout, keys sorted): a value
-- encoded alone and indented by its depth, strings escaped as json.encode
-- does.

local json = require("report.json")

local M = {}
local Books = {}
Books.__index = Books

-- the manifest's plugins object sits at this depth (manifest >
-- components > report > plugins): each plugin's entry is one level in
local PLUGINS_DEPTH = 3
local PLACEHOLDER = "\1kdlua-plugins"

local indents = {}
local function ind(d)
  local s = indents[d]
  if not s then
    s = string.rep(" ", 4 * d)
    indents[d] = s
  end
  return s
end

-- json.encode(v, 4) as it reads `depth` levels in
local function enc(v, depth) return json.encode(v, 4, depth) end

-- characters json.encode escapes (or may: bytes past ASCII)
local SPECIAL = '[%z\1-\31"\\\127-\255]'

-- a JSON string: plain ASCII as it is, anything else as json.encode has it
local function jstr(s)
  if s:find(SPECIAL) then return json.encode(s) end
  return '"' .. s .. '"'
end

-- Lists of paths (a section's copied_files, a spec's files_copied) hold
-- strings and, for the files of a per-task emitter, the unit that made
-- them: expand(item) lists its paths (report/init.lua).  A report of
-- 10,000 tasks held 164,000 such paths twice until the process plugin
-- ended (~15 MB); they are made again here, once per list written.
--
-- write_paths writes each path p of such a list as pre .. p .. post (with
-- mid: pre .. p .. mid .. p .. post), or as special(p) when p holds
-- characters JSON escapes, joined by sep, 512 at a time.
local function write_paths(out, list, expand, sep, pre, post, special, mid)
  local buf, n, first = {}, 0, true
  local function flush()
    if n == 0 then return end
    out:write(first and "" or sep, table.concat(buf, sep, 1, n))
    first, n = false, 0
  end
  local one = {}
  for _, item in ipairs(list) do
    local ps
    if type(item) == "string" then one[1] = item; ps = one else ps = expand(item) end
    for _, p in ipairs(ps) do
      n = n + 1
      if special and p:find(SPECIAL) then buf[n] = special(p)
      elseif mid then buf[n] = pre .. p .. mid .. p .. post
      else buf[n] = pre .. p .. post end
      if n == 512 then flush() end
    end
  end
  flush()
end

-- A list of strings as json.encode(json.array(list), 4) lays it out
-- `depth` levels in, written to out in batches.  A per-task spec of a
-- machine of 10,000 tasks lists 10,000 paths: through cJSON (a node and a
-- copy per string, then the indenting gsub over the text) it cost several
-- times this.
local function write_strings(out, list, depth, expand)
  if #list == 0 then
    out:write("[]")
    return
  end
  local lead = ind(depth + 1)
  out:write("[\n")
  write_paths(out, list, expand, ",\n", lead .. '"', '"',
              function(p) return lead .. json.encode(p) end)
  out:write("\n", ind(depth), "]")
end

function M.new(names, expand)
  local b = setmetatable({ names = names, n = 0, pieces = {}, expand = expand }, Books)
  b.txt, b.json, b.md = io.tmpfile(), io.tmpfile(), io.tmpfile()
  if not (b.txt and b.json and b.md) then
    -- no temporary files: the same text, in memory
    local function mem()
      local parts = {}
      return { write = function(self, ...) for _, s in ipairs({ ... }) do parts[#parts + 1] = s end return self end,
               parts = parts }
    end
    b.txt, b.json, b.md = mem(), mem(), mem()
  end
  return b
end

-- sos.txt's block of one plugin: each line after a newline (the process
-- plugin's block of 10,000 tasks is 4 MB, written in pieces)
local function txt_block(out, name, s, expand)
  out:write("\n", string.rep("=", 72), "\n", name)
  local function lines(title, list, prefix)
    if #list == 0 then return end
    local t = { "\n", title }
    for _, x in ipairs(list) do t[#t + 1] = "\n" .. prefix .. x end
    out:write(table.concat(t))
  end
  local names = {}
  for k, c in ipairs(s.commands) do names[k] = c.name end
  lines("-  commands executed:", names, "  * ")
  if #s.copied_files > 0 then
    out:write("\n-  files copied:")
    write_paths(out, s.copied_files, expand, "", "\n  * /", "")
  end
  lines("-  alerts:", s.alerts, "  ! ")
end

-- sos.json's [name, section] of one plugin, as an element of the outer array
local function json_entry(out, name, s, expand)
  out:write(ind(1), "[\n", ind(2), jstr(name), ",\n", ind(2))
  local keys = {}
  if #s.alerts > 0 then keys[#keys + 1] = '"alerts": ' .. enc(json.array(s.alerts), 3) end
  if #s.commands > 0 then keys[#keys + 1] = '"commands": ' .. enc(json.array(s.commands), 3) end
  if #keys == 0 and #s.copied_files == 0 then
    out:write("{}")
  else
    out:write("{\n", ind(3), table.concat(keys, ",\n" .. ind(3)))
    if #s.copied_files > 0 then
      if #keys > 0 then out:write(",\n", ind(3)) end
      out:write('"copied_files": [\n')
      local i4, i5 = ind(4), ind(5)
      local open_href = i4 .. "{\n" .. i5 .. '"href": '
      local to_name = ",\n" .. i5 .. '"name": '
      local close = "\n" .. i4 .. "}"
      local open_plain = open_href .. '"../'
      local plain_to_name = '"' .. to_name .. '"/'
      local close_plain = '"' .. close
      write_paths(out, s.copied_files, expand, ",\n", open_plain, close_plain,
                  function(p) return open_href .. jstr("../" .. p) .. to_name .. jstr("/" .. p) .. close end,
                  plain_to_name)
      out:write("\n", ind(3), "]")
    end
    out:write("\n", ind(2), "}")
  end
  out:write("\n", ind(1), "]")
end

-- the manifest's "name": {md} of one plugin; its specs one by one
local function md_entry(out, name, md, expand)
  local d = PLUGINS_DEPTH + 1
  local files = md.files
  md.files = "\1kdlua-files"
  local text = enc(md, d)
  md.files = files
  local at, stop = text:find('"\\u0001kdlua-files"', 1, true)
  out:write(ind(d), jstr(name), ": ", text:sub(1, at - 1))
  if #files == 0 then
    out:write("[]")
  else
    out:write("[\n")
    for k, spec in ipairs(files) do
      -- the spec's own keys through json.encode, its list of files here
      local copied = spec.files_copied
      spec.files_copied = "\1kdlua-copied"
      local text = enc(spec, d + 2)
      spec.files_copied = copied
      local at, stop = text:find('"\\u0001kdlua-copied"', 1, true)
      out:write(ind(d + 2), text:sub(1, at - 1))
      write_strings(out, copied, d + 3, expand)
      out:write(text:sub(stop + 1), k < #files and ",\n" or "\n")
    end
    out:write(ind(d + 1), "]")
  end
  out:write(text:sub(stop + 1))
end

function Books:plugin(name, md, section)
  -- (a unit's paths are made again for each of the three files: kept
  -- for all three, the process plugin's of 10,000 tasks took ~25 MB of
  -- heap, which the 10 MB results after it then came on top of)
  local paths_of = self.expand
  self.n = self.n + 1
  local first = self.n == 1
  txt_block(self.txt, name, section, paths_of)
  if not first then self.json:write(",\n") end
  json_entry(self.json, name, section, paths_of)
  if not first then self.md:write(",\n") end
  md_entry(self.md, name, md, paths_of)
end

-- copy a temporary file (or the parts in memory) into the open archive file
local function copy(a, f)
  if f.parts then
    for _, s in ipairs(f.parts) do assert(a:file_append(s)) end
    return
  end
  f:seek("set", 0)
  while true do
    local c = f:read(1 << 20)
    if not c then break end
    assert(a:file_append(c))
  end
  f:close()
end

local function open(a, path)
  local ok, err = a:file_open(path)
  if not ok then error("cannot add " .. path .. ": " .. tostring(err), 3) end
end

function Books:write_txt(a)
  local line = ""
  for i, name in ipairs(self.names) do
    line = line .. "  " .. name
    if i % 5 == 0 and i < #self.names then line = line .. "\n" end
  end
  open(a, "sos_reports/sos.txt")
  assert(a:file_append("Loaded Plugins:\n", line))
  copy(a, self.txt)
  a:file_close()
end

function Books:write_json(a)
  open(a, "sos_reports/sos.json")
  if self.n == 0 then
    assert(a:file_append("[]"))
  else
    assert(a:file_append("[\n"))
    copy(a, self.json)
    assert(a:file_append("\n]"))
  end
  a:file_close()
end

-- manifest.components.report.plugins is set here
function Books:write_manifest(a, manifest)
  manifest.components.report.plugins = PLACEHOLDER
  local text = json.encode(manifest, 4)
  local at, stop = text:find('"\\u0001kdlua-plugins"', 1, true)
  local line_start = text:sub(1, at):match(".*\n()") or 1
  assert(at - line_start == #ind(PLUGINS_DEPTH) + #'"plugins": ',
         "manifest.json: the plugins are not where books.lua puts them")
  open(a, "sos_reports/manifest.json")
  assert(a:file_append(text:sub(1, at - 1)))
  if self.n == 0 then
    assert(a:file_append("{}"))
  else
    assert(a:file_append("{\n"))
    copy(a, self.md)
    assert(a:file_append("\n", ind(PLUGINS_DEPTH), "}"))
  end
  assert(a:file_append(text:sub(stop + 1)))
  a:file_close()
end

return M
