-- proc/crypto (crypto/proc.c, kernel/crypto.lua), which sos's crypto
-- plugin copies.
local crypto = require("kernel.crypto")

plugin{ name = "crypto", description = "System crypto services information" }

emit{ path = "proc/crypto", plugin = "crypto",
      description = "registered crypto algorithms (crypto_alg_list)",
      run = function()
        local text, why, part = crypto.proc_crypto()
        if text then return text end
        if part then return stub(why, part) end
        return nil, why
      end }
