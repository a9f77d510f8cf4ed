-- kernel/devices.lua: registries the kernel prints from memory as they are:
-- /proc/misc, /proc/devices, /proc/filesystems, /proc/cgroups, and the
-- slab cache names (sos_commands/kernel/ls_-lt_.sys.kernel.slab).
--
-- Mirrors: drivers/char/misc.c, fs/proc/devices.c, fs/filesystems.c,
--   kernel/cgroup/cgroup-v1.c, mm/slab_common.c, mm/slub.c,
--   fs/kernfs/symlink.c

local M = {}

local sym = require("kernel.util").symbol_or_nil

local function str(o)
  if o == nil then return nil end
  local ok, s = pcall(function() return o:string_() end)
  if ok then return s end
  return nil
end

-- /proc/misc, drivers/char/misc.c misc_seq_show: "%3i %s\n" for each
-- miscdevice on misc_list, in list order (misc_register adds at the head)
function M.misc()
  local head = sym("misc_list")
  if not head then return nil, "misc_list not found (CONFIG_MISC or types missing)" end
  local out = {}
  for d in kd.list(head, "struct miscdevice", "list") do
    out[#out + 1] = string.format("%3d %s\n", d.minor, str(d.name) or "")
  end
  return table.concat(out)
end

-- entries of a major hash table (array of list heads chained by ->next),
-- ordered by major; entries of one major keep their chain order, as
-- chrdev_show()/blkdev_show() print them while fs/proc/devices.c walks the
-- majors 0..CHRDEV_MAJOR_MAX-1 (512 in 6.1; 255 before 4.14)
-- element count of a global array; the declaration the debug info
-- carries may lack the bound ("[]"): then the ELF symbol size says it
function M.array_len(o, elem_size)
  local n = #o
  if n and n > 0 then return n end
  local _, off, _, size = kd.symbolize(o:address_())
  if off == 0 and size and size > 0 then return size // (elem_size or 8) end
  return 0
end

local function majors(arr, namefield)
  local all = {}
  local n = M.array_len(arr, 8)
  for i = 0, n - 1 do
    local p = arr[i]
    local guard = 0
    while p ~= nil and guard < 100000 do
      all[#all + 1] = { major = p.major, name = str(p[namefield]) or "", seq = #all }
      p = p.next
      guard = guard + 1
    end
  end
  table.sort(all, function(a, b)
    if a.major ~= b.major then return a.major < b.major end
    return a.seq < b.seq
  end)
  return all
end

-- /proc/devices (fs/proc/devices.c devinfo_show)
function M.devices()
  local chr = sym("chrdevs")
  if not chr then return nil, "chrdevs not found" end
  local out = { "Character devices:\n" }
  for _, e in ipairs(majors(chr, "name")) do
    out[#out + 1] = string.format("%3d %s\n", e.major, e.name)
  end
  local blk = sym("major_names")
  if blk then -- CONFIG_BLOCK
    out[#out + 1] = "\nBlock devices:\n"
    for _, e in ipairs(majors(blk, "name")) do
      out[#out + 1] = string.format("%3d %s\n", e.major, e.name)
    end
  end
  return table.concat(out)
end

-- /proc/filesystems (fs/filesystems.c): file_systems chained by ->next;
-- "nodev" unless FS_REQUIRES_DEV (1)
function M.filesystems()
  local p = sym("file_systems")
  if not p then return nil, "file_systems not found" end
  local out = {}
  p = p:value_() ~= 0 and p or nil
  local guard = 0
  while p ~= nil and guard < 10000 do
    local flags = p.fs_flags
    out[#out + 1] = string.format("%s\t%s\n", (flags & 1) ~= 0 and "" or "nodev", str(p.name) or "")
    p = p.next
    guard = guard + 1
  end
  return table.concat(out)
end

-- static_key_enabled(): key.enabled > 0 (struct static_key_true wraps it)
local function static_key_enabled(k)
  local key = k
  local ok, v = pcall(function() return key.key.enabled.counter end)
  if not ok then ok, v = pcall(function() return key.enabled.counter end) end
  if ok then return v > 0 end
  return nil
end

-- /proc/cgroups (kernel/cgroup/cgroup-v1.c proc_cgroupstats_show, 4.x-6.x):
-- legacy_name, root->hierarchy_id, root->nr_cgrps, cgroup_ssid_enabled()
-- (static key cgroup_subsys_enabled_key[i]; before 4.6 ss->disabled)
function M.cgroups()
  local subsys = sym("cgroup_subsys")
  if not subsys then return nil, "cgroup_subsys not found (CONFIG_CGROUPS off?)" end
  local keys = sym("cgroup_subsys_enabled_key")
  local out = { "#subsys_name\thierarchy\tnum_cgroups\tenabled\n" }
  for i = 0, M.array_len(subsys, 8) - 1 do
    local ss = subsys[i]
    local name = str(kd.has_member("struct cgroup_subsys", "legacy_name") and ss.legacy_name or ss.name)
    local root = ss.root
    local enabled
    if keys then
      enabled = static_key_enabled(keys[i])
    elseif kd.has_member("struct cgroup_subsys", "disabled") then
      enabled = ss.disabled == 0
    end
    local nr = root.nr_cgrps
    if type(nr) ~= "number" then nr = nr.counter end
    out[#out + 1] = string.format("%s\t%d\t%d\t%d\n", name or "", root.hierarchy_id, nr,
      enabled and 1 or 0)
  end
  return table.concat(out)
end

-- slab caches on slab_caches (mm/slab_common.c), in list order
function M.slab_caches()
  local head = sym("slab_caches")
  if not head then return nil, "slab_caches not found" end
  local member = kd.has_member("struct kmem_cache", "list") and "list" or "next"
  local out = {}
  for c in kd.list(head, "struct kmem_cache", member) do
    out[#out + 1] = { name = str(c.name) or "?", size = c.size, object_size = c.object_size,
                      align = kd.has_member("struct kmem_cache", "align") and c.align or nil,
                      flags = c.flags, refcount = c.refcount,
                      merged = kd.has_member("struct kmem_cache", "memcg_params") }
  end
  return out
end

-- {====== kernfs (sysfs) directory listing ======

local KERNFS_DIR, KERNFS_LINK = 0x1, 0x4

-- "drwxr-xr-x" of a mode (memoized: a directory has a few modes)
local mode_strings = {}
local function mode_string(mode)
  local m = mode_strings[mode]
  if m then return m end
  local kind = ({ [0x4000] = "d", [0xa000] = "l", [0x8000] = "-" })[mode & 0xf000] or "?"
  local bits = "rwxrwxrwx"
  local out = { kind }
  for i = 8, 0, -1 do
    out[#out + 1] = ((mode >> i) & 1) == 1 and bits:sub(9 - i, 9 - i) or "-"
  end
  m = table.concat(out)
  mode_strings[mode] = m
  return m
end

-- kernfs nodes are read as numbers (addresses), one member reader call
-- each: a slab directory has hundreds of entries, and objects per member
-- were most of the listing's cost
local rd_kn, rd_parent, rb_off
local function kn_readers()
  if not rd_kn then
    rd_kn = kd.member_reader("struct kernfs_node", "flags", "name", "mode", "dir.subdirs",
                             "symlink.target_kn", "iattr")
    rd_parent = kd.member_reader("struct kernfs_node", "parent", "name")
    rb_off = kd.member_offset("struct kernfs_node", "rb")
  end
end

-- a kernfs name: nil when unreadable
local function name_at(a)
  if a == 0 then return nil end
  local ok, s = pcall(kd.read_string, a)
  if ok then return s end
  return nil
end

-- path of a kernfs symlink's target relative to the link's directory
-- (fs/kernfs/symlink.c kernfs_get_target_path: "../" up to the common
-- ancestor, then the names down to the target); nodes by address
local function link_target(parent, target)
  local function parent_of(kn) return (rd_parent(kn)) end
  local ups = {}
  local base = parent
  while base ~= 0 and parent_of(base) ~= 0 do
    local kn = parent_of(target)
    while kn ~= 0 and parent_of(kn) ~= 0 and kn ~= base do kn = parent_of(kn) end
    if kn == base then break end
    ups[#ups + 1] = "../"
    base = parent_of(base)
  end
  local names = {}
  local kn = target
  while kn ~= 0 and kn ~= base do
    local up, name = rd_parent(kn)
    table.insert(names, 1, name_at(name) or "?")
    kn = up
  end
  return table.concat(ups) .. table.concat(names, "/")
end

-- entries of a kernfs directory node: {name, mode, nlink, link}
function M.kernfs_entries(dir)
  kn_readers()
  local out = {}
  local dir_addr = dir:value_()
  local rd_iattr
  for rb in kd.rbtree(dir.dir.children:address_of_()) do
    local c = rb - rb_off
    local flags, name, mode, subdirs, target, iattr = rd_kn(c)
    local t = flags & 0xf
    local e = { name = name_at(name) or "?", mode = mode, nlink = 1 }
    if t == KERNFS_DIR then
      e.mode = (e.mode & 0xfff) | 0x4000
      e.nlink = subdirs + 2
    elseif t == KERNFS_LINK then
      e.mode = 0xa1ff
      local ok, tgt = pcall(link_target, dir_addr, target)
      e.link = ok and tgt or "?"
    else
      e.mode = (e.mode & 0xfff) | 0x8000
    end
    e.uid, e.gid = 0, 0
    if iattr ~= 0 then
      local ok, uid, gid = pcall(function()
        rd_iattr = rd_iattr or kd.member_reader("struct kernfs_iattrs", "ia_uid.val", "ia_gid.val")
        return rd_iattr(iattr)
      end)
      if ok and uid and gid then e.uid, e.gid = uid, gid end
    end
    out[#out + 1] = e
  end
  return out
end

-- whether the kernfs directory node at address dir has a child directory
-- named name (its children read as numbers, no entry records)
function M.kernfs_has_dir(dir, name)
  kn_readers()
  local children = kd.object("struct kernfs_node", dir).dir.children:address_of_()
  for rb in kd.rbtree(children) do
    local flags, a = rd_kn(rb - rb_off)
    if (flags & 0xf) == KERNFS_DIR and name_at(a) == name then return true end
  end
  return false
end

-- `ls -lt DIR` in the C locale, without the times (see ls_slab): the
-- columns as GNU ls aligns them; entries by name (equal times)
function M.ls_lt(entries)
  table.sort(entries, function(a, b) return a.name < b.name end)
  local wl, ws = 1, 1
  for _, e in ipairs(entries) do
    wl = math.max(wl, #tostring(e.nlink))
  end
  local out = { "total 0\n" }
  for _, e in ipairs(entries) do
    local owner = e.uid == 0 and "root" or tostring(e.uid)
    local group = e.gid == 0 and "root" or tostring(e.gid)
    out[#out + 1] = string.format("%s %" .. wl .. "d %s %s %" .. ws .. "d ??? ?? ??:?? %s%s\n",
      mode_string(e.mode), e.nlink, owner, group, 0, e.name, e.link and (" -> " .. e.link) or "")
  end
  return table.concat(out)
end

-- }======

-- sos_commands/kernel/ls_-lt_.sys.kernel.slab: `ls -lt /sys/kernel/slab`.
-- SLUB's sysfs directory (mm/slub.c slab_kset): one directory per cache
-- that cannot be merged, ":<flags>-<size>" directories for mergeable
-- ones, and symlinks from the names of merged aliases to them.  The
-- entries, modes, link counts and symlink targets come from the kernfs
-- tree; the times are those of the sysfs inodes, made when first looked up
-- (not in the kernfs nodes, which have no iattr until changed), so they are
-- printed as "??? ?? ??:??" and the listing is ordered by name.
-- Without SLUB sysfs (SLAB, SLOB, !CONFIG_SYSFS): the cache names of
-- slab_caches.  Returns text, reason (always a stub: the times).
function M.ls_slab()
  local kset = sym("slab_kset")
  if kset and kset:value_() ~= 0 then
    local ok, entries = pcall(M.kernfs_entries, kset.kobj.sd)
    if ok then
      return M.ls_lt(entries),
        "sysfs inode times are not in the dump (made when first looked up): shown as ??? and ordered by name"
    end
  end
  local caches, why = M.slab_caches()
  if not caches then return nil, why end
  local out = {}
  for _, c in ipairs(caches) do out[#out + 1] = c.name .. "\n" end
  return table.concat(out), "no SLUB sysfs (slab_kset) in this kernel: the cache names of slab_caches only"
end

return M
