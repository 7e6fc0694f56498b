"""Pelican settings for the news archive (development build: relative URLs, no SITEURL)."""

AUTHOR = "News Archive"
SITENAME = "News Archive"
SITESUBTITLE = "A permanent, searchable archive of scraped news"
SITEURL = ""
RELATIVE_URLS = True

PATH = "content"
ARTICLE_PATHS = ["articles"]
PAGE_PATHS = ["pages"]
STATIC_PATHS = ["images"]
THEME = "theme"
PLUGIN_PATHS = ["plugins"]
PLUGINS = ["story_neighbours", "taxonomies", "related_stories", "pagefind_index"]
# Pelican prepares tag/category/author pages quadratically even when they are not written.
PLUGINS += ["unwritten_pages"]

TIMEZONE = "UTC"
DEFAULT_LANG = "en"
DEFAULT_DATE_FORMAT = "%-d %B %Y"
DEFAULT_CATEGORY = "news"
# Two stories may share a slug on different days; they are not translations of each other.
ARTICLE_TRANSLATION_ID = None
PAGE_TRANSLATION_ID = None



def newest_first(article):
    """Newest first; stories of the same moment by slug, so the order never depends on the
    (hash-ordered) set Pelican discovers files in."""
    return (-article.date.timestamp(), article.slug)


ARTICLE_ORDER_BY = newest_first

# Permanent URLs: from the story's date and slug only (DESIGN.md contract 3).
ARTICLE_URL = "{date:%Y}/{date:%m}/{date:%d}/{slug}/"
ARTICLE_SAVE_AS = ARTICLE_URL + "index.html"
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
YEAR_ARCHIVE_URL = "{date:%Y}/"
YEAR_ARCHIVE_SAVE_AS = "{date:%Y}/index.html"
MONTH_ARCHIVE_URL = "{date:%Y}/{date:%m}/"
MONTH_ARCHIVE_SAVE_AS = "{date:%Y}/{date:%m}/index.html"
DAY_ARCHIVE_URL = "{date:%Y}/{date:%m}/{date:%d}/"
DAY_ARCHIVE_SAVE_AS = "{date:%Y}/{date:%m}/{date:%d}/index.html"
ARCHIVES_URL = "archives/"
ARCHIVES_SAVE_AS = "archives/index.html"
SEARCH_URL = "search/"
SEARCH_SAVE_AS = "search/index.html"
DIRECT_TEMPLATES = ["index", "archives", "search"]

# Pelican's category/tag/author pages are not how this archive is browsed.
CATEGORY_SAVE_AS = CATEGORIES_SAVE_AS = ""
TAG_SAVE_AS = TAGS_SAVE_AS = ""
AUTHOR_SAVE_AS = AUTHORS_SAVE_AS = ""
# A story with "Status: draft" is not published (no page, not listed, not searchable);
# plugins/unwritten_pages then skips Pelican's draft pages altogether.
DRAFT_SAVE_AS = DRAFT_LANG_SAVE_AS = ""

DEFAULT_PAGINATION = 20
PAGINATED_TEMPLATES = {"index": None, "period_archives": 50}
PAGINATION_PATTERNS = (
    (1, "{url}", "{save_as}"),
    (2, "{base_name}/page/{number}/", "{base_name}/page/{number}/index.html"),
)

# Feeds need absolute links; the development server is where the dev build lives.
FEED_DOMAIN = "http://127.0.0.1:8000"
FEED_ALL_ATOM = "feeds/all.atom.xml"
FEED_ALL_RSS = None
CATEGORY_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TRANSLATION_FEED_ATOM = None

# Scraped text is plain text: metadata is never rendered as Markdown (FORMATTED_FIELDS empty),
# templates autoescape everything, and Markdown runs with only the extensions content needs
# (no attr_list/md_in_html, which would let text set HTML attributes).
FORMATTED_FIELDS: list[str] = []
MARKDOWN = {
    "extension_configs": {"markdown.extensions.meta": {}},
    "output_format": "html5",
}
# auto_reload off: Jinja would stat every template file again at each page and include
# (tens of thousands of stats a build); every build gets a fresh environment anyway.
JINJA_ENVIRONMENT = {
    "trim_blocks": True,
    "lstrip_blocks": True,
    "autoescape": True,
    "auto_reload": False,
}

# Related stories (plugins/related_stories): up to this many per article; word counts are
# cached in RELATED_STORIES_CACHE (default: <CACHE_PATH>/related) between builds.
RELATED_STORIES_MAX = 5
CACHE_PATH = "cache"
# Pelican's content cache (in CACHE_PATH): a rebuild re-reads only the content files whose
# mtime changed. The "reader" layer caches what readers return (text and metadata), so every
# plugin still runs on every build. At 20,000 stories a rebuild costs ~39 CPU-s instead of
# ~54; the first build ~9 CPU-s more, for writing the cache (docs/scaling.md). While the
# story snapshot (READ_SNAPSHOT, below) is used, it stands in for this cache, under the same
# two settings.
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
# Uncompressed: saving 20,000 stories' cache takes 0.24 s instead of 1.1 (33 MB instead of 8).
GZIP_CACHE = False
CONTENT_CACHING_LAYER = "reader"
CHECK_MODIFIED_METHOD = "mtime"

# Search: Pagefind runs over the output when the build ends (plugins/pagefind_index).
PAGEFIND_ENABLED = True
PAGEFIND_ARGS: list[str] = []
PAGEFIND_JOBS = None  # Pagefind processes at once (one per year's shard); None: cores + 1
PAGEFIND_INDEXER = "auto"  # "auto": pagefind --site over links where a tmpfs allows; "service"
PAGEFIND_SHARD_MAX_PAGES = 5000  # a larger year is split into shards of at most this size

# Reader pages (plugins/photos, plugins/site_extras): responsive photo variants (cached by
# content hash in PHOTOS_CACHE), a photo index and photo pages, JSON-LD/OpenGraph helpers,
# calendar year archives, 404 page, sitemap.xml (split at SITEMAP_MAX_URLS) and robots.txt.
PLUGINS += ["photos", "site_extras"]
# One reset Markdown converter for every file instead of a new one each (plugins/fast_reading).
PLUGINS += ["fast_reading"]
# Pages rendered by RENDER_JOBS forked processes (default: one per core), before Pagefind
# (plugins/render_pool); files a previous build into the same folder wrote and this one does
# not (a deleted story) are removed. RENDER_SKIP_UNCHANGED = True also skips pages whose
# inputs did not change (manifest in RENDER_CACHE_PATH, default <CACHE_PATH>/render_pool):
# a rebuild after one story is added renders ~1,800 of 34,000 pages at 20,000 stories.
# Unchanged stories are restored from fast_reading's snapshot (READ_SNAPSHOT, in CACHE_PATH)
# instead of being made again (docs/scaling.md).
PLUGINS += ["render_pool"]
RENDER_JOBS = None
RENDER_SKIP_UNCHANGED = True
PHOTOS_WIDTHS = (320, 640, 1024, 1600)
PHOTOS_QUALITY = 80
PHOTOS_CACHE = "cache/images"
SITEMAP_MAX_URLS = 50_000
# The Content Security Policy, as a <meta> in every page (theme/templates/base.html); send the
# same policy as a header where the host allows it (plus frame-ancestors, which <meta> ignores).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; worker-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'"
)
