"""plugins/unwritten_pages: Pelican's quadratic tag/category/author page preparation is
skipped when those pages are not written, and runs unchanged when they are."""

from __future__ import annotations

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
