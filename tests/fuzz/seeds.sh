#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Rebuild the seed corpora of tests/fuzz/corpus/{config,state} from every
# document the tests use, kept small (libFuzzer's -merge: only the inputs
# that add coverage):
#   - what the unit tests give spec_parse, spec_process_parse,
#     spec_resources_parse, and the state.json files they write (the unit
#     tests linked with tests/fuzz/dump.c);
#   - `hull spec` (plain, --rootless, --seccomp) and the default config of
#     tests/integration/helpers.bash;
#   - that config changed by each constant `set_cfg 'FILTER'` of the
#     integration tests (jq), as the tests change it.
# Run from the repo root after `make hull fuzz-build`: sh tests/fuzz/seeds.sh
set -eu
cd "$(dirname "$0")/../.."
TMP="$(mktemp -d "${TMPDIR:-/tmp}/hull-seeds.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/config" "$TMP/state"

LIB="$(ls build/spec/*.o build/cgroups/*.o build/seccomp/*.o build/runtime/*.o | grep -v runtime/main.o)"
WRAP="-Wl,--wrap=spec_parse,--wrap=spec_process_parse,--wrap=spec_resources_parse,--wrap=write_file_atomic"
for t in test_spec test_runtime test_hooks; do
	# shellcheck disable=SC2086
	cc -O1 -g -std=gnu11 -D_GNU_SOURCE -I. $(pkg-config --cflags yajl) -o "$TMP/$t" \
		"tests/unit/$t.c" tests/fuzz/dump.c $LIB build/trampoline.o build/profile.o build/clone_vm.o \
		$WRAP $(pkg-config --libs yajl libseccomp libcap libmnl)
	(cd "$TMP" && FUZZ_DUMP="$TMP" "./$t" >/dev/null 2>&1) || true
done

for flags in "" --rootless --seccomp; do
	mkdir "$TMP/spec"
	# shellcheck disable=SC2086
	(cd "$TMP/spec" && "$OLDPWD/hull" spec $flags)
	base="$TMP/config/spec${flags#--}"
	cp "$TMP/spec/config.json" "$base"
	rm -rf "$TMP/spec"
done
sed -n "/^default_config() {/,/^EOF/p" tests/integration/helpers.bash | sed '1,2d;$d' >"$TMP/default.json"
cp "$TMP/default.json" "$TMP/config/helpers-default"
n=0
grep -ho "set_cfg '[^']*'\$" tests/integration/*.bats | sed "s/^set_cfg '//; s/'\$//" | sort -u |
	while IFS= read -r filter; do
		n=$((n + 1))
		jq "$filter" "$TMP/default.json" >"$TMP/config/bats-$n" 2>/dev/null || rm -f "$TMP/config/bats-$n"
	done

for h in config state; do
	mkdir -p "tests/fuzz/corpus/$h"
	rm -f "tests/fuzz/corpus/$h"/*
	"build/fuzz/fuzz_$h" -merge=1 "tests/fuzz/corpus/$h" "$TMP/$h" 2>&1 | tail -n 1
done
