#!/usr/bin/env python3
"""A webhook receiver for the tests: verifies every delivery with the `standardwebhooks`
package (an implementation independent of Vitrine's) and logs what it accepted.

  webhook_receiver.py PORT DIR

DIR/secrets holds the secrets to verify with, one a line (re-read on each request);
DIR/mode holds `ok`, `fail` or a failure rate such as `0.3`. Accepted deliveries are
appended to DIR/accepted.jsonl as {"id", "type", "data"}; a delivery whose signature does
not verify gets 400 and is logged to DIR/refused.jsonl. Loopback only.
"""
import json, os, random, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook

PORT, DIR = int(sys.argv[1]), sys.argv[2]


def read(name, default=""):
    try:
        with open(os.path.join(DIR, name)) as f:
            return f.read().strip()
    except FileNotFoundError:
        return default


def append(name, obj):
    with open(os.path.join(DIR, name), "a") as f:
        f.write(json.dumps(obj) + "\n")


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, code, text):
        body = text.encode()
        self.send_response(code)
        self.send_header("content-type", "text/plain")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        headers = {k.lower(): v for k, v in self.headers.items()}
        mode = read("mode", "ok")
        if mode == "fail" or (mode not in ("ok", "fail") and random.random() < float(mode)):
            return self.answer(503, "receiver asked to fail")
        payload = None
        for secret in read("secrets").splitlines():
            try:
                payload = Webhook(secret.strip()).verify(body, headers)
                break
            except Exception:
                continue
        if payload is None:
            append("refused.jsonl", {"id": headers.get("webhook-id"), "signature": headers.get("webhook-signature")})
            return self.answer(400, "signature does not verify")
        append("accepted.jsonl", {"id": headers["webhook-id"], "type": payload["type"], "data": payload["data"]})
        self.answer(200, "thanks")


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
