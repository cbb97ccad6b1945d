"""One BLAS thread while scanning (OpenBLAS reads its count when numpy is imported), and a
user's own setting kept."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from lurewatch.threads import prefer_one_blas_thread, single_threaded_worker

PROBE = ("from lurewatch.threads import prefer_one_blas_thread; prefer_one_blas_thread(); "
         "import numpy, threadpoolctl; "
         "print(max(i['num_threads'] for i in threadpoolctl.threadpool_info() "
         "if i['user_api'] == 'blas'))")


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "RAYON_NUM_THREADS")}
    return env | extra


def test_blas_runs_one_thread_after_the_entry_point_sets_it() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], env=_clean_env(), check=True,
                         capture_output=True, text=True).stdout
    assert out.strip() == "1"


def test_the_users_own_blas_setting_is_kept() -> None:
    if (os.cpu_count() or 1) < 2:
        pytest.skip("needs two cores to tell two threads from one")
    out = subprocess.run([sys.executable, "-c", PROBE],
                         env=_clean_env(OPENBLAS_NUM_THREADS="2"), check=True,
                         capture_output=True, text=True).stdout
    assert out.strip() == "2"


def test_entry_point_imports_no_numpy_before_setting_threads() -> None:
    code = "import sys, lurewatch.cli; print('numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], env=_clean_env(), check=True,
                         capture_output=True, text=True).stdout
    assert out.strip() == "False"


def test_worker_keeps_a_chosen_tokenizer_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAYON_NUM_THREADS", "3")
    single_threaded_worker()
    assert os.environ["RAYON_NUM_THREADS"] == "3"
    monkeypatch.delenv("RAYON_NUM_THREADS")
    single_threaded_worker()
    assert os.environ["RAYON_NUM_THREADS"] == "1"


def test_prefer_one_blas_thread_only_fills_an_unset_variable(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "4")
    prefer_one_blas_thread()
    assert "OPENBLAS_NUM_THREADS" not in os.environ
