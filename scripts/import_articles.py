#!/usr/bin/env python3
"""Import scraped articles into Pelican Markdown content.

Usage: python scripts/import_articles.py [--content DIR] [--report FILE] [--jobs N]
                                         [--cache DIR | --no-cache] INPUT...
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from newsarchive.importer import STATUSES, Options, run
from newsarchive.process_exit import freeze_at_exit


def parse_args(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        prog="import_articles.py",
        description="Import scraped news (text dumps, saved HTML pages, scraper JSON / JSON "
        "Lines, WARC crawls, wire photos with IPTC/XMP or sidecar captions; files and folders, "
        "recursively, formats detected by content) into Pelican Markdown content, one file per "
        "story, and write a JSON Lines report with one record per input item.",
    )
    parser.add_argument("inputs", nargs="+", type=Path, metavar="INPUT", help="files or folders")
    parser.add_argument(
        "--content", type=Path, default=Path("content"), help="content folder (default: content/)"
    )
    parser.add_argument(
        "--report",
        type=Path,
        default=Path("import-report.jsonl"),
        help="JSON Lines report to write (default: import-report.jsonl)",
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit with status 1 when any input is rejected"
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=0,
        metavar="N",
        help="worker processes for reading and classifying (default: one per CPU core)",
    )
    parser.add_argument(
        "--cache",
        type=Path,
        metavar="DIR",
        help="folder for the importer's cache of the content files, so a run reads only the "
        "files that changed (default: cache/ beside the content folder)",
    )
    parser.add_argument(
        "--no-cache", action="store_true", help="read every content file; no cache is used"
    )
    args = parser.parse_args(argv)
    if args.jobs < 0:
        parser.error("--jobs must be 0 (one per core) or more")
    options = Options(
        args.content, tuple(args.inputs), args.report, sys.stderr.isatty(), jobs=args.jobs,
        cache_dir=args.cache, use_cache=not args.no_cache,
    )
    return options, args.strict


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    options, strict = parse_args(argv)
    freeze_at_exit()  # the content index and the run's records need no last collection
    counts = run(options)
    print(" / ".join(f"{counts[s]} {s}" for s in STATUSES), f"(report: {options.report_path})")
    return 1 if strict and counts["rejected"] else 0


if __name__ == "__main__":
    sys.exit(main())
