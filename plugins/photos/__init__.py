from .photos import PhotosError, register

__all__ = ["PhotosError", "register"]
