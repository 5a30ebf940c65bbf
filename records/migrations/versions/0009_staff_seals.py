"""Staff seals: each member of staff's roles and PIN hash sealed to them with the school's key.

`staff.seal`: HMAC-SHA256 over (staff_id, roles, pin_hash) under the key's staff-seal subkey
(records.staff_seals). The rows already there are sealed as they are when the key is at hand
(`kiosk db upgrade` passes it, `records.database.upgrade(key_file=...)`); otherwise they stay
unsealed, `kiosk check` names them, and `kiosk staff set-pin` seals each.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

import hashlib
import hmac
import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Where records.database.upgrade leaves the school's key for migrations that need it.
_KEY_ATTRIBUTE = "school_key"


# Written out here rather than imported: an old migration never changes when the code does.
def _seal(key: bytes, staff_id: str, roles: str, pin_hash: str | None) -> str:
    subkey = hmac.new(key, b"kiosk:staff-seal", hashlib.sha256).digest()
    message = json.dumps([staff_id, roles, pin_hash], separators=(",", ":")).encode("utf-8")
    return "hmac:" + hmac.new(subkey, message, hashlib.sha256).hexdigest()


def upgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("seal", sa.String(), nullable=True))
    config = op.get_context().config
    key = config.attributes.get(_KEY_ATTRIBUTE) if config is not None else None
    if not isinstance(key, bytes):
        return
    connection = op.get_bind()
    staff = sa.table(
        "staff",
        sa.column("id", sa.Integer()),
        sa.column("staff_id", sa.String()),
        sa.column("roles", sa.String()),
        sa.column("pin_hash", sa.String()),
        sa.column("seal", sa.String()),
    )
    rows = connection.execute(
        sa.select(staff.c.id, staff.c.staff_id, staff.c.roles, staff.c.pin_hash)
    ).all()
    for row in rows:
        connection.execute(
            staff.update()
            .where(staff.c.id == row.id)
            .values(seal=_seal(key, row.staff_id, row.roles, row.pin_hash))
        )


def downgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("seal")
