"""Community data: spaces and threads, study groups, live events.

Split by area (one module each) so each area's invariants sit together; import from
``lyceum.community.models``.
"""

from .events import CalendarFeed, EventAudience, EventKind, EventStatus, LiveEvent, Registration, RegistrationStatus
from .groups import CheckIn, GroupMembership, GroupPost, GroupRole, GroupVisibility, StudyGroup
from .spaces import (
    Bookmark,
    CommunityTag,
    HiddenReason,
    Mention,
    PostPolicy,
    Reply,
    Revision,
    Space,
    SpaceKind,
    Thread,
    ThreadFollow,
    ThreadKind,
    Vote,
)

__all__ = [
    "Bookmark",
    "CalendarFeed",
    "CheckIn",
    "CommunityTag",
    "EventAudience",
    "EventKind",
    "EventStatus",
    "GroupMembership",
    "GroupPost",
    "GroupRole",
    "GroupVisibility",
    "HiddenReason",
    "LiveEvent",
    "Mention",
    "PostPolicy",
    "Registration",
    "RegistrationStatus",
    "Reply",
    "Revision",
    "Space",
    "SpaceKind",
    "StudyGroup",
    "Thread",
    "ThreadFollow",
    "ThreadKind",
    "Vote",
]
