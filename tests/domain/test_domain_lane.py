"""The lane, as tables of events in and effects out, and as properties over random mornings."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings, target
from hypothesis import strategies as st

from kiosk.domain.attendance import RefusalKind
from kiosk.domain.lane import (
    AlarmDismissed,
    ArchAlarmed,
    ArchConfirmed,
    ArchPassed,
    CallStaff,
    Effect,
    EntryTapped,
    Event,
    Lane,
    LanePolicy,
    LateReasonGiven,
    Light,
    Need,
    PhoneStationTapped,
    PhoneTaken,
    RefusalConfirmed,
    RefusalStated,
    Rejected,
    SaveAdmission,
    SavePhone,
    SaveRefusal,
    SaveScreening,
    SaveUnattributedAlarm,
    SearchRecorded,
    SentBack,
    Signal,
    StaffAdmitted,
    Stepped,
    Tell,
    Tick,
    WandChecked,
    parse_slots,
    step,
)
from kiosk.domain.phones import PhonePolicy
from kiosk.domain.station import RefusalPolicy

REQ, OPT, OFF = PhonePolicy.REQUIRED, PhonePolicy.OPTIONAL, PhonePolicy.OFF
T0 = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)
A, B, C = 1, 2, 3
NAMES = {A: "Ada", B: "Ben", C: "Cal"}
SLOTS = LanePolicy(slots=("1", "2", "3"))

# --- events, written as a table reads them; `run` stamps each a second after the last -------------


def tap(who: int, *, late: bool = False, selected: bool = True) -> EntryTapped:
    return EntryTapped(T0, who, NAMES[who], late=late, selected=selected)


def phone(who: int) -> PhoneStationTapped:
    return PhoneStationTapped(T0, who)


def taken(who: int, slot: str = "", *, no_phone: bool = False) -> PhoneTaken:
    return PhoneTaken(T0, who, slot, no_phone)


def passed() -> ArchPassed:
    return ArchPassed(T0)


def alarmed(zone: str | None = None) -> ArchAlarmed:
    return ArchAlarmed(T0, zone)


def confirmed(who: int, *, clear: bool = True) -> ArchConfirmed:
    return ArchConfirmed(T0, who, clear)


def wand(who: int, *, clear: bool) -> WandChecked:
    return WandChecked(T0, who, clear)


def searched(who: int) -> SearchRecorded:
    return SearchRecorded(T0, who)


def refuses(who: int) -> RefusalStated:
    return RefusalStated(T0, who)


def refusal_confirmed(who: int) -> RefusalConfirmed:
    return RefusalConfirmed(T0, who)


def staff_admit(who: int) -> StaffAdmitted:
    return StaffAdmitted(T0, who)


def sent_back(who: int) -> SentBack:
    return SentBack(T0, who)


def at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


def run(policy: LanePolicy, events: Sequence[Event]) -> tuple[Lane, list[tuple[Effect, ...]]]:
    """The lane after `events` (the n-th at T0 + n seconds) and each event's effects."""
    lane = Lane()
    answers: list[tuple[Effect, ...]] = []
    for n, event in enumerate(events):
        event = replace(event, at=at(n))
        stepped = step(lane, event, event.at, policy)
        lane = stepped.lane
        answers.append(stepped.effects)
    return lane, answers


def admitted(who: int, arrived_s: int, *, by_staff: bool = False) -> tuple[Effect, ...]:
    """The three effects of an admission of a learner who tapped in at T0 + `arrived_s`."""
    return (
        SaveAdmission(who, at(arrived_s), "", by_staff),
        Light(Signal.ADMITTED),
        Tell(who, f"Good morning, {NAMES[who]}", "Please go through.", admitted=True),
    )


def told(who: int, next_step: str, greeting: str = "Thank you", *, staff: bool = False) -> Tell:
    """`staff`: the next step is a member of staff, which the learner's screen shows in amber."""
    return Tell(who, f"{greeting}, {NAMES[who]}", next_step, see_staff=staff)


WALK = "Please walk through the arch."
WAIT = "Please wait with a member of staff."


