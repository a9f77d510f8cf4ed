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

local SLOTS16 = "<" .. string.rep("i8", 16)

-- the open files of a task as a flat list fd, struct file address, fd,
-- address, ... in fd order (nil, reason when the task has no
-- files_struct: exited, zombie)
local fdt_reader
local function fd_files(t)
  if fdt_reader == nil then
    fdt_reader = kd.member_reader("struct task_struct", "files", "files->fdt->max_fds",
                                  "files->fdt->fd")
  end
  -- the table's size and array in one call (objects for files and fdt
  -- were a third of the walk's time on a 10,000-process dump)
  local files, max, arr = fdt_reader(t)
  if files == 0 then return nil, "task has no open-file table (exited or zombie)" end
  if max == nil then error("files_struct without an fdtable", 0) end
  local out = {}
  if max <= 0 or arr == 0 then return out end
  if max > 1 << 20 then error("fdtable max_fds " .. max .. " is implausible", 0) end
  -- the pointer array is read in one go and looked at 16 slots a call
  -- (most of a table is empty: 64 or more slots for a process with 3
  -- files)
  local raw = kd.read(arr, max * 8)
  local unpack = string.unpack
  local n = 0
  local fd = 0
  while fd < max do
    if max - fd >= 16 then
      local a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16 =
        unpack(SLOTS16, raw, fd * 8 + 1)
      if (a1 | a2 | a3 | a4 | a5 | a6 | a7 | a8 | a9 | a10 | a11 | a12 | a13 | a14 | a15 | a16) == 0 then
        fd = fd + 16
        goto next
      end
    end
    for _ = 1, math.min(16, max - fd) do
      local p = unpack("<i8", raw, fd * 8 + 1)
      if p ~= 0 then
        out[n + 1], out[n + 2] = fd, p
        n = n + 2
      end
      fd = fd + 1
    end
    ::next::
  end
  return out
end

-- the open files of a task: list of {fd=, file=} in fd order (nil, reason
-- when the task has no files_struct: exited, zombie)
function M.fds(t)
  local raw, why = fd_files(t)
  if raw == nil then return nil, why end
  local out = {}
  for i = 1, #raw, 2 do out[#out + 1] = { fd = raw[i], file = kd.object("struct file", raw[i + 1]) } end
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

