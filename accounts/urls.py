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
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notifications_mark_read, name="notifications_mark_read"),
    path(
        "notifications/preferences/",
        views.notification_preferences,
        name="notification_preferences",
    ),
]
