"""The legacy one- to three-letter codes as enums with readable names.

Each member's name is what the new model stores and shows; its value is the
PROGRES code (docs/PROGRES-LAYOUT.md), so that a legacy record can be rebuilt from the
model exactly. A code that is not a member is not guessed at: the record is
rejected (reason ``unknown_code``).
"""

from __future__ import annotations

from enum import Enum


class Sex(Enum):
    MALE = "M"
    FEMALE = "F"


class Scheme(Enum):
    """AS-REGIME: the insured person's scheme(s)."""

    SALARIED = "SA"
    SELF_EMPLOYED = "TI"
    BOTH = "PA"  # poly-active: salaried and self-employed


class StoppageNature(Enum):
    SICKNESS = "MAL"
    WORK_ACCIDENT = "ATM"  # work accident or occupational disease
    MATERNITY = "MAT"
    PATERNITY = "PAT"


class Modality(Enum):
    FULL_TIME = "TC"
    THERAPEUTIC_PART_TIME = "TP"


class StoppageStatus(Enum):
    OPEN = "E"
    CLOSED = "C"
    CANCELLED = "A"


class AttestationReason(Enum):
    """SA-MOTIF: why an employer sent this version of the salary attestation."""

    INITIAL = "IN"
    CORRECTED = "RE"
    CANCELLATION = "AN"


class SalaryLineNature(Enum):
    REFERENCE_MONTH = "R"  # a month of the reference period before the stoppage
    PART_TIME_PAY = "P"  # salary paid during a therapeutic part-time period


class PaymentNature(Enum):
    SETTLEMENT = "IJ"
    ADVANCE = "AC"
    BACK_PAYMENT = "RA"
    OVERPAYMENT_RECOVERY = "IN"


class Payee(Enum):
    INSURED = "A"
    EMPLOYER = "E"


class PaymentScheme(Enum):
    """PA-REGIME: which scheme's allowance a payment is."""

    SALARIED = "SA"
    SELF_EMPLOYED = "TI"


class YesNo(Enum):
    """The legacy ``O``/``N`` flags; the model holds them as booleans."""

    YES = "O"
    NO = "N"
