"""The learner desk: the mark, the late reason for L/U only, and Admit as the lane decided.

The screen holds no rule of its own: whether Admit is allowed, and why not, come in the view.
"""

from __future__ import annotations

from dataclasses import replace

from textual.widgets import Button

from kiosk.screens.learner_desk import LearnerDeskScreen
from kiosk.views.desk import DeskAction, LearnerDeskView
from tests.screens.harness import UNSET, Harness, shown

ON_TIME = LearnerDeskView(
    first_name="Chidi",
    surname="Okeke",
    reg_group="9B",
    year_group="9",
    mark_code="/",
    minutes_late=0,
    arrived_local="08:25",
    late_detention=False,
    phone_policy="required",
    phone_done=False,
    screening_policy="required",
    selected_for_screening=True,
    screening_result=None,
    sen=False,
    in_arch=True,
    may_admit=False,
    waiting_for="The school requires phones to be handed in first.",
)
READY = dict(may_admit=True, waiting_for="")
LATE = replace(ON_TIME, mark_code="L", minutes_late=12, arrived_local="08:52")
AFTER_REGISTER = replace(
    ON_TIME, mark_code="U", minutes_late=35, arrived_local="09:15", late_detention=True
)


def has(app, selector: str) -> bool:
    """Shown to staff: the desk keeps every step's buttons and hides those not needed now."""
    return any(
        all(node.display for node in widget.ancestors_with_self)
        for widget in app.screen.query(selector)
    )


def admit(app) -> Button:
    return app.screen.query_one("#admit", Button)


async def press(pilot, selector: str) -> None:
    await pilot.click(selector)
    await pilot.pause()


async def test_admit_is_disabled_until_phone_and_screening_are_done() -> None:
    app = Harness(LearnerDeskScreen(ON_TIME))
    async with app.run_test(size=(100, 30)) as pilot:
        assert admit(app).disabled
        assert "Admit waits: The school requires phones to be handed in first." in shown(app)
        await press(pilot, "#admit")
        assert app.result is UNSET


async def test_admit_is_enabled_once_phone_is_in_and_screening_is_clear() -> None:
    view = replace(ON_TIME, phone_done=True, screening_result="clear", in_arch=False, **READY)
    app = Harness(LearnerDeskScreen(view))
    async with app.run_test(size=(100, 30)) as pilot:
        assert not admit(app).disabled
        assert not has(app, "#phone-in") and not has(app, "#arch-clear")
        await press(pilot, "#admit")
        assert app.result == DeskAction("admit")


async def test_after_an_alarm_admit_waits_for_a_clear_wand() -> None:
    view = replace(
        ON_TIME,
        phone_done=True,
        screening_result="alarm",
        in_arch=False,
        waiting_for="The arch alarmed: a search must be recorded first.",
    )
    app = Harness(LearnerDeskScreen(view))
    async with app.run_test(size=(100, 30)) as pilot:
        assert admit(app).disabled
        assert not has(app, "#arch-clear"), "the arch has spoken; the wand checks the alarm"
        assert has(app, "#search") and has(app, "#refuse") and has(app, "#send-back")
        await press(pilot, "#wand-clear")
        assert app.result == DeskAction("wand_clear")


async def test_phone_optional_and_screening_off_admit_at_once() -> None:
    view = replace(
        ON_TIME,
        phone_policy="optional",
        screening_policy="off",
        selected_for_screening=False,
        in_arch=False,
        **READY,
    )
    app = Harness(LearnerDeskScreen(view))
    async with app.run_test(size=(100, 30)):
        assert not admit(app).disabled
        assert has(app, "#phone-in"), "an optional hand-in is still offered"
        assert not has(app, "#arch-clear") and not has(app, "#refuse")


async def test_random_screening_asks_only_the_selected_learner() -> None:
    view = replace(
        ON_TIME,
        phone_done=True,
        screening_policy="random",
        selected_for_screening=False,
        in_arch=False,
        **READY,
    )
    app = Harness(LearnerDeskScreen(view))
    async with app.run_test(size=(100, 30)):
        assert not admit(app).disabled and not has(app, "#arch-clear")
    chosen = replace(view, selected_for_screening=True, in_arch=True, may_admit=False)
    app = Harness(LearnerDeskScreen(chosen))
    async with app.run_test(size=(100, 30)):
        assert admit(app).disabled and has(app, "#arch-clear")


async def test_phone_off_hides_the_phone_row() -> None:
    app = Harness(LearnerDeskScreen(replace(ON_TIME, phone_policy="off")))
    async with app.run_test(size=(100, 30)):
        assert not has(app, "#phone-in") and not has(app, "#no-phone")


async def test_late_reason_box_is_shown_only_for_L_and_U() -> None:
    for view, expected in ((ON_TIME, False), (LATE, True), (AFTER_REGISTER, True)):
        app = Harness(LearnerDeskScreen(view))
        async with app.run_test(size=(100, 30)):
            assert has(app, "#late-reason") is expected, view.mark_code


async def test_late_learner_shows_mark_minutes_and_detention() -> None:
    app = Harness(LearnerDeskScreen(AFTER_REGISTER))
    async with app.run_test(size=(100, 30)):
        text = shown(app)
        assert "Once admitted: after registers closed (U), 35 minutes late" in text
        assert "Late detention today" in text


async def test_phone_in_returns_the_slot_and_the_late_reason() -> None:
    app = Harness(LearnerDeskScreen(LATE))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.click("#late-reason")
        await pilot.press(*"bus late")
        phone_in = app.screen.query_one("#phone-in", Button)
        assert phone_in.disabled, "no slot typed yet"
        await pilot.click("#slot")
        await pilot.press("1", "4")
        await pilot.pause()
        assert not phone_in.disabled
        await press(pilot, "#phone-in")
        assert app.result == DeskAction("phone_in", slot="14", late_reason="bus late")


async def test_each_step_button_dismisses_with_its_kind() -> None:
    buttons = {
        "#no-phone": "no_phone",
        "#arch-clear": "arch_clear",
        "#arch-alarm": "arch_alarm",
        "#wand-clear": "wand_clear",
        "#wand-alarm": "wand_alarm",
        "#search": "search",
        "#refuse": "refuse",
    }
    for selector, kind in buttons.items():
        app = Harness(LearnerDeskScreen(ON_TIME))
        async with app.run_test(size=(100, 30)) as pilot:
            await press(pilot, selector)
            assert app.result == DeskAction(kind), selector


async def test_back_dismisses_with_none() -> None:
    app = Harness(LearnerDeskScreen(ON_TIME))
    async with app.run_test(size=(100, 30)) as pilot:
        await press(pilot, "#back")
        assert app.result is None


def test_learner_desk_late_with_everything_to_do_snapshot(snap_compare) -> None:
    view = replace(AFTER_REGISTER, sen=True)
    assert snap_compare(Harness(LearnerDeskScreen(view)), terminal_size=(100, 30))
