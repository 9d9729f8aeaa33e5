from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def my_plan(request):
    return render(request, "matching/my_plan.html")
