# bash completion for cti(1).
#
# The commands and their options are read from cti itself (`cti -h`,
# `cti COMMAND -h`, whose usage is each manual page's SYNOPSIS), so the
# completion cannot fall out of step with the program. What an option's
# value is comes from the word after it in the usage: FILE, DIR, LEVEL ...

# _cti_usage COMMAND: the usage text of `cti COMMAND -h`, cached.
_cti_usage()
{
	local var=_cti_usage_${1//[^a-z]/_}
	if [[ -z ${!var-} ]]; then
		printf -v "$var" '%s' "$(command cti "$1" -h 2>/dev/null)"
	fi
	printf '%s\n' "${!var}"
}

# _cti_metavar COMMAND OPTION: the word naming OPTION's value, or nothing.
_cti_metavar()
{
	_cti_usage "$1" | tr -s ' []|' '\n\n\n\n' |
		awk -v o="$2" 'p { if ($0 ~ /^[A-Z][A-Z0-9_-]*(\.\.\.)?$/) print; exit }
			$0 == o { p = 1 }' | sed 's/\.\.\.$//'
}

_cti()
{
	local cur prev cmd words i
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}

	cmd=
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-*) ;;
		*) cmd=${COMP_WORDS[i]}; break ;;
		esac
	done
	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W '--version -V -h --help' -- "$cur"))
		else
			words=$(command cti -h 2>/dev/null |
				awk '/^commands:/ { c = 1; next } c && /^  [a-z]/ { print $1 }')
			COMPREPLY=($(compgen -W "$words" -- "$cur"))
		fi
		return
	fi
	if [[ $cmd == help ]]; then
		words=$(command cti -h 2>/dev/null |
			awk '/^commands:/ { c = 1; next } c && /^  [a-z]/ { print $1 }')
		COMPREPLY=($(compgen -W "$words" -- "$cur"))
		return
	fi

	if [[ $prev == -* ]]; then
		case $(_cti_metavar "$cmd" "$prev") in
		'') ;;
		LEVEL)
			COMPREPLY=($(compgen -W 'clear green amber amber+strict red' -- "$cur"))
			return ;;
		FORMAT)
			COMPREPLY=($(compgen -W 'stix list csv' -- "$cur"))
			return ;;
		METHOD)
			COMPREPLY=($(compgen -W 'PUT POST' -- "$cur"))
			return ;;
		DIR|STATE)
			COMPREPLY=($(compgen -d -- "$cur"))
			return ;;
		N|K|DURATION|TIME|NAME|LABEL|COMMENT|PROPERTY|KEY|COLUMN|USER|CHAR|SEQ)
			COMPREPLY=()
			return ;;
		*)
			COMPREPLY=($(compgen -f -- "$cur"))
			compopt -o filenames 2>/dev/null
			return ;;
		esac
	fi
	if [[ $cur == -* ]]; then
		words=$(_cti_usage "$cmd" | grep -oE '(^|[][ |])--?[A-Za-z0-9][A-Za-z0-9-]*' |
			sed 's/^[][ |]//' | sort -u)
		COMPREPLY=($(compgen -W "$words" -- "$cur"))
		return
	fi
	COMPREPLY=($(compgen -f -- "$cur"))
	compopt -o filenames 2>/dev/null
}

complete -F _cti cti
