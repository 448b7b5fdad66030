from django.core.management.base import BaseCommand

from indicators import distributions
from indicators.recompute import recompute
from indicators.tasks import recompute_nationally


class Command(BaseCommand):
    help = (
        "Recompute every derived field (status, direction of travel, hard to shift, control "
        "charts) of every stored figure: here, or shared among the running workers; then keep "
        "the national distributions any change left out of date."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--across-workers",
            type=int,
            metavar="SHARES",
            help="split the authorities into this many shares for the Celery workers to do "
            "side by side (a national rebuild after a rule changes), and wait for them",
        )

    def handle(self, *args, across_workers=None, **options):
        if across_workers:
            done = recompute_nationally(chunks=across_workers)
            changed = sum(share["changed"] for share in done)
            workers = sorted({share["worker"] for share in done})
            self.stdout.write(
                f"Recomputed in {len(done)} shares by {', '.join(workers)}: {changed} values "
                "changed."
            )
        else:
            self.stdout.write(f"Recomputed: {recompute()} values changed.")
        self.stdout.write(
            f"National distributions kept afresh: {distributions.refresh()} measures."
        )
