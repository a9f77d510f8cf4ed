-- report/json.lua: a deterministic JSON encoder (keys sorted bytewise),
-- enough for manifest.json, sos.json and coverage.json.
--
--   json.encode(value [, indent])   indent: spaces per level (sos uses 4)
--   json.array(t), json.object(t)   mark a table's shape (an empty table is
--                                   an object unless marked as an array)
--   json.null                       a JSON null inside tables
--
-- Integers print as integers; other numbers with %.17g (no inf/nan: null).
-- Strings must be UTF-8; invalid bytes are escaped as \u00XX (Latin-1), so
-- the output always parses.  Addresses go in as "0x..." strings by choice of
-- the caller.

local M = {}

local array_mt = { __json = "array" }
local object_mt = { __json = "object" }
M.null = setmetatable({}, { __json = "null", __tostring = function() return "null" end })

function M.array(t) return setmetatable(t or {}, array_mt) end
function M.object(t) return setmetatable(t or {}, object_mt) end

local escapes = {
  ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f",
  ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t",
}

local function quote(s)
  local utf = utf8.len(s)
  s = s:gsub('[%c"\\]', function(c)
    return escapes[c] or string.format("\\u%04x", c:byte())
  end)
  if not utf then
    -- not UTF-8: escape every byte >= 0x80 as a Latin-1 code point
    s = s:gsub("[\128-\255]", function(c) return string.format("\\u%04x", c:byte()) end)
  end
  return '"' .. s .. '"'
end

local function is_array(t)
  local mt = getmetatable(t)
  if mt and mt.__json then return mt.__json == "array" end
  local n = 0
  for k in pairs(t) do
    if math.type(k) ~= "integer" or k < 1 then return false end
    n = n + 1
  end
  if n == 0 then return false end
  for i = 1, n do if t[i] == nil then return false end end
  return true
end

local function encode(v, indent, depth, out)
  local tv = type(v)
  if v == nil or v == M.null then
    out[#out + 1] = "null"
  elseif tv == "boolean" then
    out[#out + 1] = v and "true" or "false"
  elseif tv == "number" then
    if math.type(v) == "integer" then
      out[#out + 1] = tostring(v)
    elseif v ~= v or v == math.huge or v == -math.huge then
      out[#out + 1] = "null"
    elseif v == math.floor(v) and math.abs(v) < 2^53 then
      out[#out + 1] = string.format("%.1f", v)
    else
      out[#out + 1] = string.format("%.17g", v)
    end
  elseif tv == "string" then
    out[#out + 1] = quote(v)
  elseif tv == "table" then
    if depth > 100 then error("json.encode: nesting too deep (a cycle?)") end
    local nl, pad, pad_in = "", "", ""
    if indent then
      nl = "\n"
      pad = string.rep(" ", indent * depth)
      pad_in = string.rep(" ", indent * (depth + 1))
    end
    local sep = indent and "," or ", "
    if is_array(v) then
      if #v == 0 then out[#out + 1] = "[]" return end
      out[#out + 1] = "[" .. nl
      for i = 1, #v do
        out[#out + 1] = pad_in
        encode(v[i], indent, depth + 1, out)
        out[#out + 1] = (i < #v and sep or "") .. nl
      end
      out[#out + 1] = pad .. "]"
    else
      local keys = {}
      for k in pairs(v) do
        if type(k) ~= "string" and type(k) ~= "number" then
          error("json.encode: key of type " .. type(k))
        end
        keys[#keys + 1] = tostring(k)
      end
      table.sort(keys)
      if #keys == 0 then out[#out + 1] = "{}" return end
      out[#out + 1] = "{" .. nl
      for i, k in ipairs(keys) do
        local val = v[k]
        if val == nil then val = v[tonumber(k)] end
        out[#out + 1] = pad_in .. quote(k) .. ": "
        encode(val, indent, depth + 1, out)
        out[#out + 1] = (i < #keys and sep or "") .. nl
      end
      out[#out + 1] = pad .. "}"
    end
  else
    error("json.encode: cannot encode a " .. tv)
  end
end

function M.encode(v, indent)
  local out = {}
  encode(v, indent, 0, out)
  return table.concat(out)
end

return M
