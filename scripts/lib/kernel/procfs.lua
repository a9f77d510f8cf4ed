-- kernel/procfs.lua: /proc/<pid>/{status,stat,statm,comm,cmdline,environ}
-- rebuilt from a dump, formatted as fs/proc/array.c, fs/proc/task_mmu.c and
-- fs/proc/base.c of Linux 6.1 and 6.12 print them (as read by a root reader in the
-- initial pid and user namespaces).
--
-- Values that the live kernel computes from state a dump lacks are
-- documented where they are produced (wchan is a 0/1 flag in stat; eip/esp
-- are 0 except for exiting tasks, as in the kernel).
--
-- Mirrors: fs/proc/array.c, fs/proc/base.c, fs/proc/task_mmu.c,
--   lib/vsprintf.c

local task = require("kernel.task")
local util = require("kernel.util")

local M = {}

local has_member, pval, ival = task.has_member, task.pval, task.ival

-- unsigned decimal of a 64-bit integer
local function u64(v)
  if v >= 0 then return tostring(v) end
  local q = (v >> 1) // 5
  local r = v - q * 10
  return tostring(q) .. tostring(r)
end
M.u64 = u64

local shift_of_page
local function page_shift()
  if shift_of_page == nil then
    local ps = task.page_size()
    shift_of_page = 0
    while (1 << shift_of_page) < ps do shift_of_page = shift_of_page + 1 end
  end
  return shift_of_page
end

