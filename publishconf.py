"""Settings for the hosted archive: absolute URLs under SITEURL, feeds with a domain."""

import os
import sys

sys.path.append(os.curdir)
from pelicanconf import *  # noqa: F403

# The Pages base URL (set by CI) or the archive's own address.
SITEURL = os.environ.get("SITEURL", "https://archive.example.org").rstrip("/")
RELATIVE_URLS = False
FEED_DOMAIN = SITEURL
DELETE_OUTPUT_DIRECTORY = True
