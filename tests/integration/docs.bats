#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The documentation against the code: manual pages, README.md, `make
# install` and the shell completions.  The commands and flags come from
# `hull --help` and `hull CMD --help`, so a flag added to the code without
# its documentation (or documented but gone from the code) fails here.

load helpers

MAN_DIR="$HULL_REPO_DIR/man"
COMP_DIR="$HULL_REPO_DIR/contrib/completions"
README="$HULL_REPO_DIR/README.md"

setup() {
	common_setup
	DEST=""
}

teardown() {
	[ -z "$DEST" ] || rm -rf "$DEST"
	common_teardown
}

# The commands `hull --help` lists (not the image and network commands it
# lists under image and network, which are indented further).
commands() {
	"$HULL" --help | sed -n '/^Commands:/,/^$/{s/^  \([a-z]\{1,\}\) .*/\1/p}'
}

# subcommands CMD: the commands `hull CMD --help` lists (those of image and
# network; nothing for a command without commands of its own).
subcommands() {
	"$HULL" "$1" --help | sed -n '/^Commands:/,/^$/{s/^  \([a-z]\{1,\}\) .*/\1/p}'
}

# flags_of [CMD [SUB]]: the flags `hull CMD [SUB] --help` prints (`hull
# --help`'s global options when CMD is empty), one a line: "-s --long" or
# "--long" (digits too: --ip6).
flags_of() {
	if [ -z "$1" ]; then
		"$HULL" --help | sed -n '/^Global options:/,$p'
	else
		"$HULL" "$@" --help
	fi | sed -n 's/^ \{1,\}\(-\([a-zA-Z]\), \)\{0,1\}\(--[a-z][a-z0-9-]*\).*/\2 \3/p' | sed 's/^\([a-zA-Z]\) /-\1 /; s/^ //'
}

# page_flags CMD: the flags CMD's man page documents: flags_of CMD and, for a
# command with commands of its own (image, network), flags_of CMD SUB for
# each, once.
page_flags() {
	local s
	{
		flags_of "$1"
		[ -z "$1" ] || for s in $(subcommands "$1"); do
			flags_of "$1" "$s"
		done
	} | awk '!seen[$0]++'
}

# completable_flags CMD [SUB]: flags_of CMD [SUB] without those CMD only
# shares with run (create's table has run's --detach and --keep, which create
# refuses).
completable_flags() {
	local skip=""
	[ "$1" = run ] || skip="$("$HULL" ${1:+"$@"} --help | sed -n 's/^ .*--\([a-z-]*\) .* run: .*/--\1/p')"
	flags_of "$@" | while read -r a b; do
		[ -n "$skip" ] && grep -qx -- "${b:-$a}" <<<"$skip" && continue
		echo $a $b
	done
}

# man_text FILE: the page as plain text, one long line per paragraph (no
# hyphenation, no line breaks inside option lists).
man_text() {
	groff -man -Tascii -P-cbou -rLL=250n -rHY=0 "$1" 2>/dev/null
}

# has_flag TEXT-FILE FLAG: FLAG appears as a whole word (--cpu-share is not
# found in --cpu-shares).
has_flag() {
	grep -qE -- "(^|[^a-zA-Z0-9-])$2([^a-zA-Z0-9-]|\$)" "$1"
}

