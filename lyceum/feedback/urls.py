from django.urls import include, path

app_name = "feedback"

urlpatterns = [
    path("", include("lyceum.feedback.urls_reviews")),
    path("", include("lyceum.feedback.urls_surveys")),
]
