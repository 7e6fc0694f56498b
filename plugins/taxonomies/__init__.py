from .taxonomies import TaxonomyError, register

__all__ = ["TaxonomyError", "register"]
