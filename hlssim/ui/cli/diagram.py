"""``hlssim diagram``: the causal loop diagram of a stock-flow model, drawn from its equations."""

from __future__ import annotations

from pathlib import Path

from hlssim.errors import HlssimError


def register(sub) -> None:
    """Declare this command's arguments on the ``hlssim`` subparsers."""
    dia_p = sub.add_parser("diagram", help="causal loop diagram of the stock-flow model (PNG)")
    dia_p.add_argument("--out", required=True, help="output image: .png")
    dia_p.add_argument("--model", default="hls_commissioning.mdl",
                       help="Vensim .mdl file, a path or a name in models/ (default hls_commissioning.mdl)")
    dia_p.add_argument("--max-length", type=int, default=None,
                       help="longest loop to look for, in links (default: all)")
    dia_p.add_argument("--show", type=int, default=10, help="loops to print (default 10)")
    dia_p.set_defaults(func=cmd_diagram)


def cmd_diagram(args) -> int:
    """Causal loop diagram of a stock-flow model, drawn from its own equations (hlssim/stockflow/loops.py)."""
    from collections import Counter

    from hlssim.stockflow.commissioning import model_path
    from hlssim.stockflow.loops import causal_graph, draw, feedback_loops, loop_names, name_loops

    out = Path(args.out)
    if out.suffix.lower() != ".png":
        raise HlssimError(f"--out '{out}': expected a file name ending .png")
    if not (out.parent if str(out.parent) else Path(".")).is_dir():
        raise HlssimError(f"--out '{out}': folder '{out.parent}' does not exist")
    if args.show < 0:
        raise HlssimError(f"--show {args.show}: expected 0 or more loops to print")
    if args.max_length is not None and args.max_length < 1:
        raise HlssimError(f"--max-length {args.max_length}: expected at least 1 link")
    path = model_path(args.model)
    graph = causal_graph(path)
    loops = feedback_loops(graph, args.max_length)
    named = name_loops(loops, loop_names(path))
    draw(graph, loops, out, named=named)
    kinds = Counter(lp.kind for lp in loops)
    print(f"{path.name}: {graph.number_of_nodes()} variables, {graph.number_of_edges()} links, "
          f"{len(loops)} feedback loop{'' if len(loops) == 1 else 's'} ({kinds['R']} reinforcing, "
          f"{kinds['B']} balancing, {kinds['?']} with a link whose sign depends on the state or "
          "could not be read)")
    if named:
        print("main loops:")
        for n in named:
            print(f"  {n}")
    shown = {n.loop for n in named}
    for lp in [lp for lp in loops if len(lp.nodes) > 2 and lp not in shown][:args.show]:
        print(f"  {lp}")
    print(f"wrote {out}")
    return 0
