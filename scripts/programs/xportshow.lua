-- kdlua xportshow: sockets with their processes, network interfaces and routes
--
-- Everything comes from the networking libraries the report uses
-- (kernel/net.lua, net_proc.lua, net_ip.lua); their branches cover the
-- kernel changes (dev_addr array -> pointer in 5.17, dev_index_head ->
-- dev_by_index xarray in 6.6, per-netns tcp hashinfo in 6.1, ...).

local program = require("program")

local TCP_STATES = { "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT",
  "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV" }
local UNIX_TYPES = { [1] = "STREAM", [2] = "DGRAM", [3] = "RAW", [5] = "SEQPACKET" }
local KINDS = { "tcp", "udp", "raw", "unix" }

return program.define{
  name = "xportshow",
  usage = "[--kind tcp|udp|raw|unix]... [--state STATE]... [--port N] [--no-interfaces] [--no-routes]",
  description = [[
Sockets of every network namespace: TCP (with TIME-WAIT and pending
connections), UDP, raw and UNIX, with state, local and remote address,
receive/send queues, inode and the processes holding them (pid/comm:fd);
then each namespace's interfaces with their addresses and its routes.]],
  options = {
    { "--kind", arg = "KIND", multi = true, choices = KINDS, help = "only these socket kinds" },
    { "--state", arg = "STATE", multi = true, help = "only sockets in this state (LISTEN, ESTABLISHED, TIME_WAIT, ...)" },
    { "--port", arg = "N", number = true, help = "only sockets with this local or remote port" },
    { "--no-interfaces", help = "leave the interfaces out" },
    { "--no-routes", help = "leave the routes out" },
  },
  run = function(p, opts)
    local net = require("kernel.net")
    local np = require("kernel.net_proc")
    local kinds = {}
    for _, k in ipairs(opts.kind or KINDS) do kinds[k] = true end
    local want_state = nil
    if opts.state then
      want_state = {}
      for _, s in ipairs(opts.state) do want_state[s:upper():gsub("-", "_")] = true end
    end

    local owners = p:try("socket owners", net.socket_owners) or {}
    local function owner_text(ino)
      local l = owners[ino]
      if not l or #l == 0 then return "-", {} end
      local parts, data = {}, {}
      for i, o in ipairs(l) do
        if i <= 3 then parts[#parts + 1] = string.format("%d/%s:%d", o.pid, o.comm, o.fd) end
        data[#data + 1] = { pid = o.pid, comm = o.comm, fd = o.fd }
      end
      if #l > 3 then parts[#parts + 1] = string.format("+%d", #l - 3) end
      return table.concat(parts, ","), data
    end

    local function ep(f, which)
      local port = which == "local" and f.sport or f.dport
      if f.family == 10 then
        local b = which == "local" and f.v6_rcv_saddr or f.v6_daddr
        return "[" .. net.ip6(b) .. "]:" .. port
      end
      return net.ip4(which == "local" and f.rcv_saddr or f.daddr) .. ":" .. port
    end

    local all_ns = net.namespaces()
    -- the processes in each namespace (nsproxy->net_ns of thread-group leaders)
    local procs_in = {}
    p:try("processes per namespace", function()
      local task = require("kernel.task")
      for _, t in ipairs(task.processes()) do
        local nsp = t.nsproxy
        if nsp ~= nil then
          local k = kd.addr(nsp.net_ns)
          local l = procs_in[k] or {}
          procs_in[k] = l
          l[#l + 1] = { pid = t.pid, comm = task.comm(t) }
        end
      end
    end)
    local init_addr = kd.addr(net.init_net())
    local ns_data = {}
    local totals = {}
    for _, n in ipairs(all_ns) do
      local inum = net.net_inum(n)
      local label = kd.addr(n) == init_addr and string.format("net:[%d] (init_net)", inum)
        or string.format("net:[%d]", inum)
      local rows, socks = {}, {}
      local function add(proto, state, f, lq, laddr, raddr, ino, extra)
        if want_state and not want_state[state] then return end
        if opts.port and f.sport ~= opts.port and f.dport ~= opts.port then return end
        local own, odata = owner_text(ino or 0)
        rows[#rows + 1] = { proto, state, laddr, raddr, lq[1], lq[2], ino or 0, own }
        local s = { proto = proto, state = state, ["local"] = laddr, remote = raddr,
                    recv_q = lq[1], send_q = lq[2], inode = ino or 0, owners = odata,
                    sock = string.format("0x%x", f.addr) }
        if extra then for k, v in pairs(extra) do s[k] = v end end
        socks[#socks + 1] = s
        totals[proto .. " " .. state] = (totals[proto .. " " .. state] or 0) + 1
      end
      if kinds.tcp then
        for _, fam in ipairs({ 2, 10 }) do
          local ents = p:try(label .. " tcp" .. (fam == 10 and "6" or ""), np.tcp_entries, n, fam) or {}
          local proto = fam == 10 and "tcp6" or "tcp"
          for _, f in ipairs(ents) do
            local state = TCP_STATES[f.state] or tostring(f.state)
            if f.kind == "tw" then state = "TIME_WAIT" end
            local extra
            if f.state == 10 and f.kind ~= "tw" and f.kind ~= "req" then
              local ok, maxq = pcall(function() return kd.object("struct sock", f.addr).sk_max_ack_backlog end)
              if ok then
                extra = { accept_backlog = f.rx_queue, accept_max = maxq }
                if f.rx_queue > maxq then
                  p:warning(string.format("%s %s: accept queue overflowing (%d > backlog %d)", proto,
                    ep(f, "local"), f.rx_queue, maxq))
                end
              end
            end
            add(proto, state, f, { f.rx_queue or 0, f.tx_queue or 0 }, ep(f, "local"), ep(f, "remote"),
              f.inode, extra)
          end
        end
      end
      if kinds.udp then
        for _, fam in ipairs({ 2, 10 }) do
          local ents = p:try(label .. " udp", np.udp_entries, n, fam) or {}
          local proto = fam == 10 and "udp6" or "udp"
          for _, f in ipairs(ents) do
            local state = f.state == 1 and "ESTABLISHED" or (f.state == 7 and "UNCONN" or (TCP_STATES[f.state] or tostring(f.state)))
            add(proto, state, f, { f.rx_queue, f.tx_queue }, ep(f, "local"), ep(f, "remote"), f.inode,
              f.drops and f.drops ~= 0 and { drops = f.drops } or nil)
          end
        end
      end
      if kinds.raw then
        for _, fam in ipairs({ 2, 10 }) do
          local ents = p:try(label .. " raw", np.raw_entries, n, fam) or {}
          local proto = fam == 10 and "raw6" or "raw"
          for _, f in ipairs(ents) do
            local state = f.state == 1 and "ESTABLISHED" or (f.state == 7 and "UNCONN" or tostring(f.state))
            add(proto, state, f, { f.rx_queue, f.tx_queue }, ep(f, "local"), ep(f, "remote"), f.inode)
          end
        end
      end
      if kinds.unix then
        local ents = p:try(label .. " unix", np.unix_entries, n) or {}
        local ino_of = {}
        for _, f in ipairs(ents) do ino_of[f.addr] = f.inode end
        for _, f in ipairs(ents) do
          local state
          if f.flags ~= 0 then state = "LISTEN"
          elseif f.ss == 3 then state = "CONNECTED"
          elseif f.ss == 2 then state = "CONNECTING"
          elseif f.ss == 4 then state = "DISCONNECTING"
          else state = "UNCONN" end
          local proto = "unix_" .. (UNIX_TYPES[f.type] or tostring(f.type)):lower()
          f.sport, f.dport = nil, nil
          if not opts.port then
            local peer = "-"
            if f.peer ~= 0 then
              peer = ino_of[f.peer] and ("peer inode " .. ino_of[f.peer]) or string.format("peer 0x%x", f.peer)
            end
            add(proto, state, f, { "-", "-" }, f.path or "-", peer, f.inode)
          end
        end
      end
      local dev_data, route_text = {}, nil
      if not opts.no_interfaces then
        for _, dev in ipairs(p:try(label .. " interfaces", net.devices, n) or {}) do
          local ok, d = pcall(function()
            local flags = net.dev_get_flags(dev)
            local addrs = {}
            for _, a in ipairs(net.inet_addrs(dev)) do addrs[#addrs + 1] = net.ip4(a.local_) .. "/" .. a.prefixlen end
            for _, a in ipairs(net.inet6_addrs(dev)) do addrs[#addrs + 1] = net.ip6(a.addr) .. "/" .. a.prefixlen end
            return { index = dev.ifindex, name = net.devname(dev), up = (flags & 1) == 1,
                     running = (flags & 0x40) == 0x40, mtu = dev.mtu, mac = (select(2, pcall(net.dev_addr, dev))),
                     kind = net.dev_kind(dev), addresses = addrs }
          end)
          if ok then dev_data[#dev_data + 1] = d
          else p:error(label .. " interface: " .. program.errmsg(d)) end
        end
      end
      if not opts.no_routes then
        local nip = require("kernel.net_ip")
        local r4 = p:try(label .. " IPv4 routes", nip.ip_route_all, n) or ""
        local r6 = p:try(label .. " IPv6 routes", nip.ip6_route_all, n) or ""
        route_text = r4 .. r6
      end

      local users = procs_in[kd.addr(n)] or {}
      p:section(string.format("Network namespace %s: %d socket(s), %d process(es)", label, #rows, #users))
      if #users > 0 and kd.addr(n) ~= init_addr then
        local names = {}
        for i, u in ipairs(users) do
          if i > 8 then names[#names + 1] = "..." break end
          names[#names + 1] = u.pid .. "/" .. u.comm
        end
        p:line("processes: %s", table.concat(names, " "))
      end
      if #rows > 0 then
        p:table({ { "PROTO" }, { "STATE" }, { "LOCAL" }, { "REMOTE" }, { "RECV-Q", align = "right" },
                  { "SEND-Q", align = "right" }, { "INODE", align = "right" }, { "PROCESS" } }, rows)
      end
      if #dev_data > 0 then
        p:line("")
        p:line("interfaces:")
        local irows = {}
        for _, d in ipairs(dev_data) do
          irows[#irows + 1] = { d.index, d.name, (d.up and "UP" or "DOWN") .. (d.up and not d.running and ",NO-CARRIER" or ""),
            d.mtu, d.mac ~= "" and d.mac or "-", d.kind or "-", table.concat(d.addresses, " ") }
        end
        p:table({ { "IDX", align = "right" }, { "NAME" }, { "STATE" }, { "MTU", align = "right" }, { "MAC" },
                  { "KIND" }, { "ADDRESSES" } }, irows, { indent = "  " })
      end
      if route_text and route_text ~= "" then
        p:line("")
        p:line("routes (ip route show table all; ip -6 route show table all):")
        for l in route_text:gmatch("[^\n]+") do p:line("  %s", l) end
      end
      local routes = {}
      for l in (route_text or ""):gmatch("[^\n]+") do routes[#routes + 1] = l end
      ns_data[#ns_data + 1] = { inum = inum, init = kd.addr(n) == init_addr, sockets = socks, processes = users,
                                interfaces = dev_data, routes = routes }
    end
    p:set("namespaces", ns_data)
    p:set("totals", totals)
    -- the summary of states
    p:section("Socket states")
    local keys = {}
    for k in pairs(totals) do keys[#keys + 1] = k end
    table.sort(keys)
    local trows = {}
    for _, k in ipairs(keys) do
      local proto, st = k:match("^(%S+) (.*)$")
      trows[#trows + 1] = { proto, st, totals[k] }
    end
    p:table({ { "PROTO" }, { "STATE" }, { "COUNT", align = "right" } }, trows, { indent = "  " })
  end,
}
