#!/bin/sh
# test_module_btf.sh -- a module whose debug file has no DWARF takes its
# types from its BTF in the dump while the vmlinux's DWARF is loaded
# (host/core/btf.c kd_program_module_btf_fallback).
#
# On every fixture of $KDLUA_FIXTURE_DIRS whose truth/proc/modules lists
# nfsd and whose modules/ holds a symbols-only nfsd.ko (the 6.12 one):
#   * with --vmlinux, the dump's types come from DWARF (type_source) and
#     `struct nfsd_net` (private to nfsd.ko) is found; kd.modules() says
#     nfsd's types came from its BTF; a vmlinux type is still the DWARF
#     one (task_struct has the same size and member offsets as without the
#     vmlinux, and the run without it says BTF);
#   * nfsd_net's layout (size, offsets of nfsd4_lease, nfsd4_grace,
#     max_connections, svc_export_cache) is the same as from --no-vmlinux
#     (the module's split BTF over the dump's vmlinux BTF either way), and
#     reading it gives the live values of truth/proc/fs/nfsd/{nfsv4leasetime,
#     nfsv4gracetime,max_connections};
#   * a type the vmlinux only declares and sunrpc.ko defines (struct
#     svc_xprt) is complete (its size is not 0).
#
# Environment (set by ctest): KDLUA_BIN, KDLUA_FIXTURE_DIRS.  Exit 77
# (skip) without such a fixture, unless CI=true.

set -u
. "$(dirname "$0")/common.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kdlua-modbtf-test.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

cat >"$tmp/probe.lua" <<'LUA'
local info = kd.dump_info()
print("type_source " .. tostring(info.type_source))
print("has_nfsd_net " .. tostring(kd.has_type("struct nfsd_net")))
for _, m in ipairs(kd.modules()) do
  if m.name == "nfsd" then print("nfsd_note " .. tostring(m.note)) end
end
local t = kd.type("struct nfsd_net")
print("nfsd_net " .. t.size .. " " .. kd.member_offset("struct nfsd_net", "nfsd4_lease") .. " "
  .. kd.member_offset("struct nfsd_net", "nfsd4_grace") .. " "
  .. kd.member_offset("struct nfsd_net", "max_connections") .. " "
  .. kd.member_offset("struct nfsd_net", "svc_export_cache"))
print("task_struct " .. kd.type("struct task_struct").size .. " "
  .. kd.member_offset("struct task_struct", "comm") .. " " .. kd.member_offset("struct task_struct", "mm"))
print("svc_xprt " .. kd.type("struct svc_xprt").size)
local gen = kd.symbol("init_net"):member_("gen"):value_()
local id = kd.read_u32(kd.symbol_address("nfsd_net_id"))
local nn = kd.object("struct nfsd_net", kd.read_u64(gen + kd.member_offset("struct net_generic", "ptr") + 8 * id))
print("values " .. nn.nfsd4_lease .. " " .. nn.nfsd4_grace .. " " .. nn.max_connections)
LUA

n=0
for dir in ${KDLUA_FIXTURE_DIRS:-$D}; do
  [ -f "$dir/vmcore" ] && [ -f "$dir/vmlinux" ] || continue
  grep -q '^nfsd ' "$dir/truth/proc/modules" 2>/dev/null || continue
  ko=$(find "$dir/modules" -name nfsd.ko 2>/dev/null | head -n 1)
  [ -n "$ko" ] || continue
  # only a symbols-only debug file makes the point
  readelf -S "$ko" 2>/dev/null | grep -q '\.debug_info' && continue
  n=$((n + 1))
  fx=$(basename "$dir")
  "$BIN" run "$tmp/probe.lua" --vmcore "$dir/vmcore" --vmlinux "$dir/vmlinux" \
    --debuginfo-dir "$dir/modules" >"$tmp/dw.out" 2>"$tmp/dw.err" ||
    { fail "$fx: probe with the vmlinux"; show "$tmp/dw.err"; continue; }
  "$BIN" run "$tmp/probe.lua" --vmcore "$dir/vmcore" --no-vmlinux >"$tmp/btf.out" 2>"$tmp/btf.err" ||
    { fail "$fx: probe with --no-vmlinux"; show "$tmp/btf.err"; continue; }
  val() { sed -n "s/^$2 //p" "$1"; }
  check "$fx: types from the vmlinux's DWARF" [ "$(val "$tmp/dw.out" type_source)" = DWARF ]
  check "$fx: --no-vmlinux takes them from BTF" [ "$(val "$tmp/btf.out" type_source)" = BTF ]
  check "$fx: struct nfsd_net found next to the vmlinux DWARF" [ "$(val "$tmp/dw.out" has_nfsd_net)" = true ]
  note=$(val "$tmp/dw.out" nfsd_note)
  case $note in
    *"types from its BTF"*) ok "$fx: nfsd's note says its types came from its BTF" ;;
    *) fail "$fx: nfsd's note says its types came from its BTF (note: $note)" ;;
  esac
  for k in nfsd_net task_struct svc_xprt; do
    check "$fx: $k has the same layout with and without the vmlinux" \
      [ "$(val "$tmp/dw.out" $k)" = "$(val "$tmp/btf.out" $k)" ]
  done
  check "$fx: struct svc_xprt (declared in vmlinux, defined in sunrpc.ko) is complete" \
    [ "$(val "$tmp/dw.out" svc_xprt)" != 0 ]
  want="$(cat "$dir/truth/proc/fs/nfsd/nfsv4leasetime") $(cat "$dir/truth/proc/fs/nfsd/nfsv4gracetime") $(cat "$dir/truth/proc/fs/nfsd/max_connections")"
  check "$fx: nfsd_net's lease, grace, max_connections are the live ones ($want)" \
    [ "$(val "$tmp/dw.out" values)" = "$want" ]
done

if [ "$n" -eq 0 ]; then
  echo "no fixture with a symbols-only nfsd.ko"
  [ "${CI:-}" = true ] && exit 1
  exit 77
fi
finish() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; }
finish
