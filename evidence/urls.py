from django.urls import path

from evidence import views

app_name = "evidence"

urlpatterns = [
    path("", views.demand, name="demand"),
    path("plans-and-spend/", views.pilot, name="pilot"),
    path("tables/<slug:key>.csv", views.table_csv, name="csv"),
    path("commissioners/invite/", views.invite, name="invite"),
    path("plans/<int:plan_pk>/review/", views.outcome_review, name="outcome_review"),
]
