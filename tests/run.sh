#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The single test runner (`make check` calls it from the repo root after
# building hull and the unit tests).
#
#   sh tests/run.sh                      unit (build/unit, build/asan) + a short fuzz run
#                                        (build/fuzz, HULL_FUZZ_TIME s each, default 20;
#                                        HULL_FUZZ=0: not) + all integration tests
#                                        + tests/clients (Podman, containerd, Docker; HULL_CLIENTS=0: not)
#   sh tests/run.sh tests/integration/cli.bats ...   only these .bats files
#
# Unit binaries print TAP ("ok N - ..." / "not ok N - ..."); one that crashes
# or exits non-zero without a "not ok" line counts as one failure, and so does
# every test its plan ("1..N") announced but never reported.  The last line
# is always "N passed, M failed" (", K skipped" when some were skipped); the
# exit status is non-zero iff M > 0.

cd "$(dirname "$0")/.." || exit 2

PASSED=0
FAILED=0
VM_TESTS=0
SKIPPED=0
TMP="$(mktemp -d "${TMPDIR:-/tmp}/hull-run.XXXXXX")" || exit 2
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

# count_tap FILE RC: add FILE's TAP results to the totals; RC is the exit
# status of whatever produced it.
count_tap() {
	_f="$1"
	_rc="$2"
	_ok=$(grep -Ec '^ok [0-9]+' "$_f")
	_skip=$(grep -Eic '^ok [0-9]+.*# *skip' "$_f")
	_notok=$(grep -Ec '^not ok [0-9]+' "$_f")
	_plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$_f" | head -n 1)
	_seen=$((_ok + _notok))
	_missing=0
	if [ -n "$_plan" ] && [ "$_plan" -gt "$_seen" ]; then
		_missing=$((_plan - _seen))
	fi
	_extra=$_missing
	if [ "$_rc" -ne 0 ] && [ "$_notok" -eq 0 ] && [ "$_missing" -eq 0 ]; then
		_extra=1
	fi
	PASSED=$((PASSED + _ok - _skip))
	SKIPPED=$((SKIPPED + _skip))
	FAILED=$((FAILED + _notok + _extra))
	if [ "$_extra" -gt 0 ]; then
		echo "# $3: exit status $_rc, $_missing result(s) missing: counted as $_extra failure(s)"
	fi
}

run_unit() {
	_bin="$1"
	echo "# $_bin"
	_out="$TMP/unit.out"
	if command -v timeout >/dev/null 2>&1; then
		timeout 600 "$_bin" >"$_out" 2>&1
	else
		"$_bin" >"$_out" 2>&1
	fi
	_urc=$?
	cat "$_out"
	count_tap "$_out" "$_urc" "$_bin"
}

if [ $# -eq 0 ]; then
	for dir in build/unit build/asan; do
		[ -d "$dir" ] || continue
		for bin in "$dir"/*; do
			[ -f "$bin" ] && [ -x "$bin" ] || continue
			run_unit "$bin"
		done
	done
	# The config.json and state.json readers, the image document reader and
	# the layer unpacker under libFuzzer (tests/fuzz):
	# a crash, leak or sanitizer report is a failure.
	if [ "${HULL_FUZZ:-1}" != 0 ]; then
		echo "# sh tests/fuzz/run.sh ${HULL_FUZZ_TIME:-20}"
		sh tests/fuzz/run.sh "${HULL_FUZZ_TIME:-20}" >"$TMP/fuzz.out" 2>&1
		_frc=$?
		cat "$TMP/fuzz.out"
		count_tap "$TMP/fuzz.out" "$_frc" tests/fuzz/run.sh
	fi
	set -- tests/integration/*.bats
	# hull under real Podman, containerd and Docker; HULL_CLIENTS=0 skips them.
	if [ "${HULL_CLIENTS:-1}" != 0 ]; then
		set -- "$@" tests/clients/*.bats
	fi
	VM_TESTS=1
fi

if [ $# -gt 0 ] && [ -e "$1" ]; then
	if command -v bats >/dev/null 2>&1; then
		echo "# bats --tap $*"
		{
			bats --tap "$@" 2>&1
			echo $? >"$TMP/bats.rc"
		} | tee "$TMP/bats.out"
		count_tap "$TMP/bats.out" "$(cat "$TMP/bats.rc" 2>/dev/null || echo 1)" bats
	else
		echo "# bats not found: integration tests not run"
		FAILED=$((FAILED + 1))
	fi
else
	echo "# no integration tests given/found: $*"
	FAILED=$((FAILED + 1))
fi

# The cgroup tests that need pure cgroup v2 (eBPF devices, v2 file names and
# conversions, cgroup.freeze, memory.events) run again in a qemu guest
# (tests/vm).  Processes start ~30x slower there (TCG), so only those tests:
# the rest of the cgroup suites ran above on this host.  Then systemd.bats
# runs in a guest whose PID 1 is systemd.  HULL_VM=0 skips both.
if [ "$VM_TESTS" = 1 ] && [ "${HULL_VM:-1}" != 0 ]; then
	VM_FILTER='^(memory: swap|memory: disableOOMKiller|memory: the OOM kill is counted|cpu: shares|cpu: quota and period|devices: |unified: pids.max|cleanup: every cgroup|update --cpu-shares|update --pids-limit|pause freezes|events reports an OOM|events --stats without any limit)'
	echo "# tests/vm/run.sh bats --tap --filter ... (pure cgroup v2 guest)"
	{
		VM_PASSENV="HULL" tests/vm/run.sh bats --tap --filter "'$VM_FILTER'" \
			tests/integration/cgroups.bats tests/integration/update.bats \
			tests/integration/pause.bats tests/integration/events.bats 2>&1
		echo $? >"$TMP/vm.rc"
	} | sed 's/^\(not \)\{0,1\}ok [0-9]* /&[v2 vm] /' | tee "$TMP/vm.out"
	count_tap "$TMP/vm.out" "$(cat "$TMP/vm.rc" 2>/dev/null || echo 1)" vm

	# The systemd cgroup driver (--systemd-cgroup) needs systemd as PID 1,
	# which this host does not have: a second guest boots with systemd.
	echo "# VM_INIT=systemd tests/vm/run.sh bats --tap tests/integration/systemd.bats (systemd as PID 1)"
	{
		VM_INIT=systemd VM_PASSENV="HULL" tests/vm/run.sh bats --tap tests/integration/systemd.bats 2>&1
		echo $? >"$TMP/sdvm.rc"
	} | sed 's/^\(not \)\{0,1\}ok [0-9]* /&[systemd vm] /' | tee "$TMP/sdvm.out"
	count_tap "$TMP/sdvm.out" "$(cat "$TMP/sdvm.rc" 2>/dev/null || echo 1)" "systemd vm"
fi

summary="$PASSED passed, $FAILED failed"
[ "$SKIPPED" -gt 0 ] && summary="$summary, $SKIPPED skipped"
echo "$summary"
[ "$FAILED" -eq 0 ]
