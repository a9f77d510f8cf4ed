-- `blkid -c /dev/null` (block_tools.lua over kernel/block.lua): one line
-- per mounted block filesystem, the devices and types of truth/proc/mounts,
-- and the UUIDs and labels the fixture's README.md records for the
-- filesystems made in the guest ("(label L, UUID U) on DEV").  A stub: the
-- reason names what blkid shows that a dump does not hold.
local specs = load_emitters({ "block_tools" })
local mounts = truth("proc/mounts") or ""
local f = io.open(vmcore_dir .. "/README.md")
local readme = f and f:read("a") or ""
if f then f:close() end

test("blkid: mounted block filesystems, README's UUIDs and labels", function()
  local r = specs["sos_commands/block/blkid_-c_.dev.null"].run()
  ok(getmetatable(r) == STUB and r.reason:find("unmounted devices"), "a stub naming unmounted devices")
  local want = {}
  for dev, typ in mounts:gmatch("\n(/dev/%S+) %S+ (%S+)") do
    if typ:match("^ext[234]$") or typ == "xfs" then want[dev] = typ end
  end
  local got = 0
  for line in r.text:gmatch("[^\n]+") do
    local dev, tags = line:match("^(%S+): (.*)$")
    ok(dev and want[dev], "a mounted device: " .. line)
    eq(tags:match('TYPE="(%w+)"$'), want[dev], "TYPE of " .. dev)
    got = got + 1
    local short = dev:match("/dev/mapper/(.*)")
    if short then
      local label, uuid = readme:match("label (%w+), UUID ([%x%-]+)%) on " .. short:gsub("%-", "%%-"))
      if uuid then
        eq(tags:match('UUID="([%x%-]+)"'), uuid, "UUID of " .. dev)
        local l = tags:match('LABEL="([^"]*)"')
        ok(l == nil or l == label, "LABEL of " .. dev .. " is the README's or left out")
      end
    end
  end
  local n = 0
  for _ in pairs(want) do n = n + 1 end
  eq(got, n, "one line per mounted ext/xfs device")
end)

test("lsblk -f -a -l: the mounted filesystems' UUIDs and labels as the README records them", function()
  local r = specs["sos_commands/block/lsblk_-f_-a_-l"].run()
  ok(getmetatable(r) == STUB, "a stub (FSVER, unmounted devices)")
  for label, uuid, dm in readme:gmatch("label (%w+), UUID ([%x%-]+)%) on ([%w%-]+)") do
    local line = r.text:match("\n(" .. dm:gsub("%-", "%%-") .. " [^\n]*)")
    if line then
      ok(line:find(uuid, 1, true), dm .. " UUID: " .. line)
      local lab = line:match("^%S+%s+%S+%s+(%S+)%s+" .. uuid:gsub("%-", "%%-"))
      ok(lab == nil or lab == label, dm .. " LABEL: " .. line)
    end
  end
end)
