"""Writes for gate control, one module per job: policies, leaves, visits, vehicles, devices,
passes (issue and revoke), the pass decision (decisions, holders), recording a scan exactly
once (recording, confirmation, offline queues) and alerts. Everything public is
re-exported here: callers use `services.scan(...)` or `from fangxian.gates.services import x`."""

from ..deadlines import alert_overdue_leaves
from .alerts import raise_alert, send_alert
from .confirmation import CONFIRM_WINDOW, confirm_typed, confirmation_id
from .decisions import (
    ID_NUMBER_RE,
    MANUAL_METHODS,
    NUMBER_RE,
    VISIT_EARLY,
    Outcome,
    decide_person,
    decide_vehicle,
    decide_visit,
    evaluate_input,
    evaluate_pass,
    models_q_campus,
    to_verify,
)
from .devices import (
    DEVICE_CACHE_SECONDS,
    LAST_SEEN_RESOLUTION,
    DeviceAuthError,
    device_authenticate,
    device_issue,
    device_withdraw,
    forget_devices,
)
from .holders import PEOPLE_QUERYSETS, people_for_subjects
from .leaves import leave_apply, leave_cancel, leave_decide, may_decide
from .offline import MAX_SYNC_BATCH, SYNC_CLOCK_LEEWAY, offline_window, sync
from .passes import issue_personal_pass, issue_visit_pass, lift_revocation, revoke_passes, subject_of
from .policies import DEFAULT_RULES, default_rules, policy_publish
from .recording import TWO_GATES_WINDOW, outcome_of, parse_scan_id, record, scan
from .vehicles import vehicle_register, vehicle_withdraw
from .visits import visit_create, visit_decide

__all__ = [
    "policy_publish",
    "DEFAULT_RULES",
    "default_rules",
    "leave_apply",
    "may_decide",
    "leave_decide",
    "leave_cancel",
    "visit_create",
    "visit_decide",
    "vehicle_register",
    "vehicle_withdraw",
    "device_issue",
    "device_withdraw",
    "LAST_SEEN_RESOLUTION",
    "DeviceAuthError",
    "DEVICE_CACHE_SECONDS",
    "forget_devices",
    "device_authenticate",
    "revoke_passes",
    "lift_revocation",
    "subject_of",
    "issue_personal_pass",
    "issue_visit_pass",
    "PEOPLE_QUERYSETS",
    "people_for_subjects",
    "VISIT_EARLY",
    "ID_NUMBER_RE",
    "NUMBER_RE",
    "Outcome",
    "decide_person",
    "decide_visit",
    "decide_vehicle",
    "models_q_campus",
    "evaluate_pass",
    "MANUAL_METHODS",
    "to_verify",
    "evaluate_input",
    "TWO_GATES_WINDOW",
    "record",
    "outcome_of",
    "parse_scan_id",
    "scan",
    "CONFIRM_WINDOW",
    "confirmation_id",
    "confirm_typed",
    "MAX_SYNC_BATCH",
    "SYNC_CLOCK_LEEWAY",
    "sync",
    "offline_window",
    "raise_alert",
    "send_alert",
    "alert_overdue_leaves",
]
