-- kdlua-test: dump=kfx
-- report.json (kdlua.json, cJSON underneath): the layout of Python's
-- json.dumps(indent=4, sort_keys=True) that sos writes, exact numbers, and
-- text that always parses.
local json = require("report.json")

test("layout: sorted keys, 4-space indent, empty containers inline", function()
  local v = { b = 1, a = json.array({ 1, "x", true, json.null }), c = {}, d = json.array() }
  eq(json.encode(v, 4), [[
{
    "a": [
        1,
        "x",
        true,
        null
    ],
    "b": 1,
    "c": {},
    "d": []
}]], "indented")
  eq(json.encode(v), '{"a": [1, "x", true, null], "b": 1, "c": {}, "d": []}', "compact")
  -- as it reads two levels into an enclosing value: lines after the first
  -- 8 spaces further in
  eq(json.encode({ k = json.array({ 1 }) }, 4, 2), '{\n            "k": [\n                1\n            ]\n        }',
     "depth 2")
  eq(json.encode({ k = 1 }, nil, 3), '{"k": 1}', "depth without indent")
end)

test("numbers: 64-bit integers exact, floats round-trip, no inf/nan", function()
  eq(json.encode(json.array({ math.maxinteger, math.mininteger, 0, -1 })),
     "[9223372036854775807, -9223372036854775808, 0, -1]", "integers")
  eq(json.encode(json.array({ 3.0, 0.1, 1e300, 1 / 0, 0 / 0 })),
     "[3.0, 0.10000000000000001, 1.0000000000000001e+300, null, null]", "floats")
end)

test("strings: escapes, UTF-8 kept, other bytes read as Latin-1, NUL kept", function()
  eq(json.encode('q"b\\s/\n\t\1'), '"q\\"b\\\\s/\\n\\t\\u0001"', "escapes")
  eq(json.encode("é→"), '"é→"', "UTF-8 as is")
  eq(json.encode("\xe9t\xe9"), '"\xc3\xa9t\xc3\xa9"', "Latin-1 bytes as U+00E9")
  eq(json.encode("a\0b"), '"a\\u0000b"', "NUL")
  eq(json.encode({ ["k\xff"] = 1, ["n\0l"] = 2 }), '{"k\xc3\xbf": 1, "n\xef\xbf\xbdl": 2}',
     "keys: Latin-1 bytes, NUL as U+FFFD")
end)

test("shapes: plain tables, numeric keys, markers", function()
  eq(json.encode({ 1, 2, 3 }), "[1, 2, 3]", "a sequence is an array")
  eq(json.encode({ [1] = "a", [3] = "c" }), '{"1": "a", "3": "c"}', "a gap makes an object")
  eq(json.encode({ 10, 20, x = 1 }), '{"1": 10, "2": 20, "x": 1}', "mixed keys: object")
  eq(json.encode(json.object({ 7 })), '{"1": 7}', "marked object")
  eq(json.encode({}), "{}", "empty table")
  eq(json.encode(json.null), "null", "null")
end)

test("errors: functions, odd keys, cycles", function()
  raises(function() json.encode({ f = print }) end, "cannot encode a function")
  raises(function() json.encode({ [true] = 1 }) end, "key of type boolean")
  local t = {}
  t.self = t
  raises(function() json.encode(t) end, "nesting too deep")
end)

test("deterministic: the same table encodes the same whatever its history", function()
  local a, b = {}, {}
  for i = 1, 200 do a["k" .. i] = i end
  for i = 200, 1, -1 do b["k" .. i] = i end
  eq(json.encode(a, 4), json.encode(b, 4), "insertion order does not matter")
end)
