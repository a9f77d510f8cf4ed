-- kernel/nfs.lua: the NFS client (mounts, nfs_client/nfs_server: what
-- /proc/fs/nfsfs/{servers,volumes} print) and the in-kernel NFS server
-- (nfsd threads and the settings /proc/fs/nfsd/* print).
--
-- Client: the nfs and nfs4 mounts come from kernel/mount.lua (init's
-- namespace, as sos sees /proc/mounts); their superblocks' s_fs_info is a
-- struct nfs_server, ->nfs_client the per-server-address client.  The
-- types are those of include/linux/nfs_fs_sb.h, present in vmlinux's
-- debug info even when nfs.ko has none.  Address and port are the
-- strings the RPC transport formatted at setup (rpc_xprt.address_strings,
-- what rpc_peeraddr2str returns).  The kernel lists clients and volumes
-- from the per-net nfs_net lists (fs/nfs/netns.h, private to nfs.ko):
-- here they come from the superblocks (super_blocks order), so a client
-- with no mounted superblock is not listed.
--
-- Server: the svc_serv of nfsd is reached from an nfsd kernel thread
-- (kthread data = its svc_rqst, ->rq_server), since nfsd_net (which holds
-- nfsd_serv, the versions, lease/grace times, exports and clients) is
-- private to nfsd.ko (fs/nfsd/netns.h); nfsd_max_blksize and
-- user_recovery_dirname are globals read through their symbols.  What
-- needs nfsd_net is reported as not decodable, with the reason.
--
-- Mirrors: fs/nfs/client.c, fs/nfsd/nfsctl.c, fs/nfsd/nfssvc.c,
--   fs/nfsd/nfs4recover.c, include/linux/nfs_fs_sb.h,
--   include/linux/sunrpc/svc.h, net/sunrpc/xprtsock.c

local fs = require("kernel.fs")

local M = {}

local pval, has_member = fs.pval, fs.has_member

-- enum rpc_display_format_t (include/linux/sunrpc/xprt.h)
local DISPLAY = { ADDR = 0, PORT = 1, PROTO = 2, HEX_ADDR = 3, HEX_PORT = 4, NETID = 5 }

local NFSD_NET_WHY = "nfsd_net (fs/nfsd/netns.h) is private to nfsd.ko, which has no type "
  .. "information in this dump's debuginfo"

local function is_nfs_type(name) return name == "nfs" or name == "nfs4" end

local function num(o)
  if type(o) == "number" then return o end
  if type(o) == "boolean" then return o and 1 or 0 end
  local ok, v = pcall(function() return o.counter end)
  if ok and type(v) == "number" then return v end
  ok, v = pcall(function() return o.refs.counter end)
  if ok then return v end
  return nil
end

-- {====== client ======

-- why NFS client mounts cannot be decoded (types missing), nil when they can
function M.client_absent_reason()
  if not kd.has_type("struct nfs_server") or not kd.has_type("struct nfs_client") then
    return "NFS client types not available"
  end
  return nil
end

local function xprt_strings(clp)
  local out = {}
  local ok = pcall(function()
    local x = clp.cl_rpcclient.cl_xprt
    for k, i in pairs(DISPLAY) do
      local p = pval(x.address_strings[i])
      if p ~= 0 then out[k] = kd.read_string(p, 64) end
    end
  end)
  return ok and out or {}
end

local clients_memo = {}
local function client_info(clp)
  local a = pval(clp)
  if clients_memo[a] then return clients_memo[a] end
  local s = xprt_strings(clp)
  local c = {
    addr = a,
    version = clp.rpc_ops.version,
    minorversion = has_member("struct nfs_client", "cl_minorversion") and clp.cl_minorversion or 0,
    hostname = kd.read_string(pval(clp:member_("cl_hostname")), 256),
    use = num(clp.cl_count),
    ready = clp.cl_cons_state == 0,                       -- NFS_CS_READY
    server_addr = s.ADDR, port = s.PORT and tonumber(s.PORT) or nil,
    hex_addr = s.HEX_ADDR, hex_port = s.HEX_PORT, proto = s.NETID or s.PROTO,
  }
  clients_memo[a] = c
  return c
end

-- tk_runstate bits: an anonymous enum of include/linux/sunrpc/sched.h
-- (RPC_TASK_RUNNING, _QUEUED, _ACTIVE, _NEED_XMIT, _NEED_RECV,
-- _MSG_PIN_WAIT, the same in 6.1 and 6.12); a later bit shows as "bitN"
local RUNSTATE = { "running", "queued", "active", "need-xmit", "need-recv", "msg-pin-wait" }

local function str_or_nil(p, max)
  if p == 0 then return nil end
  local ok, s = pcall(kd.read_string, p, max)
  return ok and s or nil
end

-- the RPC tasks of an rpc_clnt (cl_tasks, rpc_task.tk_task): { id
-- (tk_pid), owner (pid), proc (procedure name), status, state (runstate
-- words), queue (wait queue name) }; nil when the types are missing
function M.rpc_tasks(clnt)
  if not (kd.has_type("struct rpc_task") and has_member("struct rpc_clnt", "cl_tasks")) then
    return nil
  end
  local out = {}
  for t in kd.list(clnt.cl_tasks, "struct rpc_task", "tk_task") do
    local rs = t.tk_runstate
    local st = {}
    for i = 0, 15 do
      if (rs >> i) & 1 == 1 then st[#st + 1] = RUNSTATE[i + 1] or ("bit" .. i) end
    end
    local proc = pval(t.tk_msg:member_("rpc_proc"))
    local wq = pval(t:member_("tk_waitqueue"))
    out[#out + 1] = {
      id = t.tk_pid, owner = t.tk_owner, status = t.tk_status, state = table.concat(st, ","),
      proc = proc ~= 0 and str_or_nil(pval(kd.object("struct rpc_procinfo", proc):member_("p_name")), 64) or nil,
      queue = wq ~= 0 and str_or_nil(pval(kd.object("struct rpc_wait_queue", wq):member_("name")), 64) or nil,
    }
    if #out >= 10000 then break end
  end
  return out
end

-- every RPC task of an NFS client: those of its own rpc_clnt and of the
-- clones its mounts use (nfs_server.client, .client_acl), each clnt once;
-- nil when the types are missing
function M.client_rpc_tasks(client_addr)
  local seen, out, any = {}, {}, false
  local function add(clnt)
    local a = pval(clnt)
    -- NULL, or an ERR_PTR (client_acl of NFSv4 mounts is ERR_PTR(-EINVAL))
    if a == 0 or (a < 0 and a >= -4095) or seen[a] then return end
    seen[a] = true
    local list = M.rpc_tasks(kd.object("struct rpc_clnt", a))
    if list then
      any = true
      for _, t in ipairs(list) do out[#out + 1] = t end
    end
  end
  add(kd.object("struct nfs_client", client_addr):member_("cl_rpcclient"))
  for _, sbi in ipairs(M.superblocks()) do
    if sbi.client.addr == client_addr then
      add(sbi.server:member_("client"))
      if has_member("struct nfs_server", "client_acl") then add(sbi.server:member_("client_acl")) end
    end
  end
  return any and out or nil
end

-- NFS superblocks in super_blocks order: { sb, server (struct nfs_server),
-- client = client_info }
function M.superblocks()
  local out = {}
  if M.client_absent_reason() then return out end
  for _, sb in ipairs(fs.superblocks()) do
    local okn, name = pcall(fs.fstype_name, sb)
    if okn and is_nfs_type(name) then
      local p = pval(sb:member_("s_fs_info"))
      if p ~= 0 then
        local server = kd.object("struct nfs_server", p)
        out[#out + 1] = { sb = sb, fstype = name, server = server,
                          client = client_info(server.nfs_client) }
      end
    end
  end
  return out
end

-- NFS mounts of init's namespace: { source, target, fstype, vers
-- ("4.2"), server (hostname), server_addr, port, proto, dev "maj:min" }
function M.mounts()
  local why = M.client_absent_reason()
  if why then return nil, why end
  local mount = require("kernel.mount")
  local entries, w2 = mount.entries(mount.reader_task())
  if not entries then return nil, w2 end
  local out = {}
  for _, e in ipairs(entries) do
    if is_nfs_type(fs.fstype_name(e.sb)) then
      local p = pval(e.sb:member_("s_fs_info"))
      local c = p ~= 0 and client_info(kd.object("struct nfs_server", p).nfs_client) or {}
      local vers = c.version and tostring(c.version) or "?"
      if c.version == 4 then vers = "4." .. c.minorversion end
      local src = e.source
      if src == "?" then           -- nfs_show_devname not decoded: the mount(2) device
        local okd, d = pcall(function() return kd.read_string(pval(e.mnt:member_("mnt_devname")), 4096) end)
        if okd then src = d end
      end
      out[#out + 1] = { source = src, target = e.target, fstype = e.fstype, vers = vers,
                        server = c.hostname, server_addr = c.server_addr, port = c.port,
                        proto = c.proto, dev = e.major .. ":" .. e.minor }
    end
  end
  return out
end

-- /proc/fs/nfsfs/servers (nfs_server_list_show): ready clients
function M.servers_text()
  local why = M.client_absent_reason()
  if why then return nil, why end
  local out, seen = { "NV SERVER   PORT USE HOSTNAME\n" }, {}
  for _, s in ipairs(M.superblocks()) do
    local c = s.client
    if not seen[c.addr] and c.ready then
      seen[c.addr] = true
      out[#out + 1] = string.format("v%d %s %s %3d %s\n", c.version, c.hex_addr or "?",
                                    c.hex_port or "?", c.use or 0, c.hostname)
    end
  end
  return table.concat(out)
end

-- /proc/fs/nfsfs/volumes (nfs_volume_list_show)
function M.volumes_text()
  local why = M.client_absent_reason()
  if why then return nil, why end
  local out = { "NV SERVER   PORT DEV          FSID                              FSC\n" }
  for _, s in ipairs(M.superblocks()) do
    local server, c = s.server, s.client
    local dev = server.s_dev
    local fsc = "no "
    -- nfs_server_fscache_state(): "yes" when the server has an fscache
    -- volume cookie (CONFIG_NFS_FSCACHE), else "no " (three columns)
    if has_member("struct nfs_server", "fscache") and pval(server:member_("fscache")) ~= 0 then
      fsc = "yes"
    end
    out[#out + 1] = string.format("v%d %s %s %-12s %-33s %s\n", c.version, c.hex_addr or "?",
      c.hex_port or "?", fs.major(dev) .. ":" .. fs.minor(dev),
      string.format("%x:%x", server.fsid.major, server.fsid.minor), fsc)
  end
  return table.concat(out)
end

-- }======

-- {====== server ======

-- is the NFS client / server in this dump (loaded or built in)?
function M.client_loaded()
  return (require("kernel.util").subsystem_present("nfs", { "nfs_net_id" }))
end
-- true when the NFS server (nfsd) is in the dump, loaded or built in
function M.server_loaded()
  return (require("kernel.util").subsystem_present("nfsd", { "nfsd_net_id" }))
end

-- the nfsd svc_serv, found through an nfsd thread; nil, reason when nfsd
-- is not running
function M.nfsd_serv()
  if not M.server_loaded() then return nil, "none present (nfsd is not loaded)" end
  if not kd.has_type("struct svc_rqst") or not kd.has_type("struct svc_serv") then
    return nil, "sunrpc server types not available"
  end
  local task = require("kernel.task")
  for t in kd.tasks() do
    if task.is_kthread(t) and t.comm:string_(16) == "nfsd" then
      local k = task.to_kthread(t)
      local data = k and pval(k.data) or 0
      if data ~= 0 then
        local rq = kd.object("struct svc_rqst", data)
        local serv = pval(rq:member_("rq_server"))
        if serv ~= 0 then return kd.object("struct svc_serv", serv) end
      end
    end
  end
  return nil, "nfsd is loaded but not running (no nfsd threads)"
end

-- { threads, pool_threads = {...}, max_block_size, max_connections,
--   recoverydir, program }, or nil, reason
function M.server()
  local serv, why = M.nfsd_serv()
  if not serv then
    if why and why:match("not running") then
      return { running = false, threads = 0, pool_threads = {} }
    end
    return nil, why
  end
  local s = { running = true, threads = serv.sv_nrthreads, pool_threads = {} }
  local pools = pval(serv:member_("sv_pools"))
  local psize = kd.type("struct svc_pool").size
  for i = 0, serv.sv_nrpools - 1 do
    local pool = kd.object("struct svc_pool", pools + i * psize)
    s.pool_threads[#s.pool_threads + 1] = num(pool.sp_nrthreads)
  end
  if has_member("struct svc_serv", "sv_maxconn") then s.max_connections = serv.sv_maxconn end
  local a = kd.symbol_address("nfsd_max_blksize")
  if a then s.max_block_size = kd.read_s32(a) end
  a = kd.symbol_address("user_recovery_dirname")
  if a then s.recoverydir = kd.read_string(a, 4096) end
  -- 6.10 "SUNRPC: allow svc_serv to have more than one program":
  -- sv_program became sv_programs
  local prog = has_member("struct svc_serv", "sv_programs") and "sv_programs" or "sv_program"
  local ok, name = pcall(function()
    return kd.read_string(pval(serv:member_(prog).pg_name), 32)
  end)
  if ok then s.program = name end
  return s
end

M.NFSD_NET_WHY = NFSD_NET_WHY

-- /proc/fs/nfsd/<file> for the files decodable without nfsd_net: text, or
-- nil, reason
function M.nfsd_file(name)
  local s, why = M.server()
  if not s then return nil, why end
  if name == "threads" then return s.threads .. "\n"
  elseif name == "pool_threads" then
    if #s.pool_threads == 0 then return "0\n" end
    local parts = {}
    for i, n in ipairs(s.pool_threads) do parts[i] = tostring(n) end
    return table.concat(parts, " ") .. "\n"
  elseif name == "max_block_size" then
    if s.max_block_size then return s.max_block_size .. "\n" end
    return nil, "nfsd_max_blksize not found"
  elseif name == "max_connections" then
    -- nn->max_connections, copied to serv->sv_maxconn when the service
    -- was created (nfsd_create_serv)
    if s.max_connections then return s.max_connections .. "\n" end
    return nil, NFSD_NET_WHY
  elseif name == "nfsv4recoverydir" then
    if s.recoverydir then return s.recoverydir .. "\n" end
    return nil, "user_recovery_dirname not found"
  end
  return nil, NFSD_NET_WHY
end

-- }======

-- {====== mountstats ======

-- /proc/<pid>/mountstats (show_vfsstat) of the reader task: "device D
-- mounted on P with fstype T" for every mount; only NFS has ->show_stats,
-- whose block (options, ages, caps, events, bytes, RPC and per-op
-- counters, nfs_show_stats) is not decoded: NFS lines end at
-- "statvers=1.1" and the text comes back with that reason.
function M.mountstats_text()
  local mount = require("kernel.mount")
  local es, why = mount.entries(mount.reader_task())
  if not es then return nil, why end
  local out, partial = {}, nil
  for _, e in ipairs(es) do
    local dev
    local okd, p = pcall(function() return pval(e.mnt:member_("mnt_devname")) end)
    if e.source ~= "?" and e.source ~= "none" then dev = "device " .. e.source
    elseif okd and p ~= 0 then
      dev = "device " .. fs.escape(kd.read_string(p, 4096), " \t\n\\")
    else dev = "no device" end
    local line = string.format("%s mounted on %s with fstype %s", dev, e.target, e.fstype)
    local fn = fs.func_name(e.sb.s_op:member_("show_stats"))
    if fn == "nfs_show_stats" then
      line = line .. " statvers=1.1"   -- NFS_IOSTAT_VERS
      partial = "the NFS statistics after statvers= (nfs_show_stats) are not decoded "
        .. "(its events and bytes are nfs.ko's private per-CPU nfs_iostats)"
    elseif fn then
      partial = "show_stats " .. fn .. " not decoded"
    end
    out[#out + 1] = line .. "\n"
  end
  return table.concat(out), partial
end

-- }======

return M