@test "docs: hull --help lists the commands (sanity of the parsing below)" {
	run commands
	echo "$output"
	[ "${#lines[@]}" -ge 15 ]
	for c in create start run state exec ps update pause resume events kill delete list spec features; do
		[[ " ${lines[*]} " == *" $c "* ]]
	done
	run flags_of exec
	[[ "$output" == *"-e --env"* ]]
	[[ "$output" == *"--no-new-privs"* ]]
	run flags_of ""
	[[ "$output" == *"--root"* ]]
	[[ "$output" == *"--store"* ]]
	[[ "$output" == *"-v --version"* ]]
	# image and its commands
	run subcommands image
	echo "$output"
	for c in pull import export ls inspect rm gc mount umount; do
		[[ " ${lines[*]} " == *" $c "* ]]
	done
	run subcommands run
	[ -z "$output" ]
	run flags_of image pull
	[[ "$output" == *"--tls-verify"* ]]
	[[ "$output" == *"-q --quiet"* ]]
	run page_flags image
	[[ "$output" == *"--format"* ]]
	[ "$(grep -cx -- '-q --quiet' <<<"$output")" = 1 ]
	# hull help image SUB is hull image SUB --help
	[ "$("$HULL" help image pull)" = "$("$HULL" image pull --help)" ]
	# network and its commands, the same way
	run subcommands network
	echo "$output"
	[ "${#lines[@]}" -eq 4 ]
	for c in create ls inspect rm; do
		[[ " ${lines[*]} " == *" $c "* ]]
	done
	run flags_of network create
	for f in --subnet --gateway --ipv6 --internal --bridge; do
		grep -qx -- "$f" <<<"$output" || { echo "network create: no $f in: $output"; return 1; }
	done
	run page_flags network
	[[ "$output" == *"-f --format"* ]]
	[ "$(grep -cx -- '-q --quiet' <<<"$output")" = 1 ]
	run flags_of run
	for f in --network "-p --publish" --ip --ip6 --mac-address --dns --hostname --add-host; do
		grep -qx -- "$f" <<<"$output" || { echo "run: no $f in: $output"; return 1; }
	done
	[ "$("$HULL" help network create)" = "$("$HULL" network create --help)" ]
}

@test "docs: every command has a man page, and hull(8) exists; none renders with a warning" {
	command -v groff >/dev/null || { echo "groff is missing (make test-deps installs groff-base)"; return 1; }
	local c f err name
	for f in "$MAN_DIR/hull.8" $(commands | sed "s|^|$MAN_DIR/hull-|; s|\$|.8|"); do
		echo "checking $f"
		[ -f "$f" ]
		head -n 1 "$f" | grep -q 'SPDX-License-Identifier: Apache-2.0'
		err="$(groff -man -Tutf8 -ww -z "$f" 2>&1)"
		[ -z "$err" ] || { echo "$err"; return 1; }
		# the sections every page has
		for s in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" "SEE ALSO"; do
			grep -q "^\.SH \"\{0,1\}$s\"\{0,1\}\$" "$f" || { echo "$f: no $s section"; return 1; }
		done
		# hull(8) points to every command's page
		name="$(basename "$f" .8)"
		[ "$name" = hull ] || grep -qF ".BR ${name/-/\\-} (8)" "$MAN_DIR/hull.8" ||
			{ echo "hull.8 does not refer to $name"; return 1; }
	done
	# and no page for a command hull does not have
	for f in "$MAN_DIR"/hull-*.8; do
		c="$(basename "$f" .8)"
		c="${c#hull-}"
		commands | grep -qx "$c" || { echo "$f: hull has no command $c"; return 1; }
	done
}

@test "docs: every flag of hull --help, hull CMD --help and hull image|network SUB --help is in the man page" {
	local c page txt="$HULL_TEST_DIR/man.txt" short long
	for c in "" $(commands); do
		page="$MAN_DIR/hull${c:+-$c}.8"
		man_text "$page" >"$txt"
		[ -s "$txt" ]
		while read -r short long; do
			if [ -z "$long" ]; then
				long="$short"
				short=""
			fi
			if [ -n "$short" ]; then
				# as an option list's tag: "-b, --bundle"
				grep -qE -- "(^|[^a-zA-Z0-9-])$short, $long([^a-zA-Z0-9-]|\$)" "$txt" ||
					{ echo "$page: no \"$short, $long\""; return 1; }
			else
				has_flag "$txt" "$long" || { echo "$page: no $long"; return 1; }
			fi
		done < <(page_flags "$c")
	done
}

