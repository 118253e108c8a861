"""``generate_demo_data --project ID --events N --days D --seed S``: load demo events fast.

Events go through the same writer as capture (persons, merges, dedup table), in large
batches and without HTTP, so millions load in minutes. In embedded mode while a server runs
(it holds chDB's data directory, one process only), or with ``--server URL``, they are sent
through that server's ``/batch/`` capture endpoint instead.
"""

from __future__ import annotations

import sys
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, date, datetime, time
from itertools import islice

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from analytics.ingestion.demo import DemoTraffic
from analytics.ingestion.demo_upload import UPLOAD_BATCH_SIZE, UploadError, post_batch, server_answers
from analytics.ingestion.events import CapturedEvent
from analytics.ingestion.writer import get_writer
from query_engine.backends import embedded_store_held_elsewhere
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
        parser.add_argument(
            "--server",
            dest="server",
            default=None,
            help="Send through this running server's /batch/ endpoint (e.g. http://127.0.0.1:8000); "
            "chosen by itself (SITE_URL) when a server holds the embedded event store",
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
        quiet = options.get("verbosity", 1) < 1
        server = options.get("server") or self._busy_store_server()
        if server:
            self._send_through(server, project, traffic, events, quiet=quiet)
            return
        writer = get_writer()
        written = stored = 0
        # sys.stderr, not self.stderr: Django's wrapper would end every refresh with a newline.
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

    def _busy_store_server(self) -> str | None:
        """The server to send through when another process holds chDB's data directory."""
        held = embedded_store_held_elsewhere()
        if held is None:
            return None
        server = settings.SITE_URL
        if not server_answers(server):
            raise CommandError(
                f"The embedded event store ({held}) is open in another process, and no server answers "
                f"at {server}. Either stop that process (Ctrl-C on bin/serve) and run this again, or "
                "pass --server with the URL of the running server (for example --server "
                "http://127.0.0.1:8000) to send the events through its capture endpoint."
            )
        self.stdout.write(
            f"The running server holds the embedded event store ({held}): "
            f"sending the events through {server}/batch/ instead."
        )
        return server

    def _send_through(self, server: str, project: int, traffic, events: int, *, quiet: bool) -> None:
        api_token = Team.objects.values_list("api_token", flat=True).get(pk=project)
        sent = 0
        with tqdm(total=events, unit="events", disable=quiet, file=sys.stderr) as progress:
            while sent < events:
                batch: list[CapturedEvent] = list(islice(traffic, min(UPLOAD_BATCH_SIZE, events - sent)))
                try:
                    post_batch(server, api_token, batch)
                except UploadError as exc:
                    raise CommandError(f"{exc}. {sent} of {events} events were sent before it.")
                sent += len(batch)
                progress.update(len(batch))
        self.stdout.write(
            self.style.SUCCESS(
                f"Sent {sent} demo events to project {project} through {server} "
                "(events the server already had, from the same seed, were skipped)."
            )
        )
