from django.urls import path

from accounts import data_views, views

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
    path("data/", data_views.my_data, name="my_data"),
    path("data/download/", data_views.download_data, name="download_data"),
    path("delete/", data_views.delete_account, name="delete_account"),
    path("deleted/", data_views.account_deleted, name="account_deleted"),
]
