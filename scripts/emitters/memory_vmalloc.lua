-- proc/vmallocinfo (mm/vmalloc.c s_show): vmap_area_list, then the lazily
-- freed areas; addresses as %pK shows them to root (hashed with the dump's
-- ptr_key when kptr_restrict is 0), callers as %pS
local mm = require("kernel.mm")
emit{ path = "proc/vmallocinfo", plugin = "memory", run = function() return mm.vmallocinfo() end }
