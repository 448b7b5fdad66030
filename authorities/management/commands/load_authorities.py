from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from authorities.loading import LoadError, load_authorities, load_neighbours


class Command(BaseCommand):
    help = "Load authorities (and optionally statistical neighbours) from DfE-shaped CSVs."

    def add_arguments(self, parser):
        parser.add_argument("authorities_csv", type=Path)
        parser.add_argument("--neighbours", type=Path, help="statistical_neighbours.csv")

    def handle(self, *args, authorities_csv, neighbours, **options):
        try:
            count = load_authorities(authorities_csv)
            message = f"Loaded {count} authorities"
            if neighbours:
                message += f" and {load_neighbours(neighbours)} statistical neighbour links"
        except (LoadError, FileNotFoundError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(message + ".")
