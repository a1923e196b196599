# SPDX-License-Identifier: Apache-2.0
# bash completion for hull(8): commands, global and per-command options,
# option values where they have a fixed set, container IDs from `hull list -q`
# (with the --root given on the command line, if any), the image and network
# commands, image names from `hull image ls` and network names from `hull
# network ls -q` (with the --store given, if any).
# Installed as $(PREFIX)/share/bash-completion/completions/hull; needs
# nothing from the bash-completion package.

_hull_commands='create start run state exec ps update pause resume events kill delete list spec features image network help'
_hull_image_commands='pull import export ls inspect rm gc mount umount'
_hull_network_commands='create ls inspect rm'
_hull_global_opts='--root --store --log --log-format --debug --systemd-cgroup --rootless --version -v --help -h'
# global options that take a value
_hull_global_args='--root --store --log --log-format'

# _hull_opts CMD: CMD's options; _hull_args CMD: those of them that take a
# value.  CMD is "image SUB" or "network SUB" for an image or network command.
_hull_opts() {
	case "$1" in
	create|run)
		echo '--bundle -b --pid-file --console-socket --no-pivot --no-new-keyring --preserve-fds --pidfd-socket
		      --image --env -e --workdir -w --user -u --volume -v --read-only --entrypoint --tty -t --rm
		      --network --publish -p --ip --ip6 --mac-address --dns --hostname --add-host --help -h'
		[ "$1" = run ] && echo '--detach -d --keep' ;;
	exec)
		echo '--process -p --detach -d --pid-file --console-socket --tty -t --cwd --env -e --user -u
		      --additional-gids -g --cap -c --no-new-privs --apparmor --process-label --preserve-fds
		      --ignore-paused --cgroup --pidfd-socket --help -h' ;;
	ps) echo '--format -f --help -h' ;;
	update)
		echo '--resources -r --memory -m --memory-reservation --memory-swap --kernel-memory
		      --kernel-memory-tcp --cpu-shares --cpu-share --cpu-quota --cpu-period --cpu-burst
		      --cpu-rt-period --cpu-rt-runtime --cpu-idle --cpuset-cpus --cpuset-mems --pids-limit
		      --blkio-weight --help -h' ;;
	events) echo '--stats --interval --help -h' ;;
	kill) echo '--all -a --help -h' ;;
	delete) echo '--force -f --help -h' ;;
	list) echo '--format -f --quiet -q --help -h' ;;
	spec) echo '--bundle -b --rootless --seccomp --image --help -h' ;;
	'image pull')
		echo '--tls-verify --cert-dir --authfile --creds --platform --max-layer-size --quiet -q --help -h' ;;
	'image import') echo '--quiet -q --max-layer-size --help -h' ;;
	'image ls'|'network ls') echo '--format -f --quiet -q --help -h' ;;
	'network create') echo '--subnet --gateway --ipv6 --internal --bridge --help -h' ;;
	*) echo '--help -h' ;;
	esac
}

_hull_args() {
	case "$1" in
	create|run)
		echo '--bundle -b --pid-file --console-socket --preserve-fds --pidfd-socket --image --env -e
		      --workdir -w --user -u --volume -v --entrypoint --network --publish -p --ip --ip6
		      --mac-address --dns --hostname --add-host' ;;
	exec)
		echo '--process -p --pid-file --console-socket --cwd --env -e --user -u --additional-gids -g
		      --cap -c --apparmor --process-label --preserve-fds --cgroup --pidfd-socket' ;;
	ps|list) echo '--format -f' ;;
	update)
		echo '--resources -r --memory -m --memory-reservation --memory-swap --kernel-memory
		      --kernel-memory-tcp --cpu-shares --cpu-share --cpu-quota --cpu-period --cpu-burst
		      --cpu-rt-period --cpu-rt-runtime --cpu-idle --cpuset-cpus --cpuset-mems --pids-limit
		      --blkio-weight' ;;
	events) echo '--interval' ;;
	spec) echo '--bundle -b --image' ;;
	'image pull') echo '--tls-verify --cert-dir --authfile --creds --platform --max-layer-size' ;;
	'image import') echo '--max-layer-size' ;;
	'image ls'|'network ls') echo '--format -f' ;;
	'network create') echo '--subnet --gateway --bridge' ;;
	esac
}

# _hull_in WORD LIST: WORD is one of LIST's words.
_hull_in() {
	local w
	for w in $2; do
		[ "$w" = "$1" ] && return 0
	done
	return 1
}

# _hull_images HULL STORE: the image names of STORE (the default store when
# STORE is empty), one a line.
_hull_images() {
	command -v "$1" >/dev/null 2>&1 || set -- hull "$2"
	if command -v jq >/dev/null 2>&1; then
		"$1" ${2:+--store "$2"} image ls --format json 2>/dev/null | jq -r '.[].name' 2>/dev/null
	else
		# REPOSITORY TAG IMAGE-ID ...
		"$1" ${2:+--store "$2"} image ls 2>/dev/null |
			awk 'NR > 1 && $1 != "<none>" { print ($2 == "<none>" ? $1 : $1 ":" $2) }'
	fi
}

