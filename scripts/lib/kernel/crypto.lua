-- kernel/crypto.lua: the registered crypto algorithms as /proc/crypto
-- shows them: crypto_alg_list in list order, the common lines of
-- c_show(), then the algorithm type's own lines.  The type's show() is a
-- callback: the ones of the kernel's types are decoded by their name
-- (crypto_shash_show, crypto_skcipher_show...); any other makes the file a
-- stub naming it.
--
-- Mirrors: crypto/proc.c, crypto/shash.c, crypto/ahash.c, crypto/skcipher.c,
--   crypto/lskcipher.c, crypto/aead.c, crypto/rng.c, crypto/akcipher.c,
--   crypto/kpp.c, crypto/scompress.c, crypto/acompress.c, crypto/sig.c

local util = require("kernel.util")

local M = {}

local LARVAL, ASYNC, TESTED, INTERNAL, FIPS_INTERNAL = 0x10, 0x80, 0x400, 0x2000, 0x20000
local TYPE_MASK, TYPE_CIPHER, TYPE_COMPRESS = 0xf, 0x1, 0x2

local function line(out, label, v) out[#out + 1] = string.format("%-13s: %s\n", label, v) end

local function async(alg) return (alg.cra_flags & ASYNC) ~= 0 and "yes" or "no" end

-- the type-specific struct around a crypto_alg: its member "base", or
-- "co.base" where the common part is a struct of its own (6.7+
-- skcipher_alg_common / lskcipher_alg)
local function outer(alg, tname)
  if kd.has_member(tname, "base") then return kd.container_of(alg, tname, "base") end
  return kd.container_of(alg, tname, "co.base")
end

-- the lines of each type's show(), by the function's name
local SHOW = {
  crypto_shash_show = function(out, alg)
    line(out, "type", "shash")
    line(out, "blocksize", alg.cra_blocksize)
    line(out, "digestsize", outer(alg, "struct shash_alg").digestsize)
  end,
  crypto_ahash_show = function(out, alg)
    line(out, "type", "ahash")
    line(out, "async", async(alg))
    line(out, "blocksize", alg.cra_blocksize)
    line(out, "digestsize", kd.container_of(alg, "struct hash_alg_common", "base").digestsize)
  end,
  crypto_skcipher_show = function(out, alg)
    local s = outer(alg, "struct skcipher_alg")
    line(out, "type", "skcipher")
    line(out, "async", async(alg))
    line(out, "blocksize", alg.cra_blocksize)
    line(out, "min keysize", s.min_keysize)
    line(out, "max keysize", s.max_keysize)
    line(out, "ivsize", s.ivsize)
    line(out, "chunksize", s.chunksize)
    line(out, "walksize", s.walksize)
    -- 6.8 "crypto: skcipher - Add statesize": its line with the member
    if kd.has_member("struct skcipher_alg", "statesize") then line(out, "statesize", s.statesize) end
  end,
  crypto_lskcipher_show = function(out, alg)
    local s = outer(alg, "struct lskcipher_alg").co
    line(out, "type", "lskcipher")
    line(out, "blocksize", alg.cra_blocksize)
    line(out, "min keysize", s.min_keysize)
    line(out, "max keysize", s.max_keysize)
    line(out, "ivsize", s.ivsize)
    line(out, "chunksize", s.chunksize)
    line(out, "statesize", s.statesize)
  end,
  crypto_aead_show = function(out, alg)
    local a = outer(alg, "struct aead_alg")
    line(out, "type", "aead")
    line(out, "async", async(alg))
    line(out, "blocksize", alg.cra_blocksize)
    line(out, "ivsize", a.ivsize)
    line(out, "maxauthsize", a.maxauthsize)
    line(out, "geniv", "<none>")
  end,
  crypto_rng_show = function(out, alg)
    line(out, "type", "rng")
    line(out, "seedsize", outer(alg, "struct rng_alg").seedsize)
  end,
  crypto_akcipher_show = function(out) line(out, "type", "akcipher") end,
  crypto_kpp_show = function(out) line(out, "type", "kpp") end,
  crypto_scomp_show = function(out) line(out, "type", "scomp") end,
  crypto_acomp_show = function(out) line(out, "type", "acomp") end,
  crypto_sig_show = function(out) line(out, "type", "sig") end,
}

-- /proc/crypto; nil, why, partial text when a type's show() is unknown
function M.proc_crypto()
  local head = util.symbol_or_nil("crypto_alg_list")
  if head == nil then return nil, "crypto_alg_list is not in the debug info" end
  local fips = (util.symbol_value("fips_enabled") or 0) ~= 0
  if fips then
    -- the fips line of c_show() (6.2+): told by its format string
    local f = "fips         : %s\n"
    fips = util.rodata_has({ f })[f]
  end
  local out, why = {}, nil
  local n = 0
  for alg in kd.list(head, "struct crypto_alg", "cra_list") do
    n = n + 1
    if n > 100000 then return nil, "crypto_alg_list does not end" end
    local flags = alg.cra_flags
    line(out, "name", alg.cra_name:string_())
    line(out, "driver", alg.cra_driver_name:string_())
    local mod = alg.cra_module
    line(out, "module", mod ~= nil and mod.name:string_() or "kernel")
    line(out, "priority", alg.cra_priority)
    line(out, "refcnt", alg.cra_refcnt.refs.counter & 0xffffffff)
    line(out, "selftest", (flags & TESTED) ~= 0 and "passed" or "unknown")
    line(out, "internal", (flags & INTERNAL) ~= 0 and "yes" or "no")
    if fips then line(out, "fips", (flags & FIPS_INTERNAL) ~= 0 and "no" or "yes") end
    local ty = alg.cra_type
    local show = ty ~= nil and ty:member_("show"):value_() or 0
    if (flags & LARVAL) ~= 0 then
      line(out, "type", "larval")
      line(out, "flags", string.format("0x%x", flags))
    elseif show ~= 0 then
      local name = kd.symbolize(show)
      local f = name and SHOW[name]
      if f then f(out, alg)
      else why = why or ("the show() of algorithm type " .. tostring(name or string.format("%#x", show))
                         .. " is not decoded") end
    elseif (flags & TYPE_MASK) == TYPE_CIPHER then
      line(out, "type", "cipher")
      line(out, "blocksize", alg.cra_blocksize)
      line(out, "min keysize", alg.cra_u.cipher.cia_min_keysize)
      line(out, "max keysize", alg.cra_u.cipher.cia_max_keysize)
    elseif (flags & TYPE_MASK) == TYPE_COMPRESS then
      line(out, "type", "compression")
    else
      line(out, "type", "unknown")
    end
    out[#out + 1] = "\n"
  end
  if why then return nil, why, table.concat(out) end
  return table.concat(out)
end

return M
