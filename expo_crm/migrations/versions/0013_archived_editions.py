"""Archived editions

Revision ID: 0013_archived_editions
Revises: 0012_learned_models
Create Date: 2026-12-04 19:05:00.000000

shows.archived_at marks an edition archived (kept with its data, out of the lists, pickers
and KPIs). Empty for every edition that exists: none is archived.

"""
from alembic import op
import sqlalchemy as sa

import expo_crm.db  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '0013_archived_editions'
down_revision = '0012_learned_models'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('shows', schema=None) as batch_op:
        batch_op.add_column(sa.Column('archived_at', expo_crm.db.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('shows', schema=None) as batch_op:
        batch_op.drop_column('archived_at')
