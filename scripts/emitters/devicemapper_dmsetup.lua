-- devicemapper plugin: dmsetup info -c, table, status, ls --tree (sos's
-- devicemapper commands), from the dm-ioctl name index (kernel/dm.lua).
-- sos enables the plugin only where dm_mod is loaded: a dump without
-- device-mapper registers nothing.
local dm = require("kernel.dm")
if not dm.loaded() then return end
plugin{ name = "devicemapper", description = "device-mapper framework" }
local function run(fn)
  return function()
    local devs, why = dm.devices()
    if not devs then return nil, why end
    local text, partial = dm[fn](devs)
    if partial then return stub(partial, text) end
    return text
  end
end
emit{ command = "dmsetup info -c", run = run("info_c") }
emit{ command = "dmsetup table", run = run("table_text") }
emit{ command = "dmsetup status", run = run("status_text") }
emit{ command = "dmsetup ls --tree", run = run("ls_tree") }
