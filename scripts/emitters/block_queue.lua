-- block plugin: sys/block/<disk>/queue/<attr>, the attributes whose values
-- live in struct request_queue / queue_limits (block/blk-sysfs.c).  The
-- host has no per-disk enumerator, so the disks and their attribute names
-- (this kernel's queue_attrs[]) are read once here, at discovery; a dump
-- without readable disks registers nothing.
local block = require("kernel.block")
local ok, disks = pcall(block.disks)
if ok then
  for _, d in ipairs(disks) do
    local name = d.name
    local okq, names = pcall(block.queue_attr_names, d.disk.queue)
    for _, attr in ipairs(okq and names or {}) do
      emit{ path = "sys/block/" .. name .. "/queue/" .. attr, plugin = "block",
            run = function()
              for _, x in ipairs(block.disks()) do
                if x.name == name then return block.queue_attr(x, attr) end
              end
              return nil, "disk " .. name .. " not found"
            end }
    end
  end
end
