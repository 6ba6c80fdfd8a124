"""A worker process's tie to the command that started it.

A worker (typesetting a part of the handbook, writing a deck) must not outlive its
command. When the command is killed outright (SIGKILL, the OOM killer) nothing of it
runs to stop the workers: a busy worker would go on for minutes, then fail to send its
result down a pipe nobody reads and print a BrokenPipeError traceback into the
terminal or the CI log, long after the command has gone.

So each worker, first thing, asks Linux to kill it when its parent ends
(PR_SET_PDEATHSIG), and treats a closed pipe to its parent as the order to stop,
quietly. The parent of a typesetting worker is the fork server, which itself ends as
soon as the command does (it watches a pipe only the command holds open), so the chain
comes down together; multiprocessing's resource tracker then sees its last reader go
and ends too.

PR_SET_PDEATHSIG fires when the *thread* that started the worker ends, so a pool must
be used, start to finish, from one thread that outlives it (both pools are).
"""

from __future__ import annotations

import signal
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def die_with_parent(sig: int = signal.SIGKILL) -> bool:
    """Have the kernel send `sig` to this process when its parent ends (Linux only).
    SIGKILL, because nothing the worker could still do is worth doing then. Returns
    whether it was set; elsewhere the closed pipe (`send_or_stop`) is the only tie."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        status: int = libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
        return status == 0
    except (OSError, AttributeError):  # no libc prctl (another C library): the pipe remains
        return False


def send_or_stop(conn: Connection, message: object) -> bool:
    """Send `message` to the parent; False if the parent is gone (the pipe is closed),
    in which case the worker should return quietly instead of raising."""
    try:
        conn.send(message)
    except (BrokenPipeError, EOFError, OSError):
        return False
    return True
