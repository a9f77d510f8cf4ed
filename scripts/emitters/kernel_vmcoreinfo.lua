-- sys/kernel/vmcoreinfo (kernel/ksysfs.c vmcoreinfo_show): the physical
-- address of the VMCOREINFO ELF note ("%pa": 0x and 16 hex digits) and its
-- size in hex, VMCOREINFO_NOTE_SIZE = 2 note headers (12 bytes each) +
-- "VMCOREINFO\0" padded to 12 + VMCOREINFO_BYTES (a page).  The note is
-- vmcoreinfo_note (a page allocation since 4.15, in the direct map;
-- before, an array in the kernel image).  x86_64 only (__pa).

plugin{ name = "kernel", description = "Linux kernel" }

local util = require("kernel.util")

local START_KERNEL_MAP = 0xffffffff80000000

emit{ path = "sys/kernel/vmcoreinfo", plugin = "kernel",
      description = "physical address and size of the VMCOREINFO note",
      run = function()
        if kd.dump_info().arch ~= "x86_64" then
          return nil, "__pa() is only rebuilt for x86_64 (" .. tostring(kd.dump_info().arch) .. ")"
        end
        local note = util.symbol_or_nil("vmcoreinfo_note")
        if note == nil then return nil, "vmcoreinfo_note is not in the debug info" end
        local va
        if note:type_().resolved.kind == "pointer" then va = note:value_() else va = note:address_() end
        local pa
        if not math.ult(va, START_KERNEL_MAP) then
          pa = va - START_KERNEL_MAP + (util.symbol_value("phys_base") or 0)
        else
          local pob = util.symbol_value("page_offset_base") or 0xffff888000000000
          pa = va - pob
        end
        local size = 12 * 2 + 12 + kd.dump_info().page_size
        return string.format("0x%016x %x\n", pa, size)
      end }
