"""What a reader's browser really downloads for a first search, measured in a browser.

The site is served by a stdlib HTTP server (no compression: the Pagefind data files are
gzipped by Pagefind itself, the page's HTML/CSS/JS count uncompressed, an upper bound) and
Debian's chromium (Playwright, fresh profile, cache off) opens ``search/?q=WORD`` the way
the header's search box sends a reader there. Every response body is counted, by kind:

* **until results** — from navigation to the moment the first result is on the screen: the
  page, its CSS and scripts, Pagefind's runtime, metadata, index chunks and the fragments of
  the results shown. This is the issue's "bytes a reader's browser downloads for a first
  search".
* **after results** — whatever the page fetches afterwards by itself until the network is
  idle (e.g. facet counts for the filter menus), reported separately, never hidden.

    python -m benchmarks.first_search SITE_DIR [--query WORD] [--json FILE]
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import json
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # silence the access log
        pass


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 (a free port) in a thread; yields the base URL."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def kind(path: str) -> str:
    """A label for a URL path: which part of the page or of the index it is."""
    name = path.rsplit("/", 1)[-1]
    if "/pagefind/" not in path:
        return "page (html/css/js)"
    for suffix, label in (
        (".pf_meta", "pagefind metadata"),
        (".pf_filter", "pagefind filters"),
        (".pf_index", "pagefind index chunks"),
        (".pf_fragment", "pagefind fragments"),
        (".pagefind", "pagefind wasm"),
    ):
        if name.endswith(suffix):
            return label
    return "pagefind runtime (js/json)"


def measure(site: Path, query: str, timeout: float = 120.0) -> dict[str, object]:
    """Open the search page for ``query`` and count the bytes of every response."""
    from playwright.sync_api import sync_playwright

    if not (site / "search" / "index.html").exists():
        raise SystemExit(f"first_search: {site} has no search/index.html (not a built site)")
    seen: list[tuple[float, str, int]] = []
    with serve(site) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            context = browser.new_context()
            page = context.new_page()
            page.route("**/*", lambda route: route.continue_())  # disables the HTTP cache

            def finished(request) -> None:
                response = request.response()
                size = len(response.body()) if response else 0
                seen.append((time.perf_counter(), urlsplit(request.url).path, size))

            page.on("requestfinished", finished)
            started = time.perf_counter()
            page.goto(f"{base}search/?q={quote(query)}")
            page.wait_for_selector("#search-results li", timeout=timeout * 1000)
            shown = time.perf_counter()
            results = page.locator("#search-results li").count()
            status = page.locator("#search-status").inner_text()
            page.wait_for_load_state("networkidle", timeout=timeout * 1000)
            time.sleep(0.5)
            page.wait_for_load_state("networkidle", timeout=timeout * 1000)
        finally:
            browser.close()
    before: dict[str, int] = {}
    after: dict[str, int] = {}
    for when, path, size in seen:
        bucket = before if when <= shown else after
        bucket[kind(path)] = bucket.get(kind(path), 0) + size
    return {
        "query": query,
        "seconds to results": round(shown - started, 2),
        "results shown": results,
        "status": status,
        "requests": len(seen),
        "until results": dict(sorted(before.items())),
        "until results total": sum(before.values()),
        "after results": dict(sorted(after.items())),
        "after results total": sum(after.values()),
    }


def summary(figures: dict[str, object]) -> str:
    def parts(d: dict[str, int]) -> str:
        return ", ".join(f"{k} {v / 1024:.1f}" for k, v in d.items()) + " KiB"

    return (
        f"first search in chromium for {figures['query']!r}: "
        f"{figures['until results total'] / 1024:.0f} KiB until the first results were shown "
        f"({figures['seconds to results']} s; {parts(figures['until results'])}); "
        f"then {figures['after results total'] / 1024:.0f} KiB more by itself "
        f"({parts(figures['after results']) if figures['after results'] else 'nothing'}); "
        f"status: {figures['status']}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.first_search")
    parser.add_argument("site", type=Path, help="a built site (output folder)")
    parser.add_argument("--query", default="minister", help="the word searched for")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"first_search: {CHROMIUM} not found (apt-get install chromium)", file=sys.stderr)
        return 2
    figures = measure(args.site, args.query)
    print(summary(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
