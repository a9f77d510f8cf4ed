-- report/cpus.lua: the CPU masks as user space saw them before the panic.
--
-- A panic without kdump stops the other CPUs with smp_send_stop(); each of
-- them runs stop_this_cpu() (x86; arm64: local_cpu_stop/ipi_cpu_stop),
-- which clears its bit in cpu_online_mask.  So the dump's online mask
-- holds the panicking CPU alone although every CPU was online until the
-- panic.  A CPU that is possible but not online, whose register note shows
-- it inside one of those functions, is counted online here; the raw masks
-- stay available from kd.cpus().  Notes map to CPUs by note order, so this
-- is done only when there is one note per possible CPU, or one per present
-- CPU (QEMU's dump-guest-memory writes a note per vCPU that exists: with
-- hot-pluggable CPUs, possible is larger than present).  (A kdump kernel
-- stops CPUs by NMI without touching the mask: nothing to undo.)

local M = {}

local STOP_FUNCS = { stop_this_cpu = true, local_cpu_stop = true, ipi_cpu_stop = true }

local function mask(which)
  local ok, list = pcall(kd.cpus, which)
  if ok then return list end
  return nil, list
end

local cache

-- {online = {...}, present = {...}, possible = {...}, raw_online = {...},
--  stopped = {...cpus counted online because the panic stopped them}}
function M.masks()
  if cache then return cache end
  local possible = mask("possible") or { 0 }
  local present = mask("present") or possible
  local raw_online = mask("online") or present
  local online, stopped = {}, {}
  local is_online = {}
  for _, c in ipairs(raw_online) do is_online[c] = true end
  local notes = kd.dump_info().cpu_notes or 0
  local noted = (notes == #possible and possible) or (notes == #present and present) or nil
  if noted then
    for i, c in ipairs(noted) do
      if not is_online[c] then
        local regs = kd.cpu_registers(i - 1)
        local name = regs and regs.rip and kd.symbolize(regs.rip)
        if name and STOP_FUNCS[name] then
          is_online[c] = true
          stopped[#stopped + 1] = c
        end
      end
    end
  end
  for _, c in ipairs(possible) do if is_online[c] then online[#online + 1] = c end end
  -- a CPU online but not in possible cannot be; keep the raw ones anyway
  for _, c in ipairs(raw_online) do
    local seen = false
    for _, o in ipairs(online) do if o == c then seen = true end end
    if not seen then online[#online + 1] = c end
  end
  table.sort(online)
  cache = { online = online, present = present, possible = possible,
            raw_online = raw_online, stopped = stopped }
  return cache
end

-- the CPUs per-CPU emitters run for: online, else present, else possible
function M.list()
  local m = M.masks()
  if #m.online > 0 then return m.online end
  if #m.present > 0 then return m.present end
  if #m.possible > 0 then return m.possible end
  return { 0 }
end

return M
