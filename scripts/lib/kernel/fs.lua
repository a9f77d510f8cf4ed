-- kernel/fs.lua: VFS helpers: dentry names and paths (d_path, __d_path,
-- dentry_path), the escapes /proc uses, inode types and device numbers,
-- the superblock list.
--
-- Sources: fs/d_path.c, fs/seq_file.c (seq_escape, mangle_path),
-- include/linux/fs.h, include/linux/kdev_t.h (Linux 6.1).  Paths are
-- rebuilt exactly as the kernel does: walking d_parent up to the root of
-- the mount, then crossing to mnt_mountpoint of the parent mount, until the
-- reader's root is met.
--
-- Mirrors: fs/d_path.c, fs/seq_file.c, include/linux/fs.h,
--   include/linux/kdev_t.h

local M = {}

-- {====== small utilities ======

local memo_member = {}
-- memo_member[tname][member]: no key string built per call (a hot helper)
local function has_member(tname, member)
  local mt = memo_member[tname]
  if mt == nil then mt = {}; memo_member[tname] = mt end
  local v = mt[member]
  if v == nil then
    v = kd.has_type(tname) and kd.has_member(tname, member) or false
    mt[member] = v
  end
  return v
end
M.has_member = has_member

-- address an object designates: a pointer's value, the address of a
-- struct/union/array object, an integer's value (0 for nil): kd.addr,
-- one call to C (without a dump there is no object to ask about)
local pval = kd and kd.addr or function() error("no dump open", 2) end
M.pval = pval
M.addr = pval

-- name of the kernel function at a code address (nil if none/unknown)
local sym_cache = {}
-- name of the kernel function at code address ptr, nil when unknown (memoized)
function M.func_name(ptr)
  local v = pval(ptr)
  if v == 0 then return nil end
  local s = sym_cache[v]
  if s == nil then
    local name, off = kd.symbolize(v)
    s = (name and off == 0) and name or false
    sym_cache[v] = s
  end
  return s or nil
end

-- error text of a kd error object or a Lua error
function M.errmsg(e)
  if type(e) == "table" then return tostring(e.message or e) end
  return tostring(e)
end

-- }======

-- {====== device numbers (kdev_t.h: MINORBITS 20) ======

-- major number of a kernel dev_t (MAJOR)
function M.major(dev) return (dev >> 20) & 0xfff end
-- minor number of a kernel dev_t (MINOR)
function M.minor(dev) return dev & 0xfffff end
-- kernel dev_t of a major and minor number (MKDEV)
function M.mkdev(ma, mi) return (ma << 20) | mi end

-- }======

