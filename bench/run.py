"""Storefront throughput: wrk against gunicorn on loopback, small vs large catalogue.

    .venv/bin/python bench/run.py [--products 100000] [--duration 10] [--connections 16]

It builds two throwaway SQLite shops under a temp dir (the demo catalogue, and the demo
catalogue plus --products synthetic ones), serves each with gunicorn on 127.0.0.1 and
runs wrk on the home page, the product list, a filtered search, and a product page. It
prints requests/s per page and the large/small ratio: numbers from one run on one
machine are only comparable with each other, never with a fixed threshold.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PAGES = {
    "home": "/",
    "list": "/products/",
    "search": "/products/?q=lavender&sort=price_asc",
    "filter": "/products/?family=citrus&in_stock=1&sort=newest",
    "product": None,  # filled with a real slug
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def shop_env(storage: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("APP_", "DB_"))}
    return env | {
        "APP_ENV": "local",
        "APP_DEBUG": "false",
        "STORAGE_PATH": str(storage),
        "APP_ENV_FILE": str(storage / "none.env"),
        "LOG_LEVEL": "warning",
        "CACHE_DRIVER": "locmem",
    }


def build_shop(storage: Path, extra_products: int) -> None:
    env = shop_env(storage)
    scent = str(BIN / "scent")
    subprocess.run([scent, "migrate", "--noinput", "-v0"], env=env, check=True)
    subprocess.run([scent, "seed"], env=env, check=True, stdout=subprocess.DEVNULL)
    if extra_products:
        subprocess.run([scent, "seed", "--products", str(extra_products)], env=env, check=True)


def serve(storage: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "scent.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "2",
            "--log-level",
            "warning",
        ],
        env=shop_env(storage),
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/up", timeout=1)  # noqa: S310 - loopback only
            return proc, base
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("gunicorn did not start")


def first_product_path(base: str) -> str:
    html = urllib.request.urlopen(base + "/products/", timeout=5).read().decode()  # noqa: S310
    match = re.search(r'href="(/products/[a-z0-9-]+/)"', html)
    if not match:
        raise SystemExit("no product link on /products/")
    return match.group(1)


def wrk(url: str, duration: int, connections: int) -> float:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise SystemExit(f"{url}: {non2xx.group(1)} failed responses\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def measure(storage: Path, duration: int, connections: int) -> dict[str, float]:
    proc, base = serve(storage)
    try:
        pages = dict(PAGES, product=first_product_path(base))
        return {name: wrk(base + path, duration, connections) for name, path in pages.items()}
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=20000)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    with tempfile.TemporaryDirectory(prefix="scent-bench-") as tmp:
        small, large = Path(tmp, "small"), Path(tmp, "large")
        build_shop(small, 0)
        build_shop(large, args.products)
        results = {
            "demo": measure(small, args.duration, args.connections),
            f"+{args.products}": measure(large, args.duration, args.connections),
        }
    names = list(PAGES)
    print(f"{'page':<10}" + "".join(f"{label:>14}" for label in results) + f"{'ratio':>10}")
    for name in names:
        small_rps, large_rps = (results[label][name] for label in results)
        print(f"{name:<10}{small_rps:>14.1f}{large_rps:>14.1f}{large_rps / small_rps:>10.2f}")


if __name__ == "__main__":
    main()
