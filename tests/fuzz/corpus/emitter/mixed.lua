plugin{ name = "x", description = "d" }
emit{ path = "x/{pid}/y", each = "pids", run = function(pid, t) return tostring(pid) end }
emit{ command = "ls -l /", symlink = "ls", run = function() return nil, "no" end }
