"""Forms for live events. They parse; the services in ``services/events.py`` decide."""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from typing import Any

from django import forms
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from lyceum.accounts.forms import timezone_choices
from lyceum.accounts.models import User
from lyceum.courses.models import Course, CourseStatus

from .access import standing
from .models import EventAudience, EventKind, LiveEvent

INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
WIDGET_FORMAT = "%Y-%m-%dT%H:%M"


class WallClockField(forms.Field):
    """A date and time as typed, without a time zone: the chosen host zone gives it one
    (Django's DateTimeField would pin it to the viewer's zone)."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=WIDGET_FORMAT)
    default_error_messages = {"invalid": _("Enter a date and time like 2026-05-20 19:30.")}

    def to_python(self, value: Any) -> datetime | None:
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value.replace(tzinfo=None, second=0, microsecond=0)
        text = str(value).strip()
        for fmt in INPUT_FORMATS:
            try:
                return datetime.strptime(text, fmt)  # noqa: DTZ007 - a wall-clock time, zoned by the service
            except ValueError:
                continue
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", ",").replace("\n", ",").split(",") if part.strip()]


class EventForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=160)
    kind = forms.ChoiceField(label=_("Kind"), choices=EventKind.choices)
    course = forms.ModelChoiceField(
        label=_("Course"), queryset=Course.objects.none(), required=False,
        help_text=_("Course Q&A sessions and enrolled-only events belong to a course."),
    )  # fmt: skip
    timezone = forms.ChoiceField(
        label=_("Host's time zone"), choices=timezone_choices,
        help_text=_("Start and end are in this zone; every viewer sees them in their own."),
    )  # fmt: skip
    starts_at = WallClockField(label=_("Starts"))
    ends_at = WallClockField(label=_("Ends"))
    capacity = forms.IntegerField(
        label=_("Seats"),
        required=False,
        min_value=1,
        help_text=_("Empty: no limit. When full, people join a waitlist."),
    )
    audience = forms.ChoiceField(
        label=_("Who may attend"),
        choices=[
            (EventAudience.FREE, _("Everyone with an account")),
            (EventAudience.MEMBERS, _("Members only (a membership plan)")),
            (EventAudience.ENROLLED, _("Learners enrolled in the course")),
        ],
    )
    access_plans = forms.CharField(
        label=_("Membership plans"), required=False, max_length=500,
        help_text=_("Members-only events: plan addresses separated by commas (empty: any membership)."),
    )  # fmt: skip
    meeting_url = forms.CharField(
        label=_("Meeting link"), required=False, max_length=500,
        help_text=_("Shown only to registered attendees (and in their calendar)."),
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )  # fmt: skip
    description = forms.CharField(
        label=_("Description"), required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Markdown: **bold**, lists, links, code."),
    )  # fmt: skip
    hosts = forms.CharField(
        label=_("Hosts"), max_length=500, required=False,
        help_text=_("E-mail addresses of the hosts (instructors or staff), separated by commas. Empty: you."),
    )  # fmt: skip

    def __init__(self, *args: Any, actor: User, event: LiveEvent | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        courses = Course.objects.exclude(status=CourseStatus.ARCHIVED)
        if not standing(actor).operator:
            courses = Course.objects.filter(pk__in=standing(actor).instructed_course_ids)
            self.fields["course"].required = True
            self.fields["course"].empty_label = None
        if event is not None and event.course_id:
            courses = Course.objects.filter(Q(pk__in=courses.values("pk")) | Q(pk=event.course_id))
        self.fields["course"].queryset = courses.order_by("title")
        if not self.is_bound:
            self.fields["timezone"].initial = actor.timezone
            self.fields["hosts"].initial = actor.email

    @staticmethod
    def initial_for(event: LiveEvent) -> dict[str, Any]:
        tz = zoneinfo.ZoneInfo(event.timezone)
        return {
            "title": event.title,
            "kind": event.kind,
            "course": event.course_id,
            "timezone": event.timezone,
            "starts_at": event.starts_at.astimezone(tz).replace(tzinfo=None),
            "ends_at": event.ends_at.astimezone(tz).replace(tzinfo=None),
            "capacity": event.capacity,
            "audience": event.audience,
            "access_plans": ", ".join(event.access_plans or []),
            "meeting_url": event.meeting_url,
            "description": event.description,
            "hosts": ", ".join(h.email for h in event.hosts.all()),
        }

    def clean_hosts(self) -> list[User]:
        emails = _split(self.cleaned_data.get("hosts") or "")
        if not emails:
            return []
        if len(emails) > 10:
            raise forms.ValidationError(_("At most 10 addresses."))
        lowered = [e.lower() for e in emails]
        found = {
            u.email.lower(): u
            for u in User.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=lowered)
        }
        missing = [e for e in emails if e.lower() not in found]
        if missing:
            raise forms.ValidationError(_("No account with the e-mail %(email)s."), params={"email": missing[0]})
        return [found[e.lower()] for e in emails]

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "kind": data["kind"],
            "course": data.get("course"),
            "timezone_name": data["timezone"],
            "starts_at": data["starts_at"],
            "ends_at": data["ends_at"],
            "capacity": data.get("capacity"),
            "audience": data["audience"],
            "access_plans": _split(data.get("access_plans") or ""),
            "meeting_url": data.get("meeting_url") or "",
            "description": data.get("description") or "",
            "hosts": data.get("hosts") or None,
        }


class RecordingForm(forms.Form):
    recording_url = forms.CharField(
        label=_("Recording link"),
        required=False,
        max_length=500,
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )
