"""``python -m geo lists ...`` and ``python -m geo store upgrade``: saved target lists from the command line.

The same store and the same rules as the app: names go through ``geo.names`` (a refused name
says why), writes are made by an actor (``--user``, ``--role``; default the local admin, as
the app without a login), deletions go to the bin. With ``--json`` one JSON object is printed;
a refused change exits 1 with ``{"error": ...}``.
"""
from __future__ import annotations

import argparse
import dataclasses
import getpass

from . import add_json, emit, fail


def add_actor(p: argparse.ArgumentParser) -> None:
    p.add_argument("--user", default=None, help="who makes the change (default: the login name, else 'local')")
    p.add_argument("--role", default="admin", choices=("viewer", "planner", "admin"),
                   help="the role to act with (default admin: whoever can open the database file)")
    p.add_argument("--database", default=None, help="database URL (default $GEO_DATABASE_URL or data/targets.sqlite)")


def actor_of(args: argparse.Namespace):
    from geo.core import names
    from geo.outputs import store
    try:
        user = args.user or getpass.getuser() or "local"
    except (KeyError, OSError):
        user = "local"
    return store.Actor(names.clean(user, store.NAME_MAX, "user"), args.role)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("lists", help="saved target lists: list, show, save, rename, delete, restore, bin, audit")
    acts = p.add_subparsers(dest="action", required=True)
    for name, help_ in (("ls", "every saved list (latest versions)"), ("bin", "what is in the bin (lists, datasets)"),
                        ("audit", "the audit log (admins)")):
        a = acts.add_parser(name, help=help_)
        add_actor(a)
        add_json(a)
    a = acts.add_parser("show", help="one list (latest version, or --version)")
    a.add_argument("name")
    a.add_argument("--version", type=int, default=None)
    add_actor(a)
    add_json(a)
    a = acts.add_parser("save", help="save village codes under a name")
    a.add_argument("name")
    a.add_argument("codes", nargs="+", help="village codes (51.03.01.2001 or 5103012001)")
    a.add_argument("--author", default="")
    a.add_argument("--note", default="")
    a.add_argument("--overwrite", action="store_true", help="add a version to an existing list")
    add_actor(a)
    add_json(a)
    a = acts.add_parser("rename", help="rename a list")
    a.add_argument("name")
    a.add_argument("new_name")
    add_actor(a)
    add_json(a)
    for name in ("delete", "restore"):
        a = acts.add_parser(name, help=f"{name} a list ({'to' if name == 'delete' else 'from'} the bin)")
        a.add_argument("name")
        add_actor(a)
        add_json(a)
    p.set_defaults(handler=run)

    u = sub.add_parser("store", help="the store's schema: upgrade to the newest revision")
    u.add_argument("action", choices=("upgrade",))
    u.add_argument("--database", default=None, help="database URL (default $GEO_DATABASE_URL or data/targets.sqlite)")
    add_json(u)
    u.set_defaults(handler=run_upgrade)


def run_upgrade(args: argparse.Namespace) -> int:
    from geo.outputs import store
    try:
        s = store.Store(args.database)
    except Exception as exc:  # noqa: BLE001 - an unreachable or damaged database: one line, no traceback
        return fail(args, f"cannot open the database: {type(exc).__name__}: {str(exc).splitlines()[0][:300]}", 2)
    out = {"revision": store.current_revision(s.engine), "report": s.migration_report,
           "purged": [list(p) for p in s.purged]}
    s.dispose()
    emit(args, out, "\n".join([f"store at revision {out['revision']}"] + out["report"]))
    return 0


def run(args: argparse.Namespace) -> int:
    from geo.core import names
    from geo.outputs import store
    try:
        actor = actor_of(args)
        s = store.Store(args.database)
    except names.NameRefused as exc:
        return fail(args, exc.text("en"), 1)
    except Exception as exc:  # noqa: BLE001
        return fail(args, f"cannot open the database: {type(exc).__name__}: {str(exc).splitlines()[0][:300]}", 2)
    try:
        return _act(args, s, actor)
    except store.StoreError as exc:
        return fail(args, exc.text("en"), 1)
    finally:
        s.dispose()


def _act(args: argparse.Namespace, s, actor) -> int:
    plain = dataclasses.asdict
    if args.action == "ls":
        rows = s.names()
        emit(args, {"lists": [plain(r) for r in rows]},
             "\n".join(f"{r.name}\tv{r.version}\t{r.villages} villages\t{r.created_at}" for r in rows) or "(none)")
    elif args.action == "bin":
        rows = s.bin()
        emit(args, {"bin": [plain(r) for r in rows]},
             "\n".join(f"{r.kind}\t{r.id or ''}\t{r.name}\tdeleted {r.deleted_at} by {r.deleted_by}\t"
                       f"until {r.expires_at}" for r in rows) or "(empty)")
    elif args.action == "audit":
        rows = s.audit_log(actor)
        emit(args, {"audit": [plain(r) for r in rows]},
             "\n".join(f"{r.at}\t{r.user} ({r.role})\t{r.action}\t{r.kind} {r.object_id} {r.object_name}"
                       for r in rows) or "(empty)")
    elif args.action == "show":
        got = s.open(args.name, args.version)
        emit(args, plain(got), f"{got.name} v{got.version}/{got.versions} by {got.author or '-'}: "
                               f"{', '.join(got.codes)}")
    elif args.action == "save":
        got = s.save(args.name, args.codes, args.author, args.note, overwrite=args.overwrite, actor=actor)
        emit(args, plain(got), f"saved {got.name!r} version {got.version} ({len(got.codes)} villages)")
    elif args.action == "rename":
        got = s.rename(args.name, args.new_name, actor=actor)
        emit(args, plain(got), f"renamed to {got.name!r}")
    elif args.action == "delete":
        n = s.delete(args.name, actor=actor)
        if n == 0:
            raise s_not_found(args.name)
        emit(args, {"deleted": args.name, "versions": n}, f"moved to the bin ({n} versions); restorable for 30 days")
    elif args.action == "restore":
        got = s.restore(args.name, actor=actor)
        emit(args, plain(got), f"restored {got.name!r} ({got.versions} versions)")
    return 0


def s_not_found(name: str):
    from geo.outputs import store
    return store.NotFound("st_list_not_found", name=name)