-- {====== bitmaps (lib/vsprintf.c bitmap_string / bitmap_list_string) ======

-- "<i8<i8...": one string.unpack per bitmap instead of one per word
local words_fmt = {}

-- bits of the unsigned long array at base as a list of 64-bit words
local function bitmap_words(base, nbits)
  local nwords = (nbits + 63) // 64
  local fmt = words_fmt[nwords]
  if not fmt then fmt = "<" .. string.rep("i8", nwords); words_fmt[nwords] = fmt end
  local out = { string.unpack(fmt, kd.read(base, nwords * 8)) }
  out[nwords + 1] = nil                -- the position string.unpack ends with
  return out
end

-- "%*pb": 32-bit hex chunks, most significant first, comma separated.
-- Masks are sized for NR_CPUS with few bits set: a zero chunk is one
-- table store of a ready string instead of a string.format.
local ZERO8 = "00000000"
-- a bitmap of nbits held in 64-bit words as printk's "%*pb" prints it
function M.bitmap_hex(words, nbits)
  local parts = {}
  local n = 0
  local chunksz = nbits % 32
  if chunksz == 0 then chunksz = 32 end
  local i = ((nbits + 31) // 32) * 32 - 32
  if i >= 0 then                          -- the top, possibly partial, chunk
    local v = ((words[i // 64 + 1] or 0) >> (i % 64)) & ((1 << chunksz) - 1)
    n = 1
    parts[1] = string.format("%0" .. ((chunksz + 3) // 4) .. "x", v)
    i = i - 32
  end
  while i >= 0 do
    local v = ((words[i // 64 + 1] or 0) >> (i % 64)) & 0xffffffff
    n = n + 1
    parts[n] = v == 0 and ZERO8 or string.format("%08x", v)
    i = i - 32
  end
  return table.concat(parts, ",")
end

-- "%*pbl": ranges "0-3,5"
M.bitmap_list = require("kernel.util").bitmap_list

-- "%*pb" and "%*pbl" of a CPU or node mask: nearly every task has the same
-- masks (sized for NR_CPUS / MAX_NUMNODES, mostly zero words), so the texts
-- are made once per distinct mask, keyed by its bytes, not once per task
-- (label: also status' two lines of the mask, "<label>:\t<hex>\n<label>_list:\t<list>\n")
local mask_memo = {}      -- label and nbits -> the mask's bytes -> its texts
local function mask_texts(base, nbits, label)
  local by_bits = mask_memo[label or ""]
  if not by_bits then by_bits = {}; mask_memo[label or ""] = by_bits end
  local memo = by_bits[nbits]
  if not memo then memo = {}; by_bits[nbits] = memo end
  local key = kd.read(base, (nbits + 63) // 64 * 8)
  local t = memo[key]
  if not t then
    local w = bitmap_words(base, nbits)
    t = { M.bitmap_hex(w, nbits), M.bitmap_list(w, nbits) }
    if label then t[3] = label .. ":\t" .. t[1] .. "\n" .. label .. "_list:\t" .. t[2] .. "\n" end
    memo[key] = t
  end
  return t[1], t[2], t[3]
end

local function nr_cpu_ids()
  local v = task.sym_value("nr_cpu_ids")
  if v and v > 0 then return v end
  return #kd.cpus("possible")
end

-- }======

-- {====== signals ======

local NSIG = 64

local function sigset_words(set)
  -- sigset_t { unsigned long sig[_NSIG_WORDS] }
  local n = #set.sig
  local out = {}
  for i = 0, n - 1 do out[i + 1] = set.sig[i] end
  return out
end

-- render_sigset_t: hex, highest signal first
local function render_sigset(words)
  if #words == 1 and NSIG == 64 then return string.format("%016x", words[1]) end
  local s = {}
  for i = #words, 1, -1 do s[#s + 1] = string.format("%016x", words[i]) end
  local r = table.concat(s)
  local nsig = #words * 64
  if nsig > NSIG then r = r:sub(-(NSIG // 4)) end
  return r
end

-- SIG_IGN / caught sets from sighand->action (collect_sigign_sigcatch).
-- The threads of a process share one sighand, and status and stat of
-- /proc/<pid> and /proc/<pid>/task/<tid> all ask: memoized per sighand.
local sigact_size, sigact_handler
local sigsets_memo = {}
local function sigign_sigcatch(base)
  local memo = sigsets_memo[base]
  if memo then return memo[1], memo[2] end
  if not sigact_size then
    sigact_size = kd.type("struct k_sigaction").size
    sigact_handler = kd.member_offset("struct k_sigaction", "sa") +
                     kd.member_offset("struct sigaction", "sa_handler")
  end
  -- the NSIG handlers out of one read, one string.unpack each (a single
  -- format skipping the rest of each k_sigaction byte by byte was 4x slower)
  local ign, cgt = 0, 0
  local raw = kd.read(base, sigact_size * NSIG)
  local unpack = string.unpack
  local pos = sigact_handler + 1
  for i = 1, NSIG do
    local h = unpack("<i8", raw, pos)
    if h == 1 then ign = ign | (1 << (i - 1))
    elseif h ~= 0 then cgt = cgt | (1 << (i - 1)) end
    pos = pos + sigact_size
  end
  sigsets_memo[base] = { ign, cgt }
  return ign, cgt
end

-- }======

-- {====== status ======

local function escape_name(s)
  return (s:gsub("[\\\n]", { ["\\"] = "\\\\", ["\n"] = "\\n" }))
end

-- the readers of SigQ's two numbers (nil: not made yet); each may be
-- false where this kernel has no such counter
local sigq_size_reader, sigq_lim_reader
local function sigq(t)
  if sigq_size_reader == nil then
    sigq_size_reader, sigq_lim_reader = false, false
    -- 5.15+ ucounts->rlimit[] (atomic_long_t), 5.11-5.14 ucounts->ucount[],
    -- before user->sigpending
    pcall(function()
      local path
      if has_member("struct cred", "ucounts") and has_member("struct ucounts", "rlimit") then
        local idx = kd.enum_value("enum rlimit_type", "UCOUNT_RLIMIT_SIGPENDING")
        path = "real_cred->ucounts->rlimit[" .. idx .. "]"
        if kd.has_member("struct ucounts", "rlimit[0].counter") then path = path .. ".counter" end
      elseif has_member("struct cred", "ucounts") and has_member("struct ucounts", "ucount") then
        local idx = kd.enum_value("enum ucount_type", "UCOUNT_RLIMIT_SIGPENDING")
        path = "real_cred->ucounts->ucount[" .. idx .. "]"
        if kd.has_member("struct ucounts", "ucount[0].counter") then path = path .. ".counter" end
      else
        path = "real_cred->user->sigpending"
        if kd.has_member("struct user_struct", "sigpending.counter") then path = path .. ".counter" end
      end
      sigq_size_reader = kd.member_reader("struct task_struct", path)
    end)
    pcall(function()                    -- RLIMIT_SIGPENDING
      sigq_lim_reader = kd.member_reader("struct task_struct", "signal->rlim[11].rlim_cur")
    end)
  end
  local qsize, qlim = 0, 0
  if sigq_size_reader then
    local ok, v = pcall(sigq_size_reader, t)
    if ok and v then qsize = v end
  end
  if sigq_lim_reader then
    local ok, v = pcall(sigq_lim_reader, t)
    if ok and v then qlim = v end
  end
  return qsize, qlim
end

local PR_SPEC_NOT_AFFECTED, PR_SPEC_PRCTL, PR_SPEC_ENABLE = 0, 1, 2
local PR_SPEC_DISABLE, PR_SPEC_FORCE_DISABLE, PR_SPEC_DISABLE_NOEXEC = 4, 8, 16

local cpu_bugs = {}
local function boot_cpu_has_bug(n)
  local known = cpu_bugs[n]
  if known ~= nil then return known end
  local ok, r = pcall(function()
    local ncap = #kd.symbol("x86_cap_flags") // 32
    local bit = ncap * 32 + n
    local caps = kd.symbol("boot_cpu_data").x86_capability
    return (caps[bit // 32] >> (bit % 32)) & 1 == 1
  end)
  cpu_bugs[n] = (ok and r) == true     -- boot_cpu_data does not change
  return cpu_bugs[n]
end

-- a bit of task->atomic_flags (PFA_*), given the flags' value
local function atomic_flag(flags, bit) return (flags >> bit) & 1 == 1 end

local function ssb_prctl_get(aflags)
  local mode = task.sym_value("ssb_mode")
  if mode == nil then return nil end
  if mode == 1 then return PR_SPEC_DISABLE end
  if mode == 2 or mode == 3 then
    if atomic_flag(aflags, 4) then return PR_SPEC_PRCTL | PR_SPEC_FORCE_DISABLE end
    if atomic_flag(aflags, 7) then return PR_SPEC_PRCTL | PR_SPEC_DISABLE_NOEXEC end
    if atomic_flag(aflags, 3) then return PR_SPEC_PRCTL | PR_SPEC_DISABLE end
    return PR_SPEC_PRCTL | PR_SPEC_ENABLE
  end
  if boot_cpu_has_bug(17) then return PR_SPEC_ENABLE end
  return PR_SPEC_NOT_AFFECTED
end

local function ib_prctl_get(aflags)
  local ibpb, stibp = task.sym_value("spectre_v2_user_ibpb"), task.sym_value("spectre_v2_user_stibp")
  if ibpb == nil or stibp == nil then return nil end
  if not boot_cpu_has_bug(16) then return PR_SPEC_NOT_AFFECTED end
  if ibpb == 0 and stibp == 0 then return PR_SPEC_ENABLE end
  if ibpb == 3 or ibpb == 4 or stibp == 3 or stibp == 4 then
    if atomic_flag(aflags, 6) then return PR_SPEC_PRCTL | PR_SPEC_FORCE_DISABLE end
    if atomic_flag(aflags, 5) then return PR_SPEC_PRCTL | PR_SPEC_DISABLE end
    return PR_SPEC_PRCTL | PR_SPEC_ENABLE
  end
  if ibpb == 1 or stibp == 1 or stibp == 2 then return PR_SPEC_DISABLE end
  return PR_SPEC_NOT_AFFECTED
end

local ssb_text = {
  [PR_SPEC_NOT_AFFECTED] = "not vulnerable",
  [PR_SPEC_PRCTL | PR_SPEC_FORCE_DISABLE] = "thread force mitigated",
  [PR_SPEC_PRCTL | PR_SPEC_DISABLE] = "thread mitigated",
  [PR_SPEC_PRCTL | PR_SPEC_ENABLE] = "thread vulnerable",
  [PR_SPEC_DISABLE] = "globally mitigated",
}
local ib_text = {
  [PR_SPEC_NOT_AFFECTED] = "not affected",
  [PR_SPEC_PRCTL | PR_SPEC_FORCE_DISABLE] = "conditional force disabled",
  [PR_SPEC_PRCTL | PR_SPEC_DISABLE] = "conditional disabled",
  [PR_SPEC_PRCTL | PR_SPEC_ENABLE] = "conditional enabled",
  [PR_SPEC_ENABLE] = "always enabled",
  [PR_SPEC_DISABLE] = "always disabled",
}

-- an atomic counter member read either way: "x.counter" where the member
-- is an atomic_t/atomic64_t/atomic_long_t, plain "x" on kernels where it
-- is an integer (mm->pinned_vm became atomic64_t in 5.0)
local function counter_paths(tname, member)
  if kd.has_member(tname, member .. ".counter") then return member .. ".counter" end
  return member
end

-- the mm_struct members status reads, in one call (kd.member_reader)
local mm_status_reader
local function mm_status_fields(mm)
  if mm_status_reader == nil then
    local S = "struct mm_struct"
    mm_status_reader = kd.member_reader(S, "total_vm", "hiwater_vm", "hiwater_rss", "exec_vm",
      "end_code", "start_code", "locked_vm", "data_vm", "stack_vm",
      counter_paths(S, "pinned_vm"), counter_paths(S, "pgtables_bytes"),
      counter_paths(S, "nr_ptes"), counter_paths(S, "hugetlb_usage"), "flags")
  end
  return mm_status_reader(mm)
end

local TASK_MEM_FORMAT = "VmPeak:\t%8u kB\nVmSize:\t%8u kB\nVmLck:\t%8u kB\n" ..
  "VmPin:\t%8u kB\nVmHWM:\t%8u kB\nVmRSS:\t%8u kB\nRssAnon:\t%8u kB\n" ..
  "RssFile:\t%8u kB\nRssShmem:\t%8u kB\nVmData:\t%8u kB\nVmStk:\t%8u kB\n" ..
  "VmExe:\t%8u kB\nVmLib:\t%8u kB\nVmPTE:\t%8u kB\nVmSwap:\t%8u kB\n"

-- the memory lines of status (task_mem + hugetlb_report_usage)
local function task_mem(mm, out)
  local ps = page_shift()
  local kb = ps - 10
  local c = task.mm_counters(mm)
  local total_vm, hiwater_vm, hiwater_rss, exec_vm, end_code, start_code, locked_vm,
        data_vm, stack_vm, pinned_vm, pgtables_bytes, nr_ptes, hugetlb_usage,
        mm_flags = mm_status_fields(mm)
  hiwater_vm = math.max(total_vm, hiwater_vm)
  local total_rss = c.anon + c.file + c.shmem
  hiwater_rss = math.max(total_rss, hiwater_rss)
  local psz = 1 << ps
  local function page_align(x) return (x + psz - 1) & ~(psz - 1) end
  local text = page_align(end_code) - (start_code & ~(psz - 1))
  text = math.min(text, exec_vm << ps)
  local lib = (exec_vm << ps) - text
  local pinned = pinned_vm or 0
  local pte = 0
  if pgtables_bytes then
    pte = pgtables_bytes
  elseif nr_ptes then
    pte = nr_ptes * psz
  end
  -- task_mem()'s seq_put_decimal_ull_width(m, ..., 8): %8u
  out[#out + 1] = kd.format(TASK_MEM_FORMAT, hiwater_vm << kb, total_vm << kb, locked_vm << kb,
    pinned << kb, hiwater_rss << kb, total_rss << kb, c.anon << kb, c.file << kb,
    c.shmem << kb, data_vm << kb, stack_vm << kb, text >> 10, lib >> 10, pte >> 10,
    c.swap << kb)
  if hugetlb_usage then
    out[#out + 1] = kd.format("HugetlbPages:\t%8u kB\n", hugetlb_usage << kb)
  end
  return mm_flags
end

-- the capability sets of task_cap(), with their lines' names
local CAPS = { { "CapInh", "cap_inheritable" }, { "CapPrm", "cap_permitted" },
               { "CapEff", "cap_effective" }, { "CapBnd", "cap_bset" },
               { "CapAmb", "cap_ambient" } }

-- the members status reads, named once and read in one call
-- (kd.member_reader); nil where this kernel lacks the member
local status_readers
local function status_reader()
  if status_readers then return status_readers end
  local T = "struct task_struct"
  local R = {}
  local seccomp = has_member(T, "seccomp")
  local NONE = "no such member"
  local state_path, exit_state_path = task.state_paths()
  -- 4.19+ thread_pid: the ids are compiled paths; before, the task library's
  local thread_pid = has_member(T, "thread_pid")
  R.thread_pid = thread_pid
  local v = kd.has_member("struct cred", "uid.val") and ".val" or ""
  R.task = kd.member_reader(T, "fs", "ptrace", "pid", "files", "mm", "signal", "sighand",
    "real_cred", "atomic_flags", "nvcsw", "nivcsw",
    seccomp and "seccomp.mode" or NONE,
    (seccomp and has_member("struct seccomp", "filter_count"))
      and "seccomp." .. counter_paths("struct seccomp", "filter_count") or NONE,
    "pending.signal.sig[0]", "blocked.sig[0]",
    -- what status reads through the task's pointers
    "tgid", "flags", "fs->umask", "files->fdt->max_fds",
    "signal->core_state", "signal->shared_pending.signal.sig[0]", "sighand->action",
    has_member(T, "numa_group") and "numa_group->gid" or NONE, "parent->pid",
    has_member(T, "cpus_mask") and "cpus_mask.bits" or "cpus_allowed.bits",
    has_member(T, "mems_allowed") and "mems_allowed.bits" or NONE,
    has_member("struct thread_struct", "features") and "thread.features" or NONE,
    has_member("struct thread_struct", "features") and "thread.features_locked" or NONE,
    -- state, ids (as task.state_name, ppid, ns_numbers_all), threads
    state_path, exit_state_path,
    thread_pid and "thread_pid" or NONE, thread_pid and "real_parent->tgid" or NONE,
    thread_pid and "thread_pid->level" or NONE, thread_pid and "thread_pid->numbers[0].nr" or NONE,
    thread_pid and "signal->pids[1]->numbers[0].nr" or NONE,
    thread_pid and "signal->pids[2]->numbers[0].nr" or NONE,
    thread_pid and "signal->pids[3]->numbers[0].nr" or NONE,
    "signal->nr_threads",
    -- the credentials (as task.creds) and how many supplementary groups
    "real_cred->uid" .. v, "real_cred->euid" .. v, "real_cred->suid" .. v,
    "real_cred->fsuid" .. v, "real_cred->gid" .. v, "real_cred->egid" .. v,
    "real_cred->sgid" .. v, "real_cred->fsgid" .. v, "real_cred->group_info->ngroups")
  R.one_word = kd.type("sigset_t").size == 8
  R.nodemask_bits = has_member(T, "mems_allowed") and kd.type("nodemask_t").size * 8
  -- kernel_cap_t: 6.3+ "capability: use a single u64" (val); before, __u32 cap[2]
  local paths = {}
  local cap_val = kd.has_member("kernel_cap_t", "val")
  for _, p in ipairs(CAPS) do
    if not has_member("struct cred", p[2]) then
      paths[#paths + 1] = "no such member"; paths[#paths + 1] = "no such member"
    elseif cap_val then
      paths[#paths + 1] = p[2] .. ".val"; paths[#paths + 1] = "no such member"
    else
      paths[#paths + 1] = p[2] .. ".cap[0]"
      paths[#paths + 1] = kd.type("kernel_cap_t"):member("cap").type.length > 1
                          and p[2] .. ".cap[1]" or "no such member"
    end
  end
  R.caps = kd.member_reader("struct cred", table.unpack(paths))
  status_readers = R
  return R
end

local function has_type_pid_ns()
  return kd.has_type("struct pid_namespace")
end

-- lines of status that only their format string reveals (util.rodata_has)
local KTHREAD_FMT, UNTAG_FMT = "Kthread:\t%c\n", "untag_mask:\t%#lx\n"
local STATUS_FORMATS = { KTHREAD_FMT, UNTAG_FMT }
util.rodata_probe(STATUS_FORMATS)

-- which of STATUS_FORMATS the kernel has (util.rodata_has), asked once
local status_formats
local cap_words = {}

-- task_state()'s lines from State: to FDSize: (seq_put_decimal_ull: %u;
-- the pids and FDSize as %d, their types are int)
local TASK_STATE_FORMAT = "State:\t%s\nTgid:\t%d\nNgid:\t%d\nPid:\t%d\nPPid:\t%d\n" ..
  "TracerPid:\t%d\nUid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\nFDSize:\t%d\n"
local NS_FORMAT = "NStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n"
-- task_sig() of a 64-bit sigset_t (render_sigset_t: 16 hex digits)
local TASK_SIG_FORMAT = "Threads:\t%d\nSigQ:\t%u/%u\nSigPnd:\t%016x\nShdPnd:\t%016x\n" ..
  "SigBlk:\t%016x\nSigIgn:\t%016x\nSigCgt:\t%016x\n"

-- task_cap() with every set present (render_cap_t: 16 hex digits)
local TASK_CAP_FORMAT = "CapInh:\t%016x\nCapPrm:\t%016x\nCapEff:\t%016x\n" ..
  "CapBnd:\t%016x\nCapAmb:\t%016x\n"

-- the two speculation lines of a task's atomic_flags (they depend on
-- nothing else of the task; nearly every task has the same flags)
local speculation_memo = {}
local function speculation_lines(aflags)
  local text = speculation_memo[aflags]
  if text == nil then
    local ssb, ib = ssb_prctl_get(aflags), ib_prctl_get(aflags)
    text = "Speculation_Store_Bypass:\t" .. (ssb == nil and "unknown" or ssb_text[ssb] or "vulnerable") ..
      "\nSpeculationIndirectBranch:\t" .. (ib == nil and "unsupported" or ib_text[ib] or "unknown") .. "\n"
    speculation_memo[aflags] = text
  end
  return text
end

-- /proc/<pid>/status of a task (fs/proc/array.c proc_pid_status)
function M.status(t)
  local R = status_reader()
  local fs, ptrace, pid, files, mm, sig, sighand, cr, aflags, nvcsw, nivcsw,
        seccomp_mode, seccomp_filters, pending0, blocked0,
        tgid, tflags, umask, max_fds, core_state, shared_pending0, sigaction, numa_gid,
        tracer_pid, cpus_bits, mems_bits, features, features_locked,
        raw_state, exit_state, thread_pid, parent_tgid, pid_level, pid_nr, ns_tgid, ns_pgid,
        ns_sid, nr_threads,
        uid, euid, suid, fsuid, gid, egid, sgid, fsgid, ngroups = R.task(t)
  if status_formats == nil then status_formats = util.rodata_has(STATUS_FORMATS) end
  local out, n = {}, 0
  local name = task.proc_name(t)
  if name:find("[\\\n]") then name = escape_name(name) end
  n = n + 1; out[n] = "Name:\t" .. name .. "\n"

  -- task_state()
  if fs ~= 0 then n = n + 1; out[n] = kd.format("Umask:\t%#04o\n", umask) end
  local ppid
  if R.thread_pid then
    ppid = thread_pid ~= 0 and parent_tgid or 0       -- pid_alive()
  else
    ppid = task.ppid(t)
  end
  n = n + 1
  out[n] = kd.format(TASK_STATE_FORMAT,
    task.state_names[task.state_index_of(raw_state, exit_state) + 1] or "?",
    tgid, numa_gid or 0, pid, ppid, ptrace ~= 0 and tracer_pid or 0,
    uid, euid, suid, fsuid, gid, egid, sgid, fsgid, files ~= 0 and max_fds or 0)
  if ngroups and ngroups > 0 then
    local groups = task.groups(t)
    for i, g in ipairs(groups) do groups[i] = u64(g) end
    n = n + 1; out[n] = "Groups:\t" .. table.concat(groups, " ") .. " \n"
  else
    n = n + 1; out[n] = "Groups:\t \n"
  end
  if has_type_pid_ns() then
    if R.thread_pid and (thread_pid == 0 or pid_level == 0) then
      -- nearly every task: in the initial namespace only, one number each
      if thread_pid ~= 0 then
        n = n + 1; out[n] = kd.format(NS_FORMAT, ns_tgid or 0, pid_nr, ns_pgid or 0, ns_sid or 0)
      end
    else
      local tgids, pids, pgids, sids = task.ns_numbers_all(t)
      if pids[1] ~= nil then               -- pid_alive (a task with a pid)
        n = n + 1; out[n] = "NStgid:\t" .. table.concat(tgids, "\t") .. "\n"
        n = n + 1; out[n] = "NSpid:\t" .. table.concat(pids, "\t") .. "\n"
        n = n + 1; out[n] = "NSpgid:\t" .. table.concat(pgids, "\t") .. "\n"
        n = n + 1; out[n] = "NSsid:\t" .. table.concat(sids, "\t") .. "\n"
      end
    end
  end
  -- 6.11 "fs/proc: add kthread flag to /proc/<pid>/status": no member to
  -- probe, so the format string is the probe
  if status_formats[KTHREAD_FMT] then
    n = n + 1; out[n] = "Kthread:\t" .. ((tflags & task.PF_KTHREAD) ~= 0 and "1" or "0") .. "\n"
  end

  if mm ~= 0 then
    local mm_flags = task_mem(mm, out)
    n = #out
    n = n + 1; out[n] = "CoreDumping:\t" .. ((sig ~= 0 and core_state ~= 0) and 1 or 0) .. "\n"
    local thp = task.sym_value("transparent_hugepage_flags") ~= nil
    if thp then thp = ((mm_flags >> 24) & 1) == 0 end    -- MMF_DISABLE_THP
    n = n + 1; out[n] = "THP_enabled:\t" .. (thp and 1 or 0) .. "\n"
    -- 6.4 "proc: Add untag_mask to /proc/[pid]/status" (x86 LAM): the mask
    -- is mm->context.untag_mask where the arch keeps one, else -1UL
    if status_formats[UNTAG_FMT] then
      local m = -1
      if has_member("mm_context_t", "untag_mask") then m = kd.object("struct mm_struct", mm).context.untag_mask end
      n = n + 1; out[n] = string.format("untag_mask:\t%#x\n", m)
    end
  end

  -- task_sig()
  local ign, cgt, nthreads, qsize, qlim = 0, 0, 0, 0, 0
  local live = sighand ~= 0 and sig ~= 0
  if live then
    ign, cgt = sigign_sigcatch(sigaction)
    nthreads = nr_threads or 0
    qsize, qlim = sigq(t)
  end
  if R.one_word then                    -- _NSIG_WORDS == 1 (64-bit)
    if not live then pending0, shared_pending0, blocked0 = 0, 0, 0 end
    n = n + 1
    out[n] = kd.format(TASK_SIG_FORMAT, nthreads, qsize, qlim, pending0, shared_pending0,
                       blocked0, ign, cgt)
  else
    local pending, shpending, blocked = { 0 }, { 0 }, { 0 }
    if live then
      pending = sigset_words(t.pending.signal)
      shpending = sigset_words(t.signal.shared_pending.signal)
      blocked = sigset_words(t.blocked)
    end
    n = n + 1; out[n] = "Threads:\t" .. nthreads .. "\n"
    n = n + 1; out[n] = "SigQ:\t" .. u64(qsize) .. "/" .. u64(qlim) .. "\n"
    n = n + 1; out[n] = "SigPnd:\t" .. render_sigset(pending) .. "\n"
    n = n + 1; out[n] = "ShdPnd:\t" .. render_sigset(shpending) .. "\n"
    n = n + 1; out[n] = "SigBlk:\t" .. render_sigset(blocked) .. "\n"
    n = n + 1; out[n] = "SigIgn:\t" .. render_sigset({ ign }) .. "\n"
    n = n + 1; out[n] = "SigCgt:\t" .. render_sigset({ cgt }) .. "\n"
  end

  -- task_cap()
  if cr ~= 0 then
    local v = cap_words               -- the low and high word of each set
    v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10] = R.caps(cr)
    if v[1] and v[3] and v[5] and v[7] and v[9] then    -- every set (nearly every kernel)
      n = n + 1
      out[n] = kd.format(TASK_CAP_FORMAT, ((v[2] or 0) << 32) | v[1], ((v[4] or 0) << 32) | v[3],
        ((v[6] or 0) << 32) | v[5], ((v[8] or 0) << 32) | v[7], ((v[10] or 0) << 32) | v[9])
    else
      for i, p in ipairs(CAPS) do
        local lo, hi = v[2 * i - 1], v[2 * i]
        if lo then n = n + 1; out[n] = kd.format("%s:\t%016x\n", p[1], ((hi or 0) << 32) | lo) end
      end
    end
  end

  -- task_seccomp()
  local no_new_privs = atomic_flag(aflags, 0) and 1 or 0
  n = n + 1
  if seccomp_mode and seccomp_filters then
    out[n] = kd.format("NoNewPrivs:\t%d\nSeccomp:\t%d\nSeccomp_filters:\t%d\n", no_new_privs,
                       seccomp_mode, seccomp_filters)
  elseif seccomp_mode then
    out[n] = kd.format("NoNewPrivs:\t%d\nSeccomp:\t%d\n", no_new_privs, seccomp_mode)
  else
    out[n] = no_new_privs == 1 and "NoNewPrivs:\t1\n" or "NoNewPrivs:\t0\n"
  end
  n = n + 1; out[n] = speculation_lines(aflags)

  -- task_cpus_allowed()
  local _, _, lines = mask_texts(cpus_bits, nr_cpu_ids(), "Cpus_allowed")
  n = n + 1; out[n] = lines
  -- cpuset_task_status_allowed() (CONFIG_CPUSETS)
  if mems_bits then
    _, _, lines = mask_texts(mems_bits, R.nodemask_bits, "Mems_allowed")
    n = n + 1; out[n] = lines
  end
  n = n + 1
  out[n] = kd.format("voluntary_ctxt_switches:\t%u\nnonvoluntary_ctxt_switches:\t%u\n",
                     nvcsw, nivcsw)
  -- 6.6 "x86/shstk: ... arch_proc_pid_thread_features" (CONFIG_X86_USER_SHADOW_STACK)
  if features then
    local function feats(v)
      return ((v & 1) ~= 0 and "shstk " or "") .. ((v & 2) ~= 0 and "wrss " or "")
    end
    n = n + 1; out[n] = "x86_Thread_features:\t" .. feats(features) .. "\n"
    n = n + 1; out[n] = "x86_Thread_features_locked:\t" .. feats(features_locked) .. "\n"
  end
  return table.concat(out)
end

-- }======

-- {====== stat ======

local PF_EXITING, PF_DUMPCORE, PF_POSTCOREDUMP = 0x4, 0x200, 0x8

local function pt_regs_ip_sp(t)
  local ok, ip, sp = pcall(function()
    local stack = pval(t:member_("stack"))
    local size = kd.type("struct pt_regs").size
    local regs = kd.object("struct pt_regs", stack + task.thread_size() - size)
    return regs.ip, regs.sp
  end)
  if ok then return ip, sp end
  return 0, 0
end

-- the members stat reads, named once and read in one call per struct
-- (kd.member_reader): the task's own (with its ids, times and state), its
-- signal_struct's, its mm's and each thread's
local stat_readers
local function stat_reader()
  if stat_readers == nil then
    local T = "struct task_struct"
    local NONE = "no such member"
    local state_path, exit_state_path = task.state_paths()
    -- 4.19+ "pids: Move the pgrp and session pid pointers from task_struct
    -- to signal_struct" (thread_pid): the ids are compiled paths; before,
    -- the task library walks task->pids[]
    local thread_pid = has_member(T, "thread_pid")
    stat_readers = {
      task = kd.member_reader(T, "mm", "signal", "sighand", "exit_code",
        "min_flt", "maj_flt", "gtime", "pending.signal.sig[0]", "blocked.sig[0]",
        "exit_signal", "rt_priority", "policy", "delays", "pid", "flags", "signal->tty",
        "sighand->action", state_path, exit_state_path, "prio", "static_prio",
        has_member(T, "cpu") and "cpu"
          or (has_member(T, "thread_info") and has_member("struct thread_info", "cpu")
              and "thread_info.cpu") or NONE,
        has_member(T, "start_boottime") and "start_boottime" or NONE,
        "utime", "stime", "se.sum_exec_runtime", "prev_cputime.utime", "prev_cputime.stime",
        "signal->nr_threads",
        thread_pid and "thread_pid" or NONE, thread_pid and "real_parent->tgid" or NONE,
        thread_pid and "signal->pids[2]->numbers[0].nr" or NONE,
        thread_pid and "signal->pids[3]->numbers[0].nr" or NONE),
      thread_pid = thread_pid,
      has_start_boottime = has_member(T, "start_boottime"),
      thread = kd.member_reader(T, "min_flt", "maj_flt", "gtime", "utime", "stime",
        "se.sum_exec_runtime"),
      signal = kd.member_reader("struct signal_struct", "rlim[5].rlim_cur", "flags",
        "group_exit_code", "cmin_flt", "cmaj_flt", "cutime", "cstime", "cgtime",
        "min_flt", "maj_flt", "gtime", "utime", "stime", "sum_sched_runtime",
        "prev_cputime.utime", "prev_cputime.stime"),
      mm = kd.member_reader("struct mm_struct", "total_vm", "start_code", "end_code",
        "start_stack", "start_data", "end_data", "start_brk", "arg_start", "arg_end",
        "env_start", "env_end"),
    }
    if kd.has_type("struct task_delay_info") then
      stat_readers.delays = kd.member_reader("struct task_delay_info", "blkio_delay")
    end
  end
  return stat_readers
end

-- do_task_stat()'s seq_printf: %d where the kernel prints a signed
-- number, %u where it prints unsigned (seq_put_decimal_ull)
local STAT_FORMAT = "%d (%s) %s %d %d %d %d %d %u " ..          -- pid .. flags
  "%u %u %u %u %u %u %d %d " ..                                  -- faults, times
  "%d %d %d 0 %u %u %u %u " ..                                   -- prio .. rsslim
  "%u %u %u %u %u " ..                                           -- code, stack, esp, eip
  "%u %u %u %u %d 0 0 %d %d %u %u %u %u %d " ..                  -- signals .. cgtime
  "%u %u %u %u %u %u %u %d\n"                                    -- data .. exit_code

-- text of /proc/<pid>/stat (whole=true: the thread group, proc_tgid_stat)
-- or /proc/<pid>/task/<tid>/stat (whole=false) (fs/proc/array.c do_task_stat)
function M.stat(t, whole)
  if whole == nil then whole = task.is_leader(t) end
  local R = stat_reader()
  local mm, sig, sighand, exit_code, min_flt, maj_flt, gtime, pending0, blocked0,
        exit_signal, rt_priority, policy, delays, pid, tflags, tty_ptr, sigaction,
        raw_state, exit_state, prio, static_prio, cpu, start_boottime,
        utime, stime, rtime, prev_u, prev_s, nr_threads,
        thread_pid, parent_tgid, pgrp_nr, session_nr = R.task(t)
  local state_index = task.state_index_of(raw_state, exit_state)
  local state = task.state_chars:sub(state_index + 1, state_index + 1)
  local vsize, eip, esp = 0, 0, 0
  local flags = tflags & 0xffffffff
  local total_vm, start_code, end_code, start_stack, start_data, end_data, start_brk,
        arg_start, arg_end, env_start, env_end = 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
  local rss = 0
  if mm ~= 0 then
    total_vm, start_code, end_code, start_stack, start_data, end_data, start_brk,
      arg_start, arg_end, env_start, env_end = R.mm(mm)
    vsize = total_vm * task.page_size()
    if (flags & (PF_EXITING | PF_DUMPCORE | PF_POSTCOREDUMP)) ~= 0 then
      eip, esp = pt_regs_ip_sp(t)
    end
    rss = task.rss_pages_read_mm(mm)
  end
  local s_rsslim, s_flags, s_group_exit_code, s_cmin_flt, s_cmaj_flt, s_cutime, s_cstime,
        s_cgtime, s_min_flt, s_maj_flt, s_gtime, s_utime, s_stime, s_rtime, s_prev_u, s_prev_s
  if sig ~= 0 then
    s_rsslim, s_flags, s_group_exit_code, s_cmin_flt, s_cmaj_flt, s_cutime, s_cstime,
      s_cgtime, s_min_flt, s_maj_flt, s_gtime, s_utime, s_stime, s_rtime, s_prev_u,
      s_prev_s = R.signal(sig)
  end
  local tty_pgrp, tty_nr = -1, 0
  local num_threads, rsslim = 0, 0
  local sigign, sigcatch = 0, 0
  local sid, ppid, pgid = -1, 0, -1
  if sighand ~= 0 and sig ~= 0 then
    if tty_ptr ~= 0 then                -- most tasks have no controlling tty
      local tty = task.tty(t)
      if tty then tty_pgrp, tty_nr = tty.pgrp, tty.nr end
    end
    num_threads = nr_threads or 0
    sigign, sigcatch = sigign_sigcatch(sigaction)
    rsslim = s_rsslim                   -- RLIMIT_RSS
    if whole and (s_flags & (0x4 | 0x1)) ~= 0 then  -- GROUP_EXIT|STOP_STOPPED
      exit_code = s_group_exit_code
    end
    if R.thread_pid then
      sid = session_nr or 0
      ppid = thread_pid ~= 0 and parent_tgid or 0   -- pid_alive()
      pgid = pgrp_nr or 0
    else
      sid, ppid, pgid = task.session(t), task.ppid(t), task.pgrp(t)
    end
  end
  local wchan = 0
  if not whole or num_threads < 2 then
    wchan = raw_state == 0 and 0 or 1   -- task_is_running()
  end
  local cmin_flt, cmaj_flt, cutime, cstime, cgtime = 0, 0, 0, 0, 0
  if sig ~= 0 then
    cmin_flt, cmaj_flt = s_cmin_flt, s_cmaj_flt
    cutime, cstime, cgtime = s_cutime, s_cstime, s_cgtime
  end
  if whole and sig ~= 0 then
    -- the group's totals: what the dead threads left in signal_struct plus
    -- every live thread's (thread_group_cputime_adjusted, the fault sums)
    min_flt, maj_flt, gtime = s_min_flt, s_maj_flt, s_gtime
    utime, stime, rtime, prev_u, prev_s = s_utime, s_stime, s_rtime, s_prev_u, s_prev_s
    local thread = R.thread
    for _, th in ipairs(task.thread_addrs(t)) do
      local a, b, c, u, st, rt = thread(th)
      min_flt = min_flt + a
      maj_flt = maj_flt + b
      gtime = gtime + c
      utime = utime + u
      stime = stime + st
      rtime = rtime + rt
    end
  end
  utime, stime = task.cputime_adjust(utime, stime, rtime, prev_u, prev_s)
  local ck = task.nsec_to_clock_t
  local blkio = 0
  if delays and delays ~= 0 and R.delays then blkio = ck(R.delays(delays)) end
  local start
  if R.has_start_boottime then start = ck(start_boottime) else start = task.start_time_ticks(t) end
  return kd.format(STAT_FORMAT,
    pid, task.proc_name(t), state, ppid, pgid, sid, tty_nr, tty_pgrp, flags,
    min_flt, cmin_flt, maj_flt, cmaj_flt, ck(utime), ck(stime), ck(cutime), ck(cstime),
    prio - 100, static_prio - 120, num_threads, start, vsize, rss, rsslim,   -- task_prio, task_nice
    start_code, end_code, start_stack, esp, eip,
    pending0 & 0x7fffffff, blocked0 & 0x7fffffff, sigign & 0x7fffffff, sigcatch & 0x7fffffff,
    wchan, exit_signal, cpu or 0, rt_priority, policy, blkio, ck(gtime), ck(cgtime),
    start_data, end_data, start_brk, arg_start, arg_end, env_start, env_end, exit_code)
end

-- }======

local statm_reader
-- /proc/<pid>/statm (pages)
function M.statm(t)
  if statm_reader == nil then
    statm_reader = kd.member_reader("struct task_struct", "mm", "mm->end_code",
      "mm->start_code", "mm->data_vm", "mm->stack_vm", "mm->total_vm")
  end
  local mm, end_code, start_code, data_vm, stack_vm, total_vm = statm_reader(t)
  if mm == 0 then return "0 0 0 0 0 0 0\n" end
  local ps = task.page_size()
  local c = task.mm_counters(mm)
  local shared = c.file + c.shmem
  local function page_align(x) return (x + ps - 1) & ~(ps - 1) end
  local text = (page_align(end_code) - (start_code & ~(ps - 1))) // ps
  local data = data_vm + stack_vm
  local resident = shared + c.anon
  return kd.format("%u %u %u %u 0 %u 0\n", total_vm, resident, shared, text, data)
end

-- /proc/<pid>/comm (the same name as status' Name, unescaped)
function M.comm(t)
  return task.proc_name(t) .. "\n"
end

-- /proc/<pid>/cmdline; nil, reason when the pages are not in the dump
function M.cmdline(t)
  return task.cmdline_raw(t)
end

-- /proc/<pid>/environ bytes; nil, reason when the pages are not in the dump
function M.environ(t)
  return task.environ_raw(t)
end

return M