@test "docs: a command's man page lists no option the command (or one of its image or network commands) does not have" {
	local c page txt="$HULL_TEST_DIR/man.txt" f known
	for c in $(commands); do
		page="$MAN_DIR/hull-$c.8"
		known="$(page_flags "$c" | tr ' ' '\n')"
		# the tags of the OPTIONS section's list
		man_text "$page" | sed -n '/^OPTIONS/,/^[A-Z]/p' | grep -E '^ {7}-' >"$txt" || true
		[ -s "$txt" ] || { echo "$page: no option list"; return 1; }
		for f in $(grep -oE -- '(^|[ ,])--?[a-z][a-z0-9-]*' "$txt" | tr -d ' ,'); do
			grep -qx -- "$f" <<<"$known" || [ "$f" = --help ] || [ "$f" = -h ] ||
				{ echo "$page lists $f, which \`hull $c --help\` (or \`hull $c SUB --help\`) does not"; return 1; }
		done
	done
}

@test "docs: every flag of hull --help, hull CMD --help and hull image|network SUB --help is in README.md" {
	local c short long
	for c in "" $(commands); do
		while read -r short long; do
			[ -n "$long" ] || long="$short"
			[ "$long" = --help ] && continue
			has_flag "$README" "$long" || { echo "README.md: no ${c:-global} flag $long"; return 1; }
		done < <(page_flags "$c")
	done
	# and every command has its entry in the command list
	for c in $(commands); do
		grep -q "\*\*\`$c[ \`]" "$README" ||
			{ echo "README.md: no entry for $c"; return 1; }
	done
	# and so does every image and network command (- `image pull [options] IMAGE`)
	local s
	for c in image network; do
		for s in $(subcommands "$c"); do
			grep -q "\`$c $s[ \`]" "$README" || { echo "README.md: no entry for $c $s"; return 1; }
		done
	done
}

@test "docs: the cgroup namespace of hull spec, which runc 1.1's spec lacks, is said in README and hull-spec(8)" {
	mkdir "$HULL_TEST_DIR/spec"
	(cd "$HULL_TEST_DIR/spec" && "$HULL" spec)
	jq -e '.linux.namespaces | map(.type) | index("cgroup") != null' "$HULL_TEST_DIR/spec/config.json"
	local entry page="$HULL_TEST_DIR/spec.txt"
	entry="$(sed -n '/^\*\*`spec /,/^$/p' "$README" | tr '\n' ' ')"
	echo "$entry"
	[[ "$entry" == *"mount and cgroup namespaces"* ]]
	[[ "$entry" == *"runc 1.1's \`runc spec\` has none"* ]]
	man_text "$MAN_DIR/hull-spec.8" >"$page"
	grep -q "mount and cgroup namespaces" "$page"
	grep -q "runc 1.1 writes has none" "$page"
}

