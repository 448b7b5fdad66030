from django.urls import path

from . import views, views_briefing, views_challenge, views_imports, views_measures

app_name = "reports"
urlpatterns = [
    path("", views.home, name="home"),
    path("switch/", views.switch, name="switch"),
    path("accessibility/", views_measures.accessibility, name="accessibility"),
    path("a/<slug:authority_slug>/", views_measures.authority, name="authority"),
    path("a/<slug:authority_slug>/m/<str:code>/", views_measures.measure, name="measure"),
    path("compare/<str:code>/<slug:period_slug>/", views_measures.compare, name="compare"),
    path(
        "a/<slug:authority_slug>/q/<slug:period_slug>/m/<str:code>/challenge/",
        views_challenge.edit,
        name="challenge_edit",
    ),
    path(
        "a/<slug:authority_slug>/q/<slug:period_slug>/m/<str:code>/actions/",
        views_challenge.add_action,
        name="action_add",
    ),
    path("actions/<int:pk>/", views_challenge.edit_action, name="action_edit"),
    path(
        "a/<slug:authority_slug>/q/<slug:period_slug>/publish/",
        views_challenge.publish_quarter,
        name="publish",
    ),
    path(
        "a/<slug:authority_slug>/q/<slug:period_slug>/challenge.csv",
        views_challenge.challenge_csv,
        name="challenge_csv",
    ),
    path(
        "a/<slug:authority_slug>/q/<slug:period_slug>/actions.csv",
        views_challenge.actions_csv,
        name="actions_csv",
    ),
    path("a/<slug:authority_slug>/q/<slug:period_slug>/", views.quarter, name="quarter"),
    path(
        "a/<slug:authority_slug>/q/<slug:period_slug>/export.csv",
        views.quarter_export,
        name="quarter_export",
    ),
    path("imports/", views_imports.history, name="import_history"),
    path("imports/upload/", views_imports.upload, name="import_upload"),
    path("imports/<int:pk>/", views_imports.detail, name="import_detail"),
    path("imports/<int:pk>/confirm/", views_imports.confirm, name="import_confirm"),
    path("imports/<int:pk>/cancel/", views_imports.cancel, name="import_cancel"),
    path("imports/<int:pk>/problems.csv", views_imports.problems_csv, name="import_problems"),
    path("imports/template/<slug:kind>.csv", views_imports.template_csv, name="import_template"),
    path(
        "a/<slug:authority_slug>/q/<slug:period_slug>/briefing.pdf",
        views_briefing.quarter_pdf,
        name="briefing_pdf",
    ),
    path(
        "a/<slug:authority_slug>/y/<slug:period_slug>/briefing/",
        views_briefing.request_year,
        name="briefing_year",
    ),
    path("briefings/<int:pk>/", views_briefing.detail, name="briefing"),
    path("briefings/<int:pk>/download/", views_briefing.download, name="briefing_download"),
]
