from django.urls import path

from . import views

app_name = "notify"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("read/", views.mark_read, name="mark_read"),
]
