from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from core.health import healthz
from core.views import accessibility

urlpatterns = [
    path("admin/", admin.site.urls),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", healthz, name="healthz"),
    path("accessibility/", accessibility, name="accessibility"),
    path("imports/", include("imports.urls")),
    path("", include("scrutiny.urls")),
    path("", include("reports.urls")),
]
