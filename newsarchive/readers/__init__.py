"""One reader per input format; each turns raw bytes into an Article or raises InputRejected."""

from newsarchive.errors import InputRejected

# One story's bytes (a text dump, a saved page, a JSON record's page, a WARC payload). The
# longest real story with its page furniture is a few MiB; reading time grows faster than
# size (a 16 MiB page takes over a minute), so anything larger is refused, not parsed.
MAX_STORY_BYTES = 8 * 1024 * 1024


def check_story_size(data: bytes | str, what: str) -> None:
    """``InputRejected`` when ``data`` is too large to be one story."""
    if len(data) > MAX_STORY_BYTES:
        raise InputRejected(
            f"{what} too large for one story ({len(data)} bytes; the limit is "
            f"{MAX_STORY_BYTES // 2**20} MiB)")
