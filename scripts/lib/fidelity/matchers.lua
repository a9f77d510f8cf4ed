-- fidelity/matchers.lua: the named helpers rules can use where the live
-- file came from another tool or another form of the same data.  Rules
-- name them (data); the code is here.
--
-- cells[name](report_cell, truth_cell, ctx) -> ok, how
--   `how` = "within" when the cells differ for a drifting reason the rule
--   accepts, else nil (same content in another tool's form, or a why on
--   failure).  ctx.classes are the pid classes of the row (columns kind with
--   pid_column), ctx.row_pid its pid, ctx.uid_of(pid) the live uid.
--
-- transforms[name](text, ctx, side) -> text | nil
--   rewrite a whole text before the comparison (truth_transform /
--   report_transform / transform); nil means "cannot: no truth".

local M = { cells = {}, transforms = {} }

-- {====== cells ======

local function isnum(s) return s and s:find("^%-?%d+$") ~= nil end

-- process state: the state letter, '<' (high priority) and 'N' (low
-- priority) flags; busybox prints "IW<", procps "I<"; any value for tasks
-- that were running (their state is the moment's)
M.cells.state = function(g, w, ctx)
  local function norm(s)
    return s:sub(1, 1) .. (s:find("<", 2, true) and "<" or "") .. (s:find("N", 2, true) and "N" or "")
  end
  if norm(g) == norm(w) then return true end
  if ctx.classes and ctx.classes.running then return true, "within" end
  if w:sub(1, 1) == "R" then return true, "within" end
  return false, "state " .. norm(g) .. " vs " .. norm(w)
end

-- the state letter alone (ps -l's S column), any for running tasks (also
-- those the live table itself shows running: a kernel thread R in ps -T
-- may be idle again by the capture's per-pid stat)
M.cells.state_letter = function(g, w, ctx)
  if g:sub(1, 1) == w:sub(1, 1) then return true end
  if ctx.classes and ctx.classes.running then return true, "within" end
  if w:sub(1, 1) == "R" then return true, "within" end
  return false, "state " .. g:sub(1, 1) .. " vs " .. w:sub(1, 1)
end

-- procps (ps/output.c pr_nice) prints NI "-" for every policy but
-- SCHED_OTHER (0) and SCHED_BATCH (3) (-1: no policy known): real-time,
-- SCHED_DEADLINE and SCHED_IDLE (5); busybox their nice value
M.cells.procps_nice = function(g, w, ctx)
  if g == w then return true end
  if g == "-" and ctx.stat_field and ctx.row_pid then
    local policy = tonumber(ctx.stat_field(ctx.row_pid, 41))
    if policy and policy ~= 0 and policy ~= 3 and policy ~= -1 then return true end
    return false, "'-' but the live policy is " .. tostring(policy)
  end
  return false
end

-- busybox ps COMMAND (args): "{comm} args" when argv[0] differs from comm,
-- "[comm]" (cut at 15 characters) for kernel threads and zombies.  A
-- kworker's name ends with its latest work item, which drifts.
M.cells.busybox_args = function(g, w, ctx)
  w = w:gsub("^{[^}]*} ", "")
  if g == w then return true end
  -- a comm with blanks ("NFSv4 callback") spills its last words into the
  -- live table's args column: "callback   [NFSv4 callback]"
  local spill, bracket = w:match("^(.-)%s+(%[.*%])$")
  if spill and bracket == g and not spill:find("[%[%]]") then
    local inner = g:sub(2, -2)
    if inner:sub(-#spill) == spill then return true end
  end
  local inner = w:match("^%[(.*)%]$")
  if inner then
    local kw = inner:match("^(kworker/[^%-]+)")
    if kw then
      if g:sub(1, #kw + 1) == "[" .. kw then return true, (g:sub(2, #inner + 1) ~= inner) and "within" or nil end
      return false, "kworker " .. kw .. " expected"
    end
    if g:sub(1, #inner + 1) == "[" .. inner then return true end
    return false, "not [" .. inner .. "...]"
  end
  return false
end

-- busybox sizes in kB, with an "m" (MiB) or "g" (GiB) suffix when large
M.cells.busybox_kb = function(g, w, ctx)
  if g == w then return true end
  -- RSS: busybox reads stat's rss (get_mm_rss: the shared part of each
  -- counter), procps status' VmRSS (the per-CPU sum); since 6.2's
  -- percpu_counter rss_stat they differ: the live VmRSS is the reference
  if ctx and ctx.column == "RSS" and ctx.vmrss_of and ctx.row_pid then
    local kb = ctx.vmrss_of(ctx.row_pid)
    if kb and tonumber(g) == kb then return true end
  end
  local n, unit = w:match("^(%d+)([mg])$")
  local v = tonumber(g)
  if n and v then
    local div = unit == "m" and 1024 or 1024 * 1024
    if v // div == tonumber(n) then return true end
    return false, string.format("%s kB is %d%s", g, v // div, unit)
  end
  return false
end

-- a user name (live) against a name or, when the dump has no passwd
-- data, the numeric uid (report)
M.cells.user = function(g, w, ctx)
  if g == w then return true end
  if isnum(g) and ctx.uid_of and ctx.row_pid then
    local uid = ctx.uid_of(ctx.row_pid)
    if uid and uid == tonumber(g) then return true end
    return false, "uid " .. g .. " vs live uid " .. tostring(uid)
  end
  return false
end

-- a numeric uid (report) against a user name (live): the same check
M.cells.uid = M.cells.user

-- }======

-- {====== transforms ======

local function lines(s)
  local t = {}
  for l in (s or ""):gmatch("([^\n]*)\n") do t[#t + 1] = l end
  return t
end

-- `ip addr` -> `ip -o addr`: each address line joined with its interface
-- "N: name" and its lifetime line ("\" between them)
M.transforms.ip_oneline = function(text)
  local out, prefix = {}, nil
  local ls = lines(text)
  local i = 1
  while i <= #ls do
    local l = ls[i]
    local n, name = l:match("^(%d+): ([^:@]+)[:@]")
    if n then
      prefix = n .. ": " .. name
    elseif l:match("^    inet6? ") and prefix then
      local nxt = ls[i + 1] or ""
      if nxt:match("^       ") then
        out[#out + 1] = prefix .. l .. "\\" .. nxt
        i = i + 1
      else
        out[#out + 1] = prefix .. l
      end
    end
    i = i + 1
  end
  return table.concat(out, "\n") .. (#out > 0 and "\n" or "")
end

local function ip4_le(hex)
  local v = tonumber(hex, 16)
  if not v then return nil end
  return string.format("%d.%d.%d.%d", v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >> 24) & 0xff)
end

-- RFC 5952 text of 32 hex digits
local function ip6_text(hex)
  local g = {}
  for i = 1, 32, 4 do g[#g + 1] = tonumber(hex:sub(i, i + 3), 16) end
  local best, blen, cur, clen = nil, 0, nil, 0
  for i = 1, 8 do
    if g[i] == 0 then
      if not cur then cur, clen = i, 0 end
      clen = clen + 1
      if clen > blen then best, blen = cur, clen end
    else
      cur = nil
    end
  end
  if blen < 2 then best = nil end
  local parts = {}
  local i = 1
  while i <= 8 do
    if best and i == best then
      parts[#parts + 1] = (i == 1) and ":" or ""
      i = i + blen
      if i > 8 then parts[#parts + 1] = "" end
    else
      parts[#parts + 1] = string.format("%x", g[i])
      i = i + 1
    end
  end
  local s = table.concat(parts, ":")
  return (s:gsub(":::", "::"))
end
M.ip6_text = ip6_text

-- `netstat -g` group lines (interface, users, group) from /proc/net/igmp
-- (this text) and /proc/net/igmp6; blanks collapsed
M.transforms.igmp_groups = function(text, ctx)
  local out, dev = {}, nil
  for _, l in ipairs(lines(text)) do
    local d = l:match("^%d+%s+(%S+)%s*:")
    if d then dev = d
    else
      local grp, users = l:match("^%s+(%x%x%x%x%x%x%x%x)%s+(%d+)")
      if grp and dev then out[#out + 1] = dev .. " " .. users .. " " .. ip4_le(grp) end
    end
  end
  local six = ctx and ctx.read_truth and ctx.read_truth("proc/net/igmp6")
  for _, l in ipairs(lines(six)) do
    local d, grp, users = l:match("^%d+%s+(%S+)%s+(%x+)%s+(%d+)")
    if d and #grp == 32 then out[#out + 1] = d .. " " .. users .. " " .. ip6_text(grp) end
  end
  return table.concat(out, "\n") .. "\n"
end

-- `route -n` rows from /proc/net/route: destination, gateway, genmask,
-- flags, metric, ref, use, iface (blanks collapsed)
M.transforms.route_n = function(text)
  local out = {}
  local bits = { { 0x1, "U" }, { 0x2, "G" }, { 0x4, "H" }, { 0x8, "R" }, { 0x10, "D" },
                 { 0x20, "M" }, { 0x200, "!" } }
  for i, l in ipairs(lines(text)) do
    if i > 1 then
      local f = {}
      for w in l:gmatch("%S+") do f[#f + 1] = w end
      if #f >= 8 then
        local flags = tonumber(f[4], 16) or 0
        local fl = ""
        for _, b in ipairs(bits) do if flags & b[1] ~= 0 then fl = fl .. b[2] end end
        out[#out + 1] = table.concat({ ip4_le(f[2]), ip4_le(f[3]), ip4_le(f[8]), fl, f[7], f[5], f[6], f[1] }, " ")
      end
    end
  end
  return table.concat(out, "\n") .. (#out > 0 and "\n" or "")
end

-- /proc/<pid>/stat as "N value" lines, one per field (N = the field number
-- of proc(5): 1 pid, 2 (comm), 3 state ...), so that keyvalue rules can name
-- fields; the comm may hold blanks and parentheses
M.transforms.stat_fields = function(text)
  local pid, comm, rest = text:match("^(%d+) (%(.*%)) (.-)%s*$")
  if not pid then return text end
  local out = { "1 " .. pid, "2 " .. comm }
  local i = 2
  for w in rest:gmatch("%S+") do
    i = i + 1
    out[#out + 1] = i .. " " .. w
  end
  return table.concat(out, "\n") .. "\n"
end

-- blanks collapsed to one space, none at either end (report side of the
-- rebuilt tables above)
M.transforms.squeeze = function(text)
  local out = {}
  for _, l in ipairs(lines(text)) do out[#out + 1] = (l:gsub("%s+", " "):gsub("^ ", ""):gsub(" $", "")) end
  return table.concat(out, "\n") .. (#out > 0 and "\n" or "")
end

-- /proc/net/tcp{,6} with what moves between two reads masked: the slot
-- number (its order is the hash's, its value the count before it) and the
-- timer's expiry ("tr:when" keeps tr, the kind of timer)
local function tcp_mask_line(l)
  local f = {}
  for w in l:gmatch("%S+") do f[#f + 1] = w end
  if #f < 7 or not f[1]:match("^%d+:$") then return l end
  f[1] = "N:"
  f[6] = f[6]:gsub(":%x+$", ":T")
  return table.concat(f, " ")
end
M.transforms.tcp_mask = function(text)
  local out = {}
  for _, l in ipairs(lines(text)) do out[#out + 1] = tcp_mask_line(l) end
  return table.concat(out, "\n") .. "\n"
end

-- the live /proc/net/tcp{,6} (the .end sample, seconds before the crash)
-- as it was at the crash: TIME-WAIT sockets (st 06) whose timer ran out
-- in between are gone (inet_twsk_kill); then masked as above.  Timers are
-- in USER_HZ (100) ticks; the time elapsed is crash uptime - the uptime
-- of capture_sockets_end_uptime (the .end sample), else of the capture end.
M.transforms.tcp_at_crash = function(text, ctx)
  local dt = ctx and ctx.elapsed and (ctx.elapsed("capture_sockets_end_uptime") or
                                      ctx.elapsed("capture_end_uptime"))
  local out = {}
  for _, l in ipairs(lines(text)) do
    local f = {}
    for w in l:gmatch("%S+") do f[#f + 1] = w end
    local keep = true
    if dt and f[4] == "06" and f[6] then
      local left = tonumber(f[6]:match(":(%x+)$") or "", 16)
      if left and left / 100 < dt then keep = false end
    end
    if keep then out[#out + 1] = tcp_mask_line(l) end
  end
  return table.concat(out, "\n") .. "\n"
end

-- util-linux `losetup -a` lines ("DEV: [DEVNO]:INO (FILE)[, offset N]...")
-- in busybox's form ("DEV: OFFSET FILE"), the form of the live capture
M.transforms.losetup_busybox = function(text)
  local out = {}
  for _, l in ipairs(lines(text)) do
    local dev, file, rest = l:match("^(%S+): %[%d+%]:%d+ %((.*)%)(.*)$")
    if dev then
      out[#out + 1] = string.format("%s: %s %s", dev, rest:match(", offset (%d+)") or "0", file)
    end
  end
  return table.concat(out, "\n") .. (#out > 0 and "\n" or "")
end

-- util-linux's human size of a hexadecimal byte count (block_size_bytes)
M.transforms.hex_size = function(text)
  local v = tonumber((text:match("%x+")), 16)
  if not v then return nil end
  local units = { "B", "K", "M", "G", "T", "P" }
  local i = 1
  while v >= 1024 and v % 1024 == 0 and i < #units do v = v // 1024; i = i + 1 end
  return tostring(v) .. units[i] .. "\n"
end

-- "0x3af" -> "943": sysfs counters printed in hex (scsi io*_cnt), so that
-- `lines` can compare them as numbers
M.transforms.hex_numbers = function(text)
  return (text:gsub("0x(%x+)", function(h) return tostring(tonumber(h, 16)) end))
end

-- `netstat -s` of the live counters: the report's own formatter
-- (kernel/net_tools.lua, itself checked against net-tools 2.10) fed with
-- truth proc/net/snmp + proc/net/netstat
M.transforms.netstat_s = function(text, ctx)
  local ok, nt = pcall(require, "kernel.net_tools")
  if not ok or not nt.parse_mib_text or not nt.netstat_s then return nil end
  local more = ctx and ctx.read_truth and ctx.read_truth("proc/net/netstat") or ""
  local ok2, out = pcall(nt.netstat_s, nil, nt.parse_mib_text(text .. more))
  if not ok2 then return nil end
  return out
end

-- sched/debug's header: the lines before the first per-CPU section
M.transforms.sched_header = function(text)
  local out = {}
  for _, l in ipairs(lines(text)) do
    if l:match("^cpu#") then break end
    out[#out + 1] = l
  end
  return table.concat(out, "\n") .. (#out > 0 and "\n" or "")
end

-- sched/debug without the sections of task groups' runqueues
-- ("cfs_rq[N]:/path", "rt_rq[N]:/path" up to the next blank line): a
-- group's cfs_rq is on the CPU's leaf list only while it has load, so
-- these come and go between any two moments
M.transforms.sched_root_sections = function(text)
  local out, skipping = {}, false
  for _, l in ipairs(lines(text)) do
    if l:match("^%a+_rq%[%d+%]:/.") then skipping = true
    elseif skipping and l == "" then skipping = false          -- the section's end, dropped too
    elseif not skipping then out[#out + 1] = l end
  end
  return table.concat(out, "\n") .. (#out > 0 and "\n" or "")
end

-- }======

return M
