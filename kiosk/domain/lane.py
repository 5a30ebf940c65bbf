"""The lane: every learner in flight from the badge to the door, and what each event does.

The lane's state is an immutable value; `step(lane, event, now, policy)` returns the next state
and the effects to carry out (what to record, what the learner is told, which lights, which
learner staff must see). Nothing here reads the clock, the database or the hardware, so a whole
morning can be replayed from its recorded events and every sequence tested as a table.

Order through the arch: learners join the arch queue when their phone step is done, and are
called forward in that order; the arch's passage or alarm belongs to the learner at the head.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from kiosk.domain.attendance import RefusalKind, Session
from kiosk.domain.phones import PhonePolicy
from kiosk.domain.station import NextStep, Progress, RefusalPolicy, Step, next_step

# --- the policy the lane runs under -----------------------------------------------------------


@dataclass(frozen=True)
class LanePolicy:
    phone: PhonePolicy = PhonePolicy.REQUIRED
    on_refusal: RefusalPolicy = RefusalPolicy.DENY
    # The numbered slots the kiosk hands out; empty: staff write the slot by hand.
    slots: tuple[str, ...] = ()
    # The arch reports a clean passage (its pass line, or a beam at its exit). Without one,
    # staff confirm each clear walk-through with one touch.
    arch_passage: bool = True
    # A learner still at the phone step, or waiting at the arch, this long is shown to staff.
    phone_wait: timedelta = timedelta(seconds=90)
    arch_wait: timedelta = timedelta(seconds=60)


def parse_slots(text: str) -> tuple[str, ...]:
    """`"1-120"`, `"1-60, 101-160"` or `"A1, A2"` as the slots in the order they are handed out."""
    slots: list[str] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        low, dash, high = part.partition("-")
        if dash and low.strip().isdigit() and high.strip().isdigit():
            first, last = int(low), int(high)
            if last < first:
                raise ValueError(f"the range {part!r} runs backwards")
            slots.extend(str(n) for n in range(first, last + 1))
        else:
            slots.append(part)
    if len(set(slots)) != len(slots):
        raise ValueError("a slot is listed twice")
    return tuple(slots)


# --- who is in the lane ------------------------------------------------------------------------


class Need(StrEnum):
    """Why staff must see a learner. Only BLOCKING needs stop the learner reaching the door."""

    ALARM = "alarm"  # the arch alarmed: a wand check or a search
    REFUSED = "refused"  # refused: confirm the refusal (or search, by policy)
    NO_PHONE = "no phone"  # waited at the phone step: no phone, or the station missed it
    ARCH = "arch"  # no passage signal: staff confirm the walk-through
    WAITING = "waiting"  # waited at the arch longer than the policy allows
    ADMIT = "admit"  # searched: staff admit or refuse
    LATE = "late"  # late: a reason may be given (does not hold the learner back)


BLOCKING = frozenset({Need.ALARM, Need.REFUSED})


@dataclass(frozen=True)
class InFlight:
    """One learner in the lane and how far they have got."""

    learner_id: int
    first_name: str
    arrived_at: datetime
    late: bool
    selected: bool  # chosen for screening (everyone, or by chance)
    slot: str = ""  # the slot the kiosk gave them, if any
    phone_done: bool = False
    screening: str | None = None  # "clear" | "alarm"
    search_done: bool = False
    refusing: bool = False  # said no at the arch; staff confirm or search
    late_reason: str = ""
    since: datetime | None = None  # when they reached their current step

    def progress(self) -> Progress:
        return Progress(
            phone_done=self.phone_done,
            selected_for_screening=self.selected,
            screening_result=self.screening,
            search_done=self.search_done,
        )


@dataclass(frozen=True)
class Unattributed:
    """An arch alarm with nobody at the head of the arch: staff decide."""

    at: datetime
    zone: str | None


@dataclass(frozen=True)
class Lane:
    """The morning so far for one session; a new session starts empty."""

    day: date | None = None
    session: Session | None = None
    learners: tuple[InFlight, ...] = ()
    arch: tuple[int, ...] = ()  # learner ids called to the arch, head first
    slots_in_use: frozenset[str] = frozenset()
    done: tuple[tuple[int, str], ...] = ()  # (learner id, "admitted" | "refused"), in order
    alarms: tuple[Unattributed, ...] = ()

    def find(self, learner_id: int) -> InFlight | None:
        return next((x for x in self.learners if x.learner_id == learner_id), None)

    def outcome_of(self, learner_id: int) -> str | None:
        return next((what for who, what in self.done if who == learner_id), None)

    def needs(self, learner: InFlight, now: datetime, policy: LanePolicy) -> tuple[Need, ...]:
        """What staff must do for this learner now, most urgent first."""
        needs: list[Need] = []
        if learner.refusing:
            needs.append(Need.REFUSED)
        step = _next(learner, policy).step
        if step is Step.SEARCH:
            needs.append(Need.ALARM)
        elif learner.search_done:
            needs.append(Need.ADMIT)
        since = learner.since or learner.arrived_at
        if step is Step.PHONE and now - since >= policy.phone_wait:
            needs.append(Need.NO_PHONE)
        if step is Step.SCREENING and learner.learner_id in self.arch:
            if not policy.arch_passage and self.arch[0] == learner.learner_id:
                needs.append(Need.ARCH)
            elif now - since >= policy.arch_wait:
                needs.append(Need.WAITING)
        if learner.late and not learner.late_reason:
            needs.append(Need.LATE)
        return tuple(needs)


# --- events: past-tense facts, each with its time -----------------------------------------------


@dataclass(frozen=True)
class EntryTapped:
    at: datetime
    learner_id: int
    first_name: str
    late: bool
    selected: bool  # the screening draw, made by the caller so a replay gives the same answer
    # Slots holding phones at other doors sharing this door's phone store, as last heard when
    # the learner tapped: never handed out here. Recorded with the tap so a replay agrees.
    taken_elsewhere: tuple[str, ...] = ()
    # The learner's phone was handed in earlier today (the morning's, in the afternoon): a
    # phone is handed in once a day, so the phone step is done already.
    phone_in_today: bool = False


@dataclass(frozen=True)
class PhoneStationTapped:
    at: datetime
    learner_id: int


@dataclass(frozen=True)
class PhoneTaken:
    """Staff recorded the phone (into `slot`), or that the learner has none."""

    at: datetime
    learner_id: int
    slot: str = ""
    no_phone: bool = False
    # Slots holding phones at doors sharing this door's phone store, as last heard (see
    # EntryTapped): a slot staff choose by hand is checked against them too.
    taken_elsewhere: tuple[str, ...] = ()


@dataclass(frozen=True)
class ArchPassed:
    at: datetime
    # The arch's alarm contact was still open as they walked through (an alarm not yet over,
    # or a cut cable): the passage clears nobody.
    alarming: bool = False


@dataclass(frozen=True)
class ArchAlarmed:
    at: datetime
    zone: str | None = None


@dataclass(frozen=True)
class ArchConfirmed:
    """Staff saw the learner walk through (an arch with no passage signal), clear or alarming."""

    at: datetime
    learner_id: int
    clear: bool = True


@dataclass(frozen=True)
class WandChecked:
    at: datetime
    learner_id: int
    clear: bool


@dataclass(frozen=True)
class SearchRecorded:
    at: datetime
    learner_id: int


@dataclass(frozen=True)
class RefusalStated:
    """The learner refuses screening (or, after an alarm, a search)."""

    at: datetime
    learner_id: int


@dataclass(frozen=True)
class RefusalConfirmed:
    at: datetime
    learner_id: int
    note: str = ""


@dataclass(frozen=True)
class InfluenceSuspected:
    """Staff suspect the learner is under the influence (R28): not admitted, kept apart from
    other learners until a parent or carer collects them. `dsl_told`: the member of staff says
    they told the designated safeguarding lead themselves."""

    at: datetime
    learner_id: int
    note: str = ""
    dsl_told: bool = False


@dataclass(frozen=True)
class StaffAdmitted:
    at: datetime
    learner_id: int


@dataclass(frozen=True)
class SentBack:
    """Staff send the learner through the arch again (keys out of a pocket, say)."""

    at: datetime
    learner_id: int


@dataclass(frozen=True)
class LateReasonGiven:
    at: datetime
    learner_id: int
    reason: str


@dataclass(frozen=True)
class AlarmDismissed:
    """Staff dealt with an alarm that belonged to nobody in the lane."""

    at: datetime


@dataclass(frozen=True)
class Tick:
    """Time passed: learners who have waited too long come to staff's attention."""

    at: datetime


