"""``matterlearn datasets``: list, show and export the registered datasets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

datasets_app = typer.Typer(help="Bundled and generated datasets.", no_args_is_help=True)


@datasets_app.command("list")
def list_(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List every dataset with its size, task, target and unit."""
    from ..datasets import list_datasets

    infos = list_datasets()
    if as_json:
        keys = ("name", "n", "input_type", "task", "target", "unit", "official_folds",
                "generated", "description", "source", "licence", "references")
        typer.echo(json.dumps([{k: inf.to_dict()[k] for k in keys} for inf in infos], indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="matterlearn datasets")
    for col in ("name", "n", "input", "task", "target", "unit", "folds"):
        table.add_column(col, justify="right" if col == "n" else "left")
    for inf in infos:
        folds = "official" if inf.official_folds else ("generated" if inf.generated else "-")
        table.add_row(inf.name, f"{inf.n:,}", inf.input_type, inf.task, inf.target,
                      inf.unit or "-", folds)
    console = Console()
    if not console.is_terminal:
        console.width = 150  # piped output: do not squeeze the table into 80 columns
    console.print(table)


@datasets_app.command()
def show(name: Annotated[str, typer.Argument(help="Dataset name.")]) -> None:
    """Describe one dataset: what it is, where it comes from, its licence and how to cite it."""
    from ..datasets import info

    inf = info(name)
    lines = [
        f"{inf.name}: {inf.description}",
        f"  entries      {inf.n:,} ({inf.input_type} inputs)",
        f"  task         {inf.task}; target '{inf.target}'" + (f" in {inf.unit}" if inf.unit else ""),
        f"  folds        {'official Matbench v0.1 folds' if inf.official_folds else 'none official'}",
        *([f"  splits       {', '.join(inf.splits)} (the benchmark's own)"] if inf.splits else []),
        f"  source       {inf.source}",
        f"  licence      {inf.licence}",
    ]
    if inf.notes:
        lines.append(f"  notes        {inf.notes}")
    lines += ["", "Cite:", inf.citation]
    typer.echo("\n".join(lines))


@datasets_app.command()
def export(
    name: Annotated[str, typer.Argument(help="Dataset name.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output file: .csv for composition "
                                      "data; .extxyz, .xyz or .db for structures.")],
    seed: Annotated[int, typer.Option(help="Seed, for a generated dataset.")] = 0,
    split: Annotated[str | None, typer.Option("--split", help="Only this split (train or test), for a "
                                              "dataset that comes split.")] = None,
) -> None:
    """Write a dataset to a file (atomically)."""
    from ..data import CompositionTable, write_frames, write_table
    from ..datasets import info, load
    from ..errors import ParameterError

    from ._boundary import Outputs

    inf = info(name)
    if split is not None and split not in inf.splits:
        have = f"its splits are {', '.join(inf.splits)}" if inf.splits else "it comes in one piece"
        raise ParameterError(f"--split {split}: '{name}' has no such split; {have}")
    suffix = out.suffix.lower()
    if inf.input_type == "composition" and suffix != ".csv":
        raise ParameterError(f"'{name}' holds compositions: export it to a .csv file, not '{out}'")
    if inf.input_type != "composition" and suffix not in (".extxyz", ".xyz", ".db"):
        raise ParameterError(
            f"'{name}' holds structures: export it to .extxyz, .xyz or .db, not '{out}'"
        )
    with Outputs() as outs:
        dest = outs.file(out, "--out")
        ds = load(name, seed=seed) if inf.generated else (load(name, split=split) if split else load(name))
        if inf.input_type == "composition":
            write_table(outs.stage(dest), CompositionTable(list(ds.inputs), ds.targets, inf.target))  # type: ignore[arg-type]
        else:
            write_frames(outs.stage(dest), ds.inputs, metadata={"dataset": name})  # type: ignore[arg-type]
    typer.echo(f"wrote {len(ds)} entries of {name}{f' ({split} split)' if split else ''} to {out}")
