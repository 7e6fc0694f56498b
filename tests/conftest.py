"""Shared fixtures: paths, the shared folder (optional), and a real Pelican build."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
GOLDEN = ROOT / "tests" / "golden"
SHARED = Path(os.environ.get("NEWSARCHIVE_SHARED", ROOT.parent / "shared"))
BIN = Path(sys.executable).parent

sys.path.insert(0, str(ROOT))


def shared_file(*parts: str) -> Path:
    """A file from ../shared, or skip the test when the shared folder is not on this machine."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not present (../shared is optional)")
    return path


def run_import(content: Path, report: Path, *inputs: Path, check: bool = True) -> list[dict]:
    """Run the import command as users do and return the report records."""
    command = [
        sys.executable,
        str(ROOT / "scripts" / "import_articles.py"),
        "--content",
        str(content),
        "--report",
        str(report),
        *map(str, inputs),
    ]
    subprocess.run(command, check=check, capture_output=True, text=True)
    return [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]


def build_site(
    content: Path,
    output: Path,
    settings: Path = ROOT / "pelicanconf.py",
    *,
    check: bool = True,
    env: dict[str, str] | None = None,
    args: tuple[str, ...] = (),
) -> subprocess.CompletedProcess:
    """Build with the real Pelican CLI (and so the real Pagefind binary through the plugin)."""
    return subprocess.run(
        [str(BIN / "pelican"), str(content), "-o", str(output), "-s", str(settings), *args],
        check=check,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
    )


def write_conf(path: Path, content: Path, **overrides: object) -> Path:
    """A settings file: the project's, over ``content``, without the search index, with
    its own caches beside ``path``; ``overrides`` appended."""
    lines = [
        "import sys",
        f"sys.path.insert(0, {str(ROOT)!r})",
        "from pelicanconf import *  # noqa",
        f"PATH = {str(content)!r}",
        f"THEME = {str(ROOT / 'theme')!r}",
        f"PLUGIN_PATHS = [{str(ROOT / 'plugins')!r}]",
        "PAGEFIND_ENABLED = False",
        # Each build its own caches, so neither can reuse what the other rendered.
        f"CACHE_PATH = {str(path.parent / ('cache-' + path.stem))!r}",
        f"PHOTOS_CACHE = {str(path.parent / ('cache-' + path.stem) / 'images')!r}",
        # Small pages, so the period archives paginate on a small archive.
        'PAGINATED_TEMPLATES = {**PAGINATED_TEMPLATES, "period_archives": 4}',
    ]
    lines += [f"{key} = {value!r}" for key, value in overrides.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory) -> Path:
    """The project's own fixtures imported and built once per test session."""
    base = tmp_path_factory.mktemp("site")
    run_import(base / "content", base / "report.jsonl", FIXTURES / "text")
    build_site(base / "content", base / "output")
    return base
