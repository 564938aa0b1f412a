"""From legacy records to rows of the new model, and back.

One table, :data:`TRANSLATIONS`, says for each record type which model
table receives it, which legacy field goes to which column and how, and
which parent record it hangs from. The migration reads it forwards; the
verification (:mod:`bascule.migrate.verify`) reads it backwards to rebuild
each legacy record from the model, so the two cannot drift apart.

Fields of the common prefix that a record shares with its parent (the
NIR, its key and the caisse with the person; the stoppage number with the
stoppage; the attestation id with the attestation) are not copied: the
link to the parent carries them, and the verification proves it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np
import pandas as pd

from bascule.legacy_adapters.frames import RECORD_INDEX
from bascule.legacy_adapters.problems import Reason, concat_problems, problem_frame
from bascule.legacy_adapters.progres_layout import (
    ATTESTATION,
    EMPLOYER,
    HEADER,
    PAYMENT,
    PERSON,
    SALARY_LINE,
    STOPPAGE,
    SUBROGATION,
    TRAILER,
)
from bascule.migrate import codes, model

Frames = dict[str, pd.DataFrame]


@dataclass(frozen=True)
class Kept:
    """A legacy field kept in a model column, as is or through a code."""

    field: str
    column: str
    code: type[Enum] | None = None  # the field holds a code of this enum
    optional: bool = False  # blank text is no value (NULL)
    flag: bool = False  # an O/N code held as a boolean

    def forward(self, values: pd.Series) -> pd.Series:
        """The model's values of a column whose codes are all known."""
        if self.flag:
            return values == codes.YesNo.YES.value
        if self.code is not None:
            return values.map({member.value: member.name for member in self.code}).astype(object)
        if self.optional:
            return values.astype(object).where(values != "", None)
        return values

    def backward(self, values: pd.Series) -> pd.Series:
        """The legacy field's values from the model's column."""
        if self.flag:
            return values.astype(bool).map({True: codes.YesNo.YES.value, False: codes.YesNo.NO.value})
        if self.code is not None:  # members as the ORM reads them, or their names as stored
            return values.map({**{m: m.value for m in self.code}, **{m.name: m.value for m in self.code}})
        if self.optional:
            return values.fillna("")
        return values

    def unknown(self, values: pd.Series) -> np.ndarray:
        """Where the field holds a code that is not a member of its enum."""
        enum = codes.YesNo if self.flag else self.code
        if enum is None:
            return np.zeros(len(values), dtype=bool)
        return ~values.isin([member.value for member in enum]).to_numpy()


@dataclass(frozen=True)
class Link:
    """The record's parent: the column holding its record index, and the keys that find it."""

    column: str  # e.g. stoppage_index
    parent: str  # record type of the parent
    field: str  # this record's field naming the parent
    key: str  # the parent's field it names
    optional: bool = False  # a blank field names no parent (NULL)


@dataclass(frozen=True)
class Translation:
    record_type: str
    table: type[model.Base]
    kept: tuple[Kept, ...]
    links: tuple[Link, ...] = ()


TO_PERSON = Link("person_index", PERSON, "PRG-NIR", "PRG-NIR")
TO_STOPPAGE = Link("stoppage_index", STOPPAGE, "PRG-NUM-ARRET", "PRG-NUM-ARRET")

