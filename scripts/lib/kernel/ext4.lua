-- kernel/ext4.lua: what `dumpe2fs -h` shows of a mounted ext2/3/4
-- filesystem, from the kernel's copy of its superblock.
--
-- The kernel reads the on-disk superblock into a buffer of the block
-- device's page cache and keeps a pointer to it (ext4_sb_info.s_es).  Dumps
-- made with makedumpfile -d 31 (kdump's default) or -d 23 leave page-cache
-- pages out, so s_es is usually unreadable; then the lines come from what
-- ext4_fill_super() copied into struct ext4_sb_info and struct super_block
-- (group geometry, inode size, first inode, hash seed, UUID) and the rest
-- is named as left out.  When the buffer is in the dump, the superblock is
-- decoded as e2fsprogs' list_super2() prints it (M.list_super).
--
-- Mirrors: fs/ext4/super.c (__ext4_fill_super, ext4_statfs), fs/ext4/ext4.h
--   (struct ext4_super_block, struct ext4_sb_info); e2fsprogs 1.47
--   lib/e2p/ls.c (list_super2), lib/e2p/hashstr.c, misc/dumpe2fs.c

local fs = require("kernel.fs")

local M = {}
local pval = fs.pval

-- e2p_uuid2str(): 8-4-4-4-12 lowercase, "<none>" for the null UUID
function M.uuid_string(raw)
  if raw == string.rep("\0", 16) then return "<none>" end
  local h = raw:gsub(".", function(c) return string.format("%02x", c:byte()) end)
  return h:sub(1, 8) .. "-" .. h:sub(9, 12) .. "-" .. h:sub(13, 16) .. "-" .. h:sub(17, 20) .. "-" .. h:sub(21, 32)
end

-- lib/e2p/hashstr.c e2p_hash2string()
local HASH = { [0] = "legacy", [1] = "half_md4", [2] = "tea" }
local function hash_name(n) return HASH[n] or string.format("HASH_%d", n) end

-- is this superblock one the ext4 driver (ext2/ext3/ext4) mounted?
function M.is_ext(sb)
  local t = fs.fstype_name(sb)
  return t == "ext4" or t == "ext3" or t == "ext2"
end

-- label of the filesystem: s_es->s_volume_name (16 bytes) or nil, reason
function M.label(sb)
  local sbi = kd.object("struct ext4_sb_info", pval(sb.s_fs_info))
  local es = pval(sbi:member_("s_es"))
  local ok, raw = pcall(kd.read, es + 0x78, 16)       -- s_volume_name
  if not ok then return nil, "the on-disk superblock's page (ext4_sb_info.s_es) is not in the dump" end
  return (raw:match("^[^%z]*"))
end

-- the superblock lines of `dumpe2fs -h` that the kernel's in-memory state
-- gives, in list_super2()'s order, and the names of those it leaves out
local LEFT_OUT = "volume name, last mounted on, revision, features, flags, default mount " ..
  "options, state, errors behavior, OS type, block and reserved block counts, first " ..
  "block, reserved GDT blocks, times, mount counts, check interval, lifetime writes, " ..
  "reserved uid/gid, extra isize, journal backup, checksum, the journal's own lines and bad blocks"
function M.dumpe2fs_h(sb)
  local sbi = kd.object("struct ext4_sb_info", pval(sb.s_fs_info))
  local es = pval(sbi:member_("s_es"))
  local readable, raw = pcall(kd.read, es, 1024)
  if readable then
    -- dumpe2fs then lists the bad-block inode's blocks ("\n" when none)
    return M.list_super(raw) .. "\n", "the superblock as the kernel holds it (ext4_sb_info.s_es); "
      .. "times in UTC, the reserved uid/gid without names (getpwuid: user space); the journal's "
      .. "own lines (its superblock is read from the journal's blocks) and bad blocks left out"
  end
  local L = {}
  local function add(label, v) L[#L + 1] = string.format("%-26s%s\n", label .. ":", tostring(v)) end
  add("Filesystem UUID", M.uuid_string(kd.read(sb.s_uuid:address_(), 16)))
  add("Filesystem magic number", string.format("0x%04X", sb.s_magic))
  add("Inode count", sbi.s_inodes_per_group * sbi.s_groups_count)
  local mount = require("kernel.mount")
  local ratio = sbi.s_cluster_ratio
  -- the kernel's live counts; the on-disk ones dumpe2fs reads are written
  -- from them at each commit (ext4_commit_super), so they may lag
  local okb, free_c = pcall(mount.percpu_counter_sum, sbi.s_freeclusters_counter)
  if okb then add("Free blocks", free_c * ratio) end
  local oki, free_i = pcall(mount.percpu_counter_sum, sbi.s_freeinodes_counter)
  if oki then add("Free inodes", free_i) end
  local bs = sb.s_blocksize
  add("Block size", bs)
  -- bigalloc is the only way to a cluster ratio above 1
  add(ratio > 1 and "Cluster size" or "Fragment size", bs * ratio)
  -- 64bit descriptors are the only ones above EXT4_MIN_DESC_SIZE (32)
  if sbi.s_desc_size > 32 then add("Group descriptor size", sbi.s_desc_size) end
  add("Blocks per group", sbi.s_blocks_per_group)
  add(ratio > 1 and "Clusters per group" or "Fragments per group", sbi.s_clusters_per_group)
  add("Inodes per group", sbi.s_inodes_per_group)
  add("Inode blocks per group", sbi.s_itb_per_group)
  if sbi.s_log_groups_per_flex ~= 0 then add("Flex block group size", 1 << sbi.s_log_groups_per_flex) end
  add("First inode", sbi.s_first_ino)
  L[#L + 1] = "Inode size:\t          " .. sbi.s_inode_size .. "\n"   -- list_super2's tab
  local jp = pval(sbi:member_("s_journal"))
  if jp ~= 0 then
    local ok, ino = pcall(function()
      local j = kd.object("struct journal_s", jp)
      local ip = pval(j:member_("j_inode"))
      return ip ~= 0 and kd.object("struct inode", ip).i_ino or nil
    end)
    if ok and ino then add("Journal inode", ino) end
  end
  if sbi.s_def_hash_version ~= 0 then add("Default directory hash", hash_name(sbi.s_def_hash_version)) end
  local seed = {}
  for i = 0, 3 do seed[#seed + 1] = string.pack("<I4", sbi.s_hash_seed[i]) end
  local seedraw = table.concat(seed)
  if seedraw ~= string.rep("\0", 16) then add("Directory Hash Seed", M.uuid_string(seedraw)) end
  return table.concat(L) .. "\n", "the on-disk superblock's page (ext4_sb_info.s_es, a page-cache buffer) is not in the dump" ..
    "; shown: what the kernel keeps in ext4_sb_info and super_block " ..
    "(free counts are the kernel's live ones); left out: " .. LEFT_OUT
end

-- struct ext2_super_block / ext4_super_block field by field (1024 bytes,
-- little-endian, no padding)
local SB_FIELDS = {
  { "s_inodes_count", "I4" }, { "s_blocks_count", "I4" }, { "s_r_blocks_count", "I4" },
  { "s_free_blocks_count", "I4" }, { "s_free_inodes_count", "I4" }, { "s_first_data_block", "I4" },
  { "s_log_block_size", "I4" }, { "s_log_cluster_size", "I4" }, { "s_blocks_per_group", "I4" },
  { "s_clusters_per_group", "I4" }, { "s_inodes_per_group", "I4" }, { "s_mtime", "I4" },
  { "s_wtime", "I4" }, { "s_mnt_count", "I2" }, { "s_max_mnt_count", "i2" }, { "s_magic", "I2" },
  { "s_state", "I2" }, { "s_errors", "I2" }, { "s_minor_rev_level", "I2" }, { "s_lastcheck", "I4" },
  { "s_checkinterval", "I4" }, { "s_creator_os", "I4" }, { "s_rev_level", "I4" },
  { "s_def_resuid", "I2" }, { "s_def_resgid", "I2" }, { "s_first_ino", "I4" },
  { "s_inode_size", "I2" }, { "s_block_group_nr", "I2" }, { "s_feature_compat", "I4" },
  { "s_feature_incompat", "I4" }, { "s_feature_ro_compat", "I4" }, { "s_uuid", "c16" },
  { "s_volume_name", "c16" }, { "s_last_mounted", "c64" }, { "s_algorithm_usage_bitmap", "I4" },
  { "s_prealloc_blocks", "B" }, { "s_prealloc_dir_blocks", "B" }, { "s_reserved_gdt_blocks", "I2" },
  { "s_journal_uuid", "c16" }, { "s_journal_inum", "I4" }, { "s_journal_dev", "I4" },
  { "s_last_orphan", "I4" }, { "s_hash_seed", "c16" }, { "s_def_hash_version", "B" },
  { "s_jnl_backup_type", "B" }, { "s_desc_size", "I2" }, { "s_default_mount_opts", "I4" },
  { "s_first_meta_bg", "I4" }, { "s_mkfs_time", "I4" }, { "s_jnl_blocks", "c68" },
  { "s_blocks_count_hi", "I4" }, { "s_r_blocks_count_hi", "I4" }, { "s_free_blocks_hi", "I4" },
  { "s_min_extra_isize", "I2" }, { "s_want_extra_isize", "I2" }, { "s_flags", "I4" },
  { "s_raid_stride", "I2" }, { "s_mmp_update_interval", "I2" }, { "s_mmp_block", "I8" },
  { "s_raid_stripe_width", "I4" }, { "s_log_groups_per_flex", "B" }, { "s_checksum_type", "B" },
  { "s_encryption_level", "B" }, { "s_reserved_pad", "B" }, { "s_kbytes_written", "I8" },
  { "s_snapshot_inum", "I4" }, { "s_snapshot_id", "I4" }, { "s_snapshot_r_blocks_count", "I8" },
  { "s_snapshot_list", "I4" }, { "s_error_count", "I4" }, { "s_first_error_time", "I4" },
  { "s_first_error_ino", "I4" }, { "s_first_error_block", "I8" }, { "s_first_error_func", "c32" },
  { "s_first_error_line", "I4" }, { "s_last_error_time", "I4" }, { "s_last_error_ino", "I4" },
  { "s_last_error_line", "I4" }, { "s_last_error_block", "I8" }, { "s_last_error_func", "c32" },
  { "s_mount_opts", "c64" }, { "s_usr_quota_inum", "I4" }, { "s_grp_quota_inum", "I4" },
  { "s_overhead_clusters", "I4" }, { "s_backup_bgs0", "I4" }, { "s_backup_bgs1", "I4" },
  { "s_encrypt_algos", "c4" }, { "s_encrypt_pw_salt", "c16" }, { "s_lpf_ino", "I4" },
  { "s_prj_quota_inum", "I4" }, { "s_checksum_seed", "I4" }, { "s_wtime_hi", "B" },
  { "s_mtime_hi", "B" }, { "s_mkfs_time_hi", "B" }, { "s_lastcheck_hi", "B" },
  { "s_first_error_time_hi", "B" }, { "s_last_error_time_hi", "B" }, { "s_first_error_errcode", "B" },
  { "s_last_error_errcode", "B" }, { "s_encoding", "I2" }, { "s_encoding_flags", "I2" },
  { "s_orphan_file_inum", "I4" }, { "s_reserved", "c376" }, { "s_checksum", "I4" },
}
local SB_FORMAT = "<"
for _, f in ipairs(SB_FIELDS) do SB_FORMAT = SB_FORMAT .. f[2] end

-- the fields of an on-disk superblock (1024 bytes) by name
function M.parse_super(raw)
  assert(#raw >= 1024 and string.packsize(SB_FORMAT) == 1024, "an ext2/3/4 superblock is 1024 bytes")
  local v = { string.unpack(SB_FORMAT, raw) }
  local sb = {}
  for i, f in ipairs(SB_FIELDS) do sb[f[1]] = v[i] end
  return sb
end

-- lib/e2p/feature.c feature_list: the first name of each (type, bit)
local FEATURES = {
  [0] = { [0x1] = "dir_prealloc", [0x4] = "has_journal", [0x2] = "imagic_inodes", [0x8] = "ext_attr",
    [0x20] = "dir_index", [0x10] = "resize_inode", [0x40] = "lazy_bg", [0x100] = "snapshot_bitmap",
    [0x200] = "sparse_super2", [0x400] = "fast_commit", [0x800] = "stable_inodes", [0x1000] = "orphan_file" },
  [1] = { [0x1] = "compression", [0x2] = "filetype", [0x4] = "needs_recovery", [0x8] = "journal_dev",
    [0x40] = "extent", [0x10] = "meta_bg", [0x80] = "64bit", [0x100] = "mmp", [0x200] = "flex_bg",
    [0x400] = "ea_inode", [0x1000] = "dirdata", [0x2000] = "metadata_csum_seed", [0x4000] = "large_dir",
    [0x8000] = "inline_data", [0x10000] = "encrypt", [0x20000] = "casefold" },
  [2] = { [0x1] = "sparse_super", [0x2] = "large_file", [0x8] = "huge_file", [0x10] = "uninit_bg",
    [0x20] = "dir_nlink", [0x40] = "extra_isize", [0x100] = "quota", [0x200] = "bigalloc",
    [0x400] = "metadata_csum", [0x800] = "replica", [0x1000] = "read-only", [0x2000] = "project",
    [0x4000] = "shared_blocks", [0x8000] = "verity", [0x10000] = "orphan_present" },
}
local function bitnum(m) local n = 0; while m > 1 do m = m >> 1; n = n + 1 end return n end
local function feature_name(t, m)
  return FEATURES[t][m] or string.format("FEATURE_%s%d", ({ [0] = "C", "I", "R" })[t], bitnum(m))
end
-- lib/e2p/mntopts.c
local MNTOPTS = { [0x1] = "debug", [0x2] = "bsdgroups", [0x4] = "user_xattr", [0x8] = "acl",
  [0x10] = "uid16", [0x20] = "journal_data", [0x40] = "journal_data_ordered",
  [0x60] = "journal_data_writeback", [0x100] = "nobarrier", [0x200] = "block_validity",
  [0x400] = "discard", [0x800] = "nodelalloc" }
local function mntopt_name(m) return MNTOPTS[m] or string.format("MNTOPT_%d", bitnum(m)) end
local OS = { [0] = "Linux", "Hurd", "Masix", "FreeBSD", "Lites" }
local ERRCODES = { [0] = "", "UNKNOWN", "EIO", "ENOMEM", "EFSBADCRC", "EFSCORRUPTED", "ENOSPC", "ENOKEY",
  "EROFS", "EFBIG", "EEXIST", "ERANGE", "EOVERFLOW", "EBUSY", "ENOTDIR", "ENOTEMPTY", "ESHUTDOWN", "EFAULT" }
local function errcode(e) return ERRCODES[e] or string.format("UNKNOWN_ERRCODE_%d", e) end

-- ls.c interval_string()
local function interval_string(secs)
  if secs == 0 then return "<none>" end
  local buf = ""
  local function part(n, unit)
    local t = string.format("%s%d %s%s", buf ~= "" and ", " or "", n, unit, n > 1 and "s" or "")
    buf = buf .. t
  end
  local MONTH, WEEK, DAY = 86400 * 30, 86400 * 7, 86400
  if secs >= MONTH then local n = secs // MONTH; secs = secs - n * MONTH; part(n, "month") end
  if secs >= WEEK then local n = secs // WEEK; secs = secs - n * WEEK; part(n, "week") end
  if secs >= DAY then local n = secs // DAY; secs = secs - n * DAY; part(n, "day") end
  if secs > 0 then
    local hr = secs // 3600; secs = secs - hr * 3600
    local min = secs // 60; secs = secs - min * 60
    buf = buf .. string.format("%s%d:%02d:%02d", buf ~= "" and ", " or "", hr, min, secs)
  end
  return buf
end

-- ctime(3) in UTC (the dump holds no time zone)
local function ctime(t) return os.date("!%a %b %e %H:%M:%S %Y", t) .. "\n" end
local function cstr(b) return (b:match("^[^%z]*")) end

-- lib/e2p/ls.c list_super2() (e2fsprogs 1.47.0) over a parsed superblock:
-- the text `dumpe2fs -h` prints before the journal's lines, with times in
-- UTC and the reserved uid/gid without user and group names (getpwuid is
-- user space): "(user unknown)" / "(group unknown)" as e2fsprogs prints
-- them for an unknown id
function M.list_super(raw)
  local sb = M.parse_super(raw)
  local L = {}
  local function add(...) L[#L + 1] = string.format(...) end
  local function has(t, m)
    return (({ [0] = sb.s_feature_compat, sb.s_feature_incompat, sb.s_feature_ro_compat })[t] & m) ~= 0
  end
  local is64 = has(1, 0x80)
  local bs = 1024 << sb.s_log_block_size
  local isize = sb.s_rev_level == 0 and 128 or sb.s_inode_size
  local ibpg = (sb.s_inodes_per_group * isize + bs - 1) // bs
  local vol, lm = cstr(sb.s_volume_name), cstr(sb.s_last_mounted)
  add("Filesystem volume name:   %s\n", vol ~= "" and vol or "<none>")
  add("Last mounted on:          %s\n", lm ~= "" and lm or "<not available>")
  add("Filesystem UUID:          %s\n", M.uuid_string(sb.s_uuid))
  add("Filesystem magic number:  0x%04X\n", sb.s_magic)
  add("Filesystem revision #:    %d%s\n", sb.s_rev_level, sb.s_rev_level == 0 and " (original)"
      or sb.s_rev_level == 1 and " (dynamic)" or " (unknown)")
  local feats = {}
  for t, mask in pairs({ [0] = sb.s_feature_compat, sb.s_feature_incompat, sb.s_feature_ro_compat }) do
    feats[t] = mask
  end
  local fl = {}
  for t = 0, 2 do
    for j = 0, 31 do
      local m = 1 << j
      if feats[t] & m ~= 0 then fl[#fl + 1] = " " .. feature_name(t, m) end
    end
  end
  add("Filesystem features:     %s\n", #fl > 0 and table.concat(fl) or " (none)")
  if sb.s_flags ~= 0 then
    local f = {}
    if sb.s_flags & 0x1 ~= 0 then f[#f + 1] = "signed_directory_hash " end
    if sb.s_flags & 0x2 ~= 0 then f[#f + 1] = "unsigned_directory_hash " end
    if sb.s_flags & 0x4 ~= 0 then f[#f + 1] = "test_filesystem " end
    add("Filesystem flags:         %s\n", #f > 0 and table.concat(f) or "(none)")
  end
  local dm, mo = sb.s_default_mount_opts, {}
  if dm & 0x60 ~= 0 then mo[#mo + 1] = " " .. mntopt_name(dm & 0x60) end
  for j = 0, 31 do
    local m = 1 << j
    if m & 0x60 == 0 and dm & m ~= 0 then mo[#mo + 1] = " " .. mntopt_name(m) end
  end
  add("Default mount options:   %s\n", #mo > 0 and table.concat(mo) or " (none)")
  local mopts = cstr(sb.s_mount_opts)
  if mopts ~= "" then add("Mount options:            %s\n", mopts) end
  add("Filesystem state:        %s%s\n", sb.s_state & 1 ~= 0 and " clean" or " not clean",
      sb.s_state & 2 ~= 0 and " with errors" or "")
  add("Errors behavior:          %s\n", ({ "Continue", "Remount read-only", "Panic" })[sb.s_errors]
      or "Unknown (continue)")
  add("Filesystem OS type:       %s\n", OS[sb.s_creator_os] or "(unknown os)")
  add("Inode count:              %d\n", sb.s_inodes_count)
  local hi = function(lo, h) return lo | (is64 and (h << 32) or 0) end
  add("Block count:              %d\n", hi(sb.s_blocks_count, sb.s_blocks_count_hi))
  add("Reserved block count:     %d\n", hi(sb.s_r_blocks_count, sb.s_r_blocks_count_hi))
  if sb.s_overhead_clusters ~= 0 then add("Overhead clusters:        %d\n", sb.s_overhead_clusters) end
  add("Free blocks:              %d\n", hi(sb.s_free_blocks_count, sb.s_free_blocks_hi))
  add("Free inodes:              %d\n", sb.s_free_inodes_count)
  add("First block:              %d\n", sb.s_first_data_block)
  add("Block size:               %d\n", bs)
  local bigalloc = has(2, 0x200)
  add("%s%d\n", bigalloc and "Cluster size:             " or "Fragment size:            ",
      1024 << sb.s_log_cluster_size)
  if is64 then add("Group descriptor size:    %d\n", sb.s_desc_size) end
  if sb.s_reserved_gdt_blocks ~= 0 then add("Reserved GDT blocks:      %d\n", sb.s_reserved_gdt_blocks) end
  add("Blocks per group:         %d\n", sb.s_blocks_per_group)
  add("%s%d\n", bigalloc and "Clusters per group:       " or "Fragments per group:      ",
      sb.s_clusters_per_group)
  add("Inodes per group:         %d\n", sb.s_inodes_per_group)
  add("Inode blocks per group:   %d\n", ibpg)
  if sb.s_raid_stride ~= 0 then add("RAID stride:              %d\n", sb.s_raid_stride) end
  if sb.s_raid_stripe_width ~= 0 then add("RAID stripe width:        %d\n", sb.s_raid_stripe_width) end
  if sb.s_first_meta_bg ~= 0 then add("First meta block group:   %d\n", sb.s_first_meta_bg) end
  if sb.s_log_groups_per_flex ~= 0 then
    add("Flex block group size:    %d\n", 1 << sb.s_log_groups_per_flex)
  end
  if sb.s_mkfs_time ~= 0 then add("Filesystem created:       %s", ctime(sb.s_mkfs_time)) end
  add("Last mount time:          %s", sb.s_mtime ~= 0 and ctime(sb.s_mtime) or "n/a\n")
  add("Last write time:          %s", ctime(sb.s_wtime))
  add("Mount count:              %d\n", sb.s_mnt_count)
  add("Maximum mount count:      %d\n", sb.s_max_mnt_count)
  add("Last checked:             %s", ctime(sb.s_lastcheck))
  add("Check interval:           %d (%s)\n", sb.s_checkinterval, interval_string(sb.s_checkinterval))
  if sb.s_checkinterval ~= 0 then
    add("Next check after:         %s", ctime(sb.s_lastcheck + sb.s_checkinterval))
  end
  local kw = sb.s_kbytes_written
  if kw ~= 0 then
    local s
    if kw < (1 << 13) then s = kw .. " kB"
    elseif kw < (1 << 23) then s = ((kw + (1 << 9)) >> 10) .. " MB"
    elseif kw < (1 << 33) then s = ((kw + (1 << 19)) >> 20) .. " GB"
    elseif kw < (1 << 43) then s = ((kw + (1 << 29)) >> 30) .. " TB"
    else s = ((kw + (1 << 39)) >> 40) .. " PB" end
    add("Lifetime writes:          %s\n", s)
  end
  add("Reserved blocks uid:      %d (user unknown)\n", sb.s_def_resuid)
  add("Reserved blocks gid:      %d (group unknown)\n", sb.s_def_resgid)
  if sb.s_rev_level >= 1 then
    add("First inode:              %d\n", sb.s_first_ino)
    add("Inode size:\t          %d\n", sb.s_inode_size)
    if sb.s_min_extra_isize ~= 0 then add("Required extra isize:     %d\n", sb.s_min_extra_isize) end
    if sb.s_want_extra_isize ~= 0 then add("Desired extra isize:      %d\n", sb.s_want_extra_isize) end
  end
  local z16 = string.rep("\0", 16)
  if sb.s_journal_uuid ~= z16 then add("Journal UUID:             %s\n", M.uuid_string(sb.s_journal_uuid)) end
  if sb.s_journal_inum ~= 0 then add("Journal inode:            %d\n", sb.s_journal_inum) end
  if sb.s_journal_dev ~= 0 then add("Journal device:\t          0x%04x\n", sb.s_journal_dev) end
  if sb.s_last_orphan ~= 0 then add("First orphan inode:       %d\n", sb.s_last_orphan) end
  if has(0, 0x20) or sb.s_def_hash_version ~= 0 then
    add("Default directory hash:   %s\n", hash_name(sb.s_def_hash_version))
  end
  if sb.s_hash_seed ~= z16 then add("Directory Hash Seed:      %s\n", M.uuid_string(sb.s_hash_seed)) end
  if sb.s_jnl_backup_type ~= 0 then
    add("Journal backup:           %s\n", sb.s_jnl_backup_type == 1 and "inode blocks"
        or ("type " .. sb.s_jnl_backup_type))
  end
  if sb.s_backup_bgs0 ~= 0 or sb.s_backup_bgs1 ~= 0 then
    add("Backup block groups:      %s%s\n", sb.s_backup_bgs0 ~= 0 and (sb.s_backup_bgs0 .. " ") or "",
        sb.s_backup_bgs1 ~= 0 and (sb.s_backup_bgs1 .. " ") or "")
  end
  if sb.s_snapshot_inum ~= 0 then
    add("Snapshot inode:           %d\n", sb.s_snapshot_inum)
    add("Snapshot ID:              %d\n", sb.s_snapshot_id)
    add("Snapshot reserved blocks: %d\n", sb.s_snapshot_r_blocks_count)
  end
  if sb.s_snapshot_list ~= 0 then add("Snapshot list head:       %d\n", sb.s_snapshot_list) end
  if sb.s_error_count ~= 0 then add("FS Error count:           %d\n", sb.s_error_count) end
  for _, w in ipairs({ { "first", "First" }, { "last", "Last" } }) do
    local p = "s_" .. w[1] .. "_error_"
    local function line(label, v) add("%-26s%s\n", w[2] .. " error " .. label .. ":", v) end
    if sb[p .. "time"] ~= 0 then
      add("%-26s%s", w[2] .. " error time:", ctime(sb[p .. "time"]))
      line("function", cstr(sb[p .. "func"]))
      line("line #", sb[p .. "line"])
      if sb[p .. "ino"] ~= 0 then line("inode #", sb[p .. "ino"]) end
      if sb[p .. "block"] ~= 0 then line("block #", sb[p .. "block"]) end
      if sb[p .. "errcode"] ~= 0 then line("err", errcode(sb[p .. "errcode"])) end
    end
  end
  if has(1, 0x100) then
    add("MMP block number:         %d\n", sb.s_mmp_block)
    add("MMP update interval:      %d\n", sb.s_mmp_update_interval)
  end
  for _, q in ipairs({ { "s_usr_quota_inum", "User quota inode:" }, { "s_grp_quota_inum", "Group quota inode:" },
                       { "s_prj_quota_inum", "Project quota inode:" } }) do
    if sb[q[1]] ~= 0 then add("%-26s%d\n", q[2], sb[q[1]]) end
  end
  if has(2, 0x400) then
    add("Checksum type:            %s\n", sb.s_checksum_type == 1 and "crc32c" or "unknown")
    add("Checksum:                 0x%08x\n", sb.s_checksum)
  end
  if sb.s_encrypt_pw_salt ~= z16 then add("Encryption PW Salt:       %s\n", M.uuid_string(sb.s_encrypt_pw_salt)) end
  if has(1, 0x2000) then add("Checksum seed:            0x%08x\n", sb.s_checksum_seed) end
  if has(1, 0x20000) then
    add("Character encoding:       %s\n", sb.s_encoding == 1 and "utf8-12.1"
        or string.format("UNKNOWN_ENCODING_%d", sb.s_encoding))
  end
  if has(0, 0x1000) then add("Orphan file inode:        %d\n", sb.s_orphan_file_inum) end
  return table.concat(L)
end

return M
