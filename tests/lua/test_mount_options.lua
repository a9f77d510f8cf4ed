-- The ->show_options decoders of kernel/mount.lua (M.OPTS) for filesystems
-- neither fixture mounts, on objects laid out by hand: mount.lua is loaded
-- afresh with a `kd` and a kernel.fs whose objects are the Lua tables
-- below (member access, :member_(), addresses), so the decoders run
-- unchanged.  Each expected string is what the kernel function cited
-- above the test prints for those values (linux-source-6.1 and -6.12, the
-- same unless said).

local realfs = require("kernel.fs")

-- {====== synthetic objects ======

local next_addr = 0x10000
local objects, strings, containers = {}, {}, {}

local function addr_of(x)
  if x == nil then return 0 end
  if type(x) == "number" then return x end
  if type(x) == "table" then return rawget(x, "__addr") end
  error("no address for " .. type(x))
end

local OBJ = {}
OBJ.__index = function(self, k)
  if k == "member_" then
    return function(me, name)
      local v = rawget(me, "__f")[name]
      if v == nil then return 0 end
      return v
    end
  elseif k == "string_" then
    return function(me) return rawget(me, "__s") end
  elseif k == "address_" then
    return function(me) return rawget(me, "__addr") end
  end
  return rawget(self, "__f")[k]
end

-- an object with fields (numbers, booleans, other objects)
local function obj(fields)
  next_addr = next_addr + 0x1000
  local o = setmetatable({ __addr = next_addr, __f = fields or {} }, OBJ)
  objects[next_addr] = o
  return o
end
-- a C string in memory: its address
local function cstr(s)
  next_addr = next_addr + 0x1000
  strings[next_addr] = s
  return next_addr
end
-- a char-array member (:string_())
local function chars(s) return setmetatable({ __addr = cstr(s), __f = {}, __s = s }, OBJ) end

local members = {}                     -- has_member answers: members["struct x"]["y"]
local syms = {}                        -- symbol addresses
local symbols = {}                     -- kd.symbol objects
local funcs = {}                       -- address -> function name (fs.func_name)
local mem8, mem16, mem32, mem64 = {}, {}, {}, {}   -- kd.read_u8/u16/u32/u64
local types = {}                       -- kd.type answers
local superblocks = {}                 -- fs.superblocks()

local fake_kd = setmetatable({
  object = function(_, a) return assert(objects[a], string.format("no object at %#x", a)) end,
  container_of = function(a, _, member) return assert(containers[member][a], "no container") end,
  read_string = function(a) return assert(strings[a], string.format("no string at %#x", a)) end,
  symbol_address = function(name) return syms[name] end,
  has_type = function(t) return members[t] ~= nil end,
  has_member = function(t, m) return members[t] ~= nil and members[t][m] == true end,
  symbol = function(name) return assert(symbols[name], "no symbol " .. name) end,
  dump_info = function() return { page_size = 4096 } end,
  read_u16 = function(a) return assert(mem16[a], "no u16") end,
  read_u32 = function(a) return assert(mem32[a], "no u32") end,
  read_u8 = function(a) return assert(mem8[a], "no u8") end,
  read_u64 = function(a) return assert(mem64[a], "no u64") end,
  type = function(t) return assert(types[t], "no type " .. t) end,
}, { __index = kd })

local fake_fs = setmetatable({
  pval = addr_of, addr = addr_of,
  has_member = function(t, m) return members[t] ~= nil and members[t][m] == true end,
  func_name = function(p) return funcs[addr_of(p)] end,
  fstype_name = function(sb) return sb.s_type.name end,
  kid = function(x) return type(x) == "table" and x.val or x end,
  is_root = function(d) return addr_of(d.d_parent) == addr_of(d) end,
  dname = function(d) return d.d_name end,
  superblocks = function() return superblocks end,
}, { __index = realfs })

local HZ = 250
local online = { 0, 1, 2, 3 }
local fake_mods = {
  ["kernel.fs"] = fake_fs,
  ["kernel.time"] = { hz = function() return HZ end },
  ["kernel.cpu"] = { online = function() return online end },
}

local env = setmetatable({ kd = fake_kd }, { __index = _G })
env.require = function(name) return fake_mods[name] or require(name) end
local mount = assert(loadfile(SOURCE_DIR .. "/scripts/lib/kernel/mount.lua", "t", env))()

-- a superblock whose ->show_options is fn and s_fs_info is info
local function superblock(fn, info, extra)
  local f = { s_fs_info = info, s_type = { name = "x" }, s_flags = 0, s_blocksize = 4096 }
  for k, v in pairs(extra or {}) do f[k] = v end
  local code = 0xffff0000 + next_addr                 -- the function's "address"
  funcs[code] = fn
  f.s_op = obj({ show_options = code })
  return obj(f)
end

local function show(sb, root)
  local text, why = mount.fs_options(sb, root)
  if text == nil then error("not decoded: " .. tostring(why), 0) end
  return text
end

local function kuid(v) return { val = v } end

-- }======

