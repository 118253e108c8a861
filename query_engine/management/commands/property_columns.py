from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from query_engine.backends import embedded_store_held_elsewhere, get_backend
from query_engine.materialized import auto, catalog
from query_engine.materialized.columns import UnsuitableKey, check_key

FILLING_SQL = (
    "SELECT command FROM system.mutations"
    " WHERE database = currentDatabase() AND table = 'events' AND NOT is_done"
)


class Command(BaseCommand):
    help = (
        "List the event properties stored as their own columns, with their usage; "
        "--always/--never/--auto KEY set a rule that overrides usage; --run applies the choice now."
    )

    def add_arguments(self, parser) -> None:
        for rule, meaning in (
            ("always", "give KEY a column"),
            ("never", "never a column for KEY"),
            ("auto", "let usage decide for KEY"),
        ):
            parser.add_argument(f"--{rule}", metavar="KEY", action="append", default=[], help=meaning)
        parser.add_argument("--run", action="store_true", help="apply the automatic choice now")

    def handle(self, *args, **options) -> None:
        held = embedded_store_held_elsewhere()
        if held is not None:
            raise CommandError(
                f"The embedded event store ({held}) is open in another process: stop it (Ctrl-C on "
                "bin/serve) and run this again. The server applies the choice by itself every "
                f"{settings.PROPERTY_USAGE_FLUSH_SECONDS:g} s."
            )
        rules = [(key, rule) for rule in auto.RULES for key in options[rule]]
        for key, _ in rules:
            try:
                check_key(key)
            except UnsuitableKey as exc:
                raise CommandError(str(exc)) from None
        for key, rule in rules:
            auto.set_rule(key, rule)
        if rules or options["run"]:
            done = auto.run()
            for key in done.add:
                self.stdout.write(f"added a column for {key!r}")
            for column in done.revive:
                self.stdout.write(f"using the column of {column.key!r} again")
            for column in done.retire:
                grace = auto.drop_grace()
                self.stdout.write(f"retired the column of {column.key!r} (dropped after {grace:g} s)")
            for column in done.drop:
                self.stdout.write(f"dropped the column of {column.key!r}")
        self._list()

    def _list(self) -> None:
        catalog.refresh()
        columns = {c.key: c for c in catalog.all_columns()}
        uses = auto.usage(settings.PROPERTY_COLUMNS_WINDOW_DAYS)
        rules = auto.current_rules()
        filling = " ".join(str(row[0]) for row in get_backend().execute(FILLING_SQL).rows)
        listed = set(columns) | {k for k, r in rules.items() if r != "auto"}
        keys = sorted(listed, key=lambda k: -uses.get(k, 0))
        state = "on" if settings.PROPERTY_COLUMNS_AUTO else "off"
        self.stdout.write(
            f"{len(columns)} property column(s); automatic choice {state}: "
            f"{settings.PROPERTY_COLUMNS_MIN_USES}+ reads in {settings.PROPERTY_COLUMNS_WINDOW_DAYS} days, "
            f"at most {settings.PROPERTY_COLUMNS_MAX} columns"
        )
        self.stdout.write(f"{'key':<32} {'column':<52} {'state':<9} {'rule':<7} reads")
        for key in keys:
            column = columns.get(key)
            if column is None:
                name, state = "-", "none"
            else:
                name = column.column
                state = "retired" if not column.active else ("filling" if name in filling else "active")
            rule = rules.get(key, "auto")
            self.stdout.write(f"{key:<32} {name:<52} {state:<9} {rule:<7} {uses.get(key, 0)}")
