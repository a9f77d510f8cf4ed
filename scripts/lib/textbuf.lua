-- textbuf.lua: a big text (every task's backtrace, lsof of 10,000
-- processes) built from many small pieces in about twice its size of
-- memory.
--
--   local textbuf = require("textbuf")
--   local b = textbuf.new()
--   b:add(s) ...            -- append a string
--   return b:result()       -- the text; b is empty again
--
-- table.concat of the pieces holds the pieces, its growing buffer (up to
-- 1.5 times the text) and then the text copied out of that buffer: about
-- 3.5 times the text at its peak (37 MB for foreach_bt's 10.6 MB on a
-- 10,000-task dump).  Here the pieces are joined into chunks of ~64 KiB
-- as they come (one small buffer at a time), and the chunks into the text
-- by Lua's concatenation operator, which sizes its result first and
-- copies every operand into it once: the chunks and the text, twice the
-- text at the peak.

local M = {}

local CHUNK = 64 << 10   -- bytes of pieces joined into one chunk
local MAX_JOIN = 128     -- operands of one `..` (each takes a register)

-- joiners[n](list): list[1] .. ... .. list[n] in one concatenation
local joiners = setmetatable({}, { __index = function(t, n)
  local ops = {}
  for i = 1, n do ops[i] = "t[" .. i .. "]" end
  local f = assert(load("local t = ... return " .. table.concat(ops, " .. "), "=textbuf.join", "t", {}))
  t[n] = f
  return f
end })

local B = {}
B.__index = B

function M.new()
  return setmetatable({ pieces = {}, np = 0, size = 0, chunks = {}, chunk = CHUNK }, B)
end

-- the pieces so far as one chunk
local function flush(b)
  if b.np == 0 then return end
  local chunks = b.chunks
  chunks[#chunks + 1] = table.concat(b.pieces, "", 1, b.np)
  for i = b.np, 1, -1 do b.pieces[i] = nil end
  b.np, b.size = 0, 0
  -- too many chunks for one `..`: pairs of them joined, and the chunks
  -- twice as large from now on (each byte is copied once more per
  -- doubling: a few times for the largest texts)
  if #chunks == MAX_JOIN then
    local half = {}
    for i = 1, MAX_JOIN, 2 do half[#half + 1] = chunks[i] .. chunks[i + 1] end
    b.chunks = half
    b.chunk = b.chunk * 2
  end
end

function B:add(s)
  local np = self.np + 1
  self.pieces[np] = s
  self.np = np
  self.size = self.size + #s
  if self.size >= self.chunk then flush(self) end
end

function B:result()
  flush(self)
  local chunks = self.chunks
  self.chunks, self.chunk = {}, CHUNK
  local n = #chunks
  if n == 0 then return "" end
  if n == 1 then return chunks[1] end
  return joiners[n](chunks)
end

return M
