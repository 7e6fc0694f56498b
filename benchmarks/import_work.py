"""The import's own work per story: read, classify and sign each input in one process, with
nothing written and no parent bookkeeping (``newsarchive.work.process``, as the import's
workers run it).

This is the part of the import no arrangement of processes or files can remove, so it says
how much CPU the import needs at the least; ``bench_pipeline`` prints it beside the CPU
budget of the ratio bar.

    python -m benchmarks.import_work FOLDER [--limit 2000]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path

from newsarchive import work
from newsarchive.units import Unit


def measure(folder: Path, limit: int = 2000) -> dict[str, float]:
    """CPU seconds a story over the first ``limit`` files under ``folder`` (sorted), after
    one warm-up story (its lazy loading of vocabularies is not per-story work)."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())[: limit + 1]
    if len(files) < 2:
        raise SystemExit(f"{folder}: needs at least 2 input files, found {len(files)}")
    work.process(Unit(str(files[0]), "file", files[0]))
    started = time.process_time()
    for path in files[1:]:
        work.process(Unit(str(path), "file", path))
    cpu = time.process_time() - started
    return {"stories": len(files) - 1, "cpu_per_story": cpu / (len(files) - 1)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.import_work", description=__doc__)
    parser.add_argument("folder", type=Path, help="a folder of text dumps (searched recursively)")
    parser.add_argument("--limit", type=int, default=2000, help="stories to time (default 2000)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    figures = measure(args.folder, args.limit)
    if args.json:
        print(json.dumps(figures))
    else:
        print(
            f"import work in one process, nothing written: {figures['cpu_per_story'] * 1000:.2f}"
            f" ms a story over {figures['stories']:.0f} stories"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
