-- report/json.lua: deterministic JSON (keys sorted bytewise) for
-- manifest.json, sos.json and coverage.json; the encoding itself is done in
-- C with cJSON (bindings/lua_json.c, module kdlua.json).
--
--   json.encode(value [, indent [, depth]])
--                                   indent: spaces per level (sos uses 4;
--                                   the layout of Python's json.dumps);
--                                   depth: as it reads that many levels in
--   json.array(t), json.object(t)   mark a table's shape (an empty table is
--                                   an object unless marked as an array)
--   json.null                       a JSON null inside tables
--
-- Integers print as integers; other numbers with %.17g (no inf/nan: null).
-- Strings that are not UTF-8 have their bytes >= 0x80 read as Latin-1, so
-- the output always parses.  Addresses go in as "0x..." strings by choice of
-- the caller.

local C = require("kdlua.json")

local M = {}

local array_mt = { __json = "array" }
local object_mt = { __json = "object" }
M.null = setmetatable({}, { __json = "null", __tostring = function() return "null" end })

function M.array(t) return setmetatable(t or {}, array_mt) end
function M.object(t) return setmetatable(t or {}, object_mt) end

function M.encode(v, indent, depth) return C.encode(v, indent, depth) end

return M
