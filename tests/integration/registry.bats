#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The registry client (overlay/registry.c, through build/tools/regfetch)
# against a real registry: Debian's docker-registry on 127.0.0.1 and a free
# port (tests/lib/registry.bash), plain, with TLS, htpasswd and token auth;
# and against tests/lib/fault_server.py for what a real registry does not
# do on demand (wrong bytes, 429/503, ignored ranges, broken transfers).
# Needs docker-registry, skopeo, umoci, openssl, curl, htpasswd
# (apache2-utils) and python3-cryptography; skipped without them.

load helpers
load ../lib/registry

# REGFETCH: another build of the tool (e.g. with sanitizers)
: "${REGFETCH:=$HULL_REPO_DIR/build/tools/regfetch}"
REPO=test/busybox

# One plain registry for the file, holding the image; registries with TLS or
# auth started by a test serve the same storage (no second push).
# (Missing tools skip every test from setup: bats 1.8 reports a skip in
# setup_file as a failure of teardown_file.)
setup_file() {
	local missing
	missing="$(registry_tools_missing)"
	export REGISTRY_SKIP=""
	if [ -n "$missing" ]; then
		REGISTRY_SKIP="not installed: $missing"
		return 0
	fi
	if [ ! -x "$REGFETCH" ]; then
		REGISTRY_SKIP="$REGFETCH not built (make build/tools/regfetch)"
		return 0
	fi
	export REGISTRY_IMAGE_DIR="$BATS_FILE_TMPDIR/image"
	registry_start
	export BASE_REGISTRY="$REGISTRY" BASE_DIR="$REGISTRY_DIR" STORAGE="$REGISTRY_DIR/storage"
	push_test_image "$REPO:latest" || {
		registry_stop "$BASE_DIR"
		return 1
	}
	# what skopeo says the registry holds
	skopeo inspect --raw --tls-verify=false "docker://$REGISTRY/$REPO:latest" >"$BATS_FILE_TMPDIR/raw" &&
		skopeo inspect --tls-verify=false "docker://$REGISTRY/$REPO:latest" | jq -r .Digest \
			>"$BATS_FILE_TMPDIR/digest" || {
		registry_stop "$BASE_DIR"
		return 1
	}
}

teardown_file() {
	[ -z "${BASE_DIR:-}" ] || registry_stop "$BASE_DIR"
}

setup() {
	[ -z "$REGISTRY_SKIP" ] || skip "$REGISTRY_SKIP"
	T="$(mktemp -d "${HULL_TEST_TMP:-/tmp}/hull-reg.XXXXXX")"
	REGISTRY_DIR="" FAULT_DIR="" ETC_CERT_DIR="" ETC_CERTS_D_MADE=""
	RAW="$BATS_FILE_TMPDIR/raw"
	DIGEST="$(cat "$BATS_FILE_TMPDIR/digest")"
}

# whatever the test started, even when it failed
teardown() {
	[ -n "${REGISTRY_DIR:-}" ] && [ "$REGISTRY_DIR" != "${BASE_DIR:-}" ] && registry_stop "$REGISTRY_DIR"
	[ -n "${FAULT_DIR:-}" ] && fault_stop "$FAULT_DIR"
	[ -n "${ETC_CERT_DIR:-}" ] && rm -rf "$ETC_CERT_DIR"
	[ -n "${ETC_CERTS_D_MADE:-}" ] && rmdir /etc/containers/certs.d 2>/dev/null
	[ -z "${T:-}" ] || rm -rf "$T"
}

# regf ARGS...: regfetch, with status, output, stderr, stderr_lines.
regf() {
	run --separate-stderr "$REGFETCH" "$@"
	echo "# regfetch $* -> $status" >&2
	[ -z "$stderr" ] || echo "# stderr: $stderr" >&2
}

# the digests of the config and the layers
blob_digests() { jq -r '.config.digest, .layers[].digest' "$RAW"; }
layer_digest() { jq -r '.layers[0].digest' "$RAW"; }
# the pushed blob (umoci's OCI layout)
blob_file() { echo "$REGISTRY_IMAGE_DIR/oci/blobs/sha256/${1#sha256:}"; }

# ---------------------------------------------------------------- manifests

