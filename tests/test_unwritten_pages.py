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


def test_a_draft_story_is_not_published_and_does_not_fail_the_build(tmp_path):
    """A story marked ``Status: draft`` gets no page (DRAFT_SAVE_AS is empty in pelicanconf)
    and its title appears nowhere in the site; before, Pelican's draft pages read a category
    that stories here do not have and the build failed."""
    from benchmarks import synth
    from tests.conftest import build_site

    content = tmp_path / "content"
    synth.write_corpus(content, 6, seed=11, mode="markdown")
    stories = sorted((content / "articles").rglob("*.md"))
    draft = stories[0]
    text = draft.read_text(encoding="utf-8")
    title = text.split("\n", 1)[0].removeprefix("Title: ")
    draft.write_text(text.replace("\nSlug: ", "\nStatus: draft\nSlug: ", 1), encoding="utf-8")
    settings = tmp_path / "settings.py"
    settings.write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom pelicanconf import *  # noqa\n"
        f"PLUGIN_PATHS = [{str(ROOT / 'plugins')!r}]\nTHEME = {str(ROOT / 'theme')!r}\n"
        f"PAGEFIND_ENABLED = False\nCACHE_PATH = {str(tmp_path / 'cache')!r}\n",
        encoding="utf-8",
    )
    output = tmp_path / "output"
    done = build_site(content, output, settings, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    pages = list(output.rglob("*.html"))
    assert len([p for p in pages if p.parent.parent.parent.parent.parent == output]) == 5
    assert not any(title in p.read_text(encoding="utf-8") for p in pages)
    assert not (output / "drafts").exists()
