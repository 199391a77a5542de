"""Production logging end to end: real gunicorn, LOG_CHANNEL=stderr, JSON lines read back."""

from __future__ import annotations

import json

import pytest

from tests.ops.prod_server import ProdShop, production_env, scent

pytestmark = pytest.mark.slow

CREATE_SESSION = """
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
user = get_user_model().objects.create_user(email="ops@example.com", password="x" * 12)
session = SessionStore()
session["_auth_user_id"] = str(user.pk)
session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
session["_auth_user_hash"] = user.get_session_auth_hash()
session.create()
print(user.pk, session.session_key)
"""


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    server = ProdShop(tmp_path_factory.mktemp("prodlog"))
    yield server
    server.close()


def test_stderr_is_one_json_object_per_line_with_request_fields(shop):
    # given a signed-in customer (a real session in the real database)
    user_id, session_key = scent(shop.env, "shell", "-c", CREATE_SESSION).stdout.split()[-2:]
    # when a proxy-tagged request, a signed-in request and a 404 reach gunicorn
    tagged = shop.get("/", {"X-Request-ID": "edge-req-000123"})
    signed_in = shop.get("/", {"Cookie": f"sessionid={session_key}"})
    missing = shop.get("/no-such-page/?token=abc&password=hunter2hunter2")
    fly = shop.get("/", {"Fly-Request-Id": "01JD8ZQ4X2-fra"})
    bogus = shop.get("/", {"X-Request-ID": "bad id with spaces and \u00e9"})
    shop.close()

    # then every stderr line (gunicorn's own included) is one JSON object
    records = shop.json_lines()
    assert records, "gunicorn wrote nothing to stderr"
    assert any("Listening at" in r["message"] for r in records)
    access = [r for r in records if r["logger"] == "scent.request" and r["path"] != "/up"]
    assert len(access) == 5
    assert not [r for r in records if r["level"] == "error"]
    for record in access:
        assert {"request_id", "user_id", "path", "method", "status", "duration_ms"} <= set(record)
        assert record["duration_ms"] >= 0

    by_id = {r["request_id"]: r for r in access}
    # the incoming id is kept and returned
    assert tagged.getheader("X-Request-ID") == "edge-req-000123"
    assert by_id["edge-req-000123"]["status"] == tagged.status == 200
    assert by_id["edge-req-000123"]["user_id"] is None
    # Fly's request id is used when there is no X-Request-ID
    assert fly.getheader("X-Request-ID") == "01JD8ZQ4X2-fra"
    # an insane incoming id is replaced by a generated one
    generated = bogus.getheader("X-Request-ID")
    assert generated and " " not in generated and generated in by_id
    # the signed-in request carries the user's id
    signed = by_id[signed_in.getheader("X-Request-ID")]
    assert signed["user_id"] == int(user_id)
    # a 404 is logged with its status, and never with its query string
    lost = by_id[missing.getheader("X-Request-ID")]
    assert lost["status"] == missing.status == 404
    assert lost["path"] == "/no-such-page/"
    assert "hunter2" not in "\n".join(shop.lines)


def test_log_level_is_honoured(tmp_path):
    snippet = (
        "import logging; log = logging.getLogger('scent.probe'); "
        "log.debug('debug-line'); log.info('info-line'); log.warning('warning-line'); "
        "log.error('card 4242 4242 4242 4242 password=hunter2hunter2')"
    )
    env = production_env(tmp_path, LOG_LEVEL="warning")
    stderr = scent(env, "shell", "-c", snippet).stderr
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    messages = [line["message"] for line in lines]
    assert "warning-line" in messages
    assert "debug-line" not in stderr and "info-line" not in stderr
    assert "4242" not in stderr and "hunter2" not in stderr

    env = production_env(tmp_path, LOG_LEVEL="debug")
    stderr = scent(env, "shell", "-c", snippet).stderr
    assert "debug-line" in stderr and "info-line" in stderr


def test_single_channel_writes_json_lines_to_the_log_file(tmp_path):
    env = production_env(tmp_path, LOG_CHANNEL="single", LOG_LEVEL="info")
    snippet = (
        "import logging; logging.getLogger('scent.probe').info('to the file', extra={'order': 7})"
    )
    result = scent(env, "shell", "-c", snippet)
    assert "to the file" not in result.stderr
    log_file = tmp_path / "storage" / "logs" / "scent.log"
    records = [json.loads(line) for line in log_file.read_text().splitlines()]
    (record,) = [r for r in records if r["message"] == "to the file"]
    assert record["order"] == 7 and record["level"] == "info"