Event = (
    EntryTapped
    | PhoneStationTapped
    | PhoneTaken
    | ArchPassed
    | ArchAlarmed
    | ArchConfirmed
    | WandChecked
    | SearchRecorded
    | RefusalStated
    | RefusalConfirmed
    | InfluenceSuspected
    | StaffAdmitted
    | SentBack
    | LateReasonGiven
    | AlarmDismissed
    | Tick
)


# --- effects: what the station does about it ----------------------------------------------------


class Signal(StrEnum):
    ADMITTED = "admitted"  # green light, door pulse
    ALARM = "alarm"  # red light, buzzer
    REFUSED = "refused"  # red light


@dataclass(frozen=True)
class Tell:
    """The learner-facing answer: a first name and the next step, nothing else."""

    learner_id: int
    headline: str
    next_step: str
    admitted: bool = False
    # The next step is a member of staff (wait with them, hand them the phone): the screen says
    # so in its colour, decided here where the words are, never read back out of them.
    see_staff: bool = False


@dataclass(frozen=True)
class Light:
    signal: Signal


@dataclass(frozen=True)
class CallStaff:
    """Staff must see this learner (or, with no learner, an unattributed alarm)."""

    learner_id: int | None
    need: Need
    detail: str


@dataclass(frozen=True)
class SavePhone:
    learner_id: int
    slot: str
    no_phone: bool
    by_staff: bool  # recorded by staff, or by the learner's tap at the phone station