TRANSLATIONS: dict[str, Translation] = {
    t.record_type: t
    for t in (
        Translation(
            PERSON,
            model.InsuredPerson,
            (
                Kept("PRG-CAISSE", "caisse"),
                Kept("PRG-NIR", "nir"),
                Kept("PRG-NIR-CLE", "nir_key"),
                Kept("AS-NOM", "last_name"),
                Kept("AS-PRENOM", "first_name"),
                Kept("AS-DATE-NAISSANCE", "birth_date"),
                Kept("AS-SEXE", "sex", codes.Sex),
                Kept("AS-REGIME", "scheme", codes.Scheme),
                Kept("AS-NB-ENFANTS", "dependent_children"),
                Kept("AS-IBAN", "iban", optional=True),
                Kept("AS-MAINTIEN-DROIT", "keeps_rights", flag=True),
                Kept("AS-DATE-FIN-CONTRAT", "contract_end_date"),
                Kept("AS-REVENU-TI", "self_employed_income_cents"),
            ),
        ),
        Translation(
            STOPPAGE,
            model.Stoppage,
            (
                Kept("PRG-NUM-ARRET", "number"),
                Kept("AR-NATURE", "nature", codes.StoppageNature),
                Kept("AR-MODALITE", "modality", codes.Modality),
                Kept("AR-DATE-DEBUT", "start_date"),
                Kept("AR-DATE-FIN", "end_date"),
                Kept("AR-DJT", "last_day_worked"),
                Kept("AR-ALD", "long_term_illness", flag=True),
                Kept("AR-DATE-ACCIDENT", "accident_date"),
                Kept("AR-DATE-ACCOUCHEMENT", "birth_date"),
                Kept("AR-DATE-PRESUMEE", "presumed_birth_date"),
                Kept("AR-NB-ENFANTS-NES", "children_born"),
                Kept("AR-RANG-NAISSANCE", "birth_rank"),
                Kept("AR-NE-SANS-VIE", "stillbirth", flag=True),
                Kept("AR-STATUT", "status", codes.StoppageStatus),
                Kept("AR-DATE-RECEPTION", "received_on"),
                Kept("AR-DATE-FIN-DROITS", "legacy_rights_end"),
            ),
            (TO_PERSON, Link("initial_stoppage_index", STOPPAGE, "AR-ARRET-INITIAL", "PRG-NUM-ARRET", optional=True)),
        ),
        Translation(
            EMPLOYER,
            model.Employer,
            (
                Kept("EM-SIRET", "siret"),
                Kept("EM-RAISON-SOCIALE", "name"),
                Kept("EM-IBAN", "iban", optional=True),
            ),
            (TO_STOPPAGE,),
        ),
        Translation(
            ATTESTATION,
            model.SalaryAttestation,
            (
                Kept("SA-ID", "attestation_id"),
                Kept("SA-SIRET", "siret"),
                Kept("SA-VERSION", "version"),
                Kept("SA-MOTIF", "reason", codes.AttestationReason),
                Kept("SA-DATE-RECEPTION", "received_on"),
                Kept("SA-DATE-REPRISE", "return_to_work_on"),
            ),
            (TO_STOPPAGE,),
        ),
        Translation(
            SALARY_LINE,
            model.SalaryLine,
            (
                Kept("SL-NATURE", "nature", codes.SalaryLineNature),
                Kept("SL-PERIODE-DEBUT", "period_start"),
                Kept("SL-PERIODE-FIN", "period_end"),
                Kept("SL-SALAIRE-BRUT", "gross_cents"),
                Kept("SL-HEURES", "hours_hundredths"),
            ),
            (Link("attestation_index", ATTESTATION, "SL-SA-ID", "SA-ID"),),
        ),
        Translation(
            SUBROGATION,
            model.SubrogationPeriod,
            (
                Kept("SU-SIRET", "siret"),
                Kept("SU-DATE-DEBUT", "start_date"),
                Kept("SU-DATE-FIN", "end_date"),
            ),
            (Link("attestation_index", ATTESTATION, "SU-SA-ID", "SA-ID"),),
        ),
        Translation(
            PAYMENT,
            model.LegacyPayment,
            (
                Kept("PA-ID", "payment_id"),
                Kept("PA-NATURE", "nature", codes.PaymentNature),
                Kept("PA-DATE-DEBUT", "start_date"),
                Kept("PA-DATE-FIN", "end_date"),
                Kept("PA-NB-JOURS", "days"),
                Kept("PA-IJ-JOURNALIERE", "daily_amount_cents"),
                Kept("PA-MONTANT", "amount_cents"),
                Kept("PA-TAUX", "rate_hundredths_pct"),
                Kept("PA-SALAIRE-JOURNALIER", "daily_salary_cents"),
                Kept("PA-BENEFICIAIRE", "payee", codes.Payee),
                Kept("PA-SIRET", "employer_siret", optional=True),
                Kept("PA-DATE-PAIEMENT", "paid_on"),
                Kept("PA-REGIME", "scheme", codes.PaymentScheme),
            ),
            (TO_STOPPAGE,),
        ),
    )
}

