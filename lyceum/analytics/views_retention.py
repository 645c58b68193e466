"""Placeholder: being written (this session)."""

from django.http import Http404


def _missing(request, *args, **kwargs):
    raise Http404


at_risk = model_report = campaign_list = campaign_new = campaign_detail = offer = _missing
