"""BagIt fixity for the offline edition: the bag validates, and any change is named."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from newsarchive.fixity import make_bag, verify_bag, write_zip
from newsarchive.offline import build_offline_edition
from tests.conftest import ROOT

HOSTED = "https://news.example.net"


@pytest.fixture(scope="module")
def edition(sample_site, tmp_path_factory) -> Path:
    output = tmp_path_factory.mktemp("fixity") / "archive"
    build_offline_edition(sample_site / "content", output, ROOT / "pelicanconf.py", HOSTED)
    return output


def bag_cli(*args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, str(ROOT / "scripts/bag.py"), *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT)


@pytest.fixture()
def bag(edition, tmp_path) -> Path:
    done = bag_cli("make", "--src", str(edition), "--bag", str(tmp_path / "bag"),
                   "--bagging-date", "2024-05-01")  # fmt: skip
    assert done.returncode == 0, done.stderr
    return tmp_path / "bag"


def test_bag_validates_and_describes_the_edition(bag):
    assert bag_cli("verify", str(bag)).returncode == 0
    for name in ("manifest-sha256.txt", "manifest-sha512.txt", "tagmanifest-sha256.txt"):
        assert (bag / name).is_file(), name
    info = (bag / "bag-info.txt").read_text(encoding="utf-8")
    for line in (
        f"External-Identifier: {HOSTED}",
        "Article-Count: 3",
        "Date-Range: 2017-07-06/2019-02-05",
        "Bagging-Date: 2024-05-01",
        "Source-Organization: News Archive",
    ):
        assert line in info
    assert "Generator: newsarchive " in info and "pagefind 1.5" in info
    assert (bag / "data/index.html").is_file() and (bag / "data/serve.py").is_file()


def test_one_altered_byte_fails_verify_and_names_the_file(bag):
    article = next((bag / "data/2018").rglob("index.html"))
    data = bytearray(article.read_bytes())
    data[200] ^= 0x01
    article.write_bytes(bytes(data))
    done = bag_cli("verify", str(bag))
    assert done.returncode != 0
    name = article.relative_to(bag).as_posix()
    assert f"altered: {name}" in done.stderr
    assert done.stderr.count("altered:") == 1


def test_every_missing_and_unexpected_file_is_named(bag):
    (bag / "data/README.txt").unlink()
    (bag / "data/search/index.html").unlink()
    (bag / "data/notes.txt").write_text("added later", encoding="utf-8")
    problems = {str(problem) for problem in verify_bag(bag)}
    assert {
        "missing: data/README.txt",
        "missing: data/search/index.html",
        "unexpected: data/notes.txt",
    } <= problems
    done = bag_cli("verify", str(bag))
    assert done.returncode != 0 and "missing: data/search/index.html" in done.stderr


def test_zip_is_deterministic_and_verifies(bag, tmp_path):
    first = write_zip(bag, tmp_path / "one.zip", "2024-05-01")
    second = write_zip(bag, tmp_path / "two.zip", "2024-05-01")
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        names = archive.namelist()
    assert names == sorted(names) and all(name.startswith("bag/") for name in names)
    assert verify_bag(first) == []
    assert bag_cli("verify", str(first)).returncode == 0


def test_refuses_to_overwrite_a_folder_that_is_not_a_bag(edition, tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine/keep.txt").write_text("x", encoding="utf-8")
    with pytest.raises(Exception, match="not a bag"):
        make_bag(edition, tmp_path / "mine", "News Archive", "2024-05-01")
    assert (tmp_path / "mine/keep.txt").is_file()
