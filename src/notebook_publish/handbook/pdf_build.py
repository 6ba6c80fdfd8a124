"""The old address of `Preparation`, for `commands.py` (being reorganised separately).
`build_pdf` is in `handbook/build.py`, `Preparation` in `handbook/typeset/faces.py`."""

from notebook_publish.handbook.typeset.faces import Preparation

__all__ = ["Preparation"]
