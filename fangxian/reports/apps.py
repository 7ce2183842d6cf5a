from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "fangxian.reports"
    label = "reports"
    verbose_name = _("Daily reports")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from fangxian.accounts.roles import Role
        from fangxian.core.demo import register_demo
        from fangxian.web.home import register_tiles
        from fangxian.web.nav import NavItem, register

        from . import demo, tasks  # noqa: F401  (tasks registers the periodic jobs)
        from .models import DailySummary, FormVersion, ReportAlert, ReportForm, Submission, SubmissionRevision, SummaryLock
        from .views import report_tiles

        for model in (ReportForm, FormVersion, Submission, SubmissionRevision, DailySummary, SummaryLock, ReportAlert):
            auditlog.register(model)
        register(
            NavItem(
                "reports",
                _("Daily reports"),
                "reports:index",
                "clipboard-check",
                roles={Role.PREVENTION_OFFICE, Role.LEADER, Role.DISCIPLINE, Role.COLLEGE_ADMIN},
                order=30,
            )
        )
        register_tiles(report_tiles)
        register_demo("reports", 40, demo.load)
        from .reminders import register_kind

        register_kind()  # report deadlines and their reminders run on fangxian.deadlines
