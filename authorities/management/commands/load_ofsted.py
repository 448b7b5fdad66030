from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from authorities.loading import LoadError, load_ofsted


class Command(BaseCommand):
    help = "Load Ofsted inspection judgements (ILACS history or in-year inspections CSVs)."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)

    def handle(self, *args, files, **options):
        for path in files:
            try:
                count = load_ofsted(path)
            except (LoadError, FileNotFoundError, ValueError) as error:
                raise CommandError(str(error)) from error
            self.stdout.write(f"{path.name}: {count} inspections loaded.")
