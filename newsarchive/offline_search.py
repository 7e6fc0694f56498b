"""Pagefind search from disk: turn a Pagefind bundle into files that classic scripts can load.

Browsers block ES-module imports, ``fetch()`` and workers on ``file://`` pages (Pagefind
upstream issues #202 and #241), so the hosted bundle cannot search an archive opened from a
file manager. :func:`make_offline_bundle` keeps Pagefind's own index and ranking and changes
only how the browser loads them:

* each data file (``pagefind.*.pf_meta``, ``wasm.*.pagefind``, ``index/*.pf_index``,
  ``filter/*.pf_filter``, ``fragment/*.pf_fragment``; with the sharded index, the same in
  every ``shards/<name>-<fingerprint>/`` plus its ``pagefind-entry.json``, and ``shards.json`` and
  ``filters.json``) becomes ``offline-data/<path>.js``, one assignment of the file's bytes as
  base64 (+33 % over the gzipped file);
* ``pagefind.js`` becomes a function body inside ``pagefind-offline.js`` (the template in
  ``offline/``), which hands it a ``fetch`` shim that loads those scripts on demand, no
  ``Worker`` and a fake ``import.meta.url``; the page gets ``window.__pagefindOffline``;
* Pagefind's UI scripts ask for that object before trying ``import("…/pagefind.js")``.

The transformation is checked against the runtime's shape (one ``export{…}`` list, no static
imports); a Pagefind release that changes it stops the build with :class:`OfflineBuildError`
instead of shipping a search page that silently fails.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from pathlib import Path

from newsarchive.offline_errors import OfflineBuildError

TEMPLATE = Path(__file__).resolve().parent.parent / "offline" / "pagefind-offline.js"
RUNTIME_NAME = "pagefind-offline.js"
DATA_DIR = "offline-data"
_BUNDLE_DATA = ("pagefind.*.pf_meta", "wasm.*.pagefind", "index/*", "filter/*", "fragment/*")
# An unsharded bundle, or the sharded index of plugins/pagefind_index/shards.py: its manifest,
# the menus' filter counts and, per shard, its entry file and data files.
DATA_PATTERNS = (
    *_BUNDLE_DATA,
    "shards.json",
    "filters.json",
    "shards/*/pagefind-entry.json",
    *(f"shards/*/{pattern}" for pattern in _BUNDLE_DATA),
)
# Written for the next incremental index (fingerprints); nothing reads them from disk.
DROPPED_DATA = ("shards/*/shard.json",)
# Module-only files that cannot run from disk; pagefind-offline.js replaces them.
SHARDS_MODULE = "pagefind-shards.js"
DROPPED = ("pagefind.js", SHARDS_MODULE, "pagefind-worker.js", "pagefind-entry.json")

_EXPORT = re.compile(r"export\s*\{([\w\s,$]+)\}\s*;?\s*$")
_STATIC_IMPORT = re.compile(r"(^|[;}\n])\s*import\s*(\{|\*|[\w$]+\s+from\b|[\"'])")
_ROOT_DEFAULT = '"/pagefind/"'


@dataclass(frozen=True)
class OfflineBundle:
    """What the conversion wrote, with sizes in bytes for the size report."""

    data_files: int
    data_bytes: int  # the gzipped Pagefind files as Pagefind wrote them
    script_bytes: int  # the same files as base64 classic scripts
    runtime_bytes: int
    version: str


def make_offline_bundle(bundle: Path, site_from_bundle: str = "../") -> OfflineBundle:
    """Rewrite the Pagefind bundle folder ``bundle`` in place for use from ``file://``."""
    entry_path = bundle / "pagefind-entry.json"
    if not entry_path.is_file():
        raise OfflineBuildError(f"{bundle}: no pagefind-entry.json (was the site indexed?)")
    entry = json.loads(entry_path.read_text(encoding="utf-8"))
    data_files = sorted(
        {path for pattern in DATA_PATTERNS for path in bundle.glob(pattern) if path.is_file()}
    )
    files: dict[str, str] = {}
    data_bytes = script_bytes = 0
    for path in data_files:
        key = path.relative_to(bundle).as_posix()
        script = f"{DATA_DIR}/{key}.js"
        raw = path.read_bytes()
        text = data_script(key, raw)
        write_text(bundle / script, text)
        files[key] = script
        data_bytes += len(raw)
        script_bytes += len(text.encode("ascii"))
        path.unlink()
    # The sharded index's search page needs pagefind.js with its PagefindInstance exported.
    module = (
        bundle / SHARDS_MODULE if (bundle / SHARDS_MODULE).is_file() else bundle / "pagefind.js"
    )
    runtime = offline_runtime(module.read_text(encoding="utf-8"), files, entry, site_from_bundle)
    write_text(bundle / RUNTIME_NAME, runtime)
    for name in DROPPED:
        (bundle / name).unlink(missing_ok=True)
    for pattern in DROPPED_DATA:
        for path in bundle.glob(pattern):
            path.unlink()
    for folder in sorted((p for p in bundle.rglob("*") if p.is_dir()), reverse=True):
        if folder.relative_to(bundle).parts[0] != DATA_DIR and not any(folder.iterdir()):
            folder.rmdir()  # emptied index/, filter/, fragment/ and shard folders
    for ui_script in sorted(bundle.glob("*.js")):
        if ui_script.name != RUNTIME_NAME:
            patch_ui_script(ui_script)
    return OfflineBundle(
        data_files=len(files),
        data_bytes=data_bytes,
        script_bytes=script_bytes,
        runtime_bytes=len(runtime.encode("utf-8")),
        version=str(entry.get("version", "")),
    )


