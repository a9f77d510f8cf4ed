-- kdlua-test: dump=kfx
-- kdlua.archive's tar writers: the .tar.xz written through liblzma, with
-- file contents compressed ahead of time (A.content_xz, added with
-- a:add_file_xz) copied in as streams of their own; and a tar written in
-- two parts (a:write_begin in a thread, a:write_finish).  What is read
-- back -- by xz and tar, and by Python's tarfile -- must be the same
-- archive whichever way it was written.
local A = require("kdlua.archive")

local tmp = os.tmpname()
os.remove(tmp)
assert(os.execute("mkdir -p '" .. tmp .. "'"))

local function sh(cmd)
  local p = assert(io.popen(cmd .. " 2>&1"))
  local out = p:read("a")
  local ok, _, code = p:close()
  return out, ok and 0 or code
end

-- contents of every kind of size: empty, under a record, records exactly,
-- several MB of text like /proc/kallsyms
local lines = {}
for i = 1, 60000 do
  lines[i] = string.format("ffffffff%08x t symbol_%d\t[mod%d]", i * 16, i, i % 7)
end
local big = table.concat(lines, "\n") .. "\n"
local files = {
  ["a/empty"] = "", ["a/small"] = "hello\n", ["a/record"] = string.rep("x", 1024),
  ["b/big"] = big, ["c/after"] = "after the big one\n",
}

-- the files, those named in `ready` as streams compressed ahead of time
local function make(ready, level)
  local a, as_stream = A.new(), {}
  for _, p in ipairs(ready or {}) do as_stream[p] = true end
  for p, d in pairs(files) do
    if as_stream[p] then assert(a:add_file_xz(p, A.content_xz(d, level or 0)))
    else assert(a:add_file(p, d)) end
  end
  assert(a:add_symlink("link", "b/big"))
  return a
end

local function listing(path)
  return (sh("xz -dc '" .. path .. "' | tar -tvf - | sort"))
end

test("ready streams: same tar, more xz streams", function()
  local plain = tmp .. "/plain.tar.xz"
  local ready = tmp .. "/ready.tar.xz"
  make():write(plain, { top = "top", mtime = 1700000000, compression = "xz", level = 0, threads = 2 })
  local size, sha = make({ "b/big", "a/small", "a/empty" })
    :write(ready, { top = "top", mtime = 1700000000, compression = "xz", level = 0, threads = 2 })
  local st = A.stat(ready)
  eq(size, st.size, "size reported")
  local f = assert(io.open(ready, "rb"))
  eq(sha, A.sha256(f:read("a")), "sha256 of the file")
  f:close()
  -- the uncompressed tar streams are byte for byte the same
  local t1 = sh("xz -dc '" .. plain .. "' | sha256sum")
  local t2 = sh("xz -dc '" .. ready .. "' | sha256sum")
  eq(t2, t1, "uncompressed tar")
  local streams = sh("xz -l --robot '" .. ready .. "' | awk '$1 == \"totals\" {print $2}'")
  ok(tonumber(streams) and tonumber(streams) > 1, "several xz streams (" .. streams .. ")")
  eq(listing(ready), listing(plain), "tar listing")
  local out = sh("tar -xOf '" .. ready .. "' top/b/big | sha256sum")
  eq(out, (sh("xz -dc '" .. plain .. "' | tar -xOf - top/b/big | sha256sum")), "big content")
end)