# --- tables: each event's effects, in order -------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "script"),
    [
        (
            SLOTS,
            [
                (
                    tap(A),
                    (told(A, "Phone in slot 1, then walk through the arch.", "Good morning"),),
                ),
                (phone(A), (SavePhone(A, "1", False, False), told(A, WALK))),
                (passed(), (SaveScreening(A, "arch", "clear"), *admitted(A, 0))),
            ],
        ),
        (
            SLOTS,
            [
                (
                    tap(A),
                    (told(A, "Phone in slot 1, then walk through the arch.", "Good morning"),),
                ),
                (
                    tap(B),
                    (told(B, "Phone in slot 2, then walk through the arch.", "Good morning"),),
                ),
                (
                    tap(C),
                    (told(C, "Phone in slot 3, then walk through the arch.", "Good morning"),),
                ),
            ],
        ),
        (
            LanePolicy(slots=("1",)),
            [
                (
                    tap(A),
                    (told(A, "Phone in slot 1, then walk through the arch.", "Good morning"),),
                ),
                (
                    tap(B),
                    (
                        told(
                            B,
                            "Please hand your phone to a member of staff.",
                            "Good morning",
                            staff=True,
                        ),
                        CallStaff(B, Need.NO_PHONE, "Every phone slot is in use."),
                    ),
                ),
                (taken(B, "P7"), (SavePhone(B, "P7", False, True), told(B, WALK))),
            ],
        ),
        (
            LanePolicy(),
            [
                (
                    tap(A),
                    (
                        told(
                            A,
                            "Please hand your phone to a member of staff.",
                            "Good morning",
                            staff=True,
                        ),
                    ),
                ),
                (taken(A, no_phone=True), (SavePhone(A, "", True, True), told(A, WALK))),
            ],
        ),
        (
            LanePolicy(phone=OFF, slots=("1", "2")),
            [
                (tap(A), (told(A, WALK),)),
                (phone(A), (Rejected("This school does not collect phones."),)),
                (passed(), (SaveScreening(A, "arch", "clear"), *admitted(A, 0))),
            ],
        ),
        (
            LanePolicy(phone=OPT, slots=("1", "2")),
            [
                (tap(A), (told(A, "Any phone in slot 1, then walk through the arch."),)),
                (passed(), (SaveScreening(A, "arch", "clear"), *admitted(A, 0))),
            ],
        ),
        (
            LanePolicy(phone=OPT, slots=("1", "2")),
            [
                (tap(A), (told(A, "Any phone in slot 1, then walk through the arch."),)),
                (phone(A), (SavePhone(A, "1", False, False),)),
                (passed(), (SaveScreening(A, "arch", "clear"), *admitted(A, 0))),
            ],
        ),
        (
            LanePolicy(phone=OPT, slots=("1", "2")),
            [(tap(A, selected=False), admitted(A, 0))],
        ),
        (
            SLOTS,
            [
                (
                    tap(A, selected=False),
                    (told(A, "Phone in slot 1, then go on.", "Good morning"),),
                ),
                (phone(A), (SavePhone(A, "1", False, False), *admitted(A, 0))),
                (passed(), (Rejected("The arch reported a passage with nobody called to it."),)),
            ],
        ),
        (
            LanePolicy(phone=OFF),
            [(tap(A, selected=False), admitted(A, 0))],
        ),
        (
            LanePolicy(phone=OFF),
            [
                (
                    alarmed("left"),
                    (
                        SaveUnattributedAlarm("left"),
                        Light(Signal.ALARM),
                        CallStaff(
                            None, Need.ALARM, "Arch alarm (left) with nobody called to the arch."
                        ),
                    ),
                ),
                (tap(A), (told(A, WALK),)),
                (passed(), (SaveScreening(A, "arch", "clear"), *admitted(A, 1))),
                (AlarmDismissed(T0), ()),
                (AlarmDismissed(T0), (Rejected("No arch alarm is waiting."),)),
            ],
        ),
        (
            LanePolicy(phone=OFF),
            [
                (tap(A), (told(A, WALK),)),
                (
                    alarmed(),
                    (
                        SaveScreening(A, "arch", "alarm"),
                        Light(Signal.ALARM),
                        told(A, WAIT, staff=True),
                        CallStaff(A, Need.ALARM, "Arch alarm: wand check or search."),
                    ),
                ),
                (
                    wand(A, clear=True),
                    (
                        SaveScreening(A, "wand", "clear", by_staff=True),
                        *admitted(A, 0, by_staff=True),
                    ),
                ),
            ],
        ),
        (
            LanePolicy(phone=OFF),
            [
                (tap(A), (told(A, WALK),)),
                (alarmed(), None),
                (
                    wand(A, clear=False),
                    (
                        SaveScreening(A, "wand", "alarm", by_staff=True),
                        Light(Signal.ALARM),
                        CallStaff(A, Need.ALARM, "Alarm: wand check or search."),
                    ),
                ),
                (searched(A), ()),
                (staff_admit(A), admitted(A, 0, by_staff=True)),
            ],
        ),
        (
            LanePolicy(phone=OFF),
            [
                (tap(A), (told(A, WALK),)),
                (refuses(A), (CallStaff(A, Need.REFUSED, "Refuses: confirm."),)),
                (passed(), (Rejected("The arch reported a passage with nobody called to it."),)),
                (
                    refusal_confirmed(A),
                    (
                        SaveRefusal(A, RefusalKind.SCREENING),
                        Light(Signal.REFUSED),
                        told(A, "Please see a member of staff.", "Sorry", staff=True),
                    ),
                ),
                (staff_admit(A), (Rejected("That learner is already refused."),)),
            ],
        ),
        (
            LanePolicy(phone=OFF, on_refusal=RefusalPolicy.SEARCH),
            [
                (tap(A), (told(A, WALK),)),
                (refuses(A), (CallStaff(A, Need.ALARM, "Refused the arch: a search instead."),)),
                (staff_admit(A), None),
                (searched(A), ()),
                (staff_admit(A), admitted(A, 0, by_staff=True)),
            ],
        ),
        (
            LanePolicy(phone=OFF, on_refusal=RefusalPolicy.SEARCH),
            [
                (tap(A), (told(A, WALK),)),
                (alarmed(), None),
                (refuses(A), (CallStaff(A, Need.REFUSED, "Refuses: confirm."),)),
                (
                    refusal_confirmed(A),
                    (
                        SaveRefusal(A, RefusalKind.SEARCH),
                        Light(Signal.REFUSED),
                        told(A, "Please see a member of staff.", "Sorry", staff=True),
                    ),
                ),
            ],
        ),
        (
            SLOTS,
            [
                (tap(A), None),
                (phone(A), None),
                (
                    tap(A),
                    (Tell(A, "Hello, Ada", WALK),),
                ),
                (passed(), (SaveScreening(A, "arch", "clear"), *admitted(A, 0))),
                (
                    tap(A),
                    (
                        Tell(
                            A, "You're already signed in, Ada", "Please go through.", admitted=True
                        ),
                    ),
                ),
            ],
        ),
        (
            SLOTS,
            [
                (tap(A), None),
                (tap(A), (Tell(A, "Hello, Ada", "Phone in slot 1, then walk through the arch."),)),
                (
                    tap(B),
                    (told(B, "Phone in slot 2, then walk through the arch.", "Good morning"),),
                ),
            ],
        ),
        (
            LanePolicy(phone=OFF, arch_passage=False),
            [
                (tap(A), (told(A, WALK),)),
                (
                    confirmed(A),
                    (
                        SaveScreening(A, "arch", "clear", by_staff=True),
                        *admitted(A, 0, by_staff=True),
                    ),
                ),
            ],
        ),
        (
            LanePolicy(phone=OFF, arch_passage=False),
            [
                (tap(A), (told(A, WALK),)),
                (
                    confirmed(A, clear=False),
                    (
                        SaveScreening(A, "arch", "alarm", by_staff=True),
                        Light(Signal.ALARM),
                        CallStaff(A, Need.ALARM, "Alarm: wand check or search."),
                    ),
                ),
            ],
        ),
        (
            LanePolicy(phone=OFF),
            [
                (
                    tap(A, late=True),
                    (told(A, WALK), CallStaff(A, Need.LATE, "Late: ask for a reason.")),
                ),
                (LateReasonGiven(T0, A, "  "), (Rejected("Give the reason for being late."),)),
                (LateReasonGiven(T0, A, "Bus"), ()),
                (
                    passed(),
                    (
                        SaveScreening(A, "arch", "clear"),
                        SaveAdmission(A, at(0), "Bus", False),
                        *admitted(A, 0)[1:],
                    ),
                ),
            ],
        ),
        (
            SLOTS,
            [
                (
                    tap(A, late=True),
                    (
                        told(A, "Phone in slot 1, then walk through the arch.", "Good morning"),
                        CallStaff(A, Need.LATE, "Late: ask for a reason."),
                    ),
                ),
            ],
        ),
    ],
    ids=[
        "zero-touch-clear-path",
        "slots-in-order",
        "every-slot-in-use-calls-staff",
        "no-slots-staff-take-the-phone",
        "phones-off-straight-to-the-arch",
        "phone-optional-not-handed-in",
        "phone-optional-handed-in",
        "phone-optional-not-selected-admitted-on-tap",
        "not-selected-admitted-once-the-phone-is-in",
        "phones-off-not-selected-admitted-on-tap",
        "unattributed-alarm-then-a-clear-passage",
        "alarm-wand-clear-admits",
        "alarm-wand-alarm-search-staff-admit",
        "refusal-confirmed",
        "refusal-policy-search",
        "refusal-policy-search-refusing-the-search-itself",
        "second-tap-is-a-reminder",
        "second-tap-at-the-phone-step",
        "no-passage-signal-staff-confirm",
        "no-passage-signal-staff-saw-an-alarm",
        "late-reason-goes-with-the-admission",
        "late-with-phones-required-still-shown-to-staff",
    ],
)
def test_each_event_gives_these_effects(
    policy: LanePolicy, script: list[tuple[Event, tuple[Effect, ...] | None]]
) -> None:
    """`None` in the effects column: the event is a step on the way, its effects not the point."""
    _, answers = run(policy, [event for event, _ in script])
    for (event, expected), got in zip(script, answers, strict=True):
        if expected is not None:
            assert got == expected, type(event).__name__


