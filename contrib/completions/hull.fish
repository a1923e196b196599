# SPDX-License-Identifier: Apache-2.0
# fish completion for hull(8): commands, global and per-command options,
# container IDs from `hull list -q` (with the --root given on the command
# line, if any), the image and network commands, image names from `hull
# image ls` and network names from `hull network ls -q` (with the --store
# given, if any).  Installed as
# $(PREFIX)/share/fish/vendor_completions.d/hull.fish.

# The options of each command ("image SUB" or "network SUB" for an image or
# network command) that take a value (their value is no argument).
function __hull_value_opts -a cmd
    switch $cmd
        case create run
            echo -- --bundle -b --pid-file --console-socket --preserve-fds --pidfd-socket --image \
                --env -e --workdir -w --user -u --volume -v --entrypoint --network --publish -p \
                --ip --ip6 --mac-address --dns --hostname --add-host
        case exec
            echo -- --process -p --pid-file --console-socket --cwd --env -e --user -u \
                --additional-gids -g --cap -c --apparmor --process-label --preserve-fds --cgroup --pidfd-socket
        case ps list
            echo -- --format -f
        case update
            echo -- --resources -r --memory -m --memory-reservation --memory-swap --kernel-memory \
                --kernel-memory-tcp --cpu-shares --cpu-share --cpu-quota --cpu-period --cpu-burst \
                --cpu-rt-period --cpu-rt-runtime --cpu-idle --cpuset-cpus --cpuset-mems --pids-limit --blkio-weight
        case events
            echo -- --interval
        case spec
            echo -- --bundle -b --image
        case 'image pull'
            echo -- --tls-verify --cert-dir --authfile --creds --platform --max-layer-size
        case 'image import'
            echo -- --max-layer-size
        case 'image ls' 'network ls'
            echo -- --format -f
        case 'network create'
            echo -- --subnet --gateway --bridge
    end
end

# Prints the command ("image SUB" or "network SUB" once an image or network
# command is given) and then
# its positional arguments so far, one a line; nothing (and status 1) while
# the command is still to come.
function __hull_words
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l cmd
    set -l args
    set -l skip 0
    for t in $tokens
        if test $skip = 1
            set skip 0
            continue
        end
        if test -z "$cmd"
            switch $t
                case --root -root --store -store --log -log --log-format -log-format
                    set skip 1
                case '-*'
                case '*'
                    set cmd $t
            end
        else if test "$cmd" = image -o "$cmd" = network
            string match -q -- '-*' $t; or set cmd "$cmd $t"
        else
            switch $t
                case '-*=*'
                case '-*'
                    contains -- $t (string split ' ' -- (__hull_value_opts $cmd)); and set skip 1
                case '*'
                    set -a args $t
            end
        end
    end
    test -n "$cmd"; or return 1
    printf '%s\n' $cmd $args
end

function __hull_needs_command
    not __hull_words >/dev/null
end

# __hull_using CMD...: the command is one of CMD.
function __hull_using
    set -l w (__hull_words); or return 1
    contains -- $w[1] $argv
end

# __hull_arg N CMD...: the command is one of CMD and the word being
# completed is its Nth positional argument.
function __hull_arg -a n
    set -l w (__hull_words); or return 1
    contains -- $w[1] $argv[2..-1]; and test (count $w) -eq $n
end

# __hull_global OPT: "--OPT VALUE" when the command line gives OPT a value.
function __hull_global -a opt
    set -l tokens (commandline -opc)
    for i in (seq 2 (count $tokens))
        switch $tokens[$i]
            case --$opt -$opt
                set -l j (math $i + 1)
                test $j -le (count $tokens); and printf "%s\n" --$opt $tokens[$j]
            case "--$opt=*" "-$opt=*"
                printf "%s\n" --$opt (string replace -r "^--?$opt=" "" -- $tokens[$i])
        end
    end
end

