from django.urls import path

from . import views

app_name = "deadlines"

urlpatterns = [
    path("overdue/", views.overdue_list, name="overdue"),
]
