"""The budget holder's "My plan" pages, under /plan/ (names: ``matching:<name>``)."""

from django.urls import path

from matching import contingency, views

urlpatterns = [
    path("", views.my_plan, name="my_plan"),
    path("start/", views.start_plan, name="start_plan"),
    path("<int:pk>/", views.plan_detail, name="plan_detail"),
    path("<int:pk>/stage/", views.plan_stage, name="plan_stage"),
    path("<int:pk>/brokerage/", views.plan_brokerage, name="plan_brokerage"),
    path("<int:pk>/details/", views.plan_details, name="plan_details"),
    path("<int:pk>/contingency/", contingency.plan_contingency, name="plan_contingency"),
    path("<int:pk>/goals/new/", views.goal_new, name="goal_new"),
    path("<int:pk>/goals/<int:goal_pk>/edit/", views.goal_edit, name="goal_edit"),
    path("<int:pk>/goals/<int:goal_pk>/delete/", views.goal_delete, name="goal_delete"),
    path(
        "<int:pk>/goals/<int:goal_pk>/suggestions/",
        views.goal_suggestions,
        name="goal_suggestions",
    ),
    path(
        "<int:pk>/goals/<int:goal_pk>/suggestions/save/",
        views.save_suggestion,
        name="save_suggestion",
    ),
]
