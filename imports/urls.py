from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.history, name="history"),
    path("upload/", views.upload, name="upload"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/confirm/", views.confirm, name="confirm"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/problems.csv", views.problems_csv, name="problems"),
    path("template/<slug:kind>.csv", views.template_csv, name="template"),
]
