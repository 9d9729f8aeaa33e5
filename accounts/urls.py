from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.my_account, name="my_account"),
    path("representatives/invite/", views.invite_representative, name="invite_representative"),
    path("representatives/<int:pk>/end/", views.end_representation, name="end_representation"),
    path(
        "representatives/invitation/<str:token>/",
        views.representation_invitation,
        name="representation_invitation",
    ),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
]
