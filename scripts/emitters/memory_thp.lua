-- sys/kernel/mm/transparent_hugepage/{enabled,defrag,use_zero_page,
-- hpage_pmd_size} (mm/huge_memory.c), which sos 4.x's memory plugin
-- copies: the bits of transparent_hugepage_flags (enum
-- transparent_hugepage_flag), CONFIG_TRANSPARENT_HUGEPAGE only.

plugin{ name = "memory", description = "Memory configuration and use" }

local util = require("kernel.util")

local function flags()
  local v = util.symbol_value("transparent_hugepage_flags")
  if v == nil then return nil, "no transparent_hugepage_flags (CONFIG_TRANSPARENT_HUGEPAGE off)" end
  return v
end

local function bit(v, name)
  local ok, b = pcall(kd.enum_value, "enum transparent_hugepage_flag", name)
  return ok and b ~= nil and (v >> b) & 1 == 1
end

local D = "sys/kernel/mm/transparent_hugepage/"

emit{ path = D .. "enabled", plugin = "memory",
      description = "THP mode (always / madvise / never)",
      run = function()
        local v, why = flags()
        if not v then return nil, why end
        if bit(v, "TRANSPARENT_HUGEPAGE_FLAG") then return "[always] madvise never\n" end
        if bit(v, "TRANSPARENT_HUGEPAGE_REQ_MADV_FLAG") then return "always [madvise] never\n" end
        return "always madvise [never]\n"
      end }

emit{ path = D .. "defrag", plugin = "memory",
      description = "THP defrag mode",
      run = function()
        local v, why = flags()
        if not v then return nil, why end
        -- defrag_show(): the first bit set of direct, kswapd, kswapd-or-madvise, madvise
        if bit(v, "TRANSPARENT_HUGEPAGE_DEFRAG_DIRECT_FLAG") then
          return "[always] defer defer+madvise madvise never\n"
        elseif bit(v, "TRANSPARENT_HUGEPAGE_DEFRAG_KSWAPD_FLAG") then
          return "always [defer] defer+madvise madvise never\n"
        elseif bit(v, "TRANSPARENT_HUGEPAGE_DEFRAG_KSWAPD_OR_MADV_FLAG") then
          return "always defer [defer+madvise] madvise never\n"
        elseif bit(v, "TRANSPARENT_HUGEPAGE_DEFRAG_REQ_MADV_FLAG") then
          return "always defer defer+madvise [madvise] never\n"
        end
        return "always defer defer+madvise madvise [never]\n"
      end }

emit{ path = D .. "use_zero_page", plugin = "memory",
      description = "THP use of the huge zero page",
      run = function()
        local v, why = flags()
        if not v then return nil, why end
        return (bit(v, "TRANSPARENT_HUGEPAGE_USE_ZERO_PAGE_FLAG") and "1" or "0") .. "\n"
      end }

emit{ path = D .. "hpage_pmd_size", plugin = "memory",
      description = "PMD-sized huge page size in bytes",
      run = function()
        local v, why = flags()
        if not v then return nil, why end
        local mm = require("kernel.mm")
        return string.format("%d\n", mm.hpage_pmd_nr() * mm.page_size())
      end }