def test_a_slot_holding_a_phone_at_a_door_sharing_the_store_is_never_given_or_taken() -> None:
    elsewhere = ("1",)
    _, answers = run(
        SLOTS,
        [
            replace(tap(A), taken_elsewhere=elsewhere),
            replace(taken(A, "1"), taken_elsewhere=elsewhere),
            replace(taken(A, "3"), taken_elsewhere=elsewhere),
        ],
    )
    assert answers[0] == (told(A, "Phone in slot 2, then walk through the arch.", "Good morning"),)
    assert answers[1] == (Rejected("Slot 1 holds a phone from another door."),)
    assert answers[2][0] == SavePhone(A, "3", False, True)


def test_a_phone_handed_in_this_morning_is_not_asked_for_again_in_the_afternoon() -> None:
    """A phone is handed in once a day: a learner back for the afternoon whose phone the school
    holds goes straight to the arch, takes no slot, and no second hand-in is saved."""
    lane, answers = run(SLOTS, [replace(tap(A), phone_in_today=True), passed()])
    assert answers[0] == (told(A, WALK),)
    assert answers[1][1:] == admitted(A, 0)  # after the arch's clear screening is saved
    assert not lane.slots_in_use
    assert not any(isinstance(e, SavePhone) for effects in answers for e in effects)


