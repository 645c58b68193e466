"""Placeholder: being written (this session)."""

from django.http import Http404


def _missing(request, *args, **kwargs):
    raise Http404


interests = _missing
