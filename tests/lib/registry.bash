# SPDX-License-Identifier: Apache-2.0
# tests/lib/registry.bash: a real OCI registry for the tests (Debian's
# docker-registry, github.com/docker/distribution 2.8), on 127.0.0.1 and a
# free port, with its storage, certificates and logs in one temporary
# directory that registry_stop removes.
#
#   registry_start [--tls] [--mtls] [--htpasswd USER:PASS] [--token] [--token-user USER:PASS]
#                  [--token-field token|access_token|both] [--token-http] [--storage DIR]
#                  [--accesslog]   (requests logged, with their status, to $REGISTRY_DIR/registry.log)
#       exports REGISTRY (127.0.0.1:PORT), REGISTRY_DIR, REGISTRY_CA and
#       REGISTRY_CERT_DIR (a certs.d directory holding the CA, with --tls;
#       --mtls: clients must show a certificate of that CA, and
#       REGISTRY_CLIENT_CERT_DIR holds the CA and a client.cert/client.key),
#       REGISTRY_TOKEN_DIR (with --token: its "requests" log; the token
#       server speaks TLS when the registry does, unless --token-http).  --storage
#       serves an existing registry's storage (registries started with other
#       options can share one pushed image).  Any failure cleans up.
#   registry_stop [DIR]      kills what registry_start started, removes DIR
#                            (default $REGISTRY_DIR); safe to call twice.
#   fault_start ARGS...      tests/lib/fault_server.py (see there); exports
#                            FAULT (127.0.0.1:PORT) and FAULT_DIR
#   fault_stop [DIR]
#   registry_tools_missing   prints what is missing to run these (empty: none)
#   push_test_image REPO[:TAG] [SKOPEO DEST OPTIONS...]
#       a two-layer image (busybox, then /hello) made with umoci, pushed with
#       skopeo to $REGISTRY; the OCI layout is kept in $REGISTRY_IMAGE_DIR.
#
# Every process started is recorded in DIR/*.pid; DIR is under
# ${HULL_TEST_TMP:-/tmp}, named hull-registry.*.

REGISTRY_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# The python3 that has the cryptography module (Debian's python3-cryptography
# is for /usr/bin/python3; a python3 first in PATH may be another one).
registry_python() {
	local p
	for p in /usr/bin/python3 "$(command -v python3)"; do
		[ -x "$p" ] && "$p" -c 'import cryptography' 2>/dev/null && {
			echo "$p"
			return 0
		}
	done
	return 1
}

registry_tools_missing() {
	local t missing=()
	for t in docker-registry skopeo umoci openssl curl htpasswd; do
		command -v "$t" >/dev/null || missing+=("$t")
	done
	registry_python >/dev/null || missing+=(python3-cryptography)
	echo "${missing[*]}"
}

