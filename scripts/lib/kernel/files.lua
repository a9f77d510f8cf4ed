-- kernel/files.lua: open files of tasks (the fdtable), their names as
-- /proc/<pid>/fd shows them, `lsof -b +M -n -l -c ''`, /proc/locks and
-- `lslocks`.
--
-- Sources (Linux 6.1): include/linux/fdtable.h, fs/file.c, fs/d_path.c,
-- fs/proc/fd.c, fs/locks.c (lock_get_status, locks_show), net/socket.c,
-- net/unix/af_unix.c, include/net/sock.h; lsof 4.95 (print.c,
-- dialects/linux) and util-linux 2.38 lslocks for the tool formats.
--
-- Mirrors: fs/file.c, fs/proc/fd.c, fs/locks.c, net/socket.c,
--   net/unix/af_unix.c, include/linux/fdtable.h

local fs = require("kernel.fs")
local task = require("kernel.task")

local M = {}

local pval, has_member = fs.pval, fs.has_member

-- {====== file tables ======

-- the open files of a task: list of {fd=, file=} in fd order (nil, reason
-- when the task has no files_struct: exited, zombie)
function M.fds(t)
  local files = t.files
  if files == nil then return nil, "task has no open-file table (exited or zombie)" end
  local fdt = files.fdt
  local max = fdt.max_fds
  local arr = pval(fdt:member_("fd"))
  local out = {}
  if max <= 0 or arr == 0 then return out end
  if max > 1 << 20 then error("fdtable max_fds " .. max .. " is implausible", 0) end
  -- open_fds bitmap bounds the scan; the pointer array is read in one go
  local raw = kd.read(arr, max * 8)
  for fd = 0, max - 1 do
    local p = string.unpack("<i8", raw, fd * 8 + 1)
    if p ~= 0 then out[#out + 1] = { fd = fd, file = kd.object("struct file", p) } end
  end
  return out
end

-- the reader's root for names: pid 1's (as sos and fxsnap saw paths)
local root_d, root_m
local function reader_root()
  if root_d == nil then
    local ok, d, m = pcall(function() return require("kernel.mount").reader_root() end)
    if ok and d then root_d, root_m = d, m else root_d, root_m = 0, 0 end
  end
  return root_d, root_m
end

-- the name /proc/<pid>/fd/<n> links to (d_path with the reader's root)
function M.file_name(file)
  local rd, rm = reader_root()
  return fs.d_path(file.f_path, rd, rm)
end

-- "N -> target" lines (what truth/pid/<pid>/fd holds)
function M.fd_links(t)
  local fds, why = M.fds(t)
  if fds == nil then return nil, why end
  local out = {}
  for _, e in ipairs(fds) do
    local ok, name = pcall(M.file_name, e.file)
    out[#out + 1] = string.format("%d -> %s\n", e.fd, ok and name or ("?(" .. fs.errmsg(name) .. ")"))
  end
  return table.concat(out)
end

-- }======

-- {====== sockets ======

local AF = { [1] = "unix", [2] = "IPv4", [10] = "IPv6", [16] = "netlink", [17] = "pack" }
local SOCK_TYPE = { [1] = "STREAM", [2] = "DGRAM", [3] = "RAW", [4] = "RDM", [5] = "SEQPACKET",
                    [6] = "DCCP", [10] = "PACKET" }
local SS = { [0] = "FREE", "UNCONNECTED", "CONNECTING", "CONNECTED", "DISCONNECTING" }
local TCP_STATES = { "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT",
  "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV" }
local NETLINK = { [0] = "ROUTE", "UNUSED", "USERSOCK", "FIREWALL", "SOCK_DIAG", "NFLOG", "XFRM",
  "SELINUX", "ISCSI", "AUDIT", "FIB_LOOKUP", "CONNECTOR", "NETFILTER", "IP6_FW", "DNRTMSG",
  "KOBJECT_UEVENT", "GENERIC", [18] = "SCSITRANSPORT", [19] = "ECRYPTFS", [20] = "RDMA",
  [21] = "CRYPTO", [22] = "SMC" }

-- port -> service name as lsof prints without -P (getservbyport): from
-- the dumped system's /etc/services when it is in the page cache;
-- numeric otherwise (as lsof prints on a system without the file)
local services
local function service_names()
  if services == nil then
    services = { tcp = {}, udp = {} }
    local ok, text = pcall(function() return require("kernel.ps").read_cached_file("/etc/services") end)
    if ok and text then
      for line in text:gmatch("[^\n]+") do
        local name, port, proto = line:match("^([%w%-%._]+)%s+(%d+)/(%a+)")
        if name and services[proto] and services[proto][tonumber(port)] == nil then
          services[proto][tonumber(port)] = name
        end
      end
    end
  end
  return services
end

local function ntohs(v) return ((v & 0xff) << 8) | ((v >> 8) & 0xff) end

local function ipv4(v)
  return string.format("%d.%d.%d.%d", v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >> 24) & 0xff)
end

-- inet_ntop(AF_INET6) as glibc writes it: kernel/net.lua's
local ipv6 = require("kernel.net").ip6

-- the struct socket of a socket file (file->private_data)
local function socket_of(file)
  local p = pval(file:member_("private_data"))
  if p == 0 then return nil end
  return kd.object("struct socket", p)
end

-- lsof TYPE / DEVICE / NODE / NAME of a socket file
local function socket_info(file, inode)
  local sock = socket_of(file)
  local info = { type = "sock", dev = "", node = tostring(inode.i_ino), name = "protocol: ?" }
  if sock == nil then return info end
  local sk = sock.sk
  if sk == nil then return info end
  local skc = sk.__sk_common
  local fam = skc.skc_family
  info.type = AF[fam] or "sock"
  local stype = sock.type
  if fam == 1 then
    info.dev = string.format("0x%016x", pval(sk))
    local path = ""
    local ok = pcall(function()
      local u = kd.container_of(pval(sk), "struct unix_sock", "sk")
      local addr = u.addr
      if addr ~= nil then
        local len = addr.len
        local sun = addr.name[0]:address_()
        local pathlen = len - 2
        if pathlen > 0 then
          local raw = kd.read(sun + 2, pathlen)
          if raw:byte(1) == 0 then path = "@" .. raw:sub(2):gsub("%z", "@")
          else path = raw:match("^[^%z]*") end
        end
      end
    end)
    local _ = ok
    local state = (skc.skc_state == 10) and "LISTEN" or (SS[sock.state] or "UNKNOWN")
    info.name = string.format("%s%stype=%s (%s)", path, path ~= "" and " " or "",
                              SOCK_TYPE[stype] or tostring(stype), state)
  elseif fam == 2 or fam == 10 then
    info.dev = tostring(inode.i_ino)
    local proto = sk.sk_protocol
    local pname = proto == 6 and "TCP" or proto == 17 and "UDP" or proto == 136 and "UDPLITE" or "raw"
    if stype == 3 then pname = "raw" end
    info.node = pname == "raw" and "raw" or pname
    local sname = (pname == "TCP") and "tcp" or "udp"
    local function port(p)
      local svc = service_names()[sname][p]
      return svc or tostring(p)
    end
    local laddr, raddr
    if fam == 2 then
      laddr, raddr = skc.skc_rcv_saddr, skc.skc_daddr
      laddr = laddr == 0 and "*" or ipv4(laddr)
      raddr = raddr ~= 0 and ipv4(raddr) or nil
    else
      local l = kd.read(skc.skc_v6_rcv_saddr:address_(), 16)
      local r = kd.read(skc.skc_v6_daddr:address_(), 16)
      laddr = (l == string.rep("\0", 16)) and "*" or ("[" .. ipv6(l) .. "]")
      raddr = (r ~= string.rep("\0", 16)) and ("[" .. ipv6(r) .. "]") or nil
    end
    local lport, rport = skc.skc_num, ntohs(skc.skc_dport)
    local name = laddr .. ":" .. (lport == 0 and "*" or port(lport))
    if raddr and rport ~= 0 then name = name .. "->" .. raddr .. ":" .. port(rport) end
    if pname == "TCP" then
      name = name .. " (" .. (TCP_STATES[skc.skc_state] or ("UNKNOWN_TCP_STATE_" .. skc.skc_state)) .. ")"
    end
    info.name = name
  elseif fam == 16 then
    info.node = tostring(inode.i_ino)
    info.name = NETLINK[sk.sk_protocol] or tostring(sk.sk_protocol)
  else
    info.name = "protocol: " .. (sk.sk_prot and sk.sk_prot.name:string_() or "?")
  end
  return info
end
M.socket_info = socket_info

-- }======

-- {====== lsof ======

local S = fs

-- lsof's view of one opened object (process_proc_node): TYPE, DEVICE,
-- SIZE/OFF, NODE, NAME
local function node_info(file, path_obj, name, is_fd)
  local d = path_obj.dentry
  local inode = d.d_inode
  local r = { type = "unknown", dev = "", szoff = "", node = "", name = name }
  if inode == nil then return r end
  local mode = inode.i_mode
  local fmt = mode & 0xf000
  local sdev = inode.i_sb.s_dev
  local devs = string.format("%d,%d", fs.major(sdev), fs.minor(sdev))
  local ino = inode.i_ino
  r.dev, r.node = devs, tostring(ino)
  local pos = file and file.f_pos or 0
  if fmt == S.S_IFSOCK then
    local si = socket_info(file, inode)
    r.type, r.dev, r.node, r.name = si.type, si.dev, si.node, si.name
    r.szoff = "0t" .. pos
    return r
  end
  if fmt == S.S_IFCHR or fmt == S.S_IFBLK then
    local rdev = inode.i_rdev
    r.dev = string.format("%d,%d", fs.major(rdev), fs.minor(rdev))
    r.type = fmt == S.S_IFCHR and "CHR" or "BLK"
    r.szoff = "0t" .. pos
  elseif fmt == S.S_IFIFO then
    r.type = "FIFO"
    r.szoff = "0t" .. pos
    if name:match("^pipe:%[") then r.name = "pipe" end
  elseif fmt == S.S_IFDIR then
    r.type = "DIR"; r.szoff = tostring(inode.i_size)
  elseif fmt == S.S_IFREG then
    r.type = "REG"; r.szoff = tostring(inode.i_size)
  elseif fmt == S.S_IFLNK then
    r.type = "LINK"; r.szoff = tostring(inode.i_size)
  elseif fmt == 0 and name:match("^anon_inode:") then
    r.type = "a_inode"; r.szoff = tostring(inode.i_size)
    r.name = name:sub(12)
  else
    r.type = string.format("%04o", fmt >> 12)
    r.szoff = tostring(inode.i_size)
  end
  -- offsets longer than 8 digits are printed in hex (OFFDECDIG)
  if r.szoff:sub(1, 2) == "0t" and #r.szoff > 10 then r.szoff = string.format("0x%x", pos) end
  return r
end

local function access_char(file)
  local m = file.f_mode
  local rd, wr = m & 1 ~= 0, m & 2 ~= 0
  if rd and wr then return "u" elseif wr then return "w" elseif rd then return "r" end
  return " "
end

-- lsof's names.  On a big machine thousands of processes share their cwd,
-- root, binary and libraries, and d_path of a (dentry, vfsmount) is the
-- same for every task (one reader's root): lsof() sets `dpath_memo` for its
-- run, so each is walked once (a third of lsof's 7.9 G instructions on a
-- 3,197-task dump was d_path done again).
local dpath_memo
local function path_name(p, rd, rm)
  if dpath_memo == nil then return fs.d_path(p, rd, rm) end
  local d, m = pval(p.dentry), pval(p:member_("mnt"))
  local by_mnt = dpath_memo[d]
  if by_mnt == nil then
    by_mnt = {}
    dpath_memo[d] = by_mnt
  end
  local name = by_mnt[m]
  if name == nil then
    name = fs.d_path(p, rd, rm)
    by_mnt[m] = name
  end
  return name
end

-- the entries lsof lists for a process/thread: cwd, rtd, txt, mem, fds
local function task_entries(t)
  local ents = {}
  local rd, rm = reader_root()
  local fsx = t.fs
  local function path_entry(fdname, p)
    local name = path_name(p, rd, rm)
    local r = node_info(nil, p, name, false)
    r.fd, r.mode, r.lock = fdname, " ", " "
    ents[#ents + 1] = r
  end
  if fsx ~= nil then
    path_entry("cwd", fsx.pwd)
    path_entry("rtd", fsx.root)
  else
    ents[#ents + 1] = { fd = "cwd", mode = " ", lock = " ", type = "unknown", dev = "", szoff = "",
                        node = "", name = "/proc/" .. t.tgid .. "/cwd (readlink: No such file or directory)" }
    ents[#ents + 1] = { fd = "rtd", mode = " ", lock = " ", type = "unknown", dev = "", szoff = "",
                        node = "", name = "/proc/" .. t.tgid .. "/root (readlink: No such file or directory)" }
  end
  local mm = t.mm
  local exe_key
  if mm ~= nil and mm.exe_file ~= nil then
    local f = mm.exe_file
    local name = path_name(f.f_path, rd, rm)
    local r = node_info(nil, f.f_path, name, false)
    r.fd, r.mode, r.lock = "txt", " ", " "
    ents[#ents + 1] = r
    exe_key = r.dev .. ":" .. r.node
  else
    ents[#ents + 1] = { fd = "txt", mode = " ", lock = " ", type = "unknown", dev = "", szoff = "",
                        node = "", name = "/proc/" .. t.tgid .. "/exe" }
  end
  if mm ~= nil then
    -- mapped files (process_proc_map): once per device/inode, not the txt
    local seen = {}
    if exe_key then seen[exe_key] = true end
    local ok, vmas = pcall(function() return require("kernel.files").vmas(mm) end)
    if ok then
      for _, v in ipairs(vmas) do
        local f = v.vm_file
        if f ~= nil then
          local name = path_name(f.f_path, rd, rm)
          local r = node_info(nil, f.f_path, name, false)
          local key = r.dev .. ":" .. r.node
          if not seen[key] then
            seen[key] = true
            r.fd, r.mode, r.lock = "mem", " ", " "
            if name:match(" %(deleted%)$") then
              r.fd = "DEL"; r.name = name:gsub(" %(deleted%)$", "")
            end
            r.type = r.type == "REG" and "REG" or r.type
            ents[#ents + 1] = r
          end
        end
      end
    end
  end
  local fds = M.fds(t)
  for _, e in ipairs(fds or {}) do
    local name = path_name(e.file.f_path, rd, rm)
    local r = node_info(e.file, e.file.f_path, name, true)
    r.fd, r.mode, r.lock = tostring(e.fd), access_char(e.file), " "
    ents[#ents + 1] = r
  end
  return ents
end

-- VMAs of an mm in address order (6.1: maple tree mm_mt; older: mmap list)
function M.vmas(mm)
  local out = {}
  if has_member("struct mm_struct", "mmap") then
    local v = mm.mmap
    while v ~= nil do out[#out + 1] = v; v = v.vm_next end
    return out
  end
  -- 6.1 "mm: remove the vma linked list": a maple tree indexed by address
  require("kernel.maple").each(mm.mm_mt, function(_, _, e)
    if (e & 3) == 0 then out[#out + 1] = kd.object("struct vm_area_struct", e) end
  end)
  return out
end

-- the text of lsof(), with dpath_memo set
local function lsof_text()
  local rows = {}
  local threads = false
  for p in kd.tasks() do
    if task.is_leader(p) then
      local ok, ents = pcall(task_entries, p)
      local uid = task.euid(p)
      local cmd = task.comm(p):sub(1, 9)
      local function add(tid, tcmd, list)
        for _, e in ipairs(list) do
          rows[#rows + 1] = { cmd = cmd, pid = p.tgid, tid = tid, tcmd = tcmd, uid = uid, e = e }
        end
      end
      if ok then
        add(nil, nil, ents)
        for th in task.threads(p) do
          if pval(th) ~= pval(p) then
            threads = true
            local ok2, tents = pcall(task_entries, th)
            if ok2 then add(th.pid, task.comm(th):sub(1, 9), tents) end
          end
        end
      end
    end
  end
  local W = { cmd = 7, pid = 3, tid = 3, tcmd = 7, user = 4, fd = 4, type = 4, dev = 6, szoff = 8, node = 4 }
  for _, r in ipairs(rows) do
    local e = r.e
    W.cmd = math.max(W.cmd, #r.cmd)
    W.pid = math.max(W.pid, #tostring(r.pid))
    if r.tid then W.tid = math.max(W.tid, #tostring(r.tid)); W.tcmd = math.max(W.tcmd, #r.tcmd) end
    W.user = math.max(W.user, #tostring(r.uid))
    local fdc = e.fd .. ((e.lock == " ") and e.mode or (e.mode == " " and "-" or e.mode)) .. e.lock
    W.fd = math.max(W.fd, #fdc)
    W.type = math.max(W.type, #e.type)
    W.dev = math.max(W.dev, #e.dev)
    W.szoff = math.max(W.szoff, #e.szoff)
    W.node = math.max(W.node, #e.node)
  end
  local out = {}
  local function pad(s, w, left) if left then return s .. string.rep(" ", w - #s) end return string.rep(" ", w - #s) .. s end
  local hdr = pad("COMMAND", W.cmd, true) .. " " .. pad("PID", W.pid)
  if threads then hdr = hdr .. " " .. pad("TID", W.tid) .. " " .. pad("TASKCMD", W.tcmd, true) end
  hdr = hdr .. " " .. pad("USER", W.user) .. " " .. pad("FD", W.fd - 2) .. "   " .. pad("TYPE", W.type) ..
        " " .. pad("DEVICE", W.dev) .. " " .. pad("SIZE/OFF", W.szoff) .. " " .. pad("NODE", W.node) .. " NAME\n"
  out[1] = hdr
  for _, r in ipairs(rows) do
    local e = r.e
    local line = pad(r.cmd, W.cmd, true) .. " " .. pad(tostring(r.pid), W.pid)
    if threads then
      line = line .. " " .. pad(r.tid and tostring(r.tid) or "", W.tid) .. " " .. pad(r.tcmd or "", W.tcmd, true)
    end
    local acc = (e.lock == " ") and e.mode or (e.mode == " " and "-" or e.mode)
    line = line .. " " .. pad(tostring(r.uid), W.user) .. " " .. pad(e.fd, W.fd - 2) .. acc .. e.lock ..
           " " .. pad(e.type, W.type) .. " " .. pad(e.dev, W.dev) .. " " .. pad(e.szoff, W.szoff) ..
           " " .. pad(e.node, W.node) .. " " .. e.name .. "\n"
    out[#out + 1] = line
  end
  return table.concat(out)
end

-- lsof -b +M -n -l -c '': every process and (TID, TASKCMD) every other
-- thread, columns sized to their widest cell (two passes, as lsof)
function M.lsof()
  dpath_memo = {}
  local ok, out = pcall(lsof_text)
  dpath_memo = nil
  if not ok then error(out, 0) end
  return out
end

-- }======

-- {====== file locks ======

local FL = { POSIX = 1, FLOCK = 2, DELEG = 4, ACCESS = 8, LEASE = 32, DOWNGRADE_PENDING = 256,
             UNLOCK_PENDING = 512, OFDLCK = 1024, LAYOUT = 2048 }
M.FL = FL
local OFFSET_MAX = math.maxinteger

-- fields of a lock (6.1 struct file_lock; 6.9+ struct file_lock_core flc_*)
local function lk(fl, f)
  if has_member("struct file_lock", "fl_" .. f) then return fl["fl_" .. f] end
  return fl.c["flc_" .. f]
end

-- the locks in the global per-CPU file_lock_list (locks_start/locks_next)
local function all_locks()
  local out = {}
  local link = has_member("struct file_lock", "fl_link") and "fl_link" or "c.flc_link"
  for _, cpu in ipairs(kd.cpus("possible")) do
    local l = kd.per_cpu("file_lock_list", cpu)
    for fl in kd.hlist(l.hlist, "struct file_lock", link) do out[#out + 1] = fl end
  end
  return out
end

-- lock_get_status(); returns the line text and the fields
local function lock_status(fl, id, level, pid_alive)
  local flags = lk(fl, "flags")
  local file = lk(fl, "file")
  local inode = file and file.f_inode or nil
  local s = { id .. ": " }
  if level > 0 then s[#s + 1] = string.rep(" ", level - 1) .. "-> " end
  -- IS_LEASE(): leases, NFSv4 delegations (nfsd's are FL_DELEG alone) and
  -- pNFS layouts; 6.9+ keeps them in a struct file_lease, whose
  -- file_lock_core comes first as in struct file_lock
  local is_posix, is_flock = flags & FL.POSIX ~= 0, flags & FL.FLOCK ~= 0
  local is_lease = flags & (FL.LEASE | FL.DELEG | FL.LAYOUT) ~= 0
  if is_posix then
    if flags & FL.ACCESS ~= 0 then s[#s + 1] = "ACCESS"
    elseif flags & FL.OFDLCK ~= 0 then s[#s + 1] = "OFDLCK"
    else s[#s + 1] = "POSIX " end
    s[#s + 1] = inode == nil and " *NOINODE* " or " ADVISORY  "
  elseif is_flock then s[#s + 1] = "FLOCK  ADVISORY  "
  elseif is_lease then
    s[#s + 1] = flags & FL.DELEG ~= 0 and "DELEG  " or "LEASE  "
    if flags & (FL.UNLOCK_PENDING | FL.DOWNGRADE_PENDING) ~= 0 then s[#s + 1] = "BREAKING  "
    elseif file then s[#s + 1] = "ACTIVE    " else s[#s + 1] = "BREAKER   " end
  else s[#s + 1] = "UNKNOWN UNKNOWN  " end
  local ty = lk(fl, "type")
  if is_lease then
    if flags & FL.UNLOCK_PENDING ~= 0 then ty = 2 elseif flags & FL.DOWNGRADE_PENDING ~= 0 then ty = 0 end
  end
  s[#s + 1] = (ty == 1 and "WRITE" or ty == 0 and "READ" or "UNLCK") .. " "
  -- locks_translate_pid(): OFD locks -1; remote (<= 0) as is; else the pid
  -- in the reader's (init) namespace, 0 when that pid is gone
  local fpid = lk(fl, "pid")
  local shown
  if flags & FL.OFDLCK ~= 0 then shown = -1
  elseif fpid <= 0 then shown = fpid
  else shown = pid_alive[fpid] and fpid or 0 end
  if inode then
    local dev = inode.i_sb.s_dev
    s[#s + 1] = string.format("%d %02x:%02x:%d ", shown, fs.major(dev), fs.minor(dev), inode.i_ino)
  else
    s[#s + 1] = string.format("%d <none>:0 ", shown)
  end
  if is_posix then
    local st, en = fl.fl_start, fl.fl_end        -- still in struct file_lock on 6.9+
    if en == OFFSET_MAX then s[#s + 1] = st .. " EOF\n" else s[#s + 1] = st .. " " .. en .. "\n" end
  else
    s[#s + 1] = "0 EOF\n"
  end
  return table.concat(s), shown
end

-- /proc/locks
function M.proc_locks()
  local alive = {}
  for t in kd.tasks() do alive[t.pid] = true end
  local out = {}
  local id = 0
  -- 6.9+: the list heads live in the embedded struct file_lock_core c
  local core = not has_member("struct file_lock", "fl_blocked_requests")
  local blocked_head = core and "flc_blocked_requests" or "fl_blocked_requests"
  local blocked_member = core and "c.flc_blocked_member" or "fl_blocked_member"
  for _, top in ipairs(all_locks()) do
    id = id + 1
    local _, shown = lock_status(top, id, 0, alive)
    if shown ~= 0 then
      -- depth-first over fl_blocked_requests (locks_show's tree walk)
      local function walk(fl, level)
        out[#out + 1] = (lock_status(fl, id, level, alive))
        local head = core and fl.c[blocked_head] or fl[blocked_head]
        for w in kd.list(head, "struct file_lock", blocked_member) do
          walk(w, level + 1)
        end
      end
      walk(top, 0)
    end
  end
  return table.concat(out)
end

-- lslocks (COMMAND PID TYPE SIZE MODE M START END PATH), from the lines
-- of /proc/locks (reverse order, as lslocks' list_add builds it)
function M.lslocks()
  local text = M.proc_locks()
  local by_pid = task.by_pid()
  local rows = {}
  for line in text:gmatch("[^\n]+") do
    local toks = {}
    for tk in line:gmatch("%S+") do toks[#toks + 1] = tk end
    local i = 2
    local blocked = false
    if toks[2] == "->" then blocked = true; i = 3 end
    local ltype, mand, mode, pid, devino, st, en = toks[i], toks[i + 1], toks[i + 2], tonumber(toks[i + 3]),
      toks[i + 4], toks[i + 5], toks[i + 6]
    local ino = tonumber((devino or ""):match(":(%d+)$"))
    local cmd = pid and pid > 0 and (by_pid[pid] and task.comm(by_pid[pid]) or "(unknown)") or "(undefined)"
    local path, size = nil, nil
    local t = pid and by_pid[pid]
    if t and ino then
      for _, e in ipairs(M.fds(t) or {}) do
        local inode = e.file.f_inode
        if inode and inode.i_ino == ino then
          path = M.file_name(e.file); size = inode.i_size
          break
        end
      end
    end
    if path == nil then path = "" end
    table.insert(rows, 1, { cmd, tostring(pid), ltype, size and size > 0 and require("kernel.block").human(size) or "",
      mode .. (blocked and "*" or ""), mand:sub(1, 1) == "M" and "1" or "0",
      st == "EOF" and "0" or st, en == "EOF" and "0" or en, path })
  end
  local mount = require("kernel.mount")
  return mount.table_text({ "COMMAND", "PID", "TYPE", "SIZE", "MODE", "M", "START", "END", "PATH" }, rows,
    { [2] = true, [3] = true, [4] = true, [7] = true, [8] = true })
end

-- }======

return M
