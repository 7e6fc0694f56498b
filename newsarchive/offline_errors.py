"""The named error of the offline edition (kept apart so every offline module can raise it)."""


class OfflineBuildError(Exception):
    """The offline edition cannot be built as promised; the message says what and where."""
