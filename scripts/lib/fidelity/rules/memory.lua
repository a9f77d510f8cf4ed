-- fidelity/rules/memory.lua: how each file of the memory area compares
-- with what the live system showed (truth/, see truth/INDEX.md).
--
-- Schema: fidelity/init.lua (one schema for every rules/*.lua).  Only
-- paths the memory emitters write belong here (tests/lua/test_memory.lua
-- runs every one of them); live files kdlua does not emit are in
-- rules/unemitted.lua.

-- Why counters drift on the shared dump: the truth was captured over ~7 s
-- of guest time by helpers that read /proc for every pid (creating proc
-- inodes, dentries, kernel stacks), then the crashing shell wrote the
-- truth tar (~6 MB) to /dev/vda with dd conv=fsync and crashed ~1.5 s
-- later.  So page-cache, dirty/writeback, block I/O, allocation and
-- fault counters moved after the .end sample; the dump holds the later
-- values.

local KV = "keyvalue"

-- What a crash may itself allocate after the .end sample: the 6.12
-- fixture panicked in a memcg OOM (memory.max 64M) raised by the crashing
-- task's page faults after the capture, so free memory is ~100 MB lower than
-- the .end sample, ~160 MB lower than the start (64 MB of anonymous pages,
-- the rest on the per-CPU free lists and in reclaim), anonymous memory
-- 64 MB higher, and the allocation events grew by ~100000.
local CRASH_EVENTS = { monotonic = true, abs = 131072 }
-- pages dirtied and written (and kB read/written) by writing the truth tar
-- to the truth disk after the capture: ~6 MB on 6.1, ~20 MB on 6.12
local TRUTH_TAR_PAGES = { monotonic = true, abs = 32768 }
local TRUTH_TAR_KB = { monotonic = true, abs = 131072 }
local CRASH_KB = 196608
local CRASH_PAGES = CRASH_KB // 4

-- proc/pagetypeinfo: pageblock types per zone, free pages per free list
local BLOCKS = { abs = 32 }   -- blocks stolen by the crash's allocations
local FREE_PAGES = { abs = CRASH_PAGES }

return {
  ["proc/meminfo"] = {
    truth = "proc/meminfo", truth_end = "proc/meminfo.end",
    class = "drifting", kind = KV,
    static = { "MemTotal", "SwapCached", "Active(file)", "Unevictable", "Mlocked",
      "SwapTotal", "SwapFree", "Writeback", "SecPageTables", "NFS_Unstable", "Bounce",
      "WritebackTmp", "CommitLimit", "VmallocTotal", "VmallocChunk", "AnonHugePages",
      "ShmemHugePages", "ShmemPmdMapped", "FileHugePages", "FilePmdMapped", "HugePages_Total",
      "HugePages_Free", "HugePages_Rsvd", "HugePages_Surp", "Hugepagesize", "Hugetlb",
      "DirectMap1G", "Buffers" },
    tolerance = {
      ["*"] = { abs = 1024 },                     -- kB
      MemFree = { abs = CRASH_KB }, MemAvailable = { abs = CRASH_KB },
      ["Active"] = { abs = CRASH_KB }, ["Inactive"] = { abs = 16384 },
      ["Active(anon)"] = { abs = CRASH_KB }, ["Inactive(anon)"] = { abs = 16384 },
      AnonPages = { abs = CRASH_KB },
      ["Inactive(file)"] = { abs = 4096 }, Dirty = { abs = 4096 },
      Committed_AS = { abs = 8192 }, VmallocUsed = { abs = 2048 },
      DirectMap4k = { abs = 8192 }, DirectMap2M = { abs = 8192 },
    },
    note = "Exact layout (same keys, same order). Values are the dump's global vmstat atomics, "
      .. "as the kernel prints them; they match drgn_meminfo.txt. LRU lists (Active/Inactive anon) "
      .. "aged between capture and crash: pages moved between the two lists (their sum stays within "
      .. "1 MB), hence 16 MB each; Dirty/Inactive(file) are the truth tar's block-device page cache. "
      .. "Free and anonymous memory within CRASH_KB: what the crash itself allocated (6.12 fixture).",
  },

  ["proc/vmstat"] = {
    truth = "proc/vmstat", truth_end = "proc/vmstat.end",
    class = "drifting", kind = KV,
    static = { "nr_zone_unevictable", "nr_mlock", "nr_bounce", "nr_zspages", "nr_free_cma",
      "numa_miss", "numa_foreign", "numa_other", "nr_unevictable", "nr_isolated_anon",
      "nr_isolated_file", "nr_writeback_temp", "nr_shmem_hugepages", "nr_anon_transparent_hugepages",
      "pswpin", "pswpout", "oom_kill", "nr_unstable" },
    tolerance = {
      ["*"] = { abs = 256 },                      -- pages or events
      nr_free_pages = { abs = CRASH_PAGES }, nr_anon_pages = { abs = CRASH_PAGES },
      -- vm.dirty_ratio (20) and dirty_background_ratio (10) of the free and file pages
      nr_dirty_threshold = { abs = CRASH_PAGES // 4 },
      nr_dirty_background_threshold = { abs = CRASH_PAGES // 8 },
      nr_zone_active_anon = { abs = CRASH_PAGES }, nr_active_anon = { abs = CRASH_PAGES },
      nr_zone_inactive_anon = { abs = 4096 }, nr_inactive_anon = { abs = 4096 },
      numa_hit = CRASH_EVENTS, numa_local = CRASH_EVENTS, numa_interleave = { abs = 1024 },
      pgalloc_dma32 = CRASH_EVENTS, pgfree = CRASH_EVENTS, pgactivate = { abs = 4096 },
      pgfault = CRASH_EVENTS, pgreuse = { abs = 1024 },
      nr_dirtied = TRUTH_TAR_PAGES, nr_written = TRUTH_TAR_PAGES,
      pgpgin = TRUTH_TAR_KB, pgpgout = TRUTH_TAR_KB,              -- kB
    },
    note = "Names come from the dump's vmstat_text array, in its order, so the key list is exact; "
      .. "numa_* include the per-CPU deltas not yet folded, vm events are summed over the CPUs that "
      .. "were online before the panic; nr_dirty_threshold/nr_dirty_background_threshold are "
      .. "recomputed (global_dirty_limits). I/O and allocation events grew while the truth tar was "
      .. "written to /dev/vda after the capture.",
  },

  ["proc/zoneinfo"] = {
    truth = "proc/zoneinfo", class = "drifting", kind = "lines",
    -- line keys (the label before the number): zone headers ("Node"),
    -- zone sizes, watermarks, the pagesets' cpu list, high and batch;
    -- every line's text (stat names and order) is exact by the kind
    static = { "Node", "spanned", "present", "managed", "cma", "start_pfn", "cpu",
      "batch", "vm_stats_threshold", "node_unreclaimable", "boost", "min", "low" },
    tolerance = {
      ["*"] = { abs = 256 },
      pages_free = { abs = CRASH_PAGES }, nr_free_pages = { abs = CRASH_PAGES },
      nr_anon_pages = { abs = CRASH_PAGES },
      numa_hit = CRASH_EVENTS, numa_local = CRASH_EVENTS, numa_interleave = { abs = 1024 },
      nr_inactive_anon = { abs = 4096 }, nr_active_anon = { abs = CRASH_PAGES },
      nr_zone_inactive_anon = { abs = 4096 }, nr_zone_active_anon = { abs = CRASH_PAGES },
      -- the inodes and dentries the capture made (see proc/slabinfo)
      nr_slab_reclaimable = { abs = 8192 }, nr_slab_unreclaimable = { abs = 4096 },
      -- the truth's files on the guest's tmpfs (~6 MB on 6.1, ~40 MB on 6.12)
      nr_file_pages = { abs = 16384 }, nr_shmem = { abs = 16384 },
      nr_dirtied = TRUTH_TAR_PAGES, nr_written = TRUTH_TAR_PAGES,
      -- per-CPU free lists: the crash's page faults filled them (6.12: 7127 pages)
      count = { abs = CRASH_PAGES }, protection = { abs = 64 },
      -- a pageset's high: fixed before 6.7, auto-tuned between high_min and
      -- high_max since ("mm, pcp: ... auto-tune pcp high")
      high = { abs = CRASH_PAGES },
    },
    note = "Every line of the truth is present in the same order; counters drift (no .end sample, "
      .. "so the tolerance also covers the capture itself). protection (lowmem_reserve) was "
      .. "recomputed from the current managed pages by the capture's `sysctl -a` reading "
      .. "vm.lowmem_reserve_ratio (its handler recalculates on read), after zoneinfo was copied: "
      .. "442 -> 454 on the shared dump.",
  },

  ["proc/buddyinfo"] = {
    truth = "proc/buddyinfo", class = "drifting", kind = "columns",
    header = 0, key = "label", columns = {},      -- labels and number of orders exact
    row_sum = { name = "free_pages", weight = "pow2" },
    tolerance = { free_pages = FREE_PAGES },
    note = "Per-order counts fluctuate with every allocation; the test compares the labels "
      .. "exactly and the zone's free pages (sum of count << order) within 8192 pages.",
  },

  ["proc/pagetypeinfo"] = {
    truth = "proc/pagetypeinfo", class = "drifting", kind = "exact",
    -- "Page block order", "Pages per block", the order header, migrate type
    -- names, zone labels: every line but the two tables' rows, exact
    drop = { "^Node%s+%d+, zone%s+%S+, type", "^Node%s+%d+, zone%s+%S+%s+%d" },
    tolerance = { free_pages = FREE_PAGES, blocks = BLOCKS },
    also = {
      { kind = "columns", select = "^Node%s+%d+, zone%s+%S+, type", header = 0, key = "label",
        columns = {}, row_sum = { name = "free_pages", weight = "pow2" },
        tolerance = { free_pages = FREE_PAGES } },
      { kind = "columns", select = "^Node%s+%d+, zone%s+%S+%s+%d", header = 0, key = "label",
        row_sum = { name = "pageblocks" }, static = { "pageblocks" },   -- blocks per zone exact
        tolerance = { ["*"] = BLOCKS } },
    },
    note = "Free lists walked like the kernel (capped at 100000); block types read from the "
      .. "section usage bitmaps. Blocks change type when allocations steal them (abs 32 per "
      .. "type); the number of blocks per zone is exact.",
  },

  ["proc/slabinfo"] = {
    truth = "proc/slabinfo", class = "drifting", kind = "columns",
    header = 2,                                   -- version and header lines exact
    names = { "name", "active_objs", "num_objs", "objsize", "objperslab", "pagesperslab",
      ":", "tunables", "limit", "batchcount", "sharedfactor", ":_2", "slabdata",
      "active_slabs", "num_slabs", "sharedavail" },
    key = "name",                                 -- cache names in order (rows = "same")
    columns = { "active_objs", "num_objs", "objsize", "objperslab", "pagesperslab", "limit",
      "batchcount", "sharedfactor", "sharedavail" },
    static = { "objsize", "objperslab", "pagesperslab", "limit", "batchcount", "sharedfactor",
      "sharedavail" },
    tolerance = {
      -- objects (num_objs, active_objs): the capture forked a helper per
      -- task and wrote the truth's files (maple nodes, vm areas, files)
      ["*"] = { abs = 2048 },
      -- caches the capture itself filled (fxsnap/cat/ps read /proc/<pid>/* of every task,
      -- the tar was written through the block layer)
      -- fxsnap read ~40 /proc files of every task: ~40 inodes per task
      -- (104 tasks on 6.1, 376 on 6.12)
      proc_inode_cache = { abs = 16384 }, dentry = { abs = 32768 }, inode_cache = { abs = 2048 },
      -- one shmem inode per file the capture wrote into /truth on the
      -- guest's tmpfs (2195 files on 6.1, 7868 on 6.12)
      lsm_inode_cache = { abs = 32768 }, shmem_inode_cache = { abs = 16384 },
      kernfs_node_cache = { abs = 1024 }, ["bio-192"] = { abs = 512 }, buffer_head = { abs = 1024 },
      filp = { abs = 512 }, ["kmalloc-32"] = { abs = 512 }, ["kmalloc-64"] = { abs = 512 },
      -- one vmap_area per lazily freed vmalloc area (the capture helpers' kernel stacks,
      -- see proc/vmallocinfo "unpurged")
      vmap_area = { abs = 4096 },
    },
    note = "SLUB: num_objs = total_objects, active = num_objs - free objects on the node partial "
      .. "lists (objects of per-CPU slabs count as active, as in the kernel); the slab pages add "
      .. "up to meminfo's Slab within 2 MB (Slab also counts kmalloc_large pages). Object counts drift with the capture (no .end sample).",
  },

  ["proc/swaps"] = {
    truth = "proc/swaps", class = "static",
    note = "Exact: no swap area on the shared dump (header line only). \"Used\" of a real swap "
      .. "area drifts.",
  },

  ["proc/vmallocinfo"] = {
    truth = "proc/vmallocinfo", class = "drifting", kind = "lines",
    -- every other line exact, in order (fork_idle's stacks are the boot's)
    groups = { kernel_stacks = " kernel_clone%+", unpurged = "unpurged vm_area$" },
    tolerance = { kernel_stacks = { abs = 16 }, unpurged = { abs = 1024 } },
    note = "Addresses are %pK as root saw them: hashed with the dump's ptr_key (siphash), so they "
      .. "match the live file exactly; %pS sizes are kallsyms' (distance to the next symbol). "
      .. "Kernel stacks of tasks that came and went between capture and crash differ, and the "
      .. "lazily-freed (unpurged) list grows until a purge.",
  },

  ["sos_commands/memory/free"] = {
    truth = "cmd/free.txt", class = "drifting", kind = "columns",
    header_exact = false, header = 1, key = "row",
    names = { "row", "total", "used", "free", "shared", "buff/cache", "available" },
    columns = { "total", "free", "shared", "buff/cache", "available" },
    static = { "total", "Swap:" },
    tolerance = { free = { abs = CRASH_KB }, shared = { abs = 16384 }, ["buff/cache"] = { abs = 16384 },
      available = { abs = CRASH_KB } },
    note = "procps-ng 4.0 layout (what sos runs); the truth is busybox free, whose \"used\" is "
      .. "total-free-buffers-cache while procps 4.0 prints total-available: that column is not "
      .. "compared. Values come from the rebuilt /proc/meminfo.",
  },

  ["sos_commands/memory/free_-m"] = {
    truth = nil, class = "drifting",
    note = "procps-ng 4.0 `free -m`: the `free` numbers in MiB (truncated), checked against them.",
  },

  ["sos_commands/memory/slabtop_-o"] = {
    truth = nil, class = "drifting",
    note = "procps-ng 4.0 `slabtop -o` over the rebuilt /proc/slabinfo (stable sort by objects); "
      .. "checked for consistency with proc/slabinfo.",
  },

  ["sos_commands/memory/swapon_--bytes_--show"] = {
    truth = nil, class = "static",
    note = "util-linux 2.38 prints nothing when no swap area is in use (truth proc/swaps: none), "
      .. "else the NAME TYPE SIZE USED PRIO table in bytes.",
  },

  ["sos_commands/memory/swapon_--summary_--verbose"] = {
    truth = nil, class = "static",
    note = "util-linux 2.38: nothing when no swap is in use, else the /proc/swaps-like summary.",
  },

  ["sos_commands/memory/lsmem_-a_-o_RANGE_SIZE_STATE_REMOVABLE_ZONES_NODE_BLOCK"] = {
    truth = "sys/devices/system/memory/block_size_bytes", class = "static",
    report_select = "^Memory block size:", report_gsub = { { "^Memory block size:%s+", "" } },
    truth_transform = "hex_size",
    note = "Memory blocks from the memory_blocks xarray (state, nid, zone; \"None\" for a block "
      .. "spanning two zones); removable = CONFIG_MEMORY_HOTREMOVE. The truth has only the block "
      .. "size (0x8000000 = 128M), which must match; 4 online blocks = the 512 MiB guest.",
  },
}
