"""The typesetting workers' old address, for the modules outside the handbook that
still use it (`commands.py` starts the server, `cli.py` stops it through
`sys.modules`, `slides/pool.py` words a worker's death): they are being reorganised
separately. New code imports `handbook.typeset.workers`."""

from notebook_publish.handbook.typeset.workers import how_it_ended, start_server, stop_server

__all__ = ["how_it_ended", "start_server", "stop_server"]
