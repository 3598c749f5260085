"""The SNOMED CT codes the service records, with their meanings (UK edition).

The message back to the referrer carries one of these (the PRSB Social Prescribing Standard's
feedback to the GP); ``Feedback.Snomed`` lists the same codes as the form's choices."""

from __future__ import annotations

REFERRAL_TO_SOCIAL_PRESCRIBING_SERVICE = "871731000000106"
SOCIAL_PRESCRIBING_DECLINED = "871711000000103"

SYSTEM = "http://snomed.info/sct"

MEANINGS: dict[str, str] = {
    REFERRAL_TO_SOCIAL_PRESCRIBING_SERVICE: "Referral to social prescribing service",
    SOCIAL_PRESCRIBING_DECLINED: "Social prescribing declined",
}


def snomed_display(code: str) -> str:
    return MEANINGS.get(code, "")