test("a stream made by two threads: the same content, one xz stream a thread", function()
  local one, two = A.content_xz(big, 0), A.content_xz(big, 0, 2)
  eq(two:sub(1, 8), one:sub(1, 8), "the length prefix")
  for name, blob in pairs({ one = one, two = two }) do
    local f = assert(io.open(tmp .. "/t-" .. name .. ".xz", "wb"))
    f:write(blob:sub(9))
    f:close()
  end
  eq(sh("xz -dc '" .. tmp .. "/t-two.xz' | sha256sum"), sh("xz -dc '" .. tmp .. "/t-one.xz' | sha256sum"),
     "content and padding")
  local blocks = sh("xz -l --robot '" .. tmp .. "/t-two.xz' | awk '$1 == \"totals\" {print $3}'")
  eq(tonumber(blocks), 2, "blocks (" .. blocks .. ")")
  local streams = sh("xz -l --robot '" .. tmp .. "/t-two.xz' | awk '$1 == \"totals\" {print $2}'")
  eq(tonumber(streams), 2, "streams (" .. streams .. ")")
  eq(sh("xz -t '" .. tmp .. "/t-two.xz' && echo ok"), "ok\n", "xz -t: each stream and check intact")
  local a = A.new()
  assert(a:add_file_xz("b/big", two))
  a:write(tmp .. "/two.tar.xz", { top = "top", mtime = 0, compression = "xz", level = 0 })
  eq(sh("tar -xJOf '" .. tmp .. "/two.tar.xz' top/b/big | sha256sum"),
     sh("xz -dc '" .. tmp .. "/t-one.xz' | head -c " .. #big .. " | sha256sum"), "read back from the archive")
  raises(function() A.content_xz(big, 0, 0) end, "threads")
  -- a part is at least 256 KiB: less content, or none, stays one stream
  for _, d in ipairs({ "", "small\n", big:sub(1, 300000) }) do
    local f = assert(io.open(tmp .. "/t-small.xz", "wb"))
    f:write(A.content_xz(d, 0, 4):sub(9))
    f:close()
    local n = #d + (512 - #d % 512) % 512
    eq(sh("xz -dc '" .. tmp .. "/t-small.xz' | wc -c"), n .. "\n", "content and padding of " .. #d)
    eq(sh("xz -l --robot '" .. tmp .. "/t-small.xz' | awk '$1 == \"totals\" {print $2}'"),
       (#d > 262144 and 2 or 1) .. "\n", "streams for " .. #d .. " bytes")
  end
end)

test("stored streams: the same tar, the content held uncompressed", function()
  local plain = tmp .. "/plain2.tar.xz"
  local stored = tmp .. "/stored.tar.xz"
  make():write(plain, { top = "top", mtime = 1700000000, compression = "xz", level = 0, threads = 2 })
  make({ "b/big", "a/small", "a/empty", "a/record" }, "store")
    :write(stored, { top = "top", mtime = 1700000000, compression = "xz", level = 0, threads = 2 })
  eq(sh("xz -dc '" .. stored .. "' | sha256sum"), sh("xz -dc '" .. plain .. "' | sha256sum"),
     "uncompressed tar")
  local _, code = sh("xz -t '" .. stored .. "'")
  eq(code, 0, "xz -t: every stream and check intact")
  eq(listing(stored), listing(plain), "tar listing")
  -- the big file is in the archive as it is: the archive grew by about its size
  ok(A.stat(stored).size > A.stat(plain).size + #big * 0.9, "big held uncompressed")
  -- each size of content: empty, under, at and over a record, exactly as given
  for _, n in ipairs({ 0, 1, 511, 512, 513, 70000 }) do
    local d = string.rep("k", n)
    local blob = A.content_xz(d, "store")
    local f = assert(io.open(tmp .. "/stored-one.xz", "wb"))
    f:write(blob:sub(9))
    f:close()
    local out = sh("xz -dc '" .. tmp .. "/stored-one.xz' | head -c " .. n .. " | sha256sum")
    eq(out, (sh("printf '%s' '" .. d .. "' | sha256sum")), "stored content of " .. n .. " bytes")
    local len = sh("xz -dc '" .. tmp .. "/stored-one.xz' | wc -c")
    eq(tonumber(len), n + (512 - n % 512) % 512, "content and its tar padding (" .. n .. ")")
  end
  local out, pcode = sh("python3 -c \"import tarfile,sys; t=tarfile.open(sys.argv[1]); "
    .. "print(len(t.extractfile('top/b/big').read()))\" '" .. stored .. "'")
  eq(pcode, 0, "python3 exit (" .. out .. ")")
  eq(out, #big .. "\n", "Python reads the stored file")
end)

test("Python's tarfile reads the concatenated streams", function()
  local ready = tmp .. "/py.tar.xz"
  make({ "b/big" }):write(ready, { top = "top", mtime = 0, compression = "xz", level = 0 })
  local out, code = sh("python3 -c \"import tarfile,sys; t=tarfile.open(sys.argv[1]); "
    .. "print(len(t.extractfile('top/b/big').read()), len(t.getnames()))\" '" .. ready .. "'")
  eq(code, 0, "python3 exit (" .. out .. ")")
  eq(out, string.format("%d %d\n", #big, 10), "big's size and the entry count")
end)

test("a stream-only file: refused outside .tar.xz, checked when added", function()
  local a = make({ "b/big" })
  raises(function() a:write(tmp .. "/g.tar.gz", { top = "top", compression = "gzip" }) end,
         "exists only as an xz stream")
  raises(function() a:write_dir(tmp .. "/tree", {}) end, "exists only as an xz stream")
  eq(A.stat(tmp .. "/g.tar.gz"), nil, "no gzip archive left behind")
  eq(A.stat(tmp .. "/tree"), nil, "no tree left behind")
  local ok1, err = a:add_file_xz("x/y", "not a stream")
  eq(ok1, nil, "garbage refused")
  ok(tostring(err.message):find("not a stream"), "message: " .. tostring(err.message))
  eq((a:add_file_xz("b/big", A.content_xz("x", 0))), nil, "a path added twice")
  local b = A.new()
  assert(b:add_file_xz("e", A.content_xz("", 0)))
  b:write(tmp .. "/e.tar.xz", { mtime = 0, compression = "xz", level = 0 })
  eq((sh("tar -xJOf '" .. tmp .. "/e.tar.xz' e | wc -c")), "0\n", "an empty content")
end)

test("in two parts: the same tar; early paths refused meanwhile", function()
  for _, c in ipairs({ "xz", "gzip", "none" }) do
    local one, two = tmp .. "/one." .. c, tmp .. "/two." .. c
    local opts = { top = "top", mtime = 1700000000, compression = c, level = 0, threads = 2 }
    local a = make()
    assert(a:add_file("z/late", "late\n"))
    assert(a:add_file("m/mid", "mid\n"))
    a:write(one, opts)
    local b = make()
    assert(b:write_begin(two, opts, "m"))
    local added, err = b:add_file("c/early", "too late")
    eq(added, nil, c .. ": a path before the hold refused")
    ok(tostring(err.message):find("already being written"), "message: " .. tostring(err.message))
    raises(function() b:write(tmp .. "/x", opts) end, "being written already")
    assert(b:add_file("z/late", "late\n"))
    assert(b:add_file("m/mid", "mid\n"))
    local size, sha = b:write_finish()
    eq(size, A.stat(two).size, c .. ": size")
    local cat = c == "none" and "cat" or c == "gzip" and "gzip -dc" or "xz -dc"
    eq(sh(cat .. " '" .. two .. "' | sha256sum"), sh(cat .. " '" .. one .. "' | sha256sum"),
       c .. ": the same tar")
    local f = assert(io.open(two, "rb"))
    eq(sha, A.sha256(f:read("a")), c .. ": sha256")
    f:close()
  end
end)

test("in two parts, xz threads by each part's size: the same tar either way", function()
  -- (kdarchive.c, xz_plan): a first part under 8 MiB is one thread and
  -- ends where a rest of 512 KiB or more starts a threaded stream of its
  -- own; a bigger first part is threaded and goes on into the rest
  local bigger = string.rep(big, 5)
  local cases = {
    { name = "small first", first = { ["a/x"] = "x\n" }, rest = { ["m/big"] = big },
      streams = 2 },
    { name = "big first", first = { ["a/big"] = bigger }, rest = { ["m/big"] = big },
      streams = 1 },
  }
  for i, k in ipairs(cases) do
    local one, two = tmp .. "/plan-one-" .. i .. ".tar.xz", tmp .. "/plan-two-" .. i .. ".tar.xz"
    local opts = { top = "top", mtime = 1700000000, compression = "xz", level = 0, threads = 2 }
    local a = A.new()
    for p, d in pairs(k.first) do assert(a:add_file(p, d)) end
    for p, d in pairs(k.rest) do assert(a:add_file(p, d)) end
    a:write(one, { top = "top", mtime = 1700000000, compression = "xz", level = 0 })
    local b = A.new()
    for p, d in pairs(k.first) do assert(b:add_file(p, d)) end
    assert(b:write_begin(two, opts, "m"))
    for p, d in pairs(k.rest) do assert(b:add_file(p, d)) end
    b:write_finish()
    eq(sh("xz -dc '" .. two .. "' | sha256sum"), sh("xz -dc '" .. one .. "' | sha256sum"),
       k.name .. ": the same tar")
    eq(sh("xz -t '" .. two .. "' && echo ok"), "ok\n", k.name .. ": xz -t")
    local streams, blocks = sh("xz -l --robot '" .. two .. "' | awk '$1 == \"totals\" {print $2, $3}'")
      :match("(%d+) (%d+)")
    eq(tonumber(streams), k.streams, k.name .. ": streams")
    ok(tonumber(blocks) > k.streams, k.name .. ": a part in several blocks (" .. blocks .. ")")
  end
end)

test("an archive collected while written leaves nothing behind", function()
  local dir = tmp .. "/gc"
  assert(os.execute("mkdir -p '" .. dir .. "'"))
  do
    local a = make()
    a:write_begin(dir .. "/x.tar.xz", { compression = "xz", level = 0 }, "m")
  end
  collectgarbage("collect")
  collectgarbage("collect")
  eq(#A.listdir(dir), 0, "files left in the directory")
end)

test("spooled contents and files added in pieces: the same tar, the same tree", function()
  local sdir = tmp .. "/spool"
  assert(os.execute("mkdir -p '" .. sdir .. "'"))
  -- the same files, the same order of adds; `spool` and `pieces` vary
  local function build(spool, pieces)
    local a = A.new()
    if spool then assert(a:spool(sdir)) end
    for _, p in ipairs({ "a/empty", "a/record", "a/small", "b/big", "c/after" }) do
      if pieces then
        assert(a:file_open(p))
        local d = files[p]
        -- pieces across the spool's 1 MiB buffer, and empty ones
        for k = 1, #d, 300007 do assert(a:file_append(d:sub(k, k + 300006), "")) end
        -- nothing else while a file is open
        local added, err = a:add_file("x/while-open", "no")
        eq(added, nil, "an add while " .. p .. " is open")
        ok(tostring(err.message):find("still open"), "message: " .. tostring(err.message))
        a:file_close()
      else
        assert(a:add_file(p, files[p]))
      end
    end
    assert(a:add_symlink("link", "b/big"))
    assert(a:add_file("z/late", "late\n"))
    return a
  end
  local opts = { top = "top", mtime = 1700000000, compression = "xz", level = 0, threads = 2 }
  build(false, false):write(tmp .. "/mem.tar.xz", opts)
  local want = sh("xz -dc '" .. tmp .. "/mem.tar.xz' | sha256sum")
  local b = build(false, false)
  assert(b:add_file("m/mid", "mid\n"))
  b:write(tmp .. "/mem2.tar.xz", opts)
  local want2 = sh("xz -dc '" .. tmp .. "/mem2.tar.xz' | sha256sum")
  for _, v in ipairs({ { true, false }, { false, true }, { true, true } }) do
    local what = (v[1] and "spooled" or "in memory") .. (v[2] and ", in pieces" or "")
    local one = tmp .. "/one-" .. tostring(v[1]) .. tostring(v[2]) .. ".tar.xz"
    build(v[1], v[2]):write(one, opts)
    eq(sh("xz -dc '" .. one .. "' | sha256sum"), want, what .. ": the same tar")
    -- in two parts: the thread reads the spool while more is added to it
    local two = tmp .. "/two-" .. tostring(v[1]) .. tostring(v[2]) .. ".tar.xz"
    local a = build(v[1], v[2])
    assert(a:write_begin(two, opts, "m"))
    assert(a:add_file("m/mid", "mid\n"))
    a:write_finish()
    eq(sh("xz -dc '" .. two .. "' | sha256sum"), want2, what .. ": the same tar in two parts")
  end
  -- a tree from the spool
  build(true, true):write_dir(tmp .. "/tree-spooled", { mtime = 1700000000 })
  local f = assert(io.open(tmp .. "/tree-spooled/b/big", "rb"))
  eq(f:read("a") == big, true, "the big file of the tree")
  f:close()
  -- the spool is unlinked: nothing of it in its directory
  eq(#A.listdir(sdir), 0, "files left in the spool's directory")
  local c = A.new()
  local okc, err = c:spool(tmp .. "/no-such-dir")
  eq(okc, nil, "a spool in a missing directory refused")
  ok(err and tostring(err.message):find("no%-such%-dir"), "message names it")
end)

os.execute("rm -rf '" .. tmp .. "'")
