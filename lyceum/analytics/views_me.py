"""Placeholder: being written (this session)."""

from django.http import Http404


def _missing(request, *args, **kwargs):
    raise Http404


learners_csv = my_activity = my_activity_csv = _missing
