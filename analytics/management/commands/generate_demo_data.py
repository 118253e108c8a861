"""``generate_demo_data --project ID --events N --days D --seed S``: load demo events fast.

Events go through the same writer as capture (persons, merges, dedup table), in large
batches and without HTTP, so millions load in minutes.
"""

from __future__ import annotations

import sys
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, date, datetime, time
from itertools import islice

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from analytics.ingestion.demo import DemoTraffic
from analytics.ingestion.writer import get_writer
from tenancy.models import Team

BATCH_SIZE = 50_000


class Command(BaseCommand):
    help = "Generate realistic, deterministic demo events (pageviews, sign-ups, purchases) for a project."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--project", dest="project", type=int, required=True, help="Project (team) id")
        parser.add_argument("--events", dest="events", type=int, default=50_000, help="Number of events")
        parser.add_argument("--days", dest="days", type=int, default=30, help="Days of history")
        parser.add_argument("--seed", dest="seed", type=int, default=42, help="Random seed")
        parser.add_argument(
            "--end-date",
            dest="end_date",
            default=None,
            help="Last day, included (YYYY-MM-DD, UTC); default: the data ends now",
        )

    def handle(self, *args, project: int, events: int, days: int, seed: int, **options) -> None:
        if not Team.objects.filter(pk=project).exists():
            raise CommandError(f"Project {project} does not exist.")
        if events < 0 or days < 1:
            raise CommandError("--events must be >= 0 and --days >= 1.")
        if options.get("end_date"):
            # The end of a fixed day: the same seed and end date repeat exactly.
            end = datetime.combine(date.fromisoformat(options["end_date"]), time.max, tzinfo=UTC)
        else:
            # Up to now, never in the future; the same seed gives the same events shifted in time.
            end = datetime.now(UTC)
        traffic = DemoTraffic(seed=seed, days=days, end=end).events()
        writer = get_writer()
        written = stored = 0
        # sys.stderr, not self.stderr: Django's wrapper would end every refresh with a newline.
        quiet = options.get("verbosity", 1) < 1
        progress = tqdm(total=events, unit="events", disable=quiet, file=sys.stderr)
        # Generate the next batch while the previous one is written: chDB releases the
        # GIL while it inserts. One writer thread keeps batches (and persons) in order.
        # Dedup stays on: the same seed gives the same uuids, so a second run with it adds
        # nothing instead of a copy of every event.
        pending: Future | None = None
        pending_size = 0
        with progress, ThreadPoolExecutor(max_workers=1) as pool:
            while written < events:
                batch = list(islice(traffic, min(BATCH_SIZE, events - written)))
                if pending is not None:
                    stored += pending.result().stored
                    progress.update(pending_size)
                pending, pending_size = pool.submit(writer.write_direct, project, batch), len(batch)
                written += len(batch)
            if pending is not None:
                stored += pending.result().stored
                progress.update(pending_size)
        writer.flush()  # the person tables complete before this process ends
        skipped = f" ({written - stored} were stored already: same seed)" if stored < written else ""
        self.stdout.write(self.style.SUCCESS(f"Loaded {stored} demo events into project {project}{skipped}."))
