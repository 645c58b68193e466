"""The "Your interests" page (/me/interests/): the learner's topics, why, and their corrections.

One URL: GET shows the profile; POST ``action`` = hide | add | reset with a ``topic`` slug
corrects it (and redirects back); a bad topic re-renders the page with the error (422).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from lyceum.core.errors import ApplicationError
from lyceum.core.forms import form_add_application_error

from . import profile

DONE = {
    "hide": gettext_lazy("%(topic)s is hidden from your interests."),
    "add": gettext_lazy("%(topic)s is added to your interests."),
    "reset": gettext_lazy("%(topic)s is back to what your activity says."),
}


class InterestChangeForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in DONE])
    topic = forms.CharField(label=gettext_lazy("Topic"), max_length=50)


@login_required
@require_http_methods(["GET", "POST"])
def interests(request: HttpRequest) -> HttpResponse:
    form = InterestChangeForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            action, slug = form.cleaned_data["action"], form.cleaned_data["topic"]
            try:
                profile.interests_update(actor=request.user, user=request.user, **{action: [slug]})
            except ApplicationError as error:
                form_add_application_error(form, error)
            else:
                messages.success(request, DONE[action] % {"topic": profile.topic_name(slug)})
                return redirect("recommendations:interests")
        status = 422
    else:
        status = 200
    context = {"profile": profile.interest_profile_for(user=request.user), "form": form, "title": _("Your interests")}
    return render(request, "recommendations/interests/interests.html", context, status=status)