@test "registry: manifest by tag: the body skopeo sees, its digest and media type" {
	regf --insecure manifest "$BASE_REGISTRY" "$REPO" latest "$T/m"
	[ "$status" -eq 0 ]
	cmp "$RAW" "$T/m"
	[ "${lines[0]}" = application/vnd.oci.image.manifest.v1+json ]
	[ "${lines[1]}" = "$DIGEST" ]
	[ "$(sha256sum <"$T/m" | cut -d' ' -f1)" = "${DIGEST#sha256:}" ]
}

@test "registry: manifest by digest" {
	regf --insecure manifest "$BASE_REGISTRY" "$REPO" "$DIGEST" "$T/m"
	[ "$status" -eq 0 ]
	cmp "$RAW" "$T/m"
	[ "${lines[1]}" = "$DIGEST" ]
}

@test "registry: manifest without --insecure on a plain http registry fails clearly" {
	regf manifest "$BASE_REGISTRY" "$REPO" latest
	[ "$status" -ne 0 ]
	assert_one_line_error "registry $BASE_REGISTRY" "manifest latest of $REPO"
}

@test "registry: manifest 404: not found" {
	regf --insecure manifest "$BASE_REGISTRY" "$REPO" nosuchtag
	[ "$status" -ne 0 ]
	assert_one_line_error "$BASE_REGISTRY/$REPO: manifest nosuchtag not found"
	regf --insecure manifest "$BASE_REGISTRY" test/nosuchrepo latest
	[ "$status" -ne 0 ]
	assert_one_line_error "$BASE_REGISTRY/test/nosuchrepo: manifest latest not found"
}

@test "registry: bad references are refused before any request" {
	regf --insecure manifest "$BASE_REGISTRY" "$REPO" "../../x"
	[ "$status" -ne 0 ]
	assert_one_line_error "neither a tag nor"
	regf --insecure manifest "$BASE_REGISTRY" "Test/../x" latest
	[ "$status" -ne 0 ]
	assert_one_line_error "not a repository name"
	regf --insecure blob "$BASE_REGISTRY" "$REPO" sha256:abc "$T/b"
	[ "$status" -ne 0 ]
	assert_one_line_error "not a sha256 digest"
}

# -------------------------------------------------------------------- blobs

@test "registry: blobs equal the pushed ones" {
	local d
	for d in $(blob_digests); do
		regf --insecure blob "$BASE_REGISTRY" "$REPO" "$d" "$T/b"
		[ "$status" -eq 0 ]
		[ "sha256:$(sha256sum <"$T/b" | cut -d' ' -f1)" = "$d" ]
		cmp "$(blob_file "$d")" "$T/b"
	done
}

@test "registry: blob from an offset is the tail (206)" {
	local d off=1000
	d="$(layer_digest)"
	regf --insecure blob "$BASE_REGISTRY" "$REPO" "$d" "$T/b" --offset "$off"
	[ "$status" -eq 0 ]
	[[ "$stderr" != *restarted* ]]
	tail -c +$((off + 1)) "$(blob_file "$d")" | cmp - "$T/b"
}

@test "registry: every blob at once, one thread each on one handle" {
	local d n=0
	mkdir "$T/out"
	regf --insecure blobs "$BASE_REGISTRY" "$REPO" "$T/out" $(blob_digests)
	[ "$status" -eq 0 ]
	for d in $(blob_digests); do
		cmp "$(blob_file "$d")" "$T/out/${d#sha256:}"
		n=$((n + 1))
	done
	[ "$n" -eq 3 ]
}

@test "registry: a pull on one handle: manifest, then config and layers at once, all checked" {
	regf --insecure pull "$BASE_REGISTRY" "$REPO" latest "$T"
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "$DIGEST" ]
	cmp "$RAW" "$T/manifest.json"
	[ "$(ls "$T" | wc -l)" -eq 4 ]
}

@test "registry: blob 404: not found" {
	local d="sha256:$(printf x | sha256sum | cut -d' ' -f1)"
	regf --insecure blob "$BASE_REGISTRY" "$REPO" "$d" "$T/b"
	[ "$status" -ne 0 ]
	assert_one_line_error "$BASE_REGISTRY/$REPO: blob $d not found"
}

