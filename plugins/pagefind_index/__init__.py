from .deterministic import PagefindError


def register() -> None:
    """Pelican's plugin entry point; the plugin module (and Pelican) load only then."""
    from .pagefind_index import register as connect

    connect()


__all__ = ["PagefindError", "register"]
