from .story_neighbours import register

__all__ = ["register"]
