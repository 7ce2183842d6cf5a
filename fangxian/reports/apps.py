from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "fangxian.reports"
    label = "reports"
    verbose_name = _("Daily reports")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from fangxian.core.demo import register_demo
        from fangxian.web.home import register_tiles
        from fangxian.web.nav import NavItem, register

        from . import demo, tasks  # noqa: F401  (tasks registers the periodic jobs)
        from .home import report_tiles
        from .models import DailySummary, FormVersion, ReportAlert, ReportForm, Submission, SubmissionRevision, SummaryLock

        for model in (ReportForm, FormVersion, Submission, SubmissionRevision, DailySummary, SummaryLock, ReportAlert):
            auditlog.register(model)
        register(NavItem("reports", _("Daily reports"), "reports:index", "clipboard-check", group="reports", order=10))
        register(NavItem("report_summaries", _("Daily summaries"), "reports:summaries", "file-earmark-text", group="reports", order=20))
        register(NavItem("report_forms", _("Report forms"), "reports:forms", "ui-checks", group="reports", order=30))
        register_tiles(report_tiles, order=10)  # home: today's report first
        register_demo("reports", 40, demo.load)
        from .reminders import register_kind

        register_kind()  # report deadlines and their reminders run on fangxian.deadlines
        from .supervision import register_rules as register_supervision_rules

        register_supervision_rules()  # the supervision desk's daily derivation (fangxian.core.supervision)

        from . import personal

        personal.register()  # the app's personal fields (fangxian.core.personal)
