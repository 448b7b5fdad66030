from django.core.management.base import BaseCommand

from demo.load import DEMO_USERS


class Command(BaseCommand):
    help = "Print the demo users' logins."

    def handle(self, *args, **options):
        self.stdout.write("Demo logins (username / password):")
        for username, password, _, role in DEMO_USERS:
            self.stdout.write(f"  {username:8} / {password:22} {role}")
