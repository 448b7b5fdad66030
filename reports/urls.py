from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.home, name="home"),
    path("a/<slug:authority_slug>/q/<slug:period_slug>/", views.quarter, name="quarter"),
    path(
        "a/<slug:authority_slug>/q/<slug:period_slug>/export.csv",
        views.quarter_export,
        name="quarter_export",
    ),
]