# __hull_bin: the hull being completed (if it runs), or hull.
function __hull_bin
    set -l tokens (commandline -opc)
    if command -q $tokens[1]
        echo $tokens[1]
    else
        echo hull
    end
end

function __hull_containers
    set -l hull (__hull_bin)
    set -l root (__hull_global root)[-2..-1]
    command $hull $root list -q 2>/dev/null
end

# The image names of the store (the --store given, or the default one).
function __hull_images
    set -l hull (__hull_bin)
    set -l store (__hull_global store)[-2..-1]
    if command -q jq
        command $hull $store image ls --format json 2>/dev/null | jq -r '.[].name' 2>/dev/null
    else
        command $hull $store image ls 2>/dev/null | awk 'NR > 1 && $1 != "<none>" { print ($2 == "<none>" ? $1 : $1 ":" $2) }'
    end
end

# The network names of the store (the --store given, or the default one).
function __hull_networks
    set -l hull (__hull_bin)
    set -l store (__hull_global store)[-2..-1]
    command $hull $store network ls -q 2>/dev/null
end

complete -c hull -f

# global options
complete -c hull -n __hull_needs_command -l root -r -F -d 'state directory (default /run/hull)'
complete -c hull -n __hull_needs_command -l store -x -a '(__fish_complete_directories (commandline -ct))' -d 'image and network store (default /var/lib/hull)'
complete -c hull -n __hull_needs_command -l log -r -F -d 'log file (default: stderr)'
complete -c hull -n __hull_needs_command -l log-format -x -a 'text json' -d 'log format'
complete -c hull -n __hull_needs_command -l debug -d 'log debug messages'
complete -c hull -n __hull_needs_command -l systemd-cgroup -d 'use the systemd cgroup driver'
complete -c hull -n __hull_needs_command -l rootless -d 'accepted for runc compatibility'
complete -c hull -n __hull_needs_command -s v -l version -d 'print the version'
complete -c hull -s h -l help -d 'show the help'

# commands
complete -c hull -n __hull_needs_command -a create -d 'create a container from a bundle'
complete -c hull -n __hull_needs_command -a start -d 'run the program of a created container'
complete -c hull -n __hull_needs_command -a run -d 'create and start a container and wait for it'
complete -c hull -n __hull_needs_command -a state -d 'print the state of a container'
complete -c hull -n __hull_needs_command -a exec -d 'run a process in a running container'
complete -c hull -n __hull_needs_command -a ps -d 'list the processes of a container'
complete -c hull -n __hull_needs_command -a update -d 'change the resource limits of a container'
complete -c hull -n __hull_needs_command -a pause -d 'freeze every process of a container'
complete -c hull -n __hull_needs_command -a resume -d 'thaw a paused container'
complete -c hull -n __hull_needs_command -a events -d 'print statistics and OOM events of a container'
complete -c hull -n __hull_needs_command -a kill -d 'send a signal to a container'
complete -c hull -n __hull_needs_command -a delete -d 'delete a container'
complete -c hull -n __hull_needs_command -a list -d 'list containers'
complete -c hull -n __hull_needs_command -a spec -d 'write a default config.json'
complete -c hull -n __hull_needs_command -a features -d 'print the features this hull supports'
complete -c hull -n __hull_needs_command -a image -d 'images in the store'
complete -c hull -n __hull_needs_command -a network -d 'networks of containers'
complete -c hull -n __hull_needs_command -a help -d 'show the help'
complete -c hull -n '__hull_arg 1 help' -a 'create start run state exec ps update pause resume events kill delete list spec features image network'

