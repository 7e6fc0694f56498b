from .pagefind_index import PagefindError, register

__all__ = ["PagefindError", "register"]