# --- tables: several learners in flight, and who ends up where -----------------------------------


@pytest.mark.parametrize(
    ("policy", "events", "alarm_for", "done", "in_flight", "arch"),
    [
        (
            SLOTS,
            [tap(A), tap(B), tap(C), phone(A), phone(B), phone(C), passed(), alarmed(), passed()],
            [B],
            ((A, "admitted"), (C, "admitted")),
            (B,),
            (),
        ),
        (
            SLOTS,
            [tap(A), tap(B), tap(C), phone(C), phone(A), phone(B), passed(), alarmed(), passed()],
            [A],
            ((C, "admitted"), (B, "admitted")),
            (A,),
            (),
        ),
        (
            SLOTS,
            [tap(A), tap(B), tap(C), phone(A), phone(B), phone(C), refuses(B), passed(), passed()],
            [],
            ((A, "admitted"), (C, "admitted")),
            (B,),
            (),
        ),
        (
            SLOTS,
            [tap(A), tap(B), tap(C), phone(A), phone(B), phone(C), refuses(A), alarmed()],
            [B],
            (),
            (A, B, C),
            (C,),
        ),
        (
            SLOTS,
            [tap(A), tap(B), phone(A), phone(B), alarmed(), sent_back(A), passed(), passed()],
            [A],
            ((B, "admitted"), (A, "admitted")),
            (),
            (),
        ),
        (
            LanePolicy(phone=OFF, arch_passage=False),
            [tap(A), tap(B), confirmed(A), alarmed(), passed()],
            [B],
            ((A, "admitted"),),
            (B,),
            (),
        ),
        (
            SLOTS,
            [tap(A), tap(B, selected=False), phone(B), phone(A), alarmed(), passed()],
            [A],
            ((B, "admitted"),),
            (A,),
            (),
        ),
        (
            LanePolicy(phone=OFF),
            [tap(A), alarmed(), searched(A), wand(A, clear=True), passed()],
            [A],
            (),
            (A,),
            (),
        ),
        (
            SLOTS,
            [tap(A), refuses(A), searched(A), phone(A)],
            [],
            (),
            (A,),
            (),
        ),
        (
            LanePolicy(phone=OFF),
            [tap(A), refuses(A), refusal_confirmed(A), tap(A), passed()],
            [],
            ((A, "admitted"),),
            (),
            (),
        ),
    ],
    ids=[
        "alarm-for-the-second-of-three",
        "arch-order-is-phone-order-not-tap-order",
        "refusal-mid-queue-next-passage-is-the-next-learner",
        "refusal-at-the-head-alarm-goes-to-the-next",
        "sent-back-rejoins-at-the-tail",
        "no-passage-signal-confirmed-then-next-alarms",
        "not-selected-never-joins-the-arch",
        "after-a-search-a-clear-wand-does-not-open-the-door",
        "after-a-search-the-phone-tap-does-not-open-the-door",
        "refused-learner-comes-back-to-comply",
    ],
)
def test_the_arch_signal_belongs_to_the_head_of_the_arch_queue(
    policy: LanePolicy,
    events: list[Event],
    alarm_for: list[int],
    done: tuple[tuple[int, str], ...],
    in_flight: tuple[int, ...],
    arch: tuple[int, ...],
) -> None:
    lane, answers = run(policy, events)
    arch_alarms = [
        e.learner_id
        for effects in answers
        for e in effects
        if isinstance(e, SaveScreening) and e.method == "arch" and e.result == "alarm"
    ]
    assert arch_alarms == alarm_for
    assert lane.done == done
    assert tuple(x.learner_id for x in lane.learners) == in_flight
    assert lane.arch == arch


