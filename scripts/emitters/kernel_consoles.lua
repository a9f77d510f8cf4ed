-- proc/consoles (fs/proc/consoles.c, kernel/console.lua), which sos's
-- console plugin copies.
local console = require("kernel.console")

plugin{ name = "console", description = "Console and keyboard information" }

emit{ path = "proc/consoles", plugin = "console",
      description = "registered consoles (console_list)",
      run = function()
        local text, why, part = console.proc_consoles()
        if text then return text end
        if part then return stub(why, part) end
        return nil, why
      end }
