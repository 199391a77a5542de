#!/usr/bin/env python3
"""Atomic releases on a VPS, the way Deployer does them for the Laravel guide.

    python3 deploy/release.py deploy --repo https://github.com/you/the-scent.git --ref main
    python3 deploy/release.py deploy --source /path/to/checkout
    python3 deploy/release.py rollback [--to RELEASE]
    python3 deploy/release.py releases

Layout under --root (default /var/www/the-scent):

    releases/<id>/    one directory per deploy: the code, its own .venv, staticfiles/,
                      REVISION (the release id, served as APP_VERSION at /version)
    shared/.env       the configuration, linked into every release as .env
    shared/storage/   logs, sessions, uploaded media: linked into every release as storage
    shared/run/       gunicorn's unix socket and pid file
    current           symlink to the live release, switched by one rename()
    repo/             a bare mirror of --repo, fetched on each deploy

A deploy builds the new release completely (code, virtualenv from constraints.txt,
configuration check, collectstatic, migrations) while the old one keeps serving; then it
points `current` at it with one atomic rename, sends gunicorn's master HUP so new workers
load the new code and virtualenv while the old ones finish their requests, runs the
--restart commands (queue workers, scheduler), and deletes releases beyond --keep.
Anything failing before the switch leaves the live site untouched and removes the
half-built release. Migrations run before the switch, so they must not break the release
still serving (add columns before using them, drop them a release later).

This script needs only Python 3.12+ (as the shop does) and git (for --repo): it runs
before the app exists, with nothing but the standard library.
"""

from __future__ import annotations

import argparse
import datetime as dt
import fcntl
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

DEFAULT_ROOT = "/var/www/the-scent"
SHARED_LINKS = {".env": ".env", "storage": "storage"}
SIGNAL_SPACING = 0.25  # seconds between two signals of one kind to gunicorn's master
STORAGE_DIRS = ("app/public", "logs", "framework/cache", "framework/sessions")


class DeployError(Exception):
    """A step failed; the message says which and what to do."""


def say(message: str) -> None:
    print(f"release: {message}", flush=True)


class Layout:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.releases = root / "releases"
        self.shared = root / "shared"
        self.current = root / "current"
        self.repo = root / "repo"
        self.lock = root / ".deploy.lock"
        self.run = self.shared / "run"

    def release_ids(self) -> list[str]:
        if not self.releases.is_dir():
            return []
        return sorted(p.name for p in self.releases.iterdir() if p.is_dir() and p.name[0] != ".")

    def current_id(self) -> str | None:
        if not self.current.is_symlink():
            return None
        return Path(os.readlink(self.current)).name


class Lock:
    """One deploy or rollback at a time: an exclusive flock on ROOT/.deploy.lock."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def __enter__(self) -> Lock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip()
            os.close(fd)
            raise DeployError(
                f"another deploy is running ({holder or 'unknown'}); wait for it to finish"
            ) from None
        os.ftruncate(fd, 0)
        started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        os.pwrite(fd, f"pid {os.getpid()} since {started}\n".encode(), 0)
        self.fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            os.ftruncate(self.fd, 0)
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)


def run(cmd: list[str], *, cwd: Path | None = None, what: str) -> None:
    say(f"{what}: {' '.join(shlex.quote(c) for c in cmd)}")
    started = time.monotonic()
    result = subprocess.run(cmd, cwd=cwd, check=False)
    if result.returncode != 0:
        raise DeployError(f"{what} failed (exit {result.returncode})")
    say(f"{what}: done in {time.monotonic() - started:.1f}s")


def output(cmd: list[str], *, cwd: Path | None = None) -> str:
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise DeployError(f"{' '.join(cmd)} failed: {result.stderr.strip()}")
    return result.stdout


def new_release_id(layout: Layout) -> str:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S")
    existing = set(layout.release_ids())
    release_id, n = stamp, 1
    while release_id in existing:  # two deploys within one second
        n += 1
        release_id = f"{stamp}.{n}"
    return release_id


def prepare_shared(layout: Layout) -> None:
    for directory in (layout.releases, layout.shared, layout.run):
        directory.mkdir(parents=True, exist_ok=True)
    for sub in STORAGE_DIRS:
        (layout.shared / "storage" / sub).mkdir(parents=True, exist_ok=True)
    if not (layout.shared / ".env").is_file():
        raise DeployError(
            f"{layout.shared / '.env'} is missing: copy .env.example there and set the "
            "production values (APP_ENV=production, APP_KEY, APP_URL, DB_*, ...)"
        )


def export_from_source(source: Path, target: Path) -> str:
    """Copy a checkout's tracked (and new, not ignored) files: what `git archive` would."""
    listing = output(
        ["git", "-C", str(source), "ls-files", "-z", "--cached", "--others", "--exclude-standard"]
    )
    for name in filter(None, listing.split("\0")):
        src = source / name
        if not src.is_file() and not src.is_symlink():
            continue  # deleted in the working tree
        dst = target / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst, follow_symlinks=False)
    return output(["git", "-C", str(source), "rev-parse", "HEAD"]).strip()


