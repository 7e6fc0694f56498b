"""Build the offline edition: the archive as a folder that works from disk, search included.

python scripts/make_offline.py [--content DIR] [--output DIR] [--settings FILE] [--site-url URL]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsarchive.offline import OfflineBuildError, build_offline_edition, hosted_site_url  # noqa: E402


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Build the offline edition of the archive: relative links to files, "
        "search that runs from file:// with no server, and a serve.py launcher."
    )
    parser.add_argument("--content", type=Path, default=ROOT / "content", help="content folder")
    parser.add_argument(
        "--output", type=Path, default=ROOT / "offline-output", help="the edition's folder"
    )
    parser.add_argument(
        "--settings", type=Path, default=ROOT / "pelicanconf.py", help="Pelican settings file"
    )
    parser.add_argument(
        "--site-url",
        help="the hosted archive's address, named by canonical links and feeds "
        "(default: $SITEURL, else publishconf.py's SITEURL)",
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when a page links to a file that is missing"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    site_url = (args.site_url or hosted_site_url()).rstrip("/")
    try:
        edition = build_offline_edition(
            args.content, args.output, args.settings.resolve(), site_url
        )
    except OfflineBuildError as exc:
        print(f"make_offline: {exc}", file=sys.stderr)
        return 1
    for item in edition.broken:
        print(f"make_offline: broken link {item}", file=sys.stderr)
    search = edition.search
    print(
        f"{edition.path}: {edition.articles} stories "
        f"({edition.first_date} to {edition.last_date}), "
        f"{edition.files} files, {edition.total_bytes / 1e6:.1f} MB; search index "
        f"{search.data_bytes / 1e3:.0f} kB as {search.script_bytes / 1e3:.0f} kB of scripts "
        f"+ {search.runtime_bytes / 1e3:.0f} kB runtime. Open {edition.path / 'index.html'}"
    )
    return 1 if args.strict and edition.broken else 0


if __name__ == "__main__":
    sys.exit(main())
