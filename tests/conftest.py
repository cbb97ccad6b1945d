"""Fixtures every test folder may use."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterable

import pytest

RunUnderSeeds = Callable[..., set[str]]


def _stdout_under_hash_seeds(args: list[str], seeds: Iterable[int] = range(8)) -> set[str]:
    """The distinct standard outputs of `python ARGS...` run once per PYTHONHASHSEED. Python
    orders sets of strings by a hash that changes from run to run, so output that follows a
    set's order shows up here as more than one distinct output."""
    outputs = set()
    for seed in seeds:
        env = {**os.environ, "PYTHONHASHSEED": str(seed)}
        outputs.add(subprocess.run([sys.executable, *args], env=env, check=True,
                                   capture_output=True, text=True).stdout)
    return outputs


@pytest.fixture(scope="session")
def stdout_under_hash_seeds() -> RunUnderSeeds:
    return _stdout_under_hash_seeds
