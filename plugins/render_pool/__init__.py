from .render_pool import register

__all__ = ["register"]
