"""What the image runs, run without Docker (no engine on the test machines).

The Dockerfile itself is interpreted: its build-stage COPY (honouring .dockerignore),
WORKDIR, ENV and RUN instructions run in a temporary directory standing for /app, then
the runtime stage's ENV, ENTRYPOINT and CMD start the shop exactly as a container would:
first as Fly's release_command (`scent migrate --noinput`), then gunicorn. Requests then
check what a visitor and Fly's proxy see.

Departures from a real build, all outside the Dockerfile's own steps: `apt-get` lines are
skipped (the Debian packages are this machine's); pip resolves the lock against the test
runner's site-packages without network (see conftest); and because it then installs
nothing, the `gunicorn` console script pip would have written is a two-line stand-in.
"""

from __future__ import annotations

import fnmatch
import http.client
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.deploy.conftest import (
    REPO,
    app_key,
    base_env,
    free_port,
    port_open,
    short_tmpdir,
    stop,
    wait_until,
)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("deploy")]


def stages() -> dict[str, list[tuple[str, str]]]:
    text = re.sub(r"\\\n", " ", (REPO / "Dockerfile").read_text())
    result: dict[str, list[tuple[str, str]]] = {}
    current = ""
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if keyword == "FROM":
            current = rest.split(" AS ")[-1]
            result[current] = []
        elif current:
            result[current].append((keyword, rest.strip()))
    return result


