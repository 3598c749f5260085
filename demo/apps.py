from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Installed only for its management commands (``seed_demo``, ``demo_logins``)."""

    name = "demo"
    verbose_name = "Demo data"