-- {====== escapes ======

-- seq_escape(m, s, esc) / mangle_path(): every byte of `esc` becomes a
-- backslash and three octal digits
function M.escape(s, esc)
  esc = esc or " \t\n\\"
  local set = {}
  for i = 1, #esc do set[esc:byte(i)] = true end
  return (s:gsub(".", function(c)
    if set[c:byte()] then return string.format("\\%03o", c:byte()) end
  end))
end

-- reverse of escape() (what util-linux's unmangle does)
function M.unescape(s)
  return (s:gsub("\\(%d%d%d)", function(o) return string.char(tonumber(o, 8)) end))
end

-- }======

-- {====== dentries ======

-- d_name of a dentry as a Lua string
function M.dname(d)
  local q = d.d_name
  local len = q.len
  if len == 0 then return "" end
  return kd.read(pval(q:member_("name")), len)
end

local function is_root(d) return pval(d:member_("d_parent")) == pval(d) end
-- true when the dentry is its own parent (IS_ROOT)
M.is_root = is_root

-- d_unhashed(): d_hash.pprev == NULL
local function d_unhashed(d)
  return pval(d.d_hash:member_("pprev")) == 0
end

-- d_unlinked(): !IS_ROOT && d_unhashed
function M.d_unlinked(d)
  return not is_root(d) and d_unhashed(d)
end

-- child dentry `name` of directory dentry `d` from the dentry cache
-- (6.1: d_subdirs/d_child; 6.8+: d_children/d_sib), or nil
function M.d_child(d, name)
  local it
  if has_member("struct dentry", "d_subdirs") then
    it = kd.list(d.d_subdirs, "struct dentry", "d_child")
  elseif has_member("struct dentry", "d_children") then
    it = kd.hlist(d.d_children, "struct dentry", "d_sib")
  else
    return nil
  end
  for c in it do
    local q = c.d_name
    if q.len == #name and c.d_inode ~= nil and M.dname(c) == name then return c end
  end
  return nil
end

-- the struct mount around a vfsmount pointer (real_mount())
local mount_off
-- the struct mount around a vfsmount pointer (real_mount), nil for NULL
function M.real_mount(vfsmnt)
  local v = pval(vfsmnt)
  if v == 0 then return nil end
  mount_off = mount_off or kd.member_offset("struct mount", "mnt")
  return kd.object("struct mount", v - mount_off)
end

-- the vfsmount embedded in a struct mount (its address, as struct path
-- holds it)
function M.vfsmount_addr(mnt)
  mount_off = mount_off or kd.member_offset("struct mount", "mnt")
  return pval(mnt) + mount_off
end

-- __dentry_path(): path of a dentry from the root of its superblock
-- ("/" for the root itself)
function M.dentry_path(d)
  local parts = {}
  local n = 0
  while not is_root(d) do
    n = n + 1
    if n > 4096 then error("dentry_path: parent chain too long", 0) end
    parts[#parts + 1] = M.dname(d)
    d = d.d_parent
  end
  if #parts == 0 then return "/" end
  local out = {}
  for i = #parts, 1, -1 do out[#out + 1] = parts[i] end
  return "/" .. table.concat(out, "/")
end

-- dentry_path() as seq_dentry shows it: "//deleted" appended for an
-- unlinked dentry
function M.dentry_path_shown(d)
  local p = M.dentry_path(d)
  if M.d_unlinked(d) then p = p .. "//deleted" end
  return p
end

-- __prepend_path(): the path of (dentry, mount) seen from root
-- (root_dentry, root_mount addresses).  Returns the path and a status:
-- 0 root reached, 1 the global root of a mounted namespace was reached
-- without meeting root (the path is "absolute" but outside the reader's
-- root), 2 detached mount, 3 escaped (a dentry that is its own parent).
function M.prepend_path(dentry, mnt, root_dentry, root_vfsmnt)
  local parts = {}
  local d, m = dentry, mnt
  local rd, rm = pval(root_dentry), pval(root_vfsmnt)
  local status = 0
  local steps = 0
  while pval(d) ~= rd or M.vfsmount_addr(m) ~= rm do
    steps = steps + 1
    if steps > 8192 then error("d_path: path too deep (cycle?)", 0) end
    local parent = d.d_parent
    if pval(d) == pval(m.mnt:member_("mnt_root")) then
      local pm = m.mnt_parent
      if pval(pm) ~= pval(m) then
        d = m.mnt_mountpoint
        m = pm
        goto continue
      end
      local ns = pval(m:member_("mnt_ns"))
      -- is_anon_ns(): seq == 0 (5.x+); ERR_PTR values count as none
      if not (ns == 0 or (ns < 0 and ns >= -4095)) then   -- !IS_ERR_OR_NULL
        local nso = kd.object("struct mnt_namespace", ns)
        local anon = has_member("struct mnt_namespace", "seq") and nso.seq == 0
        status = anon and 2 or 1
      else
        status = 2
      end
      break
    end
    if pval(d) == pval(parent) then
      status = 3
      parts = {}
      break
    end
    parts[#parts + 1] = M.dname(d)
    d = parent
    ::continue::
  end
  local out = {}
  for i = #parts, 1, -1 do out[#out + 1] = parts[i] end
  return "/" .. table.concat(out, "/"), status
end

-- root (dentry, vfsmount addresses) of a task (task->fs->root), or nil
function M.task_root(t)
  local fs = t.fs
  if fs == nil then return nil end
  local r = fs.root
  return pval(r:member_("dentry")), pval(r:member_("mnt"))
end

-- __d_path(): nil when the path is not reachable from root
function M.d_path_from(path, root_dentry, root_vfsmnt)
  local mnt = M.real_mount(path:member_("mnt"))
  local p, st = M.prepend_path(path.dentry, mnt, root_dentry, root_vfsmnt)
  if st > 0 then return nil end
  return p
end

-- the name d_path() gives to a dentry with ->d_dname (pseudo files), by
-- the name of that function; nil when not one of those
local function ino_of(d)
  local inode = d.d_inode
  return inode and inode.i_ino or 0
end

local dname_funcs = {
  pipefs_dname = function(d) return string.format("pipe:[%d]", ino_of(d)) end,
  sockfs_dname = function(d) return string.format("socket:[%d]", ino_of(d)) end,
  anon_inodefs_dname = function(d) return "anon_inode:" .. M.dname(d) end,
  simple_dname = function(d) return "/" .. M.dname(d) .. " (deleted)" end,
  ns_dname = function(d)
    local ok, name = pcall(function()
      local ns = kd.object("struct ns_common", pval(d:member_("d_fsdata")))
      return ns.ops.name:string_()
    end)
    return string.format("%s:[%d]", ok and name or "ns", ino_of(d))
  end,
  dmabuffs_dname = function(d)
    -- "/dmabuf:<name>" (drivers/dma-buf/dma-buf.c)
    return "/" .. "dmabuf:" .. M.dname(d)
  end,
}

-- d_path(): the path of a struct path as /proc/<pid>/fd and maps show it
-- for a reader whose root is (root_dentry, root_vfsmnt); pseudo files
-- get their synthetic names, unlinked files " (deleted)".
function M.d_path(path, root_dentry, root_vfsmnt)
  local d = path.dentry
  local mntp = path:member_("mnt")
  local op = d.d_op
  if op ~= nil then
    local fn = M.func_name(op:member_("d_dname"))
    if fn then
      local mnt_root = pval(mntp.mnt_root)
      if not is_root(d) or pval(d) ~= mnt_root then
        local f = dname_funcs[fn]
        if f then return f(d) end
        return "[" .. fn .. "]:" .. M.dname(d)
      end
    end
  end
  local mnt = M.real_mount(mntp)
  local p = M.prepend_path(d, mnt, root_dentry, root_vfsmnt)
  if M.d_unlinked(d) then p = p .. " (deleted)" end
  return p
end

-- }======

-- {====== inodes ======

M.S_IFMT = 0xf000
M.S_IFSOCK, M.S_IFLNK, M.S_IFREG, M.S_IFBLK = 0xc000, 0xa000, 0x8000, 0x6000
M.S_IFDIR, M.S_IFCHR, M.S_IFIFO = 0x4000, 0x2000, 0x1000

-- the file type bits of an inode mode (mode & S_IFMT)
function M.ifmt(mode) return mode & 0xf000 end

local mode_strings = {}
local mode_string
-- "drwxr-xr-x" (ls -l / strmode); memoized per mode (a listing has a
-- few distinct modes over hundreds of lines)
function M.mode_string(mode)
  local s = mode_strings[mode]
  if s == nil then
    s = mode_string(mode)
    mode_strings[mode] = s
  end
  return s
end

function mode_string(mode)
  local t = ({ [0xc000] = "s", [0xa000] = "l", [0x8000] = "-", [0x6000] = "b",
               [0x4000] = "d", [0x2000] = "c", [0x1000] = "p" })[mode & 0xf000] or "?"
  local function rwx(shift, special, sch)
    local r = (mode >> (shift + 2)) & 1 == 1 and "r" or "-"
    local w = (mode >> (shift + 1)) & 1 == 1 and "w" or "-"
    local x = (mode >> shift) & 1 == 1
    local xs
    if special then xs = x and sch or sch:upper() else xs = x and "x" or "-" end
    return r .. w .. xs
  end
  return t .. rwx(6, mode & 0x800 ~= 0, "s") .. rwx(3, mode & 0x400 ~= 0, "s") ..
         rwx(0, mode & 0x200 ~= 0, "t")
end

-- kuid/kgid value (struct {val} or a plain integer)
function M.kid(x)
  if type(x) == "number" then return x end
  return x.val
end

-- }======

-- {====== superblocks and filesystem types ======

-- every struct super_block (the super_blocks list)
function M.superblocks()
  local out = {}
  for sb in kd.list(kd.symbol("super_blocks"), "struct super_block", "s_list") do
    out[#out + 1] = sb
  end
  return out
end

-- the name of a superblock's filesystem type ("ext4", "xfs", ...)
function M.fstype_name(sb)
  return sb.s_type.name:string_()
end

-- show_type(): type name plus ".subtype" (fuse)
function M.show_type(sb)
  local name = M.escape(M.fstype_name(sb), " \t\n\\#")
  if has_member("struct super_block", "s_subtype") then
    local st = pval(sb:member_("s_subtype"))
    if st ~= 0 then name = name .. "." .. M.escape(kd.read_string(st, 256), " \t\n\\#") end
  end
  return name
end

-- }======

return M