# ---------------------------------------------------------------------- TLS

@test "registry: TLS with the CA in the cert dir" {
	registry_start --tls --storage "$STORAGE"
	regf --cert-dir "$REGISTRY_CERT_DIR" manifest "$REGISTRY" "$REPO" latest "$T/m"
	[ "$status" -eq 0 ]
	cmp "$RAW" "$T/m"
	regf --cert-dir "$REGISTRY_CERT_DIR" blob "$REGISTRY" "$REPO" "$(layer_digest)" "$T/b" --offset 10
	[ "$status" -eq 0 ]
	tail -c +11 "$(blob_file "$(layer_digest)")" | cmp - "$T/b"
}

@test "registry: TLS without the CA fails with a clear message" {
	registry_start --tls --storage "$STORAGE"
	regf --cert-dir "$T" manifest "$REGISTRY" "$REPO" latest
	[ "$status" -ne 0 ]
	assert_one_line_error "registry $REGISTRY" "manifest latest of $REPO" "certificate" "cert dir"
}

@test "registry: the default cert dir is /etc/containers/certs.d/HOST" {
	registry_start --tls --storage "$STORAGE"
	local d="/etc/containers/certs.d/$REGISTRY"
	[ ! -e "$d" ] || skip "$d exists"
	# removed by teardown, with certs.d itself when this made it
	[ -d /etc/containers/certs.d ] || ETC_CERTS_D_MADE=1
	ETC_CERT_DIR="$d"
	mkdir -p "$d"
	cp "$REGISTRY_CA" "$d/ca.crt"
	regf manifest "$REGISTRY" "$REPO" latest
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "$DIGEST" ]
}

@test "registry: --insecure against TLS skips verification" {
	registry_start --tls --storage "$STORAGE"
	regf --insecure manifest "$REGISTRY" "$REPO" latest "$T/m"
	[ "$status" -eq 0 ]
	cmp "$RAW" "$T/m"
}

@test "registry: a client certificate from the cert dir (*.cert + *.key)" {
	registry_start --mtls --storage "$STORAGE"
	regf --cert-dir "$REGISTRY_CLIENT_CERT_DIR" manifest "$REGISTRY" "$REPO" latest "$T/m"
	[ "$status" -eq 0 ]
	cmp "$RAW" "$T/m"
	# without one the server refuses the handshake
	regf --cert-dir "$REGISTRY_CERT_DIR" manifest "$REGISTRY" "$REPO" latest
	[ "$status" -ne 0 ]
	assert_one_line_error "registry $REGISTRY" "manifest latest of $REPO"
	# a certificate without its key is refused at once
	mkdir "$T/certs"
	cp "$REGISTRY_CLIENT_CERT_DIR/client.cert" "$T/certs/"
	regf --cert-dir "$T/certs" manifest "$REGISTRY" "$REPO" latest
	[ "$status" -ne 0 ]
	assert_one_line_error "client.cert has no" "client.key"
}

# --------------------------------------------------------------------- auth