# The HD and FT records live in the migration run's own row: legacy field → run column.
# (The run also keeps the trailer's declared totals and the layout version when
# those records are rejected: the reader's summary gives them then.)
RUN_FIELDS: dict[str, dict[str, str]] = {
    HEADER: {
        RECORD_INDEX: "header_index",
        "PRG-CAISSE": "caisse",
        "HD-DATE-EXTRACTION": "extraction_date",
        "HD-VERSION-LAYOUT": "layout_version",
        "HD-CODE-CAISSE": "caisse_code",
        "HD-LIBELLE-CAISSE": "caisse_name",
    },
    TRAILER: {
        RECORD_INDEX: "trailer_index",
        "PRG-CAISSE": "trailer_caisse",
        "FT-NB-ENREG": "trailer_records",
        "FT-NB-ASSURES": "trailer_persons",
        "FT-NB-ARRETS": "trailer_stoppages",
        "FT-TOTAL-MONTANTS": "trailer_total_cents",
    },
}

# Parents before children: the order rows are loaded in, and the reverse of deletion.
LOAD_ORDER = (PERSON, STOPPAGE, EMPLOYER, ATTESTATION, SALARY_LINE, SUBROGATION, PAYMENT)


def unknown_code_problems(frames: Frames) -> pd.DataFrame:
    """Records holding a code the model has no name for; the code is shown, never guessed."""
    found = []
    for code, translation in TRANSLATIONS.items():
        frame = frames.get(code)
        if frame is None:
            continue
        for kept in translation.kept:
            bad = kept.unknown(frame[kept.field])
            if bad.any():
                raw = [repr(v) for v in frame[kept.field].to_numpy()[bad]]
                found.append(
                    problem_frame(frame[RECORD_INDEX].to_numpy()[bad], code, Reason.UNKNOWN_CODE, kept.field, raw)
                )
    return concat_problems(found)


def to_rows(frames: Frames) -> dict[str, pd.DataFrame]:
    """Each record type's frame as its model table's columns, parents linked by record index.

    The frames hold whole, valid families (the reader and the validation
    removed the rest), so every parent is found.
    """
    rows = {}
    for code in LOAD_ORDER:
        frame = frames.get(code)
        if frame is None or frame.empty:
            continue
        translation = TRANSLATIONS[code]
        columns = {"record_index": frame[RECORD_INDEX].to_numpy()}
        for link in translation.links:
            indexes = parent_indexes(frame[link.field], frames.get(link.parent), link.key)
            columns[link.column] = np.where(indexes >= 0, indexes, None) if link.optional else indexes
        for kept in translation.kept:
            columns[kept.column] = kept.forward(frame[kept.field]).to_numpy()
        rows[code] = pd.DataFrame(columns)
    return rows


def parent_indexes(keys: pd.Series, parents: pd.DataFrame | None, parent_key: str) -> np.ndarray:
    """The record index of the parent each key names; -1 where none does (a blank link)."""
    if parents is None or parents.empty:
        return np.full(len(keys), -1, dtype=np.int64)
    table = pd.Index(parents[parent_key].to_numpy(dtype=object), dtype=object)
    at = table.get_indexer(keys.to_numpy(dtype=object))
    found = parents[RECORD_INDEX].to_numpy()[at.clip(min=0)]
    return np.where(at >= 0, found, -1)
