"""Feedback surveys, e-mail mailings, and a reference on each message

Revision ID: 0010_surveys_mailings
Revises: 0009_mail_outbox
Create Date: 2026-12-04 18:54:32.888302

surveys, survey_questions, survey_responses (one per survey and person, unique) and
survey_answers (one per response and question, unique) hold feedback; mail_mailings is the
e-mail side of a followup campaign (which message, which edition, its sending job);
mail_messages.reference names what a message is about (an invoice for reminders). All
new; existing messages keep an empty reference. Downgrading drops them with their data.

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy import Text  # noqa: F401  (autogenerate writes JSONB(astext_type=Text()))

import expo_crm.db  # noqa: F401  (custom column types)
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0010_surveys_mailings'
down_revision = '0009_mail_outbox'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mail_mailings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('show_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.Enum('registration_confirmation', 'badge_ready', 'survey_invitation', 'rebooking_invitation', 'prospect_invitation', 'invoice_reminder', name='topic', native_enum=False, length=40), nullable=False),
    sa.Column('state', sa.Enum('draft', 'sending', 'sent', name='mailingstate', native_enum=False, length=20), nullable=False),
    sa.Column('job_id', sa.String(length=32), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', expo_crm.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', expo_crm.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['followup_campaigns.id'], name=op.f('fk_mail_mailings_campaign_id_followup_campaigns')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_mail_mailings_created_by_id_users')),
    sa.ForeignKeyConstraint(['show_id'], ['shows.id'], name=op.f('fk_mail_mailings_show_id_shows')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_mailings')),
    sa.UniqueConstraint('campaign_id', name=op.f('uq_mail_mailings_campaign_id'))
    )
    with op.batch_alter_table('mail_mailings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_mailings_show_id'), ['show_id'], unique=False)

    op.create_table('surveys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('show_id', sa.Integer(), nullable=False),
    sa.Column('audience', sa.Enum('visitors', 'exhibitors', name='audience', native_enum=False, length=20), nullable=False),
    sa.Column('title', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('intro', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('state', sa.Enum('draft', 'open', 'closed', name='surveystate', native_enum=False, length=20), nullable=False),
    sa.Column('results_roles', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', expo_crm.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('opened_at', expo_crm.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', expo_crm.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['followup_campaigns.id'], name=op.f('fk_surveys_campaign_id_followup_campaigns')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_surveys_created_by_id_users')),
    sa.ForeignKeyConstraint(['show_id'], ['shows.id'], name=op.f('fk_surveys_show_id_shows')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_surveys'))
    )
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_surveys_show_id'), ['show_id'], unique=False)

    op.create_table('survey_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('type', sa.Enum('rating', 'nps', 'single', 'multiple', 'text', name='questiontype', native_enum=False, length=20), nullable=False),
    sa.Column('label', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('options', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('exhibit_again', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_questions_survey_id_surveys')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_questions'))
    )
    with op.batch_alter_table('survey_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_questions_survey_id'), ['survey_id'], unique=False)

    op.create_table('survey_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.Enum('link', 'kiosk', name='responsesource', native_enum=False, length=20), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=False),
    sa.Column('submissions', sa.Integer(), nullable=False),
    sa.Column('submitted_at', expo_crm.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', expo_crm.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_survey_responses_company_id_companies')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_survey_responses_person_id_people')),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_responses_survey_id_surveys')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_responses')),
    sa.UniqueConstraint('survey_id', 'person_id', name=op.f('uq_survey_responses_survey_id_person_id'))
    )
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_responses_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_responses_person_id'), ['person_id'], unique=False)

    op.create_table('survey_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=True),
    sa.Column('choices', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['question_id'], ['survey_questions.id'], name=op.f('fk_survey_answers_question_id_survey_questions')),
    sa.ForeignKeyConstraint(['response_id'], ['survey_responses.id'], name=op.f('fk_survey_answers_response_id_survey_responses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_answers')),
    sa.UniqueConstraint('response_id', 'question_id', name=op.f('uq_survey_answers_response_id_question_id'))
    )
    with op.batch_alter_table('survey_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_answers_question_id'), ['question_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_answers_response_id'), ['response_id'], unique=False)

    with op.batch_alter_table('mail_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reference', sa.String(length=80), nullable=True))
        batch_op.create_index(batch_op.f('ix_mail_messages_reference'), ['reference'], unique=False)



def downgrade():
    with op.batch_alter_table('mail_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_messages_reference'))
        batch_op.drop_column('reference')

    with op.batch_alter_table('survey_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_answers_response_id'))
        batch_op.drop_index(batch_op.f('ix_survey_answers_question_id'))

    op.drop_table('survey_answers')
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_responses_person_id'))
        batch_op.drop_index(batch_op.f('ix_survey_responses_company_id'))

    op.drop_table('survey_responses')
    with op.batch_alter_table('survey_questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_questions_survey_id'))

    op.drop_table('survey_questions')
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_surveys_show_id'))

    op.drop_table('surveys')
    with op.batch_alter_table('mail_mailings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_mailings_show_id'))

    op.drop_table('mail_mailings')
