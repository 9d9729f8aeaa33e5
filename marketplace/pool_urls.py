"""Pool pages, included by ``marketplace.urls`` at /marketplace/pools/.

No ``app_name`` here: the include sits inside the "marketplace" namespace
already, so these are reversed as ``marketplace:pool_list`` and so on.
"""

from django.urls import path

from marketplace import pool_views

urlpatterns = [
    path("", pool_views.pool_list, name="pool_list"),
    path("mine/", pool_views.my_pools, name="my_pools"),
    path("new/<int:listing_id>/", pool_views.pool_new, name="pool_new"),
    path("<int:pk>/", pool_views.pool_detail, name="pool_detail"),
    path("<int:pk>/join/", pool_views.pool_join, name="pool_join"),
    path("<int:pk>/pledges/<int:pledge_id>/leave/", pool_views.pool_leave, name="pool_leave"),
    path("<int:pk>/open/", pool_views.pool_publish, name="pool_publish"),
    path("<int:pk>/cancel/", pool_views.pool_cancel, name="pool_cancel"),
    path("<int:pk>/delivered/", pool_views.pool_deliver, name="pool_deliver"),
]
