"""Each story's teaser (its entry in a story list) rendered once per process, not per list.

A story is listed on the home pages, its year, month and day pages and each of its topic,
country and source pages: seven or more lists, each rendering the same teaser again (title,
date, source, summary through ``striptags`` and ``truncate``). At 20,000 stories that was
~2.6 s of each render process's ~13 s. The ``story_teaser`` filter renders a story's teaser
macro (``theme/templates/partials/teaser.html``) once, with a stand-in for the site URL, and
gives each page the memoised text with that page's ``SITEURL`` put in place of the stand-in.

That is exact, not approximate, because of how the macro is written and imported (its
comment says so too): it is imported without context, so what it prints depends only on its
arguments (the story and the site URL) and the environment's filters; and it prints the site
URL only as ``{{ siteurl }}``, which autoescaping turns into ``escape(siteurl)``, so
replacing the escaped stand-in by ``escape(SITEURL)`` gives the bytes a direct call gives.
The stand-in is fixed (render_pool's render keys digest the values the project's code
reads, so a token drawn per process would make every list page look changed to the next
build). A story whose own text contains it is caught: each teaser is rendered twice, with
the stand-in and with an empty site URL, and the first with the stand-in removed must equal
the second; if not, that story's teaser is rendered in place on every page. Stories do not
change while pages are rendered (render_pool's render keys rely on the same), so a teaser
rendered for one page holds for every page of the build.

``STORY_TEASER_CACHE = False`` renders every teaser in place (tests compare both builds).
"""

from __future__ import annotations

from markupsafe import Markup, escape

STAND_IN = "siteurl-5f0c2d7e1a9b4c36"  # letters, digits and "-": escaped as is
_memo: dict[tuple[int, int], tuple[object, object, str | None]] = {}


def reset() -> None:
    """A new build: forget every teaser (their stories are gone)."""
    _memo.clear()


def story_teaser(story, macro, siteurl, cache: bool = True) -> Markup:
    """``{{ story|story_teaser(teasers.teaser, SITEURL) }}``: ``macro(story, siteurl)``
    (registered with ``cache`` from ``STORY_TEASER_CACHE``; not a context filter, so
    render_pool's render keys still see exactly which variables a story list reads)."""
    if not cache:
        return macro(story, siteurl)
    key = (id(story), id(macro))
    hit = _memo.get(key)
    if hit is None or hit[0] is not story or hit[1] is not macro:
        text = str(macro(story, STAND_IN))
        if text.replace(STAND_IN, "") != str(macro(story, "")):
            text = None  # the story's own text holds the stand-in: render it in place
        # The story and the macro are kept alive with the text, so their ids stay theirs.
        hit = _memo[key] = (story, macro, text)
    if hit[2] is None:
        return macro(story, siteurl)
    return Markup(hit[2].replace(STAND_IN, str(escape(siteurl))))
