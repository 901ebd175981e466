"""A benchmark's child process's own peak resident memory (imported by the scripts beside it).

Why not ``resource.getrusage(...).ru_maxrss``: Linux carries a process's peak across ``exec``, so a child
started by a script that was itself large (it generated the data, or built a DuckDB warehouse in-process)
reports the parent's peak when its own is lower. ``VmHWM`` is the peak of the child's own address space.
"""

from __future__ import annotations


def peak_mib() -> float:
    """This process's peak resident memory since its ``exec``, in MiB (Linux's ``/proc/self/status``)."""
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
