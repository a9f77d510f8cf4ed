-- nfs plugin: /proc/fs/nfsfs/{servers,volumes} (NFS client) and
-- /proc/fs/nfsd/* (NFS server), which sos's nfs plugin copies, and
-- proc/self/mountstats where the NFS client is loaded
-- (kernel/nfs.lua).  A dump without the nfs (client) or nfsd (server)
-- module registers nothing for that side.  The nfsd files read nfsd.ko's
-- nfsd_net (its types from DWARF, else from its BTF in the dump); without
-- either they are stubs naming that reason, and the clients/<id>/
-- folders (one per NFSv4 client, nfs4_client) are not written.
local nfs = require("kernel.nfs")
local client = nfs.client_loaded()
local server = nfs.server_loaded()
if not client and not server then return end
plugin{ name = "nfs", description = "Network file system information" }

if client then
  emit{ path = "proc/fs/nfsfs/servers", run = function() return nfs.servers_text() end }
  emit{ path = "proc/fs/nfsfs/volumes", run = function() return nfs.volumes_text() end }
  -- the reader's mountstats: every mount's device line and each NFS
  -- mount's statistics (a stub naming the part not decoded, if any)
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
  emit{ path = "proc/net/rpc/nfsd", run = function()
    local nn, why = nfs.nfsd_net()
    if not nn then return nil, why end
    return nfs.rpc_nfsd_text(nn)
  end }
  -- clients/<id>/{info,states}: one folder per NFSv4 client that has one
  local okn, nn = pcall(nfs.nfsd_net)
  local okc, clients = false, nil
  if okn and nn then okc, clients = pcall(nfs.v4_clients, nn) end
  for _, c in ipairs(okc and clients or {}) do
    if c.id then
      local dir = "proc/fs/nfsd/clients/" .. c.id .. "/"
      emit{ path = dir .. "info", run = function() return nfs.client_info_text(c.clp) end }
      emit{ path = dir .. "states", run = function() return nfs.client_states_text(c.clp) end }
    end
  end
end

if server then
  -- exportfs -v prints rpc.mountd's etab (user space, not in the dump);
  -- the kernel's side of it is proc/fs/nfsd/exports
  emit{ command = "exportfs -v", run = function()
    return nil, "exportfs -v lists rpc.mountd's export table (/var/lib/nfs/etab, user space): "
      .. "not in the dump; the kernel's export cache is in proc/fs/nfsd/exports"
  end }
end
if client then
  emit{ path = "proc/net/rpc/nfs", run = function() return nfs.rpc_nfs_text() end }
end
if client or server then
  -- nfsstat reads /proc/net/rpc/nfsd and /proc/net/rpc/nfs; a side whose
  -- file cannot be read is left out, as nfsstat leaves out a file it
  -- cannot open (saying so here)
  emit{ command = "nfsstat -o all", run = function()
    local srv, swhy, clt, cwhy
    if server then
      local nn, why = nfs.nfsd_net()
      if nn then srv, swhy = nfs.rpc_nfsd_text(nn) else swhy = why end
    end
    if client then clt, cwhy = nfs.rpc_nfs_text() end
    if not srv and not clt then
      return nil, "neither /proc/net/rpc/nfsd nor /proc/net/rpc/nfs could be rebuilt: "
        .. tostring(swhy or cwhy)
    end
    local text = nfs.nfsstat_all(srv, clt)
    local missing = {}
    if server and not srv then missing[#missing + 1] = "the server's statistics (" .. tostring(swhy) .. ")" end
    if client and not clt then missing[#missing + 1] = "the client's statistics (" .. tostring(cwhy) .. ")" end
    if #missing > 0 then return stub(table.concat(missing, "; ") .. " are left out", text) end
    return text
  end }
end
