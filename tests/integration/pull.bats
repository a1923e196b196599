#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# hull image pull against a real registry: Debian's docker-registry on
# 127.0.0.1 (tests/lib/registry.bash), TLS with a CA of the test's own,
# htpasswd and token auth; images made offline (tests/lib/images.bash)
# and pushed with skopeo.  Every test has a store of its own; the registry
# is started and removed by each test.

load helpers
source "$HULL_REPO_DIR/tests/lib/registry.bash"
source "$HULL_REPO_DIR/tests/lib/images.bash"

setup_file() {
	common_setup_file
	[ -z "$(registry_tools_missing)" ] || return 0
	export IMAGES="$BATS_FILE_TMPDIR/images"
	mkdir -p "$IMAGES"
	image_small "$IMAGES/small" >&2
	image_rich "$IMAGES/rich" >&2
}

setup() {
	common_setup
	local missing
	missing="$(registry_tools_missing)"
	[ -z "$missing" ] || skip "needs $missing (make test-deps)"
	STORE="$HULL_TEST_DIR/store"
	SMALL="$IMAGES/small/oci"
	RICH="$IMAGES/rich/oci"
	REGISTRY_DIR=""
}

teardown() {
	[ -z "${REGISTRY_DIR:-}" ] || registry_stop
	common_teardown
}

hs() { hull --store "$STORE" "$@"; }
himg() { hrun --store "$STORE" "$@"; }

