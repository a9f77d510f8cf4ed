-- kd.format: the same text as string.format for every conversion it takes
-- (the /proc formatters swap one for the other and must print the same
-- bytes), an error for the conversions it leaves to string.format.

local INTS = { 0, 1, -1, 7, 8, 9, 10, 15, 16, 99, 100, 255, 256, 4095, 65535, 0x7fffffff,
  -0x80000000, 0xffffffff, 1 << 32, 123456789012, -123456789012, math.maxinteger,
  math.mininteger, math.maxinteger - 1, math.mininteger + 1, 1e15 // 1, 3.0 }

local INT_SPECS = { "%d", "%i", "%u", "%x", "%X", "%o", "%8d", "%08d", "%-8d|", "%02x",
  "%016x", "%#x", "%#o", "%#04o", "%+d", "% d", "%.3d", "%5.3d", "%-016x|", "%99d", "%099x",
  "%8u", "%-5u|", "%08X", "%1d", "%2u" }

test("integer conversions print what string.format prints", function()
  local n = 0
  for _, spec in ipairs(INT_SPECS) do
    for _, v in ipairs(INTS) do
      local want = string.format(spec, v)
      eq(kd.format(spec, v), want, spec .. " of " .. tostring(v))
      n = n + 1
    end
  end
  ok(n > 500, n .. " cases")
end)

test("strings, characters, percent signs and literal text", function()
  local specs = { "%s", "%5s|", "%-5s|", "%.2s", "%10.3s|", "%c", "%-3c|", "%%", "a%%b%sc" }
  local vals = { "", "x", "hello", "with\nnewline", 42, -7, true, false, 2.5, 0x41 }
  for _, spec in ipairs(specs) do
    for _, v in ipairs(vals) do
      local okw, want = pcall(string.format, spec, v)
      local okg, got = pcall(kd.format, spec, v)
      if okw then
        ok(okg, spec .. " of " .. tostring(v) .. ": " .. tostring(got))
        eq(got, want, spec .. " of " .. tostring(v))
      else
        ok(not okg, spec .. " of " .. tostring(v) .. " should fail as string.format does")
      end
    end
  end
  local long = string.rep("y", 150)
  eq(kd.format("[%5s]", long), string.format("[%5s]", long), "a long string with a width")
  eq(kd.format("%s", nil), "nil")
  eq(kd.format("no conversions"), "no conversions")
  eq(kd.format(""), "")
  local t = setmetatable({}, { __tostring = function() return "TOSTR" end })
  eq(kd.format("<%s>", t), "<TOSTR>", "__tostring")
end)

test("a /proc line of many values", function()
  local f = "%d (%s) %c %d %u %x\t%8d kB\n"
  local args = { 1234, "bash", 83, -1, -1, 0xdeadbeef, 4096 }
  eq(kd.format(f, table.unpack(args)), string.format(f, table.unpack(args)))
end)

test("errors: a missing value, a non-integer, an unsupported conversion", function()
  raises(function() kd.format("%d %d", 1) end, "no value")
  raises(function() kd.format("%d", 1.5) end, "number")
  raises(function() kd.format("%d", "x") end, "number")
  raises(function() kd.format("%f", 1.5) end, "not supported")
  raises(function() kd.format("%q", "x") end, "not supported")
  raises(function() kd.format("%123d", 1) end, "invalid conversion")
  raises(function() kd.format("%", 1) end, "")
end)

-- string.format's spec check (lstrlib.c checkformat/getformat): a width
-- cannot start with '0' where '0' is no flag (%s, %c), and a spec takes
-- at most 21 characters after the '%' (repeated flags included)
test("specs accepted and refused exactly where string.format does", function()
  local specs = { "%05s", "%-05s", "%05c", "%0s", "%-0s", "%0c", "%0.s", "%-0c", "%0-5d",
                  "%-08d|", "%5.3s|" }
  for n = 12, 24 do specs[#specs + 1] = "%" .. string.rep("-", n) .. "5d|" end
  for _, spec in ipairs(specs) do
    local v = spec:find("[sc]") and 65 or 7
    if spec:find("s") then v = "abc" end
    local okw, want = pcall(string.format, spec, v)
    local okg, got = pcall(kd.format, spec, v)
    eq(okg, okw, spec .. ": kd.format " .. (okg and "took" or "refused") .. " it: " .. tostring(got))
    if okw then eq(got, want, spec) end
  end
end)
