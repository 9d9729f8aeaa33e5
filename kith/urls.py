from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from accounts import data_views
from accounts import views as account_views
from cms import views as cms_views

# Nobody signs in with a password alone: the admin sites' own sign-in and
# password reset pages send people to allauth's, with its two-step code.
admin.site.login = account_views.admin_sign_in

urlpatterns = [
    path("admin/login/", account_views.admin_sign_in),
    re_path(r"^admin/password_reset/", account_views.admin_password_reset),
    path("django-admin/login/", account_views.admin_sign_in),
    path("admin/", include(wagtailadmin_urls)),
    path("django-admin/", admin.site.urls),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/", include("allauth.urls")),
    path("account/", include("accounts.urls")),
    path("directory/", include("directory.urls")),
    path("plan/", include("matching.urls")),
    path("marketplace/", include("marketplace.urls")),
    path("evidence/", include("evidence.urls")),
    path("api/v1/", include("kith.api_urls")),
    path("oruk/", include("directory.oruk.urls")),
    path("about/data/", cms_views.data_sources, name="data_sources"),
    path("contact/", cms_views.contact, name="contact"),
    path("favicon.ico", cms_views.favicon),
    path("privacy/", data_views.privacy, name="privacy"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [
    # Wagtail's sign-in for private pages is a password-only form too.
    path("_util/login/", account_views.admin_sign_in),
    path("", include(wagtail_urls)),
]
