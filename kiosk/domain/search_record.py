"""What a search's record must say beyond who searched: the learner's consent, and the parents.

Split out of kiosk.domain.search (who may search whom): without consent a search is only for
what the law names, and the parents told must be told how. The search record screen, the
office's follow-ups and the use case that writes a search check these before it is written.
"""

from __future__ import annotations

from enum import StrEnum


class Consent(StrEnum):
    """Whether the learner agreed to the search (seed 003: with consent, or by the power)."""

    YES = "yes"
    NO = "no"


# Without consent a search is only for what the law names (Education Act 1996 s.550ZA): the
# words of those items, as staff write what was sought (or touch a preset).
PROHIBITED_BY_LAW_WORDS: tuple[str, ...] = (
    "knife",
    "knives",
    "blade",
    "weapon",
    "alcohol",
    "drug",
    "stolen",
    "tobacco",
    "cigarette",
    "firework",
    "pornographic",
    "indecent",
    "offence",
    "injury",
    "damage",
)


def consent_problems(consent: Consent | None, sought: str) -> tuple[str, ...]:
    """What stops a search being recorded on the consent it was made with, if anything."""
    if consent is None:
        return ("Record whether the learner consented to the search.",)
    if consent is Consent.YES:
        return ()
    words = sought.casefold()
    if any(word in words for word in PROHIBITED_BY_LAW_WORDS):
        return ()
    return (
        "Without the learner's consent, a search is only for an item the law names (knives "
        "and weapons, alcohol, controlled drugs, stolen items, tobacco and cigarette papers, "
        "fireworks, pornographic images, or anything to commit an offence or cause injury or "
        "damage); the school's own banned items need consent.",
    )


PARENT_TOLD_HOW: tuple[str, ...] = ("phone", "in person", "email", "letter")


def parent_informed_problems(informed: bool, how: str) -> tuple[str, ...]:
    """Parents told: how must be said. Not told: recorded as not yet, with a reason if any."""
    if informed and not how.strip():
        return ("Say how the parent or carer was told (phone, in person, email, letter).",)
    return ()
