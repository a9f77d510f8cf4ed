-- ext4_show_options() (fs/ext4/super.c, _ext4_show_options with nodefs 0)
-- on the running kernel's own option tables -- ext4_mount_opts[] and the
-- names of ext4_param_specs[], read from this fixture's dump -- with the
-- ext4_sb_info laid out by hand (the 6.12 fixture's ext4.ko has no types;
-- the 6.1 one has no ext4 mount).  tests/sh/test_each_fixture.sh runs it
-- on every fixture; where the dump has no ext4 tables it says so.
-- EXT4_MOUNT_* values: fs/ext4/ext4.h (the same in 6.1 and 6.12).

local realfs = require("kernel.fs")

local function when(cond, name, fn)
  if cond then test(name, fn) else print("n/a  " .. name) end
end

local have = kd.symbol_address("ext4_param_specs") ~= nil and kd.symbol_address("ext4_mount_opts") ~= nil

-- hand-laid objects: Lua tables (the dump's own objects stay userdata)
local next_addr, objects = 0x10000, {}
local function obj(fields)
  next_addr = next_addr + 0x1000
  local o = setmetatable({ __addr = next_addr, __f = fields }, {
    __index = function(self, k)
      if k == "member_" then return function(me, n) return rawget(me, "__f")[n] or 0 end end
      return rawget(self, "__f")[k]
    end })
  objects[next_addr] = o
  return o
end
local function addr_of(x)
  if x == nil then return 0 end
  if type(x) == "number" then return x end
  if type(x) == "table" then return rawget(x, "__addr") end
  return kd.addr(x)
end

local fake_kd = setmetatable({
  object = function(t, a)
    if objects[a] then return objects[a] end
    return kd.object(t, a)
  end,
}, { __index = kd })
local fake_fs = setmetatable({
  pval = addr_of, addr = addr_of,
  func_name = function(p) return rawget(p, "__fn") or realfs.func_name(p) end,
  fstype_name = function() return "ext4" end,
  kid = function(x) return type(x) == "table" and x.val or realfs.kid(x) end,
}, { __index = realfs })
local env = setmetatable({ kd = fake_kd }, { __index = _G })
env.require = function(n) if n == "kernel.fs" then return fake_fs end return require(n) end
local mount = assert(loadfile(SOURCE_DIR .. "/scripts/lib/kernel/mount.lua", "t", env))()
local HZ = require("kernel.time").hz()

local ORDERED, JOURNAL, ERRORS_RO, DISCARD = 0x800, 0x400, 0x20, 0x40000000
local MB_OPTIMIZE_SCAN = 0x80                                   -- EXT4_MOUNT2_*

local function ext4_sb(opt, es_errors, commit)
  local sbi = obj({ s_sb_block = 1, s_mount_opt = opt, s_def_mount_opt = ORDERED,
                    s_mount_opt2 = MB_OPTIMIZE_SCAN, s_def_mount_opt2 = MB_OPTIMIZE_SCAN,
                    s_resuid = { val = 0 }, s_resgid = { val = 0 },
                    s_es = { s_def_resuid = 0, s_def_resgid = 0, s_errors = es_errors },
                    s_commit_interval = commit, s_min_batch_time = 0, s_max_batch_time = 15000,
                    s_stripe = 0, s_inode_readahead_blks = 32, s_li_wait_mult = 10,
                    s_max_dir_size_kb = 0, s_groups_count = 16, s_jquota_fmt = 0,
                    s_qf_names = { [0] = 0, [1] = 0 } })
  local sop = { __fn = "ext4_show_options" }
  return obj({ s_fs_info = sbi, s_flags = 0, s_type = 0, s_op = obj({ show_options = sop }) })
end

when(have, "ext4 defaults print nothing (every option equal to its default)", function()
  -- EXT4_ERRORS_CONTINUE (1) is the superblock's default and the mount's
  local text, why = mount.fs_options(ext4_sb(ORDERED | 0x10, 1, 5 * HZ))
  eq(why, nil, "problem")
  eq(text, "", "options")
end)

when(have, "ext4 non-defaults: a table option, errors=, commit=, data=", function()
  -- DISCARD differs from the default: {Opt_discard, EXT4_MOUNT_DISCARD,
  -- MOPT_SET} names it; ERRORS_RO against s_errors CONTINUE; commit 30 s;
  -- DATA_FLAGS journal against the default ordered
  local text, why = mount.fs_options(ext4_sb(JOURNAL | DISCARD | ERRORS_RO, 1, 30 * HZ))
  eq(why, nil, "problem")
  eq(text, ",discard,errors=remount-ro,commit=30,data=journal", "options")
end)

when(have, "ext4: the table is read to its end ({Opt_err, 0, 0}, past the all-zero MOPT_Q entries)", function()
  -- EXT4_MOUNT_NO_PREFETCH_BLOCK_BITMAPS (0x4000000), after
  -- {Opt_usrjquota, 0, MOPT_Q}, which is all zeros where CONFIG_QUOTA
  -- makes MOPT_Q 0; EXT4_MOUNT_NO_MBCACHE (0x1) likewise
  local text = mount.fs_options(ext4_sb(ORDERED | 0x10 | 0x4000000 | 0x1, 1, 5 * HZ))
  -- names: token2str() -- "nombcache" (the first spec of Opt_nombcache),
  -- "no_prefetch_block_bitmaps" ("prefetch_block_bitmaps" is Opt_removed)
  eq(text, ",nombcache,no_prefetch_block_bitmaps", "options")
end)
