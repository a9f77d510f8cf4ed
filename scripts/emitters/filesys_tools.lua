-- filesys plugin: mount -l, findmnt, df -al / -ali (util-linux 2.38,
-- coreutils 9.1 formats; statfs numbers only where the filesystem keeps
-- them in memory: tmpfs/shmem and the simple_statfs pseudo filesystems)
local mount = require("kernel.mount")
-- text [, reason for the whole text [, incomplete lines]] -> result
local out = require("report.util").result_maker(stub, partial)
emit{ command = "mount -l", plugin = "filesys", symlink = "mount",
      run = function() return out(mount.mount_l()) end }
emit{ command = "findmnt", plugin = "filesys",
      run = function() return out(mount.findmnt()) end }
emit{ command = "df -al -x autofs", plugin = "filesys", symlink = "df",
      run = function() return out(mount.df(nil, false)) end }
emit{ command = "df -ali -x autofs", plugin = "filesys",
      run = function() return out(mount.df(nil, true)) end }

-- dumpe2fs -h for each ext2/3/4 device mounted (sos: the /dev/ devices of
-- /proc/mounts lines of type ext2/3/4), from the kernel's copy of the
-- superblock (kernel/ext4.lua; a stub naming what it leaves out when the
-- on-disk superblock's page is not in the dump)
local ext4 = require("kernel.ext4")
local okm, ents = pcall(function() return mount.entries(mount.reader_task()) end)
local seen = {}
for _, e in ipairs(okm and ents or {}) do
  local src = e.source
  if src and src:match("^/dev/%S+$") and e.fstype:match("^ext[234]$") and not seen[src] then
    seen[src] = true
    local sb_addr = kd.addr(e.sb)
    emit{ command = "dumpe2fs -h " .. src, plugin = "filesys",
          description = "the ext2/3/4 superblock of " .. src .. " as the kernel holds it",
          run = function()
            local sb = kd.object("struct super_block", sb_addr)
            return out(ext4.dumpe2fs_h(sb))
          end }
  end
end
