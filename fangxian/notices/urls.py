from django.urls import path

from . import views

app_name = "notices"

urlpatterns = [
    path("", views.notice_list, name="list"),
    path("new/", views.notice_new, name="new"),
    path("mine/", views.my_notices, name="mine"),
    path("<int:pk>/", views.notice_detail, name="detail"),
    path("<int:pk>/edit/", views.notice_edit, name="edit"),
    path("<int:pk>/publish/", views.notice_publish, name="publish"),
    path("<int:pk>/withdraw/", views.notice_withdraw, name="withdraw"),
    path("<int:pk>/delete/", views.notice_delete, name="delete"),
    path("<int:pk>/changes/", views.notice_diff, name="diff"),
    path("<int:pk>/unread/", views.notice_unread, name="unread"),
    path("<int:pk>/renotify/", views.notice_renotify, name="renotify"),
    path("<int:pk>/read/", views.notice_read, name="read"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("public/", views.public_list, name="public_list"),
    path("public/<int:pk>/", views.public_detail, name="public_detail"),
    path("public/attachments/<int:pk>/", views.public_attachment, name="public_attachment"),
]