# auth_json FILE KEY USER:PASS [KEY USER:PASS...]: an auth.json
auth_json() {
	local f="$1" j='{}'
	shift
	while [ $# -gt 1 ]; do
		j="$(jq --arg k "$1" --arg a "$(printf %s "$2" | base64 -w0)" '.auths[$k] = {auth: $a}' <<<"$j")"
		shift 2
	done
	echo "$j" >"$f"
}

@test "registry: htpasswd: --creds" {
	registry_start --tls --htpasswd alice:s3cret --storage "$STORAGE"
	regf --cert-dir "$REGISTRY_CERT_DIR" --creds alice:s3cret manifest "$REGISTRY" "$REPO" latest "$T/m"
	[ "$status" -eq 0 ]
	cmp "$RAW" "$T/m"
	regf --cert-dir "$REGISTRY_CERT_DIR" --creds alice:s3cret blobs "$REGISTRY" "$REPO" "$T" $(blob_digests)
	[ "$status" -eq 0 ]
	cmp "$(blob_file "$(layer_digest)")" "$T/$(layer_digest | cut -d: -f2)"
}

@test "registry: htpasswd: an auth file (Podman's and Docker's keys, the most specific entry wins)" {
	registry_start --tls --htpasswd alice:s3cret --storage "$STORAGE"
	auth_json "$T/auth.json" "$REGISTRY" alice:s3cret
	regf --cert-dir "$REGISTRY_CERT_DIR" --authfile "$T/auth.json" manifest "$REGISTRY" "$REPO" latest
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "$DIGEST" ]
	# ~/.docker/config.json style
	auth_json "$T/config.json" "https://$REGISTRY/v1/" alice:s3cret
	regf --cert-dir "$REGISTRY_CERT_DIR" --authfile "$T/config.json" manifest "$REGISTRY" "$REPO" latest
	[ "$status" -eq 0 ]
	# HOST/REPO's parent beats HOST
	auth_json "$T/scoped.json" "$REGISTRY" alice:wrong "$REGISTRY/test" alice:s3cret
	regf --cert-dir "$REGISTRY_CERT_DIR" --authfile "$T/scoped.json" manifest "$REGISTRY" "$REPO" latest
	[ "$status" -eq 0 ]
	# $REGISTRY_AUTH_FILE when no --authfile
	REGISTRY_AUTH_FILE="$T/auth.json" regf --cert-dir "$REGISTRY_CERT_DIR" manifest "$REGISTRY" "$REPO" latest
	[ "$status" -eq 0 ]
	# then ${XDG_RUNTIME_DIR}/containers/auth.json, then ~/.docker/config.json
	mkdir -p "$T/xdg/containers" "$T/home/.docker"
	cp "$T/auth.json" "$T/xdg/containers/auth.json"
	HOME="$T/none" XDG_RUNTIME_DIR="$T/xdg" regf --cert-dir "$REGISTRY_CERT_DIR" manifest "$REGISTRY" "$REPO" latest
	[ "$status" -eq 0 ]
	cp "$T/config.json" "$T/home/.docker/config.json"
	HOME="$T/home" XDG_RUNTIME_DIR="$T/none" regf --cert-dir "$REGISTRY_CERT_DIR" manifest "$REGISTRY" "$REPO" latest
	[ "$status" -eq 0 ]
	# a missing --authfile is an error
	regf --cert-dir "$REGISTRY_CERT_DIR" --authfile "$T/none.json" manifest "$REGISTRY" "$REPO" latest
	[ "$status" -ne 0 ]
	assert_one_line_error "auth file $T/none.json"
}

@test "registry: htpasswd: a wrong password or none is unauthorized" {
	registry_start --tls --htpasswd alice:s3cret --storage "$STORAGE"
	regf --cert-dir "$REGISTRY_CERT_DIR" --creds alice:wrong manifest "$REGISTRY" "$REPO" latest
	[ "$status" -ne 0 ]
	assert_one_line_error "registry $REGISTRY: unauthorized for $REPO (check --creds/--authfile)"
	HOME="$T" XDG_RUNTIME_DIR="$T" regf --cert-dir "$REGISTRY_CERT_DIR" manifest "$REGISTRY" "$REPO" latest
	[ "$status" -ne 0 ]
	assert_one_line_error "registry $REGISTRY: unauthorized for $REPO (check --creds/--authfile)"
}

@test "registry: token auth: anonymous bearer flow (access_token), one token for parallel blobs" {
	registry_start --token --token-field access_token --storage "$STORAGE"
	regf --insecure manifest "$REGISTRY" "$REPO" latest "$T/m"
	[ "$status" -eq 0 ]
	cmp "$RAW" "$T/m"
	grep -qx "/token anonymous repository:$REPO:pull" "$REGISTRY_TOKEN_DIR/requests"
	: >"$REGISTRY_TOKEN_DIR/requests"
	mkdir "$T/out"
	regf --insecure blobs "$REGISTRY" "$REPO" "$T/out" $(blob_digests)
	[ "$status" -eq 0 ]
	cmp "$(blob_file "$(layer_digest)")" "$T/out/$(layer_digest | cut -d: -f2)"
	[ "$(wc -l <"$REGISTRY_TOKEN_DIR/requests")" -eq 1 ]
}