-- {====== btrfs ======
-- btrfs_show_options() (fs/btrfs/super.c); BTRFS_MOUNT_* of ctree.h (6.1)
-- and fs.h (6.12)

-- a btrfs filesystem: top-level subvolume 5 at s_root, subvolume 257
-- "@home" below it (inode 256 of its root), a directory "user" inside
local function btrfs_fs(mount_opt, fi_extra)
  members["struct btrfs_fs_info"] = {}
  containers.vfs_inode = containers.vfs_inode or {}
  local top_root = obj({ root_key = { objectid = 5 } })
  local sub_root = obj({ root_key = { objectid = 257 } })
  local function inode(ino, root)
    local i = obj({ i_ino = ino })
    containers.vfs_inode[i.__addr] = obj({ root = root })
    return i
  end
  local s_root = obj({ d_name = "/" , d_inode = inode(256, top_root) })
  s_root.__f.d_parent = s_root
  local home = obj({ d_name = "@home", d_parent = s_root, d_inode = inode(256, sub_root) })
  local user = obj({ d_name = "user", d_parent = home, d_inode = inode(300, sub_root) })
  local fi = { mount_opt = mount_opt, max_inline = 2048, thread_pool_size = 6, compress_type = 0,
               compress_level = 0, metadata_ratio = 0, commit_interval = 30,
               super_copy = { cache_generation = 0, compat_ro_flags = 1 } }
  for k, v in pairs(fi_extra or {}) do fi[k] = v end
  local sb = superblock("btrfs_show_options", obj(fi), { s_root = s_root, s_flags = 1 << 16 })
  return sb, s_root, home, user
end

test("btrfs defaults on the top-level subvolume (6.12 numbering)", function()
  syms.btrfs_parse_param = 0x1234                              -- 6.8+ new mount API
  -- SSD (bit 3) and the FREE_SPACE_TREE compat_ro bit: ",ssd,space_cache=v2"
  local sb, s_root = btrfs_fs(1 << 3)
  eq(show(sb, s_root), ",ssd,space_cache=v2,subvolid=5,subvol=/", "options")
end)

test("btrfs subvolume mount, compression, rescue, discard=async (6.12 numbering)", function()
  syms.btrfs_parse_param = 0x1234
  -- COMPRESS 5, NOTREELOG 6, NOLOGREPLAY 24, IGNOREBADROOTS 27, DISCARD_ASYNC 26,
  -- USER_SUBVOL_RM_ALLOWED 14 (fs.h of 6.12)
  local mo = (1 << 5) | (1 << 6) | (1 << 24) | (1 << 27) | (1 << 26) | (1 << 14)
  local sb, _, home = btrfs_fs(mo, { compress_type = 3, compress_level = 3, commit_interval = 120,
                                     thread_pool_size = 4, super_copy = { cache_generation = 7, compat_ro_flags = 0 } })
  -- thread_pool: 4 online CPUs -> default min(4 + 2, 8) = 6, so 4 shows
  eq(show(sb, home), ",thread_pool=4,compress=zstd:3,notreelog,rescue=nologreplay:ignorebadroots" ..
     ",discard=async,space_cache,user_subvol_rm_allowed,commit=120,subvolid=257,subvol=/@home", "options")
end)

test("btrfs: a directory inside a subvolume shows the subvolume (6.1 numbering)", function()
  syms.btrfs_parse_param = nil                                 -- 6.1: ctree.h numbering
  -- PANIC_ON_FATAL_ERROR is bit 21 and DISCARD_ASYNC bit 28 in 6.1's ctree.h
  local sb, _, _, user = btrfs_fs((1 << 21) | (1 << 28) | (1 << 11) | (1 << 5), { compress_type = 1 })
  sb.__f.s_flags = 0                                           -- no SB_POSIXACL: ",noacl"
  eq(show(sb, user), ",compress-force=zlib,discard=async,noacl,space_cache=v2,fatal_errors=panic" ..
     ",subvolid=257,subvol=/@home", "options")
end)

-- }======