# push LAYOUT:TAG REPO:TAG [skopeo options]: to $REGISTRY.
push() {
	local src="$1" dst="$2"
	shift 2
	[ $# -gt 0 ] || set -- --dest-tls-verify=false
	skopeo copy --quiet "$@" "oci:$src" "docker://$REGISTRY/$dst" >&2
}

store_clean() {
	local left
	left="$(cd "$STORE" && find names images layers blobs/sha256 containers -mindepth 1 2>/dev/null)"
	[ -z "$left" ] || { echo "left in the store: $left" >&2; return 1; }
}

@test "pull: by tag and by digest over TLS (the CA in --cert-dir); the image runs" {
	registry_start --tls
	push "$RICH:rich" test/rich:1 --dest-cert-dir "$REGISTRY_CERT_DIR"
	himg image pull --cert-dir "$REGISTRY_CERT_DIR" "$REGISTRY/test/rich:1"
	[ "$status" -eq 0 ]
	digest="${lines[-1]}"
	[[ "$digest" == sha256:* ]]
	[ "$digest" = "$(skopeo inspect --cert-dir "$REGISTRY_CERT_DIR" "docker://$REGISTRY/test/rich:1" | jq -r .Digest)" ]
	# one line per layer, then config and manifest, then the digest
	[ "$(grep -c '^Copying blob' <<<"$output")" -ge 4 ]
	himg run --image "$REGISTRY/test/rich:1" "$CID"
	[ "$output" = "hello from rich" ]
	himg image pull -q --cert-dir "$REGISTRY_CERT_DIR" "$REGISTRY/test/rich@$digest"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	himg image ls --format json
	[ "$(jq -r '[.[].digest] | unique | length' <<<"$output")" = 1 ]
	# without the CA: a clear error, nothing in the store
	rm -rf "$STORE"
	himg image pull "$REGISTRY/test/rich:1"
	[ "$status" -ne 0 ]
	assert_one_line_error "$REGISTRY" "certificate"
	store_clean
}

@test "pull: a pulled image's rootfs is what umoci unpack gives, file for file" {
	registry_start
	push "$RICH:rich" test/rich:1
	himg image pull -q --tls-verify=false "$REGISTRY/test/rich:1"
	[ "$status" -eq 0 ]
	image_umoci_rootfs "$IMAGES/rich/oci" rich "$HULL_TEST_DIR/umoci"
	mkdir "$HULL_TEST_DIR/mnt"
	hs image mount "$REGISTRY/test/rich:1" "$HULL_TEST_DIR/mnt"
	image_rootfs_listing "$HULL_TEST_DIR/umoci/rootfs" >"$HULL_TEST_DIR/want"
	image_rootfs_listing "$HULL_TEST_DIR/mnt" >"$HULL_TEST_DIR/got"
	hs image umount "$HULL_TEST_DIR/mnt"
	diff -u "$HULL_TEST_DIR/want" "$HULL_TEST_DIR/got"
}

@test "pull: htpasswd credentials by --creds and by --authfile; a wrong password is refused" {
	registry_start --tls --htpasswd alice:s3cret
	push "$SMALL:small" priv/small:1 --dest-cert-dir "$REGISTRY_CERT_DIR" --dest-creds alice:s3cret
	himg image pull --cert-dir "$REGISTRY_CERT_DIR" --creds alice:wrong "$REGISTRY/priv/small:1"
	[ "$status" -ne 0 ]
	assert_one_line_error "unauthorized"
	store_clean
	himg image pull -q --cert-dir "$REGISTRY_CERT_DIR" --creds alice:s3cret "$REGISTRY/priv/small:1"
	[ "$status" -eq 0 ]
	rm -rf "$STORE"
	printf '{"auths":{"%s":{"auth":"%s"}}}' "$REGISTRY" "$(printf alice:s3cret | base64)" >"$HULL_TEST_DIR/auth.json"
	himg image pull -q --cert-dir "$REGISTRY_CERT_DIR" --authfile "$HULL_TEST_DIR/auth.json" "$REGISTRY/priv/small:1"
	[ "$status" -eq 0 ]
	himg run --image "$REGISTRY/priv/small:1" "$CID" echo in
	[ "$output" = in ]
}

@test "pull: bearer tokens (the WWW-Authenticate flow)" {
	registry_start --tls --token
	push "$SMALL:small" tok/small:1 --dest-cert-dir "$REGISTRY_CERT_DIR"
	himg image pull -q --cert-dir "$REGISTRY_CERT_DIR" "$REGISTRY/tok/small:1"
	[ "$status" -eq 0 ]
	[ -s "$REGISTRY_TOKEN_DIR/requests" ]
}

@test "pull: an index: the host's platform, or the one --platform asks for; zstd layers" {
	registry_start
	image_multiarch "$SMALL" "$HULL_TEST_DIR/multi"
	skopeo copy --quiet --all --dest-tls-verify=false "oci:$HULL_TEST_DIR/multi" "docker://$REGISTRY/test/multi:1" >&2 ||
		skopeo copy --quiet --all --dest-tls-verify=false "oci:$HULL_TEST_DIR/multi:multi" "docker://$REGISTRY/test/multi:1" >&2
	himg image pull -q --tls-verify=false "$REGISTRY/test/multi:1"
	[ "$status" -eq 0 ]
	[ "$(hs image inspect "$REGISTRY/test/multi:1" | jq -r .architecture)" = amd64 ]
	himg image pull -q --tls-verify=false --platform linux/arm64 "$REGISTRY/test/multi:1"
	[ "$status" -eq 0 ]
	[ "$(hs image inspect "$REGISTRY/test/multi:1" | jq -r .architecture)" = arm64 ]
	himg image pull --tls-verify=false --platform linux/s390x "$REGISTRY/test/multi:1"
	[ "$status" -ne 0 ]
	assert_one_line_error "linux/amd64" "linux/arm64"
	# Docker schema 2 media types
	push "$SMALL:small" test/docker:1 --dest-tls-verify=false --format v2s2
	[ "$(skopeo inspect --raw --tls-verify=false "docker://$REGISTRY/test/docker:1" | jq -r .mediaType)" = \
		application/vnd.docker.distribution.manifest.v2+json ]
	himg image pull -q --tls-verify=false "$REGISTRY/test/docker:1"
	[ "$status" -eq 0 ]
	himg run --image "$REGISTRY/test/docker:1" "$CID" echo docker
	[ "$output" = docker ]
	image_zstd "$RICH" rich "$HULL_TEST_DIR/zstd"
	push "$HULL_TEST_DIR/zstd:rich" test/zstd:1
	himg image pull -q --tls-verify=false "$REGISTRY/test/zstd:1"
	[ "$status" -eq 0 ]
	himg run --image "$REGISTRY/test/zstd:1" "$CID" cat /etc/motd
	[ "$status" -eq 0 ]
}

@test "pull: missing images, a refused registry, an unreachable one: one line, nothing left" {
	registry_start
	himg image pull --tls-verify=false "$REGISTRY/test/none:1"
	[ "$status" -ne 0 ]
	assert_one_line_error "test/none" "not found"
	himg image pull --tls-verify=false "127.0.0.1:1/x/y:1"
	[ "$status" -ne 0 ]
	assert_one_line_error "127.0.0.1:1"
	himg image pull --tls-verify=maybe "$REGISTRY/test/none:1"
	assert_one_line_error '--tls-verify: "maybe"'
	himg image pull "Bad/Name"
	assert_one_line_error 'invalid reference "Bad/Name"'
	[ ! -e "$STORE/names" ] || store_clean
}

@test "pull: a registry serving altered bytes under a digest is refused, nothing kept under it" {
	registry_start
	push "$SMALL:small" test/small:1
	# the registry's own storage, one layer's data changed (same size)
	local data
	data="$(find "$REGISTRY_DIR" -path '*/blobs/sha256/*/data' -size +100k | head -n 1)"
	[ -n "$data" ]
	python3 -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read()); b[len(b)//2]^=0xff; open(p,"wb").write(b)' "$data"
	himg image pull --tls-verify=false "$REGISTRY/test/small:1"
	[ "$status" -ne 0 ]
	echo "$stderr"
	assert_one_line_error "sha256:"
	store_clean
	[ -z "$(find "$STORE/tmp" -name 'layer-*')" ]
}

@test "pull: two pulls at once do the work once; a second pull of a pulled image fetches no blob" {
	registry_start
	push "$RICH:rich" test/rich:1
	hs image pull -q --tls-verify=false "$REGISTRY/test/rich:1" &
	p1=$!
	hs image pull -q --tls-verify=false "$REGISTRY/test/rich:1" &
	p2=$!
	wait "$p1"
	wait "$p2"
	himg image ls --format json
	[ "$(jq -r 'length' <<<"$output")" = 1 ]
	himg image pull --tls-verify=false "$REGISTRY/test/rich:1"
	[ "$status" -eq 0 ]
	[[ "$output" == *"skipped: already exists"* ]]
	refute grep -q "done" <<<"$(grep '^Copying blob' <<<"$output")"
}

@test "pull: killed at random moments, the next pull completes; the store holds only the image's blobs" {
	registry_start
	push "$RICH:rich" test/rich:1
	local i
	for i in $(seq 1 "${HULL_PULL_KILLS:-50}"); do
		hs image pull -q --tls-verify=false "$REGISTRY/test/rich:1" &
		local p=$!
		sleep "0.$((RANDOM % 40))"
		kill -9 "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
		if [ $((i % 4)) -eq 0 ]; then
			hs image rm "$REGISTRY/test/rich:1" >/dev/null 2>&1 || true
		fi
	done
	himg image pull -q --tls-verify=false "$REGISTRY/test/rich:1"
	[ "$status" -eq 0 ]
	himg run --image "$REGISTRY/test/rich:1" "$CID"
	[ "$output" = "hello from rich" ]
	# the blob set is exactly the image's: manifest, config, layers
	want="$(skopeo inspect --raw --tls-verify=false "docker://$REGISTRY/test/rich:1" |
		jq -r '.config.digest, .layers[].digest' | cut -d: -f2 | sort)"
	got="$(ls "$STORE/blobs/sha256" | sort)"
	manifest="$(hs image ls --format json | jq -r '.[0].digest' | cut -d: -f2)"
	[ "$(printf '%s\n%s\n' "$want" "$manifest" | sort)" = "$got" ]
	# nothing half-written: no layer directory being unpacked, no import
	[ -z "$(find "$STORE/tmp" -mindepth 1 -name 'layer-*' -o -mindepth 1 -name 'import-*')" ]
	hs image gc >/dev/null
	[ "$(ls "$STORE/blobs/sha256" | sort)" = "$got" ]
}

@test "pull: gc while a pull runs loses nothing either needs" {
	registry_start
	push "$RICH:rich" test/rich:1
	push "$SMALL:small" test/small:1
	hs image pull -q --tls-verify=false "$REGISTRY/test/small:1"
	hs image pull -q --tls-verify=false "$REGISTRY/test/rich:1" &
	p=$!
	himg image gc
	[ "$status" -eq 0 ]
	wait "$p"
	himg run --image "$REGISTRY/test/rich:1" "$CID"
	[ "$output" = "hello from rich" ]
	himg run --image "$REGISTRY/test/small:1" "$CID" echo small
	[ "$output" = small ]
}

@test "pull: a download cut off before is resumed with HTTP Range, then verified whole" {
	registry_start --accesslog
	push "$RICH:rich" test/rich:1
	local layer
	layer="$(skopeo inspect --raw --tls-verify=false "docker://$REGISTRY/test/rich:1" | jq -r '.layers | max_by(.size) | .digest')"
	# what a pull killed midway keeps: the first 100000 bytes
	mkdir -p "$STORE/tmp"
	curl -sf "http://$REGISTRY/v2/test/rich/blobs/$layer" | head -c 100000 >"$STORE/tmp/blob-${layer#sha256:}"
	himg image pull -q --tls-verify=false "$REGISTRY/test/rich:1"
	[ "$status" -eq 0 ]
	grep -q "GET /v2/test/rich/blobs/$layer HTTP/[0-9.]*\" 206 " "$REGISTRY_DIR/registry.log"
	[ ! -e "$STORE/tmp/blob-${layer#sha256:}" ]
	[ -e "$STORE/blobs/sha256/${layer#sha256:}" ]
	himg run --image "$REGISTRY/test/rich:1" "$CID"
	[ "$output" = "hello from rich" ]
	# a partial whose bytes are not the blob's: the whole fails its digest,
	# and the next pull starts over
	rm -rf "$STORE"
	mkdir -p "$STORE/tmp"
	head -c 100000 /dev/urandom >"$STORE/tmp/blob-${layer#sha256:}"
	himg image pull -q --tls-verify=false "$REGISTRY/test/rich:1"
	[ "$status" -ne 0 ]
	assert_one_line_error "$layer"
	[ ! -e "$STORE/tmp/blob-${layer#sha256:}" ]
	himg image pull -q --tls-verify=false "$REGISTRY/test/rich:1"
	[ "$status" -eq 0 ]
}

@test "pull: a registry registries.conf marks insecure is pulled from over http without --tls-verify" {
	registry_start
	push "$SMALL:small" test/small:1
	himg image pull -q "$REGISTRY/test/small:1"
	[ "$status" -ne 0 ]
	printf '[[registry]]\nlocation = "%s"\ninsecure = true\n' "$REGISTRY" >"$HULL_TEST_DIR/registries.conf"
	CONTAINERS_REGISTRIES_CONF="$HULL_TEST_DIR/registries.conf" himg image pull -q "$REGISTRY/test/small:1"
	[ "$status" -eq 0 ]
	# --tls-verify=true says otherwise
	rm -rf "$STORE"
	CONTAINERS_REGISTRIES_CONF="$HULL_TEST_DIR/registries.conf" himg image pull -q --tls-verify=true "$REGISTRY/test/small:1"
	[ "$status" -ne 0 ]
}
