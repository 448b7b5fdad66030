from django.urls import include, path

from .views import authority, briefing, compare, edit, measure, quarter

app_name = "reports"

# Below /a/<authority_slug>/q/<period_slug>/.
quarter_patterns = [
    path("", quarter.quarter, name="quarter"),
    path("export.csv", quarter.quarter_export, name="quarter_export"),
    path("publish/", quarter.publish_quarter, name="publish"),
    path("briefing.pdf", briefing.quarter_pdf, name="briefing_pdf"),
    path("presented/<int:pk>/paper.pdf", briefing.presented_paper, name="presented_paper"),
    # A measure as it stood at the quarter's end: what the quarter page links to.
    path("m/<str:code>/", measure.measure, name="quarter_measure"),
]
# Below /a/<authority_slug>/.
authority_patterns = [
    path("", authority.authority, name="authority"),
    path("m/<str:code>/", measure.measure, name="measure"),
    path("m/<str:code>/correct/<slug:period_slug>/", edit.correct, name="correct"),
    path("m/<str:code>/target/<slug:year_slug>/", edit.set_target, name="target"),
    path("q/<slug:period_slug>/", include(quarter_patterns)),
    path("y/<slug:period_slug>/briefing/", briefing.request_year, name="briefing_year"),
]
urlpatterns = [
    path("", quarter.home, name="home"),
    path("switch/", quarter.switch, name="switch"),
    path("a/<slug:authority_slug>/", include(authority_patterns)),
    path("compare/<str:code>/<slug:period_slug>/", compare.compare, name="compare"),
    path("briefings/<int:pk>/", briefing.detail, name="briefing"),
    path("briefings/<int:pk>/download/", briefing.download, name="briefing_download"),
]