-- {====== vfat, exfat, iso9660 ======

test("vfat: fat_show_options() (fs/fat/inode.c)", function()
  local o = { isvfat = 1, fs_uid = kuid(1000), fs_gid = kuid(1000), fs_fmask = 0x12, fs_dmask = 0x12,
              allow_utime = 0, shortname = 0x104, name_check = string.byte("n"), usefree = 0, quiet = 0,
              showexec = 0, sys_immutable = 0, utf8 = 1, unicode_xlate = 0, numtail = 1, rodir = 0,
              flush = 1, tz_set = 0, errors = 3, nfs = 0, discard = 0, dos1xfloppy = 0 }
  local nls = obj({ charset = cstr("cp437") })
  local io = obj({ charset = cstr("ascii") })
  local sbi = obj({ options = o, nls_disk = nls, nls_io = io })
  -- codepage: charset "cp437" without its "cp"; errors FAT_ERRORS_RO (3)
  eq(show(superblock("fat_show_options", sbi)),
     ",uid=1000,gid=1000,fmask=0022,dmask=0022,codepage=437,iocharset=ascii,shortname=mixed,utf8,flush,errors=remount-ro",
     "options")
end)

test("exfat: exfat_show_options() (fs/exfat/super.c; zero_size_dir 6.12 only)", function()
  members["struct exfat_mount_options"] = { keep_last_dots = true, zero_size_dir = true }
  local o = { fs_uid = kuid(0), fs_gid = kuid(100), fs_fmask = 0x12, fs_dmask = 0x12, allow_utime = 0x12,
              utf8 = 1, errors = 1, discard = 1, keep_last_dots = 0, sys_tz = 0, time_offset = -60,
              zero_size_dir = 1 }
  eq(show(superblock("exfat_show_options", obj({ options = o }))),
     ",gid=100,fmask=0022,dmask=0022,allow_utime=0022,iocharset=utf8,errors=continue,discard,time_offset=-60,zero_size_dir",
     "options")
  members["struct exfat_mount_options"] = { keep_last_dots = true }   -- 6.1: no zero_size_dir
  eq(show(superblock("exfat_show_options", obj({ options = o }))),
     ",gid=100,fmask=0022,dmask=0022,allow_utime=0022,iocharset=utf8,errors=continue,discard,time_offset=-60",
     "6.1 options")
end)

test("iso9660: isofs_show_options() (fs/isofs/inode.c)", function()
  local sbi = obj({ s_rock = 1, s_joliet_level = 0, s_cruft = 0, s_hide = 1, s_nocompress = 0,
                    s_overriderockperm = 0, s_showassoc = 0, s_check = string.byte("s"), s_mapping = 0,
                    s_session = 255, s_sbsector = -1, s_uid_set = 1, s_uid = kuid(1000), s_gid_set = 0,
                    s_dmode = 0x16d, s_fmode = 0xffff })
  -- block size 2048 (not 1024) shows; no s_nls_iocharset: iocharset=utf8
  eq(show(superblock("isofs_show_options", sbi, { s_blocksize = 2048 })),
     ",nojoliet,hide,check=s,blocksize=2048,uid=1000,dmode=555,iocharset=utf8", "options")
end)

-- }======

