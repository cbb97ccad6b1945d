"""Versioned schema steps, applied in order at start; `schema_version` records each one.

A step is a module `mNNNN_name.py` with `VERSION` and `upgrade(conn, dialect)`. Steps are
never edited once released: a change is a new step.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def steps() -> list[ModuleType]:
    found = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("m") and info.name[1:5].isdigit():
            found.append(importlib.import_module(f"{__name__}.{info.name}"))
    found.sort(key=lambda m: m.VERSION)
    return found
