"""Reads one sheet of an xlsx workbook in a child process (see core.xlsx.read_upload).

Run as `python -I xlsx_child.py SHEET_INDEX MEMORY_BYTES CPU_SECONDS` with the workbook on
stdin; writes the rows as JSON on stdout. It sets its own resource limits first, so that a
workbook that makes the parser allocate or spin without end kills this process only, never
the web server or the job consumer that asked. It imports nothing of the project (the
interpreter runs isolated, -I), only python-calamine.
"""

import datetime
import io
import json
import resource
import sys


def _tagged(value):
    # JSON has no dates: tag them so that the parent gets the same Python values back.
    if isinstance(value, datetime.datetime):
        return {"t": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"d": value.isoformat()}
    if isinstance(value, datetime.time):
        return {"h": value.isoformat()}
    if isinstance(value, datetime.timedelta):
        return {"s": value.total_seconds()}
    return str(value)


def main() -> None:
    index, memory, cpu = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    data = sys.stdin.buffer.read()
    from python_calamine import CalamineWorkbook

    try:
        rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(index).to_python(skip_empty_area=False)
    except Exception as exc:  # noqa: BLE001 - any parser failure is reported by its class name
        sys.stdout.write(json.dumps({"error": exc.__class__.__name__}))
        return
    sys.stdout.write(json.dumps({"rows": rows}, default=_tagged, ensure_ascii=False))


if __name__ == "__main__":
    main()
