from .unwritten_pages import register  # noqa: F401
