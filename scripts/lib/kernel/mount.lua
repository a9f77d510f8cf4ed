-- kernel/mount.lua: mount namespaces and what /proc/<pid>/mounts,
-- /proc/<pid>/mountinfo, `mount -l`, `findmnt` and `df` show.
--
-- Sources (Linux 6.1): fs/proc_namespace.c (show_vfsmnt, show_mountinfo,
-- show_sb_opts, show_mnt_opts), fs/d_path.c, fs/pnode.[ch], the
-- ->show_options of the filesystems below, ->statfs of shmem and the
-- simple_statfs users; util-linux 2.38 (libmount option merging, mount -l,
-- findmnt) and coreutils 9.1 (df) for the tools.
--
-- The reader's view: /proc/<pid>/mount* use the mount namespace AND the
-- root of <pid> (mounts outside its root are skipped, as seq_path_root
-- returns SEQ_SKIP).  /proc/mounts, mount, findmnt and df ran in sos's
-- process: init's namespace and root (pid 1, else init_task).
--
-- Filesystem-specific options come from each ->show_options; the ones
-- decoded here are listed in OPTS below (tmpfs/shmem, ramfs, devpts, proc,
-- debugfs, tracefs, kernfs: sysfs, cgroup2, cgroup v1, ext2/3/4, xfs, nfs,
-- ...; no-option filesystems).  A filesystem whose show_options (or
-- show_devname / show_path / statfs) is not decoded, or whose module's
-- types are missing, makes only its own line incomplete: the text
-- functions return the incomplete lines beside the text, and emitters
-- hand them to partial(text, lines).
-- LSM options (security_sb_show_options: SELinux context=...) are not
-- shown.
--
-- Mirrors: fs/proc_namespace.c, fs/d_path.c, kernel/cgroup/cgroup-v1.c,
--   mm/mempolicy.c

local fs = require("kernel.fs")

local M = {}

local pval, has_member = fs.pval, fs.has_member