@dataclass(frozen=True)
class SaveScreening:
    learner_id: int
    method: str  # "arch" | "wand"
    result: str  # "clear" | "alarm"
    zone: str | None = None
    by_staff: bool = False


@dataclass(frozen=True)
class SaveAdmission:
    learner_id: int
    arrived_at: datetime
    late_reason: str
    by_staff: bool


@dataclass(frozen=True)
class SaveRefusal:
    """Not admitted (`O`): a refusal, or suspected under the influence (R28)."""

    learner_id: int
    kind: RefusalKind
    note: str = ""
    dsl_told: bool = False  # the member of staff told the DSL themselves


@dataclass(frozen=True)
class SaveUnattributedAlarm:
    zone: str | None


@dataclass(frozen=True)
class Rejected:
    """The event changed nothing; `reason` is for staff."""

    reason: str


Effect = (
    Tell
    | Light
    | CallStaff
    | SavePhone
    | SaveScreening
    | SaveAdmission
    | SaveRefusal
    | SaveUnattributedAlarm
    | Rejected
)


@dataclass(frozen=True)
class Stepped:
    lane: Lane
    effects: tuple[Effect, ...] = field(default_factory=tuple)

    @property
    def rejected(self) -> Rejected | None:
        return next((e for e in self.effects if isinstance(e, Rejected)), None)


# --- the rules ---------------------------------------------------------------------------------


def _next(learner: InFlight, policy: LanePolicy) -> NextStep:
    return next_step(learner.progress(), phone_policy=policy.phone)


def _put(lane: Lane, learner: InFlight) -> Lane:
    return replace(
        lane,
        learners=tuple(learner if x.learner_id == learner.learner_id else x for x in lane.learners),
    )


