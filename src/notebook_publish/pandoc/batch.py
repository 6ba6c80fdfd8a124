"""Many notes through one pandoc process, split back into one AST per note.

Starting pandoc costs about as much as parsing a typical note, so a book parsed one
process per note spent half of that time starting pandoc. Here:

- each note goes into a file of its own in a temporary folder, followed by a sentinel
  comment that names the note, and one pandoc run reads them all with `--file-scope`:
  each file is parsed on its own, so footnotes and reference links stay per note;
- `--file-scope` prefixes every identifier (and every `#` link to one) with the file's
  name; the prefix is taken off again, so each note's JSON is what a run of pandoc on
  that note alone gives (tests/test_pandoc_batch.py compares the two);
- a note that cannot be told apart with certainty (an unclosed block swallowed its
  sentinel, the run failed or hit a limit, a prefix was left over) comes back as None,
  and the caller parses it on its own, with its own limits and error message.
"""

from __future__ import annotations

import json
import re
import secrets
import tempfile
from pathlib import Path

from notebook_publish.pandoc.ast import Blocks, raw_text
from notebook_publish.pandoc.process import ParseError, pandoc_command, run_pandoc_command


def parse_batch(texts: list[str]) -> list[str | None]:
    """pandoc's JSON for each text, or None where the batch cannot give it."""
    if not texts:
        return []
    token = secrets.token_hex(6)
    with tempfile.TemporaryDirectory(prefix="notebook-publish-pandoc-") as tmp:
        names = []
        for i, text in enumerate(texts):
            name = f"np{token}n{i}.md"
            ending = f"\n\n<!-- {token} end {i} -->\n"
            (Path(tmp) / name).write_bytes(text.encode("utf-8", "replace") + ending.encode("ascii"))
            names.append(name)
        try:
            raw = run_pandoc_command(pandoc_command("--file-scope", *names), cwd=tmp)
        except ParseError:
            return [None] * len(texts)
    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError):
        return [None] * len(texts)
    if doc.get("meta"):  # the reader has no metadata blocks; --file-scope would merge them
        return [None] * len(texts)
    version = json.dumps(doc.get("pandoc-api-version"))
    sentinel = re.compile(rf"<!-- {token} end (\d+) -->")
    out: list[str | None] = [None] * len(texts)
    blocks: Blocks = []
    last = -1
    for block in doc.get("blocks", []):
        found = block.get("t") == "RawBlock" and sentinel.fullmatch(str(raw_text(block)).strip())
        if not found:
            blocks.append(block)
            continue
        i = int(found.group(1))
        if i == last + 1:  # the blocks since the previous sentinel are note i's, and only its
            out[i] = _note_json(blocks, version, f"np{token}n{i}md__", token)
        last, blocks = i, []
    return out


def _note_json(blocks: Blocks, version: str, prefix: str, token: str) -> str | None:
    try:
        text = json.dumps(blocks, ensure_ascii=False, separators=(",", ":"))
    except RecursionError:
        return None
    text = text.replace('"' + prefix, '"').replace('"#' + prefix, '"#')
    if token in text:
        return None
    return f'{{"pandoc-api-version":{version},"meta":{{}},"blocks":{text}}}'