@pytest.mark.parametrize(
    ("policy", "events", "now_s", "needs"),
    [
        (SLOTS, [tap(A)], 1, {A: ()}),
        (SLOTS, [tap(A)], 90, {A: (Need.NO_PHONE,)}),
        (LanePolicy(phone=OFF, arch_passage=False), [tap(A), tap(B)], 2, {A: (Need.ARCH,), B: ()}),
        (
            LanePolicy(phone=OFF, arch_passage=False),
            [tap(A), tap(B), confirmed(A, clear=False)],
            3,
            {A: (Need.ALARM,), B: (Need.ARCH,)},
        ),
        (LanePolicy(phone=OFF), [tap(A), tap(B)], 61, {A: (Need.WAITING,), B: (Need.WAITING,)}),
        (LanePolicy(phone=OFF), [tap(A), alarmed()], 2, {A: (Need.ALARM,)}),
        (LanePolicy(phone=OFF), [tap(A), refuses(A)], 2, {A: (Need.REFUSED,)}),
        (LanePolicy(phone=OFF), [tap(A), alarmed(), searched(A)], 3, {A: (Need.ADMIT,)}),
        (LanePolicy(phone=OFF), [tap(A, late=True)], 1, {A: (Need.LATE,)}),
        (
            LanePolicy(phone=OFF),
            [tap(A, late=True), LateReasonGiven(T0, A, "Doctor")],
            2,
            {A: ()},
        ),
    ],
    ids=[
        "at-the-phone-step-in-time",
        "at-the-phone-step-too-long",
        "no-passage-signal-staff-confirm-the-head-only",
        "no-passage-signal-then-the-next-learner",
        "at-the-arch-too-long",
        "alarmed",
        "refusing",
        "searched-staff-admit",
        "late-reason-asked",
        "late-reason-given",
    ],
)
def test_staff_see_what_each_learner_needs(
    policy: LanePolicy, events: list[Event], now_s: int, needs: dict[int, tuple[Need, ...]]
) -> None:
    lane, _ = run(policy, events)
    for who, expected in needs.items():
        learner = lane.find(who)
        assert learner is not None
        assert lane.needs(learner, at(now_s), policy) == expected


@pytest.mark.parametrize(
    ("tick_s", "calls"),
    [
        (89, ()),
        (90, (CallStaff(A, Need.NO_PHONE, "Waiting since 08:30:00."),)),
    ],
    ids=["before-phone-wait", "after-phone-wait"],
)
def test_a_tick_calls_staff_to_a_learner_left_at_the_phone_step(
    tick_s: int, calls: tuple[CallStaff, ...]
) -> None:
    lane, _ = run(SLOTS, [tap(A)])
    assert step(lane, Tick(at(tick_s)), at(tick_s), SLOTS).effects == calls


