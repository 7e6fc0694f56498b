"""The offline edition: the archive as a folder that works from disk, search included.

One stage, run after the content is final (``make offline``):

1. Pelican builds the site into a staging folder beside the destination, with the project's
   settings plus ``RELATIVE_URLS`` and feeds pointing at the hosted archive; the Pagefind plugin
   indexes it as usual;
2. every HTML and CSS file gets links to files (:mod:`newsarchive.offline_links`), canonical
   URLs naming the hosted site, and, on pages that use search, the offline search runtime;
3. the Pagefind bundle is rewritten for classic scripts (:mod:`newsarchive.offline_search`);
4. ``serve.py``, ``README.txt`` and ``edition.json`` (source, article count, date range,
   generator versions; what ``bag-info.txt`` is made from) are added;
5. the whole edition is scanned for root-relative or external URLs; any finding, broken
   internal link or dropped external resource stops the build with the list;
6. the staging folder replaces the destination in one rename.

Nothing depends on the time of the build, so the same content gives the same files.
"""

from __future__ import annotations

import json
import logging
import os
import posixpath
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field, replace
from importlib import metadata
from pathlib import Path

from newsarchive import __version__
from newsarchive.offline_errors import OfflineBuildError
from newsarchive.offline_links import PageReport, SitePage, rewrite_css, rewrite_html, scan_text
from newsarchive.offline_search import (
    RUNTIME_NAME,
    OfflineBundle,
    classic_script,
    make_offline_bundle,
    patch_pagefind_imports,
)

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "offline"
BUNDLE_DIR = "pagefind"
EDITION_FILE = "edition.json"
COPIED_ASSETS = ("serve.py", "README.txt")
DEFAULT_HOSTED_URL = "https://archive.example.org"
_ARTICLE_PATH = re.compile(r"^(\d{4})/(\d{2})/(\d{2})/[^/]+/index\.html$")

__all__ = ["OfflineBuildError", "OfflineEdition", "build_offline_edition", "hosted_site_url"]


@dataclass(frozen=True)
class OfflineEdition:
    """What was built: counts and sizes for the report, and the facts ``bag-info.txt`` uses."""

    path: Path
    source: str
    articles: int
    first_date: str | None
    last_date: str | None
    files: int
    total_bytes: int
    search: OfflineBundle
    broken: tuple[str, ...] = ()
    generator: dict[str, str] = field(default_factory=dict)

    def record(self) -> dict:
        """The JSON written to ``edition.json`` (no path, no time: deterministic)."""
        data = asdict(self)
        del data["path"], data["files"], data["total_bytes"], data["broken"]
        return data


def hosted_site_url(publishconf: Path = ROOT / "publishconf.py") -> str:
    """The hosted archive's address: ``$SITEURL``, else what ``publishconf.py`` sets."""
    if os.environ.get("SITEURL"):
        return os.environ["SITEURL"].rstrip("/")
    if publishconf.is_file():
        from pelican.settings import get_settings_from_file

        added = str(publishconf.parent) not in sys.path
        if added:
            sys.path.insert(0, str(publishconf.parent))
        try:
            return str(get_settings_from_file(str(publishconf)).get("SITEURL", "")).rstrip("/")
        finally:
            if added:
                sys.path.remove(str(publishconf.parent))
    return DEFAULT_HOSTED_URL


def build_offline_edition(
    content: Path, destination: Path, settings: Path, hosted_url: str
) -> OfflineEdition:
    """Build the offline edition of ``content`` into ``destination`` (replaced atomically)."""
    destination = destination.resolve()
    _check_replaceable(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}.", dir=destination.parent))
    staging.chmod(0o755)  # mkdtemp makes it private; the edition is for everyone to read
    try:
        run_pelican(content, staging, settings, hosted_url)
        edition = finish_edition(staging, hosted_url)
        _replace(staging, destination)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return replace(edition, path=destination)


def run_pelican(content: Path, output: Path, settings: Path, hosted_url: str) -> None:
    """Pelican with the project's settings, relative URLs and hosted feed links."""
    extra = {
        "RELATIVE_URLS": True,
        "SITEURL": hosted_url,
        "FEED_DOMAIN": hosted_url,
        "DELETE_OUTPUT_DIRECTORY": False,
        "PAGEFIND_ENABLED": True,
    }
    command = [sys.executable, "-m", "pelican", str(content), "-o", str(output)]
    command += ["-s", str(settings), "-e", *(f"{k}={json.dumps(v)}" for k, v in extra.items())]
    try:
        subprocess.run(command, check=True, capture_output=True, text=True, cwd=settings.parent)
    except subprocess.CalledProcessError as exc:
        detail = (exc.stderr or exc.stdout or "").strip()[-3000:]
        raise OfflineBuildError(f"Pelican failed building {content}: {detail}") from exc


