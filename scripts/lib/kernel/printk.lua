-- kernel/printk.lua: the kernel log buffer.
--
-- 5.10+ lockless ringbuffer (kernel/printk/printk_ringbuffer.[ch]): `prb`
-- points to a struct printk_ringbuffer with a descriptor ring (state_var =
-- id | state << 62, text_blk_lpos {begin, next}), a parallel array of
-- struct printk_info, and a text data ring of blocks "unsigned long id;
-- char data[]" (a block that would wrap is stored whole at offset 0).
-- Older kernels: `log_buf` of struct printk_log records (best effort).
--
-- Records: { seq, ts_nsec, level, facility, flags, caller_id, text }.
--
-- Mirrors: kernel/printk/printk_ringbuffer.c,
--   kernel/printk/printk_ringbuffer.h, kernel/printk/printk.c

local M = {}

local sym = require("kernel.util").symbol_or_nil

local function val(o)
  if type(o) == "number" then return o end
  return o:value_()
end

-- {====== lockless ringbuffer (5.10+) ======

local desc_committed, desc_finalized, desc_reusable = 1, 2, 3

local function info_layout()
  local t = kd.type("struct printk_info")
  local function off(name) return t:member(name) end
  local lvl, fl = off("level"), off("flags")
  return {
    size = t.size,
    seq = off("seq").offset,
    ts = off("ts_nsec").offset,
    text_len = off("text_len").offset,
    facility = off("facility").offset,
    level_bit = lvl.bit_offset, level_bits = lvl.bit_size ~= 0 and lvl.bit_size or 8,
    flags_bit = fl.bit_offset, flags_bits = fl.bit_size ~= 0 and fl.bit_size or 8,
    caller = t:has_member("caller_id") and off("caller_id").offset or nil,
  }
end

-- read a bitfield (little endian) from a string at a bit offset (0-based)
local function bits(s, bit_off, nbits)
  local byte = bit_off // 8
  local v = string.unpack("<I4", s .. "\0\0\0\0", byte + 1) -- pad for the tail
  return (v >> (bit_off % 8)) & ((1 << nbits) - 1)
end

-- the same from a string padded by at least 3 bytes past its last bitfield
local unpack = string.unpack
local function bits_at(s, bit_off, nbits)
  local v = unpack("<I4", s, bit_off // 8 + 1)
  return (v >> (bit_off % 8)) & ((1 << nbits) - 1)
end

local function prb_records(prb, opts)
  local dr, tr = prb.desc_ring, prb.text_data_ring
  local count_bits, size_bits = dr.count_bits, tr.size_bits
  local count = 1 << count_bits
  local dsize = 1 << size_bits
  local desc_t = kd.type("struct prb_desc")
  local desc_size = desc_t.size
  local sv_off = desc_t:member("state_var").offset
  local begin_off = desc_t:member("text_blk_lpos.begin").offset
  local next_off = desc_t:member("text_blk_lpos.next").offset
  local li = info_layout()

  -- bulk reads: three arrays, each read once
  local descs = kd.read(dr.descs:value_(), count * desc_size)
  -- (padded: bits_at reads 4 bytes from a bitfield's first byte)
  local infos = kd.read(dr.infos:value_(), count * li.size) .. "\0\0\0\0"
  local data = kd.read(tr.data:value_(), dsize)

  local head_id = val(dr.head_id.counter)
  local tail_id = val(dr.tail_id.counter)
  local ID_MASK = ~(3 << 62)
  local id_bits_mask = ID_MASK

  local recs = {}
  local id = tail_id
  local guard = 0
  while true do
    local i = id & (count - 1)
    local d = i * desc_size
    local sv = string.unpack("<i8", descs, d + sv_off + 1)
    local state = (sv >> 62) & 3
    local did = sv & ID_MASK
    if did == (id & id_bits_mask) and
       (state == desc_finalized or state == desc_committed or
        (opts and opts.reusable and state == desc_reusable)) then
      -- the record's printk_info, unpacked in place (no copy of it)
      local ib = i * li.size
      local seq = unpack("<I8", infos, ib + li.seq + 1)
      local ts = unpack("<I8", infos, ib + li.ts + 1)
      local text_len = unpack("<I2", infos, ib + li.text_len + 1)
      local facility = unpack("<I1", infos, ib + li.facility + 1)
      local level = bits_at(infos, ib * 8 + li.level_bit, li.level_bits)
      local flags = bits_at(infos, ib * 8 + li.flags_bit, li.flags_bits)
      local caller = li.caller and unpack("<I4", infos, ib + li.caller + 1) or 0
      local b = string.unpack("<I8", descs, d + begin_off + 1)
      local n = string.unpack("<I8", descs, d + next_off + 1)
      local text
      if (b & 1) == 1 and (n & 1) == 1 then
        text = (b == 3 and n == 3) and "" or nil   -- NO_LPOS: empty; else lost
      else
        local bw, nw = b >> size_bits, n >> size_bits
        local start, size
        if bw == nw and b < n then
          start, size = b & (dsize - 1), n - b
        elseif ((b + dsize) >> size_bits) == nw then
          start, size = 0, n & (dsize - 1)
        end
        if start and size >= 8 then
          size = size - 8     -- the block's id word
          if text_len <= size then
            text = data:sub(start + 8 + 1, start + 8 + text_len)
          end
        end
      end
      if text ~= nil or (opts and opts.keep_lost) then
        recs[#recs + 1] = { seq = seq, ts_nsec = ts, text_len = text_len, facility = facility,
                            level = level, flags = flags, caller_id = caller, text = text or "",
                            state = state }
      end
    end
    if id == head_id then break end
    id = (id + 1) & ID_MASK
    guard = guard + 1
    if guard > count then break end
  end
  -- the ring is walked from the tail id, so the records come in sequence
  -- order unless ids wrapped oddly: sorted only then (the comparator
  -- sort was ~8% of reading the 6.1 fixture's ring)
  for i = 2, #recs do
    if recs[i - 1].seq >= recs[i].seq then
      table.sort(recs, function(a, b) return a.seq < b.seq end)
      break
    end
  end
  return recs
end

-- }======

-- {====== struct printk_log (3.5 .. 5.9) ======

local function logbuf_records()
  local lb = sym("log_buf")
  if lb == nil or not kd.has_type("struct printk_log") then
    return nil, "no printk ringbuffer (prb) and no log_buf/struct printk_log"
  end
  local buf = val(lb)
  local len = val(sym("log_buf_len"))
  local first_idx = val(sym("log_first_idx"))
  local next_idx = val(sym("log_next_idx"))
  local first_seq = val(sym("log_first_seq"))
  local t = kd.type("struct printk_log")
  local hsz = t.size
  local o_len, o_tlen = t:member("len").offset, t:member("text_len").offset
  local o_ts, o_fac = t:member("ts_nsec").offset, t:member("facility").offset
  local lvl, fl = t:member("level"), t:member("flags")
  local o_caller = t:has_member("caller_id") and t:member("caller_id").offset or nil
  local data = kd.read(buf, len)
  local recs = {}
  local idx, seq = first_idx, first_seq
  local guard = 0
  while idx ~= next_idx and guard < len do
    guard = guard + 1
    if idx + hsz > len then idx = 0 end
    local rlen = string.unpack("<I2", data, idx + o_len + 1)
    if rlen == 0 then
      idx = 0   -- wrap marker
    else
      local hdr = data:sub(idx + 1, idx + hsz)
      local tlen = string.unpack("<I2", hdr, o_tlen + 1)
      recs[#recs + 1] = {
        seq = seq, ts_nsec = string.unpack("<I8", hdr, o_ts + 1),
        facility = string.unpack("<I1", hdr, o_fac + 1),
        level = bits(hdr, lvl.bit_offset, lvl.bit_size ~= 0 and lvl.bit_size or 3),
        flags = bits(hdr, fl.bit_offset, fl.bit_size ~= 0 and fl.bit_size or 5),
        caller_id = o_caller and string.unpack("<I4", hdr, o_caller + 1) or 0,
        text = data:sub(idx + hsz + 1, idx + hsz + tlen), text_len = tlen,
      }
      seq = seq + 1
      idx = idx + rlen
    end
  end
  return recs
end

-- }======

-- all records, oldest first; or nil, reason.  Without opts the list is
-- read once per run (dmesg, the vmcore panic file and sysinfo's panic
-- message all decode the whole ring buffer) and shared: read-only.
local records_memo
local function read_records(opts)
  local prb = sym("prb")
  if prb ~= nil and kd.has_type("struct printk_ringbuffer") then
    local ok, r = pcall(prb_records, prb, opts)
    if ok then return r end
    return nil, "cannot read the printk ringbuffer: " .. tostring(r)
  end
  local ok, r, why = pcall(logbuf_records)
  if ok then return r, why end
  return nil, "cannot read log_buf: " .. tostring(r)
end
-- all printk records, oldest first; or nil, reason (read once and shared when opts is nil)
function M.records(opts)
  if opts ~= nil then return read_records(opts) end
  if records_memo then return records_memo[1], records_memo[2] end
  local r, why = read_records()
  -- only a success is kept: a failure may be this emitter's time budget
  if r ~= nil then records_memo = { r, why } end
  return r, why
end

-- "[%5lu.%06lu]" as the kernel's print_time()
function M.format_time(ts_nsec)
  local sec = ts_nsec // 1000000000
  local usec = (ts_nsec % 1000000000) // 1000
  return string.format("[%5d.%06d]", sec, usec)
end

-- the lines of a record (the kernel prefixes every line of a multi-line
-- text; record_print_text())
function M.lines(rec)
  local out = {}
  local text = rec.text
  local pos = 1
  while true do
    local nl = text:find("\n", pos, true)
    if not nl then
      out[#out + 1] = text:sub(pos)
      break
    end
    out[#out + 1] = text:sub(pos, nl - 1)
    pos = nl + 1
  end
  return out
end

-- dmesg text: one "[    0.000000] text" line per text line (busybox and
-- util-linux `dmesg` default).  opts: time=false (no timestamps),
-- syslog=true ("<pri>" prefix, as dmesg -r), caller=true ([T123] ids as
-- with CONFIG_PRINTK_CALLER), records=list
function M.dmesg_text(opts)
  opts = opts or {}
  local recs, why = opts.records
  if recs == nil then recs, why = M.records() end
  if recs == nil then return nil, why end
  local out = {}
  local want_time = opts.time ~= false
  if want_time and not opts.syslog and not opts.caller then
    -- the default form (`dmesg`), one format call a one-line record
    local fmt = string.format
    for _, r in ipairs(recs) do
      local ts, text = r.ts_nsec, r.text
      if not text:find("\n", 1, true) then
        out[#out + 1] = fmt("[%5d.%06d] %s\n", ts // 1000000000, (ts % 1000000000) // 1000, text)
      else
        local prefix = M.format_time(ts) .. " "
        for _, line in ipairs(M.lines(r)) do out[#out + 1] = prefix .. line .. "\n" end
      end
    end
    return table.concat(out)
  end
  for _, r in ipairs(recs) do
    local prefix = ""
    if opts.syslog then prefix = string.format("<%d>", (r.facility << 3) | r.level) end
    if want_time then prefix = prefix .. M.format_time(r.ts_nsec) end
    if opts.caller then
      local id = r.caller_id
      local c = ((id & 0x80000000) ~= 0 and "C" or "T") .. tostring(id & 0x7fffffff)
      prefix = prefix .. string.format("[%6s]", c)
    end
    if want_time or opts.caller then prefix = prefix .. " " end
    local text = r.text
    if not text:find("\n", 1, true) then   -- one line (the common case)
      out[#out + 1] = prefix .. text .. "\n"
    else
      for _, line in ipairs(M.lines(r)) do
        out[#out + 1] = prefix .. line .. "\n"
      end
    end
  end
  return table.concat(out)
end

-- the panic message: "Kernel panic - not syncing: ..." if the log has one,
-- else the last Oops/BUG line; or nil
function M.panic_message(recs)
  recs = recs or M.records()
  if recs == nil then return nil end
  local last_oops
  for i = #recs, 1, -1 do
    for _, line in ipairs(M.lines(recs[i])) do
      if line:find("^Kernel panic %- not syncing:") then return (line:gsub("%s+$", "")) end
    end
  end
  local pats = { "^BUG: ", "^Oops: ", "^kernel BUG at ", "^general protection fault",
                 "^Unable to handle kernel", "^WARNING: ", "^watchdog: BUG: " }
  for i = #recs, 1, -1 do
    for _, line in ipairs(M.lines(recs[i])) do
      for _, p in ipairs(pats) do
        if line:find(p) then last_oops = line break end
      end
      if last_oops then break end
    end
    if last_oops then return (last_oops:gsub("%s+$", "")) end
  end
  return nil
end

return M
