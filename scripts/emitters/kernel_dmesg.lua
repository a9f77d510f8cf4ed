-- sos kernel plugin: `dmesg` from the printk ringbuffer in the dump
local printk = require("kernel.printk")
emit{ command = "dmesg", plugin = "kernel",
      run = function() return printk.dmesg_text() end }
