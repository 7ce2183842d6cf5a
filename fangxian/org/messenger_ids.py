"""WeCom and DingTalk user ids of people, written by the student and staff imports.

Kept apart from the imports package: the importers only declare the two columns and call
`write_messenger_ids` after their own write. An empty cell keeps the id already stored, so
files without these columns change nothing."""

from __future__ import annotations

from fangxian.core.importing import Column

COLUMNS = [
    Column(
        "wecom_userid",
        "企业微信账号",
        max_length=64,
        aliases=("企业微信userid", "企业微信ID"),
        help="企业微信通讯录中的 UserID；空着表示不变。",
    ),
    Column("dingtalk_userid", "钉钉账号", max_length=64, aliases=("钉钉userid", "钉钉ID"), help="钉钉通讯录中的 userid；空着表示不变。"),
]


def write_messenger_ids(model, number_field: str, institution_id: int, rows) -> int:
    """Store the non-empty ids of the file's rows on the people with those numbers."""
    wanted = {}
    for row in rows:
        ids = {key: str(row.values.get(key) or "").strip() for key in ("wecom_userid", "dingtalk_userid")}
        ids = {key: value for key, value in ids.items() if value}
        if ids:
            wanted[str(row[number_field])] = ids
    if not wanted:
        return 0
    people = list(model.objects.filter(institution_id=institution_id, **{f"{number_field}__in": list(wanted)}))
    for person in people:
        for key, value in wanted[getattr(person, number_field)].items():
            setattr(person, key, value)
    model.objects.bulk_update(people, ["wecom_userid", "dingtalk_userid"], batch_size=1000)
    return len(people)
