"""A local APNs (HTTP/2 over TLS with the test CA): a production and a
sandbox host, each its own port.

  /usr/bin/python3 fake_apns.py --state-dir DIR --topic com.example.game

Writes DIR/AuthKey.p8 (a fresh P-256 key) and DIR/ready.json
{"production_port", "sandbox_port", "control_port", "ca_file", "key_file",
"key_id", "team_id"}.

Every request is checked as APNs does, with APNs' own answers:
- POST /3/device/<token> (else 404 BadPath / 405 MethodNotAllowed);
- authorization: bearer <ES256 JWT> verified with the key's public half,
  header kid = key id, iss = team id, iat at most 1 h old (else 403
  InvalidProviderToken / ExpiredProviderToken);
- apns-topic = --topic (400 MissingTopic / DeviceTokenNotForTopic),
  apns-push-type alert|background, apns-priority 5|10 (400 BadPriority),
  apns-id a UUID (400 BadMessageId), apns-collapse-id <= 64 bytes (400
  BadCollapseId), apns-expiration an integer (400 BadExpirationDate), a JSON
  body with "aps" (400 PayloadEmpty / BadPayload... as "PayloadEmpty");
- config {"environments": {token: "sandbox"|"production"}}: a token sent to
  the other host gets 400 BadDeviceToken (unknown tokens work on both).
Then the "apns" script answers, or 200 with the apns-id.
Counters: requests_production, requests_sandbox, connections.
"""

import argparse
import json
import os
import re
import socket
import ssl
import threading
import time
import uuid

import h2.config
import h2.connection
import h2.events
import h2.exceptions
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

import fake_common

KEY_ID = "KEYID12345"
TEAM_ID = "TEAMID1234"
UUID_PATTERN = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