-- {====== hugetlbfs, autofs, fuse, squashfs ======

test("hugetlbfs: hugetlbfs_show_options() (fs/hugetlbfs/inode.c)", function()
  -- 2 MiB pages (order 9), size= and min_size= in bytes, nr_inodes
  local sbi = obj({ uid = kuid(0), gid = kuid(36), mode = 0x3f8, max_inodes = 100,
                    hstate = { order = 9 }, spool = obj({ max_hpages = 64, min_hpages = -1 }) })
  eq(show(superblock("hugetlbfs_show_options", sbi)),
     ",gid=36,mode=1770,nr_inodes=100,pagesize=2M,size=134217728", "options")
end)

test("autofs: autofs_show_options() (fs/autofs/inode.c)", function()
  local root_inode = obj({ i_uid = kuid(0), i_gid = kuid(0) })
  local s_root = obj({ d_inode = root_inode })
  local pipe = obj({ f_inode = { i_ino = 24680 } })
  local sbi = obj({ pipefd = 5, oz_pgrp = obj({ numbers = { [0] = { nr = 812 } } }), exp_timeout = 300 * HZ,
                    min_proto = 3, max_proto = 5, type = 2, flags = 0x2, pipe = pipe })
  -- type AUTOFS_TYPE_DIRECT (2), flags AUTOFS_SBI_STRICTEXPIRE (0x2)
  eq(show(superblock("autofs_show_options", sbi, { s_root = s_root })),
     ",fd=5,pgrp=812,timeout=300,minproto=3,maxproto=5,direct,strictexpire,pipe_ino=24680", "options")
end)

test("fuse: fuse_show_options() (fs/fuse/inode.c)", function()
  members["struct fuse_conn"] = {}
  local fc = obj({ legacy_opts_show = 1, user_id = kuid(1000), group_id = kuid(1000),
                   default_permissions = 1, allow_other = 0, max_read = 131072 })
  eq(show(superblock("fuse_show_options", obj({ fc = fc }))),
     ",user_id=1000,group_id=1000,default_permissions,max_read=131072", "options")
end)

test("squashfs: squashfs_show_options() (fs/squashfs/super.c) without the decompressor choice", function()
  members["struct squashfs_sb_info"] = {}
  eq(show(superblock("squashfs_show_options", obj({ panic_on_errors = false }))), ",errors=continue", "options")
end)

-- }======

test("an undecoded show_options names itself and only that line", function()
  local text, why = mount.fs_options(superblock("zonefs_show_options", obj({})))
  eq(text, nil, "text")
  ok(why:find("zonefs_show_options", 1, true), "reason names the function: " .. tostring(why))
end)

