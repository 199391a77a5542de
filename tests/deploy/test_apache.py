"""The guide's Lightsail path: Apache 2.4 (deploy/vps/apache/) in front of gunicorn, for real.

Debian's apache2 (installed from Debian's packages when missing) runs the shipped virtual
hosts on loopback ports with a generated main config (the Bitnami blueprint's httpd.conf
plays that part on Lightsail) and a self-signed certificate in place of bncert-tool's Let's Encrypt one. As
on Bitnami, Apache starts as root and serves as the unprivileged `daemon` user. Behind it,
gunicorn serves a release built by deploy/release.py on the unix socket, as in test_vps.py.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.deploy.conftest import (
    VPS,
    Site,
    free_port,
    make_site,
    port_open,
    short_tmpdir,
    stop,
    tls_context,
    wait_until,
)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("deploy")]

APACHE = "/usr/sbin/apache2"
MODULES = Path("/usr/lib/apache2/modules")
VHOST = VPS / "apache" / "the-scent.conf"
# What the vhost needs, as loaded by Bitnami's httpd.conf (log_config, unixd are built in).
LOADED = [
    "mpm_event", "authz_core", "authz_host", "mime", "alias", "dir", "headers", "rewrite",
    "setenvif", "env", "filter", "deflate", "reqtimeout", "socache_shmcb", "ssl", "http2",
    "proxy", "proxy_http",
]  # fmt: skip
PASSWORD_RESET_RATE = 2  # per hour and client address, for the address test


def ensure_apache() -> str:
    """Debian's apache2, installed from Debian's packages when it is missing."""
    if Path(APACHE).exists():
        return APACHE
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        pytest.skip("apache2 is missing and cannot be installed here (needs root and apt-get)")
    env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    for command in (
        ["apt-get", "update", "-q"],
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", "apache2"],
    ):
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            pytest.fail(f"{' '.join(command)} failed:\n{result.stdout[-2000:]}{result.stderr}")
    return APACHE


def render_vhost(root: Path, cert_dir: Path, http_port: int, https_port: int) -> str:
    """deploy/vps/apache/the-scent.conf with this machine's paths and ports."""
    vhost = VHOST.read_text()
    vhost = vhost.replace("/var/www/the-scent", str(root))
    # bncert-tool's links to its Let's Encrypt certificate and key.
    vhost = vhost.replace(
        "/opt/bitnami/apache/conf/shop.example.com.crt", str(cert_dir / "fullchain.pem")
    )
    vhost = vhost.replace(
        "/opt/bitnami/apache/conf/shop.example.com.key", str(cert_dir / "privkey.pem")
    )
    vhost = vhost.replace("/opt/bitnami/apps/letsencrypt", str(root / "letsencrypt"))
    vhost = vhost.replace("ServerName shop.example.com", "ServerName localhost")
    vhost = vhost.replace("<VirtualHost *:80>", f"<VirtualHost *:{http_port}>")
    return vhost.replace("<VirtualHost *:443>", f"<VirtualHost *:{https_port}>")