-- {====== which processes hold which sockets ======

local owners_cache
-- socket inode -> list of {pid=, comm=, fd=, task=} from every thread
-- group leader's file table (as /proc/<pid>/fd of each process shows
-- them), and the number of processes whose table could not be read
-- (memoized: netstat -p and xportshow ask for it).  The one fd-table walk
-- (fd_files, lsof's) and a member reader a descriptor: no object a task,
-- file or socket.
function M.socket_owners()
  if owners_cache then return owners_cache.map, owners_cache.bad end
  local map, bad = {}, 0
  local sfops = kd.symbol_address("socket_file_ops")
  local file_reader = kd.member_reader("struct file", "f_op", "private_data")
  -- SOCKET_I(): the socket sits in a socket_alloc beside its inode
  local ino_reader = kd.member_reader("struct socket_alloc", "vfs_inode.i_ino")
  local socket_off = kd.member_offset("struct socket_alloc", "socket")
  local function add_owners(t)
    local fds = fd_files(t)
    if fds == nil then return end
    local pid, comm
    for i = 1, #fds, 2 do
      local f_op, so = file_reader(fds[i + 1])
      if f_op == sfops and so ~= 0 then
        local ino = ino_reader(so - socket_off)
        local l = map[ino]
        if not l then l = {}; map[ino] = l end
        if pid == nil then pid, comm = t.pid, t.comm:string_(16) end
        l[#l + 1] = { pid = pid, comm = comm, fd = fds[i], task = t }
      end
    end
  end
  local init = kd.symbol("init_task")
  for t in kd.list(init.tasks, "struct task_struct", "tasks") do
    if not pcall(add_owners, t) then bad = bad + 1 end
  end
  owners_cache = { map = map, bad = bad }
  return map, bad
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

-- lsof's view of one opened object (process_proc_node): an array
-- { TYPE, DEVICE, SIZE/OFF, NODE, NAME } (the report keeps tens of
-- thousands of these until the columns' widths are known: arrays, not
-- records)
local TYPE, DEV, SZOFF, NODE, NAME = 1, 2, 3, 4, 5

-- the members lsof reads of files, dentries, inodes and VMAs, each set in
-- one call by address (tens of thousands of files: no object a member)
local rd_file, rd_dentry, rd_inode, rd_sb, rd_vma
local function readers()
  if rd_file == nil then
    rd_file = kd.member_reader("struct file", "f_path.dentry", "f_path.mnt", "f_pos", "f_mode")
    rd_dentry = kd.member_reader("struct dentry", "d_inode")
    rd_inode = kd.member_reader("struct inode", "i_mode", "i_sb", "i_ino", "i_rdev", "i_size")
    rd_sb = kd.member_reader("struct super_block", "s_dev")
    rd_vma = kd.member_reader("struct vm_area_struct", "vm_file")
  end
end

-- node_info of the file at address f (nil: a path that is no open file,
-- position 0) whose dentry is at address d and whose name is `name`
local function node_info(f, d, name)
  local inode = rd_dentry(d)
  if inode == 0 then return { "unknown", "", "", "", name } end
  local mode, sb, ino, rdev, size = rd_inode(inode)
  local fmt = mode & 0xf000
  local sdev = rd_sb(sb)
  local ty, dev, szoff, node = "unknown", string.format("%d,%d", fs.major(sdev), fs.minor(sdev)), "", tostring(ino)
  local pos = 0
  if f then pos = select(3, rd_file(f)) end
  if fmt == S.S_IFSOCK then
    local si = socket_info(f and kd.object("struct file", f), kd.object("struct inode", inode))
    return { si.type, si.dev, "0t" .. pos, si.node, si.name }
  end
  if fmt == S.S_IFCHR or fmt == S.S_IFBLK then
    dev = string.format("%d,%d", fs.major(rdev), fs.minor(rdev))
    ty = fmt == S.S_IFCHR and "CHR" or "BLK"
    szoff = "0t" .. pos
  elseif fmt == S.S_IFIFO then
    ty = "FIFO"
    szoff = "0t" .. pos
    if name:match("^pipe:%[") then name = "pipe" end
  elseif fmt == S.S_IFDIR then
    ty = "DIR"; szoff = tostring(size)
  elseif fmt == S.S_IFREG then
    ty = "REG"; szoff = tostring(size)
  elseif fmt == S.S_IFLNK then
    ty = "LINK"; szoff = tostring(size)
  elseif fmt == 0 and name:match("^anon_inode:") then
    ty = "a_inode"; szoff = tostring(size)
    name = name:sub(12)
  else
    ty = string.format("%04o", fmt >> 12)
    szoff = tostring(size)
  end
  -- offsets longer than 8 digits are printed in hex (OFFDECDIG)
  if szoff:sub(1, 2) == "0t" and #szoff > 10 then szoff = string.format("0x%x", pos) end
  return { ty, dev, szoff, node, name }
end

-- lsof's FD access character of a file's f_mode
local function access_char_of(m)
  local rd, wr = m & 1 ~= 0, m & 2 ~= 0
  if rd and wr then return "u" elseif wr then return "w" elseif rd then return "r" end
  return " "
end

-- lsof's names.  On a big machine thousands of processes share their cwd,
-- root, binary and libraries, and d_path of a (dentry, vfsmount) is the
-- same for every task (one reader's root): lsof() sets `dpath_memo` for its
-- run, so each is walked once (a third of lsof's 7.9 G instructions on a
-- 3,197-task dump was d_path done again).  `info_memo` keeps the whole
-- entry of a path that is not an open file (cwd, rtd, txt, mem: its
-- inode's type, device, size and node), so those entries are one table
-- each, shared by every process that has them; `fd_infos` holds the
-- entries of open files by their cells, one table for each distinct line
-- tail.
local dpath_memo, info_memo, fd_infos
-- within lsof(): the mem/DEL entries of the last mm and the open-file
-- entries of the last files_struct (as pairs, see task_entries): a
-- process's threads come right after it and share both, and each thread's
-- lines repeated the leader's walk of the VMAs and of the fd table.  One
-- of each is kept ({key =, list =}), not every process's: a 10,000-process
-- dump would hold them all to the end of the listing
local mm_ents, files_ents
-- memo's table for dentry address d (keyed by vfsmount), made on first use
local function by_mount(memo, d)
  local t = memo[d]
  if t == nil then
    t = {}
    memo[d] = t
  end
  return t
end

-- the name of the path whose dentry and vfsmount are at addresses d, m;
-- path() gives the struct path object when it is not known yet
local function path_name(d, m, path, arg, rd, rm)
  local by_mnt = by_mount(dpath_memo, d)
  local name = by_mnt[m]
  if name == nil then
    name = fs.d_path(path(arg), rd, rm)
    by_mnt[m] = name
  end
  return name
end

-- the entry of a path that is no open file (node_info without a file),
-- and the path's name
local function path_info(d, m, path, arg, rd, rm)
  local by_mnt = by_mount(info_memo, d)
  local info = by_mnt[m]
  if info == nil then
    info = node_info(nil, d, path_name(d, m, path, arg, rd, rm))
    by_mnt[m] = info
  end
  return info, dpath_memo[d][m]
end

-- struct path objects for path_name/path_info
local function file_path(f) return kd.object("struct file", f).f_path end

local vma_addresses

-- the task_struct members task_entries starts from, in one call: its
-- fs_struct with the cwd's and root's (dentry, vfsmount), its mm and
-- binary, its tgid
local entry_reader
-- struct path objects of an fs_struct's cwd and root (for path_name)
local function fs_pwd(fsx) return kd.object("struct fs_struct", fsx).pwd end
local function fs_root(fsx) return kd.object("struct fs_struct", fsx).root end

-- the entries lsof lists for a process/thread (cwd, rtd, txt, mem, fds),
-- appended to `ents` as pairs: FD column text (the descriptor and its
-- access mode; lsof's lock character is always " " here), node_info
local function task_entries(t, ents)
  local rd, rm = reader_root()
  readers()
  if entry_reader == nil then
    entry_reader = kd.member_reader("struct task_struct", "fs", "fs->pwd.dentry", "fs->pwd.mnt",
      "fs->root.dentry", "fs->root.mnt", "mm", "mm->exe_file", "tgid", "files")
  end
  local fsx, pwd_d, pwd_m, root_d, root_m, mm, exe, tgid, files = entry_reader(t)
  local n = #ents
  local function add(fdm, info)
    ents[n + 1], ents[n + 2] = fdm, info
    n = n + 2
  end
  if fsx ~= 0 then
    add("cwd ", (path_info(pwd_d, pwd_m, fs_pwd, fsx, rd, rm)))
    add("rtd ", (path_info(root_d, root_m, fs_root, fsx, rd, rm)))
  else
    add("cwd ", { "unknown", "", "", "", "/proc/" .. tgid .. "/cwd (readlink: No such file or directory)" })
    add("rtd ", { "unknown", "", "", "", "/proc/" .. tgid .. "/root (readlink: No such file or directory)" })
  end
  local exe_key
  exe = mm ~= 0 and exe or 0
  if exe ~= 0 then
    local d, m = rd_file(exe)
    local info = path_info(d, m, file_path, exe, rd, rm)
    add("txt ", info)
    exe_key = info[DEV] .. ":" .. info[NODE]
  else
    add("txt ", { "unknown", "", "", "", "/proc/" .. tgid .. "/exe" })
  end
  local function again(memo, key)
    if not memo or memo.key ~= key then return false end
    local l = memo.list
    for i = 1, #l, 2 do add(l[i], l[i + 1]) end
    return true
  end
  local function keep(memo, key, from)
    if not memo then return end
    local l = {}
    for i = from + 1, n do l[#l + 1] = ents[i] end
    memo.key, memo.list = key, l
  end
  if mm ~= 0 and not again(mm_ents, mm) then
    local from = n
    -- mapped files (process_proc_map): once per device/inode, not the txt
    local seen = {}
    if exe_key then seen[exe_key] = true end
    local ok, vmas = pcall(vma_addresses, kd.object("struct mm_struct", mm))
    if ok then
      for _, v in ipairs(vmas) do
        local f = rd_vma(v)
        if f ~= 0 then
          local d, m = rd_file(f)
          local info, name = path_info(d, m, file_path, f, rd, rm)
          local key = info[DEV] .. ":" .. info[NODE]
          if not seen[key] then
            seen[key] = true
            if name:match(" %(deleted%)$") then
              add("DEL ", { info[TYPE], info[DEV], info[SZOFF], info[NODE], (name:gsub(" %(deleted%)$", "")) })
            else
              add("mem ", info)
            end
          end
        end
      end
      keep(mm_ents, mm, from)
    end
  end
  if files ~= 0 and again(files_ents, files) then return end
  local from = n
  local fds = fd_files(t)
  if fds then
    for i = 1, #fds, 2 do
      local fd, f = fds[i], fds[i + 1]
      local d, m, _, mode = rd_file(f)
      local name = path_name(d, m, file_path, f, rd, rm)
      local info = node_info(f, d, name)
      -- one table for the same cells (thousands of processes have
      -- /dev/null or a console open at the same offset)
      local key = table.concat(info, "\0")
      local same = fd_infos[key]
      if same then info = same else fd_infos[key] = info end
      add(tostring(fd) .. access_char_of(mode), info)
    end
    keep(files_ents, files, from)
  end
end

-- the addresses of an mm's VMAs in address order (6.1: maple tree mm_mt;
-- older: mmap list)
vma_addresses = function(mm)
  local out = {}
  if has_member("struct mm_struct", "mmap") then
    local v = mm.mmap
    while v ~= nil do out[#out + 1] = pval(v); v = v.vm_next end
    return out
  end
  -- 6.1 "mm: remove the vma linked list": a maple tree indexed by address
  local n = 0
  for _, e in ipairs(require("kernel.maple").entries(mm.mm_mt)) do
    if (e & 3) == 0 then n = n + 1; out[n] = e end
  end
  return out
end

-- VMAs of an mm in address order (6.1: maple tree mm_mt; older: mmap list)
function M.vmas(mm)
  local out = {}
  for i, v in ipairs(vma_addresses(mm)) do out[i] = kd.object("struct vm_area_struct", v) end
  return out
end

-- the text of lsof(), with dpath_memo and info_memo set.  Its columns are
-- as wide as their widest cell, so every line is known before the first
-- is written: the lines are kept as a flat list of (task, FD, entry)
-- triples, the task's cells held once per task, and widths grown as they
-- come (a 10,000-process dump has ~60,000 lines: one table per line and
-- per cell record was ~60 MiB of Lua heap)
local function lsof_text()
  local rows, nrows = {}, 0
  local threads = false
  local W = { cmd = 7, pid = 3, tid = 3, tcmd = 7, user = 4, fd = 2, type = 4, dev = 6, szoff = 8, node = 4 }
  local ents = {}
  local function add(trec, list)
    if #list > 0 then
      if #trec[1] > W.cmd then W.cmd = #trec[1] end
      if #trec[2] > W.pid then W.pid = #trec[2] end
      if trec[3] then
        if #trec[3] > W.tid then W.tid = #trec[3] end
        if #trec[4] > W.tcmd then W.tcmd = #trec[4] end
      end
      if #trec[5] > W.user then W.user = #trec[5] end
    end
    for i = 1, #list, 2 do
      local fdm, info = list[i], list[i + 1]
      -- fdm: the descriptor and the access mode, then the lock column
      if #fdm - 1 > W.fd then W.fd = #fdm - 1 end
      if #info[TYPE] > W.type then W.type = #info[TYPE] end
      if #info[DEV] > W.dev then W.dev = #info[DEV] end
      if #info[SZOFF] > W.szoff then W.szoff = #info[SZOFF] end
      if #info[NODE] > W.node then W.node = #info[NODE] end
      rows[nrows + 1], rows[nrows + 2], rows[nrows + 3] = trec, fdm, info
      nrows = nrows + 3
    end
  end
  -- a task's leader, effective uid, comm and tgid in one call (a kernel
  -- whose kuid_t has no .val: nil, then task.euid; no probe of struct
  -- cred by name, whose lookup loads ~16 MiB of type index)
  local head = kd.member_reader("struct task_struct", "group_leader", "real_cred->euid.val",
    "comm", "tgid")
  for p in kd.tasks() do
    local leader, euid, comm, tgid = head(p)
    if leader == kd.addr(p) then
      for i = #ents, 1, -1 do ents[i] = nil end
      local ok = pcall(task_entries, p, ents)
      local uid = tostring(euid or task.euid(p))
      local cmd = kd.read_string(comm, 16):sub(1, 9)
      local pid = tostring(tgid)
      if ok then
        add({ cmd, pid, false, false, uid }, ents)
        for th in task.threads(p) do
          if pval(th) ~= pval(p) then
            threads = true
            for i = #ents, 1, -1 do ents[i] = nil end
            if pcall(task_entries, th, ents) then
              add({ cmd, pid, tostring(th.pid), task.comm(th):sub(1, 9), uid }, ents)
            end
          end
        end
      end
    end
  end
  local spaces = setmetatable({}, { __index = function(t, k)
    local v = string.rep(" ", k)
    t[k] = v
    return v
  end })
  local function pad(s, w, left)
    if left then return s .. spaces[w - #s] end
    return spaces[w - #s] .. s
  end
  local hdr = pad("COMMAND", W.cmd, true) .. " " .. pad("PID", W.pid)
  if threads then hdr = hdr .. " " .. pad("TID", W.tid) .. " " .. pad("TASKCMD", W.tcmd, true) end
  hdr = hdr .. " " .. pad("USER", W.user) .. " " .. pad("FD", W.fd) .. "   " .. pad("TYPE", W.type) ..
        " " .. pad("DEVICE", W.dev) .. " " .. pad("SIZE/OFF", W.szoff) .. " " .. pad("NODE", W.node) .. " NAME\n"
  -- the text in chunks (textbuf: no table of every line), each task's
  -- cells and each shared entry's cells padded once
  local text = require("textbuf").new()
  text:add(hdr)
  local last_trec, prefix
  local tails = {}
  for i = 1, nrows, 3 do
    local trec, fdm, info = rows[i], rows[i + 1], rows[i + 2]
    rows[i], rows[i + 1], rows[i + 2] = false, false, false
    if trec ~= last_trec then
      last_trec = trec
      prefix = pad(trec[1], W.cmd, true) .. " " .. pad(trec[2], W.pid)
      if threads then
        prefix = prefix .. " " .. pad(trec[3] or "", W.tid) .. " " .. pad(trec[4] or "", W.tcmd, true)
      end
      prefix = prefix .. " " .. pad(trec[5], W.user) .. " "
    end
    local tail = tails[info]
    if tail == nil then
      tail = " " .. pad(info[TYPE], W.type) .. " " .. pad(info[DEV], W.dev) .. " " ..
             pad(info[SZOFF], W.szoff) .. " " .. pad(info[NODE], W.node) .. " " .. info[NAME] .. "\n"
      tails[info] = tail
    end
    text:add(prefix .. spaces[W.fd - #fdm + 1] .. fdm .. " " .. tail)
  end
  rows, tails = nil, nil
  return text:result()
end

-- lsof -b +M -n -l -c '': every process and (TID, TASKCMD) every other
-- thread, columns sized to their widest cell (two passes, as lsof)
function M.lsof()
  dpath_memo, info_memo, fd_infos, mm_ents, files_ents = {}, {}, {}, {}, {}
  local ok, out = pcall(lsof_text)
  dpath_memo, info_memo, fd_infos, mm_ents, files_ents = nil, nil, nil, nil, nil
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
  local locks = all_locks()
  -- the pids of live tasks, only when there is a lock to show (a machine
  -- of 10,000 tasks often has none)
  local alive = {}
  if #locks > 0 then
    for t in kd.tasks() do alive[t.pid] = true end
  end
  local out = {}
  local id = 0
  -- 6.9+: the list heads live in the embedded struct file_lock_core c
  local core = not has_member("struct file_lock", "fl_blocked_requests")
  local blocked_head = core and "flc_blocked_requests" or "fl_blocked_requests"
  local blocked_member = core and "c.flc_blocked_member" or "fl_blocked_member"
  for _, top in ipairs(locks) do
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
  local by_pid = text ~= "" and task.by_pid() or {}
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
