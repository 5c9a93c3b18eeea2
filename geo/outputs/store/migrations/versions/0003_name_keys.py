"""Names under one rule (issue 18): cleaned names, a folded key per list, unique in the database.

Every list and dataset name is put under ``geo.core.names`` (NFC, control and format characters
removed, whitespace collapsed) and gets its folded key; a unique index on the key then
makes "Daftar Café", its NFD twin and "daftar café" one name. No list is lost: of twins the
earliest keeps its name and each later one gets a visible suffix (" (2)", " (3)", ...); a name
with nothing visible left becomes "Daftar <id>" / "Data <id>". Every change is reported
(``config.attributes["report"]``, logged by geo.store). Authors are cleaned the same way.
"""
import sqlalchemy as sa
from alembic import context, op

from geo.core import names

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

NAME_MAX = 120
KEY_MAX = 4 * NAME_MAX


def _report(line: str) -> None:
    context.config.attributes.setdefault("report", []).append(line)


def _clean(raw: str, fallback: str) -> str:
    try:
        return names.clean(raw, NAME_MAX)
    except names.NameRefused as exc:
        if exc.key.endswith("_too_long"):
            return names.clean(raw, 10**6)[:NAME_MAX].rstrip()
        return fallback


def _with_suffix(base: str, n: int) -> str:
    tail = f" ({n})"
    return base[:NAME_MAX - len(tail)].rstrip() + tail


def resolve(table: sa.Table, kind: str, fallback: str) -> None:
    """Clean every name of ``table``, fill ``name_key``, rename later twins with a suffix."""
    conn = op.get_bind()
    rows = conn.execute(sa.select(table.c.id, table.c.name).order_by(table.c.created_at, table.c.id)).all()
    cleaned = [(r.id, r.name, _clean(r.name, fallback.format(id=r.id))) for r in rows]
    keepers: dict[str, tuple[int, str]] = {}
    for i, _, new in cleaned:
        keepers.setdefault(names.fold(new), (i, new))
    taken = set(keepers)
    final = []
    for i, old, new in cleaned:
        key = names.fold(new)
        twin = keepers[key]
        if twin[0] != i:  # a later twin: the first free suffix
            n = 2
            while names.fold(_with_suffix(new, n)) in taken:
                n += 1
            new = _with_suffix(new, n)
            key = names.fold(new)
            taken.add(key)
            _report(f"{kind} {i}: {old!r} renamed to {new!r}: the same name as {kind} {twin[0]} ({twin[1]!r}) "
                    "once case, accents and spacing are folded")
        elif new != old:
            _report(f"{kind} {i}: {old!r} renamed to {new!r}: control, invisible or extra space characters removed")
        final.append((i, new, key))
    # two steps, so that no row takes a name another row still holds (unique name and key)
    for i, _, _ in final:
        conn.execute(table.update().where(table.c.id == i).values(name=f"__geo_migrating_{i}",
                                                                  name_key=f"__geo_migrating_{i}"))
    for i, new, key in final:
        conn.execute(table.update().where(table.c.id == i).values(name=new, name_key=key))


def upgrade() -> None:
    op.add_column("target_lists", sa.Column("name_key", sa.String(KEY_MAX), nullable=True))
    meta = sa.MetaData()
    lists = sa.Table("target_lists", meta, sa.Column("id", sa.Integer), sa.Column("name", sa.String),
                     sa.Column("created_at", sa.String), sa.Column("name_key", sa.String))
    datasets = sa.Table("datasets", meta, sa.Column("id", sa.Integer), sa.Column("name", sa.String),
                        sa.Column("created_at", sa.String), sa.Column("name_key", sa.String))
    versions = sa.Table("target_list_versions", meta, sa.Column("list_id", sa.Integer),
                        sa.Column("version", sa.Integer), sa.Column("author", sa.String))
    resolve(lists, "list", "Daftar {id}")
    resolve(datasets, "dataset", "Data {id}")
    conn = op.get_bind()
    for r in conn.execute(sa.select(versions.c.list_id, versions.c.version, versions.c.author)).all():
        try:
            author = names.clean_optional(r.author, NAME_MAX)
        except names.NameRefused:
            author = names.clean_optional(r.author, 10**6)[:NAME_MAX].rstrip()
        if author != r.author:
            conn.execute(versions.update().where(versions.c.list_id == r.list_id, versions.c.version == r.version)
                         .values(author=author))
    op.create_index("ix_target_lists_name_key", "target_lists", ["name_key"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_target_lists_name_key", "target_lists")
    op.drop_column("target_lists", "name_key")
