#!/bin/sh
# The examples must keep working: run each against the real dump and check
# its numbers against the live system's `ps` (truth/cmd/ps.txt).
D="$KDLUA_TEST_VMCORE_DIR"
if [ ! -f "$D/vmcore" ]; then
  if [ "$CI" = true ]; then echo "FAIL: dump missing at $D/vmcore"; exit 1; fi
  echo "SKIP: dump missing at $D/vmcore"; exit 77
fi
pass=0 fail=0
out=$("$KDLUA_BIN" run "$KDLUA_SOURCE_DIR/examples/top_rss.lua" 1000 \
      --vmcore "$D/vmcore" --vmlinux "$D/vmlinux" 2>&1) || { echo "$out"; exit 1; }
# for each process with an mm, busybox ps prints VSZ and RSS in kB (values
# >= 10 MiB with an "m" suffix: compare only plain numbers); RSS drifts for
# the capturing shell (truth/crash_pid), which ran the capture and then
# crashed the kernel, and for its helpers, which are gone from the dump
crash_pid=$(cat "$D/truth/crash_pid")
checked=0
while read -r pid vsz rss; do
  line=$(echo "$out" | awk -v p="$pid" '$1 == p')
  [ -n "$line" ] && [ "$pid" != "$crash_pid" ] || continue
  got_rss=$(echo "$line" | awk '{print $2}')
  got_vsz=$(echo "$line" | awk '{print $3}')
  checked=$((checked + 1))
  if [ "$got_rss" = "$rss" ] && [ "$got_vsz" = "$vsz" ]; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1)); echo "FAIL pid $pid: rss/vsz $got_rss/$got_vsz, live $rss/$vsz"
  fi
done <<EOT
$(awk 'NR > 1 && $10 ~ /^[0-9]+$/ && $11 ~ /^[0-9]+$/ && $10 > 0 {print $1, $10, $11}' "$D/truth/cmd/ps.txt")
EOT
[ "$checked" -ge 10 ] || { echo "FAIL: only $checked processes compared"; fail=$((fail + 1)); }
echo "top_rss: $checked processes compared with the live ps"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
