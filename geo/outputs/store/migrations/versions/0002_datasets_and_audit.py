"""Saved datasets (issue 11) with their versions, and the audit log (issue 17).

New tables only: nothing existing changes. A dataset's name is unique on its folded key
(``name_key``), enforced by a unique index; a dataset in the bin keeps its rows until purged.
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

NAME_MAX = 120
KEY_MAX = 4 * NAME_MAX


def upgrade() -> None:
    op.create_table(
        "datasets",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(NAME_MAX), nullable=False),
        sa.Column("name_key", sa.String(KEY_MAX), nullable=False),
        sa.Column("owner", sa.String(NAME_MAX), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("deleted_at", sa.String(32), nullable=True),
        sa.Column("deleted_by", sa.String(NAME_MAX), nullable=True),
    )
    op.create_index("ix_datasets_name_key", "datasets", ["name_key"], unique=True)
    op.create_table(
        "dataset_versions",
        sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("provinces", sa.Text, nullable=False),
        sa.Column("periods", sa.Text, nullable=False),
        sa.Column("period", sa.String(7), nullable=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("synthetic", sa.Boolean, nullable=False),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("report", sa.Text, nullable=False),
        sa.Column("row_count", sa.Integer, nullable=False),
        sa.Column("rows", sa.Text, nullable=False),
        sa.Column("saved_by", sa.String(NAME_MAX), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("user", sa.String(NAME_MAX), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("object_id", sa.Integer, nullable=False),
        sa.Column("object_name", sa.String(NAME_MAX), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("audit")
    op.drop_table("dataset_versions")
    op.drop_index("ix_datasets_name_key", "datasets")
    op.drop_table("datasets")