def export_from_repo(layout: Layout, repo: str, ref: str, target: Path) -> str:
    """Fetch into a bare mirror under ROOT/repo and extract REF's tree (`git archive`)."""
    if (layout.repo / "HEAD").is_file():
        run(["git", "-C", str(layout.repo), "remote", "update", "--prune"], what="fetch")
    else:
        run(["git", "clone", "--mirror", "--quiet", repo, str(layout.repo)], what="clone")
    sha = output(["git", "-C", str(layout.repo), "rev-parse", f"{ref}^{{commit}}"]).strip()
    archive = subprocess.Popen(
        ["git", "-C", str(layout.repo), "archive", "--format=tar", sha],
        stdout=subprocess.PIPE,
    )
    assert archive.stdout is not None
    with tarfile.open(fileobj=archive.stdout, mode="r|") as tar:
        tar.extractall(target, filter="data")
    if archive.wait() != 0:
        raise DeployError(f"git archive {sha} failed")
    return sha


def link_shared(layout: Layout, release: Path) -> None:
    for name, shared_name in SHARED_LINKS.items():
        link = release / name
        if link.is_symlink() or link.is_file():
            link.unlink()
        elif link.is_dir():
            shutil.rmtree(link)
        link.symlink_to(layout.shared / shared_name)


def build_venv(release: Path, python: str, extras: str) -> None:
    """A virtualenv per release, from the release's own lock (pip's cache makes it quick)."""
    venv = release / ".venv"
    run([python, "-m", "venv", str(venv)], what="virtualenv")
    requirements = release / ".requirements.txt"
    requirements.write_text(
        output([str(venv / "bin" / "python"), str(release / "deploy" / "requirements.py"), extras])
    )
    run(
        [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--quiet",
            "-c",
            str(release / "constraints.txt"),
            "-r",
            str(requirements),
        ],
        what="install dependencies",
    )
    # `scent` in the release runs this release's manage.py with this release's python.
    shutil.copy2(release / "deploy" / "bin" / "scent", venv / "bin" / "scent")


def switch_current(layout: Layout, release_id: str) -> None:
    """Point `current` at releases/<id> with one rename(2): never a moment without it."""
    tmp = layout.root / f".current.{release_id}.tmp"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(Path("releases") / release_id)  # relative: the root may be moved
    os.replace(tmp, layout.current)  # the same system call as `mv -T`


