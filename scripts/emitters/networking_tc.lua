-- sos networking plugin: `tc -s qdisc show` (iproute2 6.1 layout)
local ip = require("kernel.net_ip")

emit{ command = "tc -s qdisc show", plugin = "networking",
      run = function()
        local text, note = ip.tc_qdisc()
        if note then return stub(note, text) end
        return text
      end }
