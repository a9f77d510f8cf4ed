-- bench/null-emitters: per-task emitters that do nothing, as many per task
-- as the report has (11 per process, 5 per thread): what the report's
-- machinery costs per file when the emitter costs nothing (planning,
-- compute, the sandbox entry, the record to the main process, committing).
--   kdlua report --vmcore ... -o nullbench --emitters-dir bench/null-emitters -j 1 -v
-- ("process 2: ... s running them" is the worker's side, "results
-- committed in" the main process's)
for _, n in ipairs({ "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k" }) do
  emit{ path = "nullbench/{pid}/" .. n, plugin = "nullbench", each = "pids",
        run = function() return "x\n" end }
end
for _, n in ipairs({ "a", "b", "c", "d", "e" }) do
  emit{ path = "nullbench/{pid}/task/{tid}/" .. n, plugin = "nullbench", each = "tids",
        run = function() return "x\n" end }
end
