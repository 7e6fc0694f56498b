"""Stories restored from fast_reading's snapshot (plugins/fast_reading/snapshot.py) instead
of being made again: the same site, byte for byte, and made again whenever they must be."""

from __future__ import annotations

import pickle
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.test_parallel_build import build, differences, snapshot_code, tree, write_settings

COUNTS = re.compile(r"story snapshot: (\d+) restored, (\d+) made")


def counts(done) -> tuple[int, int]:
    found = COUNTS.findall((done.stdout + done.stderr).replace("\n", " "))
    assert found, done.stdout[-2000:]
    restored, made = found[-1]
    return int(restored), int(made)


@pytest.fixture(scope="module")
def code(tmp_path_factory) -> Path:
    return snapshot_code(tmp_path_factory.mktemp("code"))


@pytest.fixture
def content(tmp_path) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(ROOT / "content", folder)
    return folder


def stories(content: Path) -> list[Path]:
    return sorted(content.rglob("*.md"))


def made_objects(content: Path) -> int:
    """Every content file Pelican makes an object of: stories, pages and static files."""
    return sum(1 for path in content.rglob("*") if path.is_file())


def test_restored_stories_build_the_same_site(content, code, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")  # one log record a line
    settings = write_settings(tmp_path, tmp_path / "cache", code)
    output = tmp_path / "output"  # every setting counts, the output folder too: one folder

    def rebuild(keep: str):
        done = build(content, output, settings, args=("-v",))
        shutil.copytree(output, tmp_path / keep)
        return done

    total = made_objects(content)
    assert counts(rebuild("first")) == (0, total)
    assert (tmp_path / "cache" / "story-snapshot.pickle").is_file()
    # It stands in for Pelican's reader-level content cache, which is neither saved...
    assert not list((tmp_path / "cache").glob("*-Readers")), "the reader cache was saved"
    # ...nor loaded: one left from a build without the snapshot is not read (Pelican would
    # warn that it cannot unpickle this one)
    (tmp_path / "cache" / "ArticlesGenerator-Readers").write_bytes(b"not a pickle")
    second = rebuild("second")
    assert "Cannot unpickle" not in second.stdout + second.stderr
    assert counts(second) == (total, 0), "every unchanged story is restored"
    assert differences(tmp_path / "first", tmp_path / "second") == []

    # One story edited (its size and time change): made again; the others restored.
    edited = stories(content)[3]
    edited.write_text(
        edited.read_text(encoding="utf-8").replace("\n\n", "\n\nA line added.\n\n", 1),
        encoding="utf-8",
    )
    assert counts(rebuild("third")) == (total - 1, 1)
    plain = write_settings(tmp_path, tmp_path / "cache-plain", code, READ_SNAPSHOT=False)
    build(content, tmp_path / "plain", plain)
    assert tree(tmp_path / "plain"), "nothing was built"
    assert differences(tmp_path / "third", tmp_path / "plain") == []

    # A deleted story leaves the snapshot when it is saved.
    removed = stories(content)[0]
    removed.unlink()
    rebuild("fourth")
    with (tmp_path / "cache" / "story-snapshot.pickle").open("rb") as handle:
        kept = pickle.load(handle)["entries"]
    assert str(removed) not in kept and len(kept) == total - 1


def test_a_plugin_watching_stories_being_made_turns_it_off(content, code, tmp_path, monkeypatch):
    """A content_object_init receiver the snapshot does not know would not run for a
    restored story: every story is made as before."""
    monkeypatch.setenv("COLUMNS", "400")
    plugin = tmp_path / "watcher"
    plugin.mkdir()
    (plugin / "__init__.py").write_text(
        "from pelican import signals\n"
        "SEEN = []\n"
        "def made(content):\n"
        "    SEEN.append(content.source_path)\n"
        "def register():\n"
        "    signals.content_object_init.connect(made)\n",
        encoding="utf-8",
    )
    settings = write_settings(tmp_path, tmp_path / "cache", code)
    with settings.open("a", encoding="utf-8") as handle:
        handle.write(f"PLUGIN_PATHS = [*PLUGIN_PATHS, {str(tmp_path)!r}]\n")
        handle.write('PLUGINS = [*PLUGINS, "watcher"]\n')
    build(content, tmp_path / "output", settings, args=("-v",))
    again = build(content, tmp_path / "output", settings, args=("-v",))
    assert counts(again) == (0, made_objects(content))
    # then Pelican's reader-level content cache is used, as without the snapshot
    assert (tmp_path / "cache" / "ArticlesGenerator-Readers").is_file()


def test_an_unreadable_snapshot_is_named_and_the_stories_are_read(content, code, tmp_path):
    settings = write_settings(tmp_path, tmp_path / "cache", code)
    build(content, tmp_path / "output", settings)
    shutil.copytree(tmp_path / "output", tmp_path / "first")
    snapshot = tmp_path / "cache" / "story-snapshot.pickle"
    snapshot.write_bytes(snapshot.read_bytes()[:1000])  # a build killed while writing it
    done = build(content, tmp_path / "output", settings)
    said = " ".join((done.stdout + done.stderr).split())
    assert "story snapshot" in said and "unreadable" in said, said[-2000:]
    assert differences(tmp_path / "first", tmp_path / "output") == []
    assert snapshot.stat().st_size > 1000, "written again whole"


def test_a_changed_setting_makes_every_story_again(content, code, tmp_path, monkeypatch):
    """Stories are made from their files and the settings (dates, URLs): with any setting
    changed, nothing is restored."""
    monkeypatch.setenv("COLUMNS", "400")
    cache = tmp_path / "cache"
    before = write_settings(tmp_path, cache, code, DEFAULT_DATE_FORMAT="%d %B %Y")
    after = write_settings(tmp_path, cache, code, DEFAULT_DATE_FORMAT="%Y-%m-%d")
    build(content, tmp_path / "output", before)
    done = build(content, tmp_path / "output", after, args=("-v",))
    assert counts(done) == (0, made_objects(content))
    plain = write_settings(tmp_path, tmp_path / "cache-plain", code, DEFAULT_DATE_FORMAT="%Y-%m-%d")
    build(content, tmp_path / "plain", plain)
    assert differences(tmp_path / "output", tmp_path / "plain") == []
