-- kernel/cgroup.lua: cgroup hierarchies and the paths of tasks in them
-- (/proc/<pid>/cgroup), and the v2 hierarchy's cgroup.* files.
--
-- Sources (Linux 6.1, 6.12): kernel/cgroup/cgroup.c (proc_cgroup_show,
-- cset_cgroup_from_root, cgroup_path_ns_locked), fs/kernfs/dir.c
-- (kernfs_path_from_node), include/linux/cgroup-defs.h.  Paths are shown
-- relative to the reader's cgroup namespace: sos runs in the initial one,
-- so they are full hierarchy paths.
--
-- Mirrors: kernel/cgroup/cgroup.c, include/linux/cgroup-defs.h,
--   fs/kernfs/dir.c

local fs = require("kernel.fs")

local M = {}

local pval, has_member = fs.pval, fs.has_member

-- hierarchies in cgroup_roots order (newest first; the default v2 root,
-- set up at boot, last)
function M.roots()
  local out = {}
  for r in kd.list(kd.symbol("cgroup_roots"), "struct cgroup_root", "root_list") do
    out[#out + 1] = r
  end
  return out
end

-- name of a kernfs node
local function kn_name(kn) return kd.read_string(pval(kn:member_("name")), 256) end

-- kernfs path of a cgroup from its hierarchy root ("/" for the root)
function M.path(cgrp)
  local parts = {}
  local kn = cgrp.kn
  local n = 0
  while kn ~= nil and kn.parent ~= nil do
    n = n + 1
    if n > 1024 then error("cgroup path too deep", 0) end
    table.insert(parts, 1, kn_name(kn))
    kn = kn.parent
  end
  return "/" .. table.concat(parts, "/")
end

-- the cgroup of a task in a hierarchy (cset_cgroup_from_root)
function M.task_cgroup(t, root)
  local cset = t.cgroups
  local dfl = kd.symbol_address("cgrp_dfl_root")
  if pval(cset) == kd.symbol_address("init_css_set") then return root.cgrp end
  if pval(root) == dfl then return cset.dfl_cgrp end
  for link in kd.list(cset.cgrp_links, "struct cgrp_cset_link", "cgrp_link") do
    local c = link.cgrp
    if pval(c.root) == pval(root) then return c end
  end
  return nil
end

local function cgroup_is_dead(cgrp)
  return (cgrp.self.flags & 2) == 0         -- !CSS_ONLINE
end

-- the v1 controller names of a root's subsys_mask (cgroup_subsys[] order)
local function controllers(root)
  local names = {}
  local mask = root.subsys_mask
  local subsys = kd.symbol("cgroup_subsys")
  for i = 0, #subsys - 1 do
    if (mask >> i) & 1 == 1 then
      local ss = subsys[i]
      if ss ~= nil then names[#names + 1] = ss.legacy_name:string_() end
    end
  end
  return names
end

-- /proc/<pid>/cgroup (proc_cgroup_show)
function M.proc_cgroup(t)
  local dfl = kd.symbol_address("cgrp_dfl_root")
  local visible = true
  local ok, v = pcall(function() return kd.symbol("cgrp_dfl_visible") end)
  if ok then
    local vv = v:value_()
    visible = vv == true or vv == 1
  end
  local out = {}
  local PF_EXITING = 0x4
  for _, root in ipairs(M.roots()) do
    local is_dfl = pval(root) == dfl
    if not (is_dfl and not visible) then
      local head = { tostring(root.hierarchy_id), ":" }
      local ctl = {}
      if not is_dfl then ctl = controllers(root) end
      local name = root.name:string_()
      if name ~= "" then ctl[#ctl + 1] = "name=" .. name end
      head[#head + 1] = table.concat(ctl, ",")
      head[#head + 1] = ":"
      local cgrp = M.task_cgroup(t, root)
      local on_dfl = is_dfl
      if cgrp == nil then
        head[#head + 1] = "/"
      elseif on_dfl or (t.flags & PF_EXITING) == 0 then
        head[#head + 1] = M.path(cgrp)
      else
        head[#head + 1] = "/"
      end
      if cgrp and on_dfl and cgroup_is_dead(cgrp) then head[#head + 1] = " (deleted)" end
      out[#out + 1] = table.concat(head) .. "\n"
    end
  end
  return table.concat(out)
end

-- {====== the v2 hierarchy files (/sys/fs/cgroup) ======

-- the cgroups of the default (v2) hierarchy, parents first: { cgrp, path }
function M.dfl_cgroups()
  local root = kd.symbol("cgrp_dfl_root").cgrp
  local out = {}
  local function walk(c, depth)
    if depth > 64 then return end
    out[#out + 1] = { cgrp = c, path = M.path(c) }
    for css in kd.list(c.self.children, "struct cgroup_subsys_state", "sibling") do
      local child = kd.container_of(css, "struct cgroup", "self")
      if not cgroup_is_dead(child) then walk(child, depth + 1) end
    end
  end
  walk(root, 0)
  return out
end

-- cgroup_print_ss_mask(): the v2 names of the controllers of a mask, in
-- cgroup_subsys[] order, blank separated
local function ss_names(mask)
  local names = {}
  local subsys = kd.symbol("cgroup_subsys")
  for i = 0, #subsys - 1 do
    if (mask >> i) & 1 == 1 then
      local ss = subsys[i]
      if ss ~= nil then names[#names + 1] = ss.name:string_() end
    end
  end
  -- the newline only after a name: an empty mask is an empty file
  if #names == 0 then return "" end
  return table.concat(names, " ") .. "\n"
end

local function sym_int(name)
  local a = kd.symbol_address(name)
  if not a then return 0 end
  return kd.symbol(name):value_()
end

-- cgroup.controllers (cgroup_control()): the parent's subtree_control
-- (threaded cgroups: its threaded controllers), the root's subsys_mask
-- without the inhibited and implicit controllers
function M.controllers(cgrp)
  local parent = cgrp.self.parent
  if parent ~= nil then
    local pc = kd.container_of(parent, "struct cgroup", "self")
    local mask = pc.subtree_control
    if pval(cgrp.dom_cgrp) ~= pval(cgrp) then mask = mask & sym_int("cgrp_dfl_threaded_ss_mask") end
    return ss_names(mask)
  end
  local mask = cgrp.root.subsys_mask
  mask = mask & ~(sym_int("cgrp_dfl_inhibit_ss_mask") | sym_int("cgrp_dfl_implicit_ss_mask"))
  return ss_names(mask)
end

-- cgroup.subtree_control of a cgroup: the controllers it enables for its children, blank separated
function M.subtree_control(cgrp) return ss_names(cgrp.subtree_control) end

-- cgroup.procs / cgroup.threads: the thread-group leaders (whose group
-- still lives) / the tasks not exiting, whose v2 cgroup is cgrp, by pid
function M.members(cgrp, procs)
  local want = pval(cgrp)
  local ids = {}
  for t in kd.tasks() do
    local c = t.cgroups ~= nil and t.cgroups.dfl_cgrp or nil
    if c ~= nil and pval(c) == want then
      if procs then
        if t.pid == t.tgid and t.signal ~= nil and t.signal.live.counter > 0 then ids[#ids + 1] = t.pid end
      elseif (t.flags & 0x4) == 0 then
        ids[#ids + 1] = t.pid
      end
    end
  end
  table.sort(ids)
  local out = {}
  for i, id in ipairs(ids) do out[i] = id .. "\n" end
  return table.concat(out)
end

-- the css of controller `name` (enum cgroup_subsys_id "<name>_cgrp_id")
-- of a cgroup, or nil
function M.css(cgrp, name)
  local ok, id = pcall(kd.enum_value, "enum cgroup_subsys_id", name .. "_cgrp_id")
  if not ok or id == nil then return nil end
  local css = cgrp.subsys[id]
  if css == nil then return nil end
  return css
end

-- }======

return M
