# SPDX-License-Identifier: Apache-2.0
# tests/common.bash: the small helpers every bats suite here uses, sourced by
# tests/integration/helpers.bash and tests/clients/helpers.bash.

# retry TRIES DELAY CMD...: run CMD until it succeeds, at most TRIES times.
retry() {
	local tries="$1" delay="$2" i
	shift 2
	for ((i = 0; i < tries; i++)); do
		"$@" && return 0
		sleep "$delay"
	done
	echo "retry: gave up on: $*" >&2
	return 1
}

# refute CMD...: fail (with a message) when CMD succeeds.  Use it instead of
# `! CMD`, which bats does not count as a failure in the middle of a test
# (bash's errexit ignores negated commands).
refute() {
	if "$@"; then
		echo "expected to fail: $*" >&2
		return 1
	fi
	return 0
}

# none_left WHAT VALUE: fail, saying "WHAT left: VALUE", unless VALUE is empty.
none_left() {
	[ -z "$2" ] && return 0
	echo "$1 left: $2" >&2
	return 1
}
