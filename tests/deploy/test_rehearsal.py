"""The multi-node rehearsal (`make rehearse`), bounded: two app nodes behind nginx, two
workers, two schedulers, MariaDB, Redis and an SMTP server of its own on loopback, a small
load of shoppers and buyers, and the six faults in order (app node SIGKILL, worker SIGKILL
mid-send, SMTP outage, Redis restart, MariaDB restart, rolling release).

Given the whole shop running on two nodes, when each fault strikes while people shop, then
every order a buyer saw confirmed exists once, nothing was oversold, every confirmation
e-mail arrived, and no request failed outside the outages.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

from tests.deploy.conftest import REPO

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("deploy")]

# The Debian package behind each binary the rehearsal starts.
PACKAGES = {
    "mariadbd": "mariadb-server",
    "mariadb-install-db": "mariadb-server",
    "redis-server": "redis-server",
    "nginx": "nginx-light",
    "openssl": "openssl",
}
SUMMARY = re.compile(
    r"^rehearsal: (\d+) requests, (\d+) orders, (\d+) lost, (\d+) duplicated, (\d+) oversold, "
    r"(\d+) 5xx outside the outages$",
    re.M,
)


def ensure_binaries() -> None:
    """The servers the rehearsal starts, installed from Debian's packages when missing."""
    missing = sorted({pkg for name, pkg in PACKAGES.items() if shutil.which(name) is None})
    if not missing:
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        pytest.skip(
            f"{', '.join(missing)} missing and cannot be installed (needs root and apt-get)"
        )
    env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    for command in (
        ["apt-get", "update", "-q"],
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing],
    ):
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            pytest.fail(f"{' '.join(command)} failed:\n{result.stdout[-2000:]}{result.stderr}")


def test_the_shop_on_two_nodes_survives_every_fault_without_losing_an_order_or_an_email():
    # Given the rehearsal's servers on this machine
    ensure_binaries()

    # When a small load shops through nginx while the six faults strike in order
    result = subprocess.run(
        [
            sys.executable, str(REPO / "scripts" / "rehearse.py"),
            "--buyers", "2", "--browsers", "2", "--smtp-outage", "5", "--pause", "3",
            # A job a worker took as Redis restarted is failed over by RQ's maintenance
            # and retried: up to about four minutes late (the wait ends once all arrived).
            "--drain", "300",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )  # fmt: skip
    output = result.stdout + result.stderr

    # Then each fault was applied and reported on its own line
    for fault in ("app node", "worker", "smtp", "redis", "mariadb", "release"):
        assert re.search(rf"^  ok   {fault}: ", output, re.M), output[-6000:]
    # And buyers got orders through, none lost, duplicated or oversold, no stray 5xx
    summary = SUMMARY.search(output)
    assert summary is not None, output[-6000:]
    requests, orders, lost, duplicated, oversold, outside = map(int, summary.groups())
    assert requests > 100 and orders > 5, summary.group(0)
    assert (lost, duplicated, oversold, outside) == (0, 0, 0, 0), output[-6000:]
    assert result.returncode == 0, output[-6000:]
