-- proc/kallsyms from the dump's compressed kallsyms tables and the loaded
-- modules' symbol tables, in the kernel's iteration order, with the
-- addresses a privileged reader sees (kernel/kallsyms.lua).  BPF programs,
-- ftrace and kprobe trampolines (listed after the modules by the kernel)
-- are not walked: the file becomes a stub naming them when the dump has any.

local ks = require("kernel.kallsyms")

plugin{ name = "kernel", description = "Linux kernel" }

emit{ path = "proc/kallsyms", plugin = "kernel",
      description = "kernel and module symbols (kallsyms tables)",
      run = function()
        local text, note = ks.text()
        if not text then return nil, note end
        if note then return stub(note, text) end
        return text
      end }
