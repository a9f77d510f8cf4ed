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
-- Server: nfsd_net (fs/nfsd/netns.h, private to nfsd.ko: its types from
-- nfsd.ko's DWARF, else from its BTF in the dump) of init_net, found by
-- net_generic(net, nfsd_net_id), holds the serv, the versions, lease and
-- grace times, the export cache and the DRC statistics; without those
-- types the serv is reached from an nfsd kernel thread (kthread data =
-- its svc_rqst, ->rq_server) and what needs nfsd_net is reported as not
-- decodable, with the reason.  nfsd_max_blksize and
-- user_recovery_dirname are globals read through their symbols.
--
-- Mirrors: fs/nfs/client.c, fs/nfsd/nfsctl.c, fs/nfsd/nfssvc.c,
--   fs/nfsd/nfs4recover.c, fs/nfsd/export.c, fs/nfsd/nfscache.c,
--   include/linux/nfs_fs_sb.h, include/linux/sunrpc/svc.h,
--   net/sunrpc/svc_xprt.c, net/sunrpc/cache.c, net/sunrpc/xprtsock.c

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

-- nfsd_net of a network namespace (default init_net, whose
-- /proc/fs/nfsd the capture read): net_generic(net, nfsd_net_id), the
-- type from nfsd.ko's debug info or, without DWARF, its BTF in the dump;
-- nil, reason
function M.nfsd_net(n)
  if not M.server_loaded() then return nil, "none present (nfsd is not loaded)" end
  if not kd.has_type("struct nfsd_net") then return nil, NFSD_NET_WHY end
  local p, why = require("kernel.net").net_generic(n, "nfsd_net_id")
  if not p then return nil, why end
  if p == 0 then return nil, "nfsd has no state in this namespace" end
  return kd.object("struct nfsd_net", p)
end

-- nn->nfsd_serv (6.8 "nfsd: use svc_set_num_threads directly": it became
-- nn->nfsd_info.serv, the svc_info the pool_stats file also reads)
local function serv_of(nn)
  local p
  if has_member("struct nfsd_net", "nfsd_info") then p = pval(nn.nfsd_info:member_("serv"))
  else p = pval(nn:member_("nfsd_serv")) end
  return p ~= 0 and kd.object("struct svc_serv", p) or nil
end

-- the nfsd svc_serv: nfsd_net's, else (no nfsd.ko types) found through an
-- nfsd thread (kthread data = its svc_rqst, ->rq_server); nil, reason
-- when nfsd is not running
function M.nfsd_serv()
  if not M.server_loaded() then return nil, "none present (nfsd is not loaded)" end
  if not kd.has_type("struct svc_rqst") or not kd.has_type("struct svc_serv") then
    return nil, "sunrpc server types not available"
  end
  local nn = M.nfsd_net()
  if nn then
    local serv = serv_of(nn)
    if serv then return serv end
    return nil, "nfsd is loaded but not running (no nfsd threads)"
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

-- the svc_pools of a serv, in order
local function pools(serv)
  local out = {}
  local base = pval(serv:member_("sv_pools"))
  local psize = kd.type("struct svc_pool").size
  for i = 0, serv.sv_nrpools - 1 do
    out[#out + 1] = kd.object("struct svc_pool", base + i * psize)
  end
  return out
end

-- the nfsd svc_program (6.10 "SUNRPC: allow svc_serv to have more than
-- one program": sv_program became the array sv_programs)
local function nfsd_program(serv)
  if has_member("struct svc_serv", "sv_programs") then return serv.sv_programs end
  return serv.sv_program
end

-- { threads, pool_threads = {...}, max_block_size, max_connections,
--   recoverydir, program, lease, grace, versions }, or nil, reason
function M.server()
  local serv, why = M.nfsd_serv()
  if not serv then
    if why and why:match("not running") then
      return { running = false, threads = 0, pool_threads = {} }
    end
    return nil, why
  end
  local s = { running = true, threads = serv.sv_nrthreads, pool_threads = {} }
  for _, pool in ipairs(pools(serv)) do
    s.pool_threads[#s.pool_threads + 1] = num(pool.sp_nrthreads)
  end
  local nn = M.nfsd_net()
  if nn then s.max_connections = nn.max_connections
  elseif has_member("struct svc_serv", "sv_maxconn") then s.max_connections = serv.sv_maxconn end
  local a = kd.symbol_address("nfsd_max_blksize")
  if a then s.max_block_size = kd.read_s32(a) end
  a = kd.symbol_address("user_recovery_dirname")
  if a then s.recoverydir = kd.read_string(a, 4096) end
  local ok, name = pcall(function()
    return kd.read_string(pval(nfsd_program(serv).pg_name), 32)
  end)
  if ok then s.program = name end
  if nn then
    s.lease, s.grace = nn.nfsd4_lease, nn.nfsd4_grace
    local okv, v = pcall(M.versions_text, nn)
    if okv then s.versions = v:gsub("\n$", "") end
  end
  return s
end

M.NFSD_NET_WHY = NFSD_NET_WHY

-- /proc/fs/nfsd/versions (nfsctl.c __write_versions, read side): for
-- versions 2..4 that nfsd was built with (NFSD_AVAIL: nfsd_version[v],
-- the program's pg_vers), "+v"/"-v" as enabled in this namespace; for 4
-- also each minor version, "+4.0" left out when 4 is on
function M.versions_text(nn)
  -- the version table is the nfsd program's pg_vers (nfsd_version[]);
  -- nfsd_programs is an array since 6.10, nfsd_program before
  local prog = kd.symbol_address("nfsd_programs") or kd.symbol_address("nfsd_program")
  if not prog then return nil, "nfsd_program(s) not found" end
  local p = kd.object("struct svc_program", prog)
  local nvers, vers = p.pg_nvers, pval(p:member_("pg_vers"))
  local function avail(v) return v < nvers and kd.read_u64(vers + 8 * v) ~= 0 end
  -- nn->nfsd_versions / nfsd4_minorversions: bool arrays in nfsd_net
  -- since 6.11 ("nfsd: don't allocate the versions array"), kmalloc'ed
  -- bool pointers before, NULL until a version was cleared (then every
  -- available version counts as enabled)
  local function bools(m)
    local o = nn:member_(m)
    if kd.type("struct nfsd_net"):member(m).type.kind == "array" then return o:address_() end
    return pval(o)
  end
  local vaddr, maddr = bools("nfsd_versions"), bools("nfsd4_minorversions")
  local function test(v)
    if vaddr ~= 0 then return kd.read_u8(vaddr + v) ~= 0 end
    return avail(v)
  end
  local function minor_test(m)
    if maddr ~= 0 then return kd.read_u8(maddr + m) ~= 0 end
    return test(4)
  end
  -- NFSD_SUPPORTED_MINOR_VERSION: the array's last index since 6.11; a
  -- constant before (2 in 6.1's fs/nfsd/nfsd.h)
  local maxminor = 2
  local mt = kd.type("struct nfsd_net"):member("nfsd4_minorversions").type
  if mt.length and mt.length > 0 then maxminor = mt.length - 1 end
  local out, sep = {}, ""
  for v = 2, 4 do
    if avail(v) then
      local minor = -1
      repeat
        local supported = test(v)
        if v == 4 and minor >= 0 and not minor_test(minor) then supported = false end
        if not (minor == 0 and supported) then
          local sign = supported and "+" or "-"
          out[#out + 1] = sep .. sign .. v .. (minor >= 0 and ("." .. minor) or "")
          sep = " "
        end
        minor = minor + 1
      until not (v == 4 and minor <= maxminor)
    end
  end
  return table.concat(out) .. "\n"
end

-- /proc/fs/nfsd/portlist (svc_xprt_names): "<class> <local port>" for
-- each permanent transport of the serv (sv_permsocks)
function M.portlist_text(serv)
  local out = {}
  for x in kd.list(serv.sv_permsocks, "struct svc_xprt", "xpt_list") do
    local name = kd.read_string(pval(x.xpt_class.xcl_name), 32)
    -- svc_addr_port: sin_port / sin6_port, both at offset 2, big-endian,
    -- for AF_INET (2) and AF_INET6 (10)
    local la = x.xpt_local:address_()
    local fam, port = kd.read_u16(la), 0
    if fam == 2 or fam == 10 then
      local b = kd.read(la + 2, 2)
      port = b:byte(1) * 256 + b:byte(2)
    end
    out[#out + 1] = string.format("%s %d\n", name, port)
  end
  return table.concat(out)
end

-- /proc/fs/nfsd/pool_stats (svc_pool_stats_show)
function M.pool_stats_text(serv)
  local mm = require("kernel.mm")
  local out = { "# pool packets-arrived sockets-enqueued threads-woken threads-timedout\n" }
  for _, pool in ipairs(pools(serv)) do
    if has_member("struct svc_pool", "sp_messages_arrived") then
      -- 6.6 "SUNRPC: Convert svc_pool_stats to percpu counters" (sp_stats
      -- gone; threads-timedout always 0 since)
      out[#out + 1] = string.format("%d %d %d %d 0\n", pool.sp_id,
        math.max(0, mm.percpu_counter_sum(pool.sp_messages_arrived)),
        math.max(0, mm.percpu_counter_sum(pool.sp_sockets_queued)),
        math.max(0, mm.percpu_counter_sum(pool.sp_threads_woken)))
    else
      local st = pool.sp_stats
      out[#out + 1] = string.format("%d %d %d %d %d\n", pool.sp_id, num(st.packets),
        num(st.sockets_queued), num(st.threads_woken), num(st.threads_timedout))
    end
  end
  return table.concat(out)
end

-- nn->counter indexes: the anonymous enum of fs/nfsd/netns.h (the same
-- first five in 6.1 and 6.12)
local STATS = { PAYLOAD_MISSES = 0, DRC_MEM_USAGE = 1, RC_HITS = 2, RC_MISSES = 3, RC_NOCACHE = 4 }

-- /proc/fs/nfsd/reply_cache_stats (nfscache.c nfsd_reply_cache_stats_show)
function M.reply_cache_stats_text(nn)
  local mm = require("kernel.mm")
  local function c(k) return math.max(0, mm.percpu_counter_sum(nn.counter[STATS[k]])) end
  return table.concat({
    string.format("max entries:           %d\n", nn.max_drc_entries),
    string.format("num entries:           %d\n", num(nn.num_drc_entries)),
    string.format("hash buckets:          %d\n", 1 << nn.maskbits),
    string.format("mem usage:             %d\n", c("DRC_MEM_USAGE")),
    string.format("cache hits:            %d\n", c("RC_HITS")),
    string.format("cache misses:          %d\n", c("RC_MISSES")),
    string.format("not cached:            %d\n", c("RC_NOCACHE")),
    string.format("payload misses:        %d\n", c("PAYLOAD_MISSES")),
    string.format("longest chain len:     %d\n", nn.longest_chain),
    string.format("cachesize at longest:  %d\n", nn.longest_chain_cachesize),
  })
end

-- /proc/fs/nfsd/filecache (filecache.c nfsd_file_cache_stats_show):
-- nfsd.ko's file cache, one per machine (statics of filecache.c): while
-- NFSD_FILE_CACHE_UP (bit 0 of nfsd_file_flags) the list_lru's entries on
-- every node and the rhltable's element and bucket counts, then the
-- per-CPU counters of every possible CPU
function M.filecache_text()
  local function addr(n)
    local a = kd.symbol_address(n)
    if not a then error(n .. " not found (nfsd.ko's file cache)", 0) end
    return a
  end
  local count, buckets, lru = 0, 0, 0
  if kd.read_u64(addr("nfsd_file_flags")) & 1 == 1 then
    local l = kd.object("struct list_lru", addr("nfsd_file_lru"))
    local nodes = pval(l:member_("node"))
    local nsz = kd.type("struct list_lru_node").size
    for _, pg in ipairs(require("kernel.mm").pgdats()) do
      lru = lru + kd.object("struct list_lru_node", nodes + pg.node_id * nsz).nr_items
    end
    local ht = kd.object("struct rhltable", addr("nfsd_file_rhltable")).ht
    count = num(ht.nelems)
    local tbl = pval(ht:member_("tbl"))
    if tbl ~= 0 then buckets = kd.object("struct bucket_table", tbl).size end
  end
  local function sum(n)
    if not kd.symbol_address(n) then return nil end
    local t = 0
    for _, cpu in ipairs(kd.cpus("possible")) do t = t + kd.per_cpu(n, cpu):value_() end
    return t
  end
  local releases, age = sum("nfsd_file_releases"), sum("nfsd_file_total_age")
  local out = {
    string.format("total inodes:  %d\n", count),
    string.format("hash buckets:  %d\n", buckets),
    string.format("lru entries:   %d\n", lru),
    string.format("cache hits:    %d\n", sum("nfsd_file_cache_hits")),
    string.format("acquisitions:  %d\n", sum("nfsd_file_acquisitions")),
  }
  -- nfsd_file_allocations and its line are not in 6.1 (6.12 has both)
  local alloc = sum("nfsd_file_allocations")
  if alloc then out[#out + 1] = string.format("allocations:   %d\n", alloc) end
  out[#out + 1] = string.format("releases:      %d\n", releases)
  out[#out + 1] = string.format("evictions:     %d\n", sum("nfsd_file_evictions"))
  if releases ~= 0 then out[#out + 1] = string.format("mean age (ms): %d\n", age // releases)
  else out[#out + 1] = "mean age (ms): -\n" end
  return table.concat(out)
end

-- /proc/net/rpc/nfsd (fs/nfsd/stats.c nfsd_show, then sunrpc's
-- svc_seq_show) where nfsd_net holds the counters and the svc_stat
-- (nn->nfsd_svcstats, as in 6.12; 6.1 keeps them in the global nfsdstats
-- and nfsd_svcstats, a layout not decoded here: nil, reason)
function M.rpc_nfsd_text(nn)
  if not has_member("struct nfsd_net", "nfsd_svcstats") then
    return nil, "nfsd's counters are not in nfsd_net on this kernel (global nfsdstats): not decoded"
  end
  local mm = require("kernel.mm")
  local cpus = kd.cpus("possible")
  local function c(i) return math.max(0, mm.percpu_counter_sum(nn.counter[i])) end
  -- NFSD_STATS_RC_HITS .. IO_WRITE: 2..7 (fs/nfsd/netns.h), then one
  -- counter per NFSv4 operation 0..LAST_NFS4_OP (the highest nfs_opnum4
  -- below OP_ILLEGAL), then NFSD_STATS_WDELEG_GETATTR where the array
  -- has room for it (6.12 has it)
  local last = 0
  for _, e in ipairs(kd.type("enum nfs_opnum4").enumerators) do
    if e.value < 10000 and e.value > last then last = e.value end
  end
  local ncounters = kd.type("struct nfsd_net"):member("counter").type.length
  local out = {}
  local function add(...) out[#out + 1] = string.format(...) end
  add("rc %d %d %d\nfh %d 0 0 0 0\nio %d %d\n", c(2), c(3), c(4), c(5), c(6), c(7))
  add("th %d 0", num(kd.object("atomic_t", assert(kd.symbol_address("nfsd_th_cnt"), "nfsd_th_cnt not found"))))
  for _ = 1, 10 do add(" 0.000") end
  add("\nra 0 0 0 0 0 0 0 0 0 0 0 0\n")
  -- svc_seq_show
  local st = nn.nfsd_svcstats
  add("net %d %d %d %d\n", st.netcnt, st.netudpcnt, st.nettcpcnt, st.nettcpconn)
  add("rpc %d %d %d %d %d\n", st.rpccnt, st.rpcbadfmt + st.rpcbadauth + st.rpcbadclnt,
      st.rpcbadfmt, st.rpcbadauth, st.rpcbadclnt)
  local prog = st.program
  local pv = pval(prog:member_("pg_vers"))
  for i = 0, prog.pg_nvers - 1 do
    local vp = kd.read_u64(pv + 8 * i)
    if vp ~= 0 then
      local v = kd.object("struct svc_version", vp)
      local line = { string.format("proc%d %d", i, v.vs_nproc) }
      for j = 0, v.vs_nproc - 1 do
        local n = 0
        for _, cpu in ipairs(cpus) do n = n + kd.read_u64(kd.per_cpu(v.vs_count, cpu):address_() + 8 * j) end
        line[#line + 1] = " " .. n
      end
      add("%s\n", table.concat(line))
    end
  end
  add("proc4ops %d", last + 1)
  for i = 0, last do add(" %d", c(8 + i)) end
  if ncounters >= 8 + last + 2 then add("\nwdeleg_getattr %d", c(8 + last + 1)) end
  add("\n")
  return table.concat(out)
end

-- /proc/net/rpc/nfs (net/sunrpc/stats.c rpc_proc_show) of the NFS client:
-- the rpc_stat of a namespace -- nfs_net's rpcstats since 6.9 ("nfs: make
-- the rpc_stat per net namespace"), the global nfs_rpcstat before -- and
-- the call counts of each registered version of its rpc_program (the
-- versions' counts arrays are global: every namespace shows the same).
-- nil, reason without the client or its types.
function M.rpc_nfs_text(n)
  if not M.client_loaded() then return nil, "none present (nfs is not loaded)" end
  if not kd.has_type("struct rpc_stat") or not kd.has_type("struct rpc_program") then
    return nil, "sunrpc's rpc_stat/rpc_program types are not in this dump's debug info"
  end
  local st
  if kd.has_type("struct nfs_net") and has_member("struct nfs_net", "rpcstats") then
    local p, why = require("kernel.net").net_generic(n, "nfs_net_id")
    if not p then return nil, why end
    if p == 0 then return nil, "nfs has no state in this namespace" end
    st = kd.object("struct nfs_net", p).rpcstats
  elseif kd.symbol_address("nfs_rpcstat") then
    st = kd.object("struct rpc_stat", kd.symbol_address("nfs_rpcstat"))
  else
    return nil, "neither nfs_net.rpcstats nor nfs_rpcstat in this kernel's debug info"
  end
  local out = {}
  local function add(...) out[#out + 1] = string.format(...) end
  add("net %d %d %d %d\n", st.netcnt, st.netudpcnt, st.nettcpcnt, st.nettcpconn)
  add("rpc %d %d %d\n", st.rpccnt, st.rpcretrans, st.rpcauthrefresh)
  local prog = st.program
  for i = 0, prog.nrvers - 1 do
    local v = prog.version[i]
    if v ~= nil then
      local line = { string.format("proc%d %d", v.number, v.nrprocs) }
      local counts = pval(v:member_("counts"))
      for j = 0, v.nrprocs - 1 do line[#line + 1] = " " .. (counts ~= 0 and kd.read_u32(counts + 4 * j) or 0) end
      add("%s\n", table.concat(line))
    end
  end
  return table.concat(out)
end

-- {====== nfsstat ======

-- nfs-utils 2.6.2 utils/nfsstat/nfsstat.c over the raw /proc/net/rpc/nfsd
-- and /proc/net/rpc/nfs texts, as nfsstat itself reads them
-- (parse_raw_statfile: each known tag's values into a fixed-size array
-- whose last slot then holds their sum; has_stats; print_numbers;
-- print_callstats).

local NFSV2 = { "null", "getattr", "setattr", "root", "lookup", "readlink", "read", "wrcache",
  "write", "create", "remove", "rename", "link", "symlink", "mkdir", "rmdir", "readdir", "fsstat" }
local NFSV3 = { "null", "getattr", "setattr", "lookup", "access", "readlink", "read", "write",
  "create", "mkdir", "symlink", "mknod", "remove", "rmdir", "rename", "link", "readdir",
  "readdirplus", "fsstat", "fsinfo", "pathconf", "commit" }
local SRV4 = { "null", "compound" }
local CLT4 = { "null", "read", "write", "commit", "open", "open_conf", "open_noat", "open_dgrd",
  "close", "setattr", "fsinfo", "renew", "setclntid", "confirm", "lock", "lockt", "locku",
  "access", "getattr", "lookup", "lookup_root", "remove", "rename", "link", "symlink", "create",
  "pathconf", "statfs", "readlink", "readdir", "server_caps", "delegreturn", "getacl", "setacl",
  "fs_locations", "rel_lkowner", "secinfo", "fsid_present", "exchange_id", "create_session",
  "destroy_session", "sequence", "get_lease_time", "reclaim_comp", "layoutget", "getdevinfo",
  "layoutcommit", "layoutreturn", "secinfo_no", "test_stateid", "free_stateid", "getdevicelist",
  "bind_conn_to_ses", "destroy_clientid", "seek", "allocate", "deallocate", "layoutstats", "clone" }
local SRV4OPS = { "op0-unused", "op1-unused", "op2-future", "access", "close", "commit", "create",
  "delegpurge", "delegreturn", "getattr", "getfh", "link", "lock", "lockt", "locku", "lookup",
  "lookup_root", "nverify", "open", "openattr", "open_conf", "open_dgrd", "putfh", "putpubfh",
  "putrootfh", "read", "readdir", "readlink", "remove", "rename", "renew", "restorefh", "savefh",
  "secinfo", "setattr", "setcltid", "setcltidconf", "verify", "write", "rellockowner", "bc_ctl",
  "bind_conn", "exchange_id", "create_ses", "destroy_ses", "free_stateid", "getdirdeleg",
  "getdevinfo", "getdevlist", "layoutcommit", "layoutget", "layoutreturn", "secinfononam",
  "sequence", "set_ssv", "test_stateid", "want_deleg", "destroy_clid", "reclaim_comp", "allocate",
  "copy", "copy_notify", "deallocate", "ioadvise", "layouterror", "layoutstats", "offloadcancel",
  "offloadstatus", "readplus", "seek", "write_same" }

-- the arrays' sizes (nfsstat.c's statinfo: tag -> number of slots)
local SRV_SLOTS = { net = 5, rpc = 6, rc = 9, fh = 7, io = 3, ra = 13, proc2 = 20, proc3 = 24,
                    proc4 = 4, proc4ops = 73 }
local CLT_SLOTS = { net = 5, rpc = 4, proc2 = 20, proc3 = 24, proc4 = 61 }

-- parse_raw_statfile(): tag -> 0-based array of nslots values, the last
-- slot the sum of the values read (unknown tags skipped, values past the
-- array ignored, unsigned int wrap)
local function parse_raw(text, slots)
  local info = {}
  for tag, n in pairs(slots) do
    local a = {}
    for i = 0, n - 1 do a[i] = 0 end
    info[tag] = a
  end
  for line in text:gmatch("[^\n]+") do
    local words = {}
    for w in line:gmatch("[^ \t]+") do words[#words + 1] = w end
    local a = words[1] and info[words[1]]
    if a then
      local n, total = slots[words[1]], 0
      for i = 0, n - 1 do
        local w = words[i + 2]
        if not w then break end
        a[i] = (tonumber(w) or 0) & 0xffffffff
        total = total + a[i]
      end
      a[n - 1] = total & 0xffffffff
    end
  end
  return info
end

local function numbers(out, hdr, a, first, nr)
  out[#out + 1] = hdr
  local t = {}
  for i = 0, nr - 1 do t[#t + 1] = string.format("%s%-8d", i > 0 and "   " or "", a[first + i]) end
  out[#out + 1] = table.concat(t) .. "\n"
end

local function callstats(out, hdr, names, a)
  out[#out + 1] = hdr
  local nr, total = #names, 0
  for i = 1, nr do total = total + a[i] end
  if total == 0 then total = 1 end
  for i = 1, nr, 5 do
    local l1, l2 = {}, {}
    for j = i, math.min(i + 4, nr) do
      l1[#l1 + 1] = string.format("%-17s", names[j])
      l2[#l2 + 1] = string.format("%-8d%3d%%     ", a[j], a[j] * 100 // total)
    end
    out[#out + 1] = table.concat(l1) .. "\n" .. table.concat(l2) .. "\n"
  end
  out[#out + 1] = "\n"
end

-- has_stats(): the count slot set and the sum above it
local function has_stats(a, slots) return a[0] ~= 0 and a[slots - 1] > a[0] end

-- `nfsstat -o all`: the server part when srv_text (raw /proc/net/rpc/nfsd)
-- is given, the client part when clt_text (/proc/net/rpc/nfs) is
function M.nfsstat_all(srv_text, clt_text)
  local out = {}
  if srv_text then
    local s = parse_raw(srv_text, SRV_SLOTS)
    numbers(out, "Server packet stats:\npackets    udp        tcp        tcpconn\n", s.net, 0, 4)
    out[#out + 1] = "\n"
    numbers(out, "Server rpc stats:\ncalls      badcalls   badfmt     badauth    badclnt\n", s.rpc, 0, 5)
    out[#out + 1] = "\n"
    numbers(out, "Server reply cache:\nhits       misses     nocache\n", s.rc, 0, 3)
    out[#out + 1] = "\n"
    numbers(out, "Server io stats:\nread       write\n", s.io, 0, 2)
    out[#out + 1] = "\n"
    numbers(out, "Server read ahead cache:\nsize       0-10%      10-20%     20-30%     30-40%     "
      .. "40-50%     50-60%     60-70%     70-80%     80-90%     90-100%    notfound\n", s.ra, 0, 12)
    out[#out + 1] = "\n"
    -- the 2.4+ "fh" line: stale moved last, dir and nondir swapped
    local fh = s.fh
    fh[3], fh[4] = fh[4], fh[3]
    fh[5] = fh[0]
    numbers(out, "Server file handle cache:\nlookup     anon       ncachedir  ncachenondir  stale\n", fh, 1, 5)
    out[#out + 1] = "\n"
    if has_stats(s.proc2, 20) then callstats(out, "Server nfs v2:\n", NFSV2, s.proc2) end
    if has_stats(s.proc3, 24) then callstats(out, "Server nfs v3:\n", NFSV3, s.proc3) end
    if has_stats(s.proc4, 4) then
      callstats(out, "Server nfs v4:\n", SRV4, s.proc4)
      callstats(out, "Server nfs v4 operations:\n", SRV4OPS, s.proc4ops)
    end
  end
  if clt_text then
    local c = parse_raw(clt_text, CLT_SLOTS)
    numbers(out, "Client packet stats:\npackets    udp        tcp        tcpconn\n", c.net, 0, 4)
    out[#out + 1] = "\n"
    numbers(out, "Client rpc stats:\ncalls      retrans    authrefrsh\n", c.rpc, 0, 3)
    out[#out + 1] = "\n"
    if has_stats(c.proc2, 20) then callstats(out, "Client nfs v2:\n", NFSV2, c.proc2) end
    if has_stats(c.proc3, 24) then callstats(out, "Client nfs v3:\n", NFSV3, c.proc3) end
    if has_stats(c.proc4, 61) then callstats(out, "Client nfs v4:\n", CLT4, c.proc4) end
  end
  return table.concat(out)
end

-- }======

-- {====== NFSv4 clients ======

-- "%pISpc" of a sockaddr: "a.b.c.d:port", "[v6]:port"
local function sockaddr_str(a)
  local net = require("kernel.net")
  local fam = kd.read_u16(a)
  local pb = kd.read(a + 2, 2)
  local port = pb:byte(1) * 256 + pb:byte(2)
  if fam == 2 then
    local b = kd.read(a + 4, 4)
    return string.format("%d.%d.%d.%d:%d", b:byte(1), b:byte(2), b:byte(3), b:byte(4), port)
  elseif fam == 10 then
    return "[" .. net.ip6(kd.read(a + 8, 16)) .. "]:" .. port
  end
  return "(unknown address family " .. fam .. ")"
end

-- seq_quote_mem (nfs4state.c): quoted, every byte that is not printable
-- ASCII, and '"' and '\', as \xHH (ESCAPE_HEX | ESCAPE_NAP | ESCAPE_APPEND)
local function quote_mem(data, len)
  if data == 0 or len <= 0 then return '""' end
  local b = kd.read(data, math.min(len, 1024))
  local q = b:gsub('[%z\1-\31\127-\255"\\]', function(c) return string.format("\\x%02x", c:byte()) end)
  return '"' .. q .. '"'
end

local function xdr_quote(xn) return quote_mem(pval(xn:member_("data")), xn.len) end

-- the NFSv4 clients of a namespace's nfsd_net (confirmed, then
-- unconfirmed: conf_id_hashtbl / unconf_id_hashtbl chains, cl_idhash),
-- each { clp, id = its /proc/fs/nfsd/clients/<id> number, nil if none }
function M.v4_clients(nn)
  local out = {}
  if not kd.has_type("struct nfs4_client") then return out end
  local lh = kd.type("struct list_head").size
  for _, tbl in ipairs({ "conf_id_hashtbl", "unconf_id_hashtbl" }) do
    local base = pval(nn:member_(tbl))
    -- CLIENT_HASH_SIZE (fs/nfsd/netns.h): 16 in 6.1 and 6.12
    for i = 0, (base ~= 0 and 15 or -1) do
      for clp in kd.list(kd.object("struct list_head", base + i * lh), "struct nfs4_client", "cl_idhash") do
        -- the directory nfsd_client_mkdir made: its name is
        -- cl_clientid.cl_id - nn->clientid_base; none when mkdir failed
        local d = has_member("struct nfs4_client", "cl_nfsd_dentry") and pval(clp:member_("cl_nfsd_dentry")) or 0
        local id = d ~= 0 and tonumber(fs.dname(kd.object("struct dentry", d))) or nil
        out[#out + 1] = { clp = clp, id = id }
      end
    end
  end
  table.sort(out, function(a, b) return (a.id or 0) < (b.id or 0) end)
  return out
end

-- clients/<id>/info (client_info_show)
function M.client_info_text(clp)
  local ktime = require("kernel.time")
  local cid = clp.cl_clientid
  local out = {}
  local function add(...) out[#out + 1] = string.format(...) end
  add("clientid: 0x%x\n", cid.cl_boot | (cid.cl_id << 32))
  add('address: "%s"\n', sockaddr_str(clp.cl_addr:address_()))
  local st = has_member("struct nfs4_client", "cl_state") and clp.cl_state or 0
  -- enum nfsd4_client_state: NFSD4_ACTIVE 0, NFSD4_COURTESY 1, NFSD4_EXPIRABLE 2
  if st == 1 then add("status: courtesy\n")
  elseif st == 2 then add("status: expirable\n")
  elseif (clp.cl_flags >> 4) & 1 == 1 then add("status: confirmed\n")   -- NFSD4_CLIENT_CONFIRMED
  else add("status: unconfirmed\n") end
  local up = ktime.uptime_ns()
  add("seconds from last renew: %d\n", (up and up // 1000000000 or 0) - clp.cl_time)
  add("name: %s\n", xdr_quote(clp.cl_name))
  add("minor version: %d\n", clp.cl_minorversion)
  if pval(clp.cl_nii_domain:member_("data")) ~= 0 then
    add("Implementation domain: %s\n", xdr_quote(clp.cl_nii_domain))
    add("Implementation name: %s\n", xdr_quote(clp.cl_nii_name))
    add("Implementation time: [%d, %d]\n", clp.cl_nii_time.tv_sec, clp.cl_nii_time.tv_nsec)
  end
  local cbs = { [0] = "UP", "UNKNOWN", "DOWN", "FAULT" }
  add("callback state: %s\n", cbs[clp.cl_cb_state] or "UNDEFINED")
  -- 6.12 quotes the callback address and counts admin-revoked states
  -- (cl_admin_revoked); 6.1 prints the address bare and no count.  No
  -- member marks the quoting: cl_admin_revoked, which came after 6.1
  -- too, stands in for it
  local newer = has_member("struct nfs4_client", "cl_admin_revoked")
  local cb = sockaddr_str(clp.cl_cb_conn.cb_addr:address_())
  add("callback address: %s\n", newer and ('"' .. cb .. '"') or cb)
  if newer then add("admin-revoked states: %d\n", num(clp.cl_admin_revoked)) end
  return table.concat(out)
end

-- nfs4_show_superblock / nfs4_show_fname of an nfsd_file
local function file_desc(nfp)
  local f = kd.object("struct nfsd_file", nfp).nf_file
  local inode = f.f_inode
  local dev = inode.i_sb.s_dev
  -- "%pD2": the last two components of the file's path
  local d = f.f_path.dentry
  local name = fs.dname(d)
  local parent = pval(d:member_("d_parent"))
  if parent ~= pval(d) then name = fs.dname(kd.object("struct dentry", parent)) .. "/" .. name end
  return string.format('superblock: "%02x:%02x:%d", filename: "%s"', fs.major(dev), fs.minor(dev),
                       inode.i_ino, name)
end

-- find_any_file_locked: fi_fds[O_RDWR], then O_WRONLY, then O_RDONLY
local function any_file(nf)
  for _, o in ipairs({ 2, 1, 0 }) do
    local p = pval(nf.fi_fds[o])
    if p ~= 0 then return p end
  end
  return 0
end

-- clients/<id>/states (states_show over the cl_stateids idr, in id order)
function M.client_states_text(clp)
  local out = {}
  local idr = clp.cl_stateids
  local revoked_member = has_member("struct nfs4_stid", "sc_status")
  require("kernel.xarray").each(idr.idr_rt, function(_, e)
    local st = kd.object("struct nfs4_stid", e)
    local sid = st.sc_stateid
    local op = kd.read(sid.si_opaque:address_(), 12)
    local line = { string.format("- 0x%08x", sid.si_generation) }
    for i = 1, 12 do line[#line + 1] = string.format("%02x", op:byte(i)) end
    line = table.concat(line)
    local nf = pval(st:member_("sc_file"))
    -- 6.9 "nfsd: split sc_status out of sc_type": SC_STATUS_ADMIN_REVOKED
    local revoked = revoked_member and (st.sc_status & 4) ~= 0 and ", admin-revoked" or ""
    -- SC_TYPE_OPEN/LOCK/DELEG 1/2/4 (6.9+), NFS4_OPEN/LOCK/DELEG_STID before: the same values
    local t = st.sc_type
    if t == 1 or t == 2 then
      local ols = kd.container_of(st:address_of_(), "struct nfs4_ol_stateid", "st_stid")
      local body = { t == 1 and "type: open" or "type: lock" }
      if t == 1 then
        local function mode(b)
          local m = 0
          for i = 1, 3 do if (b >> i) & 1 == 1 then m = m | i end end
          return (m & 1 ~= 0 and "r" or "-") .. (m & 2 ~= 0 and "w" or "-")
        end
        body[#body + 1] = "access: " .. mode(ols.st_access_bmap)
        body[#body + 1] = "deny: " .. mode(ols.st_deny_bmap)
      end
      local fp = nf ~= 0 and any_file(kd.object("struct nfs4_file", nf)) or 0
      if fp ~= 0 then body[#body + 1] = file_desc(fp)
      elseif nf == 0 and t == 1 then body[#body + 1] = "closed" end
      local oo = ols.st_stateowner
      body[#body + 1] = "owner: " .. xdr_quote(oo.so_owner)
      -- before the sc_status split (6.1) a stateid without an open file
      -- is not shown at all
      if fp ~= 0 or revoked_member then
        out[#out + 1] = line .. ": { " .. table.concat(body, ", ") .. revoked .. " }\n"
      end
    elseif t == 4 then
      local dp = kd.container_of(st:address_of_(), "struct nfs4_delegation", "dl_stid")
      -- NFS4_OPEN_DELEGATE_READ is 1
      local s2 = line .. ": { type: deleg, access: " .. (dp.dl_type == 1 and "r" or "w")
      local fp = nf ~= 0 and pval(kd.object("struct nfs4_file", nf):member_("fi_deleg_file")) or 0
      if fp ~= 0 then s2 = s2 .. ", " .. file_desc(fp) end
      if fp ~= 0 or revoked_member then out[#out + 1] = s2 .. revoked .. " }\n" end
    end
    -- layouts (SC_TYPE_LAYOUT / NFS4_LAYOUT_STID) are not decoded
  end)
  return table.concat(out)
end

-- }======

-- {====== exports ======

-- the entries of a sunrpc cache (cache_detail hash_table chains, in the
-- order cache_seq_start/next walk them)
local function cache_entries(cd, type_name)
  local out = {}
  local ht = pval(cd:member_("hash_table"))
  local hsz = kd.type("struct hlist_head").size
  for h = 0, cd.hash_size - 1 do
    for e in kd.hlist(kd.object("struct hlist_head", ht + h * hsz), type_name, "h.cache_list") do
      out[#out + 1] = e
    end
  end
  return out
end

-- include/uapi/linux/nfsd/export.h NFSEXP_*, in fs/nfsd/export.c
-- expflags[] order: { flag, name when set, name when clear }
local EXPFLAGS = {
  { 0x0001, "ro", "rw" }, { 0x0002, "insecure", "" }, { 0x0004, "root_squash", "no_root_squash" },
  { 0x0008, "all_squash", "" }, { 0x0010, "async", "sync" }, { 0x0020, "wdelay", "no_wdelay" },
  { 0x0040, "nordirplus", "" }, { 0x0200, "nohide", "" }, { 0x4000, "crossmnt", "" },
  { 0x0400, "no_subtree_check", "" }, { 0x0800, "insecure_locks", "" }, { 0x10000, "v4root", "" },
  { 0x20000, "pnfs", "" }, { 0x0080, "security_label", "" },
}
local NFSEXP_ALLFLAGS, NFSEXP_FSID = 0x3FEFF, 0x2000
-- NFSEXP_SECINFO_FLAGS: READONLY | ROOTSQUASH | ALLSQUASH | INSECURE_PORT
local NFSEXP_SECINFO_FLAGS = 0x0001 | 0x0004 | 0x0008 | 0x0002

local function show_expflags(flags, mask)
  local out = {}
  for _, f in ipairs(EXPFLAGS) do
    if f[1] & ~mask == 0 then
      local name = (flags & f[1]) ~= 0 and f[2] or f[3]
      if name ~= "" then out[#out + 1] = name end
    end
  end
  return table.concat(out, ",")
end

local function kid_val(x) return type(x) == "number" and x or fs.kid(x) end

-- one export as svc_export_show prints it: "path\tclient(flags)"
local function export_line(exp, root_dentry, root_vfsmnt)
  local path = fs.d_path(exp.ex_path, root_dentry, root_vfsmnt)
  local client = kd.read_string(pval(exp.ex_client:member_("name")), 4096)
  local parts = {}
  local hflags = exp.h.flags
  -- CACHE_VALID (bit 0) and not CACHE_NEGATIVE (bit 1)
  if hflags & 1 ~= 0 and hflags & 2 == 0 then
    local flags = exp.ex_flags
    local f = show_expflags(flags, NFSEXP_ALLFLAGS)
    if flags & NFSEXP_FSID ~= 0 then f = f .. string.format(",fsid=%d", exp.ex_fsid) end
    -- anonuid/anongid shown unless the default (-2 as 32 or 16 bits)
    local au, ag = kid_val(exp.ex_anon_uid), kid_val(exp.ex_anon_gid)
    if au ~= 0xfffffffe and au ~= 0xfffe then f = f .. string.format(",anonuid=%d", au) end
    if ag ~= 0xfffffffe and ag ~= 0xfffe then f = f .. string.format(",anongid=%d", ag) end
    local fl = exp.ex_fslocs
    if fl.locations_count > 0 then
      local function esc(p) return fs.escape(kd.read_string(pval(p), 4096), ",;@ \t\n\\") end
      local locs = {}
      local base, lsz = pval(fl:member_("locations")), kd.type("struct nfsd4_fs_location").size
      for i = 0, fl.locations_count - 1 do
        local l = kd.object("struct nfsd4_fs_location", base + i * lsz)
        locs[#locs + 1] = esc(l:member_("path")) .. "@" .. esc(l:member_("hosts"))
      end
      f = f .. "," .. (fl.migrated ~= 0 and "refer" or "replicas") .. "=" .. table.concat(locs, ";")
    end
    local uuid = pval(exp:member_("ex_uuid"))
    if uuid ~= 0 then
      local b = kd.read(uuid, 16)
      local hex = {}
      for i = 1, 16 do
        hex[#hex + 1] = ((i - 1) % 4 == 0 and i > 1 and ":" or "") .. string.format("%02x", b:byte(i))
      end
      f = f .. ",uuid=" .. table.concat(hex)
    end
    -- show_secinfo: runs of flavors with the same secinfo flags
    local nfl = exp.ex_nflavors
    if nfl > 0 then
      local fsz = kd.type("struct exp_flavor_info").size
      local fbase = exp.ex_flavors:address_()
      local fls = {}
      for i = 0, nfl - 1 do fls[#fls + 1] = kd.object("struct exp_flavor_info", fbase + i * fsz) end
      local i = 1
      local function run()
        local flg = fls[i].flags
        local t = { ",sec=" .. fls[i].pseudoflavor }
        i = i + 1
        while i <= #fls and (flg & NFSEXP_SECINFO_FLAGS) == (fls[i].flags & NFSEXP_SECINFO_FLAGS) do
          t[#t + 1] = ":" .. fls[i].pseudoflavor
          i = i + 1
        end
        return flg, table.concat(t)
      end
      local flg, t = run()
      f = f .. t
      if (flg & NFSEXP_SECINFO_FLAGS) ~= (flags & NFSEXP_SECINFO_FLAGS) then
        f = f .. "," .. show_expflags(flg, NFSEXP_SECINFO_FLAGS)
      end
      while i <= #fls do
        flg, t = run()
        f = f .. t .. "," .. show_expflags(flg, NFSEXP_SECINFO_FLAGS)
      end
    end
    parts[#parts + 1] = f
  end
  return fs.escape(path, " \t\n\\") .. "\t" .. fs.escape(client, " \t\n\\") .. "(" .. table.concat(parts) .. ")\n"
end

-- /proc/fs/nfsd/exports (export.c e_show over nn->svc_export_cache):
-- the valid entries, as the reader's root shows their paths.  Entries
-- cache_check would refuse (expired, negative, pending) are left out;
-- expiry is judged by the cache's flush time, not the clock.
function M.exports_text(nn)
  local cd = nn.svc_export_cache
  local out = { "# Version 1.1\n", "# Path Client(Flags) # IPs\n" }
  local mount = require("kernel.mount")
  local rd, rm = mount.reader_root()
  for _, exp in ipairs(cache_entries(cd, "struct svc_export")) do
    local h = exp.h
    local expired = num(cd.flush_time) >= num(h.last_refresh)
    -- CACHE_VALID set, CACHE_NEGATIVE and CACHE_PENDING (bit 2) clear
    if not expired and h.flags & 1 ~= 0 and h.flags & 6 == 0 then
      out[#out + 1] = export_line(exp, rd, rm)
    end
  end
  return table.concat(out)
end

-- }======

-- /proc/fs/nfsd/<file>: text, or nil, reason
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
  elseif name == "nfsv4recoverydir" then
    if s.recoverydir then return s.recoverydir .. "\n" end
    return nil, "user_recovery_dirname not found"
  elseif name == "max_connections" and s.max_connections then
    -- write_maxconn: nn->max_connections (copied to serv->sv_maxconn
    -- when the service was created)
    return s.max_connections .. "\n"
  end
  local nn, nwhy = M.nfsd_net()
  if not nn then return nil, nwhy end
  local serv = M.nfsd_serv()
  if name == "versions" then return M.versions_text(nn)
  elseif name == "nfsv4leasetime" then return nn.nfsd4_lease .. "\n"
  elseif name == "nfsv4gracetime" then return nn.nfsd4_grace .. "\n"
  elseif name == "portlist" then
    -- __write_ports_names: nothing without a serv
    return serv and M.portlist_text(serv) or ""
  elseif name == "pool_stats" then
    if not serv then return "# pool packets-arrived sockets-enqueued threads-woken threads-timedout\n" end
    return M.pool_stats_text(serv)
  elseif name == "reply_cache_stats" then return M.reply_cache_stats_text(nn)
  elseif name == "exports" then return M.exports_text(nn)
  elseif name == "filecache" then return M.filecache_text()
  end
  return nil, name .. " is not decoded"
end

-- }======

-- {====== mountstats ======

-- rpc_clnt_show_stats() (net/sunrpc/stats.c, the same in 6.1 and 6.12):
-- the program and version, each transport's print_stats (TCP and UDP
-- sockets: xs_tcp_print_stats / xs_udp_print_stats in xprtsock.c), then
-- every procedure's rpc_iostats summed up the cl_parent chain.  Returns
-- text, and a reason when a transport's line is not decoded.
local function rpc_clnt_stats(clnt)
  local metrics = pval(clnt:member_("cl_metrics"))
  if metrics == 0 then return "" end
  local ktime = require("kernel.time")
  local hz, now = ktime.hz(), ktime.jiffies()
  local out, why = {}, nil
  local function add(...) out[#out + 1] = string.format(...) end
  add("\tRPC iostats version: %s  ", "1.1")                    -- RPC_IOSTATS_VERS
  add("p/v: %d/%d (%s)\n", clnt.cl_prog, clnt.cl_vers, clnt.cl_program.name:string_())
  -- rpc_clnt_iterate_for_each_xprt: every transport of the client's switch
  local xprts = {}
  local okx = pcall(function()
    local xps = clnt.cl_xpi.xpi_xpswitch
    for x in kd.list(xps.xps_xprt_list, "struct rpc_xprt", "xprt_switch") do xprts[#xprts + 1] = x end
  end)
  if not okx or #xprts == 0 then xprts = { clnt.cl_xprt } end
  for _, x in ipairs(xprts) do
    local op = fs.func_name(x.ops:member_("print_stats"))
    local st = x.stat
    local connected = (x.state >> 1) & 1 == 1                   -- XPRT_CONNECTED
    if op == "xs_tcp_print_stats" or op == "xs_udp_print_stats" then
      local srcport = kd.container_of(x, "struct sock_xprt", "xprt").srcport
      if op == "xs_tcp_print_stats" then
        local idle = connected and (now - x.last_used) // hz or 0
        add("\txprt:\ttcp %d %d %d %d %d %d %d %d %d %d %d %d %d\n", srcport, st.bind_count,
            st.connect_count, st.connect_time // hz, idle, st.sends, st.recvs, st.bad_xids,
            st.req_u, st.bklog_u, st.max_slots, st.sending_u, st.pending_u)
      else
        add("\txprt:\tudp %d %d %d %d %d %d %d %d %d %d\n", srcport, st.bind_count, st.sends,
            st.recvs, st.bad_xids, st.req_u, st.bklog_u, st.max_slots, st.sending_u, st.pending_u)
      end
    else
      why = "the transport statistics of " .. tostring(op) .. " are not decoded"
    end
  end
  add("\tper-op statistics\n")
  local procs = pval(clnt:member_("cl_procinfo"))
  local psize = kd.type("struct rpc_procinfo").size
  local isize = kd.type("struct rpc_iostats").size
  local name_off = kd.member_offset("struct rpc_procinfo", "p_name")
  local function ms(ns) return ns // 1000000 end                  -- ktime_to_ms
  for op = 0, clnt.cl_maxproc - 1 do
    local t = { 0, 0, 0, 0, 0, 0, 0, 0, 0 }
    local c = clnt
    while c ~= nil do
      local m = kd.object("struct rpc_iostats", pval(c:member_("cl_metrics")) + op * isize)
      local v = { m.om_ops, m.om_ntrans, m.om_timeouts, m.om_bytes_sent, m.om_bytes_recv,
                  m.om_queue, m.om_rtt, m.om_execute, m.om_error_status }
      for k = 1, 9 do t[k] = t[k] + v[k] end
      local parent = pval(c:member_("cl_parent"))
      if parent == pval(c) or parent == 0 then break end
      c = kd.object("struct rpc_clnt", parent)
    end
    local np = kd.read_u64(procs + op * psize + name_off)
    if np ~= 0 then add("\t%12s: ", kd.read_string(np, 64))
    elseif op == 0 then add("\t        NULL: ")
    else add("\t%12d: ", op) end
    add("%d %d %d %d %d %d %d %d %d\n", t[1], t[2], t[3], t[4], t[5], ms(t[6]), ms(t[7]), ms(t[8]), t[9])
  end
  return table.concat(out), why
end

-- nfs_show_stats() (fs/nfs/super.c): the text after "device ... with
-- fstype nfs4 " of one NFS mount: statvers, the mount options with their
-- defaults, age, implementation id, caps, the NFSv4 bitmaps and lease,
-- the security flavour, the per-CPU nfs_iostats summed over the possible
-- CPUs, then rpc_clnt_stats.  Returns text, reason for a part not decoded.
function M.nfs_show_stats(sb)
  local mount = require("kernel.mount")
  local ktime = require("kernel.time")
  local hz, now = ktime.hz(), ktime.jiffies()
  local nfss = kd.object("struct nfs_server", pval(sb:member_("s_fs_info")))
  local clp = nfss.nfs_client
  local out = {}
  local function add(...) out[#out + 1] = string.format(...) end
  add("statvers=%s", "1.1")                                     -- NFS_IOSTAT_VERS
  local fl = sb.s_flags
  add("\n\topts:\t%s%s%s%s", fl & 1 ~= 0 and "ro" or "rw", fl & 16 ~= 0 and ",sync" or "",
      fl & 1024 ~= 0 and ",noatime" or "", fl & 2048 ~= 0 and ",nodiratime" or "")
  add("%s", mount.nfs_mount_options(nfss, true))
  add("\n\tage:\t%d", (now - nfss.mount_time) // hz)
  -- CONFIG_NFS_V4_1: show_implementation_id, show_sessions, show_pnfs
  local v41 = has_member("struct nfs_client", "cl_implid")
  if v41 and pval(clp:member_("cl_implid")) ~= 0 then
    local id = clp.cl_implid
    add("\n\timpl_id:\tname='%s',domain='%s',date='%d,%d'", kd.read_string(id.name:address_(), 1025),
        kd.read_string(id.domain:address_(), 1025), id.date.seconds, id.date.nseconds)
  end
  add("\n\tcaps:\tcaps=0x%x,wtmult=%d,dtsize=%d,bsize=%d,namlen=%d", nfss.caps, nfss.wtmult,
      nfss.dtsize, nfss.bsize, nfss.namelen)
  if clp.rpc_ops.version == 4 then
    add("\n\tnfsv4:\tbm0=0x%x,bm1=0x%x,bm2=0x%x,acl=0x%x", nfss.attr_bitmask[0],
        nfss.attr_bitmask[1], nfss.attr_bitmask[2], nfss.acl_bitmask)
    if v41 then
      if pval(clp:member_("cl_session")) ~= 0 then add(",sessions") end
      local ld = pval(nfss:member_("pnfs_curr_ld"))
      add(",pnfs=%s", ld ~= 0 and kd.object("struct pnfs_layoutdriver_type", ld).name:string_()
          or "not configured")
    end
    local expire = clp.cl_last_renewal + clp.cl_lease_time
    add(",lease_time=%d,lease_expired=%d", clp.cl_lease_time // hz,
        expire - now > 0 and 0 or (now - expire) // hz)           -- time_after(expire, jiffies)
  end
  local auth = nfss.client.cl_auth
  add("\n\tsec:\tflavor=%d", auth.au_ops.au_flavor)
  if auth.au_flavor ~= 0 then add(",pseudoflavor=%d", auth.au_flavor) end
  -- nfs_iostats (fs/nfs/iostat.h, nfs.ko's): the counts' lengths from its type
  local it = kd.type("struct nfs_iostats")
  local nev, nby = it:member("events").type.length, it:member("bytes").type.length
  local ev, by = {}, {}
  for i = 0, nev - 1 do ev[i] = 0 end
  for i = 0, nby - 1 do by[i] = 0 end
  for _, cpu in ipairs(kd.cpus("possible")) do
    local st = kd.per_cpu(nfss.io_stats, cpu)
    for i = 0, nev - 1 do ev[i] = ev[i] + st.events[i] end
    for i = 0, nby - 1 do by[i] = by[i] + st.bytes[i] end
  end
  add("\n\tevents:\t")
  for i = 0, nev - 1 do add("%d ", ev[i]) end
  add("\n\tbytes:\t")
  for i = 0, nby - 1 do add("%d ", by[i]) end
  add("\n")
  local rpc, why = rpc_clnt_stats(nfss.client)
  return table.concat(out) .. rpc, why
end

-- /proc/<pid>/mountstats (show_vfsstat) of the reader task: "device D
-- mounted on P with fstype T" for every mount, then for NFS its
-- ->show_stats block (nfs_show_stats above; without nfs.ko's types the
-- NFS lines end at "statvers=1.1" and the text comes back with that
-- reason).
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
      local ok, text, swhy = pcall(M.nfs_show_stats, e.sb)
      if ok then
        line = line .. " " .. text
        if swhy then partial = swhy end
      else
        line = line .. " statvers=1.1"   -- NFS_IOSTAT_VERS
        partial = "the NFS statistics after statvers= (nfs_show_stats) are not decoded: "
          .. fs.errmsg(text)
      end
    elseif fn then
      partial = "show_stats " .. fn .. " not decoded"
    end
    out[#out + 1] = line .. "\n"
  end
  return table.concat(out), partial
end

-- }======

return M