-- {====== flags ======

local MNT = { NOSUID = 0x01, NODEV = 0x02, NOEXEC = 0x04, NOATIME = 0x08,
  NODIRATIME = 0x10, RELATIME = 0x20, READONLY = 0x40, NOSYMFOLLOW = 0x80,
  SHARED = 0x1000, UNBINDABLE = 0x2000 }
M.MNT = MNT
local SB = { RDONLY = 0x1, SYNCHRONOUS = 0x10, MANDLOCK = 0x40, DIRSYNC = 0x80,
  LAZYTIME = 1 << 25, KERNMOUNT = 1 << 22 }
M.SB = SB

local mnt_opt_names = {
  { MNT.NOSUID, "nosuid" }, { MNT.NODEV, "nodev" }, { MNT.NOEXEC, "noexec" },
  { MNT.NOATIME, "noatime" }, { MNT.NODIRATIME, "nodiratime" },
  { MNT.RELATIME, "relatime" }, { MNT.NOSYMFOLLOW, "nosymfollow" },
}
local sb_opt_names = {
  { SB.SYNCHRONOUS, "sync" }, { SB.DIRSYNC, "dirsync" }, { SB.MANDLOCK, "mand" },
  { SB.LAZYTIME, "lazytime" },
}

-- is_idmapped_mnt(): 6.1 mnt_userns != &init_user_ns; 6.3+ mnt_idmap !=
-- &nop_mnt_idmap
local function is_idmapped(vfsmnt)
  if has_member("struct vfsmount", "mnt_idmap") then
    local nop = kd.symbol_address("nop_mnt_idmap")
    return nop ~= nil and pval(vfsmnt:member_("mnt_idmap")) ~= nop
  elseif has_member("struct vfsmount", "mnt_userns") then
    local init = kd.symbol_address("init_user_ns")
    return init ~= nil and pval(vfsmnt:member_("mnt_userns")) ~= init
  end
  return false
end

-- show_mnt_opts(): ",nosuid,...,relatime" (leading commas)
function M.mnt_opts(vfsmnt)
  local f = vfsmnt.mnt_flags
  local out = {}
  for _, o in ipairs(mnt_opt_names) do
    if f & o[1] ~= 0 then out[#out + 1] = "," .. o[2] end
  end
  if is_idmapped(vfsmnt) then out[#out + 1] = ",idmapped" end
  return table.concat(out)
end

-- show_sb_opts() without the LSM part
function M.sb_opts(sb)
  local f = sb.s_flags
  local out = {}
  for _, o in ipairs(sb_opt_names) do
    if f & o[1] ~= 0 then out[#out + 1] = "," .. o[2] end
  end
  return table.concat(out)
end

-- }======

-- {====== filesystem options (->show_options) ======

local function totalram_pages()
  local ok, v = pcall(function()
    local o = kd.symbol("_totalram_pages")
    local x = o.counter
    return type(x) == "number" and x or x:value_()
  end)
  if ok then return v end
  return nil
end

local function totalhigh_pages()
  local ok, v = pcall(function()
    local o = kd.symbol("_totalhigh_pages")
    return o.counter
  end)
  return ok and v or 0
end

local function page_shift()
  local ps = kd.dump_info().page_size or 4096
  local s = 0
  while (1 << s) < ps do s = s + 1 end
  return s
end

local function uid_of(x) return fs.kid(x) end

-- shmem_show_mpol(): mpol_to_str() of the mount's policy (mm/mempolicy.c)
local MPOL_NAMES = { [0] = "default", "prefer", "bind", "interleave", "local", "prefer (many)" }
local function shmem_mpol(sbi)
  if not has_member("struct shmem_sb_info", "mpol") then return "" end
  local p = sbi.mpol
  if p == nil then return "" end
  local mode = p.mode
  if mode == 0 then return "" end
  local s = MPOL_NAMES[mode] or ("mode" .. mode)
  local flags = p.flags
  local MPOL_F_STATIC_NODES, MPOL_F_RELATIVE_NODES = 1 << 15, 1 << 14
  if flags & MPOL_F_STATIC_NODES ~= 0 then s = s .. "=static"
  elseif flags & MPOL_F_RELATIVE_NODES ~= 0 then s = s .. "=relative" end
  if mode ~= 4 and mode ~= 0 then          -- MPOL_LOCAL has no nodes
    local ok, list = pcall(function()
      local bits = p.nodes.bits
      local words = {}
      for i = 0, #bits - 1 do words[#words + 1] = bits[i] end
      local nodes = {}
      for w, v in ipairs(words) do
        for b = 0, 63 do if (v >> b) & 1 == 1 then nodes[#nodes + 1] = (w - 1) * 64 + b end end
      end
      -- bitmap list "0-1,3"
      local parts, i = {}, 1
      while i <= #nodes do
        local j = i
        while j < #nodes and nodes[j + 1] == nodes[j] + 1 do j = j + 1 end
        parts[#parts + 1] = (i == j) and tostring(nodes[i]) or (nodes[i] .. "-" .. nodes[j])
        i = j + 1
      end
      return table.concat(parts, ",")
    end)
    if ok and list ~= "" then s = s .. ":" .. list end
  end
  return ",mpol=" .. s
end

-- CONFIG_TMPFS_INODE64 is not visible in a dump: it is taken as set when
-- some tmpfs shows full_inums (the default for mounts made without
-- inode32/inode64 on such kernels), which is how Debian and most
-- distributions build.  A kernel without it and all-inode32 mounts shows
-- no inode option, as here.
local tmpfs_inode64_default
local function tmpfs_inode64_config()
  if tmpfs_inode64_default == nil then
    tmpfs_inode64_default = false
    local ok = pcall(function()
      for _, sb in ipairs(fs.superblocks()) do
        if fs.func_name(sb.s_op:member_("show_options")) == "shmem_show_options" and
           sb.s_flags & SB.KERNMOUNT == 0 then
          local sbi = kd.object("struct shmem_sb_info", pval(sb:member_("s_fs_info")))
          if sbi.full_inums then tmpfs_inode64_default = true; return end
        end
      end
    end)
    if not ok then tmpfs_inode64_default = false end
  end
  return tmpfs_inode64_default
end

local HUGE = { [0] = "never", "always", "within_size", "advise", [-1] = "deny", [-2] = "force" }

local OPTS = {}
M.OPTS = OPTS

OPTS.shmem_show_options = function(sb)
  local sbi = kd.object("struct shmem_sb_info", pval(sb:member_("s_fs_info")))
  local out = {}
  local total = totalram_pages()
  local max_blocks, max_inodes = sbi.max_blocks, sbi.max_inodes
  if total == nil then error("no _totalram_pages: tmpfs size defaults unknown", 0) end
  if max_blocks ~= total // 2 then
    out[#out + 1] = string.format(",size=%dk", max_blocks << (page_shift() - 10))
  end
  local def_inodes = math.min(total - totalhigh_pages(), total // 2)
  if max_inodes ~= def_inodes then out[#out + 1] = string.format(",nr_inodes=%d", max_inodes) end
  local mode = sbi.mode
  if mode ~= (0x1ff | 0x200) then out[#out + 1] = string.format(",mode=%03o", mode) end
  local uid, gid = uid_of(sbi.uid), uid_of(sbi.gid)
  if uid ~= 0 then out[#out + 1] = ",uid=" .. uid end
  if gid ~= 0 then out[#out + 1] = ",gid=" .. gid end
  if has_member("struct shmem_sb_info", "full_inums") then
    local full = sbi.full_inums
    if tmpfs_inode64_config() or full then
      out[#out + 1] = full and ",inode64" or ",inode32"
    end
  end
  if has_member("struct shmem_sb_info", "huge") then
    local h = sbi.huge
    if h ~= 0 then out[#out + 1] = ",huge=" .. (HUGE[h] or "bad_val") end
  end
  out[#out + 1] = shmem_mpol(sbi)
  -- 6.4 "shmem: add support to ignore swap" (noswap)
  if has_member("struct shmem_sb_info", "noswap") and sbi.noswap then out[#out + 1] = ",noswap" end
  -- 6.6 "shmem: add quota support" (CONFIG_TMPFS_QUOTA: qlimits is the
  -- probe): sb_has_quota_active() of include/linux/quotaops.h on
  -- sb->s_dquot.flags -- DQUOT_USAGE_ENABLED (bit 0) set and DQUOT_SUSPENDED
  -- (bit 2 * MAXQUOTAS) clear, each shifted by the quota type
  if has_member("struct shmem_sb_info", "qlimits") then
    local qf = sb.s_dquot.flags
    for _, q in ipairs({ { 0, ",usrquota" }, { 1, ",grpquota" } }) do
      if (qf >> q[1]) & 1 ~= 0 and (qf >> (6 + q[1])) & 1 == 0 then out[#out + 1] = q[2] end
    end
    local ql = sbi.qlimits
    for _, n in ipairs({ "usrquota_bhardlimit", "grpquota_bhardlimit", "usrquota_ihardlimit", "grpquota_ihardlimit" }) do
      local v = ql[n]
      if v ~= 0 then
        out[#out + 1] = "," .. n:gsub("_(%a)hardlimit", function(k)
          return "_" .. (k == "b" and "block" or "inode") .. "_hardlimit" end) .. "=" .. v
      end
    end
  end
  return table.concat(out)
end

OPTS.ramfs_show_options = function(sb)
  local fsi = kd.object("struct ramfs_fs_info", pval(sb:member_("s_fs_info")))
  local mode = fsi.mount_opts.mode
  if mode ~= 0x1ed then return string.format(",mode=%o", mode) end     -- RAMFS_DEFAULT_MODE 0755
  return ""
end

OPTS.devpts_show_options = function(sb)
  local fsi = kd.object("struct pts_fs_info", pval(sb:member_("s_fs_info")))
  local o = fsi.mount_opts
  local out = {}
  if o.setuid ~= 0 and o.setuid ~= false then out[#out + 1] = ",uid=" .. uid_of(o.uid) end
  if o.setgid ~= 0 and o.setgid ~= false then out[#out + 1] = ",gid=" .. uid_of(o.gid) end
  out[#out + 1] = string.format(",mode=%03o", o.mode)
  out[#out + 1] = string.format(",ptmxmode=%03o", o.ptmxmode)
  local NR_UNIX98_PTY_MAX = 1 << 20
  if o.max < NR_UNIX98_PTY_MAX then out[#out + 1] = ",max=" .. o.max end
  return table.concat(out)
end

local HIDEPID = { [0] = "off", "noaccess", "invisible", [4] = "ptraceable" }
OPTS.proc_show_options = function(sb)
  local fsi = kd.object("struct proc_fs_info", pval(sb:member_("s_fs_info")))
  local out = {}
  local gid = uid_of(fsi.pid_gid)
  if gid ~= 0 then out[#out + 1] = ",gid=" .. gid end
  local hp = fsi.hide_pid
  if hp ~= 0 then out[#out + 1] = ",hidepid=" .. (HIDEPID[hp] or "unknown") end   -- hidepid2str()
  if has_member("struct proc_fs_info", "pidonly") and fsi.pidonly ~= 0 then
    out[#out + 1] = ",subset=pid"
  end
  return table.concat(out)
end

-- debugfs/tracefs: uid, gid and mode (0700 default); 6.1 keeps them in
-- fsi->mount_opts, 6.6+ (new mount API conversion, "debugfs: Convert to
-- new uid/gid option parsing helpers" era) directly in the fs_info
local function uid_gid_mode_opts(tname, sb)
  local fsi = kd.object(tname, pval(sb:member_("s_fs_info")))
  local o = has_member(tname, "mount_opts") and fsi.mount_opts or fsi
  local out = {}
  local uid, gid = uid_of(o.uid), uid_of(o.gid)
  if uid ~= 0 then out[#out + 1] = ",uid=" .. uid end
  if gid ~= 0 then out[#out + 1] = ",gid=" .. gid end
  if o.mode ~= 0x1c0 then out[#out + 1] = string.format(",mode=%o", o.mode) end  -- 0700
  return table.concat(out)
end
OPTS.debugfs_show_options = function(sb) return uid_gid_mode_opts("struct debugfs_fs_info", sb) end
OPTS.tracefs_show_options = function(sb) return uid_gid_mode_opts("struct tracefs_fs_info", sb) end

-- xfs_fs_show_options() (fs/xfs/xfs_super.c, same in 6.1 and 6.12):
-- XFS_FEAT_* bits of mp->m_features (#defines of xfs_mount.h), inode32/64,
-- allocsize, log buffers, log/rt devices, stripe unit/width in 512-byte
-- blocks, quota state from m_qflags (xfs_log_format.h)
local XFS_FEAT_OPTS = {
  { 57, ",ikeep" }, { 52, ",wsync" }, { 49, ",noalign" }, { 58, ",swalloc" },
  { 63, ",nouuid" }, { 62, ",norecovery" }, { 10, ",attr2" }, { 59, ",filestreams" },
  { 55, ",grpid" }, { 54, ",discard" }, { 51, ",largeio" }, { 60, ",dax=always" },
  { 61, ",dax=never" },
}
OPTS.xfs_fs_show_options = function(sb)
  local mp = kd.object("struct xfs_mount", pval(sb:member_("s_fs_info")))
  local feat = mp.m_features
  local out = {}
  for _, o in ipairs(XFS_FEAT_OPTS) do
    if (feat >> o[1]) & 1 == 1 then out[#out + 1] = o[2] end
  end
  out[#out + 1] = ((feat >> 56) & 1 == 1) and ",inode32" or ",inode64"      -- SMALL_INUMS
  if (feat >> 50) & 1 == 1 then                                              -- ALLOCSIZE
    out[#out + 1] = string.format(",allocsize=%dk", (1 << mp.m_allocsize_log) >> 10)
  end
  if mp.m_logbufs > 0 then out[#out + 1] = ",logbufs=" .. mp.m_logbufs end
  if mp.m_logbsize > 0 then out[#out + 1] = string.format(",logbsize=%dk", mp.m_logbsize >> 10) end
  local function devopt(name, ptr)
    local a = pval(ptr)
    if a ~= 0 then out[#out + 1] = "," .. name .. "=" .. fs.escape(kd.read_string(a, 4096), ", \t\n\\") end
  end
  devopt("logdev", mp:member_("m_logname"))
  devopt("rtdev", mp:member_("m_rtname"))
  local bblog = mp.m_blkbb_log
  if mp.m_dalign > 0 then out[#out + 1] = ",sunit=" .. (mp.m_dalign << bblog) end
  if mp.m_swidth > 0 then out[#out + 1] = ",swidth=" .. (mp.m_swidth << bblog) end
  local q = mp.m_qflags
  local UACCT, UENFD, PACCT, GACCT, GENFD, PENFD = 0x1, 0x2, 0x8, 0x40, 0x80, 0x200
  if q & UENFD ~= 0 then out[#out + 1] = ",usrquota" elseif q & UACCT ~= 0 then out[#out + 1] = ",uqnoenforce" end
  if q & PENFD ~= 0 then out[#out + 1] = ",prjquota" elseif q & PACCT ~= 0 then out[#out + 1] = ",pqnoenforce" end
  if q & GENFD ~= 0 then out[#out + 1] = ",grpquota" elseif q & GACCT ~= 0 then out[#out + 1] = ",gqnoenforce" end
  if q & (UACCT | GACCT | PACCT) == 0 then out[#out + 1] = ",noquota" end
  return table.concat(out)
end

-- ext4_show_options() -> _ext4_show_options(nodefs = 0) (fs/ext4/super.c,
-- the same in 6.1 and 6.12; ext2/ext3 mounts served by ext4 too): the
-- kernel's own ext4_mount_opts[] table ({token, mount_opt, flags} ints) and
-- the names of ext4_param_specs[] are read from the dump, so the option set
-- is the running kernel's; the rest are #defines of ext4.h.
local MOPT_SET, MOPT_CLEAR, MOPT_2, MOPT_SKIP = 0x1, 0x2, nil, 0x80
local function ext4_tables()
  local specs, named = {}, {}
  local ps = kd.symbol_address("ext4_param_specs")
  local stride = kd.type("struct fs_parameter_spec").size
  local name_off = kd.member_offset("struct fs_parameter_spec", "name")
  local type_off = kd.member_offset("struct fs_parameter_spec", "type")
  local opt_off = kd.member_offset("struct fs_parameter_spec", "opt")
  local opt_size = kd.member_size("struct fs_parameter_spec", "opt")
  for i = 0, 1023 do
    local a = ps + i * stride
    local np = kd.read_u64(a + name_off)
    if np == 0 then break end
    -- u8 opt (include/linux/fs_parser.h), flags right after it
    local opt = opt_size == 1 and kd.read_u8(a + opt_off) or kd.read_u32(a + opt_off)
    named[opt] = true
    -- token2str(): the first spec of the token without a value type
    if kd.read_u64(a + type_off) == 0 and specs[opt] == nil then specs[opt] = kd.read_string(np, 64) end
  end
  local mo = {}
  local base = kd.symbol_address("ext4_mount_opts")
  -- {Opt_err, 0, 0} ends the table: Opt_err is the one token no
  -- ext4_param_specs entry names (with CONFIG_QUOTA, MOPT_Q is 0, so
  -- {Opt_usrjquota, 0, 0} is all zeros too: a token a spec names)
  for i = 0, 1023 do
    local token = kd.read_s32(base + i * 12)
    local mopt = kd.read_u32(base + i * 12 + 4)
    local flags = kd.read_u32(base + i * 12 + 8)
    if i > 0 and mopt == 0 and flags == 0 and not named[token] then break end
    mo[#mo + 1] = { token = token, mount_opt = mopt, flags = flags }
  end
  return mo, specs
end
OPTS.ext4_show_options = function(sb)
  if not (kd.symbol_address("ext4_param_specs") and kd.symbol_address("ext4_mount_opts")) then
    error("ext4_param_specs/ext4_mount_opts not in the symbols", 0)
  end
  local sbi = kd.object("struct ext4_sb_info", pval(sb:member_("s_fs_info")))
  local es = sbi.s_es
  local out = {}
  local function put(x) out[#out + 1] = "," .. x end
  if sbi.s_sb_block ~= 1 then put("sb=" .. sbi.s_sb_block) end
  -- MOPT_2 (0x0100 in 6.1 and 6.12's super.c): the option is in s_mount_opt2
  MOPT_2 = MOPT_2 or 0x0100
  local mo, specs = ext4_tables()
  local opt, opt2 = sbi.s_mount_opt, sbi.s_mount_opt2
  for _, m in ipairs(mo) do
    if m.flags & (MOPT_SET | MOPT_CLEAR) ~= 0 and m.flags & MOPT_SKIP == 0 then
      local want_set = m.flags & MOPT_SET ~= 0
      local cur, def
      if m.flags & MOPT_2 ~= 0 then cur, def = opt2, sbi.s_def_mount_opt2
      else cur, def = opt, sbi.s_def_mount_opt end
      if m.mount_opt & (cur ~ def) ~= 0 then
        if not ((want_set and (cur & m.mount_opt) ~= m.mount_opt) or
                (not want_set and (cur & m.mount_opt) ~= 0)) then
          put(specs[m.token] or ("?" .. m.token))
        end
      end
    end
  end
  local resuid, resgid = uid_of(sbi.s_resuid), uid_of(sbi.s_resgid)
  if resuid ~= 0 or es.s_def_resuid ~= 0 then put("resuid=" .. resuid) end
  if resgid ~= 0 or es.s_def_resgid ~= 0 then put("resgid=" .. resgid) end
  local def_errors = es.s_errors
  if opt & 0x20 ~= 0 and def_errors ~= 2 then put("errors=remount-ro") end
  if opt & 0x10 ~= 0 and def_errors ~= 1 then put("errors=continue") end
  if opt & 0x40 ~= 0 and def_errors ~= 3 then put("errors=panic") end
  local hz = require("kernel.time").hz()
  if sbi.s_commit_interval ~= 5 * hz then put("commit=" .. sbi.s_commit_interval // hz) end
  if sbi.s_min_batch_time ~= 0 then put("min_batch_time=" .. sbi.s_min_batch_time) end
  if sbi.s_max_batch_time ~= 15000 then put("max_batch_time=" .. sbi.s_max_batch_time) end
  if sbi.s_stripe ~= 0 then put("stripe=" .. sbi.s_stripe) end
  if 0xC00 & (opt ~ sbi.s_def_mount_opt) ~= 0 then
    local d = opt & 0xC00
    if d == 0x400 then put("data=journal") elseif d == 0x800 then put("data=ordered")
    elseif d == 0xC00 then put("data=writeback") end
  end
  if sbi.s_inode_readahead_blks ~= 32 then put("inode_readahead_blks=" .. sbi.s_inode_readahead_blks) end
  if opt & 0x80000000 ~= 0 and sbi.s_li_wait_mult ~= 10 then put("init_itable=" .. sbi.s_li_wait_mult) end
  if sbi.s_max_dir_size_kb ~= 0 then put("max_dir_size_kb=" .. sbi.s_max_dir_size_kb) end
  if opt & 0x10000000 ~= 0 then put("data_err=abort") end
  -- fscrypt test_dummy_encryption is a test-only option: not shown here
  if sb.s_flags & (1 << 17) ~= 0 then put("inlinecrypt") end            -- SB_INLINECRYPT
  if opt & 0x200 ~= 0 then
    local ext2 = kd.symbol_address("ext2_fs_type")
    put((ext2 and pval(sb:member_("s_type")) == ext2) and "dax" or "dax=always")
  elseif opt2 & 0x20 ~= 0 then put("dax=never")
  elseif opt2 & 0x40 ~= 0 then put("dax=inode") end
  local groups = sbi.s_groups_count
  if groups >= 16 and opt2 & 0x80 == 0 then put("mb_optimize_scan=0")
  elseif groups < 16 and opt2 & 0x80 ~= 0 then put("mb_optimize_scan=1") end
  -- ext4_show_quota_options()
  if has_member("struct ext4_sb_info", "s_jquota_fmt") and sbi.s_jquota_fmt ~= 0 then
    local f = ({ [1] = "vfsold", [2] = "vfsv0", [4] = "vfsv1" })[sbi.s_jquota_fmt] or ""
    out[#out + 1] = ",jqfmt=" .. f
  end
  if has_member("struct ext4_sb_info", "s_qf_names") then
    for i, name in ipairs({ "usrjquota", "grpjquota" }) do
      local a = pval(sbi.s_qf_names[i - 1])
      if a ~= 0 then out[#out + 1] = "," .. name .. "=" .. fs.escape(kd.read_string(a, 4096), ", \t\n\\") end
    end
  end
  return table.concat(out)
end

-- nfs_show_options() (fs/nfs/super.c): nfs_show_mount_options(showdefaults
-- 0) then ",addr=".  Flags: NFS_MOUNT_* of uapi nfs_mount.h and
-- nfs_fs_sb.h; the netid and address strings are the transport's own
-- (rpc_peeraddr2str: xprt->address_strings[RPC_DISPLAY_*])
local NFS_FLAG_OPTS = {
  { 0x1, ",soft" }, { 0x400000, ",softerr" }, { 0x800000, ",softreval" }, { 0x8, ",posix" },
  { 0x10, ",nocto" }, { 0x20, ",noac" }, { 0x200, ",nolock" }, { 0x800, ",noacl" },
  { 0x4000, ",nordirplus" }, { 0x8000, ",nosharecache" }, { 0x40000, ",noresvport" },
}
local RPC_FLAVOURS = { [0] = "null", [1] = "sys", [390003] = "krb5", [390004] = "krb5i",
  [390005] = "krb5p", [390006] = "lkey", [390007] = "lkeyi", [390008] = "lkeyp",
  [390009] = "spkm", [390010] = "spkmi", [390011] = "spkmp" }
local function rpc_peeraddr2str(clnt, fmt)
  local xprt = clnt.cl_xprt
  local a = pval(xprt.address_strings[fmt])
  if a == 0 then return "unprintable" end
  return kd.read_string(a, 256)
end
-- nfs_show_mount_options(m, nfss, showdefaults): the option list after
-- "rw" (showdefaults: mountstats' form, the attribute-cache times and the
-- mountd settings even at their defaults)
function M.nfs_mount_options(nfss, showdefaults)
  local clp = nfss.nfs_client
  local version = clp.rpc_ops.version
  local hz = require("kernel.time").hz()
  local out = {}
  local function put(x) out[#out + 1] = x end
  put(",vers=" .. version)
  if version == 4 then put("." .. clp.cl_minorversion) end
  put(",rsize=" .. nfss.rsize)
  put(",wsize=" .. nfss.wsize)
  if nfss.bsize ~= 0 then put(",bsize=" .. nfss.bsize) end
  put(",namlen=" .. nfss.namelen)
  for _, a in ipairs({ { "acregmin", 3 }, { "acregmax", 60 }, { "acdirmin", 30 }, { "acdirmax", 60 } }) do
    local v = nfss[a[1]]
    if v ~= a[2] * hz or showdefaults then put("," .. a[1] .. "=" .. (v // hz)) end
  end
  local flags = nfss.flags
  if flags & (0x1 | 0x400000) == 0 then put(",hard") end
  for _, o in ipairs(NFS_FLAG_OPTS) do if flags & o[1] ~= 0 then put(o[2]) end end
  put(",proto=" .. rpc_peeraddr2str(nfss.client, 5))                -- RPC_DISPLAY_NETID
  if clp.cl_nconnect > 0 then put(",nconnect=" .. clp.cl_nconnect) end
  if version == 4 then
    if has_member("struct nfs_client", "cl_max_connect") and clp.cl_max_connect > 1 then
      put(",max_connect=" .. clp.cl_max_connect)
    end
    if nfss.port ~= 2049 then put(",port=" .. nfss.port) end
  elseif nfss.port ~= 0 then
    put(",port=" .. nfss.port)
  end
  local to = nfss.client.cl_timeout
  put(",timeo=" .. ((10 * to.to_initval) // hz))
  put(",retrans=" .. to.to_retries)
  put(",sec=" .. (RPC_FLAVOURS[nfss.client.cl_auth.au_flavor] or "unknown"))
  -- 6.5 "NFS: Add an "xprtsec=" NFS mount option"
  if has_member("struct nfs_client", "cl_xprtsec") then
    local pol = clp.cl_xprtsec.policy
    if pol == 1 then put(",xprtsec=tls") elseif pol == 2 then put(",xprtsec=mtls") end
  end
  if version ~= 4 then
    -- nfs_show_mountd_options()
    if flags & 0x80000 == 0 then                               -- !LEGACY_INTERFACE
      local sa = nfss.mountd_address
      local fam = kd.read_u16(sa:address_())
      local net = require("kernel.net")
      if fam == 2 then
        put(",mountaddr=" .. net.ip4(kd.read_u32(sa:address_() + 4)))
      elseif fam == 10 then
        put(",mountaddr=" .. net.ip6(kd.read(sa:address_() + 8, 16)))
      elseif showdefaults then
        put(",mountaddr=unspecified")
      end
      if nfss.mountd_version ~= 0 or showdefaults then put(",mountvers=" .. nfss.mountd_version) end
      local mp = nfss.mountd_port
      if (mp ~= 0 and mp ~= 0xffff) or showdefaults then put(",mountport=" .. mp) end
      local proto = nfss.mountd_protocol
      local netid
      if fam == 2 then netid = ({ [17] = "udp", [6] = "tcp" })[proto]
      elseif fam == 10 then netid = ({ [17] = "udp6", [6] = "tcp6" })[proto] end
      if netid or showdefaults then put(",mountproto=" .. (netid or "auto")) end
    end
  else
    put(",clientaddr=" .. clp.cl_ipaddr:string_())            -- nfs_show_nfsv4_options()
  end
  if nfss.options & 0x1 ~= 0 then                               -- NFS_OPTION_FSCACHE
    local u = has_member("struct nfs_server", "fscache_uniq") and pval(nfss:member_("fscache_uniq")) or 0
    put(u ~= 0 and (",fsc=" .. kd.read_string(u, 256)) or ",fsc")
  end
  if nfss.options & 0x2 ~= 0 then put(",migration") end
  if flags & 0x10000 ~= 0 then put(flags & 0x20000 ~= 0 and ",lookupcache=none" or ",lookupcache=pos") end
  local lfl, lfc = flags & 0x100000 ~= 0, flags & 0x200000 ~= 0
  if not lfl and not lfc then put(",local_lock=none")
  elseif lfl and lfc then put(",local_lock=all")
  elseif lfl then put(",local_lock=flock")
  else put(",local_lock=posix") end
  -- 6.9 "nfs: add 'noalignwrite' option for lock-less 'lost writes' prevention"
  if flags & 0x10000000 ~= 0 then put(",noalignwrite") end   -- a free bit before
  if flags & 0x01000000 ~= 0 then put(flags & 0x02000000 ~= 0 and ",write=wait" or ",write=eager") end
  return table.concat(out)
end
OPTS.nfs_show_options = function(sb)
  local nfss = kd.object("struct nfs_server", pval(sb:member_("s_fs_info")))
  return M.nfs_mount_options(nfss, false) .. ",addr="
    .. rpc_peeraddr2str(nfss.nfs_client.cl_rpcclient, 0)         -- RPC_DISPLAY_ADDR
end

-- hugetlbfs_show_options() (fs/hugetlbfs/inode.c, 6.1 = 6.12)
OPTS.hugetlbfs_show_options = function(sb)
  local sbi = kd.object("struct hugetlbfs_sb_info", pval(sb:member_("s_fs_info")))
  local out = {}
  local uid, gid = uid_of(sbi.uid), uid_of(sbi.gid)
  if uid ~= 0 then out[#out + 1] = ",uid=" .. uid end
  if gid ~= 0 then out[#out + 1] = ",gid=" .. gid end
  if sbi.mode ~= 0x1ed then out[#out + 1] = string.format(",mode=%o", sbi.mode) end   -- 0755
  if sbi.max_inodes ~= -1 then out[#out + 1] = ",nr_inodes=" .. sbi.max_inodes end
  local hshift = sbi.hstate.order + page_shift()
  local size, mod = (1 << hshift) // 1024, "K"
  if size >= 1024 then size, mod = size // 1024, "M" end
  out[#out + 1] = string.format(",pagesize=%d%s", size, mod)
  local sp = sbi.spool
  if sp ~= nil then
    if sp.max_hpages ~= -1 then out[#out + 1] = ",size=" .. (sp.max_hpages << hshift) end
    if sp.min_hpages ~= -1 then out[#out + 1] = ",min_size=" .. (sp.min_hpages << hshift) end
  end
  return table.concat(out)
end

-- bpf_show_options() (kernel/bpf/inode.c): the root inode's mode; 6.7
-- "bpf: Support uid and gid when mounting bpffs" added uid/gid (struct
-- bpf_mount_opts has them since), 6.9 the token delegate_* options
OPTS.bpf_show_options = function(sb)
  local inode = sb.s_root.d_inode
  local out = {}
  if kd.has_type("struct bpf_mount_opts") and has_member("struct bpf_mount_opts", "uid") then
    local uid, gid = uid_of(inode.i_uid), uid_of(inode.i_gid)
    if uid ~= 0 then out[#out + 1] = ",uid=" .. uid end
    if gid ~= 0 then out[#out + 1] = ",gid=" .. gid end
  end
  local mode = inode.i_mode & 0xfff & ~0x200                       -- S_IALLUGO & ~S_ISVTX
  if mode ~= 0x1ff then out[#out + 1] = string.format(",mode=%o", mode) end
  -- 6.9 "bpf: Add BPF token delegation mount options to BPF FS":
  -- seq_print_delegate_opts() names each bit by the enumerators of the
  -- kernel's own enum (vmlinux BTF there, the same enum in our types),
  -- prefix dropped and lower-cased; "any" for every bit, hex for the rest
  if has_member("struct bpf_mount_opts", "delegate_cmds") then
    local o = kd.object("struct bpf_mount_opts", pval(sb:member_("s_fs_info")))
    if o.delegate_cmds ~= 0 or o.delegate_maps ~= 0 or o.delegate_progs ~= 0 or o.delegate_attachs ~= 0 then
      for _, d in ipairs({ { "delegate_cmds", "enum bpf_cmd", "BPF_", "__MAX_BPF_CMD" },
                           { "delegate_maps", "enum bpf_map_type", "BPF_MAP_TYPE_", "__MAX_BPF_MAP_TYPE" },
                           { "delegate_progs", "enum bpf_prog_type", "BPF_PROG_TYPE_", "__MAX_BPF_PROG_TYPE" },
                           { "delegate_attachs", "enum bpf_attach_type", "BPF_", "__MAX_BPF_ATTACH_TYPE" } }) do
        local enums = kd.has_type(d[2]) and kd.type(d[2]).enumerators or {}
        local max
        for _, e in ipairs(enums) do if e.name == d[4] then max = e.value end end
        if max == nil then error(d[2] .. " not in the types: " .. d[1] .. " not decoded", 0) end
        local any = (1 << max) - 1
        local msk = o[d[1]] & any
        if msk ~= 0 then
          out[#out + 1] = "," .. d[1]
          if msk == any then
            out[#out + 1] = "=any"
          else
            local first = true
            for _, e in ipairs(enums) do
              if e.name:sub(1, #d[3]):upper() == d[3] and e.value >= 0 and e.value < 64 then
                local bit = 1 << e.value
                if msk & bit ~= 0 then
                  out[#out + 1] = (first and "=" or ":") .. e.name:sub(#d[3] + 1):lower()
                  msk = msk & ~bit
                  first = false
                end
              end
            end
            if msk ~= 0 then out[#out + 1] = string.format("%s0x%x", first and "=" or ":", msk) end
          end
        end
      end
    end
  end
  return table.concat(out)
end

-- autofs_show_options() (fs/autofs/inode.c, 6.1 = 6.12; Debian has
-- CONFIG_CHECKPOINT_RESTORE, hence pipe_ino)
OPTS.autofs_show_options = function(sb)
  local a = pval(sb:member_("s_fs_info"))
  if a == 0 then return "" end
  local sbi = kd.object("struct autofs_sb_info", a)
  local root_inode = sb.s_root.d_inode
  local out = { ",fd=" .. sbi.pipefd }
  local uid, gid = uid_of(root_inode.i_uid), uid_of(root_inode.i_gid)
  if uid ~= 0 then out[#out + 1] = ",uid=" .. uid end
  if gid ~= 0 then out[#out + 1] = ",gid=" .. gid end
  local pg = sbi.oz_pgrp
  out[#out + 1] = ",pgrp=" .. (pg ~= nil and pg.numbers[0].nr or 0)   -- pid_vnr from init's namespace
  out[#out + 1] = ",timeout=" .. (sbi.exp_timeout // require("kernel.time").hz())
  out[#out + 1] = ",minproto=" .. sbi.min_proto
  out[#out + 1] = ",maxproto=" .. sbi.max_proto
  local t = sbi.type
  if t & 4 ~= 0 then out[#out + 1] = ",offset" elseif t & 2 ~= 0 then out[#out + 1] = ",direct"
  else out[#out + 1] = ",indirect" end
  if sbi.flags & 0x2 ~= 0 then out[#out + 1] = ",strictexpire" end
  if sbi.flags & 0x4 ~= 0 then out[#out + 1] = ",ignore" end
  local pipe = sbi.pipe
  out[#out + 1] = ",pipe_ino=" .. (pipe ~= nil and pipe.f_inode.i_ino or -1)
  return table.concat(out)
end

-- fuse_show_options() (fs/fuse/inode.c): s_fs_info is the fuse_mount
OPTS.fuse_show_options = function(sb)
  local fm = kd.object("struct fuse_mount", pval(sb:member_("s_fs_info")))
  local fc = fm.fc
  local out = {}
  local function b(x) return x == true or x == 1 end
  if b(fc.legacy_opts_show) then
    out[#out + 1] = ",user_id=" .. uid_of(fc.user_id)
    out[#out + 1] = ",group_id=" .. uid_of(fc.group_id)
    if b(fc.default_permissions) then out[#out + 1] = ",default_permissions" end
    if b(fc.allow_other) then out[#out + 1] = ",allow_other" end
    if fc.max_read ~= 0xffffffff then out[#out + 1] = ",max_read=" .. fc.max_read end
    if sb.s_bdev ~= nil and sb.s_blocksize ~= 512 then out[#out + 1] = ",blksize=" .. sb.s_blocksize end
  end
  if has_member("struct fuse_conn", "dax_mode") then
    local d = fc.dax_mode
    if d == 1 then out[#out + 1] = ",dax=always" elseif d == 2 then out[#out + 1] = ",dax=never"
    elseif d == 3 then out[#out + 1] = ",dax=inode" end
  end
  return table.concat(out)
end

-- fat_show_options() (fs/fat/inode.c, vfat and msdos; 6.1 = 6.12)
OPTS.fat_show_options = function(sb)
  local sbi = kd.object("struct msdos_sb_info", pval(sb:member_("s_fs_info")))
  local o = sbi.options
  local function b(x) return x == true or (type(x) == "number" and x ~= 0) end
  local isvfat = b(o.isvfat)
  local out = {}
  local function put(x) out[#out + 1] = x end
  local uid, gid = uid_of(o.fs_uid), uid_of(o.fs_gid)
  if uid ~= 0 then put(",uid=" .. uid) end
  if gid ~= 0 then put(",gid=" .. gid) end
  put(string.format(",fmask=%04o", o.fs_fmask))
  put(string.format(",dmask=%04o", o.fs_dmask))
  if o.allow_utime ~= 0 then put(string.format(",allow_utime=%04o", o.allow_utime)) end
  local function charset(nls) return kd.read_string(pval(nls:member_("charset")), 64) end
  if sbi.nls_disk ~= nil then put(",codepage=" .. charset(sbi.nls_disk):sub(3)) end
  if isvfat then
    if sbi.nls_io ~= nil then put(",iocharset=" .. charset(sbi.nls_io)) end
    local sn = o.shortname
    local SN = { [0x102] = "win95", [0x204] = "winnt", [0x104] = "mixed", [0x101] = "lower" }
    put(",shortname=" .. (SN[sn] or "unknown"))
  end
  if o.name_check ~= string.byte("n") then put(",check=" .. string.char(o.name_check & 0xff)) end
  if b(o.usefree) then put(",usefree") end
  if b(o.quiet) then put(",quiet") end
  if b(o.showexec) then put(",showexec") end
  if b(o.sys_immutable) then put(",sys_immutable") end
  if not isvfat then
    if b(o.dotsOK) then put(",dotsOK=yes") end
    if b(o.nocase) then put(",nocase") end
  else
    if b(o.utf8) then put(",utf8") end
    if b(o.unicode_xlate) then put(",uni_xlate") end
    if not b(o.numtail) then put(",nonumtail") end
    if b(o.rodir) then put(",rodir") end
  end
  if b(o.flush) then put(",flush") end
  if b(o.tz_set) then
    if o.time_offset ~= 0 then put(",time_offset=" .. o.time_offset) else put(",tz=UTC") end
  end
  if o.errors == 1 then put(",errors=continue") elseif o.errors == 2 then put(",errors=panic")
  else put(",errors=remount-ro") end
  if o.nfs == 2 then put(",nfs=nostale_ro") elseif o.nfs ~= 0 then put(",nfs=stale_rw") end
  if b(o.discard) then put(",discard") end
  if b(o.dos1xfloppy) then put(",dos1xfloppy") end
  return table.concat(out)
end

-- exfat_show_options() (fs/exfat/super.c); zero_size_dir is 6.8+
OPTS.exfat_show_options = function(sb)
  local sbi = kd.object("struct exfat_sb_info", pval(sb:member_("s_fs_info")))
  local o = sbi.options
  local function b(x) return x == true or (type(x) == "number" and x ~= 0) end
  local out = {}
  local function put(x) out[#out + 1] = x end
  local uid, gid = uid_of(o.fs_uid), uid_of(o.fs_gid)
  if uid ~= 0 then put(",uid=" .. uid) end
  if gid ~= 0 then put(",gid=" .. gid) end
  put(string.format(",fmask=%04o,dmask=%04o", o.fs_fmask, o.fs_dmask))
  if o.allow_utime ~= 0 then put(string.format(",allow_utime=%04o", o.allow_utime)) end
  if b(o.utf8) then put(",iocharset=utf8")
  elseif sbi.nls_io ~= nil then put(",iocharset=" .. kd.read_string(pval(sbi.nls_io:member_("charset")), 64)) end
  if o.errors == 1 then put(",errors=continue") elseif o.errors == 2 then put(",errors=panic")
  else put(",errors=remount-ro") end
  if b(o.discard) then put(",discard") end
  if has_member("struct exfat_mount_options", "keep_last_dots") and b(o.keep_last_dots) then put(",keep_last_dots") end
  if b(o.sys_tz) then put(",sys_tz") elseif o.time_offset ~= 0 then put(",time_offset=" .. o.time_offset) end
  if has_member("struct exfat_mount_options", "zero_size_dir") and b(o.zero_size_dir) then put(",zero_size_dir") end
  return table.concat(out)
end

-- isofs_show_options() (fs/isofs/inode.c; Debian has CONFIG_JOLIET)
OPTS.isofs_show_options = function(sb)
  local sbi = kd.object("struct isofs_sb_info", pval(sb:member_("s_fs_info")))
  local out = {}
  local function put(x) out[#out + 1] = x end
  local function b(x) return x == true or (type(x) == "number" and x ~= 0) end
  if not b(sbi.s_rock) then put(",norock") elseif sbi.s_joliet_level == 0 then put(",nojoliet") end
  if b(sbi.s_cruft) then put(",cruft") end
  if b(sbi.s_hide) then put(",hide") end
  if b(sbi.s_nocompress) then put(",nocompress") end
  if b(sbi.s_overriderockperm) then put(",overriderockperm") end
  if b(sbi.s_showassoc) then put(",showassoc") end
  if sbi.s_check ~= 0 then put(",check=" .. string.char(sbi.s_check)) end
  if sbi.s_mapping ~= 0 then put(",map=" .. string.char(sbi.s_mapping)) end
  if sbi.s_session ~= 255 then put(",session=" .. (sbi.s_session - 1)) end
  if sbi.s_sbsector ~= -1 and sbi.s_sbsector ~= 0xffffffff then put(",sbsector=" .. sbi.s_sbsector) end
  if sb.s_blocksize ~= 1024 then put(",blocksize=" .. sb.s_blocksize) end
  if b(sbi.s_uid_set) then put(",uid=" .. uid_of(sbi.s_uid)) end
  if b(sbi.s_gid_set) then put(",gid=" .. uid_of(sbi.s_gid)) end
  if sbi.s_dmode ~= 0xffff then put(string.format(",dmode=%o", sbi.s_dmode)) end
  if sbi.s_fmode ~= 0xffff then put(string.format(",fmode=%o", sbi.s_fmode)) end
  local io = sbi.s_nls_iocharset
  if io ~= nil then put(",iocharset=" .. kd.read_string(pval(io:member_("charset")), 64))
  else put(",iocharset=utf8") end
  return table.concat(out)
end

-- squashfs_show_options(): errors=, and threads= only in kernels built to
-- let a mount choose (CONFIG_SQUASHFS_CHOICE_DECOMP_BY_MOUNT /
-- _MOUNT_DECOMP_THREADS, 6.2+): the option parsers those configs compile
-- in are the probe (Debian builds neither)
OPTS.squashfs_show_options = function(sb)
  local msblk = kd.object("struct squashfs_sb_info", pval(sb:member_("s_fs_info")))
  local out = { (msblk.panic_on_errors == true or msblk.panic_on_errors == 1) and ",errors=panic" or ",errors=continue" }
  if kd.symbol_address("squashfs_parse_param_threads_str") and has_member("struct squashfs_sb_info", "thread_ops") then
    local ops = pval(msblk:member_("thread_ops"))
    if ops == kd.symbol_address("squashfs_decompressor_single") then out[#out + 1] = ",threads=single"; return table.concat(out)
    elseif ops == kd.symbol_address("squashfs_decompressor_percpu") then out[#out + 1] = ",threads=percpu"; return table.concat(out) end
  end
  if kd.symbol_address("squashfs_parse_param_threads_num") and has_member("struct squashfs_sb_info", "max_thread_num") then
    out[#out + 1] = ",threads=" .. msblk.max_thread_num
  end
  return table.concat(out)
end

-- ovl_show_options() (fs/overlayfs): 6.1 keeps lowerdir as one string and
-- redirect_mode as a string; 6.7 "ovl: add support for appending lowerdirs
-- one by one" keeps lowerdirs[] (lowerdir+/datadir+) and the modes as
-- enums.  The defaults are the module's parameters (ovl_*_def variables).
local function ovl_param(name)
  local a = kd.symbol_address(name)
  if a == nil then error("overlay module parameter " .. name .. " not in the symbols", 0) end
  return kd.read_u8(a) ~= 0
end
OPTS.ovl_show_options = function(sb)
  local ofs = kd.object("struct ovl_fs", pval(sb:member_("s_fs_info")))
  local c = ofs.config
  local out = {}
  local function opt(name, ptr)
    out[#out + 1] = "," .. name .. "=" .. fs.escape(kd.read_string(ptr, 4096), ", \t\n\\")
  end
  local function b(x) return x == true or (type(x) == "number" and x ~= 0) end
  local function onoff(x) return b(x) and "on" or "off" end
  if has_member("struct ovl_config", "lowerdirs") then
    local ld = pval(c:member_("lowerdirs"))
    local first = kd.read_u64(ld)
    local nr_lower, nr_merged = 0, 0
    if first ~= 0 then opt("lowerdir", first)
    else nr_lower = ofs.numlayer; nr_merged = nr_lower - ofs.numdatalayer end
    for i = 1, nr_lower - 1 do
      opt(i < nr_merged and "lowerdir+" or "datadir+", kd.read_u64(ld + 8 * i))
    end
  else
    opt("lowerdir", pval(c:member_("lowerdir")))
  end
  if pval(c:member_("upperdir")) ~= 0 then
    opt("upperdir", pval(c:member_("upperdir")))
    opt("workdir", pval(c:member_("workdir")))
  end
  if b(c.default_permissions) then out[#out + 1] = ",default_permissions" end
  -- ovl_redirect_mode_def(): "on" with redirect_dir on by default, else
  -- "follow" or "nofollow" as redirect_always_follow says (6.1: strings;
  -- 6.7+: enum ovl_redirect)
  local redirect_def = ovl_param("ovl_redirect_dir_def")
  local always_follow = ovl_param("ovl_redirect_always_follow")
  -- 6.5 "ovl: port to new mount api" made redirect_mode an int (enum)
  local redirect_is_string = false
  for _, mm in ipairs(kd.type("struct ovl_config").members or {}) do
    if mm.name == "redirect_mode" then redirect_is_string = mm.type.kind == "pointer" end
  end
  if redirect_is_string then
    local m = kd.read_string(pval(c:member_("redirect_mode")), 16)
    local def = redirect_def and "on" or (always_follow and "follow" or "nofollow")
    if m ~= def then out[#out + 1] = ",redirect_dir=" .. m end
  else
    local names = { [0] = "off", "follow", "nofollow", "on" }
    local def = redirect_def and 3 or (always_follow and 1 or 2)
    if c.redirect_mode ~= def then out[#out + 1] = ",redirect_dir=" .. names[c.redirect_mode] end
  end
  if b(c.index) ~= ovl_param("ovl_index_def") then out[#out + 1] = ",index=" .. onoff(c.index) end
  if type(c.uuid) == "boolean" then                                   -- 6.1: a bool
    if not b(c.uuid) then out[#out + 1] = ",uuid=off" end
  elseif c.uuid ~= 2 then                                           -- OVL_UUID_AUTO
    out[#out + 1] = ",uuid=" .. (({ [0] = "off", "null", "auto", "on" })[c.uuid] or "?")
  end
  if b(c.nfs_export) ~= ovl_param("ovl_nfs_export_def") then out[#out + 1] = ",nfs_export=" .. onoff(c.nfs_export) end
  local xdef = ovl_param("ovl_xino_auto_def") and 1 or 0
  if c.xino ~= xdef and ofs.xino_mode ~= 0 then
    out[#out + 1] = ",xino=" .. (({ [0] = "off", "auto", "on" })[c.xino] or "?")
  end
  if b(c.metacopy) ~= ovl_param("ovl_metacopy_def") then out[#out + 1] = ",metacopy=" .. onoff(c.metacopy) end
  if has_member("struct ovl_config", "fsync_mode") then
    if c.fsync_mode ~= 1 then                                       -- OVL_FSYNC_AUTO
      out[#out + 1] = ",fsync=" .. (({ [0] = "volatile", "auto", "strict" })[c.fsync_mode] or "?")
    end
  elseif has_member("struct ovl_config", "ovl_volatile") and b(c.ovl_volatile) then
    out[#out + 1] = ",volatile"
  end
  if b(c.userxattr) then out[#out + 1] = ",userxattr" end
  if has_member("struct ovl_config", "verity_mode") and c.verity_mode ~= 0 then
    out[#out + 1] = ",verity=" .. (({ [0] = "off", "on", "require" })[c.verity_mode] or "?")
  end
  return table.concat(out)
end

-- btrfs_show_options() (fs/btrfs/super.c).  The BTRFS_MOUNT_* bits are an
-- anonymous enum (ctree.h in 6.1, fs.h in 6.12), so not reachable by name
-- in the types: 6.7 "btrfs: remove check-integrity functionality" dropped
-- bits 19-20 (CHECK_INTEGRITY{,_DATA}) and renumbered the rest; 6.8
-- "btrfs: convert to the new mount API" (btrfs_parse_param, the probe)
-- came after it and added NODISCARD/NOSPACECACHE (internal, not shown) and
-- 6.10/6.11 IGNOREMETACSUMS/IGNORESUPERFLAGS.  A 6.7 kernel (renumbered,
-- old mount API) is read with the 6.1 numbering: its bits >= 19 are wrong.
local BTRFS_BITS_OLD = { NODATASUM = 0, NODATACOW = 1, NOBARRIER = 2, SSD = 3, DEGRADED = 4,
  COMPRESS = 5, NOTREELOG = 6, FLUSHONCOMMIT = 7, SSD_SPREAD = 8, NOSSD = 9, DISCARD_SYNC = 10,
  FORCE_COMPRESS = 11, SPACE_CACHE = 12, CLEAR_CACHE = 13, USER_SUBVOL_RM_ALLOWED = 14,
  ENOSPC_DEBUG = 15, AUTO_DEFRAG = 16, USEBACKUPROOT = 17, SKIP_BALANCE = 18,
  CHECK_INTEGRITY = 19, CHECK_INTEGRITY_DATA = 20, PANIC_ON_FATAL_ERROR = 21,
  RESCAN_UUID_TREE = 22, FRAGMENT_DATA = 23, FRAGMENT_METADATA = 24, FREE_SPACE_TREE = 25,
  NOLOGREPLAY = 26, REF_VERIFY = 27, DISCARD_ASYNC = 28, IGNOREBADROOTS = 29, IGNOREDATACSUMS = 30 }
local BTRFS_BITS_NEW = { NODATASUM = 0, NODATACOW = 1, NOBARRIER = 2, SSD = 3, DEGRADED = 4,
  COMPRESS = 5, NOTREELOG = 6, FLUSHONCOMMIT = 7, SSD_SPREAD = 8, NOSSD = 9, DISCARD_SYNC = 10,
  FORCE_COMPRESS = 11, SPACE_CACHE = 12, CLEAR_CACHE = 13, USER_SUBVOL_RM_ALLOWED = 14,
  ENOSPC_DEBUG = 15, AUTO_DEFRAG = 16, USEBACKUPROOT = 17, SKIP_BALANCE = 18,
  PANIC_ON_FATAL_ERROR = 19, RESCAN_UUID_TREE = 20, FRAGMENT_DATA = 21, FRAGMENT_METADATA = 22,
  FREE_SPACE_TREE = 23, NOLOGREPLAY = 24, REF_VERIFY = 25, DISCARD_ASYNC = 26,
  IGNOREBADROOTS = 27, IGNOREDATACSUMS = 28, NODISCARD = 29, NOSPACECACHE = 30,
  IGNOREMETACSUMS = 31, IGNORESUPERFLAGS = 32 }
local BTRFS_COMPRESS = { [0] = "", "zlib", "lzo", "zstd" }    -- btrfs_compress_types[]
local BTRFS_FIRST_FREE_OBJECTID = 256                          -- a subvolume's root directory

-- the subvolume's path from the top-level subvolume (what
-- btrfs_get_subvol_name_from_objectid() rebuilds from the root tree's
-- ROOT_BACKREF items, on disk): the names of the dentries from the
-- subvolume's root directory (inode 256 of that root) up to sb->s_root,
-- which btrfs_fill_super() made the top-level subvolume's root
local function btrfs_subvol_path(sb, dentry, root_addr)
  local sroot = pval(sb:member_("s_root"))
  local d = dentry
  for _ = 1, 4096 do                        -- up to the subvolume's root directory
    local ino = d.d_inode
    if ino == nil then error("negative dentry on the way to the subvolume root", 0) end
    local bi = kd.container_of(pval(ino), "struct btrfs_inode", "vfs_inode")
    if ino.i_ino == BTRFS_FIRST_FREE_OBJECTID and pval(bi:member_("root")) == root_addr then break end
    if pval(d) == sroot or fs.is_root(d) then error("subvolume root directory not above the mount root", 0) end
    d = d.d_parent
  end
  local parts = {}
  for _ = 1, 4096 do
    if pval(d) == sroot then
      local out = {}
      for i = #parts, 1, -1 do out[#out + 1] = parts[i] end
      return "/" .. table.concat(out, "/")
    end
    if fs.is_root(d) then error("subvolume not connected to the top-level subvolume (disconnected dentry)", 0) end
    parts[#parts + 1] = fs.dname(d)
    d = d.d_parent
  end
  error("dentry chain too long", 0)
end

-- dentry: the mount's root (show_options gets mnt->mnt_root)
OPTS.btrfs_show_options = function(sb, dentry)
  local info = kd.object("struct btrfs_fs_info", pval(sb:member_("s_fs_info")))
  local bits = kd.symbol_address("btrfs_parse_param") and BTRFS_BITS_NEW or BTRFS_BITS_OLD
  local mo = info.mount_opt
  local function opt(name) local b = bits[name] return b ~= nil and (mo >> b) & 1 == 1 end
  local out = {}
  local function put(x) out[#out + 1] = x end
  if opt("DEGRADED") then put(",degraded") end
  if opt("NODATASUM") then put(",nodatasum") end
  if opt("NODATACOW") then put(",nodatacow") end
  if opt("NOBARRIER") then put(",nobarrier") end
  if info.max_inline ~= 2048 then put(",max_inline=" .. info.max_inline) end  -- BTRFS_DEFAULT_MAX_INLINE
  -- min(num_online_cpus() + 2, 8): the CPUs online before the panic
  local ncpu = #require("kernel.cpu").online()
  if info.thread_pool_size ~= math.min(ncpu + 2, 8) then put(",thread_pool=" .. info.thread_pool_size) end
  if opt("COMPRESS") then
    local ct = BTRFS_COMPRESS[info.compress_type] or "(null)"
    put((opt("FORCE_COMPRESS") and ",compress-force=" or ",compress=") .. ct)
    if info.compress_level ~= 0 then put(":" .. info.compress_level) end
  end
  if opt("NOSSD") then put(",nossd") end
  if opt("SSD_SPREAD") then put(",ssd_spread") elseif opt("SSD") then put(",ssd") end
  if opt("NOTREELOG") then put(",notreelog") end
  local printed = false
  for _, r in ipairs({ { "NOLOGREPLAY", "nologreplay" }, { "USEBACKUPROOT", "usebackuproot" },
                       { "IGNOREBADROOTS", "ignorebadroots" }, { "IGNOREDATACSUMS", "ignoredatacsums" },
                       { "IGNOREMETACSUMS", "ignoremetacsums" }, { "IGNORESUPERFLAGS", "ignoresuperflags" } }) do
    if opt(r[1]) then put((printed and ":" or ",rescue=") .. r[2]); printed = true end   -- print_rescue_option()
  end
  if opt("FLUSHONCOMMIT") then put(",flushoncommit") end
  if opt("DISCARD_SYNC") then put(",discard") end
  if opt("DISCARD_ASYNC") then put(",discard=async") end
  if sb.s_flags & (1 << 16) == 0 then put(",noacl") end                        -- SB_POSIXACL
  local sc = info.super_copy
  if sc.cache_generation ~= 0 then put(",space_cache")                        -- btrfs_free_space_cache_v1_active()
  elseif sc.compat_ro_flags & 1 ~= 0 then put(",space_cache=v2")             -- COMPAT_RO_FREE_SPACE_TREE
  else put(",nospace_cache") end
  if opt("RESCAN_UUID_TREE") then put(",rescan_uuid_tree") end
  if opt("CLEAR_CACHE") then put(",clear_cache") end
  if opt("USER_SUBVOL_RM_ALLOWED") then put(",user_subvol_rm_allowed") end
  if opt("ENOSPC_DEBUG") then put(",enospc_debug") end
  if opt("AUTO_DEFRAG") then put(",autodefrag") end
  if opt("SKIP_BALANCE") then put(",skip_balance") end
  -- CONFIG_BTRFS_FS_CHECK_INTEGRITY (6.1; Debian builds without it): the
  -- print mask member exists only in such builds
  if has_member("struct btrfs_fs_info", "check_integrity_print_mask") then
    if opt("CHECK_INTEGRITY_DATA") then put(",check_int_data") elseif opt("CHECK_INTEGRITY") then put(",check_int") end
    if info.check_integrity_print_mask ~= 0 then put(",check_int_print_mask=" .. info.check_integrity_print_mask) end
  end
  if info.metadata_ratio ~= 0 then put(",metadata_ratio=" .. info.metadata_ratio) end
  if opt("PANIC_ON_FATAL_ERROR") then put(",fatal_errors=panic") end
  if info.commit_interval ~= 30 then put(",commit=" .. info.commit_interval) end   -- BTRFS_DEFAULT_COMMIT_INTERVAL
  -- CONFIG_BTRFS_DEBUG's fragment= options: the debug-only symbol is the probe
  if kd.symbol_address("btrfs_should_fragment_free_space") then
    if opt("FRAGMENT_DATA") then put(",fragment=data") end
    if opt("FRAGMENT_METADATA") then put(",fragment=metadata") end
  end
  if opt("REF_VERIFY") then put(",ref_verify") end
  dentry = dentry or sb.s_root
  local root = kd.container_of(pval(dentry.d_inode), "struct btrfs_inode", "vfs_inode").root
  put(",subvolid=" .. root.root_key.objectid)                                 -- btrfs_root_id()
  put(",subvol=" .. fs.escape(btrfs_subvol_path(sb, dentry, pval(root)), ", \t\n\\"))  -- seq_show_option()
  return table.concat(out)
end

-- kernfs: the root's syscall_ops->show_options (cgroup2, cgroup v1);
-- sysfs has none
local function kernfs_root_of_sb(sb)
  local info = kd.object("struct kernfs_super_info", pval(sb:member_("s_fs_info")))
  return info.root
end

-- the CGRP_ROOT_* bits are enumerators of an anonymous enum
-- (include/linux/cgroup-defs.h, "cgroup_root->flags"): there is no type
-- name to ask kd.enum_value with; nil when this kernel has no such flag
local function cgrp_flag(name)
  return (kd.constant(name))
end

local function cgroup2_opts()
  local root = kd.symbol("cgrp_dfl_root")
  local flags = root.flags
  local out = {}
  for _, p in ipairs({ { "CGRP_ROOT_NS_DELEGATE", "nsdelegate" },
                       { "CGRP_ROOT_FAVOR_DYNMODS", "favordynmods" },
                       { "CGRP_ROOT_MEMORY_LOCAL_EVENTS", "memory_localevents" },
                       { "CGRP_ROOT_MEMORY_RECURSIVE_PROT", "memory_recursiveprot" },
                       { "CGRP_ROOT_MEMORY_HUGETLB_ACCOUNTING", "memory_hugetlb_accounting" },
                       { "CGRP_ROOT_PIDS_LOCAL_EVENTS", "pids_localevents" } }) do
    local bit = cgrp_flag(p[1])
    if bit and flags & bit ~= 0 then out[#out + 1] = "," .. p[2] end
  end
  return table.concat(out)
end

-- cgroup1_show_options() (kernel/cgroup/cgroup-v1.c): controllers, flags,
-- release_agent, name=
local function cgroup1_opts(kroot)
  local croot = kd.container_of(pval(kroot), "struct cgroup_root", "kf_root")
  local out = {}
  local mask = croot.subsys_mask
  local ok = pcall(function()
    local subsys = kd.symbol("cgroup_subsys")
    for i = 0, #subsys - 1 do
      if (mask >> i) & 1 == 1 then
        local ss = subsys[i]
        if ss ~= nil then
          local ok2, legacy = pcall(function() return ss.legacy_name:string_() end)
          out[#out + 1] = "," .. (ok2 and legacy or ss.name:string_())
        end
      end
    end
  end)
  if not ok then error("cgroup v1 controller names not readable", 0) end
  local flags = croot.flags
  local function f(name, txt) local b = cgrp_flag(name) if b and flags & b ~= 0 then out[#out + 1] = txt end end
  f("CGRP_ROOT_NOPREFIX", ",noprefix")
  f("CGRP_ROOT_XATTR", ",xattr")
  f("CGRP_ROOT_CPUSET_V2_MODE", ",cpuset_v2_mode")
  f("CGRP_ROOT_FAVOR_DYNMODS", ",favordynmods")
  local ra = croot.release_agent_path:string_()
  if ra ~= "" then out[#out + 1] = ",release_agent=" .. fs.escape(ra, ", \t\n\\") end
  local cgrp = croot.cgrp
  local okf, ccc = pcall(function() return cgrp.flags end)
  if okf and (ccc >> 4) & 1 == 1 then out[#out + 1] = ",clone_children" end  -- CGRP_CPUSET_CLONE_CHILDREN
  local name = croot.name:string_()
  if name ~= "" then out[#out + 1] = ",name=" .. fs.escape(name, ", \t\n\\") end
  return table.concat(out)
end

OPTS.kernfs_sop_show_options = function(sb)
  local kroot = kernfs_root_of_sb(sb)
  local sc = kroot.syscall_ops
  if sc == nil then return "" end
  local fn = fs.func_name(sc:member_("show_options"))
  if fn == nil then return "" end
  if fn == "cgroup_show_options" then return cgroup2_opts() end
  if fn == "cgroup1_show_options" then return cgroup1_opts(kroot) end
  error("kernfs show_options " .. fn .. " not decoded", 0)
end

-- ->show_options of a superblock seen through a mount whose root is
-- root_dentry (btrfs shows that dentry's subvolume; nil: the sb's root):
-- text (leading commas), or nil, reason
function M.fs_options(sb, root_dentry)
  local fn = fs.func_name(sb.s_op:member_("show_options"))
  if fn == nil then return "" end
  local f = OPTS[fn]
  if f == nil then return nil, "options of " .. fs.fstype_name(sb) .. " (" .. fn .. ") not decoded" end
  local ok, r = pcall(f, sb, root_dentry)
  if ok then return r end
  return nil, fs.fstype_name(sb) .. " options: " .. fs.errmsg(r)
end

-- }======

-- {====== namespaces and mount lists ======

-- the task's mount namespace (nsproxy->mnt_ns), nil when it has no nsproxy
function M.task_mnt_ns(t)
  local nsp = t.nsproxy
  if nsp == nil then return nil end
  return nsp.mnt_ns
end

-- the mounts of a namespace in /proc order (6.1: ns->list by mnt_list;
-- 6.8+: an rbtree ns->mounts by mnt_node, ordered by mount id)
function M.ns_mounts(ns)
  local out = {}
  if has_member("struct mount", "mnt_node") and not has_member("struct mnt_namespace", "list") then
    for m in kd.rbtree(ns.mounts, "struct mount", "mnt_node") do out[#out + 1] = m end
  else
    for m in kd.list(ns.list, "struct mount", "mnt_list") do
      -- skip cursors (MNT_CURSOR, used by readers of /proc/mounts)
      if m.mnt.mnt_flags & 0x10000000 == 0 then out[#out + 1] = m end
    end
  end
  return out
end

-- the task whose view /proc/mounts and the tools had: pid 1, else init_task
local reader_task
-- the task whose view /proc/mounts and the tools had: pid 1, else init_task (memoized)
function M.reader_task()
  if reader_task == nil then
    for t in kd.tasks() do
      if t.pid == 1 then reader_task = t break end
    end
    reader_task = reader_task or kd.symbol("init_task"):address_of_()
  end
  return reader_task
end

-- root (dentry, vfsmount addresses) of the reader task
function M.reader_root()
  return fs.task_root(M.reader_task())
end

-- }======

-- {====== entries ======

-- mnt_devname as show_vfsmnt/show_mountinfo print it without ->show_devname
local function mnt_devname(m)
  local p = pval(m:member_("mnt_devname"))
  if p == 0 then return "none" end
  return fs.escape(kd.read_string(p, 4096), " \t\n\\#")
end

-- ->show_devname of the filesystems that have one (text, or nil, reason)
local DEVNAME = {}
M.DEVNAME = DEVNAME

-- nfs_show_devname(): nfs_path(root, flags 0) -- the names from the mount's
-- root up to the superblock's root dentry, whose d_fsdata is the devname
-- given at mount time ("server:/export"), its trailing slashes dropped when
-- a path follows
DEVNAME.nfs_show_devname = function(m)
  local d = m.mnt.mnt_root
  local parts, n = {}, 0
  while pval(d:member_("d_parent")) ~= pval(d) do          -- !IS_ROOT
    n = n + 1
    if n > 4096 then error("dentry chain too long", 0) end
    parts[#parts + 1] = fs.dname(d)
    d = d.d_parent
  end
  local path = ""
  for i = #parts, 1, -1 do path = path .. "/" .. parts[i] end
  local bp = pval(d:member_("d_fsdata"))
  if bp == 0 then return path end                         -- WARN_ON in the kernel
  local base = kd.read_string(bp, 4096)
  if path:sub(1, 1) == "/" then base = base:gsub("/+$", "") end
  return base .. path
end

-- btrfs_show_devname(): the latest device's name (rcu_string)
DEVNAME.btrfs_show_devname = function(m, sb)
  local fsi = kd.object("struct btrfs_fs_info", pval(sb:member_("s_fs_info")))
  local dev = fsi.fs_devices.latest_dev
  return kd.read_string(pval(dev.name:member_("str")), 4096)
end

-- cifs_show_devname(): ctx->source with '\\' shown as '/'
DEVNAME.cifs_show_devname = function(m, sb)
  local cifs_sb = kd.object("struct cifs_sb_info", pval(sb:member_("s_fs_info")))
  local src = kd.read_string(pval(cifs_sb.ctx:member_("source")), 4096)
  return (src:gsub("\\", "/"))
end

-- show_devname / mnt_devname: text, or nil, reason
local function devname(m, sb)
  local fn = fs.func_name(sb.s_op:member_("show_devname"))
  if fn == nil then return mnt_devname(m) end
  local f = DEVNAME[fn]
  if f == nil then return nil, "show_devname " .. fn .. " not decoded" end
  local ok, r = pcall(f, m, sb)
  if not ok then return nil, fs.fstype_name(sb) .. " device name (" .. fn .. "): " .. fs.errmsg(r) end
  return fs.escape(r, " \t\n\\#")
end

-- kernfs_path_from_node(kn, root kn) for cgroup_show_path: the path of a
-- kernfs node below the cgroup namespace root (init's: the hierarchy root)
local function kernfs_path(kn)
  local parts = {}
  local n = 0
  while kn ~= nil and kn.parent ~= nil do
    n = n + 1
    if n > 1024 then break end
    parts[#parts + 1] = kd.read_string(pval(kn:member_("name")), 256)
    kn = kn.parent
  end
  local out = {}
  for i = #parts, 1, -1 do out[#out + 1] = parts[i] end
  return "/" .. table.concat(out, "/")
end

-- mountinfo field 4: show_path (kernfs->cgroup) or the dentry path in the sb
local function root_path(m, sb)
  local root = m.mnt.mnt_root
  local fn = fs.func_name(sb.s_op:member_("show_path"))
  if fn == "kernfs_sop_show_path" then
    local kroot = kernfs_root_of_sb(sb)
    local sc = kroot.syscall_ops
    local sp = sc and fs.func_name(sc:member_("show_path"))
    if sp == "cgroup_show_path" then
      -- kernfs_dentry_node(): d_inode(dentry)->i_private
      local kn = kd.object("struct kernfs_node", pval(root.d_inode:member_("i_private")))
      return fs.escape(kernfs_path(kn), " \t\n\\")
    end
  elseif fn == "nfs_show_path" then
    return "/"                                   -- nfs_show_path(): always "/"
  elseif fn == "nsfs_show_path" then
    -- nsfs_show_path(): "<ns type>:[<inode>]" of the namespace file
    local inode = root.d_inode
    local ns = kd.object("struct ns_common", pval(inode:member_("i_private")))
    return fs.escape(ns.ops.name:string_() .. ":[" .. inode.i_ino .. "]", " \t\n\\")
  elseif fn then
    return nil, "show_path " .. fn .. " not decoded"
  end
  return fs.escape(fs.dentry_path_shown(root), " \t\n\\")
end

M._root_path = root_path                    -- for tests on hand-laid objects

-- IS_MNT_SHARED / IS_MNT_SLAVE / get_dominating_id tags of mountinfo
local function peers_of(m)
  local out = { m }
  local it = kd.list(m.mnt_share, "struct mount", "mnt_share")
  for p in it do
    if pval(p) ~= pval(m) then out[#out + 1] = p end
    if #out > 4096 then break end
  end
  return out
end

local function is_subdir(d, ancestor)
  local a = pval(ancestor)
  local n = 0
  while true do
    if pval(d) == a then return true end
    if fs.is_root(d) then return false end
    d = d.d_parent
    n = n + 1
    if n > 4096 then return false end
  end
end

local function is_path_reachable(m, dentry, root_d, root_vfsmnt)
  while fs.vfsmount_addr(m) ~= root_vfsmnt and pval(m:member_("mnt_parent")) ~= pval(m) do
    dentry = m.mnt_mountpoint
    m = m.mnt_parent
  end
  return fs.vfsmount_addr(m) == root_vfsmnt and is_subdir(dentry, root_d)
end

local function dominating_id(m, root_d, root_vfsmnt)
  local ns = pval(m:member_("mnt_ns"))
  local master = m.mnt_master
  while master ~= nil do
    for _, p in ipairs(peers_of(master)) do
      if pval(p:member_("mnt_ns")) == ns and is_path_reachable(p, p.mnt.mnt_root, root_d, root_vfsmnt) then
        return p.mnt_group_id
      end
    end
    master = master.mnt_master
  end
  return 0
end

-- The mounts of task t's namespace as seen from its root: a list of
-- records {mnt=, id=, parent_id=, major=, minor=, root=, target=,
-- vfs_opts= ("rw,relatime"), tags=, fstype=, source=, super_opts=
-- ("rw" + sb opts + fs opts), sb=}; plus a list of reasons for parts not
-- decoded.  nil, reason when the task has no namespace (zombie, exiting).
-- entries depend only on the namespace and the root the task sees them
-- from, and a dump never changes: most tasks share both, so compute once
local entries_cache = {}

-- the mount records of task t's namespace as seen from its root, the reasons for parts
-- not decoded, and the cache key; nil, reason without a namespace or fs_struct
function M.entries(t)
  local ns = M.task_mnt_ns(t)
  if ns == nil then return nil, "task has no mount namespace (exited or zombie)" end
  local rd, rm = fs.task_root(t)
  if rd == nil then return nil, "task has no fs_struct" end
  local key = string.format("%x/%x/%x", ns:value_(), rd, rm)  -- rd, rm: addresses
  local hit = entries_cache[key]
  if hit then return hit[1], hit[2], key end
  local out, why = M.compute_entries(ns, rd, rm)
  entries_cache[key] = { out, why }
  return out, why, key
end

-- the mount records of namespace ns as seen from root dentry rd of mount rm (uncached;
-- use entries), and the list of problems
function M.compute_entries(ns, rd, rm)
  local out, problems, seen = {}, {}, {}
  local function problem(s) if s and not seen[s] then seen[s] = true; problems[#problems + 1] = s end end
  for _, m in ipairs(M.ns_mounts(ns)) do
    local vfs = m.mnt
    local path, st = fs.prepend_path(vfs.mnt_root, m, rd, rm)
    if st == 0 then
      local sb = vfs.mnt_sb
      local e = { mnt = m, sb = sb, id = m.mnt_id, parent_id = m.mnt_parent.mnt_id }
      local dev = sb.s_dev
      e.major, e.minor = fs.major(dev), fs.minor(dev)
      local rp, why = root_path(m, sb)
      e.root_problem = why
      e.root = rp or fs.escape(fs.dentry_path_shown(vfs.mnt_root), " \t\n\\")
      e.target = fs.escape(path, " \t\n\\")
      local flags = vfs.mnt_flags
      local ro = (flags & MNT.READONLY ~= 0) or (sb.s_flags & SB.RDONLY ~= 0)
      local mopts = M.mnt_opts(vfs)
      e.mnt_ro = (flags & MNT.READONLY ~= 0)
      e.vfs_opts_mounts = (ro and "ro" or "rw") .. mopts               -- /proc/mounts
      e.vfs_opts = (e.mnt_ro and "ro" or "rw") .. mopts                 -- mountinfo
      local tags = {}
      if flags & MNT.SHARED ~= 0 then tags[#tags + 1] = "shared:" .. m.mnt_group_id end
      local master = m.mnt_master
      if master ~= nil then
        local mid = master.mnt_group_id
        tags[#tags + 1] = "master:" .. mid
        local okd, dom = pcall(dominating_id, m, rd, rm)
        if okd and dom ~= 0 and dom ~= mid then tags[#tags + 1] = "propagate_from:" .. dom end
      end
      if flags & MNT.UNBINDABLE ~= 0 then tags[#tags + 1] = "unbindable" end
      e.tags = tags
      e.fstype = fs.show_type(sb)
      local src, why2 = devname(m, sb)
      e.source_problem = why2
      e.source = src or mnt_devname(m)
      local fo, why3 = M.fs_options(sb, m.mnt.mnt_root)
      e.opts_problem = why3
      e.fs_opts = fo or ""
      e.sb_flags = M.sb_opts(sb)
      e.sb_ro = sb.s_flags & SB.RDONLY ~= 0
      out[#out + 1] = e
    end
  end
  return out, problems
end

-- }======

-- {====== /proc files ======

-- Results: text, a reason string when the whole text is in doubt (emitters
-- turn that into stub(reason, text)), and the list of incomplete lines
-- { key = the line's exact start, reason } (emitters: partial(text,
-- lines)); or nil, reason.  An undecoded filesystem makes only its own
-- line incomplete: its generic options are still right, its own are left out.
local function with_problems(text, problems, plines)
  local why
  if problems ~= nil and #problems > 0 then why = table.concat(problems, "; ") end
  return text, why, plines or {}
end

-- why a line is incomplete after `field` (the part of it that is exact);
-- nil when it is complete.  source < root < options in line order.
local function line_problem(e, upto)
  if e.source_problem and upto ~= "before_source" then
    return "before_source", "device name: " .. e.source_problem
  end
  if e.root_problem then return "before_root", "root: " .. e.root_problem end
  if e.opts_problem then return "before_options", e.opts_problem end
  return nil
end
M.line_problem = line_problem

-- /proc/<pid>/mounts (show_vfsmnt) text, problems list, incomplete lines
function M.mounts_text(t)
  local es, why = M.entries(t)
  if es == nil then return nil, why end
  local lines, plines = {}, {}
  for _, e in ipairs(es) do
    local head = string.format("%s %s %s ", e.source, e.target, e.fstype)
    lines[#lines + 1] = string.format("%s%s%s%s 0 0\n", head, e.vfs_opts_mounts, e.sb_flags, e.fs_opts)
    local where, r = line_problem(e)
    if where == "before_source" then
      plines[#plines + 1] = { key = "", reason = e.target .. ": " .. r }
    elseif where == "before_options" then
      plines[#plines + 1] = { key = head, reason = r }
    end                                  -- show_path is not in /proc/mounts
  end
  return with_problems(table.concat(lines), why, plines)
end

-- /proc/<pid>/mountinfo (show_mountinfo); the same for every task with the
-- same namespace and root, so the text is kept per (namespace, root)
local mountinfo_cache = {}
-- text of /proc/<pid>/mountinfo (fs/proc_namespace.c show_mountinfo), the reasons for
-- parts not decoded and the lines they touch; nil, reason without a namespace
function M.mountinfo_text(t)
  local es, why, key = M.entries(t)
  if es == nil then return nil, why end
  local hit = mountinfo_cache[key]
  if hit then return with_problems(hit[1], why, hit[2]) end
  local lines, plines = {}, {}
  for _, e in ipairs(es) do
    local tags = #e.tags > 0 and (" " .. table.concat(e.tags, " ")) or ""
    local ids = string.format("%d %d %d:%d ", e.id, e.parent_id, e.major, e.minor)
    local upto_src = string.format("%s%s %s %s%s - %s ", ids, e.root, e.target, e.vfs_opts, tags, e.fstype)
    local head = upto_src .. e.source .. " "
    lines[#lines + 1] = string.format("%s%s%s%s\n", head, e.sb_ro and "ro" or "rw", e.sb_flags, e.fs_opts)
    local where, r = line_problem(e)
    if where == "before_root" then
      plines[#plines + 1] = { key = ids, reason = r }
    elseif where == "before_source" then
      plines[#plines + 1] = { key = upto_src, reason = r }
    elseif where == "before_options" then
      plines[#plines + 1] = { key = head, reason = r }
    end
  end
  local text = table.concat(lines)
  mountinfo_cache[key] = { text, plines }
  return with_problems(text, why, plines)
end

-- emitter-ready forms: text [, partial reason], or nil, reason
function M.proc_mounts(t)
  return M.mounts_text(t or M.reader_task())
end

-- mountinfo_text for the /proc/<pid>/mountinfo file, whose reason for a missing
-- namespace says the live file could not be read either
function M.proc_mountinfo(t)
  local text, why, plines = M.mountinfo_text(t)
  if text == nil then
    -- a zombie's mountinfo cannot be opened on the live system either
    return nil, why .. "; the live file cannot be read either"
  end
  return text, why, plines
end

-- }======

-- {====== libmount views (mount -l, findmnt) ======

-- libmount's merge_optstr(vfs, fs): one rw/ro first, then the VFS
-- options, then the filesystem's
local function merge_optstr(vfs, fso)
  if vfs == fso then return vfs end
  local items = {}
  for o in (vfs .. "," .. fso):gmatch("[^,]+") do items[#items + 1] = o end
  local rw, ro = 0, 0
  local rest = {}
  local removed_rw = 0
  for _, o in ipairs(items) do
    if o == "rw" and removed_rw < 2 then removed_rw = removed_rw + 1; rw = rw + 1
    else rest[#rest + 1] = o end
  end
  if rw ~= 2 then
    local r2 = {}
    local removed_ro = 0
    for _, o in ipairs(rest) do
      if o == "ro" and removed_ro < (2 - rw) then removed_ro = removed_ro + 1; ro = ro + 1
      else r2[#r2 + 1] = o end
    end
    rest = r2
  end
  local head = ro > 0 and "ro" or "rw"
  if #rest == 0 then return head end
  return head .. "," .. table.concat(rest, ",")
end
M.merge_optstr = merge_optstr

local function lm_fields(e)
  local super = (e.sb_ro and "ro" or "rw") .. e.sb_flags .. e.fs_opts
  return {
    source = fs.unescape(e.source), target = fs.unescape(e.target),
    fstype = fs.unescape(e.fstype), options = merge_optstr(e.vfs_opts, super),
    id = e.id, parent_id = e.parent_id, root = fs.unescape(e.root), e = e,
  }
end

-- `mount -l`: "SRC on TARGET type T (OPTS)" (util-linux print_all; no
-- [LABEL]: labels live on disk / in the blkid cache, not in memory)
function M.mount_l(t)
  local es, problems = M.entries(t or M.reader_task())
  if es == nil then return nil, problems end
  local lines, plines = {}, {}
  for _, e in ipairs(es) do
    local f = lm_fields(e)
    local head = string.format("%s on %s type %s ", f.source, f.target, f.fstype)
    lines[#lines + 1] = string.format("%s(%s)\n", head, f.options)
    local where, r = line_problem(e)
    if where == "before_source" then plines[#plines + 1] = { key = "", reason = f.target .. ": " .. r }
    elseif where == "before_options" then plines[#plines + 1] = { key = head, reason = r } end
  end
  return with_problems(table.concat(lines), problems, plines)
end

-- `findmnt` (default: tree of TARGET SOURCE FSTYPE OPTIONS, UTF-8 tree
-- lines as with sos's LC_ALL=C.UTF-8).  libsmartcols without a terminal:
-- each column as wide as its widest cell, one space between columns, the
-- last column unpadded.  Bind mounts of a subdirectory show SOURCE as
-- "dev[/root]" (libmount: the fs root is appended when it is not "/").
function M.findmnt(t)
  local es, problems = M.entries(t or M.reader_task())
  if es == nil then return nil, problems end
  local rows = {}
  local by_id = {}
  local fields = {}
  for i, e in ipairs(es) do
    local f = lm_fields(e)
    fields[i] = f
    by_id[f.id] = f
    f.children = {}
  end
  local roots = {}
  for _, f in ipairs(fields) do
    local p = by_id[f.parent_id]
    if p and p ~= f then p.children[#p.children + 1] = f else roots[#roots + 1] = f end
  end
  local prow = {}
  local function walk(f, prefix, last, top)
    local branch = ""
    if not top then branch = prefix .. (last and "└─" or "├─") end
    local src = f.source
    if f.root ~= "/" and f.root ~= "" then src = src .. "[" .. f.root .. "]" end
    rows[#rows + 1] = { branch .. f.target, src, f.fstype, f.options }
    local where, r = line_problem(f.e)
    if where then prow[#rows] = { where = where, reason = r } end
    local np = top and "" or (prefix .. (last and "  " or "│ "))
    for i, c in ipairs(f.children) do walk(c, np, i == #f.children, false) end
  end
  for _, r in ipairs(roots) do walk(r, "", true, true) end
  local hdr = { "TARGET", "SOURCE", "FSTYPE", "OPTIONS" }
  local text = M.table_text(hdr, rows, {})
  -- the row's text up to its exact part (OPTIONS is the last, unpadded
  -- column, so the other columns' widths do not depend on it)
  local plines = {}
  if next(prow) then
    local tl = {}
    for l in text:gmatch("([^\n]*)\n") do tl[#tl + 1] = l end
    for i, p in pairs(prow) do
      local line = tl[i + 1] or ""
      local key = ""
      if p.where == "before_options" then
        local n = #line - #rows[i][4]
        key = line:sub(1, n)
      elseif p.where == "before_source" or p.where == "before_root" then
        key = line:sub(1, #rows[i][1])
      end
      plines[#plines + 1] = { key = key, reason = rows[i][1]:gsub("^[^/]*", "") .. ": " .. p.reason }
    end
    table.sort(plines, function(a, b) return a.key < b.key end)
  end
  return with_problems(text, problems, plines)
end

-- display width of a UTF-8 string (each code point one column)
local function width(s)
  local ok, n = pcall(utf8.len, s)
  if ok and n then return n end
  return #s
end
M.width = width

-- libsmartcols-like table: hdr list, rows (lists of strings), right =
-- set of right-aligned column indexes; the last column is not padded
-- (a trailing space remains after the previous column when it is empty)
function M.table_text(hdr, rows, right, opts)
  opts = opts or {}
  local w = {}
  local all = { hdr }
  for _, r in ipairs(rows) do all[#all + 1] = r end
  for _, r in ipairs(all) do
    for i, c in ipairs(hdr) do
      local n = width(r[i] or "")
      if (w[i] or 0) < n then w[i] = n end
    end
  end
  if opts.minw then for i, m in pairs(opts.minw) do if w[i] < m then w[i] = m end end end
  local out = {}
  for ri, r in ipairs(all) do
    if not (ri == 1 and opts.noheadings) then
      local cells = {}
      for i = 1, #hdr do
        local c = r[i] or ""
        local pad = w[i] - width(c)
        if i == #hdr then
          if right[i] then c = string.rep(" ", pad) .. c end
        elseif right[i] then
          c = string.rep(" ", pad) .. c
        else
          c = c .. string.rep(" ", pad)
        end
        cells[#cells + 1] = c
      end
      out[#out + 1] = table.concat(cells, " ") .. "\n"
    end
  end
  return table.concat(out)
end

-- }======

-- {====== statfs and df ======

local function percpu_counter_sum(pc)
  local v = pc.count
  local counters = pval(pc:member_("counters"))
  if counters ~= 0 then
    for _, cpu in ipairs(kd.cpus("possible")) do
      local ok, d = pcall(function()
        return kd.per_cpu(kd.pointer("s32", counters), cpu):value_()
      end)
      if ok then v = v + d end
    end
  end
  return v
end
-- a percpu_counter's count plus every possible CPU's part (__percpu_counter_sum)
M.percpu_counter_sum = percpu_counter_sum

local STATFS = {}
M.STATFS = STATFS

-- shmem_statfs(): blocks of PAGE_SIZE; 0 when unlimited
STATFS.shmem_statfs = function(sb)
  local sbi = kd.object("struct shmem_sb_info", pval(sb:member_("s_fs_info")))
  local r = { bsize = kd.dump_info().page_size or 4096, blocks = 0, bfree = 0, bavail = 0,
              files = 0, ffree = 0 }
  local mb = sbi.max_blocks
  if mb ~= 0 then
    local used = percpu_counter_sum(sbi.used_blocks)
    r.blocks, r.bfree, r.bavail = mb, mb - used, mb - used
  end
  local mi = sbi.max_inodes
  if mi ~= 0 then
    r.files = mi
    if has_member("struct shmem_sb_info", "free_inodes") then
      local fi = sbi.free_inodes
      r.ffree = type(fi) == "number" and fi or fi:value_()
    else
      -- 6.6 "shmem: quota support" era: free_ispace in bytes,
      -- BOGO_INODE_SIZE (1024) per inode
      r.ffree = sbi.free_ispace // 1024
    end
  end
  return r
end

-- simple_statfs(): nothing but the block size and name length
STATFS.simple_statfs = function(sb)
  return { bsize = kd.dump_info().page_size or 4096, blocks = 0, bfree = 0, bavail = 0,
           files = 0, ffree = 0 }
end

-- kernfs_statfs() (sysfs, cgroup): simple_statfs() plus the fsid
STATFS.kernfs_statfs = STATFS.simple_statfs

-- statfs numbers of a superblock, or nil, reason
function M.statfs(sb)
  local fn = fs.func_name(sb.s_op:member_("statfs"))
  if fn == nil then return nil, fs.fstype_name(sb) .. " has no statfs" end
  local f = STATFS[fn]
  if f == nil then
    return nil, fs.fstype_name(sb) .. " usage (" .. fn .. ") not decoded"
  end
  local ok, r = pcall(f, sb, root_dentry)
  if ok then return r end
  return nil, fs.fstype_name(sb) .. " statfs: " .. fs.errmsg(r)
end

-- gnulib ME_REMOTE
local function me_remote(src, fstype)
  if src:find(":", 1, true) then return true end
  if src:sub(1, 2) == "//" and (fstype == "smbfs" or fstype == "smb3" or fstype == "cifs") then return true end
  return fstype == "acfs" or src == "-hosts"
end

-- `df -al -x autofs` (inodes=false) / `df -ali -x autofs` (coreutils 9.1:
-- 1K blocks, Use% rounded up, "-" when unknown or total 0)
function M.df(t, inodes)
  local es, problems = M.entries(t or M.reader_task())
  if es == nil then return nil, problems end
  problems = {}
  local plines = {}
  -- the last mount on each target hides the earlier ones (df -a prints
  -- "-" for a mount whose mountpoint is over-mounted by another device)
  local last_on = {}
  for i, e in ipairs(es) do last_on[e.target] = i end
  local rows = {}
  for i, e in ipairs(es) do
    local f = lm_fields(e)
    if f.fstype ~= "autofs" and not me_remote(f.source, f.fstype) then
      local r, why = M.statfs(e.sb)
      local fstype_shown = f.fstype
      local over = last_on[e.target] ~= i and es[last_on[e.target]].source ~= e.source
      local cells
      if over then
        cells = { "-", "-", "-", "-" }
      elseif r == nil then
        plines[#plines + 1] = { key = f.source .. " ", reason = f.target .. ": " .. why }
        cells = { "?", "?", "?", "?" }
      else
        local total, avail, used
        if inodes then
          total, avail = r.files, r.ffree
          used = total - r.ffree
        else
          local k = r.bsize / 1024
          total = math.floor(r.blocks * k + 0.0)
          avail = math.floor(r.bavail * k)
          used = math.floor((r.blocks - r.bfree) * k)
          if r.bsize % 1024 ~= 0 then
            -- human_readable rounds up (ceiling) to output units
            total = -(-(r.blocks * r.bsize) // 1024)
            avail = -(-(r.bavail * r.bsize) // 1024)
            used = -(-((r.blocks - r.bfree) * r.bsize) // 1024)
          end
        end
        local pct = "-"
        if used + avail ~= 0 and used >= 0 then
          local u100 = used * 100
          local nt = used + avail
          pct = tostring(u100 // nt + ((u100 % nt ~= 0) and 1 or 0)) .. "%"
        end
        cells = { tostring(total), tostring(used), tostring(avail), pct }
      end
      local _ = fstype_shown
      rows[#rows + 1] = { f.source, cells[1], cells[2], cells[3], cells[4], f.target }
    end
  end
  local hdr = inodes and { "Filesystem", "Inodes", "IUsed", "IFree", "IUse%", "Mounted on" }
                      or { "Filesystem", "1K-blocks", "Used", "Available", "Use%", "Mounted on" }
  -- coreutils: minimum widths 14,5,5,5,4,0; right-aligned numbers; a
  -- single space between columns; the last column unpadded
  local minw = { 14, 5, 5, 5, 4, 0 }
  local w = {}
  for i = 1, 6 do w[i] = math.max(minw[i], #hdr[i]) end
  for _, r in ipairs(rows) do for i = 1, 6 do if #r[i] > w[i] then w[i] = #r[i] end end end
  local out = {}
  for _, r in ipairs({ hdr, table.unpack(rows) }) do
    local cells = {}
    for i = 1, 6 do
      local c = r[i]
      if i == 1 or i == 6 then
        if i < 6 then c = c .. string.rep(" ", w[i] - #c) end
      else
        c = string.rep(" ", w[i] - #c) .. c
      end
      cells[i] = c
    end
    out[#out + 1] = table.concat(cells, " ") .. "\n"
  end
  return with_problems(table.concat(out), problems, plines)
end

-- }======

return M
