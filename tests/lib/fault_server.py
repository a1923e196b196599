# SPDX-License-Identifier: Apache-2.0
"""A registry that misbehaves on purpose, for the registry client's tests.

It serves one manifest (DIR/manifest, any reference: the config is the
first blob, the one layer the second) and two blobs
(DIR/blob and DIR/blob2, under their sha256, digests in DIR/blob.digest and
DIR/blob2.digest) of any repository, plain http on 127.0.0.1 (port written
to DIR/port), and:

  --fail N --status S [--retry-after V]   the first N manifest/blob requests
                                         answer S (with Retry-After: V)
  --bad-header                           Docker-Content-Digest is wrong
  --no-range                             blobs ignore Range: always 200, whole
  --break-once                           the first blob answer stops halfway
                                         (the connection is closed)
  --bearer                               wants "Authorization: Bearer tok-N", from
                                         its own /token (service and scope
                                         with quotes and commas to parse)
  --bad-range                            a ranged answer says it starts one byte later
  --huge                                 the manifest is 5 MiB (of white space)
  --redirect                             blobs are a 307 to http://localhost:PORT/storage/
                                         DIGEST, which refuses any Authorization
  --revoke-after K                       with --bearer: a token is good for K
                                         requests only

Every request is logged to DIR/requests: "TIME METHOD PATH STATUS RANGE".
"""
import argparse
import hashlib
import http.server
import json
import os
import threading
import time
import urllib.parse



def make_manifest(config, layer):
    """A manifest whose config is one blob and whose layer the other."""
    return {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": config[0], "size": len(config[1])},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                    "digest": layer[0], "size": len(layer[1])}],
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--fail", type=int, default=0)
    ap.add_argument("--status", type=int, default=503)
    ap.add_argument("--retry-after")
    ap.add_argument("--bad-header", action="store_true")
    ap.add_argument("--no-range", action="store_true")
    ap.add_argument("--break-once", action="store_true")
    ap.add_argument("--bearer", action="store_true")
    ap.add_argument("--redirect", action="store_true")
    ap.add_argument("--bad-range", action="store_true")
    ap.add_argument("--huge", action="store_true")
    ap.add_argument("--revoke-after", type=int, default=0)
    args = ap.parse_args()

    # not compressible, not repetitive: a wrong offset shows
    blob = b"".join(hashlib.sha256(b"%d" % i).digest() for i in range(4096))
    blob2 = blob[::-1]
    blobs = {"sha256:" + hashlib.sha256(b).hexdigest(): b for b in (blob, blob2)}
    blob_digest, blob2_digest = blobs
    manifest_doc = make_manifest((blob_digest, blob), (blob2_digest, blob2))
    manifest = json.dumps(manifest_doc, indent=2).encode()
    if args.huge:
        manifest += b" " * (5 << 20)
    for name, data in (("manifest", manifest), ("blob", blob), ("blob.digest", blob_digest.encode()),
                       ("blob2", blob2), ("blob2.digest", blob2_digest.encode())):
        with open(os.path.join(args.dir, name), "wb") as f:
            f.write(data)
    state = {"failed": 0, "broken": False, "token": 0, "uses": 0}
    service = 'fault "test", registry'
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def log(self, status):
            with lock, open(os.path.join(args.dir, "requests"), "a") as f:
                f.write("%.3f %s %s %d %s\n" % (time.time(), self.command, self.path, status,
                                               self.headers.get("Range", "-")))

        def send(self, status, body, ctype="application/json", extra=(), length=None):
            self.log(status)
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body) if length is None else length))
            for k, v in extra:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            parts = self.path.split("/")
            if self.path == "/v2/":
                return self.send(200, b"{}")
            if args.redirect and len(parts) == 3 and parts[1] == "storage":
                # blob storage elsewhere: the registry's token must not come
                if self.headers.get("Authorization"):
                    return self.send(400, b'{"errors":[{"code":"DENIED","message":"storage got an Authorization"}]}')
                if parts[2] not in blobs:
                    return self.send(404, b"no such object")
                return self.serve_blob(blobs[parts[2]])
            if args.bearer and self.path.startswith("/token?"):
                q = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
                if q.get("service") != [service]:
                    return self.send(400, b'{"errors":[{"code":"BAD_SERVICE","message":"wrong service"}]}')
                with lock:
                    state["token"] += 1
                    state["uses"] = 0
                    tok = "tok-%d" % state["token"]
                return self.send(200, json.dumps({"token": tok, "expires_in": 300}).encode())
            if args.bearer:
                with lock:
                    good = (state["token"] > 0 and
                            self.headers.get("Authorization") == "Bearer tok-%d" % state["token"] and
                            (not args.revoke_after or state["uses"] < args.revoke_after))
                    if good:
                        state["uses"] += 1
                if not good:
                    challenge = ('Bearer realm="http://127.0.0.1:%d/token",service="%s",scope="repository:%s:pull,push"'
                                 % (srv.server_address[1], service.replace('"', '\\"'), "/".join(parts[2:-2])))
                    return self.send(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"token"}]}',
                                     extra=[("WWW-Authenticate", challenge)])
            if len(parts) < 5 or parts[1] != "v2" or parts[-2] not in ("manifests", "blobs"):
                return self.send(404, b'{"errors":[{"code":"NAME_UNKNOWN","message":"no such path"}]}')
            with lock:
                fail = state["failed"] < args.fail
                if fail:
                    state["failed"] += 1
            if fail:
                extra = [("Retry-After", args.retry_after)] if args.retry_after else []
                code = "TOOMANYREQUESTS" if args.status == 429 else "UNAVAILABLE"
                return self.send(args.status, b'{"errors":[{"code":"%s","message":"try again"}]}' % code.encode(),
                                 extra=extra)
            if parts[-2] == "manifests":
                digest = "sha256:" + hashlib.sha256(manifest).hexdigest()
                if args.bad_header:
                    digest = "sha256:" + "1" * 64
                return self.send(200, manifest, manifest_doc["mediaType"], [("Docker-Content-Digest", digest)])
            if parts[-1] not in blobs:
                return self.send(404, b'{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown"}]}')
            if args.redirect:
                where = "http://localhost:%d/storage/%s" % (srv.server_address[1], parts[-1])
                return self.send(307, b"", extra=[("Location", where)])
            self.serve_blob(blobs[parts[-1]])

        def serve_blob(self, blob):
            rng = self.headers.get("Range")
            start = 0
            if rng and not args.no_range and rng.startswith("bytes=") and rng.endswith("-"):
                start = int(rng[6:-1])
            body = blob[start:]
            status, extra = 200, []
            if start:
                status = 206
                said = start + 1 if args.bad_range else start
                extra = [("Content-Range", "bytes %d-%d/%d" % (said, len(blob) - 1, len(blob)))]
            with lock:
                brk = args.break_once and not state["broken"]
                state["broken"] = True
            if brk:
                # promise everything, send half, hang up
                self.send(status, body[:len(body) // 2], "application/octet-stream", extra, length=len(body))
                self.wfile.flush()
                self.close_connection = True
                return
            self.send(status, body, "application/octet-stream", extra)

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    port_file = os.path.join(args.dir, "port")
    with open(port_file + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(port_file + ".tmp", port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
