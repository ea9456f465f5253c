"""A local FCM HTTP v1 with its OAuth2 token endpoint, over TLS (test CA).

  /usr/bin/python3 fake_fcm.py --state-dir DIR

Writes DIR/service_account.json (a fresh RSA key; token_uri points here) and
DIR/ready.json {"port", "control_port", "ca_file", "service_account_file",
"project_id"}.

- POST /token verifies the JWT-bearer assertion with the service account's
  public key (RS256, iss = client_email, aud = token_uri, scope =
  firebase.messaging, exp - iat <= 1 h) and issues "fake-access-N" with
  expires_in = config "expires_in" (default 3600). Route "token" answers can
  be scripted instead.
- POST /v1/projects/{project}/messages:send checks the bearer token is one it
  issued and not expired or revoked (else 401 UNAUTHENTICATED) and that the
  body is a messages:send request with message.token (else 400
  INVALID_ARGUMENT); then answers from the "send" script, or 200 {"name"}.
- Control (fake_common.py): config {"expires_in": s, "revoke_tokens": true,
  "fail_rate": 0.05 (that share of valid sends answered 503 UNAVAILABLE, at
  random), "record_requests": false (keep counters only: the benchmark)}.
  Counters: oauth_calls, oauth_rejected, sends, connections.
"""

import argparse
import http.server
import json
import os
import random
import ssl
import threading
import time
import urllib.parse

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

import fake_common

PROJECT_ID = "demo-project"
CLIENT_EMAIL = "push-sender@demo-project.iam.gserviceaccount.com"
SCOPE = "https://www.googleapis.com/auth/firebase.messaging"


def fcm_error(code, status, message, error_code=None):
    details = []
    if error_code:
        details.append({"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                        "errorCode": error_code})
    return {"error": {"code": code, "message": message, "status": status, "details": details}}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--state-dir", required=True)
    args = parser.parse_args()
    tls = fake_common.write_test_tls(args.state_dir)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_key = key.public_key()
    control = fake_common.Control({"expires_in": 3600})
    issued = {}  # access token -> expiry (epoch seconds)
    issued_lock = threading.Lock()
    token_uri = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body are separate writes: without this, Nagle and the
        # client's delayed ACK add ~40 ms to every answer.
        disable_nagle_algorithm = True

        def log_message(self, *args):
            pass

        def setup(self):
            super().setup()
            control.count("connections")

        def _send(self, status, body, headers=None, delay=0.0):
            if delay:
                time.sleep(delay)
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                pass  # the client gave up (a timeout test)

        def _scripted(self, route):
            answer = control.next_answer(route)
            if answer is None:
                return False
            status, headers, body, delay = fake_common.answer_parts(answer)
            self._send(status, body, headers, delay)
            return True

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            if self.path == "/token":
                self._token(raw)
            elif self.path.startswith("/v1/projects/") and self.path.endswith("/messages:send"):
                self._message(raw)
            else:
                self._send(404, fcm_error(404, "NOT_FOUND", "no such path"))

        def _token(self, raw):
            control.count("oauth_calls")
            form = urllib.parse.parse_qs(raw.decode())
            record = {"route": "token", "grant_type": form.get("grant_type", [""])[0]}
            try:
                if record["grant_type"] != "urn:ietf:params:oauth:grant-type:jwt-bearer":
                    raise ValueError("grant_type")
                claims = jwt.decode(form["assertion"][0], public_key, algorithms=["RS256"],
                                    audience=token_uri["value"], issuer=CLIENT_EMAIL,
                                    options={"require": ["iss", "aud", "iat", "exp"]})
                if claims.get("scope") != SCOPE:
                    raise ValueError("scope")
                if claims["exp"] - claims["iat"] > 3600:
                    raise ValueError("exp more than 1 h after iat")
                record["claims"] = claims
            except Exception as error:  # any failed check refuses the grant
                control.count("oauth_rejected")
                record["error"] = str(error)
                control.record(record)
                self._send(400, {"error": "invalid_grant", "error_description": str(error)})
                return
            control.record(record)
            if self._scripted("token"):
                return
            expires_in = int(control.setting("expires_in"))
            with issued_lock:
                token = "fake-access-%d" % (len(issued) + 1)
                issued[token] = time.time() + expires_in
            self._send(200, {"access_token": token, "expires_in": expires_in,
                             "token_type": "Bearer"})

        def _message(self, raw):
            control.count("sends")
            bearer = self.headers.get("Authorization", "")
            token = bearer[len("Bearer "):] if bearer.startswith("Bearer ") else ""
            record = {"route": "send", "path": self.path, "bearer": token,
                      "content_type": self.headers.get("Content-Type", "")}
            try:
                record["body"] = json.loads(raw)
            except ValueError:
                record["body"] = None
            if control.setting("record_requests", True):
                control.record(record)
            with issued_lock:
                expiry = issued.get(token)
            if (expiry is None or expiry < time.time() or control.setting("revoke_tokens")):
                self._send(401, fcm_error(401, "UNAUTHENTICATED",
                                          "Request had invalid authentication credentials."))
                return
            message = (record["body"] or {}).get("message")
            if self.path != "/v1/projects/%s/messages:send" % PROJECT_ID:
                self._send(404, fcm_error(404, "NOT_FOUND", "Requested entity was not found."))
                return
            if not isinstance(message, dict) or not message.get("token"):
                self._send(400, fcm_error(400, "INVALID_ARGUMENT", "message.token is required",
                                          "INVALID_ARGUMENT"))
                return
            if self._scripted("send"):
                return
            if random.random() < (control.setting("fail_rate") or 0):
                control.count("unavailable")
                self._send(503, fcm_error(503, "UNAVAILABLE", "The service is currently unavailable.",
                                          "UNAVAILABLE"))
                return
            self._send(200, {"name": "projects/%s/messages/0:%d" % (PROJECT_ID, time.time_ns())})

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls["server.pem"], tls["server.key"])
    context.set_alpn_protocols(["http/1.1"])
    # The handshake runs in the connection's thread, not the accept loop.
    server.socket = context.wrap_socket(server.socket, server_side=True,
                                        do_handshake_on_connect=False)
    port = server.server_address[1]
    token_uri["value"] = "https://127.0.0.1:%d/token" % port
    account_path = os.path.join(args.state_dir, "service_account.json")
    with open(account_path, "w") as f:
        json.dump({
            "type": "service_account",
            "project_id": PROJECT_ID,
            "private_key_id": "test-key-1",
            "private_key": key.private_bytes(serialization.Encoding.PEM,
                                             serialization.PrivateFormat.PKCS8,
                                             serialization.NoEncryption()).decode(),
            "client_email": CLIENT_EMAIL,
            "token_uri": token_uri["value"],
        }, f)
    control_port = control.serve()
    fake_common.write_ready(args.state_dir, {
        "port": port, "control_port": control_port, "ca_file": tls["ca.pem"],
        "service_account_file": account_path, "project_id": PROJECT_ID,
    })
    server.serve_forever()


if __name__ == "__main__":
    main()
