from django.urls import path

from .views import editing, onpost, pings, rosters, swaps

app_name = "duty"

urlpatterns = [
    path("", rosters.roster_list, name="list"),
    path("rosters/<int:pk>/", rosters.roster_detail, name="roster"),
    path("rosters/<int:pk>/fill/", editing.roster_fill, name="roster_fill"),
    path("rosters/<int:pk>/post/", editing.post_add, name="post_add"),
    path("rosters/<int:pk>/import/", editing.roster_import, name="roster_import"),
    path("rosters/<int:pk>/export.xlsx", editing.roster_export, name="roster_export"),
    path("rosters/<int:pk>/print.docx", editing.roster_print, name="roster_print"),
    path("posts/<int:pk>/remove/", editing.post_remove, name="post_remove"),
    path("posts/<int:pk>/check-in/", onpost.check_in, name="check_in"),
    path("posts/<int:pk>/check-out/", onpost.check_out, name="check_out"),
    path("units/<int:unit_id>/roster/", rosters.roster_settings, name="roster_settings"),
    path("mine/", onpost.mine, name="mine"),
    path("log/", onpost.duty_log, name="log"),
    path("on-post/", onpost.on_post, name="on_post"),
    path("gaps/", onpost.gaps, name="gaps"),
    path("pings/", pings.pings, name="pings"),
    path("pings/send/", pings.ping_send, name="ping_send"),
    path("pings/schedule/", pings.ping_schedule, name="ping_schedule"),
    path("pings/<int:pk>/", pings.ping_detail, name="ping"),
    path("pings/answer/<int:pk>/", pings.ping_answer, name="ping_answer"),
    path("p/<str:token>/", pings.ping_link, name="ping_link"),
    path("reachability/", pings.reachability, name="reachability"),
    path("swaps/", swaps.swaps, name="swaps"),
    path("swaps/<int:pk>/", swaps.swap_act, name="swap_act"),
    path("leave/", swaps.leave, name="leave"),
    path("leave/<int:pk>/decide/", swaps.leave_decide, name="leave_decide"),
]
