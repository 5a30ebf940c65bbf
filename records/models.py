"""Every table of the school's book in one import (and the metadata alembic migrates)."""

from __future__ import annotations

from records.amendments import MarkAmendmentRecord
from records.audit import AuditRecord
from records.base import Base, NaiveDatetimeError, UTCDateTime
from records.duty import StaffSignOnRecord
from records.mis_queue import MisWriteRecord
from records.morning import (
    PhoneHandinRecord,
    RefusalRecord,
    ScreeningRecord,
    SessionMarkRecord,
)
from records.outbox import NotificationRecord
from records.people import BadgeRecord, LearnerRecord, StaffRecord
from records.remote import HubSyncRecord, RemoteArrivalRecord, RemotePhoneSlotRecord
from records.safeguarding import FoundItemRecord, SearchRecord
from records.signouts import SignOutRecord
from records.visits import VisitEventRecord

metadata = Base.metadata

__all__ = [
    "AuditRecord",
    "BadgeRecord",
    "Base",
    "FoundItemRecord",
    "HubSyncRecord",
    "LearnerRecord",
    "MarkAmendmentRecord",
    "MisWriteRecord",
    "NaiveDatetimeError",
    "NotificationRecord",
    "PhoneHandinRecord",
    "RefusalRecord",
    "RemoteArrivalRecord",
    "RemotePhoneSlotRecord",
    "ScreeningRecord",
    "SearchRecord",
    "SessionMarkRecord",
    "SignOutRecord",
    "StaffRecord",
    "StaffSignOnRecord",
    "UTCDateTime",
    "VisitEventRecord",
    "metadata",
]
