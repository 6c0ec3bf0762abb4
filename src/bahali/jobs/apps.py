from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    """Background jobs: long exports, imports and reports run by the worker (``bahali worker``),
    with their progress on a page and their result downloadable by whoever started them."""

    name = "bahali.jobs"
    verbose_name = _("Background jobs")
