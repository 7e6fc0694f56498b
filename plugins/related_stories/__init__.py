from .related_stories import register

__all__ = ["register"]
