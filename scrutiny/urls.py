from django.urls import include, path

from . import panel, views

app_name = "scrutiny"

# Below /a/<authority_slug>/q/<period_slug>/ (see config/urls.py).
quarter_patterns = [
    path("m/<str:code>/challenge/", views.edit, name="challenge_edit"),
    path("m/<str:code>/actions/", views.add_action, name="action_add"),
    path("challenge.csv", views.challenge_csv, name="challenge_csv"),
    path("actions.csv", views.actions_csv, name="actions_csv"),
    path("panel/new/", panel.new, name="recommendation_new"),
]
urlpatterns = [
    path("a/<slug:authority_slug>/q/<slug:period_slug>/", include(quarter_patterns)),
    path("actions/<int:pk>/", views.edit_action, name="action_edit"),
    path("a/<slug:authority_slug>/panel/", panel.panel, name="panel"),
    path("recommendations/<int:pk>/", panel.detail, name="recommendation"),
    path("recommendations/<int:pk>/decide/", panel.decide, name="recommendation_decide"),
    path("account/digest/", panel.digest_setting, name="digest_setting"),
]
