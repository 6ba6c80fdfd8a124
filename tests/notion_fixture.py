"""A Notion "Export -> Markdown & CSV" zip, made in the test from a small tree.

The layout is Notion's: every page `Title <32-hex id>.md`, its subpages and pictures in
a folder of the same name, paths in links percent-encoded, one page exported without
its id (as newer exports may), a database as `Tasks <id>.csv` (UTF-8 with a BOM) and
`Tasks <id>_all.csv` beside a folder of row pages, each row page's properties as
`Key: value` lines under its title, a picture whose alt text is its file name, a link
to the database's folder, a relation column and a notion.so link to a page of the
export.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from publish_harness import png_bytes

TOP_ID = "1b505834c0de80378ee9cfc97356b605"
START_ID = "2a7e1f0c9b3d4e5fa6b7c8d9e0f1a2b3"
PROJECTS_ID = "3c8f2a1b0c9d4e8f9a7b6c5d4e3f2a1b"
TASKS_ID = "4d9a3b2c1d0e4f9a8b7c6d5e4f3a2b1c"
ROW_IDS = ("5e0b4c3d2e1f4a0b9c8d7e6f5a4b3c2d", "6f1c5d4e3f2a4b1c0d9e8f7a6b5c4d3e", "7a2d6e5f4a3b4c2d1e0f9a8b7c6d5e4f")
PEOPLE_ID = "8b3e7f6a5b4c4d3e2f1a0b9c8d7e6f5a"

TOP = f"Team Handbook {TOP_ID}"
START = f"Getting Started {START_ID}"
PROJECTS = f"Projects {PROJECTS_ID}"
TASKS = f"Tasks {TASKS_ID}"
PEOPLE = f"People {PEOPLE_ID}"
# The rows in the CSV's order, which is not their files' order.
ROWS = (
    ("Write the spec", "Done", "Ada Lovelace"),
    ("Review the draft", "In progress", "Grace Hopper"),
    ("Ship it", "Not started", "Alan Turing"),
)


def enc(path: str) -> str:
    """A path as Notion writes it in a link: spaces as %20."""
    return path.replace(" ", "%20")


def tree() -> dict[str, bytes]:
    """The export's files: name inside the zip -> bytes."""
    files: dict[str, bytes] = {}
    files[f"{TOP}.md"] = (
        "# Team Handbook\n"
        "\n"
        "Welcome to the team. This handbook is exported from Notion.\n"
        "\n"
        f"![team photo.png]({enc(TOP)}/team%20photo.png)\n"
        "\n"
        f"[Getting Started]({enc(TOP)}/{enc(START)}.md)\n"
        "\n"
        f"[Projects]({enc(TOP)}/{enc(PROJECTS)}.md)\n"
        "\n"
        f"[People]({enc(TOP)}/{enc(PEOPLE)}.md)\n"
        "\n"
        f"[Glossary]({enc(TOP)}/Glossary.md)\n"
    ).encode()
    files[f"{TOP}/team photo.png"] = png_bytes(64, 48, (30, 120, 200))
    files[f"{TOP}/{START}.md"] = (
        "# Getting Started\n"
        "\n"
        "Read the **handbook** from the top.\n"
        "\n"
        f"![Untitled]({enc(START)}/Screen%20Shot%202024-03-01.png)\n"
        "\n"
        "This link goes nowhere: [Old page](Old%20Page%209c4f8e7d6c5b4a3f2e1d0c9b8a7f6e5d.md)\n"
    ).encode()
    files[f"{TOP}/{START}/Screen Shot 2024-03-01.png"] = png_bytes(80, 40, (200, 90, 20))
    files[f"{TOP}/{PROJECTS}.md"] = (
        "# Projects\n"
        "\n"
        "Everything we are working on.\n"
        "\n"
        "## Task board\n"
        "\n"
        f"[Tasks]({enc(PROJECTS)}/{enc(TASKS)}.csv)\n"
        "\n"
        f"Back to [Getting Started]({enc(START)}.md).\n"
    ).encode()
    header = "Name,Status,Owner,Blocks\n"
    lines = [
        f'{ROWS[0][0]},{ROWS[0][1]},{ROWS[0][2]},"{ROWS[1][0]} ({enc(ROWS[1][0])}%20{ROW_IDS[1]}.md)"\n',
        f"{ROWS[1][0]},{ROWS[1][1]},{ROWS[1][2]},\n",
        f"{ROWS[2][0]},{ROWS[2][1]},{ROWS[2][2]},\n",
    ]
    files[f"{TOP}/{PROJECTS}/{TASKS}.csv"] = "\ufeff".encode() + (header + "".join(lines)).encode()
    files[f"{TOP}/{PROJECTS}/{TASKS}_all.csv"] = (
        "\ufeff".encode()
        + ("Name,Status,Owner,Blocks,Created\n" + "".join(l.rstrip("\n") + ",2024-03-01\n" for l in lines)).encode()
    )
    for (title, status, owner), row_id in zip(ROWS, ROW_IDS):
        files[f"{TOP}/{PROJECTS}/{TASKS}/{title} {row_id}.md"] = (
            f"# {title}\n\nStatus: {status}\nOwner: {owner}\n\nThe work of {title.lower()}, described.\n"
        ).encode()
    files[f"{TOP}/{PEOPLE}.md"] = (
        "# People\n"
        "\n"
        "See [the projects](https://www.notion.so/acme/Projects-"
        + PROJECTS_ID
        + "?pvs=21). The team, as a database linked by its folder:\n"
        "\n"
        f"[Team]({enc(PEOPLE)}/Team%20{TASKS_ID[::-1]})\n"
    ).encode()
    team = f"Team {TASKS_ID[::-1]}"
    files[f"{TOP}/{PEOPLE}/{team}.csv"] = "\ufeffName,Role\nAda Lovelace,Engineer\n".encode()
    files[f"{TOP}/{PEOPLE}/{team}/Ada Lovelace {PEOPLE_ID[::-1]}.md"] = (
        b"# Ada Lovelace\n\nRole: Engineer\n\nWrites the specs.\n"
    )
    files[f"{TOP}/Glossary.md"] = b"# Glossary\n\nA page exported without its id.\n"
    return files


def zip_bytes(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return out.getvalue()


def write_export(path: Path, files: dict[str, bytes] | None = None) -> Path:
    path.write_bytes(zip_bytes(tree() if files is None else files))
    return path
