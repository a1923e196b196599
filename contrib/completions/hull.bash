# SPDX-License-Identifier: Apache-2.0
# bash completion for hull(8): commands, global and per-command options,
# option values where they have a fixed set, and container IDs from
# `hull list -q` (with the --root given on the command line, if any).
# Installed as $(PREFIX)/share/bash-completion/completions/hull; needs
# nothing from the bash-completion package.

_hull_commands='create start run state exec ps update pause resume events kill delete list spec features help'
_hull_global_opts='--root --log --log-format --debug --systemd-cgroup --rootless --version -v --help -h'
# global options that take a value
_hull_global_args='--root --log --log-format'

# _hull_opts CMD: CMD's options; _hull_args CMD: those of them that take a value.
_hull_opts() {
	case "$1" in
	create|run)
		echo '--bundle -b --pid-file --console-socket --no-pivot --no-new-keyring --preserve-fds --pidfd-socket --help -h'
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
	spec) echo '--bundle -b --rootless --seccomp --help -h' ;;
	*) echo '--help -h' ;;
	esac
}

_hull_args() {
	case "$1" in
	create|run) echo '--bundle -b --pid-file --console-socket --preserve-fds --pidfd-socket' ;;
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
	spec) echo '--bundle -b' ;;
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

_hull() {
	local cur="${COMP_WORDS[COMP_CWORD]}" prev=''
	[ "$COMP_CWORD" -gt 0 ] && prev="${COMP_WORDS[COMP_CWORD - 1]}"
	local hull="${COMP_WORDS[0]}" root='' cmd='' npos=0 i w
	local IFS=$' \t\n'
	COMPREPLY=()

	# Walk the words before the cursor: global options (and --root's
	# value), the command, then the command's options and arguments.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w="${COMP_WORDS[i]}"
		# bash splits --opt=value into "--opt" "=" "value"
		if [ "$w" = = ]; then
			((i++))
			continue
		fi
		if [ -z "$cmd" ]; then
			case "$w" in
			--root|-root)
				if [ "${COMP_WORDS[i + 1]}" = = ]; then
					root="${COMP_WORDS[i + 2]}"
				else
					root="${COMP_WORDS[i + 1]}"
					((i++))
				fi ;;
			--root=*|-root=*) root="${w#*=}" ;;
			--rootless|-rootless)
				case "${COMP_WORDS[i + 1]}" in
				true|false|auto) ((i++)) ;;
				esac ;;
			-*)
				_hull_in "$w" "$_hull_global_args" && [ "${COMP_WORDS[i + 1]}" != = ] && ((i++)) ;;
			*) cmd="$w" ;;
			esac
		elif [ "$w" = -- ] || [[ "$w" != -* ]]; then
			npos=$((npos + 1))
		elif _hull_in "$w" "$(_hull_args "$cmd")" && [ "${COMP_WORDS[i + 1]}" != = ]; then
			((i++))
		fi
	done
	# the value after "--opt=": complete it as the value of --opt
	if [ "$prev" = = ] && [ "$COMP_CWORD" -gt 1 ]; then
		prev="${COMP_WORDS[COMP_CWORD - 2]}"
	fi

	if [ -z "$cmd" ]; then
		case "$prev" in
		--root) COMPREPLY=($(compgen -d -- "$cur")); return 0 ;;
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

	# The value of a command's option.
	if [ "$COMP_CWORD" -gt 1 ] && [[ "$prev" == -* ]] && _hull_in "$prev" "$(_hull_args "$cmd")"; then
		case "$prev" in
		--bundle|-b|--cwd) COMPREPLY=($(compgen -d -- "$cur")) ;;
		--format|-f) COMPREPLY=($(compgen -W 'table json' -- "$cur")) ;;
		--pid-file|--console-socket|--pidfd-socket|--process|-p|--resources|-r)
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
	create|run|list|spec|features|help) return 0 ;;  # a new ID, or none
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