@pytest.mark.parametrize(
    ("policy", "events", "reason"),
    [
        (
            SLOTS,
            [tap(A), staff_admit(A)],
            "Not yet: The school requires phones to be handed in first.",
        ),
        (
            SLOTS,
            [tap(A), phone(A), staff_admit(A)],
            "Not yet: Screening is required before admission.",
        ),
        (
            SLOTS,
            [tap(A), phone(A), alarmed(), staff_admit(A)],
            "Not yet: The arch alarmed: a search must be recorded first.",
        ),
        (
            LanePolicy(phone=OFF),
            [tap(A), refuses(A), staff_admit(A)],
            "Not yet: The learner is refusing.",
        ),
        (SLOTS, [staff_admit(A)], "That learner is not in the lane."),
        (SLOTS, [tap(A), phone(A), phone(A)], "This learner's phone is already recorded."),
        (SLOTS, [tap(A), tap(B), taken(A, "2")], "Slot 2 already holds a phone."),
        (LanePolicy(), [tap(A), taken(A)], "Choose a slot, pouch or envelope, or 'no phone'."),
        (LanePolicy(), [tap(A), phone(A)], "Choose a slot, pouch or envelope, or 'no phone'."),
        (
            SLOTS,
            [tap(A), phone(A), sent_back(A)],
            "This learner has not been through the arch yet.",
        ),
        (
            LanePolicy(phone=OFF),
            [tap(A), alarmed(), searched(A), sent_back(A)],
            "A search is recorded: admit or refuse.",
        ),
        (SLOTS, [tap(A), confirmed(A)], "This learner has not been called to the arch."),
        (
            LanePolicy(phone=OFF),
            [tap(A), tap(B, selected=False), confirmed(B)],
            "That learner is already admitted.",
        ),
        (
            LanePolicy(phone=OFF),
            [tap(A), wand(A, clear=True), wand(A, clear=True)],
            "That learner is already admitted.",
        ),
        (
            SLOTS,
            [tap(A), wand(A, clear=True), wand(A, clear=False)],
            "This learner has already screened clear.",
        ),
    ],
    ids=[
        "staff-admit-before-the-phone",
        "staff-admit-before-screening",
        "staff-admit-after-an-alarm-without-a-search",
        "staff-admit-while-refusing",
        "nobody-there",
        "phone-twice",
        "slot-of-someone-else",
        "staff-take-a-phone-without-a-slot",
        "phone-station-tap-with-no-slot-given",
        "sent-back-before-the-arch",
        "sent-back-after-a-search",
        "confirm-someone-not-at-the-arch",
        "confirm-someone-already-gone",
        "wand-after-admission-is-too-late",
        "wand-after-a-clear-screening",
    ],
)
def test_staff_actions_out_of_turn_are_rejected_with_a_reason(
    policy: LanePolicy, events: list[Event], reason: str
) -> None:
    before, _ = run(policy, events[:-1])
    last = replace(events[-1], at=at(len(events)))
    stepped = step(before, last, last.at, policy)
    assert stepped.rejected == Rejected(reason)
    assert stepped.lane == before
    assert stepped.effects == (stepped.rejected,)


@pytest.mark.parametrize(
    ("text", "slots"),
    [
        ("1-120", tuple(str(n) for n in range(1, 121))),
        ("1-3, 7", ("1", "2", "3", "7")),
        ("A1, A2", ("A1", "A2")),
        ("1-3,,5 ,", ("1", "2", "3", "5")),
        ("4-4", ("4",)),
        ("", ()),
    ],
    ids=["a-range", "range-and-single", "names", "blank-parts-skipped", "one-wide-range", "none"],
)
def test_slots_are_handed_out_in_the_order_written(text: str, slots: tuple[str, ...]) -> None:
    assert parse_slots(text) == slots


@pytest.mark.parametrize(
    ("text", "message"),
    [("5-1", "runs backwards"), ("1-3, 2", "listed twice"), ("A1, A1", "listed twice")],
    ids=["backwards-range", "overlapping-range", "duplicate-name"],
)
def test_slot_lists_that_cannot_be_meant_are_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_slots(text)


# --- properties over random mornings --------------------------------------------------------------

# `make fuzz` sets HYPOTHESIS_PROFILE=fuzz to run these long; an explicit max_examples here would
# otherwise override whichever profile is loaded.
RUNS = settings(
    max_examples=20_000 if os.environ.get("HYPOTHESIS_PROFILE") == "fuzz" else 200,
    deadline=None,
)

