from django.core.management.base import BaseCommand

from demo.load import load_demo


class Command(BaseCommand):
    help = (
        "Load DfE's national data shipped in demo/data/national/ and the Doncaster 2016/17 "
        "demo (idempotent: running it again changes nothing)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--without-national",
            action="store_true",
            help="only the Doncaster demo, without England's figures, ranks and Ofsted",
        )

    def handle(self, *args, without_national: bool, **options):
        counts = load_demo(national=not without_national)
        self.stdout.write(
            "Demo loaded: {indicators} indicators, {targets} targets, {values} values, "
            "{users} users.".format(**counts)
        )
