-- hostname: what `hostname` prints is init_uts_ns.name.nodename.
-- etc/hostname is a file on disk, which a dump does not hold; the
-- nodename is what it held at boot on systems that set the hostname from
-- it, so it is written from the nodename too (said so in the manifest's
-- description).  sos clean reads sos_commands/host/hostname to learn the
-- name it must obfuscate.

plugin{ name = "host", description = "host information" }

local function nodename()
  local n = kd.uts().nodename
  if n == nil or n == "" then return nil, "init_uts_ns.nodename not readable" end
  return n .. "\n"
end

emit{
  command = "hostname", plugin = "host", symlink = "hostname",
  description = "hostname (init_uts_ns nodename)", run = nodename,
}

emit{
  path = "etc/hostname", plugin = "host",
  description = "the UTS nodename (the file itself is not in a dump)", run = nodename,
}
