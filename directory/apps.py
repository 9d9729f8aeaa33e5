from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "directory"
    verbose_name = "Directory"

    def ready(self):
        from directory import checks  # noqa: F401  (registers the start-up checks)
        from directory.search import indexing  # noqa: F401  (keeps search in step with publishing)
