"""Small child-level returns written by hand, whose answers are known (issue 32)."""

from __future__ import annotations


def cin(reference: str, children: list[dict], la: str = "371") -> bytes:
    """A CIN census: each child {"id", "referrals": [{"date", "closure", "assessments":
    [(start, authorised)], "plans": [(start, end, previous)]}]}."""
    parts = [
        "<Message><Header><CollectionDetails><Collection>CIN</Collection>",
        f"<ReferenceDate>{reference}</ReferenceDate></CollectionDetails>",
        f"<Source><LEA>{la}</LEA></Source></Header><Children>",
    ]
    for child in children:
        parts.append(
            f"<Child><ChildIdentifiers><LAchildID>{child['id']}</LAchildID>"
            f"<UPN>{child.get('upn', 'A123456789012')}</UPN>"
            f"<PersonBirthDate>{child.get('dob', '2010-02-14')}</PersonBirthDate>"
            "</ChildIdentifiers>"
        )
        for referral in child["referrals"]:
            parts.append(f"<CINdetails><CINreferralDate>{referral['date']}</CINreferralDate>")
            if referral.get("closure"):
                parts.append(f"<CINclosureDate>{referral['closure']}</CINclosureDate>")
            for start, authorised in referral.get("assessments", []):
                parts.append(
                    f"<Assessments><AssessmentActualStartDate>{start}</AssessmentActualStartDate>"
                    f"<AssessmentAuthorisationDate>{authorised}</AssessmentAuthorisationDate>"
                    "</Assessments>"
                )
            for start, end, previous in referral.get("plans", []):
                parts.append(
                    f"<ChildProtectionPlans><CPPstartDate>{start}</CPPstartDate>"
                    + (f"<CPPendDate>{end}</CPPendDate>" if end else "")
                    + f"<NumberOfPreviousCPP>{previous}</NumberOfPreviousCPP>"
                    "</ChildProtectionPlans>"
                )
            parts.append("</CINdetails>")
        parts.append("</Child>")
    parts.append("</Children></Message>")
    return "".join(parts).encode()


def csv(header: str, rows: list[str]) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()
