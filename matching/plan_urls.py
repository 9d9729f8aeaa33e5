from django.urls import path

from matching import views

urlpatterns = [
    path("", views.my_plan, name="my_plan"),
]