@test "docs: make install DESTDIR=... installs the binary, the man pages, the completions and the CNI link" {
	DEST="$(mktemp -d "${HULL_TEST_TMP:-/tmp}/hull-install.XXXXXX")"
	run make -C "$HULL_REPO_DIR" -s install DESTDIR="$DEST" PREFIX=/usr
	echo "$output"
	[ "$status" -eq 0 ]
	[ -x "$DEST/usr/bin/hull" ]
	"$DEST/usr/bin/hull" --version
	local f c
	for f in "$MAN_DIR"/*.8; do
		cmp "$f" "$DEST/usr/share/man/man8/$(basename "$f")"
	done
	for c in $(commands); do
		[ -f "$DEST/usr/share/man/man8/hull-$c.8" ]
	done
	cmp "$COMP_DIR/hull.bash" "$DEST/usr/share/bash-completion/completions/hull"
	cmp "$COMP_DIR/_hull" "$DEST/usr/share/zsh/vendor-completions/_hull"
	cmp "$COMP_DIR/hull.fish" "$DEST/usr/share/fish/vendor_completions.d/hull.fish"
	# the CNI plugin: a link to the binary where the CNI plugins are
	[ "$(readlink "$DEST/usr/lib/cni/hull")" = /usr/bin/hull ]
	# nothing outside DESTDIR/PREFIX
	[ -z "$(find "$DEST" -mindepth 1 -maxdepth 1 ! -name usr)" ]
	# PREFIX moves all of it
	run make -C "$HULL_REPO_DIR" -s install DESTDIR="$DEST" PREFIX=/opt/hull
	[ "$status" -eq 0 ]
	[ -x "$DEST/opt/hull/bin/hull" ]
	[ -f "$DEST/opt/hull/share/man/man8/hull.8" ]
	[ -f "$DEST/opt/hull/share/bash-completion/completions/hull" ]
}

# bash_complete WORD...: what the bash completion offers for the command line
# WORD... (the last word is the one being completed), one a line, sorted.
# With COMPLETE_NETNS=1, in a network namespace of its own (where the
# completion may run `hull network ls`).
bash_complete() {
	local wrap=()
	[ -z "${COMPLETE_NETNS:-}" ] || wrap=(unshare --net)
	"${wrap[@]}" bash --norc --noprofile -c '
		source "$1"
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_hull
		printf "%s\n" "${COMPREPLY[@]}"' _ "$COMP_DIR/hull.bash" "$@" | sort
}

@test "docs: bash completion: commands, flags, option values" {
	run bash_complete hull cr
	[ "$output" = create ]
	run bash_complete hull run --b
	[ "$output" = --bundle ]
	run bash_complete hull --log-format ""
	[ "$output" = "$(printf 'json\ntext')" ]
	run bash_complete hull list --format ""
	[ "$output" = "$(printf 'json\ntable')" ]
	run bash_complete hull image ls --format ""
	[ "$output" = "$(printf 'json\ntable')" ]
	run bash_complete hull network ls --format ""
	[ "$output" = "$(printf 'json\ntable')" ]
	run bash_complete hull net
	[ "$output" = network ]
	run bash_complete hull --store /tmp network cr
	[ "$output" = create ]
	run bash_complete hull network create --subnet 10.1.0.0/24 --i
	[ "$output" = "$(printf -- '--internal\n--ipv6')" ]
	run bash_complete hull run -p 8080:80 --ip 10.90.0.9 --dns 1.1.1.1 --add
	[ "$output" = --add-host ]
	run bash_complete hull image pull --tls-verify ""
	[ "$output" = "$(printf 'false\ntrue')" ]
	run bash_complete hull image pull --tls-verify = f
	[ "$output" = false ]
	run bash_complete hull im
	[ "$output" = image ]
	run bash_complete hull --store /tmp image pu
	[ "$output" = pull ]
	# the value of an option is no argument: flags still complete after it
	run bash_complete hull run --image x -e A=1 -v /a:/b --w
	[ "$output" = --workdir ]
	run bash_complete hull image pull --platform linux/arm64 --q
	[ "$output" = --quiet ]
	# every command, and every flag each command has
	run bash_complete hull ""
	local c f s
	for c in $(commands); do
		grep -qx "$c" <<<"$output" || { echo "no command $c"; return 1; }
	done
	for c in "" $(commands); do
		if [ -z "$c" ]; then
			run bash_complete hull -
		else
			run bash_complete hull "$c" -
		fi
		for f in $(completable_flags "$c"); do
			grep -qx -- "$f" <<<"$output" || { echo "hull $c: no $f in: $output"; return 1; }
		done
	done
	# hull image and hull network: their commands, and every flag each of them has
	local fam
	for fam in image network; do
		run bash_complete hull "$fam" ""
		[ "$output" = "$(subcommands "$fam" | sort)" ] || { echo "hull $fam: $output"; return 1; }
		for s in $(subcommands "$fam"); do
			run bash_complete hull "$fam" "$s" -
			for f in $(completable_flags "$fam" "$s"); do
				grep -qx -- "$f" <<<"$output" || { echo "hull $fam $s: no $f in: $output"; return 1; }
			done
			run bash_complete hull help "$fam" "${s:0:2}"
			grep -qx -- "$s" <<<"$output" || { echo "hull help $fam: no $s in: $output"; return 1; }
		done
	done
}

@test "docs: bash completion: container IDs from hull list -q, in the --root given" {
	create_ct
	run bash_complete "$HULL" --root "$HULL_ROOT" kill ""
	echo "$output"
	grep -qx "$CID" <<<"$output"
	run bash_complete "$HULL" --root "$HULL_ROOT" delete -f ""
	grep -qx "$CID" <<<"$output"
	# bash splits --root=DIR at the "="
	run bash_complete "$HULL" --root = "$HULL_ROOT" state "${CID:0:3}"
	grep -qx "$CID" <<<"$output"
	# an ID only where one goes
	run bash_complete "$HULL" --root "$HULL_ROOT" kill "$CID" ""
	refute grep -qx "$CID" <<<"$output"
	run bash_complete "$HULL" --root "$HULL_ROOT" create ""
	[ -z "$output" ]
	# another root, other containers
	run bash_complete "$HULL" --root "$HULL_TEST_DIR/elsewhere" kill ""
	refute grep -qx "$CID" <<<"$output"
}

@test "docs: zsh completion parses" {
	command -v zsh >/dev/null || skip "zsh is not installed (apt-get install zsh)"
	head -n 1 "$COMP_DIR/_hull" | grep -qx '#compdef hull'
	run zsh -n "$COMP_DIR/_hull"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "docs: fish completion parses and completes commands, flags and container IDs" {
	command -v fish >/dev/null || skip "fish is not installed (apt-get install fish)"
	run fish -n "$COMP_DIR/hull.fish"
	echo "$output"
	[ "$status" -eq 0 ]
	fish_complete() {
		fish --no-config -c 'source $argv[1]; complete -C $argv[2]' "$COMP_DIR/hull.fish" "$1" | cut -f1 | sort
	}
	run fish_complete "hull cr"
	[ "$output" = create ]
	run fish_complete "hull run --b"
	[ "$output" = --bundle ]
	local c f
	for c in $(commands); do
		run fish_complete "hull $c --"
		for f in $(completable_flags "$c" | grep -o -- '--[a-z0-9-]*'); do
			grep -qx -- "$f" <<<"$output" || { echo "hull $c: no $f in: $output"; return 1; }
		done
	done
	local s fam
	for fam in image network; do
		run fish_complete "hull $fam "
		[ "$output" = "$(subcommands "$fam" | sort)" ] || { echo "hull $fam: $output"; return 1; }
		for s in $(subcommands "$fam"); do
			run fish_complete "hull $fam $s --"
			for f in $(completable_flags "$fam" "$s" | grep -o -- '--[a-z0-9-]*'); do
				grep -qx -- "$f" <<<"$output" || { echo "hull $fam $s: no $f in: $output"; return 1; }
			done
		done
	done
	run fish_complete "hull image ls --format "
	[ "$output" = "$(printf 'json\ntable')" ]
	run fish_complete "hull network ls --format "
	[ "$output" = "$(printf 'json\ntable')" ]
	run fish_complete "hull image pull --tls-verify "
	[ "$output" = "$(printf 'false\ntrue')" ]
	create_ct
	run fish_complete "$HULL --root $HULL_ROOT kill "
	echo "$output"
	grep -qx "$CID" <<<"$output"
	run fish_complete "$HULL --root $HULL_TEST_DIR/elsewhere kill "
	refute grep -qx "$CID" <<<"$output"
	# --store before the command is no command
	run fish_complete "$HULL --store $HULL_TEST_DIR/elsewhere --root $HULL_ROOT kill "
	grep -qx "$CID" <<<"$output"
}

@test "docs: bash and fish completion: image names from hull image ls, in the --store given" {
	command -v umoci >/dev/null && command -v skopeo >/dev/null || skip "umoci and skopeo are needed to build the image (make test-deps)"
	source "$HULL_REPO_DIR/tests/lib/images.bash"
	image_small "$HULL_TEST_DIR/img"
	local store="$HULL_TEST_DIR/store" name=localhost/small:1
	"$HULL" --store "$store" image import -q "$HULL_TEST_DIR/img/oci:$name"
	"$HULL" --store "$store" image ls
	# where an IMAGE goes
	run bash_complete "$HULL" --store "$store" image inspect ""
	echo "$output"
	[ "$output" = "$name" ]
	run bash_complete "$HULL" --store = "$store" image rm loc
	[ "$output" = "$name" ]
	run bash_complete "$HULL" --store "$store" image rm "$name" ""
	[ "$output" = "$name" ]
	run bash_complete "$HULL" "--store=$store" image export ""
	[ "$output" = "$name" ]
	run bash_complete "$HULL" --store "$store" image mount l
	[ "$output" = "$name" ]
	run bash_complete "$HULL" --store "$store" run --image ""
	[ "$output" = "$name" ]
	run bash_complete "$HULL" --store "$store" create --image = ""
	[ "$output" = "$name" ]
	run bash_complete "$HULL" --store "$store" spec -b /tmp --image ""
	[ "$output" = "$name" ]
	# bash splits localhost/small:1 at the ":", and replaces what follows it
	run bash_complete "$HULL" --store "$store" image inspect localhost/small :
	[ "$output" = 1 ]
	# an image only where one goes: after it, a directory (or a container ID)
	run bash_complete "$HULL" --store "$store" image mount localhost/small : 1 ""
	refute grep -qx "$name" <<<"$output"
	run bash_complete "$HULL" --store "$store" run --image localhost/small : 1 ""
	[ -z "$output" ]
	run bash_complete "$HULL" --store "$store" image pull ""
	[ -z "$output" ]
	# another store, other images
	run bash_complete "$HULL" --store "$HULL_TEST_DIR/elsewhere" image inspect ""
	[ -z "$output" ]
	command -v fish >/dev/null || skip "fish is not installed (apt-get install fish): bash only"
	fish_complete() {
		fish --no-config -c 'source $argv[1]; complete -C $argv[2]' "$COMP_DIR/hull.fish" "$1" | cut -f1 | sort
	}
	run fish_complete "$HULL --store $store image inspect "
	echo "$output"
	[ "$output" = "$name" ]
	run fish_complete "$HULL --store=$store image rm $name "
	[ "$output" = "$name" ]
	run fish_complete "$HULL --store $store run --image "
	[ "$output" = "$name" ]
	run fish_complete "$HULL --store $store spec --image l"
	[ "$output" = "$name" ]
	run fish_complete "$HULL --store $HULL_TEST_DIR/elsewhere image inspect "
	[ -z "$output" ]
}

@test "docs: bash and fish completion: network names from hull network ls -q, in the --store given" {
	command -v unshare >/dev/null || skip "unshare is needed (util-linux)"
	# `hull network` reads the host's routes: only in a network namespace of
	# the test's own.
	local store="$HULL_TEST_DIR/store"
	unshare --net "$HULL" --store "$store" network create web
	unshare --net "$HULL" --store "$store" network create --internal back
	export COMPLETE_NETNS=1
	local all
	all="$(printf 'back\nhull\nweb')"
	# where a NAME goes: --network, network inspect and rm
	run bash_complete "$HULL" --store "$store" network inspect ""
	echo "$output"
	[ "$output" = "$all" ]
	run bash_complete "$HULL" --store = "$store" network rm w
	[ "$output" = web ]
	run bash_complete "$HULL" --store "$store" network rm web ""
	[ "$output" = "$all" ]
	# --network: those, none and host
	run bash_complete "$HULL" "--store=$store" run --network ""
	[ "$output" = "$(printf 'back\nhost\nhull\nnone\nweb')" ]
	run bash_complete "$HULL" --store "$store" create --network = b
	[ "$output" = back ]
	# not where a new name goes, nor for ls
	run bash_complete "$HULL" --store "$store" network create ""
	[ -z "$output" ]
	run bash_complete "$HULL" --store "$store" network ls ""
	[ -z "$output" ]
	# another store: only the default network
	run bash_complete "$HULL" --store "$HULL_TEST_DIR/elsewhere" network inspect ""
	[ "$output" = hull ]
	command -v fish >/dev/null || skip "fish is not installed (apt-get install fish): bash only"
	fish_complete() {
		unshare --net fish --no-config -c 'source $argv[1]; complete -C $argv[2]' "$COMP_DIR/hull.fish" "$1" | cut -f1 | sort
	}
	run fish_complete "$HULL --store $store network inspect "
	echo "$output"
	[ "$output" = "$all" ]
	run fish_complete "$HULL --store=$store network rm web "
	[ "$output" = "$all" ]
	run fish_complete "$HULL --store $store run --network "
	[ "$output" = "$(printf 'back\nhost\nhull\nnone\nweb')" ]
	run fish_complete "$HULL --store $store network create "
	[ -z "$output" ]
}
