"""Index the built site with Pagefind (the binary bundled in the `pagefind-bin` wheel).

Runs the CLI once over the whole output folder when Pelican has finished writing. The
``finalized`` signal is used rather than a generator from ``get_generators`` because it
fires after every generator, including other plugins' page writers and static files, so
the index always covers the finished site. (Pagefind's Python API indexes file by file
with a fixed sleep per call: ~10 pages/s; the CLI is orders of magnitude faster.)
"""

from __future__ import annotations

import logging
import subprocess
import sys
import time

from pelican import signals

log = logging.getLogger(__name__)

DEFAULTS = {
    "PAGEFIND_ENABLED": True,
    "PAGEFIND_ARGS": [],
}


class PagefindError(Exception):
    """Pagefind could not index the site."""


def check_settings(settings: dict) -> None:
    """Stop the build on a wrong setting instead of silently ignoring it."""
    for key, default in DEFAULTS.items():
        settings.setdefault(key, default)
    if not isinstance(settings["PAGEFIND_ENABLED"], bool):
        raise PagefindError(
            f"PAGEFIND_ENABLED must be True or False, not {settings['PAGEFIND_ENABLED']!r}"
        )
    args = settings["PAGEFIND_ARGS"]
    if not isinstance(args, list | tuple) or not all(isinstance(a, str) for a in args):
        raise PagefindError(f"PAGEFIND_ARGS must be a list of strings, not {args!r}")


def pagefind_command(output_path: str, extra: list[str]) -> list[str]:
    return [sys.executable, "-m", "pagefind_bin", "--site", output_path, *extra]


def run_pagefind(output_path: str, extra: list[str]) -> str:
    command = pagefind_command(output_path, extra)
    started = time.perf_counter()
    try:
        done = subprocess.run(command, check=True, capture_output=True, text=True)
    except FileNotFoundError as exc:
        raise PagefindError(f"cannot start Pagefind ({exc}); is pagefind-bin installed?") from exc
    except subprocess.CalledProcessError as exc:
        detail = (exc.stderr or exc.stdout or "").strip()[-2000:]
        raise PagefindError(f"Pagefind failed with exit status {exc.returncode}: {detail}") from exc
    log.info("Pagefind indexed %s in %.1f s", output_path, time.perf_counter() - started)
    return done.stdout


def on_initialized(pelican) -> None:
    check_settings(pelican.settings)


def on_finalized(pelican) -> None:
    if pelican.settings["PAGEFIND_ENABLED"]:
        run_pagefind(pelican.output_path, list(pelican.settings["PAGEFIND_ARGS"]))


def register() -> None:
    signals.initialized.connect(on_initialized)
    signals.finalized.connect(on_finalized)
