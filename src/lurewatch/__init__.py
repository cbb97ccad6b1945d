"""lurewatch: find covert recruitment approaches in your own message exports, offline."""

__version__ = "0.1.0"