# create, run
complete -c hull -n '__hull_using create run' -s b -l bundle -r -F -d 'path to the bundle'
complete -c hull -n '__hull_using create run' -l pid-file -r -F -d 'write the init pid to this file'
complete -c hull -n '__hull_using create run' -l console-socket -r -F -d 'unix socket that receives the pty master'
complete -c hull -n '__hull_using create run' -l no-pivot -d 'move the rootfs with MS_MOVE instead of pivot_root'
complete -c hull -n '__hull_using create run' -l no-new-keyring -d "keep the caller's session keyring"
complete -c hull -n '__hull_using create run' -l preserve-fds -x -d 'pass N extra fds to the container'
complete -c hull -n '__hull_using create run' -l pidfd-socket -r -F -d 'unix socket that receives a pidfd of the init'
complete -c hull -n '__hull_using create run' -l image -x -a '(__hull_images)' -d 'a container of an image of the store'
complete -c hull -n '__hull_using create run' -s e -l env -x -d '--image: set an environment variable (KEY=VALUE)'
complete -c hull -n '__hull_using create run' -s w -l workdir -x -d '--image: the working directory'
complete -c hull -n '__hull_using create run' -s u -l user -x -d '--image: USER[:GROUP]'
complete -c hull -n '__hull_using create run' -s v -l volume -r -F -d '--image: bind /HOST/PATH:/CONTAINER/PATH[:ro|rw]'
complete -c hull -n '__hull_using create run' -l read-only -d '--image: a read-only root filesystem'
complete -c hull -n '__hull_using create run' -l entrypoint -x -d "--image: the program to run instead of the image's Entrypoint"
complete -c hull -n '__hull_using create run' -s t -l tty -d '--image: give the program a terminal'
complete -c hull -n '__hull_using create run' -l rm -d "--image: accepted as Podman's"
complete -c hull -n '__hull_using create run' -l network -x -a '(__hull_networks) none host' -d 'join a network (or none, host, ns:PATH)'
complete -c hull -n '__hull_using create run' -s p -l publish -x -d 'publish a port: [HOSTIP:]HOSTPORT:CTRPORT[/tcp|udp]'
complete -c hull -n '__hull_using create run' -l ip -x -d 'the IPv4 address on the first network'
complete -c hull -n '__hull_using create run' -l ip6 -x -d 'the IPv6 address on the first network'
complete -c hull -n '__hull_using create run' -l mac-address -x -d 'the MAC address on the first network'
complete -c hull -n '__hull_using create run' -l dns -x -d 'a nameserver for /etc/resolv.conf'
complete -c hull -n '__hull_using create run' -l hostname -x -d "the container's hostname"
complete -c hull -n '__hull_using create run' -l add-host -x -d 'a line of /etc/hosts (NAME:IP)'
complete -c hull -n '__hull_using run' -s d -l detach -d 'do not wait for the container'
complete -c hull -n '__hull_using run' -l keep -d 'keep the container after it exits'

# exec
complete -c hull -n '__hull_using exec' -s p -l process -r -F -d 'process.json to run'
complete -c hull -n '__hull_using exec' -s d -l detach -d 'do not wait for the process'
complete -c hull -n '__hull_using exec' -l pid-file -r -F -d 'write the pid to this file'
complete -c hull -n '__hull_using exec' -l console-socket -r -F -d 'unix socket that receives the pty master'
complete -c hull -n '__hull_using exec' -s t -l tty -d 'allocate a pseudo terminal'
complete -c hull -n '__hull_using exec' -l cwd -x -d 'working directory in the container'
complete -c hull -n '__hull_using exec' -s e -l env -x -d 'set an environment variable (KEY=VALUE)'
complete -c hull -n '__hull_using exec' -s u -l user -x -d 'UID[:GID] to run as'
complete -c hull -n '__hull_using exec' -s g -l additional-gids -x -d 'additional group ID'
complete -c hull -n '__hull_using exec' -s c -l cap -x -d 'add a capability (CAP_...)'
complete -c hull -n '__hull_using exec' -l no-new-privs -d 'set no_new_privs'
complete -c hull -n '__hull_using exec' -l apparmor -x -d 'AppArmor profile'
complete -c hull -n '__hull_using exec' -l process-label -x -d 'SELinux label'
complete -c hull -n '__hull_using exec' -l preserve-fds -x -d 'pass N extra fds to the process'
complete -c hull -n '__hull_using exec' -l ignore-paused -d 'exec even if the container is paused'
complete -c hull -n '__hull_using exec' -l cgroup -x -d 'sub-cgroup of the container'
complete -c hull -n '__hull_using exec' -l pidfd-socket -r -F -d 'unix socket that receives a pidfd of the process'
complete -c hull -n '__hull_arg 2 exec' -a '(__fish_complete_command)'

