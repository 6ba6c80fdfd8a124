"""HTML to PDF pages: the typesetting stage of the handbook.

`parts` typesets one part (a few chapters, the index, the contents or the folio
layer) in a worker process; `workers` runs those processes from a fork server that
imports WeasyPrint once; `fetcher` is WeasyPrint's only way to read a file, within
the folders `locations` mounts under location-free URLs; `static_fonts` makes the
static font instances WeasyPrint is given, `faces` picks them (and the fallbacks a
book needs) for a build; `folio` splits the theme's page-number boxes onto a layer of
their own; `render` holds the Jinja templates, the @font-face rules and the bridge
from WeasyPrint's log to diagnostics; `part_store` is the typeset parts' cache.

The workers import this package's modules and `overdraw/`, never `html/`.
"""
