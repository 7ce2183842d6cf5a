"""The questions of a form version, as JSON, and the checks on answers.

    {"sections": [
      {"key": "headcount", "title": "在校学生人数", "zero": false,
       "fields": [{"key": "total", "label": "在校学生总数", "type": "integer", "required": true,
                   "min": 0, "prefill": "ledger.headcount.total"}, …],
       "sums": [{"total": "total", "parts": ["male", "female"]}]},
      {"key": "safety", "title": "安全稳定", "fields": […]}]}

Field types: integer, decimal, text, choice ("choices": [...]), yesno (answer and details;
details required when the answer is yes). A section with "zero" (default true) may be
reported as 无异常 (nothing unusual) in one tap instead of being filled in.
Answers are {section: {field: value}}; a yes/no answer is {"answer": bool, "details": str}.

A field may carry alert rules set by the office: "alerts": [{"op": ">", "value": 0}]. A
numeric field compares its figure (op one of > >= = != <= <); a yes/no field alerts on
{"op": "=", "value": true} (是); a choice field on {"op": "=" or "!=", "value": a choice}.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

FIELD_TYPES = ("integer", "decimal", "text", "choice", "yesno", "date")
ALERT_OPS = (">", ">=", "=", "!=", "<=", "<")
NUMERIC_TYPES = ("integer", "decimal")
KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_TEXT = 2000


def sections(schema: dict) -> list[dict]:
    return schema.get("sections", [])


def zero_allowed(section: dict) -> bool:
    return section.get("zero", True)


def numeric_fields(schema: dict) -> list[tuple[dict, dict]]:
    return [(s, f) for s in sections(schema) for f in s.get("fields", []) if f.get("type") in NUMERIC_TYPES]


def check_schema(schema: object) -> None:
    """Refuse a malformed definition with messages that say where."""
    errors: list[str] = []
    if not isinstance(schema, dict) or not isinstance(schema.get("sections"), list) or not schema["sections"]:
        raise ValidationError(_("The definition needs a list of sections."))
    section_keys: set[str] = set()
    for s_index, section in enumerate(schema["sections"], start=1):
        where = _("Section %(n)s") % {"n": s_index}
        if not isinstance(section, dict):
            errors.append(_("%(where)s is not an object.") % {"where": where})
            continue
        key = section.get("key", "")
        if not isinstance(key, str) or not KEY.match(key) or key in section_keys:
            errors.append(_("%(where)s: the key must be unique, lower-case letters, digits or _.") % {"where": where})
        section_keys.add(key)
        if not section.get("title"):
            errors.append(_("%(where)s needs a title.") % {"where": where})
        fields = section.get("fields")
        if not isinstance(fields, list) or not fields:
            errors.append(_("%(where)s needs at least one field.") % {"where": where})
            continue
        field_keys: dict[str, dict] = {}
        for f_index, field in enumerate(fields, start=1):
            f_where = _("%(where)s, field %(n)s") % {"where": where, "n": f_index}
            if not isinstance(field, dict):
                errors.append(_("%(where)s is not an object.") % {"where": f_where})
                continue
            f_key = field.get("key", "")
            if not isinstance(f_key, str) or not KEY.match(f_key) or f_key in field_keys:
                errors.append(_("%(where)s: the key must be unique, lower-case letters, digits or _.") % {"where": f_where})
            field_keys[f_key] = field
            if not field.get("label"):
                errors.append(_("%(where)s needs a label.") % {"where": f_where})
            if field.get("type") not in FIELD_TYPES:
                errors.append(_("%(where)s: the type must be one of %(types)s.") % {"where": f_where, "types": ", ".join(FIELD_TYPES)})
            if field.get("type") == "choice" and not (isinstance(field.get("choices"), list) and field["choices"]):
                errors.append(_("%(where)s: a choice needs its list of choices.") % {"where": f_where})
            errors.extend(_check_alerts(field, f_where))
        for rule in section.get("sums", []):
            names = [rule.get("total"), *rule.get("parts", [])]
            if len(names) < 3 or any(field_keys.get(n, {}).get("type") not in NUMERIC_TYPES for n in names):
                errors.append(_("%(where)s: a sum rule needs a total and at least two numeric parts of this section.") % {"where": where})
    if errors:
        raise ValidationError(errors)


def _check_alerts(field: dict, where: str) -> list[str]:
    rules = field.get("alerts", [])
    if not isinstance(rules, list):
        return [_("%(where)s: alerts must be a list of rules.") % {"where": where}]
    errors = []
    kind = field.get("type")
    for n, rule in enumerate(rules, start=1):
        r_where = _("%(where)s, alert rule %(n)s") % {"where": where, "n": n}
        op, value = (rule.get("op"), rule.get("value")) if isinstance(rule, dict) else (None, None)
        if op not in ALERT_OPS:
            errors.append(_("%(where)s: the comparison must be one of %(ops)s.") % {"where": r_where, "ops": " ".join(ALERT_OPS)})
        elif kind in NUMERIC_TYPES:
            if isinstance(value, bool) or not isinstance(value, int | float):
                errors.append(_("%(where)s: compare with a number.") % {"where": r_where})
        elif kind == "yesno":
            if op != "=" or not isinstance(value, bool):
                errors.append(_("%(where)s: a yes/no field alerts on = yes or = no.") % {"where": r_where})
        elif kind == "choice":
            if op not in ("=", "!=") or value not in field.get("choices", []):
                errors.append(_("%(where)s: a choice field alerts on = or != one of its choices.") % {"where": r_where})
        else:
            errors.append(_("%(where)s: only number, yes/no and choice fields can raise alerts.") % {"where": r_where})
    return errors


def _compare(op: str, left, right) -> bool:
    return {
        ">": left > right,
        ">=": left >= right,
        "=": left == right,
        "!=": left != right,
        "<=": left <= right,
        "<": left < right,
    }[op]


def rule_text(field: dict, rule: dict) -> str:
    """A rule as the office reads it: 阳性人数 > 0, 是否发生院感事件 = 是."""
    value = rule["value"]
    if isinstance(value, bool):
        value = _("yes") if value else _("no")
    return f"{field['label']} {rule['op']} {value}"


def triggered_alerts(schema: dict, answers: dict, zero: list[str]) -> list[tuple[dict, dict, object, dict]]:
    """(section, field, value, rule) of every alert rule the answers meet; the first rule
    met per field. Sections reported as nothing unusual meet none."""
    hits = []
    for section in sections(schema):
        if section["key"] in zero:
            continue
        values = answers.get(section["key"]) or {}
        for field in section.get("fields", []):
            value = values.get(field["key"])
            if value is None:
                continue
            compared = value.get("answer") if field.get("type") == "yesno" and isinstance(value, dict) else value
            for rule in field.get("alerts", []) or []:
                try:
                    met = _compare(rule["op"], compared, rule["value"])
                except (TypeError, KeyError):
                    met = False
                if met:
                    hits.append((section, field, value, rule))
                    break
    return hits


def _number_text(value: object) -> str:
    return unicodedata.normalize("NFKC", str(value)).strip().replace(",", "")


def _parse(field: dict, raw: object) -> object:
    """The typed value of one answer; ValueError with a message when it is not one."""
    kind = field["type"]
    if kind == "integer":
        if isinstance(raw, bool):
            raise ValueError(_("enter a whole number"))
        if isinstance(raw, int):
            value = raw
        elif isinstance(raw, float) and raw.is_integer():
            value = int(raw)
        else:
            text = _number_text(raw)
            if not re.fullmatch(r"[-+]?\d{1,12}", text):
                raise ValueError(_("enter a whole number"))
            value = int(text)
    elif kind == "decimal":
        if isinstance(raw, bool):
            raise ValueError(_("enter a number"))
        try:
            number = Decimal(_number_text(raw))
        except InvalidOperation:
            raise ValueError(_("enter a number"))
        if not number.is_finite():
            raise ValueError(_("enter a number"))
        value = float(round(number, 4))
    elif kind == "text":
        value = str(raw).strip()
        if len(value) > MAX_TEXT:
            raise ValueError(_("at most %(n)s characters") % {"n": MAX_TEXT})
        return value
    elif kind == "date":
        from datetime import date

        try:
            return date.fromisoformat(str(raw).strip()).isoformat()
        except ValueError:
            raise ValueError(_("enter a date as YYYY-MM-DD"))
    elif kind == "choice":
        value = str(raw).strip()
        if value not in field.get("choices", []):
            raise ValueError(_("choose one of %(choices)s") % {"choices": "、".join(field.get("choices", []))})
        return value
    else:  # yesno
        if not isinstance(raw, dict):
            raw = {"answer": raw}
        answer = raw.get("answer")
        if isinstance(answer, str):
            answer = {"yes": True, "true": True, "1": True, "是": True, "no": False, "false": False, "0": False, "否": False}.get(
                answer.strip().lower()
            )
        if not isinstance(answer, bool):
            raise ValueError(_("answer yes or no"))
        details = str(raw.get("details") or "").strip()[:MAX_TEXT]
        if answer and not details:
            raise ValueError(_("describe the details when the answer is yes"))
        return {"answer": answer, "details": details if answer else ""}
    if "min" in field and value < field["min"]:
        raise ValueError(_("must not be less than %(min)s") % {"min": field["min"]})
    if "max" in field and value > field["max"]:
        raise ValueError(_("must not be more than %(max)s") % {"max": field["max"]})
    return value


def _empty(raw: object) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    if isinstance(raw, dict):
        return raw.get("answer") in (None, "")
    return False


def clean_answers(
    schema: dict,
    data: dict,
    *,
    zero_sections: list[str],
    prefill: dict[str, dict[str, int]] | None = None,
    reasons: dict[str, str] | None = None,
    require: bool = True,
) -> tuple[dict, list[str], dict[str, str]]:
    """Check answers against the schema. Returns (answers, zero sections, reasons) cleaned;
    raises ValidationError {"section.field": [message]} naming the section and field.
    `require=False` (a draft) skips required fields and sum rules but still refuses bad values."""
    prefill = prefill or {}
    reasons = {k: str(v).strip() for k, v in (reasons or {}).items() if str(v or "").strip()}
    data = data if isinstance(data, dict) else {}
    errors: dict[str, list[str]] = {}
    known = {s["key"]: s for s in sections(schema)}
    zero = []
    for key in zero_sections or []:
        section = known.get(key)
        if section is None:
            errors.setdefault("__all__", []).append(_("There is no section %(key)s.") % {"key": key})
        elif not zero_allowed(section):
            errors.setdefault(key, []).append(
                _("%(section)s must be filled in; it cannot be reported as nothing unusual.") % {"section": section["title"]}
            )
        elif key not in zero:
            zero.append(key)
    answers: dict[str, dict] = {}
    kept_reasons: dict[str, str] = {}
    for section in sections(schema):
        if section["key"] in zero:
            continue
        given = data.get(section["key"]) or {}
        if not isinstance(given, dict):
            given = {}
        values: dict[str, object] = {}
        for field in section["fields"]:
            path = f"{section['key']}.{field['key']}"
            label = {"section": section["title"], "field": field["label"]}
            raw = given.get(field["key"])
            if _empty(raw):
                if require and field.get("required"):
                    errors.setdefault(path, []).append(_("%(section)s / %(field)s: this answer is required.") % label)
                values[field["key"]] = None
                continue
            try:
                values[field["key"]] = _parse(field, raw)
            except ValueError as exc:
                errors.setdefault(path, []).append(_("%(section)s / %(field)s: %(problem)s.") % {**label, "problem": exc})
                continue
            expected = prefill.get(section["key"], {}).get(field["key"])
            if expected is not None and values[field["key"]] != expected:
                if path in reasons:
                    kept_reasons[path] = reasons[path][:500]
                else:
                    errors.setdefault(path, []).append(
                        _("%(section)s / %(field)s: %(value)s differs from the ledger figure %(expected)s; say why.")
                        % {**label, "value": values[field["key"]], "expected": expected}
                    )
        if require:
            for rule in section.get("sums", []):
                total, parts = values.get(rule["total"]), [values.get(p) for p in rule["parts"]]
                if (
                    total is None
                    or any(p is None for p in parts)
                    or any(f"{section['key']}.{n}" in errors for n in [rule["total"], *rule["parts"]])
                ):
                    continue
                if abs(sum(parts) - total) > 1e-9:
                    names = {f["key"]: f["label"] for f in section["fields"]}
                    errors.setdefault(f"{section['key']}.{rule['total']}", []).append(
                        _("%(section)s: %(parts)s add up to %(sum)s, not the total %(total)s.")
                        % {
                            "section": section["title"],
                            "parts": " + ".join(names[p] for p in rule["parts"]),
                            "sum": sum(parts),
                            "total": total,
                        }
                    )
        answers[section["key"]] = values
    if errors:
        raise ValidationError(errors)
    return answers, zero, kept_reasons


def is_zero_report(schema: dict, zero: list[str]) -> bool:
    """A zero report: every section that may be reported as nothing unusual is."""
    zero_able = [s["key"] for s in sections(schema) if zero_allowed(s)]
    return bool(zero_able) and all(key in zero for key in zero_able)


def notable_items(schema: dict, answers: dict, zero: list[str]) -> list[tuple[str, str, str]]:
    """(section title, field label, text) for what a summary should mention: text answers
    and yes-answers of sections that were not reported as nothing unusual."""
    items = []
    for section in sections(schema):
        if section["key"] in zero:
            continue
        values = answers.get(section["key"]) or {}
        for field in section["fields"]:
            value = values.get(field["key"])
            if field["type"] == "text" and value:
                items.append((section["title"], field["label"], value))
            elif field["type"] == "yesno" and isinstance(value, dict) and value.get("answer"):
                items.append((section["title"], field["label"], value.get("details", "")))
            elif field["type"] == "choice" and value and value != (field.get("choices") or [None])[0]:
                items.append((section["title"], field["label"], value))
    return items
