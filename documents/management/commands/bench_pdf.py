"""Pages per second of every registered document kind, rendered as a worker renders them.

    manage.py bench_pdf [--kind report] [--objects 5] [--repeat 3] [--processes 2]

Objects come from each kind's `examples` (seed some with `seed_demo` + `seed_demo_period`).
The first render of each process pays for importing WeasyPrint and loading fonts; it is timed
and shown apart ("cold") and left out of the throughput. With --processes N the renders are
shared by N forked processes, like a worker started with --concurrency N.
"""

from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from documents import registry
from documents.services import count_pdf_pages


def _render(kind: str, object_id: int) -> tuple[float, int]:
    started = time.perf_counter()
    pdf = registry.get(kind).render(object_id)
    return time.perf_counter() - started, count_pdf_pages(pdf)


def _child_start() -> None:
    # A forked child must not share the parent's database sockets.
    for conn in connections.all(initialized_only=True):
        conn.inc_thread_sharing()
        conn.close()
        conn.dec_thread_sharing()
    _render_warm()


def _render_warm() -> None:
    import weasyprint

    weasyprint.HTML(string="<p>ấm máy</p>").write_pdf()


class Command(BaseCommand):
    help = "Render each registered document kind several times and print pages per second."

    def add_arguments(self, parser):
        parser.add_argument("--kind", action="append", help="only this kind (repeatable)")
        parser.add_argument("--objects", type=int, default=5, help="objects per kind")
        parser.add_argument("--repeat", type=int, default=3, help="renders per object")
        parser.add_argument("--processes", type=int, default=1, help="parallel renderers")

    def handle(self, *args, **options):
        kinds = options["kind"] or registry.kinds()
        unknown = set(kinds) - set(registry.kinds())
        if unknown:
            raise CommandError(f"unknown kinds: {', '.join(sorted(unknown))}")
        processes = max(1, options["processes"])
        self.stdout.write(
            f"{'kind':<12} {'docs':>5} {'pages':>6} {'p/doc':>6} {'seconds':>8} "
            f"{'s/doc':>6} {'pages/s':>8} {'cold s':>7}  processes={processes}"
        )
        for kind in kinds:
            entry = registry.get(kind)
            ids = list(entry.examples(options["objects"])) if entry.examples else []
            if not ids:
                self.stdout.write(f"{kind:<12} no objects to render (seed demo data first)")
                continue
            cold, _ = _render(kind, ids[0])
            jobs = [(kind, object_id) for object_id in ids for _ in range(options["repeat"])]
            wall, results = self._run(jobs, processes)
            pages = sum(p for _, p in results)
            self.stdout.write(
                f"{kind:<12} {len(results):>5} {pages:>6} {pages / len(results):>6.1f} "
                f"{wall:>8.2f} {wall / len(results) * processes:>6.2f} {pages / wall:>8.2f} "
                f"{cold:>7.2f}"
            )

    def _run(self, jobs, processes):
        if processes == 1:
            started = time.perf_counter()
            results = [_render(kind, object_id) for kind, object_id in jobs]
            return time.perf_counter() - started, results
        connections.close_all()
        context = get_context("fork")
        with ProcessPoolExecutor(processes, mp_context=context, initializer=_child_start) as pool:
            # Start (and warm) every process before the clock starts.
            list(pool.map(time.sleep, [0.2] * processes))
            started = time.perf_counter()
            results = list(pool.map(_render, *zip(*jobs, strict=True)))
            return time.perf_counter() - started, results
