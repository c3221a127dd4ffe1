"""``matterlearn data``: inspect and convert data files through the shared data model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..data import ENERGY_KEY, FORCES_KEY, STRESS_KEY
from ._boundary import Outputs

data_app = typer.Typer(help="Inspect, validate and convert data files.", no_args_is_help=True)

_TABLE_SUFFIXES = (".csv", ".gz", ".xz")

EnergyKey = Annotated[str, typer.Option("--energy-key", help="Energy key in the file.")]
ForcesKey = Annotated[str, typer.Option("--forces-key", help="Forces key in the file.")]
StressKey = Annotated[str, typer.Option("--stress-key", help="Stress key in the file.")]
Target = Annotated[Optional[str], typer.Option("--target", help="Target column of a CSV table.")]
InputCol = Annotated[Optional[str], typer.Option("--input-column",
                                                 help="Formula column of a CSV table.")]
Require = Annotated[str, typer.Option("--require",
                                      help="Labels every frame must have, e.g. energy,forces.")]


def _is_table(path: str) -> bool:
    return Path(path).suffix.lower() in _TABLE_SUFFIXES and not path.endswith((".xyz.gz",))


def _read(source: str, target: str | None, input_column: str | None, energy_key: str,
          forces_key: str, stress_key: str, require: str):  # type: ignore[no-untyped-def]
    from ..data import read_frames, read_table

    if _is_table(source):
        return read_table(source, target if target is not None else "target",
                          input_column=input_column)
    req = [r.strip() for r in require.split(",") if r.strip()]
    return read_frames(source, energy_key=energy_key, forces_key=forces_key,
                       stress_key=stress_key, require=req)


@data_app.command()
def inspect(
    source: Annotated[str, typer.Argument(help="File (extxyz, .db, CIF, POSCAR, CSV) or a URL.")],
    target: Target = None,
    input_column: InputCol = None,
    energy_key: EnergyKey = ENERGY_KEY,
    forces_key: ForcesKey = FORCES_KEY,
    stress_key: StressKey = STRESS_KEY,
    require: Require = "",
) -> None:
    """Read and validate a file; print what it holds."""
    import numpy as np

    from ..data import CompositionTable

    obj = _read(source, target, input_column, energy_key, forces_key, stress_key, require)
    if isinstance(obj, CompositionTable):
        y = obj.targets
        typer.echo(f"{source}: {len(obj)} compositions; target '{obj.target}': "
                   f"mean {np.mean(y):.4g}, min {np.min(y):.4g}, max {np.max(y):.4g}")
        return
    species = sorted({s for a in obj for s in a.get_chemical_symbols()})
    n_atoms = [len(a) for a in obj]
    have = {name: sum(key in a.info or key in a.arrays for a in obj)
            for name, key in (("energy", ENERGY_KEY), ("forces", FORCES_KEY),
                              ("stress", STRESS_KEY))}
    typer.echo(f"{source}: {len(obj)} frames, {min(n_atoms)}-{max(n_atoms)} atoms, species "
               f"{', '.join(species)}; labelled: "
               + ", ".join(f"{k} {v}/{len(obj)}" for k, v in have.items()))


@data_app.command()
def convert(
    source: Annotated[str, typer.Argument(help="Input file or database URL.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output file (same kind of data).")],
    target: Target = None,
    input_column: InputCol = None,
    energy_key: EnergyKey = ENERGY_KEY,
    forces_key: ForcesKey = FORCES_KEY,
    stress_key: StressKey = STRESS_KEY,
    require: Require = "",
) -> None:
    """Validate and convert: frames between extxyz / .db / CIF / POSCAR with labels renamed to
    the standard keys; a CSV table to a clean CSV. Nothing is written if any row is bad."""
    from ..data import CompositionTable, frame_format, write_frames, write_table
    from ..errors import ParameterError

    with Outputs() as outs:
        dest = outs.file(out, "--out")
        if _is_table(source):
            if out.suffix.lower() != ".csv":
                raise ParameterError(f"a composition table converts to .csv, not '{out}'")
        else:
            frame_format(out)  # an unknown output format is refused before reading
        obj = _read(source, target, input_column, energy_key, forces_key, stress_key, require)
        if isinstance(obj, CompositionTable):
            write_table(outs.stage(dest), obj)
        else:
            write_frames(outs.stage(dest), obj)
    typer.echo(f"wrote {len(obj)} entries to {out}")
