"""Operators' view of the community. Posting, voting and accepting go through the services
(counters, search index, events), so counters, rendered HTML and authorship are read-only here;
the admin is for looking things up and for fixing a space's settings."""

from django.contrib import admin

from .models import (
    Bookmark,
    CalendarFeed,
    CheckIn,
    CommunityTag,
    GroupMembership,
    GroupPost,
    LiveEvent,
    Mention,
    Registration,
    Reply,
    Revision,
    Space,
    StudyGroup,
    Thread,
    ThreadFollow,
    Vote,
)


@admin.register(Space)
class SpaceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "course", "post_policy", "thread_count", "position", "archived_at"]
    list_filter = ["kind", "post_policy"]
    search_fields = ["name", "slug"]
    raw_id_fields = ["course", "created_by"]
    filter_horizontal = ["access_courses"]
    readonly_fields = ["thread_count", "last_activity_at", "created_by"]


@admin.register(CommunityTag)
class CommunityTagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]


class ReplyInline(admin.TabularInline):
    model = Reply
    extra = 0
    fields = ["author", "parent", "body", "score", "created_at", "deleted_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    list_display = ["title", "space", "kind", "author", "reply_count", "score", "is_pinned", "is_locked",
                    "created_at", "deleted_at"]  # fmt: skip
    list_filter = ["kind", "is_pinned", "is_locked", "space"]
    list_select_related = ["space", "author"]
    search_fields = ["title", "author__email", "author__display_name"]
    date_hierarchy = "created_at"
    raw_id_fields = ["author", "accepted_reply", "accepted_by", "deleted_by"]
    readonly_fields = ["body_html", "reply_count", "score", "view_count", "last_activity_at", "edited_at",
                       "accepted_reply", "accepted_at", "accepted_by", "deleted_by"]  # fmt: skip
    filter_horizontal = ["tags"]
    inlines = [ReplyInline]


@admin.register(Reply)
class ReplyAdmin(admin.ModelAdmin):
    list_display = ["pk", "thread", "author", "parent", "score", "created_at", "deleted_at"]
    list_select_related = ["thread", "author"]
    search_fields = ["body", "author__email"]
    raw_id_fields = ["thread", "parent", "author", "deleted_by"]
    readonly_fields = ["body_html", "score", "edited_at", "deleted_by"]


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    list_display = ["pk", "thread", "reply", "edited_by", "created_at"]
    raw_id_fields = ["thread", "reply", "edited_by"]
    readonly_fields = ["thread", "reply", "title", "body", "edited_by", "created_at"]


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    list_display = ["pk", "user", "thread", "reply", "created_at"]
    raw_id_fields = ["user", "thread", "reply"]


@admin.register(Mention)
class MentionAdmin(admin.ModelAdmin):
    list_display = ["pk", "user", "author", "thread", "reply", "created_at"]
    raw_id_fields = ["user", "author", "thread", "reply"]


@admin.register(ThreadFollow)
class ThreadFollowAdmin(admin.ModelAdmin):
    list_display = ["pk", "user", "thread", "created_at"]
    raw_id_fields = ["user", "thread"]


@admin.register(Bookmark)
class BookmarkAdmin(admin.ModelAdmin):
    list_display = ["pk", "user", "thread", "created_at"]
    raw_id_fields = ["user", "thread"]


class GroupMembershipInline(admin.TabularInline):
    model = GroupMembership
    extra = 0
    raw_id_fields = ["user"]
    readonly_fields = ["joined_at"]


@admin.register(StudyGroup)
class StudyGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "visibility", "member_count", "max_members", "owner", "course", "archived_at"]
    list_filter = ["visibility"]
    search_fields = ["name"]
    raw_id_fields = ["owner", "course", "topic"]
    readonly_fields = ["member_count", "invite_code", "last_activity_at"]
    inlines = [GroupMembershipInline]


@admin.register(GroupPost)
class GroupPostAdmin(admin.ModelAdmin):
    list_display = ["group", "author", "created_at", "deleted_at"]
    raw_id_fields = ["group", "author"]
    readonly_fields = ["body_html"]


@admin.register(CheckIn)
class CheckInAdmin(admin.ModelAdmin):
    list_display = ["group", "user", "day", "minutes", "lesson"]
    list_filter = ["day"]
    raw_id_fields = ["group", "user", "lesson"]


class RegistrationInline(admin.TabularInline):
    model = Registration
    extra = 0
    raw_id_fields = ["user"]
    # Status changes go through the event services (seat counts, waitlist promotion).
    readonly_fields = ["status", "created_at", "waitlisted_at", "promoted_at", "cancelled_at", "attended_at"]


@admin.register(LiveEvent)
class LiveEventAdmin(admin.ModelAdmin):
    """Capacity and registrations change through the event services (waitlist promotion)."""

    list_display = [
        "title",
        "kind",
        "starts_at",
        "audience",
        "capacity",
        "registered_count",
        "waitlist_count",
        "status",
    ]
    list_filter = ["kind", "audience", "status"]
    search_fields = ["title", "slug"]
    raw_id_fields = ["course", "created_by"]
    filter_horizontal = ["hosts"]
    readonly_fields = ["registered_count", "waitlist_count", "description_html", "capacity", "status"]
    inlines = [RegistrationInline]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at"]
    raw_id_fields = ["user"]
    readonly_fields = ["token"]
