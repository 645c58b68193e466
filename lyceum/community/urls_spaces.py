"""``/community/``: spaces, threads, replies, search, course Q&A and bookmarks (names are public: others link)."""

from django.urls import path

from .views import spaces as views

app_name = "community"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("qa/", views.qa, name="qa"),
    path("bookmarks/", views.bookmarks, name="bookmarks"),
    path("spaces/new/", views.space_new, name="space-new"),
    path("preview/", views.preview, name="preview"),
    path("s/<slug:slug>/", views.space_detail, name="space"),
    path("s/<slug:slug>/new/", views.thread_new, name="thread-new"),
    path("s/<slug:slug>/settings/", views.space_edit, name="space-edit"),
    path("s/<slug:slug>/mentions/", views.mention_suggest, name="space-mentions"),
    path("t/<int:pk>/", views.thread_detail, name="thread"),
    path("t/<int:pk>/edit/", views.thread_edit, name="thread-edit"),
    path("t/<int:pk>/history/", views.thread_history, name="thread-history"),
    path("t/<int:pk>/reply/", views.thread_reply, name="thread-reply"),
    path("t/<int:pk>/vote/", views.thread_vote, name="thread-vote"),
    path("t/<int:pk>/follow/", views.thread_follow, name="thread-follow"),
    path("t/<int:pk>/bookmark/", views.thread_bookmark, name="thread-bookmark"),
    path("t/<int:pk>/delete/", views.thread_delete, name="thread-delete"),
    path("t/<int:pk>/pin/", views.thread_pin, name="thread-pin"),
    path("t/<int:pk>/lock/", views.thread_lock, name="thread-lock"),
    path("t/<int:pk>/unaccept/", views.thread_unaccept, name="thread-unaccept"),
    path("r/<int:pk>/", views.reply_detail, name="reply"),
    path("r/<int:pk>/edit/", views.reply_edit, name="reply-edit"),
    path("r/<int:pk>/history/", views.reply_history, name="reply-history"),
    path("r/<int:pk>/vote/", views.reply_vote, name="reply-vote"),
    path("r/<int:pk>/accept/", views.reply_accept, name="reply-accept"),
    path("r/<int:pk>/delete/", views.reply_delete, name="reply-delete"),
]
