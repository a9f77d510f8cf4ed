-- kernel/dm.lua: device-mapper devices (struct mapped_device) as the
-- DM ioctls report them, and what `dmsetup info -c`, `dmsetup table`,
-- `dmsetup status`, `dmsetup ls --tree`, `dmsetup info`, `dmsetup deps`
-- print from those answers.
--
-- Devices: the dm-ioctl name index (hash_cell), in the order
-- DM_LIST_DEVICES walks it: the name_rb_tree (dm-ioctl's rbtree of
-- names, which replaced the _name_buckets hash table during the 5.x
-- series; 6.1 and 6.12 have it), else the _name_buckets hash chains.  A device: name, uuid (hash_cell), dev_t
-- (its gendisk), open_count, event_nr, DMF_SUSPENDED in md->flags, the
-- live table md->map and the loaded-but-inactive table hc->new_map.
-- Targets: dm_table.targets[0..num_targets-1]; the parameters that the
-- target's ->status prints are decoded for linear, striped, error and zero
-- (dm-linear.c, dm-stripe.c, dm-target.c); any other target type is listed
-- by name with its parameters marked undecoded.  Devices below a table:
-- dm_table.devices (dm_get_device list_add()s, so newest first: the order
-- of DM_TABLE_DEPS).
--
-- Tool formats: LVM2 dmsetup 1.02 (libdm report widths for info -c, the
-- ascii tree of ls --tree).
--
-- Mirrors: drivers/md/dm-ioctl.c, drivers/md/dm-core.h, drivers/md/dm.c,
--   drivers/md/dm-table.c, drivers/md/dm-linear.c, drivers/md/dm-stripe.c,
--   drivers/md/dm-target.c

local block = require("kernel.block")   -- block requires dm lazily, in lsblk
local fs = require("kernel.fs")

local M = {}

local pval, has_member = fs.pval, fs.has_member

-- drivers/md/dm-core.h: #define DMF_SUSPENDED 1 (a bit number of
-- md->flags, a macro, so not in the debug info; unchanged since 2.6)
local DMF_SUSPENDED = 1

local function cstr(ptr, max)
  if ptr == nil or ptr == 0 then return nil end
  local ok, s = pcall(kd.read_string, ptr, max)
  return ok and s or nil
end

