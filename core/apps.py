from django.apps import AppConfig
from django.db.models.signals import post_migrate

# What a performance admin manages in the Django admin: every model of Outturn's own apps
# (indicator definitions, targets, authorities, assignments and panel seats, imports, return
# deadlines; a model whose admin is read-only stays so). Not people: they are the People
# page's, where only a superuser manages admins and superusers (authorities.people).
ADMIN_APPS = ["authorities", "indicators", "imports", "scrutiny", "reports"]


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Outturn core: roles, health, task dispatch"

    def ready(self):
        from . import checks  # noqa: F401 - registers them
        from .memory import give_back_freed_memory

        give_back_freed_memory()

        post_migrate.connect(grant_admin_permissions, dispatch_uid="outturn-admin-permissions")


def grant_admin_permissions(**kwargs) -> None:
    """After every migrate: the Performance admins role holds the permissions of
    ADMIN_APPS' models, so its members' /admin/ shows what docs/reliability.md says."""
    from django.contrib.auth.models import Group, Permission

    from .access import PERFORMANCE_ADMINS

    group, _ = Group.objects.get_or_create(name=PERFORMANCE_ADMINS)
    group.permissions.set(Permission.objects.filter(content_type__app_label__in=ADMIN_APPS))