# ps, list
complete -c hull -n '__hull_using ps list' -s f -l format -x -a 'table json' -d 'output format'
complete -c hull -n '__hull_using list' -s q -l quiet -d 'print only the container IDs'

# update
complete -c hull -n '__hull_using update' -s r -l resources -r -F -d 'linux.resources JSON file (- for stdin)'
complete -c hull -n '__hull_using update' -s m -l memory -x -d 'memory limit'
complete -c hull -n '__hull_using update' -l memory-reservation -x -d 'memory soft limit'
complete -c hull -n '__hull_using update' -l memory-swap -x -d 'memory+swap limit'
complete -c hull -n '__hull_using update' -l kernel-memory -x -d 'accepted for runc compatibility'
complete -c hull -n '__hull_using update' -l kernel-memory-tcp -x -d 'accepted for runc compatibility'
complete -c hull -n '__hull_using update' -l cpu-shares -x -d 'CPU shares'
complete -c hull -n '__hull_using update' -l cpu-share -x -d 'same as --cpu-shares'
complete -c hull -n '__hull_using update' -l cpu-quota -x -d 'CFS quota in microseconds'
complete -c hull -n '__hull_using update' -l cpu-period -x -d 'CFS period in microseconds'
complete -c hull -n '__hull_using update' -l cpu-burst -x -d 'CFS burst in microseconds'
complete -c hull -n '__hull_using update' -l cpu-rt-period -x -d 'realtime period'
complete -c hull -n '__hull_using update' -l cpu-rt-runtime -x -d 'realtime runtime'
complete -c hull -n '__hull_using update' -l cpu-idle -x -a '0 1' -d 'SCHED_IDLE for the cgroup'
complete -c hull -n '__hull_using update' -l cpuset-cpus -x -d 'CPUs'
complete -c hull -n '__hull_using update' -l cpuset-mems -x -d 'memory nodes'
complete -c hull -n '__hull_using update' -l pids-limit -x -d 'maximum number of processes'
complete -c hull -n '__hull_using update' -l blkio-weight -x -d 'block I/O weight (10-1000)'

# events, kill, delete, spec
complete -c hull -n '__hull_using events' -l stats -d 'print the statistics once and exit'
complete -c hull -n '__hull_using events' -l interval -x -d 'time between statistics (e.g. 5s)'
complete -c hull -n '__hull_using kill' -s a -l all -d 'signal every process of the container'
complete -c hull -n '__hull_arg 2 kill' -a 'TERM KILL HUP INT QUIT USR1 USR2 STOP CONT'
complete -c hull -n '__hull_using delete' -s f -l force -d 'kill the container first if it is running'
complete -c hull -n '__hull_using spec' -s b -l bundle -r -F -d 'directory to write config.json into'
complete -c hull -n '__hull_using spec' -l rootless -d 'a config for a rootless container'
complete -c hull -n '__hull_using spec' -l seccomp -d "include hull's default seccomp profile"
complete -c hull -n '__hull_using spec' -l image -x -a '(__hull_images)' -d 'a bundle for an image of the store'

# image and its commands
function __hull_image_needs_command
    set -l w (__hull_words); or return 1
    test "$w[1]" = image