@test "registry: token auth: one token for a whole pull" {
	registry_start --tls --token --storage "$STORAGE"
	regf --cert-dir "$REGISTRY_CERT_DIR" pull "$REGISTRY" "$REPO" latest "$T"
	[ "$status" -eq 0 ]
	cmp "$RAW" "$T/manifest.json"
	[ "$(wc -l <"$REGISTRY_TOKEN_DIR/requests")" -eq 1 ]
}

@test "registry: token auth: a token refused later is fetched again, once" {
	# tokens good for two requests: the manifest takes one, the config or
	# the layer the other, and the third request needs a new one; the
	# challenge's service has quotes and a comma
	fault_start --bearer --revoke-after 2
	regf --insecure pull "$FAULT" "$REPO" latest "$T"
	[ "$status" -eq 0 ]
	cmp "$FAULT_DIR/manifest" "$T/manifest.json"
	[ "$(grep -c ' /token?service=fault%20%22test%22%2C%20registry&' "$FAULT_DIR/requests")" -eq 2 ]
}

@test "registry: token auth with credentials (token)" {
	registry_start --tls --token-user bob:pw --token-field token --storage "$STORAGE"
	regf --cert-dir "$REGISTRY_CERT_DIR" --creds bob:pw manifest "$REGISTRY" "$REPO" latest "$T/m"
	[ "$status" -eq 0 ]
	cmp "$RAW" "$T/m"
	grep -qx "/token bob repository:$REPO:pull" "$REGISTRY_TOKEN_DIR/requests"
	regf --cert-dir "$REGISTRY_CERT_DIR" --creds bob:bad manifest "$REGISTRY" "$REPO" latest
	[ "$status" -ne 0 ]
	assert_one_line_error "registry $REGISTRY: unauthorized for $REPO (check --creds/--authfile)"
}

@test "registry: credentials go to a plain http token realm only with --insecure" {
	registry_start --tls --token-user bob:pw --token-http --storage "$STORAGE"
	regf --cert-dir "$REGISTRY_CERT_DIR" --creds bob:pw manifest "$REGISTRY" "$REPO" latest
	[ "$status" -ne 0 ]
	assert_one_line_error "registry $REGISTRY: refusing to send credentials to the plain http token realm http://"
	[ ! -s "$REGISTRY_TOKEN_DIR/requests" ]
	regf --insecure --creds bob:pw manifest "$REGISTRY" "$REPO" latest
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "$DIGEST" ]
}

# ------------------------------------------------------------------- faults

@test "registry: a manifest whose body is not its digest reference fails" {
	fault_start
	local other="sha256:$(printf other | sha256sum | cut -d' ' -f1)"
	regf --insecure manifest "$FAULT" "$REPO" "$other"
	[ "$status" -ne 0 ]
	assert_one_line_error "registry $FAULT: manifest $other of $REPO: digest mismatch"
	# by tag it is fine
	regf --insecure manifest "$FAULT" "$REPO" latest "$T/m"
	[ "$status" -eq 0 ]
	cmp "$FAULT_DIR/manifest" "$T/m"
}

@test "registry: a Docker-Content-Digest that disagrees with the body fails" {
	fault_start --bad-header
	regf --insecure manifest "$FAULT" "$REPO" latest
	[ "$status" -ne 0 ]
	assert_one_line_error "digest mismatch: Docker-Content-Digest sha256:1111"
}

@test "registry: 429 with Retry-After is retried after the wait, then succeeds" {
	fault_start --fail 2 --status 429 --retry-after 1
	regf --insecure manifest "$FAULT" "$REPO" latest "$T/m"
	[ "$status" -eq 0 ]
	cmp "$FAULT_DIR/manifest" "$T/m"
	awk '$4 == 429 || $4 == 200 { n++; t[n] = $1 } END {
		if (n != 3) { print "requests: " n; exit 1 }
		for (i = 2; i <= n; i++) if (t[i] - t[i-1] < 0.9) { print "waited " t[i] - t[i-1]; exit 1 }
	}' "$FAULT_DIR/requests"
}

