-- proc/cmdline: fs/proc/cmdline.c prints saved_command_line and a newline.

plugin{ name = "kernel", description = "Linux kernel" }

emit{
  path = "proc/cmdline", plugin = "kernel",
  description = "kernel command line (saved_command_line)",
  run = function()
    local p = kd.symbol("saved_command_line")
    if p:is_null_() then return nil, "saved_command_line is NULL" end
    return p:string_() .. "\n"
  end,
}