-- {====== tmpfs (6.6+ quota), NFSv3, cgroup v1 ======

test("tmpfs: shmem_show_options() (mm/shmem.c) with 6.4 noswap and 6.6 quota options", function()
  members["struct shmem_sb_info"] = { mpol = true, full_inums = true, huge = true, noswap = true, qlimits = true }
  symbols._totalram_pages = { counter = 262144 }              -- 1 GiB of 4 KiB pages
  symbols._totalhigh_pages = { counter = 0 }
  local sbi = obj({ max_blocks = 16384, max_inodes = 131072, mode = 0x3ff, uid = kuid(1000), gid = kuid(0),
                    full_inums = true, huge = 2, noswap = true,
                    qlimits = { usrquota_bhardlimit = 1048576, grpquota_bhardlimit = 0,
                                usrquota_ihardlimit = 0, grpquota_ihardlimit = 0 } })
  -- s_dquot.flags: user usage enabled (DQUOT_USAGE_ENABLED << USRQUOTA),
  -- group usage enabled but suspended (DQUOT_SUSPENDED = 1 << 6, << GRPQUOTA)
  local sb = superblock("shmem_show_options", sbi, { s_dquot = { flags = 1 | (1 << 1) | (1 << 7) } })
  superblocks[1] = sb
  -- size: max_blocks != totalram/2 (16384 pages = 65536k); nr_inodes is
  -- the default min(totalram - highmem, totalram/2); mode 01777 default;
  -- inode64 (a mount with full_inums: CONFIG_TMPFS_INODE64 taken as set);
  -- huge=within_size (SHMEM_HUGE_WITHIN_SIZE 2)
  eq(show(sb), ",size=65536k,uid=1000,inode64,huge=within_size,noswap,usrquota,usrquota_block_hardlimit=1048576",
     "options")
end)

test("NFSv3 over TCP: nfs_show_options() (fs/nfs/super.c) with the mountd options", function()
  members["struct nfs_client"] = { cl_xprtsec = true }
  members["struct nfs_server"] = {}
  local xprt = { address_strings = { [0] = cstr("192.0.2.1"), [5] = cstr("tcp") } }
  local rpcclnt = { cl_xprt = xprt, cl_timeout = { to_initval = 60 * HZ, to_retries = 2 },
                    cl_auth = { au_flavor = 1 } }
  local clp = { rpc_ops = { version = 3 }, cl_minorversion = 0, cl_nconnect = 0, cl_rpcclient = rpcclnt,
                cl_xprtsec = { policy = 0 } }
  local sa = obj({})
  mem16[sa.__addr] = 2                                          -- AF_INET
  mem32[sa.__addr + 4] = 0x010200c0                             -- 192.0.2.1, network order
  -- NFS_MOUNT_SOFT 0x1, NONLM 0x200, LOOKUP_CACHE_NONEG|NONE 0x30000,
  -- LOCAL_FLOCK 0x100000 (nfs_mount.h, nfs_fs_sb.h)
  local nfss = obj({ nfs_client = clp, rsize = 1048576, wsize = 1048576, bsize = 0, namelen = 255,
                     acregmin = 10 * HZ, acregmax = 60 * HZ, acdirmin = 30 * HZ, acdirmax = 60 * HZ,
                     flags = 0x1 | 0x200 | 0x30000 | 0x100000, client = rpcclnt, port = 0, options = 0,
                     mountd_address = sa, mountd_version = 3, mountd_port = 20048, mountd_protocol = 6 })
  eq(show(superblock("nfs_show_options", nfss)),
     ",vers=3,rsize=1048576,wsize=1048576,namlen=255,acregmin=10,soft,nolock,proto=tcp,timeo=600,retrans=2,sec=sys" ..
     ",mountaddr=192.0.2.1,mountvers=3,mountport=20048,mountproto=tcp,lookupcache=none,local_lock=flock,addr=192.0.2.1",
     "options")
end)

test("cgroup v1: cgroup1_show_options() (kernel/cgroup/cgroup-v1.c) through kernfs_sop_show_options", function()
  members["struct kernfs_super_info"] = {}
  containers.kf_root = containers.kf_root or {}
  local kroot = obj({})
  local croot = obj({ subsys_mask = (1 << 1) | (1 << 3), flags = 0, release_agent_path = chars("/sbin/agent"),
                      cgrp = { flags = 1 << 4 }, name = chars("") })
  containers.kf_root[kroot.__addr] = croot
  -- controllers in cgroup_subsys[] order, their legacy names
  local subsys = { [0] = { legacy_name = chars("cpuset") }, { legacy_name = chars("cpu") },
                   { legacy_name = chars("cpuacct") }, { legacy_name = chars("memory") } }
  symbols.cgroup_subsys = setmetatable({}, { __index = subsys, __len = function() return 4 end })
  local scops = obj({ show_options = 0xfffe0001 })
  funcs[0xfffe0001] = "cgroup1_show_options"
  kroot.__f.syscall_ops = scops
  local info = obj({ root = kroot })
  -- none of the CGRP_ROOT_* flags (noprefix/xattr/...) set
  eq(show(superblock("kernfs_sop_show_options", info)), ",cpu,memory,release_agent=/sbin/agent,clone_children", "options")
  -- CGRP_ROOT_NOPREFIX (1 << 1) and CGRP_ROOT_XATTR (1 << 2), enumerators
  -- of an anonymous enum in include/linux/cgroup-defs.h (6.1 and 6.12),
  -- read from this dump's debug info by kd.constant
  croot.__f.flags = (1 << 1) | (1 << 2)
  eq(show(superblock("kernfs_sop_show_options", info)),
     ",cpu,memory,noprefix,xattr,release_agent=/sbin/agent,clone_children", "noprefix, xattr")
end)

-- }======

