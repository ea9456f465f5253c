"""Shared parts of the fake push servers (fake_fcm.py, fake_apns.py).

- A test CA and a server certificate for 127.0.0.1 / localhost, generated at
  start-up into the state directory (no key is committed): the client under
  test trusts ca.pem through its configurable CA file.
- A control server (plain HTTP on loopback) through which a test scripts the
  answers and reads what the fake received:
    POST /script   {"route": "...", "answers": [{"status": 429, "body": {...} or "text",
                    "headers": {"retry-after": "3"}, "delay_ms": 0}, ...]}
                   queues answers for the next requests of that route, in order;
    POST /config   {...}: route-specific settings (see each fake);
    GET  /requests {"requests": [...], "counters": {...}};
    POST /reset    forgets requests, counters and scripts (not the config).
- ready.json in the state directory, written once every port listens.
"""

import datetime
import http.server
import ipaddress
import json
import os
import threading

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def write_test_tls(state_dir):
    """Writes ca.pem, server.pem and server.key; returns their paths."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "push fakes test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                          content_commitment=False, key_encipherment=False,
                          data_encipherment=False, key_agreement=False,
                          encipher_only=False, decipher_only=False),
            critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([
                x509.DNSName("localhost"),
                x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
            ]),
            critical=False)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = {name: os.path.join(state_dir, name)
             for name in ("ca.pem", "server.pem", "server.key")}
    with open(paths["ca.pem"], "wb") as f:
        f.write(ca_cert.public_bytes(serialization.Encoding.PEM))
    with open(paths["server.pem"], "wb") as f:
        f.write(server_cert.public_bytes(serialization.Encoding.PEM))
    with open(paths["server.key"], "wb") as f:
        f.write(server_key.private_bytes(serialization.Encoding.PEM,
                                         serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption()))
    return paths


class Control:
    """Scripted answers, recorded requests and counters; thread-safe."""

    def __init__(self, config):
        self.lock = threading.Lock()
        self.config = dict(config)
        self.reset()

    def reset(self):
        with self.lock:
            self.scripts = {}
            self.requests = []
            self.counters = {}

    def count(self, name, by=1):
        with self.lock:
            self.counters[name] = self.counters.get(name, 0) + by

    def record(self, request):
        with self.lock:
            self.requests.append(request)

    def next_answer(self, route):
        """The next scripted answer of `route`, or None for the default."""
        with self.lock:
            queue = self.scripts.get(route)
            return queue.pop(0) if queue else None

    def setting(self, name, default=None):
        with self.lock:
            return self.config.get(name, default)

    def serve(self):
        """Starts the control server; returns its port."""
        control = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _reply(self, payload):
                body = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                with control.lock:
                    self._reply({"requests": list(control.requests),
                                 "counters": dict(control.counters)})

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                payload = json.loads(self.rfile.read(length) or b"{}")
                if self.path == "/script":
                    with control.lock:
                        control.scripts.setdefault(payload["route"], []).extend(payload["answers"])
                elif self.path == "/config":
                    with control.lock:
                        control.config.update(payload)
                elif self.path == "/reset":
                    control.reset()
                self._reply({"ok": True})

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server.server_address[1]


def answer_parts(answer):
    """(status, headers dict, body bytes, delay seconds) of a scripted answer."""
    body = answer.get("body", "")
    if not isinstance(body, str):
        body = json.dumps(body)
    return (int(answer.get("status", 200)), dict(answer.get("headers", {})), body.encode(),
            answer.get("delay_ms", 0) / 1000.0)


def write_ready(state_dir, info):
    path = os.path.join(state_dir, "ready.json")
    with open(path + ".tmp", "w") as f:
        json.dump(info, f)
    os.rename(path + ".tmp", path)