@test "registry: 503 is retried, then succeeds (blob too)" {
	fault_start --fail 2 --status 503
	regf --insecure manifest "$FAULT" "$REPO" latest "$T/m"
	[ "$status" -eq 0 ]
	[ "$(grep -c ' 503 ' "$FAULT_DIR/requests")" -eq 2 ]
	fault_stop
	fault_start --fail 2 --status 503
	regf --insecure blob "$FAULT" "$REPO" "$(cat "$FAULT_DIR/blob.digest")" "$T/b"
	[ "$status" -eq 0 ]
	cmp "$FAULT_DIR/blob" "$T/b"
}

@test "registry: 503 that goes on: a bounded number of attempts, then a clear error" {
	fault_start --fail 1000 --status 503
	regf --insecure --retries 2 manifest "$FAULT" "$REPO" latest
	[ "$status" -ne 0 ]
	assert_one_line_error "registry $FAULT: manifest latest of $REPO: HTTP 503" "UNAVAILABLE" "after 3 attempts"
	[ "$(grep -c ' 503 ' "$FAULT_DIR/requests")" -eq 3 ]
}

@test "registry: blobs follow a redirect to storage elsewhere, without the token, with the range" {
	fault_start --bearer --redirect
	local d
	d="$(cat "$FAULT_DIR/blob.digest")"
	regf --insecure blob "$FAULT" "$REPO" "$d" "$T/b" --offset 100
	[ "$status" -eq 0 ]
	tail -c +101 "$FAULT_DIR/blob" | cmp - "$T/b"
	grep -q " /v2/$REPO/blobs/$d 307 bytes=100-" "$FAULT_DIR/requests"
	grep -q " /storage/$d 206 bytes=100-" "$FAULT_DIR/requests"
}

@test "registry: a ranged answer from another offset is refused" {
	fault_start --bad-range
	regf --insecure blob "$FAULT" "$REPO" "$(cat "$FAULT_DIR/blob.digest")" "$T/b" --offset 100
	[ "$status" -ne 0 ]
	assert_one_line_error "registry $FAULT: blob sha256:" "asked for bytes from 100, got Content-Range \"bytes 101-"
}

@test "registry: a manifest over 4 MiB is refused" {
	fault_start --huge
	regf --insecure manifest "$FAULT" "$REPO" latest
	[ "$status" -ne 0 ]
	assert_one_line_error "registry $FAULT: manifest latest of $REPO: larger than 4194304 bytes"
}

@test "registry: a server that ignores Range: the sink starts over" {
	fault_start --no-range
	regf --insecure blob "$FAULT" "$REPO" "$(cat "$FAULT_DIR/blob.digest")" "$T/b" --offset 5000
	[ "$status" -eq 0 ]
	[[ "$stderr" == *restarted* ]]
	cmp "$FAULT_DIR/blob" "$T/b"
}

@test "registry: a blob transfer that breaks resumes where it broke" {
	fault_start --break-once
	regf --insecure blob "$FAULT" "$REPO" "$(cat "$FAULT_DIR/blob.digest")" "$T/b"
	[ "$status" -eq 0 ]
	[[ "$stderr" != *restarted* ]]
	cmp "$FAULT_DIR/blob" "$T/b"
	# the second request asked for the rest only
	[ "$(awk '/blobs/ { print $5 }' "$FAULT_DIR/requests" | tail -n 1)" = "bytes=$(($(stat -c %s "$FAULT_DIR/blob") / 2))-" ]
}

@test "registry: libcurl's sockets are close-on-exec" {
	need_cmd strace
	strace -f -o "$T/trace" -e trace=socket "$REGFETCH" --insecure pull "$BASE_REGISTRY" "$REPO" latest "$T" >/dev/null
	grep -q 'socket(' "$T/trace"
	none_left "sockets without SOCK_CLOEXEC" "$(grep 'socket(' "$T/trace" | grep -v SOCK_CLOEXEC)"
}

@test "registry: an unreachable port fails fast with a clear error" {
	local port start
	port="$(_registry_free_port)"
	start=$SECONDS
	regf manifest "127.0.0.1:$port" "$REPO" latest
	[ "$status" -ne 0 ]
	[ $((SECONDS - start)) -lt 10 ]
	assert_one_line_error "registry 127.0.0.1:$port: manifest latest of $REPO" "onnect"
}