def check(headers, body, topic, public_key, environment, environments):
    """(status, reason) of an APNs answer, or None when the request is good."""
    if headers.get(":method") != "POST":
        return 405, "MethodNotAllowed"
    path = headers.get(":path", "")
    if not path.startswith("/3/device/"):
        return 404, "BadPath"
    token = path[len("/3/device/"):]
    authorization = headers.get("authorization", "")
    if not authorization.startswith("bearer "):
        return 403, "MissingProviderToken"
    try:
        provider_token = authorization[len("bearer "):]
        if jwt.get_unverified_header(provider_token).get("kid") != KEY_ID:
            return 403, "InvalidProviderToken"
        claims = jwt.decode(provider_token, public_key, algorithms=["ES256"], issuer=TEAM_ID,
                            options={"require": ["iss", "iat"]})
    except jwt.PyJWTError:
        return 403, "InvalidProviderToken"
    if claims["iat"] < time.time() - 3600:
        return 403, "ExpiredProviderToken"
    if not headers.get("apns-topic"):
        return 400, "MissingTopic"
    if headers["apns-topic"] != topic:
        return 400, "DeviceTokenNotForTopic"
    if headers.get("apns-push-type") not in ("alert", "background"):
        return 400, "InvalidPushType"
    if headers.get("apns-priority", "10") not in ("5", "10"):
        return 400, "BadPriority"
    if headers.get("apns-push-type") == "background" and headers.get("apns-priority") != "5":
        return 400, "BadPriority"
    if "apns-id" in headers and not UUID_PATTERN.match(headers["apns-id"]):
        return 400, "BadMessageId"
    if len(headers.get("apns-collapse-id", "").encode()) > 64:
        return 400, "BadCollapseId"
    if "apns-expiration" in headers and not headers["apns-expiration"].isdigit():
        return 400, "BadExpirationDate"
    try:
        payload = json.loads(body)
    except ValueError:
        return 400, "PayloadEmpty"
    if not isinstance(payload, dict) or not isinstance(payload.get("aps"), dict):
        return 400, "PayloadEmpty"
    if environments.get(token, environment) != environment:
        return 400, "BadDeviceToken"
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--state-dir", required=True)
    parser.add_argument("--topic", required=True)
    args = parser.parse_args()
    tls = fake_common.write_test_tls(args.state_dir)
    key = ec.generate_private_key(ec.SECP256R1())
    key_path = os.path.join(args.state_dir, "AuthKey.p8")
    with open(key_path, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    public_key = key.public_key()
    control = fake_common.Control({"environments": {}})
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls["server.pem"], tls["server.key"])
    context.set_alpn_protocols(["h2"])

    def answer(environment, headers, body):
        control.count("requests_" + environment)
        record = {"route": "apns", "environment": environment,
                  "headers": {k: v for k, v in headers.items() if k != "authorization"},
                  "body": body.decode(errors="replace")}
        control.record(record)
        refused = check(headers, body, args.topic, public_key, environment,
                        control.setting("environments"))
        if refused:
            status, reason = refused
            return status, {}, json.dumps({"reason": reason}).encode(), 0.0
        scripted = control.next_answer("apns")
        if scripted is not None:
            return fake_common.answer_parts(scripted)
        return 200, {}, b"", 0.0

    def serve_connection(raw, environment):
        try:
            sock = context.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            raw.close()
            return
        if sock.selected_alpn_protocol() != "h2":
            sock.close()
            return
        control.count("connections")
        conn = h2.connection.H2Connection(
            config=h2.config.H2Configuration(client_side=False, header_encoding="utf-8"))
        lock = threading.Lock()
        streams = {}

        def respond(stream_id, headers, body):
            status, extra, data, delay = answer(environment, headers, bytes(body))
            if delay:
                time.sleep(delay)
            apns_id = headers.get("apns-id") or str(uuid.uuid4()).upper()
            response = [(":status", str(status)), ("apns-id", apns_id)]
            response += [(name.lower(), str(value)) for name, value in extra.items()]
            if data:
                response.append(("content-type", "application/json"))
            with lock:
                try:
                    conn.send_headers(stream_id, response, end_stream=not data)
                    if data:
                        conn.send_data(stream_id, data, end_stream=True)
                    sock.sendall(conn.data_to_send())
                except (h2.exceptions.H2Error, OSError):
                    pass  # the client reset the stream (a timeout test)

        with lock:
            conn.initiate_connection()
            sock.sendall(conn.data_to_send())
        try:
            while True:
                data = sock.recv(65535)
                if not data:
                    break
                with lock:
                    for event in conn.receive_data(data):
                        if isinstance(event, h2.events.RequestReceived):
                            streams[event.stream_id] = (dict(event.headers), bytearray())
                        elif isinstance(event, h2.events.DataReceived):
                            streams[event.stream_id][1].extend(event.data)
                            conn.acknowledge_received_data(event.flow_controlled_length,
                                                           event.stream_id)
                        elif isinstance(event, h2.events.StreamEnded):
                            headers, body = streams.pop(event.stream_id)
                            threading.Thread(target=respond, daemon=True,
                                             args=(event.stream_id, headers, body)).start()
                        elif isinstance(event, h2.events.StreamReset):
                            streams.pop(event.stream_id, None)
                    sock.sendall(conn.data_to_send())
        except (h2.exceptions.H2Error, OSError, ssl.SSLError):
            pass
        finally:
            sock.close()

    def listen(environment):
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)

        def accept_loop():
            while True:
                raw, _ = listener.accept()
                threading.Thread(target=serve_connection, args=(raw, environment),
                                 daemon=True).start()

        threading.Thread(target=accept_loop, daemon=True).start()
        return listener.getsockname()[1]

    production_port = listen("production")
    sandbox_port = listen("sandbox")
    control_port = control.serve()
    fake_common.write_ready(args.state_dir, {
        "production_port": production_port, "sandbox_port": sandbox_port,
        "control_port": control_port, "ca_file": tls["ca.pem"], "key_file": key_path,
        "key_id": KEY_ID, "team_id": TEAM_ID,
    })
    threading.Event().wait()


if __name__ == "__main__":
    main()
