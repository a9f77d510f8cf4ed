-- proc/iomem and proc/ioports (kernel/resource.c r_show), which sos's pci
-- plugin copies: the iomem_resource and ioport_resource trees with real
-- addresses (a root reader's view).
local resource = require("kernel.resource")

plugin{ name = "pci", description = "PCI devices" }

emit{ path = "proc/iomem", plugin = "pci",
      description = "physical memory map (iomem_resource)",
      run = function() return resource.show("iomem_resource") end }

emit{ path = "proc/ioports", plugin = "pci",
      description = "I/O port map (ioport_resource)",
      run = function() return resource.show("ioport_resource") end }
