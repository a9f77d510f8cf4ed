-- kernel/dcache_ls.lua: `ls -lanR DIR` (GNU coreutils 9.1, C locale, UTC)
-- of a directory tree whose every entry lives in the dentry cache: the
-- in-memory filesystems (devtmpfs, tmpfs, devpts, mqueue, ramfs), which
-- have no backing store, so a dump holds all of them.  For a filesystem
-- that keeps files on a disk, the cache holds only what was looked up:
-- the listing says so.
--
-- Entries are what dcache_readdir() (fs/libfs.c) shows: the positive,
-- hashed children of the directory's dentry; a directory that is a mount
-- point shows the root of the mount on top (the reader task's namespace),
-- as stat() and readdir() through the path see it.
--
-- Mirrors: fs/libfs.c (dcache_readdir, scan_positives), fs/dcache.c,
--   include/linux/fs.h (struct inode), mm/shmem.c (short symlinks in
--   i_link); coreutils src/ls.c (print_long_format, gobble_file widths)

local fs = require("kernel.fs")

local M = {}
local pval, has_member = fs.pval, fs.has_member

-- positive, hashed children of a directory dentry (6.1: d_subdirs/d_child;
-- 6.8+ "dcache: use an hlist for d_children": d_children/d_sib)
local function children(d)
  local it
  if has_member("struct dentry", "d_subdirs") then
    it = kd.list(d.d_subdirs, "struct dentry", "d_child")
  else
    it = kd.hlist(d.d_children, "struct dentry", "d_sib")
  end
  local out = {}
  for c in it do
    if pval(c:member_("d_inode")) ~= 0 and pval(c.d_hash:member_("pprev")) ~= 0 then
      out[#out + 1] = c
    end
  end
  return out
end

local function timespec_sec(ts) if type(ts) == "number" then return ts end return ts.tv_sec end
-- mtime seconds (6.1 i_mtime; 6.7 "fs: new accessor methods for atime and
-- mtime": __i_mtime; 6.11 i_mtime_sec)
local function inode_mtime(inode)
  if has_member("struct inode", "i_mtime_sec") then return inode.i_mtime_sec end
  if has_member("struct inode", "i_mtime") then return timespec_sec(inode.i_mtime) end
  return timespec_sec(inode.__i_mtime)
end

-- the inode members stat_of reads, in one call (nil: this kernel's inode
-- needs the member-by-member path below)
local rd_stat
local function stat_reader()
  if rd_stat == nil then
    local mt = has_member("struct inode", "i_mtime_sec") and "i_mtime_sec"
            or has_member("struct inode", "i_mtime") and "i_mtime.tv_sec" or "__i_mtime.tv_sec"
    local ok, r = pcall(kd.member_reader, "struct inode", "i_mode", "i_nlink", "i_uid.val",
                        "i_gid.val", "i_size", "i_blocks", mt, "i_rdev")
    rd_stat = ok and r or false
  end
  return rd_stat
end

local function stat_of(inode)
  local rd = stat_reader()
  if rd then
    local mode, nlink, uid, gid, size, blocks, mtime, rdev = rd(inode)
    if mode and nlink and uid and gid and size and blocks and mtime and rdev then
      local st = { mode = mode, nlink = nlink, uid = uid, gid = gid, size = size, blocks = blocks,
                   mtime = mtime }
      local t = fs.ifmt(mode)
      if t == 0x2000 or t == 0x6000 then st.major, st.minor = fs.major(rdev), fs.minor(rdev) end
      return st
    end
  end
  local mode = inode.i_mode
  local st = { mode = mode, nlink = inode.i_nlink, uid = fs.kid(inode.i_uid), gid = fs.kid(inode.i_gid),
               size = inode.i_size, blocks = inode.i_blocks, mtime = inode_mtime(inode) }
  local t = fs.ifmt(mode)
  if t == 0x2000 or t == 0x6000 then
    st.major, st.minor = fs.major(inode.i_rdev), fs.minor(inode.i_rdev)
  end
  return st
end

-- "ls -l" time: "%b %e %H:%M", or "%b %e  %Y" six months old or in the future
-- (memoized per time for one `now`: device nodes share their times)
local ls_times, ls_times_now = {}, nil
local ls_time_of
local function ls_time(t, now)
  if now ~= ls_times_now then ls_times, ls_times_now = {}, now end
  local s = ls_times[t]
  if s == nil then
    s = ls_time_of(t, now)
    ls_times[t] = s
  end
  return s
end
function ls_time_of(t, now)
  local d = os.date("!*t", t)
  if now - t > 31556952 // 2 or t > now then
    return string.format("%s %2d  %d", os.date("!%b", t), d.day, d.year)
  end
  return string.format("%s %2d %02d:%02d", os.date("!%b", t), d.day, d.hour, d.min)
end

-- the symlink text: shmem keeps short targets in inode->i_link; a longer
-- one is in a page-cache page
local function link_target(inode)
  local p = has_member("struct inode", "i_link") and pval(inode:member_("i_link")) or 0
  if p == 0 then return nil end
  local ok, s = pcall(kd.read_string, p, 4096)
  return ok and s or nil
end

local IN_MEMORY = { devtmpfs = true, tmpfs = true, devpts = true, mqueue = true, ramfs = true,
                    hugetlbfs = true }

-- ls -lanR of `path` (absolute) as task `t`'s namespace and root show it,
-- at time `now`: text, and a reason when part of it could not be read
function M.ls_lanR(path, now, t)
  local mount = require("kernel.mount")
  t = t or mount.reader_task()
  local ents = mount.entries(t)
  if not ents then error("no mount namespace to list " .. path .. " in", 0) end
  -- mount targets -> the root dentry and superblock shown there (the last
  -- mounted, on top)
  local on_top = {}
  for _, e in ipairs(ents) do
    on_top[fs.unescape(e.target)] = { root = e.mnt.mnt.mnt_root, fstype = fs.unescape(e.fstype) }
  end
  local root = on_top["/"]
  if not root then error("the reader's namespace has no / mount", 0) end
  local function resolve(p)      -- path -> dentry, fstype (through mounts)
    local cur, fst = root.root, root.fstype
    local sofar = ""
    for comp in p:gmatch("[^/]+") do
      sofar = sofar .. "/" .. comp
      local c = fs.d_child(cur, comp)
      if not c then return nil end
      cur = c
      local m = on_top[sofar]
      if m then cur, fst = m.root, m.fstype end
    end
    return cur, fst
  end
  local notes, noted = {}, {}
  local function note(s) if not noted[s] then noted[s] = true; notes[#notes + 1] = s end end
  local out = {}
  local function list_dir(p, d, parent_d, fstype, first)
    if not IN_MEMORY[fstype] then
      note(p .. " is on " .. fstype .. ": only the entries in the dentry cache are listed")
    end
    local rows = { { name = ".", st = stat_of(d.d_inode) },
                   { name = "..", st = stat_of(parent_d.d_inode) } }
    local subdirs = {}
    for _, c in ipairs(children(d)) do
      local name = fs.dname(c)
      local cp = (p == "/" and "" or p) .. "/" .. name
      local shown, cfst = c, fstype
      if on_top[cp] then shown, cfst = on_top[cp].root, on_top[cp].fstype end
      local st = stat_of(shown.d_inode)
      local r = { name = name, st = st }
      if fs.ifmt(st.mode) == 0xa000 then
        r.target = link_target(shown.d_inode)
        if not r.target then note(cp .. ": symlink target not in memory"); r.target = "?" end
      elseif fs.ifmt(st.mode) == 0x4000 then
        subdirs[#subdirs + 1] = { name = name, path = cp, d = shown, fstype = cfst }
      end
      rows[#rows + 1] = r
    end
    table.sort(rows, function(a, b) return a.name < b.name end)
    -- gobble_file()'s widths, per directory
    local wn, wu, wg, wmaj, wmin, wsz, total = 0, 0, 0, 0, 0, 0, 0
    for _, r in ipairs(rows) do
      local st = r.st
      wn = math.max(wn, #tostring(st.nlink))
      wu = math.max(wu, #tostring(st.uid))
      wg = math.max(wg, #tostring(st.gid))
      if st.major then
        wmaj = math.max(wmaj, #tostring(st.major))
        wmin = math.max(wmin, #tostring(st.minor))
        wsz = math.max(wsz, wmaj + 2 + wmin)
      else
        wsz = math.max(wsz, #tostring(st.size))
      end
      total = total + st.blocks
    end
    if not first then out[#out + 1] = "\n" end
    out[#out + 1] = p .. ":\n"
    out[#out + 1] = string.format("total %d\n", (total + 1) // 2)   -- 512-byte blocks, 1K rounded up
    for _, r in ipairs(rows) do
      local st = r.st
      local size
      if st.major then
        size = string.format("%" .. (wsz - 2 - wmin) .. "d, %" .. wmin .. "d", st.major, st.minor)
      else
        size = string.format("%" .. wsz .. "d", st.size)
      end
      out[#out + 1] = string.format("%s %" .. wn .. "d %" .. wu .. "d %" .. wg .. "d %s %s %s%s\n",
        fs.mode_string(st.mode), st.nlink, st.uid, st.gid, size, ls_time(st.mtime, now), r.name,
        r.target and (" -> " .. r.target) or "")
    end
    table.sort(subdirs, function(a, b) return a.name < b.name end)
    for _, s in ipairs(subdirs) do list_dir(s.path, s.d, d, s.fstype, false) end
  end
  local d, fstype = resolve(path)
  if not d then return nil, path .. " is not in the dentry cache of the reader's namespace" end
  local parent_path = path:match("^(.*)/[^/]*$")
  local pd = resolve(parent_path == "" and "/" or parent_path) or d
  list_dir(path, d, pd, fstype, true)
  return table.concat(out), #notes > 0 and table.concat(notes, "; ") or nil
end

return M
