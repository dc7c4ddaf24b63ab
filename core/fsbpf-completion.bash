# SPDX-License-Identifier: GPL-2.0
# bash completion for fsbpf and the symlinks named after its tools (filetop,
# filelife, ...). Subcommands and options come from the --help of the command
# being completed, so a plugin dropped in later completes too.

# The option names in a --help text: "  -r,--rows,--maxrows INT   Rows ...".
_fsbpf_options()
{
	sed -n 's/^  \(-[^ ]*\).*/\1/p' | tr ',' '\n'
}

# The subcommands in fsbpf's own --help.
_fsbpf_subcommands()
{
	sed -n '/^Subcommands:/,/^$/s/^  \([a-z][^ ]*\) .*/\1/p'
}

# The backends a tool's --backend accepts, from its help line.
_fsbpf_backends()
{
	sed -n 's/.*Force one attach backend (\([^)]*\)).*/\1/p' | tr -d ','
}

_fsbpf()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local -a command=("${COMP_WORDS[0]}")
	local help words
	COMPREPLY=()
	if [[ ${COMP_WORDS[0]##*/} == fsbpf ]]; then
		if ((COMP_CWORD == 1)); then
			help=$("${COMP_WORDS[0]}" --help 2>/dev/null)
			if [[ $cur == -* ]]; then
				words=$(_fsbpf_options <<<"$help")
			else
				words=$(_fsbpf_subcommands <<<"$help")
			fi
			mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
			return
		fi
		command+=("${COMP_WORDS[1]}")
	fi
	help=$("${command[@]}" --help 2>/dev/null) || return
	case $prev in
	--backend)
		mapfile -t COMPREPLY < <(compgen -W "$(_fsbpf_backends <<<"$help")" -- "$cur")
		return
		;;
	-d | --dir | --cgroup)
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		return
		;;
	--web-config)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return
		;;
	esac
	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_fsbpf_options <<<"$help")" -- "$cur")
	fi
}

complete -F _fsbpf fsbpf $(command -v fsbpf >/dev/null 2>&1 && fsbpf list --names 2>/dev/null)
