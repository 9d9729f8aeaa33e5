"""The contingency (crisis) plan section of a support plan: who to call, back-up support,
what helps.

Whoever may see the plan may see and change it (``matching.access``: the
person, the representatives they named, the named practitioner); anyone else,
including a former representative or practitioner, gets a 404. Each look or
change by someone other than the person goes in the plan's access log.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from matching.access import can_edit_plan, get_plan_for
from matching.models import ContingencyPlan, SupportPlan
from matching.views import _plan_context

FIELDS = ("who_to_call", "backup_support", "what_helps")


class ContingencyForm(forms.ModelForm):
    class Meta:
        model = ContingencyPlan
        fields = FIELDS
        widgets = {name: forms.Textarea(attrs={"rows": 5}) for name in FIELDS}


def contingency_of(plan: SupportPlan) -> ContingencyPlan | None:
    return ContingencyPlan.objects.filter(plan=plan).first()


@transaction.atomic
def save_contingency(plan: SupportPlan, by, **answers) -> ContingencyPlan:
    """Write the plan's contingency section; only someone who may change the plan can."""
    if not can_edit_plan(by, plan):
        raise PermissionDenied("Only the person and those with access to the plan can change it.")
    contingency, _ = ContingencyPlan.objects.select_for_update().get_or_create(plan=plan)
    for name in FIELDS:
        setattr(contingency, name, (answers.get(name) or "").strip())
    contingency.updated_by = by
    contingency.save()
    return contingency


@login_required
@require_http_methods(["GET", "POST"])
def plan_contingency(request, pk):
    action = "changed contingency plan" if request.method == "POST" else "viewed contingency plan"
    plan = get_plan_for(request.user, pk, action=action)
    form = ContingencyForm(
        request.POST if request.method == "POST" else None, instance=contingency_of(plan)
    )
    if request.method == "POST" and form.is_valid():
        save_contingency(plan, request.user, **form.cleaned_data)
        messages.success(request, "The contingency plan has been saved.")
        return redirect(reverse("matching:plan_detail", args=[plan.pk]) + "#contingency")
    context = _plan_context(request, plan)
    context["form"] = form
    return render(
        request, "matching/plan_contingency.html", context, status=400 if form.errors else 200
    )
