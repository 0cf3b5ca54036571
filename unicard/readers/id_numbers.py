"""Resident identity numbers (GB 11643-1999): validation, legacy upgrade, masking.

We check the ISO 7064 MOD 11-2 character and a real, not-future birth date ourselves;
python-stdnum's county check is only advice, because it rejects genuine older numbers whose
county code post-dates the birth year and can raise KeyError on unknown county codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

__all__ = [
    "IdNumberInvalid",
    "ParsedIdNumber",
    "check_character",
    "mask_id_number",
    "parse_id_number",
    "region_advice",
]

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_EARLIEST_BIRTH = date(1880, 1, 1)


class IdNumberInvalid(ValueError):
    """Carries a reason a desk librarian can read out to the reader."""


@dataclass(frozen=True)
class ParsedIdNumber:
    number: str  # always the 18-character form, upper-case X
    birth_date: date
    sex: str  # "M" or "F" from the parity of the 17th digit
    region_code: str
    upgraded_from_15: bool


def check_character(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def _normalise(raw: str) -> str:
    # Full-width digits and X come from Chinese input methods; spaces from copy and paste.
    table = {ord("０") + i: str(i) for i in range(10)} | {ord("Ｘ"): "X", ord("ｘ"): "X"}
    return "".join(raw.translate(table).split()).upper()


def _birth_date(digits: str, where: str) -> date:
    try:
        return date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise IdNumberInvalid(f"{where} '{digits}' is not a real calendar date") from None


def parse_id_number(raw: str, today: date) -> ParsedIdNumber:
    """Validate an 18-digit number, or upgrade a 15-digit legacy number to 18 digits."""
    number = _normalise(raw)
    upgraded = False
    if len(number) == 15:
        if not number.isdigit():
            raise IdNumberInvalid("a 15-digit ID number must contain digits only")
        body = number[:6] + "19" + number[6:]
        number = body + check_character(body)
        upgraded = True
    elif len(number) != 18:
        raise IdNumberInvalid(
            f"an ID number has 18 characters (or 15 for old cards), got {len(number)}"
        )
    body, check = number[:17], number[17]
    if not body.isdigit():
        raise IdNumberInvalid("the first 17 characters of an ID number must be digits")
    if check not in "0123456789X":
        raise IdNumberInvalid("the last character must be a digit or X")
    expected = check_character(body)
    if check != expected and not upgraded:
        raise IdNumberInvalid(
            f"check character is {check}, expected {expected}: a digit is mistyped"
        )
    born = _birth_date(body[6:14], "birth date")
    if born > today:
        raise IdNumberInvalid(f"birth date {born.isoformat()} is in the future")
    if born < _EARLIEST_BIRTH:
        raise IdNumberInvalid(f"birth date {born.isoformat()} is before {_EARLIEST_BIRTH.year}")
    sex = "M" if int(body[16]) % 2 else "F"
    return ParsedIdNumber(number, born, sex, body[:6], upgraded)


def region_advice(number: str) -> str | None:
    """A warning when python-stdnum does not know the county code; never a refusal."""
    try:
        from stdnum.cn import ric

        ric.validate(number)
    except KeyError:
        return f"county code {number[:6]} is unknown to the region list"
    except Exception as exc:  # stdnum raises its own ValidationError subclasses
        return f"region check: {exc}"
    return None


def mask_id_number(number: str) -> str:
    """The only form staff screens and API responses show: region prefix and last two kept."""
    if len(number) < 8:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 5) + number[-2:]
