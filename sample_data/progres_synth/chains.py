"""The shape of what is generated: stoppage chains, stoppages, attestations."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass
class Attestation:
    """One version of an employer's salary attestation (DSIJ)."""

    id: str
    siret: str
    version: int
    motif: str  # IN initial, RE corrected
    received: dt.date
    return_date: dt.date | None = None
    salary_lines: list[dict[str, object]] = field(default_factory=list)
    subrogation: list[tuple[dt.date, dt.date]] = field(default_factory=list)

    def sa_fields(self) -> dict[str, object]:
        return {"SA-ID": self.id, "SA-SIRET": self.siret, "SA-VERSION": self.version, "SA-MOTIF": self.motif,
                "SA-DATE-RECEPTION": self.received, "SA-DATE-REPRISE": self.return_date}

    def salaries(self, nature: str) -> dict[tuple[int, int], int]:
        """Cents by (year, month) of the period start, for lines of one nature (R or P)."""
        months: dict[tuple[int, int], int] = {}
        for line in self.salary_lines:
            if line["SL-NATURE"] == nature:
                start = line["SL-PERIODE-DEBUT"]
                assert isinstance(start, dt.date)
                key = (start.year, start.month)
                months[key] = months.get(key, 0) + int(line["SL-SALAIRE-BRUT"])  # type: ignore[call-overload]
        return months


@dataclass
class Stoppage:
    number: str
    nature: str  # MAL, ATM, MAT, PAT
    first: dt.date
    last: dt.date
    modality: str = "TC"
    initial: str = ""
    ald: bool = False
    accident: dt.date | None = None
    birth: dt.date | None = None
    presumed_birth: dt.date | None = None
    born: int = 0
    rank: int = 0
    stillbirth: bool = False
    status: str = "C"
    received: dt.date | None = None
    rights_end: dt.date | None = None  # set by the legacy payments when a limit stops them
    employers: list[tuple[str, str, str]] = field(default_factory=list)
    attestations: list[Attestation] = field(default_factory=list)

    def ar_fields(self) -> dict[str, object]:
        return {
            "AR-NATURE": self.nature, "AR-MODALITE": self.modality, "AR-DATE-DEBUT": self.first,
            "AR-DATE-FIN": self.last, "AR-DJT": self.first - dt.timedelta(days=1), "AR-ARRET-INITIAL": self.initial,
            "AR-ALD": "O" if self.ald else "N", "AR-DATE-ACCIDENT": self.accident,
            "AR-DATE-ACCOUCHEMENT": self.birth, "AR-DATE-PRESUMEE": self.presumed_birth,
            "AR-NB-ENFANTS-NES": self.born, "AR-RANG-NAISSANCE": self.rank,
            "AR-NE-SANS-VIE": "O" if self.stillbirth else "N", "AR-STATUT": self.status,
            "AR-DATE-RECEPTION": self.received or self.first + dt.timedelta(days=2), "AR-DATE-FIN-DROITS": self.rights_end,
        }


@dataclass
class Chain:
    """An initial stoppage and its extensions, with how the legacy paid it."""

    case: str
    stoppages: list[Stoppage]
    advance: int = 0  # cents advanced at the start (AC), 0 for none
    advance_settled: bool = True
    self_employed: bool = False  # a self-employed (TI) stream is paid
    salaried: bool = True  # a salaried (SA) stream is paid

    @property
    def initial(self) -> Stoppage:
        return self.stoppages[0]

    @property
    def last_day(self) -> dt.date:
        return self.stoppages[-1].last

    def attestations(self) -> list[Attestation]:
        return [a for s in self.stoppages for a in s.attestations]
