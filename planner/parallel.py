"""Run one function over many items: in local processes (default) or on a Dask cluster.

Used by what-if sweeps and comparisons, and by stress runs. ``fn`` must be a
module-level function and the items and results plain picklable data: they
cross process (and, with Dask, machine) boundaries.

Local processes use the ``spawn`` start method: each worker is a fresh Python
that imports what ``fn`` needs. This is slower to start than ``fork`` (about half
a second) but safe from a threaded parent (the planner app, a Dask client), and
it behaves the same on every platform. As with any ``spawn`` pool, a script that
calls :func:`run_map` at import time must guard it with ``if __name__ == "__main__"``.

On a Dask cluster every worker must be able to import ``fn`` (install this
project on the workers, the same version as the client).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_PROCESSES = 2


def run_map(
    fn: Callable[[T], R],
    items: Sequence[T],
    *,
    processes: int | None = None,
    scheduler: str | Any | None = None,
) -> list[R]:
    """``[fn(item) for item in items]``, computed in parallel, results in input order.

    Parameters
    ----------
    fn
        A module-level (picklable) function of one argument.
    items
        Its arguments, plain picklable data.
    processes
        Local worker processes; default ``min(2, len(items))``. ``1`` runs every
        item in this process, one after the other (no pool: handy for debugging and
        for very small runs). Ignored with ``scheduler``: the cluster decides.
    scheduler
        ``None`` (default) for local processes; a Dask scheduler address such as
        ``"tcp://host:8786"`` (a client is opened for this call and closed after);
        or an existing ``distributed.Client`` (used as it is, left open).

    Returns
    -------
    list
        ``fn(item)`` for every item, in the order of ``items``.

    Raises
    ------
    Exception
        The first exception raised by ``fn`` on any item, re-raised here with its
        own type; ``ValueError`` for ``processes < 1``; ``OSError`` (or Dask's
        timeout) when the scheduler cannot be reached or its address is malformed.
    """
    items = list(items)
    if processes is not None and processes < 1:
        raise ValueError(f"processes must be >= 1, not {processes}")
    if not items:
        return []
    if scheduler is not None:
        return _run_dask(fn, items, scheduler)
    n = min(processes or DEFAULT_PROCESSES, len(items))
    if n == 1:
        return [fn(item) for item in items]
    with ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("spawn")) as ex:
        # map keeps input order; chunksize 1 because items are few and uneven in cost.
        return list(ex.map(fn, items))


def _run_dask(fn: Callable[[Any], Any], items: list[Any], scheduler: str | Any) -> list[Any]:
    if isinstance(scheduler, str):
        from distributed import Client  # imported here: local runs never need Dask

        try:
            client = Client(scheduler)
        except ValueError as exc:  # not an address: no port, unknown protocol, empty
            raise OSError(f"not a scheduler address ({exc})") from None
        with client:
            return _gather(client, fn, items)
    return _gather(scheduler, fn, items)


def _gather(client: Any, fn: Callable[[Any], Any], items: list[Any]) -> list[Any]:
    # pure=False: never merge equal items into one task (a stress run may repeat an
    # item on purpose); gather returns results in the order of the futures.
    futures = client.map(fn, items, pure=False)
    return list(client.gather(futures))
