#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Run the fuzz harnesses (built by `make fuzz-build` into build/fuzz):
#
#   sh tests/fuzz/run.sh SECONDS [HARNESS...]     (default: every build/fuzz/fuzz_*)
#
# Each runs SECONDS on its seeds (tests/fuzz/corpus/<name>, read only) and
# what earlier runs found (build/fuzz/corpus/<name>), with the dictionary
# tests/fuzz/<name>.dict (JSON tokens, field names; tar and whiteout names
# for layer), and prints one TAP
# line: "ok N - fuzz_config 20s, no crash", or "not ok" when it found a
# crash, a leak, a sanitizer report or a broken promise of the reader
# (the input is kept in build/fuzz/artifacts/; run the harness on it to
# see it again).  The exit status is non-zero iff one failed.
cd "$(dirname "$0")/../.." || exit 2
secs="${1:-180}"
[ $# -gt 0 ] && shift
if [ $# -eq 0 ]; then
	set -- build/fuzz/fuzz_config build/fuzz/fuzz_state build/fuzz/fuzz_image build/fuzz/fuzz_layer build/fuzz/fuzz_network
fi
echo "1..$#"
n=0
failed=0
for bin in "$@"; do
	n=$((n + 1))
	name="$(basename "$bin")"
	h="${name#fuzz_}"
	if [ ! -x "$bin" ]; then
		echo "not ok $n - $name: not built (make fuzz-build)"
		failed=$((failed + 1))
		continue
	fi
	mkdir -p "build/fuzz/corpus/$h" build/fuzz/artifacts
	log="build/fuzz/$name.log"
	dict=
	[ -f "tests/fuzz/$h.dict" ] && dict="-dict=tests/fuzz/$h.dict"
	# -timeout: one input may take no more than 10 s; leaks are reported
	# (ASan's leak check) and fail the run like crashes do.
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
		-artifact_prefix=build/fuzz/artifacts/ -print_final_stats=1 $dict \
		"build/fuzz/corpus/$h" "tests/fuzz/corpus/$h" >"$log" 2>&1
	rc=$?
	runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
	if [ "$rc" -eq 0 ] && ! grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:' "$log"; then
		echo "ok $n - $name ${secs}s, ${runs:-?} runs, no crash"
	else
		failed=$((failed + 1))
		echo "not ok $n - $name ${secs}s: exit status $rc (log: $log)"
		grep -E 'ERROR|runtime error|SUMMARY|^fuzz_|Test unit written|artifact' "$log" | head -n 20 | sed 's/^/#   /'
	fi
done
[ "$failed" -eq 0 ]
