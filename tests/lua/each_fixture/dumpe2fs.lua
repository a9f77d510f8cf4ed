-- `dumpe2fs -h DEV` for each mounted ext2/3/4 device (filesys_tools.lua
-- over kernel/ext4.lua) against the fixture's truth: the inode count, free
-- inodes and free blocks as busybox df -i / df showed them at capture
-- (truth/cmd/df-i.txt, df.txt: statfs of the same counters; df's "Used"
-- blocks are f_blocks - f_bfree, so total - used is the free count in 1K
-- units).  The fixtures' dumps leave the on-disk superblock's page out
-- (makedumpfile -d 23), so each file is a stub naming what is left out.
local specs = load_emitters({ "filesys_tools" })
local dfi, df = truth("cmd/df-i.txt"), truth("cmd/df.txt")

local function df_row(text, dev)
  if not text then return nil end
  local flat = text:gsub("\n%s+", " ")
  local a, b, c = flat:match("\n" .. dev:gsub("%-", "%%-") .. "%s+(%d+)%s+(%d+)%s+(%d+)")
  if a then return tonumber(a), tonumber(b), tonumber(c) end
end

local n = 0
for path, spec in pairs(specs) do
  local dev = path:match("^sos_commands/filesys/dumpe2fs_%-h_(.*)$")
  if dev then
    n = n + 1
    dev = dev:gsub("%.", "/")
    test("dumpe2fs -h " .. dev .. ": counts as df showed them", function()
      local r = spec.run()
      ok(getmetatable(r) == STUB and r.reason:find("left out"), "a stub naming what is left out")
      local f = {}
      for k, v in r.text:gmatch("([%w ]+):%s+([^\n]+)\n") do f[k] = v end
      eq(f["Filesystem magic number"], "0xEF53", "magic")
      local inodes, _, ifree = df_row(dfi, dev)
      eq(tonumber(f["Inode count"]), inodes, "inode count")
      eq(tonumber(f["Free inodes"]), ifree, "free inodes")
      local blocks, used = df_row(df, dev)
      local bs = tonumber(f["Block size"])
      eq(tonumber(f["Free blocks"]) * bs // 1024, blocks - used, "free blocks (1K units)")
      eq(f["Inode blocks per group"], tostring(tonumber(f["Inodes per group"]) *
         tonumber(r.text:match("Inode size:\t%s*(%d+)")) // bs), "inode blocks per group")
    end)
  end
end
if n == 0 then
  test("no ext2/3/4 mount: no dumpe2fs file", function()
    ok(not (truth("proc/mounts") or ""):find("\n/dev/%S+ %S+ ext[234] "), "truth/proc/mounts has no ext2/3/4 device")
  end)
end