def context_files() -> list[str]:
    """The build context: the checkout's files minus .dockerignore's patterns."""
    listing = subprocess.run(
        ["git", "-C", str(REPO), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    patterns = [
        p for p in (REPO / ".dockerignore").read_text().splitlines() if p and not p.startswith("#")
    ]

    def ignored(path: str) -> bool:
        parts = path.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        verdict = False
        for pattern in patterns:
            negate = pattern.startswith("!")
            pattern = pattern.lstrip("!").removeprefix("**/")
            if any(fnmatch.fnmatch(p, pattern) or fnmatch.fnmatch(p.split("/")[-1], pattern)
                   for p in prefixes):  # fmt: skip
                verdict = not negate
        return verdict

    return [
        name
        for name in listing.split("\0")
        if name and (REPO / name).is_file() and not ignored(name)
    ]


def parse_env(args: str, env: dict[str, str]) -> None:
    for item in shlex.split(args):
        name, _, value = item.partition("=")
        env[name] = re.sub(r"\$(\w+)", lambda m: env.get(m.group(1), ""), value)


def test_the_image_builds_starts_serves_and_stops_like_a_container():
    root = short_tmpdir("image")
    app = root / "app"
    tools = root / "bin"
    tools.mkdir()
    # The base image's `python`.
    (tools / "python").write_text(f'#!/bin/sh\nexec {sys.executable} "$@"\n')
    (tools / "python").chmod(0o755)

    def subst(text: str) -> str:
        """/app is the temporary app directory, /tmp/ the build's scratch space."""
        return re.sub(
            r"(?<![\w.-])/(app|tmp)(?=/|\b)",
            lambda m: str(app) if m.group(1) == "app" else str(root),
            text,
        )

    env = base_env(PATH=f"{tools}:{os.environ['PATH']}")
    files = context_files()
    assert "tests/conftest.py" not in files and ".env" not in files
    try:
        # --- build stage -----------------------------------------------------------------
        workdir = root
        for keyword, args in stages()["build"]:
            if keyword == "ENV":
                parse_env(args, env)
            elif keyword == "WORKDIR":
                workdir = app if args == "/app" else root / args
                workdir.mkdir(parents=True, exist_ok=True)
            elif keyword == "COPY":
                *sources, dest = args.split()
                for source in sources:
                    chosen = files if source == "." else [f for f in files if f == source]
                    assert chosen, f"COPY {source}: not in the build context"
                    for name in chosen:
                        target = workdir / (name if source == "." or dest.endswith("/") else dest)
                        target.parent.mkdir(parents=True, exist_ok=True)
                        shutil.copy2(REPO / name, target)
            elif keyword == "RUN" and "apt-get" not in args:
                result = subprocess.run(
                    ["sh", "-c", subst(args)], cwd=workdir, env=env, capture_output=True, text=True
                )
                assert result.returncode == 0, f"RUN {args}\n{result.stdout}\n{result.stderr}"

        venv_bin = app / ".venv" / "bin"
        assert (venv_bin / "scent").is_file()
        manifest = json.loads((app / "staticfiles" / "staticfiles.json").read_text())
        hashed_css = manifest["paths"]["css/scent.css"]
        assert re.fullmatch(r"css/scent\.[0-9a-f]{12}\.css", hashed_css)
        assert (app / "staticfiles" / (hashed_css + ".gz")).is_file()  # compressed at build
        # pip's console script for gunicorn (see the module docstring).
        (venv_bin / "gunicorn").write_text(f'#!/bin/sh\nexec {venv_bin}/python -m gunicorn "$@"\n')
        (venv_bin / "gunicorn").chmod(0o755)

        # --- the runtime stage's environment, plus what fly.toml and the secrets add ------
        runtime = base_env(PATH=f"{tools}:{os.environ['PATH']}")
        final = stages()["app"]
        for keyword, args in final:
            if keyword == "ENV":
                parse_env(subst(args), runtime)
        entrypoint = [subst(a) for a in json.loads(next(a for k, a in final if k == "ENTRYPOINT"))]
        cmd = [subst(a) for a in json.loads(next(a for k, a in final if k == "CMD"))]
        port = free_port()
        runtime |= {
            "APP_KEY": app_key(),
            "APP_URL": "https://localhost",
            "ALLOW_TEST_GATEWAY": "true",
            "CACHE_DRIVER": "file",
            "LOG_LEVEL": "info",
            "PORT": str(port),
        }
        assert runtime["APP_ENV"] == "production" and runtime["STATIC_MANIFEST"] == "true"

        # Fly's release_command runs through the same entrypoint.
        fly = tomllib.loads((REPO / "fly.toml").read_text())
        release = subprocess.run(
            [*entrypoint, *shlex.split(fly["deploy"]["release_command"])],
            cwd=app,
            env=runtime,
            capture_output=True,
            text=True,
        )
        assert release.returncode == 0, release.stderr

        log = root / "gunicorn.log"
        server = subprocess.Popen(
            [*entrypoint, *cmd], cwd=app, env=runtime, stdout=subprocess.DEVNULL,
            stderr=log.open("wb"),
        )  # fmt: skip
        try:
            wait_until(lambda: port_open(port), "gunicorn", proc=server, log=log)

            def get(path, **headers):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("GET", path, headers={"Host": "localhost", **headers})
                response = conn.getresponse()
                result = response.status, dict(response.getheaders()), response.read()
                conn.close()
                return result

            assert get("/up")[0] == 200
            # The Dockerfile's HEALTHCHECK command, as Docker would run it.
            healthcheck = next(a for k, a in final if k == "HEALTHCHECK").split("CMD", 1)[1]
            probe = subprocess.run(json.loads(healthcheck), env=runtime, capture_output=True)
            assert probe.returncode == 0, probe.stderr

            status, headers, body = get("/", **{"X-Forwarded-Proto": "https"})
            assert status == 200
            assert b"The Scent" in body
            assert "max-age=31536000" in headers["Strict-Transport-Security"]

            status, headers, _ = get("/products/")
            assert status == 301  # plain http reaching the app is sent to https
            assert headers["Location"] == "https://localhost/products/"

            assert f"/static/{hashed_css}".encode() in body
            status, headers, _ = get(
                f"/static/{hashed_css}",
                **{"Accept-Encoding": "gzip", "X-Forwarded-Proto": "https"},
            )
            assert status == 200
            assert headers["Content-Encoding"] == "gzip"
            assert "immutable" in headers["Cache-Control"]
            assert "max-age=315360000" in headers["Cache-Control"]

            # gunicorn runs as the container's main process (the entrypoint exec'd it).
            assert b"gunicorn" in Path(f"/proc/{server.pid}/cmdline").read_bytes()
        finally:
            code = stop(server, signal.SIGTERM)
        assert code == 0, log.read_text()[-2000:]
        assert "Shutting down: Master" in log.read_text()
        # gunicorn's own lines are JSON in production, like the app's.
        first = log.read_text().splitlines()[-1]
        assert json.loads(first)["logger"] == "gunicorn.error"
    finally:
        shutil.rmtree(root, ignore_errors=True)