-- {====== overlay ======
-- module parameters as Debian builds them (CONFIG_OVERLAY_FS_REDIRECT_DIR
-- off, _REDIRECT_ALWAYS_FOLLOW on, _INDEX/_NFS_EXPORT/_XINO_AUTO/_METACOPY off)
local function ovl_params()
  local defs = { ovl_redirect_dir_def = 0, ovl_redirect_always_follow = 1, ovl_index_def = 0,
                 ovl_nfs_export_def = 0, ovl_xino_auto_def = 0, ovl_metacopy_def = 0 }
  for name, v in pairs(defs) do
    local a = cstr(name)
    syms[name] = a
    mem8[a] = v
  end
end

test("overlay 6.1: ovl_show_options() (fs/overlayfs/super.c), string redirect_mode", function()
  ovl_params()
  members["struct ovl_config"] = { lowerdir = true, ovl_volatile = true }
  types["struct ovl_config"] = { members = { { name = "redirect_mode", type = { kind = "pointer" } } } }
  -- redirect_mode "follow" is ovl_redirect_mode_def() here (always_follow):
  -- not shown; volatile shown
  local c = { lowerdir = cstr("/lower1:/lower2"), upperdir = cstr("/up"), workdir = cstr("/work"),
              default_permissions = false, redirect_mode = cstr("follow"), index = false, uuid = true,
              nfs_export = false, xino = 0, metacopy = false, ovl_volatile = true, userxattr = false }
  local ofs = obj({ config = obj(c), xino_mode = 0 })
  eq(show(superblock("ovl_show_options", ofs)), ",lowerdir=/lower1:/lower2,upperdir=/up,workdir=/work,volatile", "options")
  c.redirect_mode, c.uuid = cstr("nofollow"), false
  eq(show(superblock("ovl_show_options", ofs)),
     ",lowerdir=/lower1:/lower2,upperdir=/up,workdir=/work,redirect_dir=nofollow,uuid=off,volatile", "redirect, uuid")
end)

test("overlay 6.12: ovl_show_options() (fs/overlayfs/params.c), lowerdir+/datadir+ and enum modes", function()
  ovl_params()
  members["struct ovl_config"] = { lowerdirs = true, fsync_mode = true, verity_mode = true }
  types["struct ovl_config"] = { members = { { name = "redirect_mode", type = { kind = "int" } } } }
  local ld = obj({})
  mem64[ld.__addr] = 0                                           -- lowerdirs[0]: no legacy lowerdir=
  mem64[ld.__addr + 8] = cstr("/l1")
  mem64[ld.__addr + 16] = cstr("/data")
  -- OVL_REDIRECT_NOFOLLOW 2, OVL_UUID_NULL 1, OVL_XINO_ON 2, OVL_FSYNC_AUTO 1
  -- (default), OVL_VERITY_REQUIRE 2 (overlayfs.h)
  local c = obj({ lowerdirs = ld, upperdir = 0, default_permissions = true, redirect_mode = 2, index = true,
                  uuid = 1, nfs_export = false, xino = 2, metacopy = false, fsync_mode = 1, userxattr = true,
                  verity_mode = 2 })
  -- numlayer 3, numdatalayer 1: lowerdirs[1] a merged layer, [2] a data layer
  local ofs = obj({ config = c, numlayer = 3, numdatalayer = 1, xino_mode = 32 })
  eq(show(superblock("ovl_show_options", ofs)),
     ",lowerdir+=/l1,datadir+=/data,default_permissions,redirect_dir=nofollow,index=on,uuid=null,xino=on,userxattr,verity=require",
     "options")
end)

-- }======

-- {====== bpf ======

test("bpf 6.12: bpf_show_options() (kernel/bpf/inode.c) with token delegation masks", function()
  members["struct bpf_mount_opts"] = { uid = true, delegate_cmds = true }
  local function enum(tname, list)
    members[tname] = {}
    local e = {}
    for i, p in ipairs(list) do e[i] = { name = p[1], value = p[2] } end
    types[tname] = { enumerators = e }
  end
  -- a few enumerators of include/uapi/linux/bpf.h, in declaration order
  -- (BPF_PROG_RUN is an alias of BPF_PROG_TEST_RUN: the first name wins)
  enum("enum bpf_cmd", { { "BPF_MAP_CREATE", 0 }, { "BPF_MAP_LOOKUP_ELEM", 1 }, { "BPF_PROG_LOAD", 5 },
                         { "BPF_PROG_TEST_RUN", 10 }, { "BPF_PROG_RUN", 10 }, { "__MAX_BPF_CMD", 37 } })
  enum("enum bpf_map_type", { { "BPF_MAP_TYPE_UNSPEC", 0 }, { "BPF_MAP_TYPE_HASH", 1 }, { "__MAX_BPF_MAP_TYPE", 33 } })
  enum("enum bpf_prog_type", { { "BPF_PROG_TYPE_UNSPEC", 0 }, { "__MAX_BPF_PROG_TYPE", 33 } })
  enum("enum bpf_attach_type", { { "BPF_CGROUP_INET_INGRESS", 0 }, { "__MAX_BPF_ATTACH_TYPE", 58 } })
  local inode = obj({ i_uid = kuid(0), i_gid = kuid(0), i_mode = 0x41c0 })   -- S_IFDIR | 0700
  local s_root = obj({ d_inode = inode })
  local o = obj({ delegate_cmds = (1 << 0) | (1 << 5) | (1 << 10), delegate_maps = (1 << 33) - 1,
                  delegate_progs = 0, delegate_attachs = 1 | (1 << 40) })
  -- seq_print_delegate_opts(): names lower-cased without the prefix, "any"
  -- for the whole mask, the bits no enumerator names in hex
  eq(show(superblock("bpf_show_options", o, { s_root = s_root })),
     ",mode=700,delegate_cmds=map_create:prog_load:prog_test_run,delegate_maps=any" ..
     ",delegate_attachs=cgroup_inet_ingress:0x10000000000", "options")
end)

-- }======

