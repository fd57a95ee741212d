"""Outgoing mail: the outbox and the organizer's edited templates

Revision ID: 0009_mail_outbox
Revises: 0008_booth_position
Create Date: 2026-12-04 18:17:59.779277

mail_messages holds every e-mail as rendered when queued, with its delivery state;
mail_templates the per-edition wording of each message in each language. Both tables are
new, so nothing existing changes; downgrading drops them with the messages they hold.

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy import Text  # noqa: F401  (autogenerate writes JSONB(astext_type=Text()))

import expo_crm.db  # noqa: F401  (custom column types)
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0009_mail_outbox'
down_revision = '0008_booth_position'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mail_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('show_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.Enum('registration_confirmation', 'badge_ready', 'survey_invitation', 'rebooking_invitation', 'prospect_invitation', 'invoice_reminder', name='topic', native_enum=False, length=40), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', expo_crm.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['show_id'], ['shows.id'], name=op.f('fk_mail_templates_show_id_shows')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_mail_templates_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_templates')),
    sa.UniqueConstraint('show_id', 'topic', 'language', name=op.f('uq_mail_templates_show_id_topic_language'))
    )
    op.create_table('mail_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('transactional', 'marketing', name='mailkind', native_enum=False, length=20), nullable=False),
    sa.Column('topic', sa.Enum('registration_confirmation', 'badge_ready', 'survey_invitation', 'rebooking_invitation', 'prospect_invitation', 'invoice_reminder', name='topic', native_enum=False, length=40), nullable=False),
    sa.Column('show_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('company_id', sa.Integer(), nullable=True),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('to_address', sa.String(length=254), nullable=False),
    sa.Column('to_name', sa.String(length=200), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('qr_payload', sa.String(length=64), nullable=True),
    sa.Column('headers', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('message_id', sa.String(length=64), nullable=False),
    sa.Column('state', sa.Enum('queued', 'sending', 'sent', 'failed', 'unsure', name='messagestate', native_enum=False, length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', expo_crm.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('claimed_at', expo_crm.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('handed_over_at', expo_crm.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sent_at', expo_crm.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('bounced', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', expo_crm.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['followup_campaigns.id'], name=op.f('fk_mail_messages_campaign_id_followup_campaigns')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_mail_messages_company_id_companies')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_mail_messages_created_by_id_users')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_mail_messages_person_id_people')),
    sa.ForeignKeyConstraint(['show_id'], ['shows.id'], name=op.f('fk_mail_messages_show_id_shows')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_messages')),
    sa.UniqueConstraint('message_id', name=op.f('uq_mail_messages_message_id'))
    )
    with op.batch_alter_table('mail_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_messages_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_messages_company_id'), ['company_id'], unique=False)
        batch_op.create_index('ix_mail_messages_due', ['state', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_messages_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_messages_show_id'), ['show_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_messages_to_address'), ['to_address'], unique=False)



def downgrade():
    with op.batch_alter_table('mail_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_messages_to_address'))
        batch_op.drop_index(batch_op.f('ix_mail_messages_show_id'))
        batch_op.drop_index(batch_op.f('ix_mail_messages_person_id'))
        batch_op.drop_index('ix_mail_messages_due')
        batch_op.drop_index(batch_op.f('ix_mail_messages_company_id'))
        batch_op.drop_index(batch_op.f('ix_mail_messages_campaign_id'))

    op.drop_table('mail_messages')
    op.drop_table('mail_templates')