def data_script(key: str, raw: bytes) -> str:
    """A classic script that puts one Pagefind file, as base64, into ``window.__pagefindData``."""
    encoded = base64.b64encode(raw).decode("ascii")
    return (
        "window.__pagefindData=window.__pagefindData||{};"
        f'window.__pagefindData[{json.dumps(key)}]="{encoded}";\n'
    )


def offline_runtime(module: str, files: dict[str, str], entry: dict, site_from_bundle: str) -> str:
    """``pagefind-offline.js``: the template with Pagefind's module turned into a function body."""
    template = TEMPLATE.read_text(encoding="utf-8")
    body = module_as_function_body(module)
    replacements = {
        "/*SITE_FROM_BUNDLE*/": json.dumps(site_from_bundle),
        "/*FILES*/": json.dumps(files, sort_keys=True, separators=(",", ":")),
        "/*ENTRY*/": json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":")),
        "/*PAGEFIND_MODULE*/": body,
    }
    for marker, value in replacements.items():
        if template.count(marker) != 1:
            raise OfflineBuildError(f"{TEMPLATE}: expected one {marker} marker")
        template = template.replace(marker, value)
    return template


def module_as_function_body(module: str) -> str:
    """Pagefind's ES module as the body of a function returning its exports."""
    found = _EXPORT.search(module)
    if not found or module.count("export{") + module.count("export {") != 1:
        raise OfflineBuildError("pagefind.js: expected exactly one final export{…} list")
    names = [name.strip() for name in found.group(1).split(",") if name.strip()]
    if _STATIC_IMPORT.search(module) or "import(" in module:
        raise OfflineBuildError(
            "pagefind.js imports other modules; the offline build cannot wrap it"
        )
    body = module[: found.start()].replace("import.meta.url", "__pagefindModuleUrl")
    if "import.meta" in body:
        raise OfflineBuildError("pagefind.js uses import.meta beyond import.meta.url")
    body = body.replace(_ROOT_DEFAULT, '"pagefind/"')
    return f"{body}\nreturn {{{', '.join(names)}}};"


def patch_ui_script(path: Path) -> None:
    """Let a Pagefind UI script use ``window.__pagefindOffline`` instead of importing the module."""
    text = path.read_text(encoding="utf-8")
    patched = patch_pagefind_imports(text).replace(_ROOT_DEFAULT, '"pagefind/"')
    if patched != text:
        write_text(path, patched)


def patch_pagefind_imports(text: str) -> str:
    """``import(<…pagefind.js…>)`` (or ``pagefind-shards.js``) →
    ``(window.__pagefindOffline||import(<…>))``, everywhere."""
    out: list[str] = []
    position = 0
    for match in re.finditer(r"(?<![\w$.])import\(", text):
        if match.start() < position:
            continue
        end = _closing_paren(text, match.end())
        argument = text[match.end() : end]
        if (
            end < 0
            or ("pagefind.js" not in argument and SHARDS_MODULE not in argument)
            or "__pagefindOffline" in text[: match.start()][-40:]
        ):
            continue
        out += [text[position : match.start()], f"(window.__pagefindOffline||import({argument}))"]
        position = end + 1
    return "".join(out) + text[position:]


def _closing_paren(text: str, start: int) -> int:
    """Index of the ``)`` closing a call whose arguments begin at ``start`` (-1 if none)."""
    depth, quote, index = 1, "", start
    while index < len(text):
        char = text[index]
        if quote:
            if char == "\\":
                index += 1
            elif char == quote:
                quote = ""
        elif char in "\"'`":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return -1


def classic_script(text: str, name: str) -> str:
    """A module script with no static imports or exports, as a classic script that does the same.

    Browsers refuse ``<script type=module>`` from ``file://``; the body runs inside an async
    function (strict, own scope, top-level ``await`` allowed) and the tag gets ``defer``.
    """
    if _STATIC_IMPORT.search(text) or re.search(r"(^|[;}\n])\s*export\b", text):
        raise OfflineBuildError(
            f"{name}: an ES module with import/export statements cannot run from disk; "
            "make it a classic script (no static imports) for the offline edition"
        )
    return f'(async () => {{\n"use strict";\n{text}\n}})();\n'


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")
