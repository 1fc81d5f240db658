// The token server that `.token` registries run beside docker-registry: Python 3
// standard library only, written to the registry's directory when it starts.

/// Implements the Docker registry token protocol (GET /token with optional Basic
/// credentials) and its OAuth2 form (POST /token, grant_type password or
/// refresh_token). Anonymous requests get pull access only; the configured user
/// gets what it asks for; wrong credentials get 401. Tokens are RS256 JWTs signed
/// with `openssl dgst`, carrying the signing certificate in `x5c` so
/// distribution 2.8 checks them against its `rootcertbundle`. Each request is
/// logged as a JSON line before the reply, so a client that has its answer can be
/// counted (`TestRegistry.tokenRequestLog()`).
let tokenServerScript = #"""
"""A Docker registry token server for berth's tests (Python 3 stdlib only).

GET /token?service=S&scope=T:NAME:ACTIONS (scope may repeat) with optional
HTTP Basic credentials, and POST /token form-encoded (grant_type=password or
refresh_token), as the Docker token and OAuth2 token specifications describe.
Anonymous requests get pull access only; the configured user gets every action
asked for; wrong credentials get 401. Tokens are RS256 JWTs signed by
`openssl dgst`, with the signing certificate in the x5c header, which the
registry checks against its rootcertbundle.

Every request is appended to DIR/token-requests.log as one JSON line. The bound
port is written to DIR/token-server.port once the server listens.
"""
import argparse
import base64
import json
import os
import ssl
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

LIFETIME = 300

parser = argparse.ArgumentParser()
parser.add_argument("--dir", required=True)
parser.add_argument("--user", required=True)
parser.add_argument("--password", required=True)
parser.add_argument("--issuer", required=True)
parser.add_argument("--key", required=True)
parser.add_argument("--cert", required=True)
parser.add_argument("--tls-cert")
parser.add_argument("--tls-key")
args = parser.parse_args()

with open(args.cert) as f:
    pem = f.read()
cert_der_b64 = "".join(
    line for line in pem.splitlines() if line and not line.startswith("-----")
)

log_lock = threading.Lock()
refresh_tokens = {}  # refresh token -> user


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(message):
    out = subprocess.run(
        ["openssl", "dgst", "-sha256", "-sign", args.key],
        input=message, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True,
    )
    return out.stdout


def parse_scopes(values):
    """'repository:a/b:pull,push' -> ('repository', 'a/b', ['pull', 'push']).
    A value may hold several scopes separated by spaces (OAuth2 style)."""
    scopes = []
    for value in values:
        for item in value.split():
            kind, sep, rest = item.partition(":")
            name, sep2, actions = rest.rpartition(":")
            if not sep or not sep2:
                continue
            scopes.append((kind, name, [a for a in actions.split(",") if a]))
    return scopes


def grant(scopes, user):
    access = []
    for kind, name, actions in scopes:
        allowed = actions if user is not None else [a for a in actions if a == "pull"]
        allowed = sorted(set(allowed), key=allowed.index)
        if allowed:
            access.append({"type": kind, "name": name, "actions": allowed})
    return access


def make_token(service, user, access):
    now = int(time.time())
    header = {"typ": "JWT", "alg": "RS256", "x5c": [cert_der_b64]}
    claims = {
        "iss": args.issuer,
        "sub": user or "",
        "aud": service,
        "exp": now + LIFETIME,
        "nbf": now - 10,
        "iat": now,
        "jti": uuid.uuid4().hex,
        "access": access,
    }
    signing_input = (
        b64url(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + b64url(json.dumps(claims, separators=(",", ":")).encode())
    )
    return signing_input + "." + b64url(sign(signing_input.encode()))


def check_password(user, password):
    return user == args.user and password == args.password


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        pass

    def reply(self, status, body, record, headers=()):
        # Logged before replying: once the client has its answer, the test
        # may count requests.
        record["status"] = status
        line = json.dumps(record) + "\n"
        with log_lock:
            with open(os.path.join(args.dir, "token-requests.log"), "a") as f:
                f.write(line)
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def basic_credentials(self):
        """(user, password) from an Authorization: Basic header, None when
        absent, False when present but unreadable."""
        h = self.headers.get("Authorization")
        if h is None:
            return None
        scheme, _, value = h.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, sep, password = base64.b64decode(value.strip()).decode().partition(":")
        except Exception:
            return False
        return (user, password) if sep else False

    def issue(self, record, service, scopes, user, oauth, offline):
        access = grant(scopes, user)
        record["granted"] = ["%s:%s:%s" % (a["type"], a["name"], ",".join(a["actions"])) for a in access]
        try:
            token = make_token(service, user, access)
        except subprocess.CalledProcessError as e:
            record["error"] = e.stderr.decode(errors="replace")
            return self.reply(500, {"error": "signing failed"}, record)
        body = {
            "token": token,
            "access_token": token,
            "expires_in": LIFETIME,
            "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        if oauth:
            body["scope"] = " ".join(
                "%s:%s:%s" % (a["type"], a["name"], ",".join(a["actions"])) for a in access
            )
        if offline and user is not None:
            refresh = uuid.uuid4().hex
            refresh_tokens[refresh] = user
            body["refresh_token"] = refresh
        self.reply(200, body, record)

    def do_GET(self):
        url = urlsplit(self.path)
        q = parse_qs(url.query)
        record = {"method": "GET", "path": url.path, "account": q.get("account", [None])[0],
                  "scopes": q.get("scope", []), "user": None}
        if url.path != "/token":
            return self.reply(404, {"error": "not found"}, record)
        creds = self.basic_credentials()
        user = None
        if creds is not None:
            record["user"] = creds[0] if creds else ""
            if creds is False or not check_password(*creds):
                return self.reply(401, {"errors": [{"code": "UNAUTHORIZED", "message": "wrong credentials"}]},
                                  record, [("WWW-Authenticate", 'Basic realm="berth-test-token"')])
            user = creds[0]
        self.issue(record, q.get("service", [""])[0], parse_scopes(q.get("scope", [])), user,
                   oauth=False, offline=q.get("offline_token", [""])[0] == "true")

    def do_POST(self):
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(length).decode())
        grant_type = form.get("grant_type", [""])[0]
        record = {"method": "POST", "path": url.path, "account": form.get("username", [None])[0],
                  "scopes": form.get("scope", []), "user": None, "grant_type": grant_type}
        if url.path != "/token":
            return self.reply(404, {"error": "not found"}, record)
        if grant_type == "password":
            user = record["user"] = form.get("username", [""])[0]
            if not check_password(user, form.get("password", [""])[0]):
                return self.reply(401, {"error": "invalid_grant"}, record)
        elif grant_type == "refresh_token":
            user = record["user"] = refresh_tokens.get(form.get("refresh_token", [""])[0])
            if user is None:
                return self.reply(401, {"error": "invalid_grant"}, record)
        else:
            return self.reply(400, {"error": "unsupported_grant_type"}, record)
        self.issue(record, form.get("service", [""])[0], parse_scopes(form.get("scope", [])), user,
                   oauth=True, offline=form.get("access_type", [""])[0] == "offline")


def exit_with_parent():
    # The test process may die without stopping us: do not outlive it.
    parent = os.getppid()
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(0)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
if args.tls_cert:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.tls_cert, args.tls_key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
port_file = os.path.join(args.dir, "token-server.port")
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(port_file + ".tmp", port_file)
threading.Thread(target=exit_with_parent, daemon=True).start()
server.serve_forever()
"""#
