"""Pool pages, included by ``marketplace.urls`` at /marketplace/pools/.

No ``app_name`` here: the include sits inside the "marketplace" namespace
already, so these are reversed as ``marketplace:pool_list`` and so on.
"""

from django.urls import path

from marketplace.pools import views

urlpatterns = [
    path("", views.pool_list, name="pool_list"),
    path("mine/", views.my_pools, name="my_pools"),
    path("new/<int:listing_id>/", views.pool_new, name="pool_new"),
    path("<int:pk>/", views.pool_detail, name="pool_detail"),
    path("<int:pk>/join/", views.pool_join, name="pool_join"),
    path("<int:pk>/pledges/<int:pledge_id>/leave/", views.pool_leave, name="pool_leave"),
    path("<int:pk>/open/", views.pool_publish, name="pool_publish"),
    path("<int:pk>/cancel/", views.pool_cancel, name="pool_cancel"),
    path("<int:pk>/delivered/", views.pool_deliver, name="pool_deliver"),
]
