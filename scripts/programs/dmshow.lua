-- kdlua dmshow: device-mapper devices with their state, tables (targets) and the devices below them
--
-- Over kernel/dm.lua (the dm-ioctl name index: name_rb_tree since 5.16,
-- _name_buckets before; linear/striped target parameters decoded, other
-- target types named with their parameters marked undecoded).

local program = require("program")

return program.define{
  name = "dmshow",
  usage = "[--name NAME]",
  description = [[
Every device-mapper device at the time of the crash: name, dm-N, major:minor,
UUID, state (ACTIVE/SUSPENDED, read-only), open count, event number, its
live table (one line per target, as `dmsetup table` prints it) and the
devices below it (as `dmsetup deps`), with the name of each lower device
when it is a known block device. A suspended device with I/O waiting is a
WARNING (tasks blocked on it hang until it is resumed): bios that arrive at a
suspended device are deferred (md->deferred) before the block layer counts
them in flight.]],
  options = {
    { "--name", arg = "NAME", multi = true, help = "only this device" },
  },
  run = function(p, opts)
    local dm = require("kernel.dm")
    local okc, devs, why = pcall(dm.devices)
    if not okc then
      why = "cannot read: " .. program.errmsg(devs); devs = nil
    end
    if not devs then
      p:line("device-mapper: %s", why)
      p:set("present", false)
      p:set("reason", why)
      p:set("devices", {})
      if not why:match("^none present") then p:warning("device-mapper: " .. why) end
      return
    end
    if opts.name then
      local want = {}
      for _, n in ipairs(opts.name) do want[n] = true end
      local keep = {}
      for _, d in ipairs(devs) do if want[d.name] then keep[#keep + 1] = d end end
      devs = keep
    end
    p:set("present", true)
    if #devs == 0 then
      p:line("device-mapper: none present (no mapped devices)")
      p:set("devices", {})
      return
    end
    -- names of block devices by major:minor, for the lower devices
    local names = {}
    local okb, disks = pcall(require("kernel.block").disks)
    for _, d in ipairs(okb and disks or {}) do
      for _, part in ipairs(d.parts) do names[part.major .. ":" .. part.minor] = part.name end
    end
    local inflight = {}
    for _, d in ipairs(okb and disks or {}) do
      local okf, n = pcall(require("kernel.block").in_flight, d, d.part0)
      if okf then inflight[d.name] = n end
    end
    local out = {}
    p:line("%d device-mapper device(s)", #devs)
    for _, d in ipairs(devs) do
      local state = d.suspended and "SUSPENDED" or "ACTIVE"
      if d.read_only then state = state .. " (READ-ONLY)" end
      p:section(string.format("%s  (%s, %d:%d)", d.name, d.disk, d.major, d.minor))
      p:line("  uuid:        %s", d.uuid ~= "" and d.uuid or "-")
      p:line("  state:       %s", state)
      p:line("  open count:  %d    event: %d", d.open_count, d.event_nr)
      if inflight[d.disk] then p:line("  I/O in flight: %d", inflight[d.disk]) end
      if d.deferred then
        p:line("  deferred I/O:  %d bio(s) waiting for a resume", #d.deferred)
        for _, b in ipairs(d.deferred) do
          p:line("    bio 0x%x  end_io %s%s", b.bio, b.end_io or "?",
                 b.waiter and string.format("  waiter: pid %d (%s)", b.waiter.pid, b.waiter.comm) or "")
        end
      end
      local tables = d.live and (d.inactive and "live + inactive" or "live")
                     or (d.inactive and "inactive only" or "none")
      p:line("  tables:      %s", tables)
      local rec = { name = d.name, disk = d.disk, major = d.major, minor = d.minor, uuid = d.uuid,
                    suspended = d.suspended, read_only = d.read_only, open_count = d.open_count,
                    event_nr = d.event_nr, in_flight = inflight[d.disk], deferred = d.deferred,
                    live_table = d.live and d.live.targets or nil,
                    inactive_table = d.inactive and d.inactive.targets or nil, below = {} }
      if d.live then
        local rows = {}
        for _, t in ipairs(d.live.targets) do
          rows[#rows + 1] = { t.start, t.length, t.type, t.params or "(parameters not decoded)" }
        end
        p:table({ { "START", align = "right" }, { "LENGTH", align = "right" }, { "TARGET" }, { "PARAMETERS" } },
                rows, { indent = "    " })
        local below = {}
        for _, dep in ipairs(d.live.deps) do
          local key = dep.major .. ":" .. dep.minor
          below[#below + 1] = key .. (names[key] and (" (" .. names[key] .. ")") or "")
          rec.below[#rec.below + 1] = { major = dep.major, minor = dep.minor, name = names[key] }
        end
        p:line("  below:       %s", #below > 0 and table.concat(below, ", ") or "-")
      end
      local waiting = (inflight[d.disk] or 0) + (d.deferred and #d.deferred or 0)
      if d.suspended and waiting > 0 then
        local who = {}
        for _, b in ipairs(d.deferred or {}) do
          if b.waiter then who[#who + 1] = string.format("pid %d (%s)", b.waiter.pid, b.waiter.comm) end
        end
        p:warning(string.format("%s is suspended with %d I/O waiting: tasks waiting on it stay blocked "
                                .. "until it is resumed%s", d.name, waiting,
                                #who > 0 and ("; waiting: " .. table.concat(who, ", ")) or ""))
      elseif d.suspended then
        p:info(d.name .. " is suspended")
      end
      local u = dm.undecoded({ d })
      if #u > 0 then p:info(d.name .. ": parameters of target type(s) " .. table.concat(u, ", ") .. " not decoded") end
      out[#out + 1] = rec
    end
    p:set("devices", out)
  end,
}
