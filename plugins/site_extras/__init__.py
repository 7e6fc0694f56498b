from .site_extras import SiteExtrasError, register

__all__ = ["SiteExtrasError", "register"]
