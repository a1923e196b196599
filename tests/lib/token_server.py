# SPDX-License-Identifier: Apache-2.0
"""A token server of Docker's token auth protocol, for the registry tests.

docker-registry (auth: token) sends clients here on a 401; GET
/token?service=S&scope=repository:NAME:ACTIONS answers a JWT signed with
ES256 that grants the actions asked for, to anyone when no --user is given,
else only with that user's Basic credentials (401 otherwise).

The registry trusts the tokens through `rootcertbundle`: a self-signed
certificate of the signing key, written to DIR/signing.crt at start.  The
JWT names its key by "kid", the libtrust fingerprint docker-registry 2.x
computes for the certificate's public key: the SHA-256 of the key's DER
SubjectPublicKeyInfo, its first 240 bits in base32 (no padding), in
twelve groups of four joined by ':'.

  token_server.py --dir DIR --issuer I --service S [--user U:P]
                  [--tls-cert C --tls-key K] [--field token|access_token|both]
                  [--expires-in N]
DIR/port gets the port once it listens (127.0.0.1, a free port);
DIR/requests gets one line per token request.
"""
import argparse
import base64
import datetime
import hashlib
import http.server
import json
import os
import ssl
import threading
import time
import urllib.parse
import uuid

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def libtrust_kid(public_key):
    der = public_key.public_bytes(serialization.Encoding.DER,
                                  serialization.PublicFormat.SubjectPublicKeyInfo)
    b32 = base64.b32encode(hashlib.sha256(der).digest()[:30]).decode().rstrip("=")
    return ":".join(b32[i:i + 4] for i in range(0, len(b32), 4))


def make_signing_cert(key, path):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hull test token signer")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder()
            .subject_name(name).issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    with open(path + ".tmp", "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    os.rename(path + ".tmp", path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--issuer", required=True)
    ap.add_argument("--service", required=True)
    ap.add_argument("--user")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--field", default="both", choices=["token", "access_token", "both"])
    ap.add_argument("--expires-in", type=int, default=300)
    args = ap.parse_args()

    key = ec.generate_private_key(ec.SECP256R1())
    make_signing_cert(key, os.path.join(args.dir, "signing.crt"))
    kid = libtrust_kid(key.public_key())
    log_lock = threading.Lock()

    def sign(claims):
        header = {"typ": "JWT", "alg": "ES256", "kid": kid}
        signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
        r, s = decode_dss_signature(key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
        # JWS wants the raw r || s, not the DER that cryptography gives
        return signing_input + "." + b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big"))

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def reply(self, code, obj, extra=()):
            body = json.dumps(obj).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for k, v in extra:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            q = urllib.parse.parse_qs(url.query)
            who = "anonymous"
            authz = self.headers.get("Authorization", "")
            if authz.startswith("Basic "):
                try:
                    who = base64.b64decode(authz[6:]).decode()
                except ValueError:
                    who = "?"
            with log_lock, open(os.path.join(args.dir, "requests"), "a") as f:
                f.write("%s %s %s\n" % (url.path, who.split(":")[0], " ".join(q.get("scope", []))))
            if url.path != "/token":
                return self.reply(404, {"errors": [{"code": "NOT_FOUND", "message": "no such path"}]})
            if args.user and who != args.user:
                return self.reply(401, {"errors": [{"code": "UNAUTHORIZED", "message": "bad credentials"}]},
                                  [("WWW-Authenticate", 'Basic realm="token"')])
            access = []
            for scope in q.get("scope", []):
                parts = scope.split(":")
                if len(parts) >= 3:
                    access.append({"type": parts[0], "name": ":".join(parts[1:-1]),
                                   "actions": parts[-1].split(",")})
            now = int(time.time())
            token = sign({"iss": args.issuer, "sub": who.split(":")[0], "aud": q.get("service", [""])[0],
                          "exp": now + args.expires_in, "nbf": now - 10, "iat": now,
                          "jti": uuid.uuid4().hex, "access": access})
            out = {"expires_in": args.expires_in,
                   "issued_at": datetime.datetime.now(datetime.timezone.utc).isoformat()}
            if args.field in ("token", "both"):
                out["token"] = token
            if args.field in ("access_token", "both"):
                out["access_token"] = token
            self.reply(200, out)

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    port_file = os.path.join(args.dir, "port")
    with open(port_file + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(port_file + ".tmp", port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
