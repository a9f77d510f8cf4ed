-- fidelity/tolerance.lua: is a number of the report close enough to the
-- live value(s)?  The tolerance specs are data (rules/*.lua; the schema is
-- in fidelity/init.lua).  Pure functions, no `kd`.
--
--   tolerance.check(got, samples, spec, ctx) -> ok, why
--     got      the report's number
--     samples  { truth = n, end_ = n|nil, extra = {n...}|nil }
--     spec     { abs, rel, monotonic, upper, upper_rel, upper_abs,
--                per_second, since, min, any, ... }
--     ctx      { elapsed = function(since) -> seconds | nil }

local M = {}

local huge = math.huge

local function fmt(n)
  if n == huge then return "inf" end
  if n == -huge then return "-inf" end
  if math.type(n) == "float" and n == math.floor(n) and math.abs(n) < 2^53 then
    return string.format("%d", n)
  end
  if math.type(n) == "float" then return string.format("%.6g", n) end
  return tostring(n)
end
M.fmt = fmt

-- [lower, upper] allowed for a value, from the spec and the samples
function M.bounds(samples, spec, ctx)
  local vals = { samples.truth }
  if samples.end_ then vals[#vals + 1] = samples.end_ end
  for _, v in ipairs(samples.extra or {}) do vals[#vals + 1] = v end
  local lo, hi = huge, -huge
  for _, v in ipairs(vals) do
    if v < lo then lo = v end
    if v > hi then hi = v end
  end
  if spec.min == "end" and samples.end_ then lo, hi = samples.end_, samples.end_ end
  local slack = spec.abs or 0
  if spec.rel then
    local r = spec.rel * math.max(math.abs(lo), math.abs(hi))
    if r > slack then slack = r end
  end
  if spec.per_10s_since then
    -- the slack is per 10 s of time between the sample and the crash
    -- (a capture that took a minute lets counters grow six times as far)
    local dt = ctx and ctx.elapsed and ctx.elapsed(spec.per_10s_since)
    if dt and dt > 10 then slack = slack * dt / 10 end
  end
  local lower, upper = lo - slack, hi + slack
  if spec.monotonic then
    -- counters only grow: never below the latest sample
    lower = hi
    if spec.upper == "truth_end" and samples.end_ then
      upper = samples.end_ * (spec.upper_rel or 1) + (spec.upper_abs or 0)
    elseif spec.per_second then
      local dt = ctx and ctx.elapsed and ctx.elapsed(spec.since)
      if dt then upper = hi + spec.per_second * dt else upper = huge end
    elseif spec.abs or spec.rel then
      upper = hi + slack
    else
      upper = huge
    end
  elseif spec.min == "end" then
    lower = lo
  end
  return lower, upper
end

function M.check(got, samples, spec, ctx)
  if spec.any then return true end
  local lower, upper = M.bounds(samples, spec, ctx)
  if got >= lower and got <= upper then return true end
  return false, string.format("%s not in [%s, %s]", fmt(got), fmt(lower), fmt(upper))
end

-- human text of a spec, for -v and the docs
function M.describe(spec)
  if not spec then return "exact" end
  if spec.any then return "any value" end
  local parts = {}
  if spec.monotonic then parts[#parts + 1] = "not below the truth" end
  if spec.min == "end" then parts[#parts + 1] = "from the .end sample" end
  if spec.abs then parts[#parts + 1] = "abs " .. fmt(spec.abs) end
  if spec.per_10s_since then parts[#parts + 1] = "per 10 s since " .. spec.per_10s_since end
  if spec.rel then parts[#parts + 1] = "rel " .. fmt(spec.rel) end
  if spec.upper then
    parts[#parts + 1] = string.format("at most %s x end + %s", fmt(spec.upper_rel or 1), fmt(spec.upper_abs or 0))
  end
  if spec.per_second then parts[#parts + 1] = string.format("at most %s/s since %s", fmt(spec.per_second), spec.since or "?") end
  if spec.when then parts[#parts + 1] = "when " .. spec.when end
  return table.concat(parts, ", ")
end

return M
