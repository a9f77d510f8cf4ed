-- kernel/ext4.lua: what `dumpe2fs -h` shows of a mounted ext2/3/4
-- filesystem, from the kernel's copy of its superblock.
--
-- The kernel reads the on-disk superblock into a buffer of the block
-- device's page cache and keeps a pointer to it (ext4_sb_info.s_es).  Dumps
-- made with makedumpfile -d 31 (kdump's default) or -d 23 leave page-cache
-- pages out, so s_es is usually unreadable; then the lines come from what
-- ext4_fill_super() copied into struct ext4_sb_info and struct super_block
-- (group geometry, inode size, first inode, hash seed, UUID) and the rest
-- is named as left out.  When the buffer is in the dump, its decoding
-- as e2fsprogs' list_super2() prints it is not written yet (M.list_super).
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
  "reserved uid/gid, extra isize, journal backup, checksum and the journal's own lines"
function M.dumpe2fs_h(sb)
  local sbi = kd.object("struct ext4_sb_info", pval(sb.s_fs_info))
  local es = pval(sbi:member_("s_es"))
  local readable, raw = pcall(kd.read, es, 1024)
  if readable then
    local text = M.list_super(raw)
    if text then return text end
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
  return table.concat(L), (readable and "the on-disk superblock (ext4_sb_info.s_es) is not decoded yet"
    or "the on-disk superblock's page (ext4_sb_info.s_es, a page-cache buffer) is not in the dump") ..
    "; shown: what the kernel keeps in ext4_sb_info and super_block " ..
    "(free counts are the kernel's live ones); left out: " .. LEFT_OUT
end

-- list_super2() over the 1024 bytes of an on-disk ext2/3/4 superblock:
-- not decoded yet (nil), the in-memory lines stand in (see dumpe2fs_h)
function M.list_super(raw)
  local _ = raw
  return nil
end

return M