@dataclass
class Apache:
    root: Path | None
    cert_dir: Path
    binary: str = APACHE
    workdir: Path = field(default_factory=lambda: short_tmpdir("apache"))
    http_port: int = field(default_factory=free_port)
    https_port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None

    @property
    def conf(self) -> Path:
        return self.workdir / "httpd.conf"

    @property
    def error_log(self) -> Path:
        return self.workdir / "error.log"

    def write_config(self) -> None:
        (self.workdir / "the-scent.conf").write_text(
            render_vhost(self.root, self.cert_dir, self.http_port, self.https_port)
        )
        modules = "\n".join(
            f"LoadModule {name}_module {MODULES / f'mod_{name}.so'}" for name in LOADED
        )
        # Started as root, Apache serves as `daemon`, the user of Bitnami's Apache.
        user = "User daemon\nGroup daemon" if os.geteuid() == 0 else ""
        self.workdir.chmod(0o755)
        self.conf.write_text(
            f"""ServerRoot {self.workdir}
{modules}
{user}
ServerName localhost
Listen 127.0.0.1:{self.http_port}
Listen 127.0.0.1:{self.https_port}
PidFile {self.workdir}/httpd.pid
DefaultRuntimeDir {self.workdir}
ErrorLog {self.error_log}
LogLevel warn
TypesConfig /etc/mime.types
SSLSessionCache shmcb:{self.workdir}/ssl_scache(512000)
<Directory />
    Options FollowSymLinks
    AllowOverride None
    Require all denied
</Directory>
Include {self.workdir}/the-scent.conf
"""
        )

    def test_config(self) -> subprocess.CompletedProcess:
        self.write_config()
        return subprocess.run(
            [self.binary, "-t", "-f", str(self.conf)], capture_output=True, text=True, check=False
        )

    def start(self) -> Apache:
        self.write_config()
        self.proc = subprocess.Popen(
            [self.binary, "-f", str(self.conf), "-DFOREGROUND"],
            stdout=subprocess.DEVNULL,
            stderr=open(self.workdir / "stderr.log", "wb"),  # noqa: SIM115
        )
        wait_until(
            lambda: port_open(self.https_port) and port_open(self.http_port),
            "apache2",
            proc=self.proc,
            log=self.error_log,
        )
        return self

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc, signal.SIGTERM)
            self.proc = None

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    @property
    def origin(self) -> str:
        return f"https://localhost:{self.https_port}"

    def https(self, source: str = "127.0.0.1") -> http.client.HTTPSConnection:
        return http.client.HTTPSConnection(
            "localhost",
            self.https_port,
            context=tls_context(self.cert_dir),
            timeout=60,
            source_address=(source, 0),
        )

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict | None = None,
        source: str = "127.0.0.1",
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        conn = self.https(source)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.headers, response.read()
        finally:
            conn.close()


class UnixHTTPConnection(http.client.HTTPConnection):
    """A request straight to gunicorn's socket, as Apache makes it (for comparisons)."""

    def __init__(self, path: Path):
        super().__init__("localhost", timeout=30)
        self.path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.settimeout(self.timeout)
        self.sock.connect(str(self.path))