def _without(lane: Lane, learner_id: int, outcome: str) -> Lane:
    """The learner leaves the lane; a slot kept for a phone never handed in is free again."""
    leaving = lane.find(learner_id)
    unused = {leaving.slot} if leaving and leaving.slot and not leaving.phone_done else set()
    return replace(
        lane,
        learners=tuple(x for x in lane.learners if x.learner_id != learner_id),
        arch=_off_arch(lane, learner_id).arch,
        done=(*lane.done, (learner_id, outcome)),
        slots_in_use=lane.slots_in_use - unused,
    )


def _off_arch(lane: Lane, learner_id: int) -> Lane:
    """The learner is no longer called to the arch (screened, refusing, searched or gone)."""
    return replace(lane, arch=tuple(x for x in lane.arch if x != learner_id))


def _free_slot(lane: Lane, policy: LanePolicy, taken_elsewhere: tuple[str, ...] = ()) -> str:
    taken = lane.slots_in_use.union(taken_elsewhere)
    return next((s for s in policy.slots if s not in taken), "")


def _phone_prompt(learner: InFlight, policy: LanePolicy) -> str:
    then = "then walk through the arch" if learner.selected else "then go on"
    if learner.slot:
        if policy.phone is PhonePolicy.OPTIONAL:
            return f"Any phone in slot {learner.slot}, {then}."
        return f"Phone in slot {learner.slot}, {then}."
    return "Please hand your phone to a member of staff."


def _advance(
    lane: Lane, learner: InFlight, at: datetime, policy: LanePolicy, *, by_staff: bool = False
) -> Stepped:
    """Move a learner on after any change: to the arch, to the door, or to staff.

    `by_staff`: the change was a member of staff's, so an admission it completes is theirs.
    """
    nxt = _next(learner, policy)
    if nxt.step is Step.SCREENING and learner.learner_id not in lane.arch:
        learner = replace(learner, since=at)
        lane = replace(_put(lane, learner), arch=(*lane.arch, learner.learner_id))
        prompt = "Please walk through the arch."
        if not learner.phone_done and policy.phone is PhonePolicy.OPTIONAL and learner.slot:
            prompt = _phone_prompt(learner, policy)
        return Stepped(
            lane, (Tell(learner.learner_id, f"Thank you, {learner.first_name}", prompt),)
        )
    # After a search only staff admit: a later phone tap or clear wand must not open the door;
    # nor does anything but staff's own decision admit a learner who is refusing.
    if nxt.may_admit and not learner.search_done and not learner.refusing:
        return _admit(lane, learner, by_staff=by_staff)
    return Stepped(_put(lane, learner))


def _admit(lane: Lane, learner: InFlight, *, by_staff: bool) -> Stepped:
    return Stepped(
        _without(lane, learner.learner_id, "admitted"),
        (
            SaveAdmission(learner.learner_id, learner.arrived_at, learner.late_reason, by_staff),
            Light(Signal.ADMITTED),
            Tell(
                learner.learner_id,
                f"Hello, {learner.first_name}"
                if lane.session is Session.PM
                else f"Good morning, {learner.first_name}",
                "Please go through.",
                admitted=True,
            ),
        ),
    )


def step(lane: Lane, event: Event, now: datetime, policy: LanePolicy) -> Stepped:
    """The lane after `event`, and what to do about it. `now` is the event's own time on replay."""
    if isinstance(event, EntryTapped):
        return _entry(lane, event, policy)
    if isinstance(event, ArchPassed) and event.alarming:
        if not lane.arch:  # the learner whose alarm it is walking out: already held
            return Stepped(lane)
        return _alarm(lane, event.at, None)
    if isinstance(event, ArchPassed):
        return _passage(lane, event.at, policy)
    if isinstance(event, ArchAlarmed):
        return _alarm(lane, event.at, event.zone)
    if isinstance(event, AlarmDismissed):
        if not lane.alarms:
            return Stepped(lane, (Rejected("No arch alarm is waiting."),))
        return Stepped(replace(lane, alarms=lane.alarms[1:]))
    if isinstance(event, Tick):
        return _tick(lane, event.at, policy)
    learner = lane.find(event.learner_id)
    if learner is None:
        done = lane.outcome_of(event.learner_id)
        why = f"already {done}" if done else "not in the lane"
        return Stepped(lane, (Rejected(f"That learner is {why}."),))
    return _for_learner(lane, learner, event, policy)


