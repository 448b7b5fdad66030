import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Everything made while starting lives as long as the process: the cycle collector stops
# walking it (core.memory; imported once Django is set up).
from core.memory import settle_startup_objects  # noqa: E402

settle_startup_objects()
