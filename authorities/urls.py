from django.urls import path

from . import views

app_name = "people"

urlpatterns = [
    path("", views.index, name="index"),
    path("add/", views.add, name="add"),
    path("<int:pk>/active/", views.activate, name="activate"),
    path("<int:pk>/link/", views.resend, name="resend"),
]
