from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _

from lyceum.accounts.views import language_set
from lyceum.api.api import api
from lyceum.api.api import not_found_view as api_not_found
from lyceum.core import views as core_views

admin.site.site_header = _("Lyceum administration")
admin.site.site_title = _("Lyceum admin")

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/setlang/", language_set, name="set_language"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", api.urls),
    re_path(r"^api/(?P<path>.*)$", api_not_found),
    path("", include("lyceum.accounts.urls")),
    path("", include("lyceum.courses.urls")),
    path("", include("lyceum.learning.urls")),
    path("", include("lyceum.commerce.urls")),
    path("community/", include("lyceum.community.urls_spaces")),
    path("groups/", include("lyceum.community.urls_groups")),
    path("events/", include("lyceum.community.urls_events")),
    path("notifications/", include("lyceum.notifications.urls")),
    path("", include("lyceum.feedback.urls")),
    path("", include("lyceum.analytics.urls")),
    path("", include("lyceum.recommendations.urls")),
    path("", include("lyceum.moderation.urls")),
    path("", include("lyceum.engagement.urls")),
    path("", include("lyceum.core.urls")),
]

handler403 = "lyceum.core.views.permission_denied"
handler404 = "lyceum.core.views.page_not_found"

# Avatars and course covers are public; protected media (lesson videos, files) get their own checked views.
urlpatterns += [
    re_path(r"^media/(?P<path>(?:avatars|covers)/.+)$", core_views.public_media, name="public-media"),
]

# The benchmark's ceiling (make bench-web): a trivial view through the full middleware stack, off by default.
if settings.LYCEUM_BENCH_HELLO:
    from lyceum.core import views_bench

    urlpatterns.insert(0, path("bench/hello", views_bench.hello, name="bench-hello"))
