-- scsi plugin: /sys/class/scsi_host/hostN/* and
-- /sys/class/scsi_device/H:C:T:L/device/* (the attributes scsi_sysfs.c
-- prints from struct Scsi_Host / scsi_device), and lsscsi's listings
-- (sos runs `lsscsi -i` into the file "lsscsi", -g, -d, -s, -L, -H).  Hosts
-- and devices are enumerated once here, at discovery (kernel/scsi.lua); a
-- dump without the SCSI midlayer registers nothing, as sos's plugin finds
-- nothing to collect there; one whose hosts cannot be read has only the
-- lsscsi files, stubs naming the reason.
local scsi = require("kernel.scsi")
if not scsi.loaded() then return end
plugin{ name = "scsi", description = "SCSI devices" }
local ok, hosts = pcall(scsi.hosts)
if not ok or not hosts then hosts = {} end    -- lsscsi below says why

local function find_host(no)
  for _, h in ipairs(scsi.hosts() or {}) do if h.host_no == no then return h end end
end
local function find_dev(hctl)
  for _, h in ipairs(scsi.hosts() or {}) do
    for _, s in ipairs(h.devices) do if s.hctl == hctl then return s end end
  end
end
local function sorted(t)
  local k = {}
  for name in pairs(t) do k[#k + 1] = name end
  table.sort(k)
  return k
end

for _, h in ipairs(hosts) do
  local no = h.host_no
  for _, attr in ipairs(sorted(scsi.HOST_ATTRS)) do
    emit{ path = "sys/class/scsi_host/host" .. no .. "/" .. attr,
          run = function()
            local x = find_host(no)
            if not x then return nil, "SCSI host " .. no .. " not found" end
            local v = scsi.HOST_ATTRS[attr](x)
            if v == nil then return nil, attr .. " not readable from the dump" end
            return v
          end }
  end
  for _, s in ipairs(h.devices) do
    local hctl = s.hctl
    for _, attr in ipairs(sorted(scsi.DEVICE_ATTRS)) do
      emit{ path = "sys/class/scsi_device/" .. hctl .. "/device/" .. attr,
            run = function()
              local x = find_dev(hctl)
              if not x then return nil, "SCSI device " .. hctl .. " not found" end
              local v = scsi.DEVICE_ATTRS[attr](x)
              if v == nil then
                return nil, attr .. (attr == "wwid" and ": a T10 id with bytes %pE escapes is not decoded"
                                     or " not readable from the dump")
              end
              return v
            end }
    end
  end
end

local function lsscsi(opts, extra_why)
  return function()
    local hs, why = scsi.hosts()
    if not hs then return nil, why end
    local text, partial = scsi.lsscsi(hs, opts)
    why = extra_why or partial
    if why then return stub(why, text) end
    return text
  end
end
-- sos: add_cmd_output("lsscsi -i", suggest_filename="lsscsi")
emit{ path = "sos_commands/scsi/lsscsi", run = lsscsi({}, "lsscsi -i's last column (udev "
      .. "ID_SERIAL) is user-space state; shown without it") }
emit{ command = "lsscsi -g", plugin = "scsi", run = lsscsi({ generic = true }) }
emit{ command = "lsscsi -d", plugin = "scsi", run = lsscsi({ majmin = true }) }
emit{ command = "lsscsi -s", plugin = "scsi", run = lsscsi({ size = true }) }
emit{ command = "lsscsi -L", plugin = "scsi", run = lsscsi({ list = true }) }
emit{ command = "lsscsi -H", plugin = "scsi", run = function()
  local hs, why = scsi.hosts()
  if not hs then return nil, why end
  return scsi.lsscsi_hosts(hs)
end }
