-- kdlua hanginfo: blocked tasks grouped by stack, how long, and what they wait on
--
-- Tasks: every D-state task, sleeping tasks queued on a mutex, rw_semaphore
-- or semaphore, and (--min-blocked SEC) any sleeping task off the CPU that
-- long. Grouped by identical stack (kd.stack_trace; by wchan when this
-- kdlua has no unwinder). What each waits on comes from kernel/hungtask.lua
-- (waiter structures and bios on the task's own stack).
--
-- Kernel differences handled (by probing, never by version):
--   task_struct.state -> __state (5.14)                  kernel/task.lua
--   bio.bi_disk -> bio.bi_bdev (5.15)                    kernel/hungtask.lua
--   mapped_device names: dm-ioctl hash -> rbtree (5.16)  kernel/dm.lua
--   sb_writers.frozen and percpu rw_sem[] (4.x+)         kernel/hungtask.lua

local program = require("program")

-- tasks listed per group in the text (the JSON has them all)
local ROWS_PER_GROUP = 20

local function hex(v) return string.format("0x%x", v) end

local function who(d)
  if d == nil then return "?" end
  if d.pid then
    return string.format("PID %d (%s, state %s)", d.pid, d.comm, d.state or "?")
  end
  return "task " .. hex(d.address or 0)
end

-- one line per wait
local function wait_text(w)
  if w.kind == "bio" then
    local dev = w.device
    if w.dm_name then
      dev = string.format("%s (device-mapper %s%s)", w.device, w.dm_name,
        w.dm_suspended and ", SUSPENDED" or "")
    end
    return string.format("%s of %d bytes at sector %d of %s %s (bio %s, completion %s)",
      w.op, w.bytes, w.sector, dev,
      w.dm_deferred and "held on the device's deferred list until it is resumed" or "in flight",
      hex(w.bio), w.end_io)
  elseif w.kind == "percpu_rw_semaphore" then
    local s = "percpu_rw_semaphore " .. hex(w.lock)
    if w.frozen_sb then
      s = s .. string.format(" of FROZEN superblock %s (%s, freeze level %d)", w.frozen_sb.id,
        w.frozen_sb.fstype, w.frozen_sb.level)
    end
    return s
  else
    local s = string.format("%s %s, waiter %d of %d", w.kind, hex(w.lock), w.position or 0, w.waiters or 0)
    if w.owner then
      s = s .. ", owner " .. who(w.owner)
    elseif w.kind ~= "semaphore" then
      s = s .. ", no owner recorded"
    end
    if w.reader_owned then s = s .. string.format(" (reader-owned, %d reader(s))", w.readers or 0) end
    return s
  end
end

return program.define{
  name = "hanginfo",
  usage = "[--min-blocked SEC] [--all]",
  description = [[
Tasks in D state (uninterruptible) and tasks queued on a lock, grouped by
identical stack, with how long each has been off the CPU (the scheduler's
clock at the crash) and, where the kernel's types allow, what each waits on:
the mutex / rw_semaphore / semaphore and its owner (followed when the owner
is blocked too), the percpu rw_semaphore of a frozen superblock, the bio in
flight and its device (device-mapper name and whether it is suspended).]],
  options = {
    { "--min-blocked", arg = "SEC", number = true,
      help = "also list sleeping (S) tasks off the CPU at least SEC seconds" },
    { "--all", help = "every task of every group in the text (default: the first " .. ROWS_PER_GROUP .. ")" },
  },
  run = function(p, opts)
    local task = require("kernel.task")
    local hung = require("kernel.hungtask")
    local timeout = hung.timeout()
    local min_ns = opts.min_blocked and math.floor(opts.min_blocked * 1e9) or nil

    -- the tasks: D (and long S with --min-blocked), plus lock waiters in S
    local list = hung.blocked({ min_sleep_ns = min_ns })
    local have = {}
    for _, b in ipairs(list) do have[b.pid] = true end
    for t in kd.tasks() do
      if not have[t.pid] then
        local ok, st = pcall(task.state_char, t)
        if ok and st == "S" then
          local okw, ws = pcall(hung.waits, t, nil, { locks_only = true })
          if okw then
            for _, w in ipairs(ws) do
              if w.kind ~= "bio" then
                list[#list + 1] = { task = t, pid = t.pid, tgid = task.tgid(t), comm = task.comm(t),
                                    state = st, off_cpu_ns = hung.off_cpu_ns(t), waits = ws }
                break
              end
            end
          end
        end
      end
    end

    -- stacks and waits of each
    local unwinder = kd.stack_trace ~= nil
    for _, b in ipairs(list) do
      local tr, why = program.stack(b.task)
      b.trace, b.trace_why = tr, why
      if b.waits == nil then
        b.waits = p:try("waits of PID " .. b.pid, hung.waits, b.task, tr) or {}
      end
      b.wchan = select(2, pcall(task.wchan, b.task))
      if type(b.wchan) ~= "string" then b.wchan = "?" end
      if tr then
        b.key = table.concat(program.frame_names(tr), " < ")
      else
        b.key = "wchan " .. b.wchan
      end
    end

    -- groups of identical stacks, biggest first, then longest blocked
    local groups, by_key = {}, {}
    for _, b in ipairs(list) do
      local g = by_key[b.key]
      if not g then
        g = { key = b.key, tasks = {}, trace = b.trace }
        by_key[b.key] = g
        groups[#groups + 1] = g
      end
      g.tasks[#g.tasks + 1] = b
    end
    local function has_d(g)
      for _, b in ipairs(g.tasks) do if b.state == "D" then return true end end
      return false
    end
    table.sort(groups, function(a, b)
      local da, db = has_d(a), has_d(b)
      if da ~= db then return da end
      if #a.tasks ~= #b.tasks then return #a.tasks > #b.tasks end
      return (a.tasks[1].off_cpu_ns or 0) > (b.tasks[1].off_cpu_ns or 0)
    end)

    local nd = 0
    for _, b in ipairs(list) do if b.state == "D" then nd = nd + 1 end end
    p:line("%d blocked task(s): %d in D state, %d other; %d group(s) by %s", #list, nd, #list - nd,
      #groups, unwinder and "stack" or "wchan (no unwinder)")
    p:line("hung_task_timeout_secs: %s", timeout and tostring(timeout) or "(no hung-task detector)")

    -- frozen superblocks, whoever waits on them
    local frozen = p:try("frozen superblocks", hung.frozen_superblocks) or {}
    if #frozen > 0 then
      p:section("Frozen filesystems")
      for _, sb in ipairs(frozen) do
        p:line("%s (%s): frozen, level %d", sb.id, sb.fstype, sb.level)
        p:warning(string.format("filesystem %s (%s) is frozen (level %d): writers block until it is thawed",
          sb.id, sb.fstype, sb.level))
      end
    end

    local by_pid = {}
    for _, b in ipairs(list) do by_pid[b.pid] = b end

    -- the chain of owners from a wait: owner blocked on a lock owned by ...
    -- the owner chain of a wait, as text lines, and whether it loops
    local function chain(w, pid)
      local links, deadlock, again = hung.owner_chain(w, pid, function(o)
        local ob = by_pid[o.pid]
        if ob then return ob.waits end
        local ok, ws = pcall(hung.waits, o.task)
        return ok and ws or {}
      end)
      local out = {}
      for _, l in ipairs(links) do
        out[#out + 1] = string.format("owner PID %d (%s) itself waits on %s", l.owner.pid, l.owner.comm,
          wait_text(l.wait))
      end
      if deadlock then out[#out + 1] = string.format("PID %d again: DEADLOCK", again.pid) end
      return out, deadlock
    end

    local data = {}
    for gi, g in ipairs(groups) do
      p:section(string.format("Group %d: %d task(s), %s", gi, #g.tasks,
        g.trace and ("in " .. (program.wait_point(g.trace) or "?")) or g.key))
      local rows = {}
      for i, b in ipairs(g.tasks) do
        if i > ROWS_PER_GROUP and not opts.all then
          rows[#rows + 1] = { "", "", string.format("... %d more (--all)", #g.tasks - ROWS_PER_GROUP), "", "", "" }
          break
        end
        rows[#rows + 1] = { b.pid, b.tgid, b.comm, b.state,
          b.off_cpu_ns and program.duration(b.off_cpu_ns / 1e9) or "?",
          b.checker_secs and (b.checker_secs .. "s") or "-" }
      end
      p:table({ { "PID", align = "right" }, { "TGID", align = "right" }, { "COMM" }, { "ST" },
                { "BLOCKED", align = "right" }, { "HUNG-CHECK", align = "right" } }, rows, { indent = "  " })
      p:line("  stack:")
      if g.trace then
        for _, l in ipairs(program.trace_lines(g.trace, "    ")) do p:print(l) end
      else
        p:line("    %s; wchan %s", g.tasks[1].trace_why or "(no trace)", g.tasks[1].wchan)
      end
      local gdata = { tasks = {}, stack = g.trace and program.frame_names(g.trace) or nil,
                      wchan = g.tasks[1].wchan }
      for _, b in ipairs(g.tasks) do
        local secs = b.off_cpu_ns and b.off_cpu_ns / 1e9
        local wlines, deadlock = {}, false
        for _, w in ipairs(b.waits) do
          wlines[#wlines + 1] = wait_text(w)
          local c, dl = chain(w, b.pid)
          for _, l in ipairs(c) do wlines[#wlines + 1] = "  " .. l end
          deadlock = deadlock or dl
        end
        if #wlines > 0 and (opts.all or #g.tasks <= ROWS_PER_GROUP or b.state == "D") then
          p:line("  PID %d waits on:", b.pid)
          for _, l in ipairs(wlines) do p:line("    %s", l) end
        end
        local what = #b.waits > 0 and wait_text(b.waits[1]) or ("in " .. b.wchan)
        local msg = string.format("PID %d (%s) blocked (%s) for %s: %s", b.pid, b.comm, b.state,
          secs and program.duration(secs) or "?", what)
        if deadlock then
          p:error("deadlock: " .. msg)
        elseif b.state == "D" then
          p:warning(msg)
        end
        if b.state == "D" and timeout and timeout > 0 and secs and secs >= timeout then
          p:warning(string.format("PID %d (%s) in D state beyond hung_task_timeout_secs (%d s)",
            b.pid, b.comm, timeout))
        end
        for _, w in ipairs(b.waits) do
          if w.kind == "bio" and w.dm_suspended then
            p:warning(string.format("I/O of PID %d (%s) waits on suspended device-mapper device %s (%s): it completes only after `dmsetup resume %s`",
              b.pid, b.comm, w.dm_name, w.device, w.dm_name))
          end
        end
        gdata.tasks[#gdata.tasks + 1] = {
          pid = b.pid, tgid = b.tgid, comm = b.comm, state = b.state, blocked_seconds = secs,
          hung_task_checker_seconds = b.checker_secs, wchan = b.wchan, waits = b.waits,
          wait_text = wlines, deadlock = deadlock or nil,
        }
      end
      data[#data + 1] = gdata
    end
    if #list == 0 then
      p:line("")
      p:line("no blocked tasks")
    end
    -- task objects are not data; waits carry owner descriptions with them
    for _, g in ipairs(data) do
      for _, t in ipairs(g.tasks) do
        for _, w in ipairs(t.waits) do
          if w.owner then w.owner.task = nil end
          for _, k in ipairs({ "bio", "lock" }) do if w[k] then w[k] = hex(w[k]) end end
          if w.owner and w.owner.address then w.owner.address = hex(w.owner.address) end
        end
      end
    end
    p:set("groups", data)
    p:set("blocked_total", #list)
    p:set("d_state_total", nd)
    p:set("hung_task_timeout_secs", timeout)
    p:set("grouped_by", unwinder and "stack" or "wchan")
    local fz = {}
    for _, sb in ipairs(frozen) do fz[#fz + 1] = { id = sb.id, fstype = sb.fstype, level = sb.level } end
    p:set("frozen_superblocks", fz)
  end,
}