# _hull_networks HULL STORE: the network names of STORE (the default store
# when STORE is empty), one a line.
_hull_networks() {
	command -v "$1" >/dev/null 2>&1 || set -- hull "$2"
	"$1" ${2:+--store "$2"} network ls -q 2>/dev/null
}

_hull() {
	# bash splits words at the ":" of COMP_WORDBREAKS too, and image names
	# (and -v's HOST:CONTAINER) have one: glue "a" ":" "b" back into "a:b".
	local -a words=()
	local cword=0 j glue=0 w
	for ((j = 0; j < ${#COMP_WORDS[@]}; j++)); do
		w="${COMP_WORDS[j]}"
		if [ "${#words[@]}" -gt 1 ] && { [ "$glue" = 1 ] || [[ "$w" == :* && -z "${w//:/}" ]]; }; then
			words[${#words[@]} - 1]+="$w"
			glue=0
			[[ "$w" == :* && -z "${w//:/}" ]] && glue=1
		else
			words+=("$w")
			glue=0
		fi
		[ "$j" -eq "$COMP_CWORD" ] && cword=$((${#words[@]} - 1))
	done
	COMPREPLY=()
	_hull_complete
	# bash replaces only what follows the word's last ":"
	local cur="${words[cword]}" pre
	if [[ "$cur" == *:* && "$COMP_WORDBREAKS" == *:* ]]; then
		pre="${cur%"${cur##*:}"}"
		for ((j = 0; j < ${#COMPREPLY[@]}; j++)); do
			COMPREPLY[j]="${COMPREPLY[j]#"$pre"}"
		done
	fi
	return 0
}

# _hull_complete: COMPREPLY for the words and cword of _hull.
_hull_complete() {
	local cur="${words[cword]}" prev=''
	[ "$cword" -gt 0 ] && prev="${words[cword - 1]}"
	local hull="${words[0]}" root='' store='' cmd='' sub='' npos=0 i w
	local IFS=$' \t\n'

	# Walk the words before the cursor: global options (and the values of
	# --root and --store), the command (and the image or network command), then the
	# command's options and arguments.
	for ((i = 1; i < cword; i++)); do
		w="${words[i]}"
		# bash splits --opt=value into "--opt" "=" "value"
		if [ "$w" = = ]; then
			((i++))
			continue
		fi
		if [ -z "$cmd" ]; then
			case "$w" in
			--root|-root|--store|-store)
				local v="${words[i + 1]}"
				if [ "$v" = = ]; then
					v="${words[i + 2]}"
				else
					((i++))
				fi
				case "$w" in
				*root) root="$v" ;;
				*) store="$v" ;;
				esac ;;
			--root=*|-root=*) root="${w#*=}" ;;
			--store=*|-store=*) store="${w#*=}" ;;
			--rootless|-rootless)
				case "${words[i + 1]}" in
				true|false|auto) ((i++)) ;;
				esac ;;
			-*)
				_hull_in "$w" "$_hull_global_args" && [ "${words[i + 1]}" != = ] && ((i++)) ;;
			*) cmd="$w" ;;
			esac
		elif { [ "$cmd" = image ] || [ "$cmd" = network ]; } && [ -z "$sub" ]; then
			[[ "$w" == -* ]] || { sub="$w"; cmd="$cmd $w"; }
		elif [ "$w" = -- ] || [[ "$w" != -* ]]; then
			npos=$((npos + 1))
		elif _hull_in "$w" "$(_hull_args "$cmd")" && [ "${words[i + 1]}" != = ]; then
			((i++))
		fi
	done
	# the value after "--opt=": complete it as the value of --opt
	if [ "$prev" = = ] && [ "$cword" -gt 1 ]; then
		prev="${words[cword - 2]}"
	fi

	if [ -z "$cmd" ]; then
		case "$prev" in
		--root|--store) COMPREPLY=($(compgen -d -- "$cur")); return 0 ;;
		--log) COMPREPLY=($(compgen -f -- "$cur")); return 0 ;;
		--log-format) COMPREPLY=($(compgen -W 'text json' -- "$cur")); return 0 ;;
		esac
		if [[ "$cur" == -* ]]; then
			COMPREPLY=($(compgen -W "$_hull_global_opts" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$_hull_commands" -- "$cur"))
		fi
		return 0
	fi
	if [ "$cmd" = image ] || [ "$cmd" = network ]; then
		if [[ "$cur" == -* ]]; then
			COMPREPLY=($(compgen -W '--help -h' -- "$cur"))
		elif [ "$cmd" = image ]; then
			COMPREPLY=($(compgen -W "$_hull_image_commands" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$_hull_network_commands" -- "$cur"))
		fi
		return 0
	fi

	# The value of a command's option.
	if [ "$cword" -gt 1 ] && [[ "$prev" == -* ]] && _hull_in "$prev" "$(_hull_args "$cmd")"; then
		# run and create's -p is --publish (exec's is --process)
		if [ "$prev" = -p ] && [ "$cmd" != exec ]; then
			return 0
		fi
		case "$prev" in
		--bundle|-b|--cwd|--cert-dir) COMPREPLY=($(compgen -d -- "$cur")) ;;
		--format|-f) COMPREPLY=($(compgen -W 'table json' -- "$cur")) ;;
		--tls-verify) COMPREPLY=($(compgen -W 'true false' -- "$cur")) ;;
		--platform)
			COMPREPLY=($(compgen -W 'linux/amd64 linux/arm64 linux/arm64/v8 linux/arm/v7 linux/arm/v6
				linux/386 linux/ppc64le linux/s390x linux/riscv64' -- "$cur")) ;;
		--image) COMPREPLY=($(compgen -W "$(_hull_images "$hull" "$store")" -- "$cur")) ;;
		--network) COMPREPLY=($(compgen -W "$(_hull_networks "$hull" "$store") none host" -- "$cur")) ;;
		--volume|-v)
			# the host's path (before the first ":")
			[[ "$cur" == *:* ]] || COMPREPLY=($(compgen -f -- "$cur")) ;;
		--pid-file|--console-socket|--pidfd-socket|--process|-p|--resources|-r|--authfile)
			COMPREPLY=($(compgen -f -- "$cur")) ;;
		--cap|-c)
			COMPREPLY=($(compgen -W 'CAP_CHOWN CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH CAP_FOWNER CAP_FSETID
				CAP_KILL CAP_SETGID CAP_SETUID CAP_SETPCAP CAP_LINUX_IMMUTABLE CAP_NET_BIND_SERVICE
				CAP_NET_BROADCAST CAP_NET_ADMIN CAP_NET_RAW CAP_IPC_LOCK CAP_IPC_OWNER CAP_SYS_MODULE
				CAP_SYS_RAWIO CAP_SYS_CHROOT CAP_SYS_PTRACE CAP_SYS_PACCT CAP_SYS_ADMIN CAP_SYS_BOOT
				CAP_SYS_NICE CAP_SYS_RESOURCE CAP_SYS_TIME CAP_SYS_TTY_CONFIG CAP_MKNOD CAP_LEASE
				CAP_AUDIT_WRITE CAP_AUDIT_CONTROL CAP_SETFCAP CAP_MAC_OVERRIDE CAP_MAC_ADMIN CAP_SYSLOG
				CAP_WAKE_ALARM CAP_BLOCK_SUSPEND CAP_AUDIT_READ CAP_PERFMON CAP_BPF
				CAP_CHECKPOINT_RESTORE' -- "$cur")) ;;
		esac
		return 0
	fi

	if [[ "$cur" == -* ]] && [ "$npos" -eq 0 ]; then
		COMPREPLY=($(compgen -W "$(_hull_opts "$cmd")" -- "$cur"))
		return 0
	fi

	case "$cmd" in
	help)  # hull help COMMAND, hull help image|network COMMAND
		if [ "$npos" -eq 0 ]; then
			COMPREPLY=($(compgen -W "$_hull_commands" -- "$cur"))
		elif [ "$npos" -eq 1 ] && [ "${words[cword - 1]}" = image ]; then
			COMPREPLY=($(compgen -W "$_hull_image_commands" -- "$cur"))
		elif [ "$npos" -eq 1 ] && [ "${words[cword - 1]}" = network ]; then
			COMPREPLY=($(compgen -W "$_hull_network_commands" -- "$cur"))
		fi
		return 0 ;;
	'network inspect'|'network rm')
		COMPREPLY=($(compgen -W "$(_hull_networks "$hull" "$store")" -- "$cur"))
		return 0 ;;
	'image inspect'|'image rm'|'image export'|'image mount')
		if [ "$cmd" = 'image rm' ] || [ "$npos" -eq 0 ]; then
			COMPREPLY=($(compgen -W "$(_hull_images "$hull" "$store")" -- "$cur"))
		elif [ "$npos" -eq 1 ] && [ "$cmd" != 'image inspect' ]; then
			COMPREPLY=($(compgen -d -- "$cur"))
		fi
		return 0 ;;
	'image import')
		[ "$npos" -eq 0 ] && COMPREPLY=($(compgen -f -- "$cur"))
		return 0 ;;
	'image umount')
		[ "$npos" -eq 0 ] && COMPREPLY=($(compgen -d -- "$cur"))
		return 0 ;;
	image\ *|network\ *|create|run|list|spec|features) return 0 ;;  # a new ID or name, or none
	esac
	if [ "$npos" -eq 0 ]; then
		# A container ID: ask hull (the one being completed, if it runs).
		command -v "$hull" >/dev/null 2>&1 || hull=hull
		COMPREPLY=($(compgen -W "$("$hull" ${root:+--root "$root"} list -q 2>/dev/null)" -- "$cur"))
	elif [ "$cmd" = kill ] && [ "$npos" -eq 1 ]; then
		COMPREPLY=($(compgen -W 'TERM KILL HUP INT QUIT USR1 USR2 STOP CONT' -- "$cur"))
	elif [ "$cmd" = exec ] && [ "$npos" -eq 1 ]; then
		COMPREPLY=($(compgen -c -- "$cur"))
	fi
	return 0
}

complete -F _hull hull
