"""Practitioners' tools, and the shortlist and access-log pages the person reads.

Mounted at /plan/practitioner/.
"""

from django.urls import path, re_path

from matching import practitioner_views as views

urlpatterns = [
    path("", views.practitioner_home, name="practitioner_home"),
    path("plans/<int:pk>/", views.practitioner_plan, name="practitioner_plan"),
    re_path(
        r"^invitations/(?P<pk>[0-9]+)/(?P<answer>accept|decline)/$",
        views.practitioner_invitation,
        name="practitioner_invitation",
    ),
    path(
        "plans/<int:pk>/goals/<int:goal_pk>/options/",
        views.goal_options,
        name="practitioner_goal_options",
    ),
    path("plans/<int:pk>/search/", views.practitioner_search, name="practitioner_search"),
    path("plans/<int:pk>/shortlist/add/", views.shortlist_add, name="shortlist_add"),
    path("plans/<int:pk>/brokerage/", views.brokerage_route, name="practitioner_brokerage"),
    path("shortlists/<int:pk>/", views.shortlist_detail, name="shortlist_detail"),
    path("shortlists/<int:pk>/share/", views.shortlist_share, name="shortlist_share"),
    path(
        "shortlists/<int:pk>/items/<int:item_pk>/remove/",
        views.shortlist_item_remove,
        name="shortlist_item_remove",
    ),
    path(
        "shortlists/<int:pk>/items/<int:item_pk>/accept/",
        views.shortlist_item_accept,
        name="shortlist_item_accept",
    ),
    path("access-log/<int:plan_pk>/", views.access_log, name="access_log"),
]
