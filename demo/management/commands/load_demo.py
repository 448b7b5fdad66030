from django.core.management.base import BaseCommand

from demo.load import load_demo


class Command(BaseCommand):
    help = "Load the Doncaster 2016/17 demo (idempotent: running it again changes nothing)."

    def handle(self, *args, **options):
        counts = load_demo()
        self.stdout.write(
            "Demo loaded: {indicators} indicators, {targets} targets, {values} values, "
            "{users} users.".format(**counts)
        )
