"""StatMusePicks: calibrated prices for NBA player props."""

__version__ = "0.1.0"
