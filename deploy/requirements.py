"""Print the runtime requirements of pyproject.toml (plus chosen extras), one per line.

    python deploy/requirements.py mysql > requirements.txt
    pip install -c constraints.txt -r requirements.txt

The image and the VPS release tool install exactly these, pinned by constraints.txt,
before the code is copied: dependencies change less often than code, so the layer
(or a release's virtualenv) is rebuilt only when they do. Development tools (pytest,
ruff, Playwright...) are not installed in production.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path


def runtime_requirements(pyproject: Path, extras: list[str]) -> list[str]:
    project = tomllib.loads(pyproject.read_text())["project"]
    optional = project.get("optional-dependencies", {})
    unknown = [extra for extra in extras if extra not in optional]
    if unknown:
        raise SystemExit(
            f"unknown extra(s) {', '.join(unknown)}; pyproject.toml has: {', '.join(optional)}"
        )
    requirements = list(project["dependencies"])
    for extra in extras:
        requirements += optional[extra]
    return requirements


def main(argv: list[str]) -> None:
    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    extras = [extra for arg in argv for extra in arg.split(",") if extra]
    print("\n".join(runtime_requirements(pyproject, extras)))


if __name__ == "__main__":
    main(sys.argv[1:])