-- hash_cells in DM_LIST_DEVICES order
local function hash_cells()
  local out = {}
  if kd.symbol_address("name_rb_tree") then
    for hc in kd.rbtree(kd.symbol("name_rb_tree"), "struct hash_cell", "name_node") do
      out[#out + 1] = hc
    end
  elseif kd.symbol_address("_name_buckets") then
    -- kernels before the rbtree: NUM_BUCKETS chains of hash_cell.name_list
    local buckets = kd.symbol("_name_buckets")
    local n = #buckets
    for i = 0, (n or 0) - 1 do
      for hc in kd.list(buckets[i], "struct hash_cell", "name_list") do out[#out + 1] = hc end
    end
  else
    return nil
  end
  return out
end

-- why M.devices() cannot run, or nil when it can
function M.absent_reason()
  local present, known = require("kernel.util").subsystem_present("dm_mod",
    { "name_rb_tree", "_name_buckets" })
  if not present then return "none present (device-mapper is not loaded)" end
  if not known then
    return "dm_mod is loaded but its symbols were not read (no dm_mod debug or symbol file)"
  end
  if not kd.has_type("struct mapped_device") or not kd.has_type("struct hash_cell") then
    return "device-mapper types not available (dm_mod loaded without debug info)"
  end
  return nil
end

-- is device-mapper in this dump at all (loaded or built in)?
function M.loaded()
  return (require("kernel.util").subsystem_present("dm_mod", { "name_rb_tree", "_name_buckets" }))
end

local function devname(dev) return fs.major(dev) .. ":" .. fs.minor(dev) end

-- the parameters a target's ->status prints: (STATUSTYPE_TABLE text,
-- STATUSTYPE_INFO text) or nil, nil when the type is not decoded
local function target_params(ti, tname)
  local priv = pval(ti:member_("private"))
  if tname == "linear" and kd.has_type("struct linear_c") then
    local lc = kd.object("struct linear_c", priv)
    return string.format("%s %d", lc.dev.name:string_(), lc.start), ""
  elseif tname == "striped" and kd.has_type("struct stripe_c") then
    local sc = kd.object("struct stripe_c", priv)
    local n = sc.stripes
    local tbl = { string.format("%d %d", n, sc.chunk_size) }
    local info = { string.format("%d ", n) }
    local health = {}
    for i = 0, n - 1 do
      local s = sc.stripe[i]
      tbl[#tbl + 1] = string.format(" %s %d", s.dev.name:string_(), s.physical_start)
      info[#info + 1] = s.dev.name:string_() .. " "
      health[#health + 1] = s.error_count.counter ~= 0 and "D" or "A"
    end
    return table.concat(tbl), table.concat(info) .. "1 " .. table.concat(health)
  elseif tname == "error" or tname == "zero" then
    return "", ""
  end
  return nil, nil
end

local function read_table(t)
  if t == nil then return nil end
  local out = { targets = {}, deps = {} }
  local n = t.num_targets
  local arr = pval(t:member_("targets"))
  local tsize = kd.type("struct dm_target").size
  for i = 0, n - 1 do
    local ti = kd.object("struct dm_target", arr + i * tsize)
    local tname = kd.read_string(pval(ti.type:member_("name")), 64)
    local params, status = target_params(ti, tname)
    out.targets[#out.targets + 1] = { start = ti.begin, length = ti.len, type = tname,
                                      params = params, status = status }
  end
  for dd in kd.list(t.devices, "struct dm_dev_internal", "list") do
    local d = dd.dm_dev
    local dev = d.bdev.bd_dev
    out.deps[#out.deps + 1] = { name = d.name:string_(), major = fs.major(dev),
                                minor = fs.minor(dev) }
  end
  return out
end

-- the task whose kernel stack holds address a (a completion or wait
-- structure a sleeper put on its stack), or nil
local stacks
local function task_with_stack_at(a)
  if stacks == nil then
    stacks = {}
    local task = require("kernel.task")
    local size = task.thread_size()
    for t in kd.tasks() do
      local ok, st = pcall(function() return pval(t:member_("stack")) end)
      if ok and st ~= 0 then stacks[#stacks + 1] = { st, st + size, t } end
    end
  end
  for _, s in ipairs(stacks) do
    if a >= s[1] and a < s[2] then return s[3] end
  end
  return nil
end

-- bios queued on md->deferred (arrived while I/O was blocked for a
-- suspend: dm_submit_bio -> queue_io), chained through bi_next, each
-- { bio (address), end_io (function name), waiter = {pid, comm} when
-- bi_private points into a task's stack (submit_bio_wait's on-stack
-- completion) }; nil when not readable
local function deferred_bios(md)
  if not has_member("struct mapped_device", "deferred") then return nil end
  local ok, list = pcall(function()
    local out = {}
    local b = pval(md.deferred:member_("head"))
    while b ~= 0 and #out < 100000 do
      local bio = kd.object("struct bio", b)
      local rec = { bio = b, end_io = fs.func_name(bio:member_("bi_end_io")) }
      local priv = pval(bio:member_("bi_private"))
      local t = priv ~= 0 and task_with_stack_at(priv) or nil
      if t then rec.waiter = { pid = t.pid, comm = t.comm:string_(16) } end
      out[#out + 1] = rec
      b = pval(bio:member_("bi_next"))
    end
    return out
  end)
  return ok and list or nil
end

-- Every mapped device, in DM_LIST_DEVICES order:
-- { name, uuid, major, minor, disk (dm-N), open_count, event_nr,
--   suspended, read_only, read_ahead (sectors), deferred (the bios
--   waiting for a resume, see deferred_bios), live = {targets, deps} or
--   nil, inactive = {…} or nil, md (the object) }.
-- nil, reason when device-mapper is absent or untyped.
function M.devices()
  local why = M.absent_reason()
  if why then return nil, why end
  local cells = hash_cells()
  if not cells then return nil, "device-mapper name index not found" end
  local out = {}
  for _, hc in ipairs(cells) do
    local md = hc.md
    local disk = md.disk
    local map = pval(md:member_("map"))
    local live = map ~= 0 and read_table(kd.object("struct dm_table", map)) or nil
    local nm = has_member("struct hash_cell", "new_map") and pval(hc:member_("new_map")) or 0
    local inactive = nm ~= 0 and read_table(kd.object("struct dm_table", nm)) or nil
    -- read ahead (BLKRAGET, in sectors): the disk's bdi; before 5.15
    -- ("block: move the bdi from the request_queue to the gendisk") the
    -- queue's backing_dev_info
    local ra
    local page = kd.dump_info().page_size or 4096
    if has_member("struct gendisk", "bdi") then
      ra = disk.bdi.ra_pages * (page // 512)
    elseif has_member("struct request_queue", "backing_dev_info") then
      ra = disk.queue.backing_dev_info.ra_pages * (page // 512)
    end
    out[#out + 1] = {
      name = cstr(pval(hc:member_("name")), 128) or "?",
      uuid = cstr(pval(hc:member_("uuid")), 129) or "",
      major = disk.major, minor = disk.first_minor,      -- disk_devt()
      disk = disk.disk_name:string_(),
      open_count = md.open_count.counter,
      event_nr = md.event_nr.counter,
      suspended = (md.flags >> DMF_SUSPENDED) & 1 == 1,
      read_only = live ~= nil and block.gendisk_ro(disk),
      read_ahead = ra, deferred = deferred_bios(md),
      live = live, inactive = inactive, md = md,
    }
  end
  return out
end

-- names of target types whose parameters were not decoded
function M.undecoded(devs)
  local seen, out = {}, {}
  for _, d in ipairs(devs) do
    for _, t in ipairs(d.live and d.live.targets or {}) do
      if t.params == nil and not seen[t.type] then
        seen[t.type] = true; out[#out + 1] = t.type
      end
    end
  end
  return out
end

-- text, plus the reason it is partial (or nil)
local function with_undecoded(text, devs)
  local u = M.undecoded(devs)
  if #u == 0 then return text end
  return text, "parameters of target type(s) " .. table.concat(u, ", ") .. " not decoded"
end

-- {====== dmsetup outputs ======

-- `dmsetup info -c`: libdm report columns with their default widths
-- (name 16, maj/min 3, attr 4, open 4, segments 4, events 6, uuid 32),
-- each widened to its longest value; numbers right-aligned.
function M.info_c(devs)
  if #devs == 0 then return "No devices found\n" end
  local cols = {
    { "Name", 16, false, function(d) return d.name end },
    { "Maj", 3, true, function(d) return tostring(d.major) end },
    { "Min", 3, true, function(d) return tostring(d.minor) end },
    { "Stat", 4, false, function(d)
        return (d.live and "L" or "-") .. (d.inactive and "I" or "-")
          .. (d.suspended and "s" or "-") .. (d.read_only and "r" or "w") end },
    { "Open", 4, true, function(d) return tostring(d.open_count) end },
    { "Targ", 4, true, function(d) return tostring(d.live and #d.live.targets or 0) end },
    { "Event", 6, true, function(d) return tostring(d.event_nr) end },
    { "UUID", 32, false, function(d) return d.uuid end },
  }
  local rows = {}
  for _, d in ipairs(devs) do
    local r = {}
    for i, c in ipairs(cols) do
      r[i] = c[4](d)
      if #r[i] > c[2] then c[2] = #r[i] end
    end
    rows[#rows + 1] = r
  end
  local function line(vals, header)
    local cells = {}
    for i, c in ipairs(cols) do
      local fmt = (c[3] and not header) and "%" .. c[2] .. "s" or "%-" .. c[2] .. "s"
      cells[i] = string.format(fmt, vals[i])
    end
    return table.concat(cells, " ") .. "\n"
  end
  local hdr = {}
  for i, c in ipairs(cols) do hdr[i] = c[1] end
  local out = { line(hdr, true) }
  for _, r in ipairs(rows) do out[#out + 1] = line(r) end
  return table.concat(out)
end

-- `dmsetup table` / `dmsetup status`: "name: start length type params"
-- per target of the live table; "name: " alone for a device without one
local function targets_text(devs, field)
  if #devs == 0 then return "No devices found\n" end
  local out = {}
  for _, d in ipairs(devs) do
    if not d.live or #d.live.targets == 0 then
      out[#out + 1] = d.name .. ": \n"
    else
      for _, t in ipairs(d.live.targets) do
        out[#out + 1] = string.format("%s: %d %d %s %s\n", d.name, t.start, t.length, t.type,
                                      t[field] or "")
      end
    end
  end
  return with_undecoded(table.concat(out), devs)
end

-- text of `dmsetup table` for the devices (each target's STATUSTYPE_TABLE)
function M.table_text(devs) return targets_text(devs, "params") end
-- text of `dmsetup status` for the devices (each target's STATUSTYPE_INFO)
function M.status_text(devs) return targets_text(devs, "status") end

-- `dmsetup ls --tree` (ascii symbols, default options "device"): the dm
-- devices no other dm device uses, each with the devices below it,
-- recursively; a device that is not a dm device prints as " (maj:min)"
function M.ls_tree(devs)
  if #devs == 0 then return "No devices found\n" end
  local by_dev, used = {}, {}
  for _, d in ipairs(devs) do by_dev[d.major .. ":" .. d.minor] = d end
  for _, d in ipairs(devs) do
    for _, dep in ipairs(d.live and d.live.deps or {}) do
      if by_dev[dep.major .. ":" .. dep.minor] then used[dep.major .. ":" .. dep.minor] = true end
    end
  end
  local out, more = {}, {}
  local function node(name, major, minor, depth, last)
    more[depth] = not last
    local pre = {}
    for dd = 0, depth - 1 do
      pre[#pre + 1] = " "
      if dd == depth - 1 then pre[#pre + 1] = more[depth] and "|-" or "`-"
      else pre[#pre + 1] = more[dd + 1] and "| " or "  " end
    end
    out[#out + 1] = table.concat(pre) .. name .. " (" .. major .. ":" .. minor .. ")\n"
  end
  local function walk(d, depth, last, seen)
    node(d.name, d.major, d.minor, depth, last)
    if seen[d] or depth > 30 then return end
    seen[d] = true
    local deps = d.live and d.live.deps or {}
    for i, dep in ipairs(deps) do
      local sub = by_dev[dep.major .. ":" .. dep.minor]
      if sub then walk(sub, depth + 1, i == #deps, seen)
      else node("", dep.major, dep.minor, depth + 1, i == #deps) end
    end
    seen[d] = nil
  end
  local roots = {}
  for _, d in ipairs(devs) do
    if not used[d.major .. ":" .. d.minor] then roots[#roots + 1] = d end
  end
  for i, d in ipairs(roots) do walk(d, 0, i == #roots, {}) end
  return table.concat(out)
end

-- `dmsetup ls`: "name\t(maj:min)"
function M.ls(devs)
  if #devs == 0 then return "No devices found\n" end
  local out = {}
  for _, d in ipairs(devs) do out[#out + 1] = string.format("%s\t(%d:%d)\n", d.name, d.major, d.minor) end
  return table.concat(out)
end

-- `dmsetup deps`: "name: N dependencies\t: (maj, min) ..."
function M.deps(devs)
  if #devs == 0 then return "No devices found\n" end
  local out = {}
  for _, d in ipairs(devs) do
    local deps = d.live and d.live.deps or {}
    local parts = {}
    for _, dep in ipairs(deps) do parts[#parts + 1] = string.format(" (%d, %d)", dep.major, dep.minor) end
    out[#out + 1] = string.format("%s: %d dependencies\t:%s\n", d.name, #deps, table.concat(parts))
  end
  return table.concat(out)
end

-- `dmsetup info`: the long form
function M.info(devs)
  if #devs == 0 then return "No devices found\n" end
  local out = {}
  for _, d in ipairs(devs) do
    local tables = d.live and (d.inactive and "LIVE & INACTIVE" or "LIVE")
                   or (d.inactive and "INACTIVE" or "None")
    out[#out + 1] = string.format("Name:              %s\n", d.name)
    out[#out + 1] = string.format("State:             %s%s\n", d.suspended and "SUSPENDED" or "ACTIVE",
                                  d.read_only and " (READ-ONLY)" or "")
    if d.read_ahead then out[#out + 1] = string.format("Read Ahead:        %d\n", d.read_ahead) end
    out[#out + 1] = string.format("Tables present:    %s\n", tables)
    out[#out + 1] = string.format("Open count:        %d\n", d.open_count)
    out[#out + 1] = string.format("Event number:      %d\n", d.event_nr)
    out[#out + 1] = string.format("Major, minor:      %d, %d\n", d.major, d.minor)
    if d.live then out[#out + 1] = string.format("Number of targets: %d\n", #d.live.targets) end
    if d.uuid ~= "" then out[#out + 1] = "UUID: " .. d.uuid .. "\n" end
    out[#out + 1] = "\n"
  end
  return table.concat(out)
end

-- "major:minor" of a kernel dev_t, as dm tables name devices
M.devname = devname

-- }======

return M
