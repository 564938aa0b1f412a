"""Write synthetic PROGRES-IJ extracts: deterministic, valid, with the IJ case mix.

    python sample_data/generate.py                               # the shipped sample
    python sample_data/generate.py --persons 80000 --out-dir /tmp/big

The people are invented (Faker's fr_FR locale), their NIR and SIRET keys
valid (python-stdnum). Each person has one or two stoppage chains drawn
from the case mix of docs/RULES.md: sickness, extensions, ALD, work
accidents, maternity (twins, third child, stillbirth), paternity,
therapeutic part-time, subrogation and its alternations, corrected
attestations, keeping rights, several employers, self-employed and
poly-active people, long, open and cancelled stoppages. Payments follow
legacy habits: 14-day settlements, advances (most later settled), back
payments after corrected attestations. Needs ``pip install -e '.[sample]'``.

Beside the extracts it writes what a simulated new system pays for them,
in bascule's external format (``new_system_441.csv``), with the defects
of the 2024 pilot, and which stoppage each defect changed
(``new_system_441_defects.csv``): see ``progres_synth/new_system.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

sys.path.insert(0, str(Path(__file__).parent))
from progres_synth import DEFAULT_PERSONS, DEFAULT_SEED, ENCODINGS, write_extract  # noqa: E402
from progres_synth.extract import CAISSE  # noqa: E402
from progres_synth.new_system import simulate  # noqa: E402

from bascule.engines.inputs import rows_from_extract  # noqa: E402


@click.command()
@click.option("--persons", "count", type=click.IntRange(min=1), default=DEFAULT_PERSONS, show_default=True,
              help="Insured people in the extract (about 14 records each).")
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True, help="Same seed, same bytes.")
@click.option("--out-dir", type=click.Path(file_okay=False, path_type=Path), default=Path(__file__).parent,
              show_default="sample_data/", help="Where to write the extracts.")
@click.option("--encoding", "encodings", type=click.Choice([*ENCODINGS, "both"]), default="both", show_default=True)
@click.option("--new-system/--no-new-system", default=True, show_default=True,
              help="Also write the simulated new system's results and its defects.")
def main(count: int, seed: int, out_dir: Path, encodings: str, new_system: bool) -> None:
    """Write synthetic PROGRES-IJ extracts named progres_441_<encoding>.dat."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = None
    for name in ENCODINGS if encodings == "both" else [encodings]:
        path = out_dir / f"progres_{CAISSE}_{name}.dat"
        records = write_extract(path, seed, count, ENCODINGS[name])
        click.echo(f"{path}: {records:,} records, {count:,} persons ({name})")
    if new_system and path is not None:
        results, defects = simulate(*rows_from_extract(path))
        results.to_csv(out_dir / f"new_system_{CAISSE}.csv", index=False)
        defects.to_csv(out_dir / f"new_system_{CAISSE}_defects.csv", index=False)
        click.echo(f"{out_dir / f'new_system_{CAISSE}.csv'}: {len(results):,} rows, "
                   f"{defects['stoppage'].nunique():,} stoppages changed by a defect")


if __name__ == "__main__":
    main()
