"""R7: the searcher's training date is under the staff row's seal.

From here on `staff.seal` covers the training date too, as a fourth element when one is set
(records.staff_seals): a row without a date seals as before, so its seal still verifies. A row
that has a date (imported since 0012) still carries a seal of the three others; with the key at
hand (`kiosk db upgrade` passes it) each such row whose seal holds is sealed again with its date,
and a row whose seal did not hold stays as it was, still refused. Without the key they are left
alone: they no longer verify, `kiosk check` names them, and `kiosk staff set-pin` seals each.
The downgrade seals them again without the date, for the code that does not know of it.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Where records.database.upgrade leaves the school's key for migrations that need it.
_KEY_ATTRIBUTE = "school_key"


# Written out here rather than imported: an old migration never changes when the code does.
def _seal(key: bytes, fields: list[str | None]) -> str:
    subkey = hmac.new(key, b"kiosk:staff-seal", hashlib.sha256).digest()
    message = json.dumps(fields, separators=(",", ":")).encode("utf-8")
    return "hmac:" + hmac.new(subkey, message, hashlib.sha256).hexdigest()


def _reseal(*, with_date: bool) -> None:
    """Seal again each dated row whose seal holds in the other form."""
    config = op.get_context().config
    key = config.attributes.get(_KEY_ATTRIBUTE) if config is not None else None
    if not isinstance(key, bytes):
        return
    staff = sa.table(
        "staff",
        sa.column("id", sa.Integer()),
        sa.column("staff_id", sa.String()),
        sa.column("roles", sa.String()),
        sa.column("pin_hash", sa.String()),
        sa.column("seal", sa.String()),
        sa.column("search_trained_on", sa.Date()),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(staff).where(staff.c.seal.is_not(None), staff.c.search_trained_on.is_not(None))
    ).all()
    for row in rows:
        trained = row.search_trained_on
        day = trained.isoformat() if isinstance(trained, dt.date) else str(trained)
        three = _seal(key, [row.staff_id, row.roles, row.pin_hash])
        four = _seal(key, [row.staff_id, row.roles, row.pin_hash, day])
        old, new = (three, four) if with_date else (four, three)
        if hmac.compare_digest(row.seal, old):
            connection.execute(staff.update().where(staff.c.id == row.id).values(seal=new))


def upgrade() -> None:
    _reseal(with_date=True)


def downgrade() -> None:
    _reseal(with_date=False)
