"""Getting parts typeset: each from the cache where it is, else from a worker (and then
cached), with the progress shown as they finish."""

from __future__ import annotations

from collections.abc import Callable

from notebook_publish.handbook.typeset.part_store import PartStore
from notebook_publish.handbook.typeset.parts import Part, PartJob
from notebook_publish.handbook.typeset.workers import TypesetPool
from notebook_publish.progress import Progress, Stage


def _keep(store: PartStore, stage: Stage) -> Callable[[PartJob, Part], None]:
    """What happens to each part a worker finishes: it is cached and reported."""

    def done(part_job: PartJob, part: Part) -> None:
        store.put(part_job.key, part)
        stage.finish(part_job.key, part_job.label, f"{part.page_count} pages")

    return done


def typeset_as_rendered(
    groups: list[list[int]],
    sizes: list[int],
    render_part: Callable[[list[int]], PartJob],
    store: PartStore,
    pool: TypesetPool,
    progress: Progress,
    edited: list[bool],
) -> tuple[list[PartJob], dict[str, Part]]:
    """The chapter parts, rendered by `render_part(group)` in this process while the
    workers typeset the parts rendered before. Returns the jobs in book order and the
    parts by key (cached or typeset, then cached).

    Parts with a note edited since the last build go first, so that after an edit the
    one part to typeset again starts at once rather than after every other part has
    been rendered (to find its cache key); then the biggest first, so that the last
    part to finish is a small one."""
    parts: dict[str, Part] = {}
    part_jobs: list[PartJob | None] = [None] * len(groups)
    submitted: set[str] = set()
    with progress.stage("typesetting chapters", len(groups)) as stage:
        pool.begin(on_start=lambda j: stage.start(j.key, j.label), on_done=_keep(store, stage))
        for g in sorted(
            range(len(groups)), key=lambda g: (not any(edited[i] for i in groups[g]), -sum(sizes[i] for i in groups[g]))
        ):
            part_job = part_jobs[g] = render_part(groups[g])
            part = parts.get(part_job.key) or store.get(part_job.key)
            if part is not None:
                if part_job.key not in parts:
                    stage.cached(part_job.key, part_job.label)
                parts[part_job.key] = part
            elif part_job.key not in submitted:
                submitted.add(part_job.key)
                pool.submit(part_job)
            pool.poll()
        parts.update(pool.finish())
    return [j for j in part_jobs if j is not None], parts


def typeset(
    jobs: list[PartJob], store: PartStore, pool: TypesetPool, progress: Progress, title: str
) -> dict[str, Part]:
    """Parts from the cache where they are, the rest from the workers (then cached)."""
    parts: dict[str, Part] = {}
    missing: list[PartJob] = []
    for part_job in jobs:
        if part_job.key in parts:
            continue
        part = store.get(part_job.key)
        if part is not None:
            parts[part_job.key] = part
        elif part_job.key not in {j.key for j in missing}:
            missing.append(part_job)
    with progress.stage(title, len(jobs)) as stage:
        for part_job in jobs:
            if part_job.key in parts:
                stage.cached(part_job.key, part_job.label)
        parts.update(pool.run(missing, on_start=lambda j: stage.start(j.key, j.label), on_done=_keep(store, stage)))
    return parts
