-- proc/execdomains (kernel/exec_domain.c): one fixed line since 4.1
-- ("kernel: remove the exec domain support"), shown when the kernel has
-- the file (execdomains_proc_show, CONFIG_PROC_FS).

plugin{ name = "kernel", description = "Linux kernel" }

emit{ path = "proc/execdomains", plugin = "kernel",
      description = "execution domains (a fixed line since 4.1)",
      run = function()
        if kd.symbol_address("exec_domains") then
          return nil, "this kernel keeps a list of execution domains (before 4.1): not decoded"
        end
        if not kd.symbol_address("execdomains_proc_show") then
          return nil, "no /proc/execdomains in this kernel (execdomains_proc_show not found)"
        end
        return "0-0\tLinux           \t[kernel]\n"
      end }
