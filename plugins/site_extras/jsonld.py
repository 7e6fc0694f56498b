"""schema.org ``NewsArticle`` for an article page, and the permanent addresses it needs.

Structured data wants absolute URLs. The base is ``SITEURL`` when it is absolute (the
published site), else ``FEED_DOMAIN`` (the development server), else nothing: addresses are then
root-relative (``/2018/…``), which schema.org tolerates and a later build with a SITEURL fixes.
"""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup

IPTC_SCHEME = "http://cv.iptc.org/newscodes/mediatopic/"


def base_url(settings: dict) -> str:
    for key in ("SITE_EXTRAS_BASE_URL", "SITEURL", "FEED_DOMAIN"):
        value = str(settings.get(key) or "")
        if value.startswith(("http://", "https://")):
            return value.rstrip("/")
    return ""


def absolute(path: str, settings: dict) -> str:
    """``path`` (relative to the site root) as an absolute URL, or root-relative without one."""
    return f"{base_url(settings)}/{path.lstrip('/')}"


def script_json(data: Any) -> Markup:
    """JSON safe inside ``<script type="application/ld+json">``: no ``<``, ``>`` or ``&``."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def _people(article) -> list[dict[str, str]]:
    byline = str(getattr(article, "byline", "") or "")
    names = [name.strip() for name in byline.split(",") if name.strip()]
    return [{"@type": "Person", "name": name} for name in names]


def _images(article, settings: dict) -> list[dict[str, Any]]:
    images = []
    photos = [getattr(article, "lead_photo", None), *getattr(article, "more_photos", [])]
    for photo in photos:
        if photo is None or photo.picture is None:
            continue
        picture = photo.picture
        image: dict[str, Any] = {
            "@type": "ImageObject",
            "url": absolute(picture.source, settings),
            "width": picture.width,
            "height": picture.height,
        }
        if photo.caption:
            image["caption"] = photo.caption
        if photo.credit:
            image["creditText"] = photo.credit
        images.append(image)
    return images


def _topics(article) -> list[dict[str, str]]:
    return [
        {
            "@type": "DefinedTerm",
            "@id": link.term.uri,
            "name": link.name,
            "termCode": link.term.code,
            "inDefinedTermSet": IPTC_SCHEME,
        }
        for link in getattr(article, "topic_links", [])
    ]


def _countries(article) -> list[dict[str, str]]:
    return [
        {"@type": "Country", "name": link.name, "identifier": link.term.code}
        for link in getattr(article, "country_links", [])
    ]


def news_article(article, settings: dict) -> dict[str, Any]:
    """The ``NewsArticle`` object for one article (only the fields the archive knows)."""
    url = absolute(article.url, settings)
    source = str(getattr(article, "source", "") or "")
    organisation = {"@type": "Organization", "name": source} if source else None
    modified = getattr(article, "modified", None) or article.date
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "datePublished": article.date.isoformat(),
        "dateModified": modified.isoformat(),
        "inLanguage": settings.get("DEFAULT_LANG", "en"),
        # The summary is HTML (escaped text from the importer): its text, as the theme shows it.
        "description": Markup(str(article.metadata.get("summary") or "")).striptags(),
        "author": _people(article) or ([organisation] if organisation else []),
        "publisher": {
            "@type": "Organization",
            "name": settings["SITENAME"],
            "url": absolute("", settings),
        },
    }
    optional = {
        "image": _images(article, settings),
        "sourceOrganization": organisation,
        "dateline": str(getattr(article, "dateline", "") or ""),
        "articleSection": str(getattr(article, "section", "") or ""),
        "about": _topics(article),
        "contentLocation": _countries(article),
        "isBasedOn": str(getattr(article, "original_url", "") or ""),
    }
    data.update({key: value for key, value in optional.items() if value})
    return data