def finish_edition(site: Path, hosted_url: str) -> OfflineEdition:
    """Steps 2–5 on a freshly built ``site`` folder; raises with every problem found.

    A link to a file the site does not have is reported (``OfflineEdition.broken``), not
    fatal: it is as broken on the hosted site, and belongs to the theme or the content.
    """
    if not (site / BUNDLE_DIR / "pagefind-entry.json").is_file():
        raise OfflineBuildError(f"{site}: no Pagefind bundle in {BUNDLE_DIR}/")
    files = sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())
    known = set(files)
    folders = {posixpath.dirname(name) for name in files}
    folders |= {parent for name in folders for parent in _parents(name)}
    broken: list[str] = []
    problems: list[str] = []
    modules: set[str] = set()
    for name in files:
        page = SitePage(name, known.__contains__, folders.__contains__, hosted_url)
        report = _rewrite_file(site / name, page, hosted_url)
        broken += report.broken
        problems += [f"external resource dropped: {item}" for item in report.dropped]
        modules.update(report.modules)
    for name in files:
        if name.endswith(".js") and not name.startswith(f"{BUNDLE_DIR}/"):
            _rewrite_script(site / name, name, name in modules)
    search = make_offline_bundle(site / BUNDLE_DIR, "../" * BUNDLE_DIR.count("/") + "../")
    for asset in COPIED_ASSETS:
        shutil.copyfile(ASSETS / asset, site / asset)
    edition = describe(site, files, hosted_url, search, broken)
    text = json.dumps(edition.record(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    (site / EDITION_FILE).write_text(text, encoding="utf-8", newline="\n")
    problems += scan_edition(site, hosted_url)
    if problems:
        shown = "\n  ".join(problems[:40])
        more = f"\n  … and {len(problems) - 40} more" if len(problems) > 40 else ""
        raise OfflineBuildError(
            f"{len(problems)} problems in the offline edition:\n  {shown}{more}"
        )
    for item in broken:
        log.warning("broken link: %s", item)
    return edition


def _parents(folder: str) -> list[str]:
    parents = []
    while folder:
        folder = posixpath.dirname(folder)
        parents.append(folder)
    return parents


def _rewrite_file(path: Path, page: SitePage, hosted_url: str) -> PageReport:
    suffix = path.suffix.lower()
    if suffix not in (".html", ".htm", ".css"):
        return PageReport()
    source = path.read_text(encoding="utf-8")
    if suffix == ".css":
        text, report = rewrite_css(source, page)
    else:
        text, report = rewrite_html(source, page, hosted_url, _search_script(source, page))
    if text != source:
        path.write_text(text, encoding="utf-8", newline="")
    return report


def _rewrite_script(path: Path, name: str, module: bool) -> None:
    """Site JS: ask for the offline Pagefind before importing it; modules made classic."""
    source = path.read_text(encoding="utf-8")
    text = patch_pagefind_imports(source)
    if module:
        text = classic_script(text, name)
    if text != source:
        path.write_text(text, encoding="utf-8", newline="")


def _search_script(source: str, page: SitePage) -> str:
    """The offline search runtime's tag, for pages that use the Pagefind bundle."""
    bundle = posixpath.relpath(BUNDLE_DIR, page.folder or ".")
    if f'"{bundle}/' not in source and f"'{bundle}/" not in source:
        return ""
    return f'<script src="{bundle}/{RUNTIME_NAME}"></script>\n'


def describe(
    site: Path, files: list[str], hosted_url: str, search: OfflineBundle, broken: list[str]
) -> OfflineEdition:
    dates = sorted(
        "-".join(match.groups()) for name in files if (match := _ARTICLE_PATH.match(name))
    )
    every = [p for p in site.rglob("*") if p.is_file()]
    return OfflineEdition(
        path=site,
        source=hosted_url,
        articles=len(dates),
        first_date=dates[0] if dates else None,
        last_date=dates[-1] if dates else None,
        files=len(every) + 1,  # edition.json, written next
        total_bytes=sum(p.stat().st_size for p in every),
        search=search,
        broken=tuple(broken),
        generator={
            "newsarchive": __version__,
            "pelican": _version("pelican"),
            "pagefind": search.version,
        },
    )


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


def scan_edition(site: Path, hosted_url: str) -> list[str]:
    """Every root-relative or external URL that would load, in the edition's HTML, CSS and JS."""
    problems = []
    for path in sorted(site.rglob("*")):
        if path.suffix.lower() in (".html", ".htm", ".css", ".js", ".mjs") and path.is_file():
            name = path.relative_to(site).as_posix()
            if name.startswith(f"{BUNDLE_DIR}/offline-data/"):
                continue  # base64 data, no URLs
            problems += scan_text(name, path.read_text(encoding="utf-8"), hosted_url)
    return problems


def _check_replaceable(destination: Path) -> None:
    """Refuse to replace a folder that is not empty and not an earlier offline edition."""
    if destination.is_dir() and any(destination.iterdir()):
        if not (destination / EDITION_FILE).is_file():
            raise OfflineBuildError(
                f"{destination} exists and is not an offline edition (no {EDITION_FILE}); "
                "choose another folder or remove it"
            )
    elif destination.exists() and not destination.is_dir():
        raise OfflineBuildError(f"{destination} exists and is not a folder")


def _replace(staging: Path, destination: Path) -> None:
    old = None
    if destination.exists():
        old = destination.with_name(f".{destination.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        destination.rename(old)
    staging.rename(destination)
    if old is not None:
        shutil.rmtree(old)
