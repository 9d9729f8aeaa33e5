"""PA job adverts and applications."""

from django.urls import path

from marketplace.adverts import views

urlpatterns = [
    path("pa-jobs/", views.advert_list, name="advert_list"),
    path("pa-jobs/new/", views.advert_new, name="advert_new"),
    path("pa-jobs/mine/", views.my_adverts, name="my_adverts"),
    path("pa-jobs/<int:pk>/", views.advert_detail, name="advert_detail"),
    path("pa-jobs/<int:pk>/apply/", views.advert_apply, name="advert_apply"),
    path("pa-jobs/<int:pk>/close/", views.advert_close, name="advert_close"),
    path("pa-jobs/applications/<int:pk>/", views.application_detail, name="application_detail"),
    path(
        "pa-jobs/applications/<int:pk>/status/",
        views.application_status,
        name="application_status",
    ),
    path("pa-jobs/applications/<int:pk>/reply/", views.application_reply, name="application_reply"),
]
