"""Times are stored in UTC; people think in their centre's local days.

A trainer in Shanghai who filters "1 to 15 March" means local days, and a result
taken at 07:30 local time belongs to that local day, not to the previous UTC one.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Asia/Shanghai"


def day_range(since: date | None, until: date | None, tz: ZoneInfo) -> tuple[str | None, str | None]:
    """Inclusive local days -> [start, end) as UTC ISO strings comparable with stored times."""
    start = end = None
    if since:
        start = _utc_iso(datetime.combine(since, time.min, tz))
    if until:
        end = _utc_iso(datetime.combine(until + timedelta(days=1), time.min, tz))
    return start, end


def local(stamp: str, tz: ZoneInfo) -> datetime:
    return datetime.fromisoformat(stamp).astimezone(tz)


def local_date(stamp: str | None, tz: ZoneInfo) -> str:
    return local(stamp, tz).date().isoformat() if stamp else ""


def _utc_iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")
