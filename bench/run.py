"""Storefront throughput: wrk against gunicorn on loopback, /up as the ceiling, the demo
catalogue against a large one.

    .venv/bin/python bench/run.py [--products 100000] [--db sqlite|mariadb|pgsql] [--redis]
                                  [--duration 8] [--connections 16] [--rebuild] [--readme]

Two shops are built once and kept under storage/bench/ (SQLite files there; MariaDB and
PostgreSQL databases named scent_bench_demo and scent_bench_<N>): the demo catalogue, and
the demo catalogue plus --products synthetic ones (1-3 sizes each). Each is served by
gunicorn with 2 workers in the embedded default configuration: no environment overrides
beyond the database (and, with --redis, CACHE_DRIVER=redis and SESSION_DRIVER=redis),
APP_DEBUG=false as in production. wrk measures /up (the framework's floor: no session,
no template) and then every storefront page with the same connections and duration.

The table: requests/s, p99 latency, the ratio to /up in the same run, the ratio to the
same page on the demo catalogue, and the database queries the page makes. Numbers are
only comparable within one run on one machine, never with a fixed threshold.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
BENCH_STORAGE = ROOT / "storage" / "bench"
# Pages shoppers open; {product} and {category} are filled from the shop itself.
PAGES = {
    "home": "/",
    "list": "/products/",
    "list p40": "/products/?page=40",
    "category": "/categories/{category}/",
    "product": "/products/{product}/",
    "search": "/products/?q=lavender",
    "search 2w": "/products/?q=lavender+oil&sort=price_asc",
    "filter+sort": "/products/?family=citrus&in_stock=1&sort=price_asc",
    "cart": "/cart/",
}
_CLEARED = ("APP_", "DB_", "CACHE_", "SESSION_", "QUEUE_", "REDIS_", "MAIL_", "STRIPE_")


@dataclass(frozen=True)
class Shop:
    label: str
    storage: Path
    env: dict[str, str]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def shop_env(
    storage: Path, *, db: str, database: str, redis: bool, page_cache: bool = True
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_CLEARED)}
    env |= {
        "APP_DEBUG": "false",
        "STORAGE_PATH": str(storage),
        "APP_ENV_FILE": str(storage / "none.env"),
        "LOG_LEVEL": "warning",
    }
    if db == "sqlite":
        env["DB_DATABASE"] = str(storage / "database.sqlite")
    else:
        env |= {"DB_CONNECTION": db, "DB_DATABASE": database, "DB_HOST": "127.0.0.1"}
        env["DB_USERNAME"] = "postgres" if db == "pgsql" else "root"
        # A database server is production's setup, which keeps connections for 60 s
        # (scent/settings.py); outside production every request would connect again.
        env["DB_CONN_MAX_AGE"] = "60"
    if redis:
        env |= {"CACHE_DRIVER": "redis", "SESSION_DRIVER": "redis"}
    if not page_cache:
        env["PAGE_CACHE_SECONDS"] = "0"
    return env


def create_database(db: str, name: str) -> None:
    if db == "mariadb":
        sql = f"DROP DATABASE IF EXISTS {name}; CREATE DATABASE {name} CHARACTER SET utf8mb4"
        subprocess.run(["mariadb", "-h127.0.0.1", "-uroot", "-e", sql], check=True)
    elif db == "pgsql":
        for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
            subprocess.run(["psql", "-h127.0.0.1", "-Upostgres", "-qc", sql], check=True)


def build(shop: Shop, *, db: str, database: str, products: int, rebuild: bool) -> None:
    marker = shop.storage / "built.json"
    wanted = {"db": db, "database": database, "products": products}
    scent = str(BIN / "scent")
    if not rebuild and marker.exists() and json.loads(marker.read_text()) == wanted:
        # Kept from an earlier run: only bring its schema up to date.
        subprocess.run([scent, "migrate", "--noinput", "-v0"], env=shop.env, check=True)
        return
    shutil.rmtree(shop.storage, ignore_errors=True)
    shop.storage.mkdir(parents=True)
    create_database(db, database)
    started = time.monotonic()
    subprocess.run([scent, "migrate", "--noinput", "-v0"], env=shop.env, check=True)
    subprocess.run([scent, "seed"], env=shop.env, check=True, stdout=subprocess.DEVNULL)
    if products:
        subprocess.run([scent, "seed", "--products", str(products)], env=shop.env, check=True)
    print(f"built {shop.label} in {time.monotonic() - started:.0f} s", file=sys.stderr)
    marker.write_text(json.dumps(wanted))


def serve(shop: Shop) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [str(BIN / "gunicorn"), "scent.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2"]
    proc = subprocess.Popen(
        [*command, "--log-level", "warning"],
        env=shop.env,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(base + "/up", timeout=1)  # noqa: S310 - loopback only
            return proc, base
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("gunicorn did not start")


def fill_paths(base: str) -> dict[str, str]:
    """The pages with a real product and category of this shop."""
    html = urllib.request.urlopen(base + "/products/", timeout=10).read().decode()  # noqa: S310
    product = re.search(r'href="/products/([a-z0-9-]+)/"', html)
    category = re.search(r'href="/categories/([a-z0-9-]+)/"', html)
    if not (product and category):
        raise SystemExit("no product or category link on /products/")
    return {
        name: path.format(product=product.group(1), category=category.group(1))
        for name, path in PAGES.items()
    }


def cart_cookie(base: str, product_path: str) -> str:
    """A visitor's cookies after putting one unit of the first size in the cart."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(base + product_path, timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    variant = re.search(r'name="variant_id" value="(\d+)"', html)
    if not (token and variant):
        raise SystemExit(f"no add-to-cart form on {product_path}")
    form = {
        "csrfmiddlewaretoken": token.group(1),
        "variant_id": variant.group(1),
        "quantity": "1",
    }
    request = urllib.request.Request(  # noqa: S310 - loopback only
        base + "/cart/add/",
        data=urllib.parse.urlencode(form).encode(),
        headers={"Referer": base + product_path},
    )
    opener.open(request, timeout=10).read()
    return "; ".join(f"{c.name}={c.value}" for c in jar)


