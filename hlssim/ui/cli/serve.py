"""``hlssim serve``: the explorer on one Streamlit server per core, behind a sticky proxy."""

from __future__ import annotations


def register(sub) -> None:
    """Declare this command's arguments on the ``hlssim`` subparsers."""
    serve_p = sub.add_parser(
        "serve", help="run the explorer (app.py) on every core: one server process per core "
                      "behind a proxy that keeps each browser on its own process")
    serve_p.add_argument("--processes", type=int, default=None,
                         help="server processes (default: one per core; 1 runs plain "
                              "'streamlit run app.py')")
    serve_p.add_argument("--port", type=int, default=8501,
                         help="port the browsers use (default 8501; 0: any free port)")
    serve_p.add_argument("--address", default="127.0.0.1",
                         help="address to listen on (default 127.0.0.1; 0.0.0.0 for every "
                              "network the machine is on)")
    serve_p.add_argument("--app", default=None, help="the explorer's app.py (default: the one "
                                                     "beside this package)")
    serve_p.add_argument("--hosted", action="store_true",
                         help="hosted mode (as HLSSIM_HOSTED=1): no file read from a typed "
                              "path, model sizes capped; see README")
    serve_p.set_defaults(func=cmd_serve)


def cmd_serve(args) -> int:
    """Start the explorer's servers (and the proxy for more than one) until interrupted."""
    from hlssim.ui.serving.servers import serve, settings

    return serve(settings(args.processes, args.address, args.port, args.app, args.hosted))
