#!/usr/bin/env python3
"""Serve this offline news archive at http://127.0.0.1:8000/ (Python 3 standard library only).

The archive also works without it: open index.html from your file manager. Use this launcher
if you prefer a server, e.g. for a browser that is strict about local files.

    python3 serve.py [--port 8000] [--open]

It answers only this computer (127.0.0.1) and only with files from this folder.
Stop it with Ctrl+C.
"""

import argparse
import functools
import http.server
import sys
import webbrowser
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv=None):
    parser = argparse.ArgumentParser(description="Serve this archive on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000; 0: any free)")
    parser.add_argument("--open", action="store_true", help="open the archive in a web browser")
    args = parser.parse_args(argv)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(HERE))
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler)
    except OSError as exc:
        print(f"cannot listen on 127.0.0.1:{args.port}: {exc}; try --port 0", file=sys.stderr)
        return 1
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    print(f"Serving the archive at {url} (Ctrl+C to stop)", flush=True)
    if args.open:
        webbrowser.open(url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped")
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
