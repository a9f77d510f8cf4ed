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
