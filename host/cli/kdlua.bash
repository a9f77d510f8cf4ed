# bash completion for kdlua                                  -*- shell-script -*-
#
# Installed by `cmake --install` into bash-completion's completions folder.
# Everything offered is asked of kdlua itself, so it follows the commands,
# programs and emitters actually installed:
#   commands          `kdlua --help` (built-ins, scripts/commands, programs)
#   options           `kdlua CMD --help` plus the options every command takes
#   plugin names      `kdlua report --list-plugins` (after -o/-n/-e and the
#                     long forms)
#   emitter paths     `kdlua report --list-plugins` (after fidelity --only)

_kdlua_commands() {
  kdlua --help 2>/dev/null | awk '
    /^[A-Z].*:$/ { inlist = ($0 ~ /^Commands|^Programs/); next }
    /^$/ { next }
    inlist && /^  [^ ]/ { print $1 }'
}

_kdlua_options() {   # $1: the command
  local global="--vmcore --vmlinux --debuginfo-dir --force --no-modules --no-vmlinux --scripts
    --programs-dir --verbose --help --version"
  local own=
  [ -n "$1" ] && own=$(kdlua "$1" --help 2>/dev/null |
    grep -oE '(^|[ [,|])--?[a-zA-Z][a-zA-Z0-9-]*' | sed 's/^[ [,|]//')
  printf '%s\n' $global $own | sort -u
}

_kdlua_plugins() {
  kdlua report --list-plugins 2>/dev/null | awk '/^ [a-z0-9_]+ / { print $1 }'
}

_kdlua_emitter_paths() {
  kdlua report --list-plugins 2>/dev/null |
    awk '/^   / { sub(/^ +/, ""); sub(/^`[^`]*` -> /, ""); print $1 }' | sort -u
}

_kdlua() {
  local cur prev words cword
  if declare -F _init_completion >/dev/null; then
    _init_completion || return
  else
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    words=("${COMP_WORDS[@]}")
    cword=$COMP_CWORD
  fi

  # the command: the first word that is not an option or an option's value
  local cmd= i w
  for ((i = 1; i < cword; i++)); do
    w=${words[i]}
    case $w in
      --vmcore|--vmlinux|--debuginfo-dir|--scripts|--programs-dir) ((i++)) ;;
      -e) cmd=-e; break ;;
      -*) ;;
      *) cmd=$w; break ;;
    esac
  done

  case $prev in
    --vmcore|--vmlinux)
      COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null; return ;;
    --debuginfo-dir|--scripts|--programs-dir|--tmp-dir|--emitters-dir)
      COMPREPLY=($(compgen -d -- "$cur")); compopt -o filenames 2>/dev/null; return ;;
    --compression|-z|--compression-type)
      COMPREPLY=($(compgen -W "xz gzip zstd none" -- "$cur")); return ;;
    --mode)
      COMPREPLY=($(compgen -W "cpus tasks process" -- "$cur")); return ;;
  esac
  if [ "$cmd" = report ]; then
    case $prev in
      -o|-n|-e|--only-plugins|--skip-plugins|--enable-plugins)
        # a comma-separated list: complete its last element
        local head=${cur%,*} last=${cur##*,}
        [ "$head" = "$cur" ] && head= || head="$head,"
        COMPREPLY=($(compgen -P "$head" -W "$(_kdlua_plugins)" -- "$last"))
        compopt -o nospace 2>/dev/null
        return ;;
    esac
  fi
  if [ "$cmd" = fidelity ] && [ "$prev" = --only ]; then
    COMPREPLY=($(compgen -W "$(_kdlua_emitter_paths)" -- "$cur")); return
  fi

  if [ -z "$cmd" ]; then
    if [[ $cur == -* ]]; then
      COMPREPLY=($(compgen -W "$(_kdlua_options '') -e" -- "$cur"))
    else
      COMPREPLY=($(compgen -W "$(_kdlua_commands)" -- "$cur"))
    fi
    return
  fi
  if [ "$cmd" = help ]; then
    COMPREPLY=($(compgen -W "$(_kdlua_commands)" -- "$cur")); return
  fi
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$(_kdlua_options "$cmd")" -- "$cur"))
    return
  fi
  case $cmd in
    run|fidelity)
      COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null ;;
  esac
}
complete -F _kdlua kdlua
