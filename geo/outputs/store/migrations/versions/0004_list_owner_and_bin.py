"""Target lists get an owner and a bin (issue 17): deletions are kept 30 days and can be undone.

Lists saved before roles existed have no owner (NULL): only an admin may change them (the
local default actor without a login is an admin, so nothing changes for a local install).
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

NAME_MAX = 120


def upgrade() -> None:
    op.add_column("target_lists", sa.Column("owner", sa.String(NAME_MAX), nullable=True))
    op.add_column("target_lists", sa.Column("deleted_at", sa.String(32), nullable=True))
    op.add_column("target_lists", sa.Column("deleted_by", sa.String(NAME_MAX), nullable=True))


def downgrade() -> None:
    for col in ("deleted_by", "deleted_at", "owner"):
        op.drop_column("target_lists", col)