def _workers(master: int) -> set[int]:
    """gunicorn's worker pids: the master's children (Linux /proc)."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return {int(pid) for pid in children}


def _wait(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def warm_switch(master: int, ready_dir: Path, timeout: float) -> bool:
    """Start as many new workers as there are (TTIN), wait until they have loaded the new
    release, then retire the old ones (TTOU: gunicorn stops its oldest workers, gracefully).

    Unlike a HUP, which stops the old workers at once and leaves requests waiting while
    the new ones import the app, some worker is always ready to answer. Signals of one
    kind are spaced out: two arriving together may be handled as one. A worker recycled
    meanwhile (max_requests) is replaced by one running the new release, so only the
    counts matter: n TTIN, n TTOU, and in the end no old worker left.
    """
    old = _workers(master)
    if not old:
        return False
    for _ in old:
        os.kill(master, signal.SIGTTIN)
        time.sleep(SIGNAL_SPACING)

    def new_ready() -> bool:
        ready = {int(p.name) for p in ready_dir.iterdir() if p.name.isdigit()}
        return len((ready & _workers(master)) - old) >= len(old)

    if not _wait(new_ready, timeout):
        raise DeployError(
            f"the new release's workers did not come up within {timeout:.0f}s; "
            "check the web log, then `release.py rollback`"
        )
    for _ in old:
        os.kill(master, signal.SIGTTOU)
        time.sleep(SIGNAL_SPACING)
    # Each old worker finishes the requests it has (up to graceful_timeout), then exits.
    if not _wait(lambda: not _workers(master) & old, timeout):
        raise DeployError("old gunicorn workers are still running; check the web log")
    return True


def reload_web(pidfile: Path, mode: str = "warm", timeout: float = 120) -> None:
    """Make gunicorn serve what `current` points to now, without refusing a request."""
    try:
        master = int(pidfile.read_text().strip())
        os.kill(master, 0)
    except FileNotFoundError:
        say(
            f"web server not running (no {pidfile}); start it, e.g. supervisorctl start the-scent-web"
        )
        return
    except (ValueError, ProcessLookupError):
        say(f"web server not running (stale {pidfile}); start it")
        return
    ready_dir = pidfile.with_name("workers")
    children = Path(f"/proc/{master}/task/{master}/children")  # Linux; else a HUP
    warm = mode == "warm" and ready_dir.is_dir() and children.is_file()
    if warm and warm_switch(master, ready_dir, timeout):
        say(f"gunicorn (master {master}): new workers ready, old ones retired")
        return
    os.kill(master, signal.SIGHUP)
    say(f"reloaded gunicorn (HUP to master {master})")


def after_switch(layout: Layout, args: argparse.Namespace) -> None:
    reload_web(Path(args.pidfile) if args.pidfile else layout.run / "gunicorn.pid", args.reload)
    for command in args.restart or []:
        run(shlex.split(command), what="restart")


def prune(layout: Layout, keep: int) -> None:
    ids = layout.release_ids()
    live = layout.current_id()
    for release_id in ids[: max(0, len(ids) - keep)]:
        if release_id == live:
            continue
        shutil.rmtree(layout.releases / release_id)
        say(f"removed old release {release_id}")


def deploy(layout: Layout, args: argparse.Namespace) -> str:
    if bool(args.source) == bool(args.repo):
        raise DeployError("give either --source DIR or --repo URL [--ref REF]")
    with Lock(layout.lock):
        prepare_shared(layout)
        release_id = new_release_id(layout)
        release = layout.releases / release_id
        release.mkdir()
        say(f"building release {release_id} in {release}")
        try:
            if args.source:
                sha = export_from_source(Path(args.source).resolve(), release)
            else:
                sha = export_from_repo(layout, args.repo, args.ref, release)
            revision = f"{release_id}-{sha[:12]}"
            (release / "REVISION").write_text(revision + "\n")
            link_shared(layout, release)
            build_venv(release, args.python, args.extras)
            scent = str(release / ".venv" / "bin" / "scent")
            run([scent, "check", "--deploy", "--fail-level", "ERROR"], cwd=release, what="check")
            run([scent, "collectstatic", "--noinput", "-v", "0"], cwd=release, what="collectstatic")
            if not args.skip_migrations:
                run([scent, "migrate", "--noinput"], cwd=release, what="migrate")
        except BaseException:
            shutil.rmtree(release, ignore_errors=True)
            say(f"release {release_id} failed; removed it, the live release is unchanged")
            raise
        previous = layout.current_id()
        switch_current(layout, release_id)
        say(f"current -> releases/{release_id} (was {previous or 'nothing'})")
        after_switch(layout, args)
        prune(layout, args.keep)
        say(f"deployed {revision}")
        return release_id


def rollback(layout: Layout, args: argparse.Namespace) -> str:
    with Lock(layout.lock):
        ids = layout.release_ids()
        live = layout.current_id()
        if args.to:
            if args.to not in ids:
                raise DeployError(f"no release {args.to}; see `release.py releases`")
            target = args.to
        else:
            older = [i for i in ids if live is None or i < live]
            if not older:
                raise DeployError("no release before the current one to roll back to")
            target = older[-1]
        if target == live:
            raise DeployError(f"{target} is already the current release")
        switch_current(layout, target)
        say(f"current -> releases/{target} (was {live}); migrations are not reversed")
        after_switch(layout, args)
        return target


def list_releases(layout: Layout) -> None:
    live = layout.current_id()
    ids = layout.release_ids()
    if not ids:
        print("no releases yet")
    for release_id in ids:
        revision_file = layout.releases / release_id / "REVISION"
        revision = revision_file.read_text().strip() if revision_file.is_file() else "?"
        marker = "*" if release_id == live else " "
        print(f"{marker} {release_id}  {revision}{'  (current)' if marker == '*' else ''}")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="release.py", description="Atomic releases of The Scent on a VPS."
    )
    p.add_argument("--root", default=os.environ.get("SCENT_DEPLOY_ROOT", DEFAULT_ROOT))
    sub = p.add_subparsers(dest="command", required=True)

    def switch_options(sp: argparse.ArgumentParser) -> None:
        sp.add_argument(
            "--pidfile", help="gunicorn master's pid file (default ROOT/shared/run/gunicorn.pid)"
        )
        sp.add_argument(
            "--reload",
            choices=("warm", "hup"),
            default="warm",
            help="warm (default): start new gunicorn workers, retire the old ones once the new "
            "are ready; hup: gunicorn's HUP (also re-reads gunicorn.conf.py; requests wait "
            "while the new workers start)",
        )
        sp.add_argument(
            "--restart",
            action="append",
            metavar="COMMAND",
            help="run after the switch, e.g. \"sudo supervisorctl restart 'the-scent-worker:*' "
            'the-scent-scheduler" (repeatable)',
        )

    d = sub.add_parser("deploy", help="build a new release and make it live")
    d.add_argument("--source", help="a local checkout: copy its tracked files")
    d.add_argument("--repo", help="git URL (or path) to fetch; see --ref")
    d.add_argument("--ref", default="main", help="branch, tag or commit (default main)")
    d.add_argument("--keep", type=int, default=5, help="releases to keep (default 5)")
    d.add_argument("--python", default="python3", help="interpreter for the virtualenv")
    d.add_argument("--extras", default="mysql", help="pyproject extras to install (default mysql)")
    d.add_argument("--skip-migrations", action="store_true", help="do not run migrate")
    switch_options(d)

    r = sub.add_parser("rollback", help="make the previous release live again")
    r.add_argument("--to", help="a release id (default: the one before current)")
    switch_options(r)

    sub.add_parser("releases", help="list releases, the current one marked *")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    layout = Layout(Path(args.root).absolute())
    try:
        if args.command == "deploy":
            if args.keep < 2:
                raise DeployError("--keep must be at least 2 so a rollback is possible")
            deploy(layout, args)
        elif args.command == "rollback":
            rollback(layout, args)
        else:
            list_releases(layout)
    except DeployError as exc:
        print(f"release: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
