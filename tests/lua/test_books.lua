-- kdlua-test: dump=kfx
-- report.books: the plugins of manifest.json, written plugin by plugin, are
-- byte for byte what json.encode(manifest, 4) makes of the whole (sos's
-- layout), for file specs of Run:spec's shape and of any other.
local books = require("report.books")
local json = require("report.json")

-- an archive that keeps what is written into each file
local function fake_archive()
  local a = { files = {} }
  function a:file_open(path) self.cur = path; self.files[path] = {} return true end
  function a:file_append(...)
    for _, s in ipairs({ ... }) do table.insert(self.files[self.cur], s) end
    return true
  end
  function a:file_close() self.files[self.cur] = table.concat(self.files[self.cur]) end
  return a
end

local function spec(path, status, tags, files)
  return { specification = path, kdlua_status = json.object(status), tags = json.array(tags),
           files_copied = json.array(files) }
end

-- a deep copy (books.lua swaps placeholders into the tables it writes)
local function copy(v)
  if type(v) ~= "table" then return v end
  local t = {}
  for k, x in pairs(v) do t[k] = copy(x) end
  return setmetatable(t, getmetatable(v))
end

test("manifest plugins: file specs of every shape as json.encode lays them out", function()
  local plugins = {
    alpha = { files = json.array({
      spec("/proc/a", { real = 1 }, {}, { "proc/a" }),
      spec("/proc/b", { real = 2, stub = 1, failed = 3 }, { "tag1", 'odd"tag\1' }, { "proc/b", "proc/b2" }),
      spec('/caf\xc3\xa9 "q"\\', {}, { "one" }, {}),
      -- not Run:spec's shape: through json.encode
      { specification = "/x", kdlua_status = json.object({ real = 1.5 }), tags = json.array(),
        files_copied = json.array({ "x" }) },
      { specification = "/y", kdlua_status = json.object(), tags = json.array(), files_copied = json.array(),
        extra = "kept" },
    }), commands = json.array(), setup_time = "" },
    beta = { files = json.array(), commands = json.array({ { command = "ls", exec = "ls -l" } }) },
  }
  local want = json.encode({ components = { report = { plugins = copy(plugins) } }, version = "1" }, 4)
  local b = books.new({ "alpha", "beta" }, function() error("no units here") end)
  for _, name in ipairs({ "alpha", "beta" }) do
    b:plugin(name, plugins[name], { commands = {}, copied_files = {}, alerts = {} })
  end
  local a = fake_archive()
  b:write_manifest(a, { components = { report = {} }, version = "1" })
  local got = a.files["sos_reports/manifest.json"]
  eq(got, want, "manifest.json (" .. (first_diff(got, want) or "") .. ")")
end)
