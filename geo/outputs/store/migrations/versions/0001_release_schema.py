"""The schema of the first release (commit 1ea47fc): saved target lists and their versions.

A database written by that release has these tables and no ``alembic_version``: the tables
are then kept as they are (with every list and version) and only the revision is recorded.
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

NAME_MAX = 120  # the release's limit


def upgrade() -> None:
    tables = set(sa.inspect(op.get_bind()).get_table_names())  # written by the release: kept as they are
    if "target_lists" not in tables:
        op.create_table(
            "target_lists",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("name", sa.String(NAME_MAX), nullable=False, unique=True),
            sa.Column("created_at", sa.String(32), nullable=False),
        )
    if "target_list_versions" not in tables:
        op.create_table(
            "target_list_versions",
            sa.Column("list_id", sa.Integer, sa.ForeignKey("target_lists.id", ondelete="CASCADE"),
                      primary_key=True),
            sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("author", sa.String(NAME_MAX), nullable=False),
            sa.Column("note", sa.Text, nullable=False),
            sa.Column("codes", sa.Text, nullable=False),  # JSON list of village codes
            sa.Column("settings", sa.Text, nullable=False),  # JSON object
            sa.Column("created_at", sa.String(32), nullable=False),
        )


def downgrade() -> None:
    op.drop_table("target_list_versions")
    op.drop_table("target_lists")
