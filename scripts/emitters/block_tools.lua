-- block plugin: lsblk forms, blockdev --report, ls -lanR /sys/block
-- (util-linux 2.38 formats over the dump's gendisks; see kernel/block.lua)
local block = require("kernel.block")
local function out(text, why)
  if text == nil then return nil, why end
  if why then return stub(why, text) end
  return text
end
local function crash_time()
  local ok, ct = pcall(require, "report.crashtime")
  local t = ok and ct.get() or nil
  return t or require("kernel.time").wall_clock() or 0
end
emit{ command = "lsblk", plugin = "block",
      run = function() return block.lsblk_default() end }
emit{ command = "lsblk -f -a -l", plugin = "block",
      run = function() return out(block.lsblk_fal()) end }
emit{ command = "lsblk -t", plugin = "block",
      run = function() return block.lsblk_t() end }
emit{ command = "lsblk -D", plugin = "block",
      run = function() return block.lsblk_D() end }
emit{ command = "blockdev --report", plugin = "block",
      run = function() return block.blockdev_report() end }
emit{ command = "ls -lanR /sys/block", plugin = "block",
      run = function() return block.ls_sys_block(crash_time()) end }
emit{ command = "losetup -a", plugin = "block",
      run = function() return out(block.losetup_a()) end }
emit{ command = "blkid -c /dev/null", plugin = "block",
      run = function() return out(block.blkid()) end }
-- ls -lanR /dev: devtmpfs (and devpts, tmpfs, mqueue mounted below it)
-- lives wholly in the dentry and inode caches (kernel/dcache_ls.lua)
emit{ command = "ls -lanR /dev", plugin = "block",
      run = function() return out(require("kernel.dcache_ls").ls_lanR("/dev", crash_time())) end }
