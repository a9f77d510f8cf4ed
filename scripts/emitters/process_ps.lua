-- sos process plugin: ps listings (procps-ng formats) and pstree (psmisc);
-- one file, so that the report runs them in one process, on one snapshot
-- (ps.shared_snapshot: held by kernel/ps.lua, not here, so that taskinfo
-- can let it go when it is done)
local ps = require("kernel.ps")
local function S() return ps.shared_snapshot() end
emit{ command = "ps auxwww", plugin = "process", symlink = "ps",
      run = function() return ps.aux(S()) end }
emit{ command = "ps auxwwwm", plugin = "process",
      run = function() return ps.aux(S(), { threads = true }) end }
emit{ command = "ps alxwww", plugin = "process",
      run = function() return ps.alx(S()) end }
emit{ command = "ps -elfL", plugin = "process",
      run = function() return ps.elfL(S()) end }
-- the two `ps axo` forms of sos 4.0's process plugin
local AXO_FLAGS = "flags,state,uid,pid,ppid,pgid,sid,cls,pri,addr,sz,wchan:20,lstart,tty,time,cmd"
local AXO_CGROUP = "pid,ppid,user,group,lwp,nlwp,start_time,comm,cgroup"
emit{ command = "ps axo " .. AXO_FLAGS, plugin = "process",
      run = function() return ps.axo(S(), AXO_FLAGS) end }
emit{ command = "ps axo " .. AXO_CGROUP, plugin = "process",
      run = function() return ps.axo(S(), AXO_CGROUP) end }
emit{ command = "pstree -lp", plugin = "process", symlink = "pstree",
      run = function() return ps.pstree(S()) end }
