"""``hlssim inspect``: a Vensim or XMILE model's time settings, constants and stocks."""

from __future__ import annotations


def register(sub) -> None:
    """Declare this command's arguments on the ``hlssim`` subparsers."""
    ins_p = sub.add_parser("inspect", help="a Vensim or XMILE model's constants and stocks (units, ranges, docs)")
    ins_p.add_argument("model", metavar="MODEL.mdl|.xmile", help="the model file")
    ins_p.add_argument("--all", action="store_true", help="every variable, not only constants and stocks")
    ins_p.add_argument("--json", action="store_true", help="every variable as JSON")
    ins_p.set_defaults(func=cmd_inspect)


def cmd_inspect(args) -> int:
    """A model's time settings, constants and stocks (hlssim/stockflow/user_model.py)."""
    import json

    from hlssim.stockflow.user_batch import describe
    from hlssim.stockflow.user_model import open_model

    model = open_model(args.model)
    if args.json:
        from hlssim.stockflow.user_batch import status

        print(json.dumps({"model": str(model.path), "sha256_16": model.digest, "sweeps": status(model),
                          "stochastic": model.stochastic,
                          "data_files": [{"ref": f.ref, "path": str(f.path)} for f in model.data_files],
                          "variables": [v.to_dict() for v in model.variables()]}, indent=2))
    else:
        print(describe(model, every=args.all))
    return 0
