# lib.sh -- timing helpers the bench scripts share (sourced; needs N set).

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_cmd() {  # prints the median seconds of N runs of "$@"
  "$@" >/dev/null 2>&1 || { echo "command failed: $*" >&2; exit 1; }
  for _ in $(seq "$N"); do
    s=$(now); "$@" >/dev/null 2>&1; e=$(now)
    echo "$e - $s" | bc -l
  done | median
}
# time_pair A... -- B...: N runs of each, taken in turns (A, B, A, B...) so
# that a machine whose speed drifts during the bench (shared hosts do, by
# 10-20% over minutes) drifts both alike; prints "medianA medianB"
time_pair() {
  local a=() b=()
  while [ "$1" != "--" ]; do a+=("$1"); shift; done; shift
  b=("$@")
  "${a[@]}" >/dev/null 2>&1 || { echo "command failed: ${a[*]}" >&2; exit 1; }
  "${b[@]}" >/dev/null 2>&1 || { echo "command failed: ${b[*]}" >&2; exit 1; }
  local ta tb
  ta=$(mktemp); tb=$(mktemp)
  for _ in $(seq "$N"); do
    s=$(now); "${a[@]}" >/dev/null 2>&1; e=$(now); echo "$e - $s" | bc -l >>"$ta"
    s=$(now); "${b[@]}" >/dev/null 2>&1; e=$(now); echo "$e - $s" | bc -l >>"$tb"
  done
  echo "$(median <"$ta") $(median <"$tb")"
  rm -f "$ta" "$tb"
}
