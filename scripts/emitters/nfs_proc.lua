-- nfs plugin: /proc/fs/nfsfs/{servers,volumes} (NFS client) and
-- /proc/fs/nfsd/* (NFS server), which sos's nfs plugin copies, and
-- proc/self/mountstats where the NFS client is loaded
-- (kernel/nfs.lua).  A dump without the nfs (client) or nfsd (server)
-- module registers nothing for that side.  The nfsd files that only
-- nfsd_net can answer are stubs naming that reason; the clients/<id>/
-- folders cannot even be listed without it and are not written.
local nfs = require("kernel.nfs")
local client = nfs.client_loaded()
local server = nfs.server_loaded()
if not client and not server then return end
plugin{ name = "nfs", description = "Network file system information" }

if client then
  emit{ path = "proc/fs/nfsfs/servers", run = function() return nfs.servers_text() end }
  emit{ path = "proc/fs/nfsfs/volumes", run = function() return nfs.volumes_text() end }
  -- the reader's mountstats: every mount's device line, NFS statistics
  -- not decoded (a stub saying so when there is an NFS mount)
  emit{ path = "proc/self/mountstats", run = function()
    local text, why = nfs.mountstats_text()
    if text and why then return stub(why, text) end
    return text, why
  end }
end

if server then
  for _, name in ipairs({ "threads", "pool_threads", "max_block_size", "max_connections",
                          "nfsv4recoverydir", "versions", "portlist", "exports", "pool_stats",
                          "nfsv4leasetime", "nfsv4gracetime", "reply_cache_stats", "filecache" }) do
    emit{ path = "proc/fs/nfsd/" .. name, run = function() return nfs.nfsd_file(name) end }
  end
end