POLICIES = st.builds(
    LanePolicy,
    phone=st.sampled_from(PhonePolicy),
    on_refusal=st.sampled_from(RefusalPolicy),
    slots=st.sampled_from([(), ("1",), ("1", "2", "3"), tuple(str(n) for n in range(1, 9))]),
    arch_passage=st.booleans(),
    phone_wait=st.sampled_from([timedelta(seconds=30), timedelta(seconds=90)]),
    arch_wait=st.sampled_from([timedelta(seconds=20), timedelta(seconds=60)]),
)


def _events_about(ids: st.SearchStrategy[int]) -> st.SearchStrategy[Event]:
    """Every kind of event (times are stamped later); taps, phones and the arch's own signals
    drawn more often, so that queues form and move."""
    now = st.just(T0)
    mostly_selected = st.sampled_from([True, True, True, False])  # so that the arch has a queue
    kinds: list[tuple[int, st.SearchStrategy[Event]]] = [
        (4, st.builds(EntryTapped, now, ids, st.just("Ada"), st.booleans(), mostly_selected)),
        (3, st.builds(PhoneStationTapped, now, ids)),
        (
            2,
            st.builds(
                PhoneTaken, now, ids, st.sampled_from(["", "1", "2", "3", "X"]), st.booleans()
            ),
        ),
        (2, st.builds(ArchPassed, now)),
        (2, st.builds(ArchAlarmed, now, st.sampled_from([None, "left"]))),
        (1, st.builds(ArchConfirmed, now, ids, st.booleans())),
        (1, st.builds(WandChecked, now, ids, st.booleans())),
        (1, st.builds(SearchRecorded, now, ids)),
        (1, st.builds(RefusalStated, now, ids)),
        (1, st.builds(RefusalConfirmed, now, ids, st.sampled_from(["", "Went home"]))),
        (1, st.builds(StaffAdmitted, now, ids)),
        (1, st.builds(SentBack, now, ids)),
        (1, st.builds(LateReasonGiven, now, ids, st.sampled_from(["", "Bus"]))),
        (1, st.builds(AlarmDismissed, now)),
        (1, st.builds(Tick, now)),
    ]
    # sampled_from draws each entry alike, so a kind's weight is its number of entries.
    weighted = [kind for weight, kind in kinds for _ in range(weight)]
    return st.sampled_from(weighted).flatmap(lambda kind: kind)


@dataclass(frozen=True)
class Morning:
    policy: LanePolicy
    events: tuple[Event, ...]


@st.composite
def mornings(draw: st.DrawFn) -> Morning:
    """A small roster, a policy, and up to 60 events among them at increasing times."""
    size = draw(st.integers(1, 6))
    roster = draw(st.lists(st.integers(1, 99), min_size=size, max_size=size, unique=True))
    policy = draw(POLICIES)
    # One "go on?" draw before each event: longer mornings than a plain list strategy draws
    # (queues need several learners in flight), and each event still shrinks away on its own.
    kinds = _events_about(st.sampled_from(roster))
    events: list[Event] = []
    while len(events) < 60 and draw(st.integers(0, 24)) != 0:
        if draw(st.integers(0, 7)) == 0:
            events.extend(draw(_rush(roster, policy)))
        else:
            events.append(draw(kinds))
    now = T0
    timed: list[Event] = []
    for event in events[:60]:
        now += timedelta(seconds=draw(st.integers(1, 120)))
        timed.append(replace(event, at=now))
    return Morning(policy, tuple(timed))


def _rush(roster: list[int], policy: LanePolicy) -> st.SearchStrategy[list[Event]]:
    """Several learners tap in and hand their phones over before the arch reports anyone:
    the arch queue several deep, where a signal given to the wrong learner would show."""
    some = st.lists(st.sampled_from(roster), min_size=1, max_size=len(roster), unique=True)

    def rush(ids: list[int]) -> list[Event]:
        taps: list[Event] = [EntryTapped(T0, who, "Ada", False, True) for who in ids]
        if policy.slots:
            return [*taps, *(PhoneStationTapped(T0, who) for who in ids)]
        return [*taps, *(PhoneTaken(T0, who, no_phone=True) for who in ids)]

    return some.map(rush)


def replay(morning: Morning) -> Iterator[tuple[Lane, Event, Stepped]]:
    """Each event with the lane just before it and what it stepped to."""
    lane = Lane()
    for event in morning.events:
        stepped = step(lane, event, event.at, morning.policy)
        yield lane, event, stepped
        lane = stepped.lane


@dataclass
class Visit:
    """What the effects so far say was done for one learner this visit."""

    selected: bool
    phone: bool = False
    screening: str | None = None
    searched: bool = False


