"""Stock Pelican for the side-by-side benchmark: no plugins, the default theme (notmyidea).

Only what the same content needs to build as one archive is set: permanent article URLs
from date and slug (two stories may share a slug on different days, so they are not
translations of each other), one category instead of one per month folder, relative URLs.
Everything else is Pelican 4.12's default (index, archives, categories, tags and authors
pages, Atom feeds for all stories and the category).
"""

AUTHOR = "News Archive"
SITENAME = "News Archive"
SITEURL = ""
RELATIVE_URLS = True
TIMEZONE = "UTC"
DEFAULT_LANG = "en"

PLUGINS: list[str] = []  # no namespace plugins either
ARTICLE_PATHS = ["articles"]
STATIC_PATHS = ["images"]
ARTICLE_URL = "{date:%Y}/{date:%m}/{date:%d}/{slug}/"
ARTICLE_SAVE_AS = ARTICLE_URL + "index.html"
ARTICLE_TRANSLATION_ID = None
USE_FOLDER_AS_CATEGORY = False
DEFAULT_CATEGORY = "news"
DEFAULT_PAGINATION = 20
FEED_DOMAIN = "http://127.0.0.1:8000"
