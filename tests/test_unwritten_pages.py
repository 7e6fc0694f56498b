"""plugins/unwritten_pages: Pelican's quadratic tag/category/author page preparation is
skipped when those pages are not written, and runs unchanged when they are."""

from __future__ import annotations

import subprocess
import sys

import pytest
from pelican.generators import ArticlesGenerator

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "plugins"))
from unwritten_pages import unwritten_pages


class Touched(Exception):
    pass


class FakeGenerator:
    """Just enough of ArticlesGenerator: touching the story list raises."""

    def __init__(self, settings):
        self.settings = settings
        self.authors = self.categories = [("name", ["story"])]
        self.tags = {"name": ["story"]}

    def get_template(self, name):
        return name

    @property
    def dates(self):
        raise Touched


@pytest.mark.parametrize(
    "method, setting",
    [
        ("generate_tags", "TAG_SAVE_AS"),
        ("generate_categories", "CATEGORY_SAVE_AS"),
        ("generate_authors", "AUTHOR_SAVE_AS"),
    ],
)
def test_pages_that_are_not_written_are_not_prepared(method, setting):
    unwritten_pages.patch()
    patched = getattr(ArticlesGenerator, method)
    assert patched(FakeGenerator({setting: ""}), write=None) is None
    with pytest.raises(Touched):  # a site that writes them gets Pelican's own method
        patched(FakeGenerator({setting: "x/{slug}/index.html"}), write=None)


def test_patching_twice_wraps_once():
    unwritten_pages.patch()
    unwritten_pages.patch()
    assert not getattr(ArticlesGenerator.generate_authors.__wrapped__, "__unwritten_pages__", False)


def test_the_plugin_patches_when_pelican_starts():
    """Registered the way Pelican loads it (a fresh interpreter, the project's settings):
    the patch must be in place once Pelican is initialised. A receiver blinker holds only
    weakly (a lambda) is collected before the signal is sent, and the quadratic preparation
    then runs on every build."""
    code = (
        "import sys\n"
        "from pelican import Pelican\n"
        "from pelican.generators import ArticlesGenerator\n"
        "from pelican.settings import read_settings\n"
        "Pelican(read_settings(sys.argv[1], override={'PAGEFIND_ENABLED': False}))\n"
        "names = ('generate_tags', 'generate_categories', 'generate_authors')\n"
        "print(all(getattr(getattr(ArticlesGenerator, n), '__unwritten_pages__', False)"
        " for n in names))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(ROOT / "pelicanconf.py")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    assert result.stdout.strip().splitlines()[-1] == "True", result.stderr
