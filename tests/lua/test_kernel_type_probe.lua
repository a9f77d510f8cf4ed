-- kd.has_kernel_type: kd.has_type of the debug files open now only.  A
-- fresh process (its own file): nothing here opened a module before.

test("kd.has_kernel_type: the vmlinux's types; no module opened to look; a miss not remembered", function()
  eq(kd.has_kernel_type("struct task_struct"), true, "a vmlinux struct")
  eq(kd.has_kernel_type("enum zone_stat_item"), true, "a vmlinux enum")
  eq(kd.has_kernel_type("struct kdlua_no_such_type"), false, "defined nowhere")
  -- struct loop_device is drivers/block/loop.c's: loop.ko (loaded in the
  -- fixture), not the vmlinux
  eq(kd.has_kernel_type("struct loop_device"), false, "a module's type, its file not open yet")
  eq(kd.has_type("struct loop_device"), true, "kd.has_type looks in the modules (the miss above was not remembered)")
  eq(kd.has_kernel_type("struct loop_device"), true, "loop.ko's debug file is open now")
end)
