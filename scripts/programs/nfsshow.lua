-- kdlua nfsshow: NFS client mounts with their servers and versions, and the in-kernel NFS server's state
--
-- Over kernel/nfs.lua: client from the NFS superblocks (nfs_server,
-- nfs_client: vmlinux types), server from an nfsd thread's svc_serv.
-- RPC tasks in flight: the cl_tasks of the client's rpc_clnt and of its
-- mounts' clones (kernel/nfs.lua client_rpc_tasks), listed with their
-- owner, procedure and state.

local program = require("program")

return program.define{
  name = "nfsshow",
  usage = nil,
  description = [[
NFS at the time of the crash. Client: every nfs/nfs4 mount of the initial
mount namespace with its server (name, address, port, transport), NFS
version and the RPC tasks in flight on its client; the servers as
/proc/fs/nfsfs/servers lists them. Server (nfsd): whether it runs, its
threads (total and per pool), max block size, max connections, NFSv4
recovery directory, versions, NFSv4 lease and grace times, listeners and
the kernel's export cache and the NFSv4 clients with their states
(nfsd.ko's nfsd_net: its types from DWARF, else
from its BTF in the dump; said to be unavailable when it has neither).]],
  options = {},
  run = function(p)
    local nfs = require("kernel.nfs")
    -- client
    p:section("NFS client")
    local okm, mounts, why = pcall(nfs.mounts)
    if not okm then
      why = "cannot read: " .. program.errmsg(mounts); mounts = nil
      p:error("NFS client: " .. why)
    end
    local jm = {}
    if not mounts then
      p:line("  %s", why)
    elseif #mounts == 0 then
      p:line("  none present (no NFS mounts)")
    else
      local rows = {}
      for _, m in ipairs(mounts) do
        rows[#rows + 1] = { m.target, m.source, m.fstype, m.vers, m.server, m.server_addr,
                            m.port, m.proto }
        jm[#jm + 1] = m
      end
      p:table({ { "MOUNTPOINT" }, { "DEVICE" }, { "TYPE" }, { "VERS" }, { "SERVER" }, { "ADDRESS" },
                { "PORT", align = "right" }, { "PROTO" } }, rows, { indent = "  " })
      local seen, srows, js, rpc_rows = {}, {}, {}, {}
      local oks, sbs = pcall(nfs.superblocks)
      if not oks then p:error("NFS client superblocks: " .. program.errmsg(sbs)); sbs = {} end
      for _, s in ipairs(sbs) do
        local c = s.client
        if not seen[c.addr] then
          seen[c.addr] = true
          local okt, list = pcall(nfs.client_rpc_tasks, c.addr)
          if not okt then p:error("RPC tasks of " .. c.hostname .. ": " .. program.errmsg(list)); list = nil end
          local tasks = list and #list or nil
          for _, t in ipairs(list or {}) do
            rpc_rows[#rpc_rows + 1] = { c.hostname, t.id, t.owner, t.proc or "?", t.status, t.state, t.queue or "-" }
          end
          srows[#srows + 1] = { c.hostname, c.server_addr, c.version .. (c.version == 4 and ("." .. c.minorversion) or ""),
                                c.use, c.ready and "ready" or "not ready", tasks }
          js[#js + 1] = { hostname = c.hostname, address = c.server_addr, port = c.port, version = c.version,
                          minorversion = c.minorversion, use = c.use, ready = c.ready, rpc_tasks = tasks,
                          rpc_task_list = list }
          if tasks and tasks > 0 then
            p:warning(string.format("%d RPC task(s) in flight to %s", tasks, c.hostname))
          end
        end
      end
      p:line("")
      p:table({ { "SERVER" }, { "ADDRESS" }, { "VERS" }, { "USE", align = "right" }, { "STATE" },
                { "RPC TASKS", align = "right" } }, srows, { indent = "  " })
      if #rpc_rows > 0 then
        p:line("")
        p:line("  RPC tasks in flight:")
        p:table({ { "SERVER" }, { "TASK", align = "right" }, { "OWNER", align = "right" }, { "PROC" },
                  { "STATUS", align = "right" }, { "STATE" }, { "QUEUE" } }, rpc_rows, { indent = "    " })
      end
      p:set("servers", js)
    end
    p:set("mounts", jm)
    p:set("client_reason", why)

    -- server
    p:section("NFS server (nfsd)")
    local oks, s, swhy = pcall(nfs.server)
    if not oks then
      swhy = "cannot read: " .. program.errmsg(s); s = nil
      p:error("NFS server: " .. swhy)
    end
    if not s then
      p:line("  %s", swhy)
      p:set("server", { running = false, reason = swhy })
    elseif not s.running then
      p:line("  nfsd is loaded but not running (no threads)")
      p:set("server", { running = false })
    else
      p:line("  threads:          %d (per pool: %s)", s.threads, table.concat(s.pool_threads, " "))
      if s.max_block_size then p:line("  max block size:   %d", s.max_block_size) end
      if s.max_connections then p:line("  max connections:  %d%s", s.max_connections,
                                       s.max_connections == 0 and " (no limit set)" or "") end
      if s.recoverydir then p:line("  v4 recovery dir:  %s", s.recoverydir) end
      local exports, ports, jclients
      if s.versions then
        p:line("  versions:         %s", s.versions)
        p:line("  v4 lease/grace:   %d s / %d s", s.lease, s.grace)
        local okp, pl = pcall(function() return nfs.portlist_text(nfs.nfsd_serv()) end)
        if okp then
          ports = {}
          for l in pl:gmatch("[^\n]+") do ports[#ports + 1] = l end
          p:line("  listeners:        %s", #ports > 0 and table.concat(ports, ", ") or "none")
        else
          p:error("nfsd listeners: " .. program.errmsg(pl))
        end
        local oke, et = pcall(function() return nfs.exports_text(nfs.nfsd_net()) end)
        if oke then
          exports = {}
          for l in et:gmatch("[^\n]+") do
            if not l:match("^#") then exports[#exports + 1] = l end
          end
          p:line("  exports (kernel export cache):")
          if #exports == 0 then p:line("    none") end
          for _, l in ipairs(exports) do p:line("    %s", l) end
        else
          p:error("nfsd exports: " .. program.errmsg(et))
        end
        -- NFSv4 clients (the folders of /proc/fs/nfsd/clients)
        local okc, clients = pcall(nfs.v4_clients, nfs.nfsd_net())
        if okc then
          local rows = {}
          jclients = {}
          for _, c in ipairs(clients) do
            local info = {}
            local oki, txt = pcall(nfs.client_info_text, c.clp)
            if oki then
              for k, v in txt:gmatch("([^:\n]+): ([^\n]*)") do info[k] = v:gsub('^"(.*)"$', "%1") end
            end
            local oks, st = pcall(nfs.client_states_text, c.clp)
            local nstates = 0
            if oks then for _ in st:gmatch("[^\n]+") do nstates = nstates + 1 end end
            rows[#rows + 1] = { c.id or "-", info.address or "?", info.name or "?",
                                info["minor version"] or "?", info.status or "?", nstates }
            jclients[#jclients + 1] = { id = c.id, address = info.address, name = info.name,
                                        minorversion = tonumber(info["minor version"]),
                                        status = info.status, states = nstates }
          end
          p:line("  NFSv4 clients:")
          if #rows == 0 then p:line("    none") else
            p:table({ { "ID", align = "right" }, { "ADDRESS" }, { "NAME" }, { "MINOR" }, { "STATUS" },
                      { "STATES", align = "right" } }, rows, { indent = "    " })
          end
        else
          p:error("nfsd clients: " .. program.errmsg(clients))
        end
      else
        p:line("  exports, versions, listeners, clients: unavailable (%s)", nfs.NFSD_NET_WHY)
      end
      p:set("server", { running = true, threads = s.threads, pool_threads = s.pool_threads,
                        max_block_size = s.max_block_size, max_connections = s.max_connections,
                        recoverydir = s.recoverydir, program = s.program, versions = s.versions,
                        lease_time = s.lease, grace_time = s.grace, listeners = ports,
                        exports = exports, clients = jclients })
    end
  end,
}
