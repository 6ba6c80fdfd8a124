"""The old address of the workers' test hook, for `slides/pool.py` (being reorganised
separately). New code imports `handbook.typeset.parts`."""

from notebook_publish.handbook.typeset.parts import FAULT_HOOK

__all__ = ["FAULT_HOOK"]
