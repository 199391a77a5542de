"""SENTRY_DSN: an exception in a view reaches a (local) Sentry ingest with environment and release."""

from __future__ import annotations

import gzip
import json
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.ops.prod_server import production_env, scent

pytestmark = pytest.mark.slow

RAISE_IN_A_VIEW = """
import sys, types
import sentry_sdk
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import path

def checkout(request):
    raise RuntimeError("payment provider exploded for card 4242424242424242")

urls = types.ModuleType("sentry_probe_urls")
urls.urlpatterns = [path("boom", checkout)]
sys.modules["sentry_probe_urls"] = urls
with override_settings(ROOT_URLCONF="sentry_probe_urls"):
    response = Client(raise_request_exception=False).get("/boom", secure=True, HTTP_HOST="shop.test")
print("status", response.status_code)
sentry_sdk.flush(timeout=10)
"""


class _Ingest(BaseHTTPRequestHandler):
    envelopes: list[bytes]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        elif encoding == "br":  # pragma: no cover - only if brotli is installed
            import brotli

            body = brotli.decompress(body)
        self.server.envelopes.append((self.path, body))  # type: ignore[attr-defined]
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def ingest():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ingest)
    server.envelopes = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _events(envelopes: list[tuple[str, bytes]]) -> list[dict]:
    events = []
    for _path, body in envelopes:
        lines = body.split(b"\n")
        # envelope: a header line, then (item header, item payload) pairs
        for header, payload in zip(lines[1::2], lines[2::2], strict=False):
            if header and json.loads(header).get("type") == "event":
                events.append(json.loads(payload))
    return events


def test_exception_in_a_view_arrives_with_environment_and_release(tmp_path, ingest):
    # given a production machine whose SENTRY_DSN points at our local ingest
    port = ingest.server_address[1]
    env = production_env(tmp_path, SENTRY_DSN=f"http://publickey@127.0.0.1:{port}/42")
    scent(env, "migrate", "--noinput")
    # when a view raises
    result = scent(env, "shell", "-c", RAISE_IN_A_VIEW)
    assert "status 500" in result.stdout
    # then Sentry received the error, tagged with the environment and the release
    assert ingest.envelopes, result.stderr
    assert all(path == "/api/42/envelope/" for path, _ in ingest.envelopes)
    (event,) = [e for e in _events(ingest.envelopes) if e.get("exception")]
    assert event["environment"] == "production"
    assert event["release"] == "e2e-1"
    exception = event["exception"]["values"][-1]
    assert exception["type"] == "RuntimeError"
    # and neither the card number nor personal data left the machine
    raw = b"".join(body for _, body in ingest.envelopes)
    assert b"4242424242424242" not in raw
    assert "user" not in event or "ip_address" not in event.get("user", {})
