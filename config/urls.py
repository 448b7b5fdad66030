from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy

from core.forms import NewPasswordForm, SignInForm
from core.health import healthz
from core.views import accessibility

urlpatterns = [
    path("admin/", admin.site.urls),
    path("login/", auth_views.LoginView.as_view(authentication_form=SignInForm), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Setting a password from the link a new person (or a forgetful one) is emailed.
    path(
        "set-password/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="registration/set_password.html",
            form_class=NewPasswordForm,
            success_url=reverse_lazy("set_password_done"),
        ),
        name="set_password",
    ),
    path(
        "set-password/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/set_password_done.html"
        ),
        name="set_password_done",
    ),
    path("people/", include("authorities.urls")),
    path("healthz", healthz, name="healthz"),
    path("accessibility/", accessibility, name="accessibility"),
    path("imports/", include("imports.urls")),
    path("", include("scrutiny.urls")),
    path("", include("reports.urls")),
]
