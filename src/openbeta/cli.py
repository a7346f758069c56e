"""The openbeta command: the API server, and its projects and keys."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import TYPE_CHECKING, Callable, Optional, Sequence

if TYPE_CHECKING:
    from .server.services.projects import ProjectService
    from .server.settings import Settings


def settings_from_args(args: argparse.Namespace) -> "Settings":
    """Settings from ``serve`` flags over ``OPENBETA_*`` environment over defaults."""
    from .server.settings import Settings

    overrides = {
        key: value
        for key, value in {
            "host": args.host,
            "port": args.port,
            "database_url": args.database,
            "data_dir": args.data_dir,
            "upstream_base_url": args.upstream_base_url,
            "upstream_api_key": args.upstream_api_key,
            "upstream_model_map": args.upstream_model_map,
            "upstream_timeout": args.upstream_timeout,
            "local_model_path": args.model_path,
            "local_context_size": args.context_size,
            "provider": args.provider,
            "shutdown_timeout": args.shutdown_timeout,
            "log_level": args.log_level,
            "ssl_certfile": args.ssl_certfile,
            "ssl_keyfile": args.ssl_keyfile,
        }.items()
        if value is not None
    }
    return Settings(**overrides)


SERVER_HINT = "openbeta {command} needs the server: pip install 'openbeta[server]' (missing module: {name})"

#: ``serve`` flags handed to worker processes as the ``OPENBETA_*`` variables they stand for.
FLAG_SETTINGS = {"host": "host", "port": "port", "database": "database_url", "data_dir": "data_dir",
                 "upstream_base_url": "upstream_base_url", "upstream_api_key": "upstream_api_key",
                 "upstream_model_map": "upstream_model_map", "upstream_timeout": "upstream_timeout",
                 "model_path": "local_model_path", "context_size": "local_context_size", "provider": "provider",
                 "shutdown_timeout": "shutdown_timeout", "log_level": "log_level",
                 "ssl_certfile": "ssl_certfile", "ssl_keyfile": "ssl_keyfile"}


def _serve(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from .server import http_edge
        from .server.app import create_app
        from .server.logs import configure_logging
        from .server.startup import summary
    except ModuleNotFoundError as exc:  # a core-only install: say what to install, no traceback
        print(SERVER_HINT.format(command="serve", name=exc.name), file=sys.stderr)
        return 2

    settings = settings_from_args(args)
    workers = args.workers if args.workers is not None else settings.workers
    configure_logging(settings)
    if settings.ssl_keyfile and not settings.ssl_certfile:
        raise SystemExit("--ssl-keyfile needs --ssl-certfile (OPENBETA_SSL_CERTFILE).")
    common = dict(host=settings.host, port=settings.port, log_level=settings.log_level, access_log=False,
                  log_config=None, timeout_graceful_shutdown=settings.shutdown_timeout,
                  ssl_certfile=settings.ssl_certfile, ssl_keyfile=settings.ssl_keyfile,
                  # the edge's bounds (header timeout, connections per client: see server/http_edge.py)
                  http=http_edge.EdgeHttpProtocol, ws="websockets-sansio",
                  ws_max_size=settings.realtime_max_event_bytes)
    http_edge.configure(settings)
    if workers <= 1:
        # Streams still open after the grace period are cut; the runs they carried are handed back
        # (their leases released) for another replica, or the next start, to take over.
        app = create_app(settings)
        for line in summary(settings, app.state.services, getattr(app.state, "voice", None)):
            logging.getLogger("openbeta").info(line)
        uvicorn.run(app, **common)  # type: ignore[arg-type]
        return 0
    if settings.resolved_database_url().startswith("sqlite"):
        print("openbeta serve: --workers N (N > 1) needs PostgreSQL: a SQLite database serves one process. "
              "Set OPENBETA_DATABASE_URL=postgresql://... (or --database), or run one worker.", file=sys.stderr)
        return 2
    from .server.store import Database

    database = Database(settings.resolved_database_url())
    database.migrate()  # once, before the workers start
    database.dispose()
    for flag, name in FLAG_SETTINGS.items():  # each worker reads its settings from the environment
        value = getattr(args, flag, None)
        if value is not None:
            os.environ[f"OPENBETA_{name.upper()}"] = str(value)
    uvicorn.run("openbeta.server.app:app_from_environment", factory=True, workers=workers, **common)
    return 0


def _admin_services(args: argparse.Namespace) -> "ProjectService":
    """Projects and keys on the configured database (``--database`` > OPENBETA_DATABASE_URL > default)."""
    from .server.services.projects import ProjectService
    from .server.settings import Settings
    from .server.store import Database

    overrides = {"database_url": args.database} if args.database else {}
    db = Database(Settings(**overrides).resolved_database_url())
    db.migrate()
    return ProjectService(db)


def _print_rows(rows: list[dict], columns: Sequence[str]) -> None:
    table = [[("" if row.get(c) is None else str(row.get(c))) for c in columns] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in table]) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip())
    for r in table:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip())


def _admin_command(handler: "Callable[[ProjectService, argparse.Namespace], None]"
                   ) -> "Callable[[argparse.Namespace], int]":
    """Run an admin command; an API error is printed (exit status 1), not a traceback."""
    from .server.errors import APIError

    def run(args: argparse.Namespace) -> int:
        try:
            services = _admin_services(args)
        except ModuleNotFoundError as exc:  # a core-only install: say what to install, no traceback
            if (exc.name or "").split(".")[0] == "openbeta":
                raise
            print(SERVER_HINT.format(command=args.command, name=exc.name), file=sys.stderr)
            return 2
        try:
            handler(services, args)
        except APIError as exc:
            print(f"openbeta: {exc.message}", file=sys.stderr)
            return 1
        return 0

    return run


def _keys_create(svc: "ProjectService", args: argparse.Namespace) -> None:
    project = svc.find_project(args.project)
    key = svc.create_key(project["id"], args.name)
    print(f"Created key {key['id']} ({key['name']}) in project {project['id']} ({project['name']}).",
          file=sys.stderr)
    print("Its value is shown only now:", file=sys.stderr)
    print(key["value"])


def _keys_list(svc: "ProjectService", args: argparse.Namespace) -> None:
    project_id = svc.find_project(args.project)["id"] if args.project else None
    _print_rows(svc.all_keys(project_id),
                ("id", "project_id", "name", "redacted_value", "created_at", "last_used_at", "revoked_at"))


def _keys_revoke(svc: "ProjectService", args: argparse.Namespace) -> None:
    svc.revoke_key_by_id(args.id)
    print(f"Revoked key {args.id}.")


def _projects_create(svc: "ProjectService", args: argparse.Namespace) -> None:
    project = svc.create_project(args.name)
    print(project["id"])


def _projects_list(svc: "ProjectService", args: argparse.Namespace) -> None:
    from .server.paging import PageQuery

    rows: list[dict] = []
    page = PageQuery(limit=100, order="asc")
    while True:
        result = svc.list_projects(page, include_archived=args.all)
        rows.extend(result["data"])
        if not result["has_more"]:
            break
        page = PageQuery(limit=100, order="asc", after=result["last_id"])
    _print_rows(rows, ("id", "name", "status", "created_at", "archived_at"))


def _add_admin_parsers(sub: "argparse._SubParsersAction") -> None:
    database = argparse.ArgumentParser(add_help=False)
    database.add_argument("--database", help="sqlite:///path or postgresql://... (OPENBETA_DATABASE_URL)")

    keys = sub.add_parser("keys", help="project API keys, on the configured database")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    create = keys_sub.add_parser("create", parents=[database], help="make a key; prints its value once")
    create.add_argument("--project", required=True, help="project id or name")
    create.add_argument("--name", required=True, help="the key's name")
    create.set_defaults(func=_admin_command(_keys_create))
    listing = keys_sub.add_parser("list", parents=[database], help="list keys (revoked ones too)")
    listing.add_argument("--project", help="only this project's keys (id or name)")
    listing.set_defaults(func=_admin_command(_keys_list))
    revoke = keys_sub.add_parser("revoke", parents=[database], help="revoke a key (401 from then on)")
    revoke.add_argument("id", help="the key's id (key_...)")
    revoke.set_defaults(func=_admin_command(_keys_revoke))

    projects = sub.add_parser("projects", help="projects, on the configured database")
    projects_sub = projects.add_subparsers(dest="projects_command", required=True)
    pcreate = projects_sub.add_parser("create", parents=[database], help="make a project; prints its id")
    pcreate.add_argument("name", help="the project's name (unique)")
    pcreate.set_defaults(func=_admin_command(_projects_create))
    plist = projects_sub.add_parser("list", parents=[database], help="list projects")
    plist.add_argument("--all", action="store_true", help="archived projects too")
    plist.set_defaults(func=_admin_command(_projects_list))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="openbeta", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the API server")
    serve.add_argument("--host", help="address to bind (OPENBETA_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (OPENBETA_PORT, default 8000)")
    serve.add_argument("--database", help="sqlite:///path or postgresql://... (OPENBETA_DATABASE_URL)")
    serve.add_argument("--data-dir", help="where the default database and files live (OPENBETA_DATA_DIR)")
    serve.add_argument("--upstream-base-url", help="OpenAI-compatible server for runs (OPENBETA_UPSTREAM_BASE_URL)")
    serve.add_argument("--upstream-api-key", help="key for the upstream server (OPENBETA_UPSTREAM_API_KEY)")
    serve.add_argument("--upstream-model-map",
                       help="rename models on their way upstream: name=upstream-name,... (OPENBETA_UPSTREAM_MODEL_MAP)")
    serve.add_argument("--upstream-timeout", type=float,
                       help="seconds to wait for the upstream server (OPENBETA_UPSTREAM_TIMEOUT, default 600)")
    serve.add_argument("--model-path", help="GGUF file for the embedded model (OPENBETA_LOCAL_MODEL_PATH)")
    serve.add_argument("--context-size", type=int,
                       help="context window of the embedded model in tokens (OPENBETA_LOCAL_CONTEXT_SIZE, default 8192)")
    serve.add_argument("--provider", choices=["auto", "local", "upstream", "scripted"],
                       help="model provider for runs (OPENBETA_PROVIDER, default auto)")
    serve.add_argument("--shutdown-timeout", type=float,
                       help="seconds open streams may take to finish on shutdown (OPENBETA_SHUTDOWN_TIMEOUT, default 5)")
    serve.add_argument("--log-level", help="debug, info, warning ... (OPENBETA_LOG_LEVEL)")
    serve.add_argument("--workers", type=int,
                       help="worker processes on this machine; more than one needs PostgreSQL (OPENBETA_WORKERS, default 1)")
    serve.add_argument("--ssl-certfile",
                       help="serve HTTPS and WSS with this PEM certificate (chain) (OPENBETA_SSL_CERTFILE)")
    serve.add_argument("--ssl-keyfile", help="the certificate's PEM private key (OPENBETA_SSL_KEYFILE)")
    serve.set_defaults(func=_serve)
    _add_admin_parsers(sub)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