@dataclass
class Lightsail:
    site: Site
    apache: Apache

    def scent(self, *args: str) -> subprocess.CompletedProcess:
        current = self.site.root / "current"
        result = subprocess.run(
            [str(current / ".venv" / "bin" / "scent"), *args],
            cwd=current,
            env=self.site.env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result

    def form(self, path: str, source: str = "127.0.0.1") -> tuple[str, str]:
        """GET a form page: (csrftoken cookie, the form's csrfmiddlewaretoken)."""
        status, headers, body = self.apache.request("GET", path, source=source)
        assert status == 200, body[:500]
        cookies = headers.get_all("Set-Cookie") or []
        cookie = next(c for c in cookies if c.startswith("csrftoken="))
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        assert token, "the form carries a CSRF token"
        return cookie.split(";")[0], token.group(1).decode()

    def post_form(
        self, path: str, fields: dict, source: str = "127.0.0.1", headers: dict | None = None
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        cookie, token = self.form(path, source)
        body = urllib.parse.urlencode(fields | {"csrfmiddlewaretoken": token}).encode()
        return self.apache.request(
            "POST",
            path,
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": cookie,
                "Origin": self.apache.origin,
                "Referer": self.apache.origin + path,
                **(headers or {}),
            },
            source=source,
        )

    def upload_to_sign_in(self, upload: bytes) -> tuple[bytes, dict]:
        """A multipart sign-in POST (wrong password) with `upload` as its first part and
        the CSRF token as its last: Django accepts it only if the whole body arrived."""
        cookie, token = self.form("/accounts/login/")
        boundary = secrets.token_hex(16)

        def part(name: str, value: bytes, filename: str = "") -> bytes:
            disposition = f'form-data; name="{name}"' + (
                f'; filename="{filename}"' * bool(filename)
            )
            kind = "Content-Type: application/octet-stream\r\n" * bool(filename)
            head = f"--{boundary}\r\nContent-Disposition: {disposition}\r\n{kind}\r\n"
            return head.encode() + value + b"\r\n"

        body = (
            part("image", upload, "lavender.jpg")
            + part("username", b"nobody@example.com")
            + part("password", b"wrong-password")
            + part("csrfmiddlewaretoken", token.encode())
            + f"--{boundary}--\r\n".encode()
        )
        headers = {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Cookie": cookie,
            "Origin": self.apache.origin,
            "Referer": self.apache.origin + "/accounts/login/",
        }
        return body, headers


@pytest.fixture(scope="module")
def apache_binary() -> str:
    return ensure_apache()


@pytest.fixture(scope="module")
def lightsail(apache_binary, tls_cert) -> Iterator[Lightsail]:
    apache = Apache(root=None, cert_dir=tls_cert, binary=apache_binary)
    site = make_site(tls_cert, apache.https_port, PASSWORD_RESET_RATE=f"{PASSWORD_RESET_RATE}/h")
    apache.root = site.root
    try:
        site.deploy()
        # mkdtemp made the root 0700; on a server it is 750 with Apache's user in its group.
        site.root.chmod(0o755)
        with site.gunicorn():
            apache.start()
            yield Lightsail(site=site, apache=apache)
    finally:
        apache.cleanup()
        site.cleanup()


def test_apache_accepts_the_virtual_hosts(apache_binary, tls_cert):
    # Given the shipped file with this machine's paths; when apache2 checks its syntax
    apache = Apache(root=short_tmpdir("apache-root"), cert_dir=tls_cert, binary=apache_binary)
    try:
        result = apache.test_config()
        # Then it is accepted as written (no warning either).
        assert result.returncode == 0, result.stderr
        assert result.stderr.strip() == "Syntax OK", result.stderr
    finally:
        apache.cleanup()
        shutil.rmtree(apache.root, ignore_errors=True)


def test_the_shop_is_proxied_and_the_app_sees_https(lightsail):
    # When a visitor opens the home page through Apache
    status, headers, body = lightsail.apache.request("GET", "/")
    # Then the shop answers itself (no redirect loop: Django saw X-Forwarded-Proto: https)
    assert status == 200, body[:500]
    assert b"The Scent" in body
    assert "max-age=31536000" in headers.get("Strict-Transport-Security", "")
    # and its cookies are marked Secure, as only an https request gets them.
    status, headers, _ = lightsail.apache.request("GET", "/accounts/login/")
    csrf = next(c for c in headers.get_all("Set-Cookie") if c.startswith("csrftoken="))
    assert "Secure" in csrf
    # A visitor claiming http in the header cannot downgrade it: Apache overwrites it.
    status, headers, _ = lightsail.apache.request("GET", "/", headers={"X-Forwarded-Proto": "http"})
    assert status == 200


def test_a_form_posted_through_apache_passes_the_https_origin_check(lightsail):
    # Given a visitor on the sign-in page; when they sign in with a wrong password
    status, _, body = lightsail.post_form(
        "/accounts/login/", {"username": "nobody@example.com", "password": "wrong-password"}
    )
    # Then Django accepted the https Origin (no 403 CSRF failure) and shows the form again.
    assert status == 200, body[:500]
    assert b"csrfmiddlewaretoken" in body


def test_static_files_come_from_apache_with_far_future_cache_headers(lightsail):
    site, apache = lightsail.site, lightsail.apache
    _, _, page = apache.request("GET", "/")
    css = re.search(rb'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', page)
    assert css, "the page links a hashed stylesheet"
    # When the browser fetches the hashed stylesheet, accepting gzip
    status, headers, body = apache.request("GET", css.group(1).decode())
    assert status == 200
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert headers["Content-Type"].startswith("text/css")
    status, headers, gzipped = apache.request(
        "GET", css.group(1).decode(), headers={"Accept-Encoding": "gzip"}
    )
    # Then it gets WhiteNoise's precompressed copy, still as a stylesheet.
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert headers["Content-Type"].startswith("text/css")
    assert "immutable" in headers["Cache-Control"]
    import gzip

    assert gzip.decompress(gzipped) == body

    # A file gunicorn (WhiteNoise) never saw is served too: Apache reads staticfiles/ itself.
    static = site.root / "current" / "staticfiles"
    (static / "probe.0123456789ab.txt").write_text("served by apache")
    (static / "probe.txt").write_text("unhashed")
    status, headers, body = apache.request("GET", "/static/probe.0123456789ab.txt")
    assert (status, body) == (200, b"served by apache")
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    # Where a Brotli copy exists (WhiteNoise writes one when brotli is installed), browsers
    # that accept br get it, still as a stylesheet that varies by Accept-Encoding.
    (static / "probe.0123456789ab.css").write_text("body{color:green}")
    (static / "probe.0123456789ab.css.br").write_bytes(b"brotli bytes")
    status, headers, body = apache.request(
        "GET", "/static/probe.0123456789ab.css", headers={"Accept-Encoding": "gzip, br"}
    )
    assert (status, body) == (200, b"brotli bytes")
    assert headers["Content-Encoding"] == "br"
    assert headers["Content-Type"].startswith("text/css")
    assert "Accept-Encoding" in headers["Vary"]
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    status, headers, body = apache.request("GET", "/static/probe.0123456789ab.css")
    assert (status, body) == (200, b"body{color:green}")
    assert "Content-Encoding" not in headers
    assert "Accept-Encoding" in headers["Vary"]
    # An unhashed name may change, so browsers revalidate it after five minutes.
    status, headers, body = apache.request("GET", "/static/probe.txt")
    assert (status, body) == (200, b"unhashed")
    assert headers["Cache-Control"] == "public, max-age=300"


def test_uploaded_media_is_served_and_a_script_in_it_never_runs(lightsail):
    site, apache = lightsail.site, lightsail.apache
    media = site.root / "shared" / "storage" / "app" / "public" / "products"
    media.mkdir(parents=True, exist_ok=True)
    (media / "lavender.txt").write_text("lavender")
    (media / "shell.php").write_text("<?php system($_GET['c']); ?>")
    status, headers, body = apache.request("GET", "/media/products/lavender.txt")
    assert (status, body) == (200, b"lavender")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "public, max-age=604800"
    status, _, body = apache.request("GET", "/media/products/shell.php")
    assert status == 403
    assert b"system(" not in body


def test_the_client_address_reaches_the_app_and_cannot_be_forged(lightsail):
    # Given a limit of two password-reset requests an hour per address
    def reset(source: str, headers: dict | None = None) -> int:
        status, _, _ = lightsail.post_form(
            "/accounts/password-reset/",
            {"email": f"someone-{secrets.token_hex(3)}@example.com"},
            source=source,
            headers=headers,
        )
        return status

    # When one visitor (127.0.0.2) asks three times
    assert [reset("127.0.0.2") for _ in range(PASSWORD_RESET_RATE)] == [302] * PASSWORD_RESET_RATE
    # Then the third is refused, even when it claims another address in X-Forwarded-For
    assert reset("127.0.0.2") == 429
    assert reset("127.0.0.2", {"X-Forwarded-For": "203.0.113.9"}) == 429
    # while another visitor (127.0.0.3) is not affected: the app sees each one's address.
    assert reset("127.0.0.3") == 302


def test_an_eight_megabyte_upload_reaches_the_app(lightsail):
    apache = lightsail.apache
    # The sign-in form with an 8 MB file in front of its fields: Django finds the CSRF
    # token (the last part) only if all of it arrived.
    body, headers = lightsail.upload_to_sign_in(os.urandom(8 * 1024 * 1024))
    status, _, page = apache.request("POST", "/accounts/login/", body=body, headers=headers)
    assert status == 200, page[:500]  # the sign-in form again, not Apache's 413
    assert b"csrfmiddlewaretoken" in page

    # A body beyond the 12 MB limit is refused by Apache before it reaches gunicorn
    # (the app would have answered 200 with the form again).
    conn = apache.https()
    try:
        conn.putrequest("POST", "/accounts/login/")
        conn.putheader("Content-Type", headers["Content-Type"])
        conn.putheader("Content-Length", str(13 * 1024 * 1024))
        conn.endheaders()
        # Apache may answer and close before the client has sent everything.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            conn.send(os.urandom(13 * 1024 * 1024))
        assert conn.getresponse().status == 413
    finally:
        conn.close()
    # A chunked body (no Content-Length, which Django would read as empty) is refused too.
    conn = apache.https()
    try:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            conn.request(
                "POST",
                "/accounts/login/",
                body=iter([b"a" * 65536] * 4),
                headers={"Content-Type": "application/octet-stream"},
                encode_chunked=True,
            )
        assert conn.getresponse().status == 411
    finally:
        conn.close()


def test_a_slow_upload_is_not_cut_off(lightsail):
    # Given a visitor on a slow line: 512 KB over about 24 seconds (Apache's body timeout
    # is 20 s, extended by every 500 bytes that arrive)
    body, headers = lightsail.upload_to_sign_in(os.urandom(512 * 1024))
    conn = lightsail.apache.https()
    try:
        conn.putrequest("POST", "/accounts/login/")
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders()
        pieces = [body[i : i + len(body) // 8 + 1] for i in range(0, len(body), len(body) // 8 + 1)]
        for piece in pieces:
            conn.send(piece)
            time.sleep(3)
        # Then the whole upload still reaches the shop, which answers with the form again.
        response = conn.getresponse()
        page = response.read()
        assert response.status == 200, page[:500]
        assert b"csrfmiddlewaretoken" in page
    finally:
        conn.close()


def test_the_maintenance_page_reaches_the_visitor_unchanged(lightsail):
    apache, site = lightsail.apache, lightsail.site
    # Given the shop is closed for maintenance
    lightsail.scent("down", "--retry", "120")
    try:
        # When a visitor opens a page through Apache
        status, headers, body = apache.request("GET", "/products/")
        # Then they get the app's own 503 page with Retry-After, not Apache's error page
        assert status == 503
        assert headers["Retry-After"] == "120"
        assert b"refreshing the shelves" in body
        # byte for byte what gunicorn sent.
        direct = UnixHTTPConnection(site.socket)
        try:
            direct.request(
                "GET",
                "/products/",
                headers={"Host": f"localhost:{apache.https_port}", "X-Forwarded-Proto": "https"},
            )
            response = direct.getresponse()
            assert (response.status, response.read()) == (503, body)
        finally:
            direct.close()
        # The liveness check stays 200 for the load balancer.
        assert apache.request("GET", "/up")[0] == 200
    finally:
        lightsail.scent("up")
    # Each gunicorn worker keeps what it read of the maintenance state for a second
    # (MAINTENANCE_STATE_TTL): the shop opens again within that, not at the same instant.
    deadline = time.monotonic() + 10
    while (status := apache.request("GET", "/products/")[0]) == 503 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert status == 200


def test_plain_http_is_redirected_to_https(lightsail):
    conn = http.client.HTTPConnection("127.0.0.1", lightsail.apache.http_port, timeout=10)
    try:
        conn.request("GET", "/products/?page=2", headers={"Host": "localhost"})
        response = conn.getresponse()
        assert response.status == 301
        assert response.getheader("Location") == "https://localhost/products/?page=2"
    finally:
        conn.close()
    # Let's Encrypt's challenge files stay on http (bncert-tool's renewals).
    challenge = lightsail.site.root / "letsencrypt" / ".well-known" / "acme-challenge"
    challenge.mkdir(parents=True, exist_ok=True)
    (challenge / "token123").write_text("proof")
    conn = http.client.HTTPConnection("127.0.0.1", lightsail.apache.http_port, timeout=10)
    with contextlib.closing(conn):
        conn.request("GET", "/.well-known/acme-challenge/token123", headers={"Host": "localhost"})
        response = conn.getresponse()
        assert (response.status, response.read()) == (200, b"proof")
