from django.urls import path

from . import views

app_name = "care"

urlpatterns = [
    path("", views.plan_list, name="list"),
    path("export/", views.plans_export, name="plans_export"),
    path("plans/new/", views.plan_new, name="plan_new"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/follow-up/", views.follow_up_new, name="follow_up_new"),
    path("plans/<int:pk>/end/", views.plan_end, name="plan_end"),
    path("follow-ups/<int:pk>/", views.follow_up_detail, name="follow_up"),
    path("help/", views.help_list, name="help_list"),
    path("help/<int:pk>/", views.help_detail, name="help"),
    path("help/<int:pk>/answer/", views.help_answer, name="help_answer"),
    path("ask/", views.ask, name="ask"),
    path("meals/", views.meals, name="meals"),
    path("canteens/", views.canteens, name="canteens"),
    path("canteens/export/", views.canteens_export, name="canteens_export"),
    path("canteens/<int:pk>/report/", views.canteen_report, name="canteen_report"),
    path("complaints/<int:pk>/answer/", views.complaint_answer, name="complaint_answer"),
    path("referrals/", views.referrals, name="referrals"),
    path("referrals/<int:pk>/", views.referral_detail, name="referral"),
]
