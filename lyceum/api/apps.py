from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "lyceum.api"
    label = "api"
    verbose_name = "API"
