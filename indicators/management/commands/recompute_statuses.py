from django.core.management.base import BaseCommand

from indicators.recompute import recompute


class Command(BaseCommand):
    help = "Recompute status, direction of travel and hard to shift for every stored value."

    def handle(self, *args, **options):
        self.stdout.write(f"Recomputed: {recompute()} values changed.")