def _entry(lane: Lane, event: EntryTapped, policy: LanePolicy) -> Stepped:
    here = lane.find(event.learner_id)
    if here is not None:  # a second tap is not a second arrival: remind them where they are
        where, see_staff = _where(lane, here, policy)
        return Stepped(
            lane, (Tell(here.learner_id, f"Hello, {here.first_name}", where, see_staff=see_staff),)
        )
    done = lane.outcome_of(event.learner_id)
    if done == "admitted":
        return Stepped(
            lane,
            (
                Tell(
                    event.learner_id,
                    f"You're already signed in, {event.first_name}",
                    "Please go through.",
                    admitted=True,
                ),
            ),
        )
    if done == "refused":  # came back to comply: a new visit, staff decide (the mark follows)
        lane = replace(lane, done=tuple(d for d in lane.done if d[0] != event.learner_id))
    learner = InFlight(
        event.learner_id,
        event.first_name,
        event.at,
        late=event.late,
        selected=event.selected,
        since=event.at,
        phone_done=event.phone_in_today,
    )
    effects: list[Effect] = []
    if policy.phone is not PhonePolicy.OFF and not event.phone_in_today:
        slot = _free_slot(lane, policy, tuple(event.taken_elsewhere))
        if slot:
            learner = replace(learner, slot=slot)
            lane = replace(lane, slots_in_use=lane.slots_in_use | {slot})
    lane = replace(lane, learners=(*lane.learners, learner))
    nxt = _next(learner, policy)
    if nxt.step is Step.PHONE and not nxt.may_admit:
        effects.append(
            Tell(
                learner.learner_id,
                f"Good morning, {learner.first_name}",
                _phone_prompt(learner, policy),
                see_staff=not learner.slot,  # no slot: the phone goes to a member of staff
            )
        )
        if not learner.slot and policy.slots:
            effects.append(
                CallStaff(learner.learner_id, Need.NO_PHONE, "Every phone slot is in use.")
            )
        if learner.late:  # shown to staff at the phone step too, as on the way to the arch
            effects.append(CallStaff(learner.learner_id, Need.LATE, "Late: ask for a reason."))
        return Stepped(lane, tuple(effects))
    moved = _advance(lane, learner, event.at, policy)
    if learner.late:
        return Stepped(
            moved.lane,
            (*moved.effects, CallStaff(learner.learner_id, Need.LATE, "Late: ask for a reason.")),
        )
    return moved


def _where(lane: Lane, learner: InFlight, policy: LanePolicy) -> tuple[str, bool]:
    """Where a learner in flight goes next, and whether that is to a member of staff."""
    nxt = _next(learner, policy)
    if nxt.step is Step.PHONE:
        return _phone_prompt(learner, policy), not learner.slot
    if learner.learner_id in lane.arch:
        return "Please walk through the arch.", False
    return "Please wait with a member of staff.", True


def _passage(lane: Lane, at: datetime, policy: LanePolicy) -> Stepped:
    if not lane.arch:
        return Stepped(lane, (Rejected("The arch reported a passage with nobody called to it."),))
    head = lane.find(lane.arch[0])
    assert head is not None
    lane = replace(lane, arch=lane.arch[1:])
    head = replace(head, screening="clear", since=at)
    moved = _advance(lane, head, at, policy)
    return Stepped(moved.lane, (SaveScreening(head.learner_id, "arch", "clear"), *moved.effects))