-- {====== show_path (mountinfo field 4) ======

test("show_path: cgroup_show_path() through kernfs_sop_show_path (a cgroup2 mount of /fxbatch/inner)", function()
  members["struct kernfs_super_info"] = {}
  -- kernfs nodes: root (no parent) <- fxbatch <- inner
  local kn_root = obj({ name = cstr("") })
  local kn_batch = obj({ name = cstr("fxbatch"), parent = kn_root })
  local kn_inner = obj({ name = cstr("inner"), parent = kn_batch })
  funcs[0xfffd0001], funcs[0xfffd0002] = "kernfs_sop_show_path", "cgroup_show_path"
  local kroot = obj({ syscall_ops = obj({ show_path = 0xfffd0002 }) })
  local sb = superblock("cgroup_show_options", obj({ root = kroot }))
  sb.__f.s_op.__f.show_path = 0xfffd0001
  -- the mount's root dentry: its inode's i_private is the kernfs node
  local root = obj({ d_inode = obj({ i_private = kn_inner }) })
  local m = { mnt = { mnt_root = root } }
  -- kernfs_path_from_node() below the reader's (init's) cgroup namespace root
  eq(mount._root_path(m, sb), "/fxbatch/inner", "path")
end)

test("show_path: nsfs_show_path() (fs/nsfs.c) of a bind-mounted network namespace", function()
  funcs[0xfffd0003] = "nsfs_show_path"
  local ns = obj({ ops = { name = chars("net") } })
  local root = obj({ d_inode = obj({ i_private = ns, i_ino = 4026532281 }) })
  local sb = superblock(nil, obj({}))
  sb.__f.s_op.__f.show_path = 0xfffd0003
  -- "%s:[%lu]", ns_ops->name, inode->i_ino
  eq(mount._root_path({ mnt = { mnt_root = root } }, sb), "net:[4026532281]", "path")
end)

-- }======

-- {====== xfs ======

test("xfs: xfs_fs_show_options() (fs/xfs/xfs_super.c): the 6.12 fixture's /srv/xfs line", function()
  -- m_features with XFS_FEAT_ATTR2 (1 << 10) only; logbufs 8, logbsize
  -- 32 KiB, no stripe, m_qflags 0: the truth's proc/mounts line is
  -- "... xfs rw,relatime,attr2,inode64,logbufs=8,logbsize=32k,noquota"
  local mp = obj({ m_features = 1 << 10, m_allocsize_log = 16, m_logbufs = 8, m_logbsize = 32768,
                   m_logname = 0, m_rtname = 0, m_blkbb_log = 3, m_dalign = 0, m_swidth = 0, m_qflags = 0 })
  eq(show(superblock("xfs_fs_show_options", mp)), ",attr2,inode64,logbufs=8,logbsize=32k,noquota", "fixture line")
  -- inode32 (XFS_FEAT_SMALL_INUMS 1 << 56), allocsize (ALLOCSIZE 1 << 50,
  -- m_allocsize_log 16: 64k), a log device, sunit/swidth in 512-byte
  -- blocks (XFS_FSB_TO_BB: << m_blkbb_log), user quota enforced and
  -- project quota accounted (XFS_UQUOTA_ACCT|ENFD 0x3, PQUOTA_ACCT 0x8)
  mp.__f.m_features = (1 << 10) | (1 << 56) | (1 << 50) | (1 << 54)
  mp.__f.m_logname = cstr("/dev/sdb1")
  mp.__f.m_dalign, mp.__f.m_swidth = 16, 64
  mp.__f.m_qflags = 0x1 | 0x2 | 0x8
  eq(show(superblock("xfs_fs_show_options", mp)),
     ",attr2,discard,inode32,allocsize=64k,logbufs=8,logbsize=32k,logdev=/dev/sdb1,sunit=128,swidth=512,usrquota,pqnoenforce",
     "options")
end)

-- }======