_registry_free_port() {
	"$(registry_python)" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# _registry_wait_port FILE: the port a python server wrote to FILE (~5 s).
_registry_wait_port() {
	local i
	for ((i = 0; i < 100; i++)); do
		[ -s "$1" ] && {
			cat "$1"
			return 0
		}
		sleep 0.05
	done
	return 1
}

# _registry_kill DIR: every process recorded in DIR/*.pid, then DIR.
_registry_kill() {
	local dir="$1" f pid i
	[ -n "$dir" ] && [ -d "$dir" ] || return 0
	for f in "$dir"/*.pid; do
		[ -f "$f" ] || continue
		pid="$(cat "$f")"
		# (each may fail: bats runs this under errexit)
		kill "$pid" 2>/dev/null || true
		for ((i = 0; i < 50; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		rm -f "$f"
	done
	rm -rf "$dir"
}

# _registry_certs DIR: a CA and a server certificate for 127.0.0.1 (EC keys:
# quick to make).
_registry_certs() {
	local d="$1"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj "/CN=hull test CA" -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null || return 1
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-subj "/CN=127.0.0.1" -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null || return 1
	printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$d/server.ext"
	openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 2 \
		-extfile "$d/server.ext" -out "$d/server.crt" 2>/dev/null || return 1
	mkdir -p "$d/certs.d"
	cp "$d/ca.crt" "$d/certs.d/ca.crt"
	# a client certificate, for --mtls
	mkdir -p "$d/certs-client.d"
	cp "$d/ca.crt" "$d/certs-client.d/ca.crt"
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-subj "/CN=hull test client" -keyout "$d/certs-client.d/client.key" -out "$d/client.csr" 2>/dev/null || return 1
	printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n' >"$d/client.ext"
	openssl x509 -req -in "$d/client.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 2 \
		-extfile "$d/client.ext" -out "$d/certs-client.d/client.cert" 2>/dev/null
}

registry_start() {
	local tls=0 mtls=0 htpasswd="" token=0 token_http=0 token_user="" token_field=both storage="" accesslog=true
	while [ $# -gt 0 ]; do
		case "$1" in
		--tls) tls=1 ;;
		--mtls) tls=1; mtls=1 ;;
		--htpasswd) htpasswd="$2"; shift ;;
		--token) token=1 ;;
		--token-user) token=1; token_user="$2"; shift ;;
		--token-field) token_field="$2"; shift ;;
		--token-http) token_http=1 ;;
		--storage) storage="$2"; shift ;;
		--accesslog) accesslog=false ;;
		*) echo "registry_start: unknown option $1" >&2; return 2 ;;
		esac
		shift
	done
	local dir py
	py="$(registry_python)" || { echo "registry_start: no python3 with cryptography" >&2; return 1; }
	dir="$(mktemp -d "${HULL_TEST_TMP:-/tmp}/hull-registry.XXXXXX")" || return 1
	REGISTRY_DIR="$dir"
	REGISTRY_CA="" REGISTRY_CERT_DIR="" REGISTRY_CLIENT_CERT_DIR="" REGISTRY_TOKEN_DIR=""
	[ -n "$storage" ] || storage="$dir/storage"
	mkdir -p "$storage"
	local scheme=http tlscfg="" authcfg=""
	if [ "$tls" = 1 ]; then
		_registry_certs "$dir" || { echo "registry_start: openssl failed" >&2; _registry_kill "$dir"; return 1; }
		scheme=https
		REGISTRY_CA="$dir/ca.crt"
		REGISTRY_CERT_DIR="$dir/certs.d"
		REGISTRY_CLIENT_CERT_DIR="$dir/certs-client.d"
		tlscfg="  tls:
    certificate: $dir/server.crt
    key: $dir/server.key"
		[ "$mtls" = 1 ] && tlscfg="$tlscfg
    clientcas:
      - $dir/ca.crt"
	fi
	if [ -n "$htpasswd" ]; then
		htpasswd -Bbn "${htpasswd%%:*}" "${htpasswd#*:}" >"$dir/htpasswd" 2>/dev/null ||
			{ echo "registry_start: htpasswd failed" >&2; _registry_kill "$dir"; return 1; }
		authcfg="auth:
  htpasswd:
    realm: hull-test
    path: $dir/htpasswd"
	fi
	if [ "$token" = 1 ]; then
		REGISTRY_TOKEN_DIR="$dir/token"
		mkdir -p "$REGISTRY_TOKEN_DIR"
		local targs=(--dir "$REGISTRY_TOKEN_DIR" --issuer hull-test-issuer --service hull-test-registry
			--field "$token_field")
		[ -n "$token_user" ] && targs+=(--user "$token_user")
		local tscheme=http
		if [ "$tls" = 1 ] && [ "$token_http" = 0 ]; then
			targs+=(--tls-cert "$dir/server.crt" --tls-key "$dir/server.key")
			tscheme=https
		fi
		"$py" "$REGISTRY_LIB_DIR/token_server.py" "${targs[@]}" >"$dir/token.log" 2>&1 </dev/null 3>&- &
		echo $! >"$dir/token.pid"
		local tport
		tport="$(_registry_wait_port "$REGISTRY_TOKEN_DIR/port")" ||
			{ echo "registry_start: the token server did not start: $(cat "$dir/token.log")" >&2; _registry_kill "$dir"; return 1; }
		authcfg="auth:
  token:
    realm: $tscheme://127.0.0.1:$tport/token
    service: hull-test-registry
    issuer: hull-test-issuer
    rootcertbundle: $REGISTRY_TOKEN_DIR/signing.crt"
	fi
	local try port code i
	for try in 1 2 3; do
		port="$(_registry_free_port)"
		cat >"$dir/config.yml" <<EOF
# SPDX-License-Identifier: Apache-2.0
version: 0.1
log:
  level: warn
  accesslog:
    disabled: $accesslog
storage:
  filesystem:
    rootdirectory: $storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
  secret: hull-test-secret
$tlscfg
$authcfg
EOF
		# a clean environment: docker-registry takes REGISTRY_* variables
		# as configuration (REGISTRY_HTTP_ADDR, REGISTRY_AUTH_...: a
		# caller's could redirect it) and warns of the others, like the
		# REGISTRY and REGISTRY_CA these tests export
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/ \
			docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 </dev/null 3>&- &
		echo $! >"$dir/registry.pid"
		for ((i = 0; i < 100; i++)); do
			code="$(curl -s -o /dev/null -w '%{http_code}' ${REGISTRY_CA:+--cacert "$REGISTRY_CA"} \
				${REGISTRY_CLIENT_CERT_DIR:+--cert "$REGISTRY_CLIENT_CERT_DIR/client.cert" --key "$REGISTRY_CLIENT_CERT_DIR/client.key"} \
				"$scheme://127.0.0.1:$port/v2/" 2>/dev/null)" || true
			[ "$code" = 200 ] || [ "$code" = 401 ] && break
			kill -0 "$(cat "$dir/registry.pid")" 2>/dev/null || break
			sleep 0.05
		done
		if [ "$code" = 200 ] || [ "$code" = 401 ]; then
			export REGISTRY="127.0.0.1:$port" REGISTRY_DIR REGISTRY_CA REGISTRY_CERT_DIR REGISTRY_CLIENT_CERT_DIR REGISTRY_TOKEN_DIR
			return 0
		fi
		kill "$(cat "$dir/registry.pid")" 2>/dev/null || true
		wait "$(cat "$dir/registry.pid")" 2>/dev/null || true
	done
	echo "registry_start: docker-registry did not answer on 127.0.0.1:$port: $(tail -n 5 "$dir/registry.log")" >&2
	_registry_kill "$dir"
	return 1
}

registry_stop() {
	_registry_kill "${1:-$REGISTRY_DIR}"
}

fault_start() {
	local dir py port
	py="$(registry_python)" || py=python3
	dir="$(mktemp -d "${HULL_TEST_TMP:-/tmp}/hull-registry.XXXXXX")" || return 1
	"$py" "$REGISTRY_LIB_DIR/fault_server.py" --dir "$dir" "$@" >"$dir/fault.log" 2>&1 </dev/null 3>&- &
	echo $! >"$dir/fault.pid"
	port="$(_registry_wait_port "$dir/port")" ||
		{ echo "fault_start: the server did not start: $(cat "$dir/fault.log")" >&2; _registry_kill "$dir"; return 1; }
	export FAULT="127.0.0.1:$port" FAULT_DIR="$dir"
}

fault_stop() {
	_registry_kill "${1:-$FAULT_DIR}"
}

# _registry_build_image DIR: the OCI layout (tag "latest"), made once.
_registry_build_image() {
	local d="$1"
	[ -f "$d/oci/index.json" ] && return 0
	mkdir -p "$d/src"
	printf 'hello from the hull registry tests\n' >"$d/src/hello"
	umoci init --layout "$d/oci" &&
		umoci new --image "$d/oci:latest" &&
		umoci insert --image "$d/oci:latest" "${BUSYBOX:-/bin/busybox}" /bin/busybox &&
		umoci insert --image "$d/oci:latest" "$d/src/hello" /hello &&
		umoci config --image "$d/oci:latest" --config.cmd /bin/busybox --config.cmd sh
}

push_test_image() {
	local ref="$1"
	shift
	[[ "$ref" == *:* ]] || ref="$ref:latest"
	: "${REGISTRY_IMAGE_DIR:=${BATS_FILE_TMPDIR:-${HULL_TEST_TMP:-/tmp}}/registry-image}"
	_registry_build_image "$REGISTRY_IMAGE_DIR" >&2 || { echo "push_test_image: umoci failed" >&2; return 1; }
	[ $# -gt 0 ] || set -- --dest-tls-verify=false
	skopeo copy --quiet "$@" "oci:$REGISTRY_IMAGE_DIR/oci:latest" "docker://$REGISTRY/$ref" >&2
}