@dataclass(frozen=True)
class Result:
    rps: float
    p99_ms: float


def wrk(url: str, duration: int, connections: int, headers: list[str]) -> Result:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", url]
    for header in headers:
        command += ["-H", header]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise SystemExit(f"{url}: {non2xx.group(1)} failed responses\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    return Result(rps=rps, p99_ms=p99)


# Runs in the shop's environment: the queries each page makes, by Django's own count.
_QUERY_COUNTER = """
import json, sys, django
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
pages, cookie = json.loads(sys.argv[1]), sys.argv[2]
client = Client()
counts = {}
for name, path in pages.items():
    client.cookies.load(cookie) if name == "cart" else client.cookies.clear()
    client.get(path)  # warm whatever is cached once per process
    with CaptureQueriesContext(connection) as ctx:
        status = client.get(path).status_code
    counts[name] = len(ctx.captured_queries) if status == 200 else -status
print(json.dumps(counts))
"""


def query_counts(shop: Shop, paths: dict[str, str], cookie: str) -> dict[str, int]:
    env = shop.env | {"DJANGO_SETTINGS_MODULE": "scent.settings"}
    out = subprocess.run(
        [sys.executable, "-c", _QUERY_COUNTER, json.dumps(paths), cookie],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def measure(shop: Shop, duration: int, connections: int) -> dict[str, object]:
    proc, base = serve(shop)
    try:
        paths = fill_paths(base)
        cookie = cart_cookie(base, paths["product"])
        for path in paths.values():  # one warm-up request each
            urllib.request.urlopen(base + path, timeout=30).read()  # noqa: S310
        results = {"/up": wrk(base + "/up", duration, connections, [])}
        for name, path in paths.items():
            headers = [f"Cookie: {cookie}"] if name == "cart" else []
            results[name] = wrk(base + path, duration, connections, headers)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    return {"results": results, "queries": query_counts(shop, paths, cookie)}


def table(runs: dict[str, dict], products: int) -> str:
    demo, large = runs["demo"], runs[f"+{products}"]
    head = (
        f"| page | demo req/s | demo p99 ms | x /up | +{products:,} req/s | p99 ms | x /up "
        "| x demo | queries |"
    )
    lines = [head, "|" + "---|" * 9]
    for name in ["/up", *PAGES]:
        d, g = demo["results"][name], large["results"][name]
        d_up, g_up = demo["results"]["/up"].rps, large["results"]["/up"].rps
        queries = "" if name == "/up" else f"{demo['queries'][name]} / {large['queries'][name]}"
        lines.append(
            f"| {name} | {d.rps:,.0f} | {d.p99_ms:.1f} | {d.rps / d_up:.2f} "
            f"| {g.rps:,.0f} | {g.p99_ms:.1f} | {g.rps / g_up:.2f} | {g.rps / d.rps:.2f} "
            f"| {queries} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "mariadb", "pgsql"], default="sqlite")
    parser.add_argument("--redis", action="store_true", help="cache and sessions in Redis")
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--no-page-cache",
        action="store_true",
        help="render every page (PAGE_CACHE_SECONDS=0): what a signed-in shopper, or the "
        "first visitor after a change, costs",
    )
    parser.add_argument("--rebuild", action="store_true", help="build the catalogues again")
    parser.add_argument("--readme", action="store_true", help="write the table to README.md")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    runs = {}
    for label, extra in (("demo", 0), (f"+{args.products}", args.products)):
        database = f"scent_bench_{extra or 'demo'}"
        storage = BENCH_STORAGE / f"{args.db}-{extra or 'demo'}"
        env = shop_env(
            storage,
            db=args.db,
            database=database,
            redis=args.redis,
            page_cache=not args.no_page_cache,
        )
        shop = Shop(label=label, storage=storage, env=env)
        build(shop, db=args.db, database=database, products=extra, rebuild=args.rebuild)
        runs[label] = measure(shop, args.duration, args.connections)
    config = f"{args.db}{' + redis' if args.redis else ', default cache'}"
    if args.no_page_cache:
        config += ", no page cache"
    command = " ".join(["bench/run.py", *sys.argv[1:]])
    report = (
        f"`{command}` ({config}; gunicorn -w 2; wrk -c{args.connections} "
        f"-d{args.duration}s; {time.strftime('%Y-%m-%d')})\n\n{table(runs, args.products)}\n"
    )
    print(report)
    if args.readme:
        write_readme(config, report)


def write_readme(config: str, report: str, *, heading: str = "") -> None:
    """Keep the latest table per configuration between markers in bench/README.md.

    A configuration seen for the first time gets a section `### <heading>` at the end
    (by default "Storefront, <config>").
    """
    readme = ROOT / "bench" / "README.md"
    text = readme.read_text()
    start, end = f"<!-- bench:{config} -->", f"<!-- /bench:{config} -->"
    block = f"{start}\n{report}{end}"
    if start in text:
        text = re.sub(re.escape(start) + r".*?" + re.escape(end), block, text, flags=re.S)
    else:
        heading = heading or f"Storefront, {config}"
        text = text.rstrip() + f"\n\n### {heading}\n\n{block}\n"
    readme.write_text(text)


if __name__ == "__main__":
    main()
