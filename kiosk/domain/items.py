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
    LEGAL_HIGH = "legal_high"
    VAPE = "vape"
    LIGHTER = "lighter"
    MATCHES = "matches"
    EARPHONES = "earphones"
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
    ItemCategory.LEGAL_HIGH: "legal highs (psychoactive substances)",
    ItemCategory.VAPE: "vapes and e-cigarettes",
    ItemCategory.LIGHTER: "lighters",
    ItemCategory.MATCHES: "matches",
    ItemCategory.EARPHONES: "earphones",
    ItemCategory.SCHOOL_RULES: "other items banned by the school's rules",
}

# The law's own list of prohibited items: always offered. The school's rules add the others.
LAW_CATEGORIES: tuple[ItemCategory, ...] = (
    ItemCategory.WEAPON,
    ItemCategory.OFFENCE_EVIDENCE,
    ItemCategory.CONTROLLED_DRUG,
    ItemCategory.STOLEN,
    ItemCategory.ALCOHOL,
    ItemCategory.TOBACCO,
    ItemCategory.FIREWORKS,
    ItemCategory.PORNOGRAPHY,
    ItemCategory.INDECENT_IMAGE_OF_CHILD,
    ItemCategory.LIKELY_OFFENCE_OR_HARM,
)

# The names a school may list in `[policy] school_rules_items`, and the category each becomes.
# A name not here (a "mobile phone", a "laser pen") is recorded under the generic category.
SCHOOL_ITEM_NAMES: dict[str, ItemCategory] = {
    "e-cigarette": ItemCategory.VAPE,
    "e-cigarettes": ItemCategory.VAPE,
    "vape": ItemCategory.VAPE,
    "vapes": ItemCategory.VAPE,
    "lighter": ItemCategory.LIGHTER,
    "lighters": ItemCategory.LIGHTER,
    "matches": ItemCategory.MATCHES,
    "legal high": ItemCategory.LEGAL_HIGH,
    "legal highs": ItemCategory.LEGAL_HIGH,
    "earphones": ItemCategory.EARPHONES,
}

# Drug and substance items: every one is the designated safeguarding lead's to know of.
SUBSTANCES = frozenset(
    {ItemCategory.CONTROLLED_DRUG, ItemCategory.LEGAL_HIGH, ItemCategory.ALCOHOL}
)

# Words that, in a generic school-rules item's description, name an item the law says is never
# handed back to the learner (alcohol, tobacco and papers, lighters, fireworks).
_NEVER_RETURNED_WORDS = (
    "lighter",
    "match",
    "alcohol",
    "vodka",
    "beer",
    "cigarette",
    "tobacco",
    "rolling paper",
    "rizla",
    "firework",
    "vape",
    "e-cig",
)


def categories_for(school_rules_items: tuple[str, ...]) -> tuple[ItemCategory, ...]:
    """The categories offered on the search screen: the law's, then the school's own, then the
    generic school-rules category (only if the school lists something it does not cover)."""
    own: list[ItemCategory] = []
    generic = False
    for name in school_rules_items:
        category = SCHOOL_ITEM_NAMES.get(" ".join(name.casefold().split()))
        if category is None:
            generic = True
        elif category not in own:
            own.append(category)
    return (*LAW_CATEGORIES, *own, *((ItemCategory.SCHOOL_RULES,) if generic else ()))


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
        (
            "Stolen items are handed to the police or returned to their owner.",
            "Returning one to its owner needs a written reason; the designated safeguarding "
            "lead is told, so that the police and parents can be.",
        ),
        reason_required_for=(Disposition.RETURNED_TO_OWNER,),
        notify_dsl=True,
    ),
    ItemCategory.ALCOHOL: ItemRule(
        ItemCategory.ALCOHOL,
        _RETAIN_OR_DISPOSE,
        Disposition.RETAINED,
        (),
        True,
        ("Alcohol is retained or disposed of, and never returned to the learner.",),
        notify_dsl=True,
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
    ItemCategory.LEGAL_HIGH: ItemRule(
        ItemCategory.LEGAL_HIGH,
        _RETAIN_OR_DISPOSE,
        Disposition.RETAINED,
        (),
        True,
        (
            "Legal highs are retained or disposed of, never returned to the learner; the "
            "designated safeguarding lead is told of every drug or substance found.",
        ),
        notify_dsl=True,
    ),
    ItemCategory.VAPE: ItemRule(
        ItemCategory.VAPE,
        (Disposition.RETURN_TO_PARENT, *_RETAIN_OR_DISPOSE),
        Disposition.RETAINED,
        (),
        True,
        (
            "Vapes and e-cigarettes are retained, disposed of or given to a parent, never back "
            "to the learner.",
        ),
    ),
    ItemCategory.LIGHTER: ItemRule(
        ItemCategory.LIGHTER,
        _RETAIN_OR_DISPOSE,
        Disposition.RETAINED,
        (),
        True,
        ("Lighters are retained or disposed of, and never returned to the learner.",),
    ),
    ItemCategory.MATCHES: ItemRule(
        ItemCategory.MATCHES,
        _RETAIN_OR_DISPOSE,
        Disposition.RETAINED,
        (),
        True,
        ("Matches are retained or disposed of, and never returned to the learner.",),
    ),
    ItemCategory.EARPHONES: ItemRule(
        ItemCategory.EARPHONES,
        (
            Disposition.RETURN_END_OF_DAY,
            Disposition.RETURN_TO_PARENT,
            Disposition.RETAINED,
        ),
        Disposition.RETURN_END_OF_DAY,
        (),
        False,
        (
            "Earphones are banned unless the learner has permission: confiscated like a phone, "
            "for the day, then a second day, then a parent collects them.",
        ),
        reason_required_for=(Disposition.RETAINED,),
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


def permission_problem(category: ItemCategory, *, earphones_permitted: bool) -> str:
    """R33: earphones are banned except with permission; a learner the roster permits them is
    not having a banned item taken, so nothing may be confiscated. Empty: no problem."""
    if category is ItemCategory.EARPHONES and earphones_permitted:
        return (
            "This learner has permission for earphones (the roster): they are not a banned "
            "item for them and are not confiscated."
        )
    return ""


def check_disposition(
    category: ItemCategory,
    disposition: Disposition,
    *,
    police_reference: str = "",
    reason: str = "",
    description: str = "",
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

    if disposition in RETURNS_TO_LEARNER and rule.never_returned_to_learner is False:
        words = description.casefold()
        named = next((w for w in _NEVER_RETURNED_WORDS if w in words), None)
        if named is not None:
            return DispositionCheck(
                False,
                False,
                (
                    f"A {named} is never returned to the learner (alcohol, tobacco and papers, "
                    "lighters and fireworks): record it under its own category.",
                ),
            )

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