end
complete -c hull -n __hull_image_needs_command -a pull -d 'pull an image from a registry into the store'
complete -c hull -n __hull_image_needs_command -a import -d 'import an OCI layout, oci-archive or docker-archive'
complete -c hull -n __hull_image_needs_command -a export -d 'write an image as an OCI layout'
complete -c hull -n __hull_image_needs_command -a ls -d 'list the images of the store'
complete -c hull -n __hull_image_needs_command -a inspect -d "print the image's config"
complete -c hull -n __hull_image_needs_command -a rm -d 'remove images'
complete -c hull -n __hull_image_needs_command -a gc -d 'remove every blob and layer nothing uses'
complete -c hull -n __hull_image_needs_command -a mount -d 'mount an image read-only on a directory'
complete -c hull -n __hull_image_needs_command -a umount -d 'unmount what image mount mounted'
complete -c hull -n "__hull_arg 2 help; and contains -- image (__hull_words)" -a 'pull import export ls inspect rm gc mount umount'
complete -c hull -n "__hull_using 'image pull'" -l tls-verify -x -a 'true false' -d 'false: plain http or unverified TLS'
complete -c hull -n "__hull_using 'image pull'" -l cert-dir -x -a '(__fish_complete_directories (commandline -ct))' -d 'directory of CAs and client certificates'
complete -c hull -n "__hull_using 'image pull'" -l authfile -r -F -d "auth.json with the registry's credentials"
complete -c hull -n "__hull_using 'image pull'" -l creds -x -d 'USER:PASSWORD for the registry'
complete -c hull -n "__hull_using 'image pull'" -l platform -x -a 'linux/amd64 linux/arm64 linux/arm64/v8 linux/arm/v7 linux/arm/v6 linux/386 linux/ppc64le linux/s390x linux/riscv64' -d 'OS/ARCH[/VARIANT]'
complete -c hull -n "__hull_using 'image pull' 'image import'" -l max-layer-size -x -d 'largest uncompressed layer, in bytes'
complete -c hull -n "__hull_using 'image pull' 'image import'" -s q -l quiet -d 'print nothing but errors'
complete -c hull -n "__hull_using 'image ls'" -s f -l format -x -a 'table json' -d 'output format'
complete -c hull -n "__hull_using 'image ls'" -s q -l quiet -d 'image IDs only'
complete -c hull -n "__hull_arg 1 'image import'" -F
complete -c hull -n "__hull_arg 1 'image inspect' 'image export' 'image mount' 'image rm'; or __hull_using 'image rm'" -a '(__hull_images)' -d image
complete -c hull -n "__hull_arg 2 'image export' 'image mount'; or __hull_arg 1 'image umount'" -a '(__fish_complete_directories (commandline -ct))'

# network and its commands
function __hull_network_needs_command
    set -l w (__hull_words); or return 1
    test "$w[1]" = network
end
complete -c hull -n __hull_network_needs_command -a create -d 'define a network (a bridge, its subnets)'
complete -c hull -n __hull_network_needs_command -a ls -d 'list the networks'
complete -c hull -n __hull_network_needs_command -a inspect -d 'print networks and their containers'
complete -c hull -n __hull_network_needs_command -a rm -d 'remove networks no container uses'
complete -c hull -n "__hull_arg 2 help; and contains -- network (__hull_words)" -a 'create ls inspect rm'
complete -c hull -n "__hull_using 'network create'" -l subnet -x -d 'an IPv4 or IPv6 subnet (CIDR)'
complete -c hull -n "__hull_using 'network create'" -l gateway -x -d "the bridge's address in a subnet"
complete -c hull -n "__hull_using 'network create'" -l ipv6 -d 'an IPv6 subnet too'
complete -c hull -n "__hull_using 'network create'" -l internal -d 'no way out'
complete -c hull -n "__hull_using 'network create'" -l bridge -x -d "the bridge's interface name"
complete -c hull -n "__hull_using 'network ls'" -s f -l format -x -a 'table json' -d 'output format'
complete -c hull -n "__hull_using 'network ls'" -s q -l quiet -d 'names only'
complete -c hull -n "__hull_using 'network inspect' 'network rm'" -a '(__hull_networks)' -d network

# container IDs
complete -c hull -n '__hull_arg 1 start state exec ps update pause resume events kill delete' -a '(__hull_containers)' -d container
