"""Named errors: an input the importer refuses, and a bad setting or option."""


class InputRejected(Exception):
    """An input item cannot become a story; ``reason`` says why in words a person can act on."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ConfigError(Exception):
    """A setting or command-line option is wrong; the run stops with this message."""
