"""Booth position: empty while a booth is not on the floor plan

Revision ID: 0008_booth_position
Revises: 0007_lead_scans
Create Date: 2026-11-23 23:24:10.410716

x and y become nullable (both empty: the booth is not placed yet, and the overlap check
leaves it alone), and a check keeps them both empty or both given. Booths stored before
keep their position: a booth created without one sits at 0,0 and cannot be told from one
really placed in the corner, so nothing is guessed. Downgrading puts unplaced booths back
at 0,0, as the old default did.

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy import Text  # noqa: F401  (autogenerate writes JSONB(astext_type=Text()))

import expo_crm.db  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '0008_booth_position'
down_revision = '0007_lead_scans'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('booths', schema=None) as batch_op:
        batch_op.alter_column('x',
               existing_type=sa.NUMERIC(precision=8, scale=2),
               nullable=True)
        batch_op.alter_column('y',
               existing_type=sa.NUMERIC(precision=8, scale=2),
               nullable=True)
        batch_op.create_check_constraint(
            op.f('ck_booths_position_whole'), '(x IS NULL) = (y IS NULL)'
        )


def downgrade():
    op.execute('UPDATE booths SET x = 0, y = 0 WHERE x IS NULL OR y IS NULL')
    with op.batch_alter_table('booths', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_booths_position_whole'), type_='check')
        batch_op.alter_column('y',
               existing_type=sa.NUMERIC(precision=8, scale=2),
               nullable=False)
        batch_op.alter_column('x',
               existing_type=sa.NUMERIC(precision=8, scale=2),
               nullable=False)
