"""WSGI entry point for production servers (e.g. ``gunicorn bahali.wsgi``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bahali.settings")
application = get_wsgi_application()
