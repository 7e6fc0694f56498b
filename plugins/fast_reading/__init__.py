from .fast_reading import ReusedMarkdownReader, register

__all__ = ["ReusedMarkdownReader", "register"]
