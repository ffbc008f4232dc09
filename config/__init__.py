"""Settings (environment and .env) and the taxonomy: everything an operator may change without code."""

from config.errors import ConfigError
from config.settings import Settings, load_settings
from config.taxonomy import Taxonomy, load_taxonomy

__all__ = ["ConfigError", "Settings", "Taxonomy", "load_settings", "load_taxonomy"]
