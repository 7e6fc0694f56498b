"""newsarchive: scraped news in, Pelican content out.

Shared by ``scripts/`` (the importer CLI) and ``plugins/`` (build-time features):
the :class:`~newsarchive.article.Article` record, the readers for each input
format, and the writer of Pelican Markdown content files.
"""

import logging

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())
