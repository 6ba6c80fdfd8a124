"""pandoc and its AST: the one place that runs pandoc and the one reading of its JSON.

From the bottom up: `process` runs pandoc (sandboxed, bounded); `batch` puts many notes
through one process; `parse` turns normalised text into an AST (cached, batched, its
nesting bounded); `ast` names the parts of the AST's nodes and walks it.
"""
