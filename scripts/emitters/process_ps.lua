-- sos process plugin: ps listings (procps-ng formats; one snapshot shared)
local ps = require("kernel.ps")
local snap
local function S() snap = snap or ps.snapshot() return snap end
emit{ command = "ps auxwww", plugin = "process", symlink = "ps",
      run = function() return ps.aux(S()) end }
emit{ command = "ps auxwwwm", plugin = "process",
      run = function() return ps.aux(S(), { threads = true }) end }
emit{ command = "ps alxwww", plugin = "process",
      run = function() return ps.alx(S()) end }
emit{ command = "ps -elfL", plugin = "process",
      run = function() return ps.elfL(S()) end }
