#!/usr/bin/env python3
"""The long fuzz run (``make fuzz``): every parser entry point of the importer, random inputs.

Usage: python scripts/fuzz.py [--examples N] [--seed S] [ENTRY_POINT ...]

Runs the properties of tests/hostile/fuzzing.py (any bytes in: a story or a clear rejection,
never another exception, never a file outside the content folder) for N examples per entry
point (default 2,000), with fresh random inputs each run unless ``--seed`` is given, and prints
how many examples ran and how many became stories. Exit status 1 when a property fails
(hypothesis prints the shrunk failing input and how to reproduce it).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.hostile.fuzzing import ENTRY_POINTS, fuzz


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="fuzz.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("entry_points", nargs="*", metavar="ENTRY_POINT",
                        help=f"some of: {', '.join(ENTRY_POINTS)} (default: all)")
    parser.add_argument("--examples", type=int, default=2_000, metavar="N",
                        help="examples per entry point (default: 2000)")
    parser.add_argument("--seed", type=int, default=None, help="fixed random seed (default: "
                        "a new one each run)")
    args = parser.parse_args(argv)
    unknown = [name for name in args.entry_points if name not in ENTRY_POINTS]
    if unknown:
        parser.error(f"unknown entry point {unknown[0]!r}; choose from {', '.join(ENTRY_POINTS)}")
    if args.examples < 1:
        parser.error("--examples must be 1 or more")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.CRITICAL)  # readers log rejected input; not news here
    failed, total = [], 0
    for name in args.entry_points or list(ENTRY_POINTS):
        started = time.monotonic()
        try:
            run = fuzz(name, args.examples, derandomize=False, seed=args.seed)
        except Exception as exc:  # a failing property: report it, fuzz the others
            failed.append(name)
            print(f"{name:12} FAILED: {type(exc).__name__}: {exc}", flush=True)
            # The traceback, and hypothesis's notes: the shrunk input and how to replay it.
            traceback.print_exception(exc, limit=-8)
            continue
        total += run.examples
        print(f"{name:12} {run.examples:7,} examples, {run.stories:6,} stories, "
              f"{time.monotonic() - started:6.1f} s", flush=True)
    print(f"fuzz: {total:,} examples run" + (f"; FAILED: {', '.join(failed)}" if failed else
                                              ", no failure"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
