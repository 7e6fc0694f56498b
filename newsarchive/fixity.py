"""Fixity for the offline edition: a BagIt bag (RFC 8493), its check, and a zip for transfer.

:func:`make_bag` copies an offline edition into ``BAG/data/`` and writes sha256 and sha512
manifests with the Library of Congress ``bagit`` library; ``bag-info.txt`` says where the
copy comes from (from the edition's ``edition.json``). :func:`verify_bag` validates a bag
folder or zip and names every missing, altered or unexpected file; :func:`write_zip` packs a
bag into one deterministic zip (sorted entries, fixed timestamps and permissions).

Every byte of the bag except ``bag-info.txt``'s ``Bagging-Date`` (and the tag manifests that
hash it) depends only on the edition; pass ``bagging_date`` (or set ``SOURCE_DATE_EPOCH``) for
a byte-identical bag.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import bagit

log = logging.getLogger(__name__)

CHECKSUMS = ("sha256", "sha512")
EDITION_FILE = "edition.json"


class FixityError(Exception):
    """A bag cannot be made or read; the message names the folder and the reason."""


@dataclass(frozen=True, order=True)
class BagProblem:
    """One reason a bag is not valid: ``missing``, ``altered``, ``unexpected`` or ``invalid``."""

    kind: str
    path: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.kind}: {self.path}" + (f" ({self.detail})" if self.detail else "")


def bagging_date(explicit: str | None = None) -> str:
    """``explicit`` (YYYY-MM-DD), else ``SOURCE_DATE_EPOCH``, else today (UTC)."""
    if explicit:
        return dt.date.fromisoformat(explicit).isoformat()
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch else dt.datetime.now(dt.UTC)
    return moment.date().isoformat()


def bag_info(edition: Path, organization: str, date: str) -> dict[str, str]:
    """``bag-info.txt`` fields from the edition's ``edition.json``."""
    try:
        record = json.loads((edition / EDITION_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise FixityError(f"{edition}: not an offline edition ({EDITION_FILE}: {exc})") from exc
    source = record.get("source", "")
    first, last = record.get("first_date") or "", record.get("last_date") or ""
    generator = "; ".join(f"{name} {version}" for name, version in record["generator"].items())
    return {
        "Source-Organization": organization,
        "External-Identifier": source,
        "External-Description": (
            f"Offline edition of the news archive {source}: {record['articles']} stories "
            f"from {first} to {last}. Open data/index.html in a web browser."
        ),
        "Bagging-Date": date,
        "Date-Range": f"{first}/{last}",
        "Article-Count": str(record["articles"]),
        "Generator": generator,
    }


def make_bag(source: Path, bag: Path, organization: str, date: str | None = None) -> Path:
    """Bag the offline edition ``source`` into the new folder ``bag`` (sha256 + sha512)."""
    source, bag = source.resolve(), bag.resolve()
    if bag.exists():
        if not (bag / "bagit.txt").is_file():
            raise FixityError(f"{bag} exists and is not a bag; choose another folder")
        shutil.rmtree(bag)
    info = bag_info(source, organization, bagging_date(date))
    bag.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{bag.name}.", dir=bag.parent))
    try:
        shutil.copytree(source, staging / "edition", symlinks=False)
        built = staging / "edition"
        bagit.make_bag(str(built), bag_info=info, checksums=list(CHECKSUMS))
        built.chmod(0o755)
        built.rename(bag)
    except (OSError, bagit.BagError) as exc:
        raise FixityError(f"cannot bag {source}: {exc}") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return bag


def verify_bag(path: Path) -> list[BagProblem]:
    """Every problem of the bag folder or zip at ``path``; an empty list means valid."""
    path = path.resolve()
    if path.is_file() and zipfile.is_zipfile(path):
        with tempfile.TemporaryDirectory() as folder:
            with zipfile.ZipFile(path) as archive:
                archive.extractall(folder)
            tops = list(Path(folder).iterdir())
            root = tops[0] if len(tops) == 1 and tops[0].is_dir() else Path(folder)
            return verify_bag(root)
    try:
        bag = bagit.Bag(str(path))
    except bagit.BagError as exc:
        return [BagProblem("invalid", str(path), str(exc))]
    try:
        bag.validate(processes=1)
    except bagit.BagValidationError as exc:
        named: dict[tuple[str, str], BagProblem] = {}
        for problem in [*map(_problem, exc.details), *_every_difference(bag, path)]:
            named.setdefault((problem.kind, problem.path), problem)
        return sorted(named.values()) or [BagProblem("invalid", str(path), str(exc))]
    except bagit.BagError as exc:
        return [BagProblem("invalid", str(path), str(exc))]
    return []


def _problem(detail: bagit.BagValidationError) -> BagProblem:
    if isinstance(detail, bagit.ChecksumMismatch):
        return BagProblem("altered", detail.path, f"{detail.algorithm} {detail.found}")
    if isinstance(detail, bagit.FileMissing):
        return BagProblem("missing", detail.path)
    if isinstance(detail, bagit.UnexpectedFile):
        return BagProblem("unexpected", detail.path)
    return BagProblem("invalid", getattr(detail, "path", ""), str(detail))


def _every_difference(bag: bagit.Bag, root: Path) -> list[BagProblem]:
    """Missing, unexpected and altered files, also when bagit stops at the Payload-Oxum."""
    listed = dict(bag.entries)
    on_disk = {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and p.relative_to(root).parts[0] == "data"
    }
    problems = [BagProblem("missing", name) for name in sorted(set(listed) - on_disk - _tags())]
    problems += [BagProblem("unexpected", name) for name in sorted(on_disk - set(listed))]
    for name, hashes in sorted(listed.items()):
        file = root / name
        if file.is_file() and "sha256" in hashes:
            found = _sha256(file)
            if found != hashes["sha256"]:
                problems.append(BagProblem("altered", name, f"sha256 {found}"))
    return problems


def _tags() -> set[str]:
    return {"bag-info.txt", "bagit.txt", *(f"manifest-{c}.txt" for c in CHECKSUMS)}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_zip(bag: Path, destination: Path, date: str | None = None) -> Path:
    """The bag as one zip (top folder = the bag's name), byte-identical for the same bag."""
    stamp = dt.date.fromisoformat(date or "1980-01-01")
    when = (max(stamp.year, 1980), stamp.month, stamp.day, 0, 0, 0)
    # Sorted by the name stored in the zip (Path order compares part by part, so
    # "shards/x" would come before "shards.json.js"; the zip lists plain strings).
    files = sorted((p for p in bag.rglob("*") if p.is_file()), key=lambda p: p.as_posix())
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(f".{destination.name}.partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for file in files:
            entry = zipfile.ZipInfo(f"{bag.name}/{file.relative_to(bag).as_posix()}", when)
            entry.external_attr = 0o100644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(entry, file.read_bytes())
    partial.replace(destination)
    return destination
