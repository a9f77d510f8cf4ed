-- `ls -lanR /dev` (block_tools.lua over kernel/dcache_ls.lua) against the
-- fixture's truth: every device of truth/proc/partitions is a block node
-- with its major and minor; every /proc/misc device with a node is
-- character 10,minor; every file the live processes had open under /dev
-- (truth/pid/*/fd, but the ptys, made per session) is listed; every mount
-- below /dev (truth/proc/mounts) has its own section.  Column widths follow
-- coreutils ls: within one directory every line has the same shape.
local specs = load_emitters({ "block_tools" })

test("ls -lanR /dev: nodes, sections and columns as the live system had them", function()
  local r = specs["sos_commands/block/ls_-lanR_.dev"].run()
  local text = type(r) == "string" and r or r.text
  local dirs, cur = {}, nil
  local col
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    local d = line:match("^(/%S*):$")
    if d then cur = {}; dirs[d] = cur; col = nil
    elseif line:match("^total %d+$") or line == "" then -- section head / gap
    else
      local mode, rest = line:match("^(%S+) (.*)$")
      -- name after the time: "Mon dd hh:mm name" or "Mon dd  yyyy name"
      local pre, name = line:match("^(.- %a%a%a [ %d]%d [ %d]%d:?%d%d) (.-)$")
      ok(pre, "line shape: " .. line)
      col = col or #pre
      eq(#pre, col, "name column in " .. line)
      local maj, min = rest:match("(%d+), +(%d+) ")
      cur[name:gsub(" %-> .*", "")] = { kind = mode:sub(1, 1), major = tonumber(maj), minor = tonumber(min) }
    end
  end
  local root = dirs["/dev"]
  ok(root and root["."] and root[".."], "/dev section with . and ..")
  for line in (truth("proc/partitions") or ""):gmatch("[^\n]+") do
    local ma, mi, name = line:match("^%s*(%d+)%s+(%d+)%s+%d+%s+(%S+)$")
    if ma then
      local e = root[name]
      ok(e and e.kind == "b", "/dev/" .. name .. " is a block node")
      eq(e.major, tonumber(ma), name .. " major")
      eq(e.minor, tonumber(mi), name .. " minor")
    end
  end
  for line in (truth("proc/misc") or ""):gmatch("[^\n]+") do
    local mi, name = line:match("^%s*(%d+) (%S+)$")
    local e = mi and root[name]
    if e and e.kind == "c" then eq(e.minor, tonumber(mi), name .. " misc minor"); eq(e.major, 10, name .. " misc major") end
  end
  local p = io.popen("cat " .. vmcore_dir .. "/truth/pid/*/fd 2>/dev/null")
  for path in p:read("a"):gmatch("%-> (/dev/%S+)") do
    if not path:match("^/dev/pts/%d") then
      local dir, base = path:match("^(.*)/([^/]+)$")
      ok(dirs[dir] and dirs[dir][base], path .. " (open in the live system) is listed")
    end
  end
  p:close()
  for target in (truth("proc/mounts") or ""):gmatch("\n%S+ (/dev/%S+) ") do
    ok(dirs[target], "mount " .. target .. " has its section")
  end
end)