def _alarm(lane: Lane, at: datetime, zone: str | None) -> Stepped:
    where = f" ({zone})" if zone else ""
    if not lane.arch:
        return Stepped(
            replace(lane, alarms=(*lane.alarms, Unattributed(at, zone))),
            (
                SaveUnattributedAlarm(zone),
                Light(Signal.ALARM),
                CallStaff(None, Need.ALARM, f"Arch alarm{where} with nobody called to the arch."),
            ),
        )
    head = lane.find(lane.arch[0])
    assert head is not None
    head = replace(head, screening="alarm", since=at)
    lane = replace(_put(lane, head), arch=lane.arch[1:])
    return Stepped(
        lane,
        (
            SaveScreening(head.learner_id, "arch", "alarm", zone),
            Light(Signal.ALARM),
            Tell(
                head.learner_id,
                f"Thank you, {head.first_name}",
                "Please wait with a member of staff.",
                see_staff=True,
            ),
            CallStaff(head.learner_id, Need.ALARM, f"Arch alarm{where}: wand check or search."),
        ),
    )


def _tick(lane: Lane, at: datetime, policy: LanePolicy) -> Stepped:
    calls: list[Effect] = []
    for learner in lane.learners:
        for need in lane.needs(learner, at, policy):
            if need in (Need.NO_PHONE, Need.WAITING):
                calls.append(
                    CallStaff(
                        learner.learner_id,
                        need,
                        f"Waiting since {_hhmm(learner.since or learner.arrived_at)}.",
                    )
                )
    return Stepped(lane, tuple(calls))


def _hhmm(at: datetime) -> str:
    return at.strftime("%H:%M:%S")


