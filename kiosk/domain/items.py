"""What becomes of each item found in a search, by category (DfE 2022 and the school's rules)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ItemCategory(StrEnum):
    WEAPON = "weapon"
    OFFENCE_EVIDENCE = "offence_evidence"
    CONTROLLED_DRUG = "controlled_drug"
    STOLEN = "stolen"
    ALCOHOL = "alcohol"
    TOBACCO = "tobacco"
    FIREWORKS = "fireworks"
    PORNOGRAPHY = "pornography"
    INDECENT_IMAGE_OF_CHILD = "indecent_image"
    LIKELY_OFFENCE_OR_HARM = "harm_item"
    SCHOOL_RULES = "school_rules"

    @property
    def label(self) -> str:
        """The category in words, for screens and the search log."""
        return _LABELS[self]


_LABELS = {
    ItemCategory.WEAPON: "knives and weapons",
    ItemCategory.OFFENCE_EVIDENCE: "evidence of an offence",
    ItemCategory.CONTROLLED_DRUG: "controlled drugs",
    ItemCategory.STOLEN: "stolen items",
    ItemCategory.ALCOHOL: "alcohol",
    ItemCategory.TOBACCO: "tobacco and cigarette papers",
    ItemCategory.FIREWORKS: "fireworks",
    ItemCategory.PORNOGRAPHY: "pornographic images",
    ItemCategory.INDECENT_IMAGE_OF_CHILD: (
        "suspected indecent images of a child or extreme pornography"
    ),
    ItemCategory.LIKELY_OFFENCE_OR_HARM: (
        "items likely to be used to commit an offence or cause injury or damage"
    ),
    ItemCategory.SCHOOL_RULES: "items banned by the school's rules",
}


class Disposition(StrEnum):
    POLICE = "handed to police"
    RETURNED_TO_OWNER = "returned to owner"
    RETAINED = "retained"
    DISPOSED = "disposed of"
    RETURN_END_OF_LESSON = "returned at end of lesson"
    RETURN_END_OF_DAY = "returned at end of day"
    RETURN_TO_PARENT = "returned to parent"


# The dispositions that put the item back in the learner's hands.
RETURNS_TO_LEARNER = frozenset({Disposition.RETURN_END_OF_LESSON, Disposition.RETURN_END_OF_DAY})


@dataclass(frozen=True)
class ItemRule:
    """What may become of an item of one category, and what must be written down for it.

    `reason_required_for`: dispositions that need a written reason (disposing of controlled
    drugs; holding a school-rules item beyond the day). `notify_dsl`: the designated safeguarding
    lead is told whatever becomes of the item.
    """

    category: ItemCategory
    allowed: tuple[Disposition, ...]
    default: Disposition
    police_reference_required_for: tuple[Disposition, ...]
    never_returned_to_learner: bool
    reasons: tuple[str, ...]
    reason_required_for: tuple[Disposition, ...] = ()
    notify_dsl: bool = False


_POLICE = (Disposition.POLICE,)
_RETAIN_OR_DISPOSE = (Disposition.RETAINED, Disposition.DISPOSED)

_RULES = {
    ItemCategory.WEAPON: ItemRule(
        ItemCategory.WEAPON,
        _POLICE,
        Disposition.POLICE,
        _POLICE,
        True,
        ("Knives and weapons are handed to the police.",),
    ),
    ItemCategory.OFFENCE_EVIDENCE: ItemRule(
        ItemCategory.OFFENCE_EVIDENCE,
        _POLICE,
        Disposition.POLICE,
        _POLICE,
        True,
        ("Evidence of an offence is handed to the police.",),
    ),
    ItemCategory.CONTROLLED_DRUG: ItemRule(
        ItemCategory.CONTROLLED_DRUG,
        (Disposition.POLICE, Disposition.DISPOSED),
        Disposition.POLICE,
        _POLICE,
        True,
        (
            "Controlled drugs are handed to the police as soon as practicable.",
            "They may be disposed of instead only with a good reason, written down.",
        ),
        reason_required_for=(Disposition.DISPOSED,),
        notify_dsl=True,
    ),
    ItemCategory.STOLEN: ItemRule(
        ItemCategory.STOLEN,
        (Disposition.POLICE, Disposition.RETURNED_TO_OWNER),
        Disposition.POLICE,
        _POLICE,
        True,
        ("Stolen items are handed to the police or returned to their owner.",),
    ),
    ItemCategory.ALCOHOL: ItemRule(
        ItemCategory.ALCOHOL,
        _RETAIN_OR_DISPOSE,
        Disposition.RETAINED,
        (),
        True,
        ("Alcohol is retained or disposed of, and never returned to the learner.",),
    ),
    ItemCategory.TOBACCO: ItemRule(
        ItemCategory.TOBACCO,
        _RETAIN_OR_DISPOSE,
        Disposition.RETAINED,
        (),
        True,
        (
            "Tobacco and cigarette papers are retained or disposed of, and never returned to "
            "the learner.",
        ),
    ),
    ItemCategory.FIREWORKS: ItemRule(
        ItemCategory.FIREWORKS,
        _RETAIN_OR_DISPOSE,
        Disposition.RETAINED,
        (),
        True,
        ("Fireworks are retained or disposed of, and never returned to the learner.",),
    ),
    ItemCategory.PORNOGRAPHY: ItemRule(
        ItemCategory.PORNOGRAPHY,
        (Disposition.DISPOSED,),
        Disposition.DISPOSED,
        (),
        True,
        (
            "Pornographic images are disposed of.",
            "If they may be indecent images of a child or extreme pornography, record them as "
            "that instead: they go to the police.",
        ),
    ),
    ItemCategory.INDECENT_IMAGE_OF_CHILD: ItemRule(
        ItemCategory.INDECENT_IMAGE_OF_CHILD,
        _POLICE,
        Disposition.POLICE,
        _POLICE,
        True,
        (
            "Suspected indecent images of a child or extreme pornography go to the police.",
            "Do not view, copy, share or delete them; the designated safeguarding lead is told.",
        ),
        notify_dsl=True,
    ),
    ItemCategory.LIKELY_OFFENCE_OR_HARM: ItemRule(
        ItemCategory.LIKELY_OFFENCE_OR_HARM,
        (Disposition.POLICE, Disposition.RETAINED, Disposition.DISPOSED),
        Disposition.RETAINED,
        _POLICE,
        True,
        (
            "An item likely to be used to commit an offence or cause injury or damage goes to "
            "the police if an offence is suspected; otherwise it is retained or disposed of.",
        ),
    ),
    ItemCategory.SCHOOL_RULES: ItemRule(
        ItemCategory.SCHOOL_RULES,
        (
            Disposition.RETURN_END_OF_LESSON,
            Disposition.RETURN_END_OF_DAY,
            Disposition.RETURN_TO_PARENT,
            Disposition.RETAINED,
        ),
        Disposition.RETURN_END_OF_DAY,
        (),
        False,
        (
            "Items banned by the school's rules are returned at the end of the lesson or the "
            "day, or to a parent, as the school's policy says.",
            "Holding one longer (such as a phone kept a second day) needs a written reason; "
            "retention is never a punishment in itself.",
        ),
        reason_required_for=(Disposition.RETAINED,),
    ),
}


def item_rule(category: ItemCategory) -> ItemRule:
    """The rule for one category of item."""
    return _RULES[category]


@dataclass(frozen=True)
class DispositionCheck:
    """Whether a disposition may be recorded for an item, and who must be told.

    `reference_to_follow`: handed to the police before they gave a reference; the record says
    why and the reference must be added later.
    """

    allowed: bool
    notify_dsl: bool
    reasons: tuple[str, ...]
    reference_to_follow: bool = False


def check_disposition(
    category: ItemCategory,
    disposition: Disposition,
    *,
    police_reference: str = "",
    reason: str = "",
) -> DispositionCheck:
    """Check what became of an item against its category's rule.

    A hand-over to the police needs the police reference. When the police have not given one
    yet the hand-over may still be recorded, but only with a written reason; it is then flagged
    `reference_to_follow`. Refusing the record outright would leave an item in police hands with
    no record at all, which is worse than a record with a gap that is named.
    """
    rule = item_rule(category)
    label = category.label[0].upper() + category.label[1:]
    if disposition not in rule.allowed:
        allowed = " or ".join(str(d) for d in rule.allowed)
        refusal = f"{label} cannot be {disposition}: only {allowed}."
        return DispositionCheck(False, False, (refusal, *rule.reasons))

    written = reason.strip()
    if disposition in rule.reason_required_for and not written:
        return DispositionCheck(
            False, False, (f"{label} {disposition}: write down the reason.", *rule.reasons)
        )

    reasons = [f"{label}: {disposition}."]
    if written:
        reasons.append(f"Reason: {written}")
    to_follow = False
    if disposition in rule.police_reference_required_for:
        reference = police_reference.strip()
        if reference:
            reasons.append(f"Police reference: {reference}.")
        elif written:
            to_follow = True
            reasons.append("No police reference yet: add it when the police give one.")
        else:
            return DispositionCheck(
                False,
                False,
                (
                    "A hand-over to the police needs the police reference, or a written reason "
                    "why it is to follow.",
                ),
            )
    notify_dsl = disposition is Disposition.POLICE or rule.notify_dsl
    if notify_dsl:
        reasons.append("The designated safeguarding lead will be told.")
    return DispositionCheck(True, notify_dsl, tuple(reasons), to_follow)


@dataclass(frozen=True)
class FoundItem:
    """One item found in a search and what became of it, as staff record it."""

    category: ItemCategory
    description: str
    disposition: Disposition
    handed_to: str = ""
    police_reference: str = ""
    reason: str = ""