@RUNS
@given(mornings())
def test_nobody_is_admitted_with_a_required_step_missing(morning: Morning) -> None:
    """R13: after an alarm nobody is admitted until cleared by the wand or a lawful search."""
    visits: dict[int, Visit] = {}
    for before, event, stepped in replay(morning):
        if stepped.rejected is not None:
            assert stepped.effects == (stepped.rejected,) and stepped.lane == before
            continue
        who = getattr(event, "learner_id", None)
        if isinstance(event, EntryTapped) and before.find(event.learner_id) is None:
            if before.outcome_of(event.learner_id) != "admitted":  # a new visit
                visits[event.learner_id] = Visit(selected=event.selected)
        elif isinstance(event, SearchRecorded) and who is not None:
            visits[who].searched = True
        elif isinstance(event, SentBack) and who is not None:
            visits[who].screening = None  # through the arch again
        for effect in stepped.effects:
            if isinstance(effect, SavePhone):
                visits[effect.learner_id].phone = True
            elif isinstance(effect, SaveScreening):
                visits[effect.learner_id].screening = effect.result
                visits[effect.learner_id].selected = True
            elif isinstance(effect, SaveAdmission):
                visit = visits[effect.learner_id]
                if morning.policy.phone is REQ:
                    assert visit.phone, "admitted without the phone step"
                if visit.selected:
                    assert visit.screening == "clear" or visit.searched, "admitted unscreened"
                if visit.searched:
                    assert effect.by_staff, "a searched learner let through without staff"


@RUNS
@given(mornings())
def test_an_arch_alarm_is_only_ever_given_to_the_head_of_the_arch_queue(morning: Morning) -> None:
    deepest = 0
    for before, event, stepped in replay(morning):
        if isinstance(event, ArchPassed | ArchAlarmed):
            deepest = max(deepest, len(before.arch))
        arch_alarms = [
            e
            for e in stepped.effects
            if isinstance(e, SaveScreening) and e.method == "arch" and e.result == "alarm"
        ]
        if isinstance(event, ArchAlarmed) and before.arch:
            assert [e.learner_id for e in arch_alarms] == [before.arch[0]]
            assert not arch_alarms[0].by_staff
            assert stepped.lane.arch == before.arch[1:]
        elif isinstance(event, ArchConfirmed) and arch_alarms:
            # Staff saw who walked through: theirs to name, but only someone called to the arch.
            assert [e.learner_id for e in arch_alarms] == [event.learner_id]
            assert arch_alarms[0].by_staff and event.learner_id in before.arch
        else:
            assert arch_alarms == []
        if isinstance(event, ArchPassed) and before.arch:
            cleared = [e.learner_id for e in stepped.effects if isinstance(e, SaveScreening)]
            assert cleared == [before.arch[0]]
    # Steer towards arch signals with a queue behind the head: where a wrong owner would show.
    target(float(deepest), label="learners queued at an arch signal")


@RUNS
@given(mornings())
def test_no_learner_is_lost(morning: Morning) -> None:
    entered: set[int] = set()
    for _, event, stepped in replay(morning):
        if isinstance(event, EntryTapped):
            entered.add(event.learner_id)
        lane = stepped.lane
        in_flight = [x.learner_id for x in lane.learners]
        gone = [who for who, _ in lane.done]
        assert len(set(in_flight)) == len(in_flight)
        assert len(set(gone)) == len(gone)
        assert set(in_flight) | set(gone) == entered
        assert not set(in_flight) & set(gone)
        assert set(lane.arch) <= set(in_flight)
        assert len(set(lane.arch)) == len(lane.arch)


@RUNS
@given(mornings())
def test_no_two_learners_in_flight_share_a_slot(morning: Morning) -> None:
    for _, _, stepped in replay(morning):
        slots = [x.slot for x in stepped.lane.learners if x.slot]
        assert len(set(slots)) == len(slots)
        assert set(slots) <= stepped.lane.slots_in_use


@RUNS
@given(mornings(), _events_about(st.integers(1, 99)))
def test_every_event_on_every_lane_is_answered(morning: Morning, last: Event) -> None:
    """`step` never raises: any event, for anyone, after any morning, gets effects or a reason."""
    lane = Lane()
    for _, _, stepped in replay(morning):
        lane = stepped.lane
    end = morning.events[-1].at if morning.events else T0
    last = replace(last, at=end + timedelta(seconds=1))
    stepped = step(lane, last, last.at, morning.policy)
    assert isinstance(stepped, Stepped)