def _for_learner(lane: Lane, learner: InFlight, event: Event, policy: LanePolicy) -> Stepped:
    at = event.at
    if isinstance(event, PhoneStationTapped | PhoneTaken):
        if learner.phone_done:
            return Stepped(lane, (Rejected("This learner's phone is already recorded."),))
        if policy.phone is PhonePolicy.OFF:
            return Stepped(lane, (Rejected("This school does not collect phones."),))
        by_staff = isinstance(event, PhoneTaken)
        no_phone = by_staff and event.no_phone  # type: ignore[union-attr]
        slot = "" if no_phone else (getattr(event, "slot", "") or learner.slot)
        if not no_phone and not slot:
            return Stepped(lane, (Rejected("Choose a slot, pouch or envelope, or 'no phone'."),))
        if slot != learner.slot and slot in lane.slots_in_use:
            return Stepped(lane, (Rejected(f"Slot {slot} already holds a phone."),))
        if slot != learner.slot and slot in getattr(event, "taken_elsewhere", ()):
            return Stepped(lane, (Rejected(f"Slot {slot} holds a phone from another door."),))
        used = lane.slots_in_use - {learner.slot}
        if slot:
            used = used | {slot}
        lane = replace(lane, slots_in_use=used)
        learner = replace(learner, phone_done=True, slot=slot, since=at)
        moved = _advance(lane, learner, at, policy, by_staff=by_staff)
        return Stepped(
            moved.lane, (SavePhone(learner.learner_id, slot, no_phone, by_staff), *moved.effects)
        )
    if isinstance(event, ArchConfirmed | WandChecked):
        wand = isinstance(event, WandChecked)
        if not wand and learner.learner_id not in lane.arch:
            return Stepped(lane, (Rejected("This learner has not been called to the arch."),))
        if not learner.selected and not wand:
            return Stepped(lane, (Rejected("This learner was not chosen for screening."),))
        clear = event.clear
        result = "clear" if clear else "alarm"
        if wand and learner.screening == "clear":
            return Stepped(lane, (Rejected("This learner has already screened clear."),))
        lane = _off_arch(lane, learner.learner_id)
        learner = replace(learner, screening=result, selected=True, since=at)
        saved = SaveScreening(learner.learner_id, "wand" if wand else "arch", result, by_staff=True)
        if not clear:
            lane = _put(lane, learner)
            return Stepped(
                lane,
                (
                    saved,
                    Light(Signal.ALARM),
                    CallStaff(learner.learner_id, Need.ALARM, "Alarm: wand check or search."),
                ),
            )
        moved = _advance(lane, learner, at, policy, by_staff=True)
        return Stepped(moved.lane, (saved, *moved.effects))
    if isinstance(event, SearchRecorded):
        # After a search, staff decide: admit, or refuse. Nothing opens the door by itself.
        lane = _off_arch(lane, learner.learner_id)
        searched = replace(
            learner,
            search_done=True,
            refusing=False,
            screening=learner.screening or "alarm",
            selected=True,
            since=at,
        )
        return Stepped(_put(lane, searched))
    if isinstance(event, RefusalStated):
        if policy.on_refusal is RefusalPolicy.SEARCH and learner.screening is None:
            # The school searches instead of refusing entry: the learner goes to a search.
            # Refusing once screened (the search itself, after an alarm) is a refusal.
            lane = _off_arch(lane, learner.learner_id)
            learner = replace(learner, screening="alarm", selected=True, since=at)
            return Stepped(
                _put(lane, learner),
                (CallStaff(learner.learner_id, Need.ALARM, "Refused the arch: a search instead."),),
            )
        lane = _off_arch(lane, learner.learner_id)
        learner = replace(learner, refusing=True, since=at)
        return Stepped(
            _put(lane, learner), (CallStaff(learner.learner_id, Need.REFUSED, "Refuses: confirm."),)
        )
    if isinstance(event, RefusalConfirmed):
        kind = RefusalKind.SEARCH if learner.screening == "alarm" else RefusalKind.SCREENING
        lane = _without(lane, learner.learner_id, "refused")
        return Stepped(
            lane,
            (
                SaveRefusal(learner.learner_id, kind, event.note),
                Light(Signal.REFUSED),
                Tell(
                    learner.learner_id,
                    f"Sorry, {learner.first_name}",
                    "Please see a member of staff.",
                    see_staff=True,
                ),
            ),
        )
    if isinstance(event, InfluenceSuspected):
        # Whatever step they are at: not admitted, and the learner's screen says only to wait.
        lane = _without(lane, learner.learner_id, "refused")
        return Stepped(
            lane,
            (
                SaveRefusal(
                    learner.learner_id, RefusalKind.INFLUENCE, event.note.strip(), event.dsl_told
                ),
                Light(Signal.REFUSED),
                Tell(
                    learner.learner_id,
                    f"Thank you, {learner.first_name}",
                    "Please wait with a member of staff.",
                    see_staff=True,
                ),
            ),
        )
    if isinstance(event, StaffAdmitted):
        nxt = _next(learner, policy)
        if learner.refusing or not nxt.may_admit:
            reasons = " ".join(nxt.reasons) if not learner.refusing else "The learner is refusing."
            return Stepped(lane, (Rejected(f"Not yet: {reasons}"),))
        return _admit(lane, learner, by_staff=True)
    if isinstance(event, SentBack):
        if learner.screening is None:
            return Stepped(lane, (Rejected("This learner has not been through the arch yet."),))
        if learner.search_done:
            return Stepped(lane, (Rejected("A search is recorded: admit or refuse."),))
        learner = replace(learner, screening=None, refusing=False, selected=True, since=at)
        lane = _put(lane, learner)
        return Stepped(
            replace(lane, arch=(*lane.arch, learner.learner_id)),
            (
                Tell(
                    learner.learner_id,
                    f"Thank you, {learner.first_name}",
                    "Please walk through the arch again.",
                ),
            ),
        )
    if isinstance(event, LateReasonGiven):
        reason = event.reason.strip()
        if not reason:
            return Stepped(lane, (Rejected("Give the reason for being late."),))
        return Stepped(_put(lane, replace(learner, late_reason=reason)))
    raise TypeError(f"not a lane event: {event!r}")  # pragma: no cover - Event is closed


def start_session(day: date, session: Session, slots_in_use: frozenset[str]) -> Lane:
    """A session's lane begins empty; phones still held from earlier keep their slots."""
    return Lane(day=day, session=session, slots_in_use=slots_in_use)


def next_step_of(learner: InFlight, policy: LanePolicy) -> Step:
    """Where the learner stands: the phone, the arch, a search, or waiting to be admitted."""
    return _next(learner, policy).step
