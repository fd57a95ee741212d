"""Import every domain's models so SQLAlchemy's mapper and Alembic see all tables."""

from expo_crm.auth import models as auth_models  # noqa: F401
from expo_crm.badges import models as badge_models  # noqa: F401
from expo_crm.directory import models as directory_models  # noqa: F401
from expo_crm.exhibitors import models as exhibitor_models  # noqa: F401
from expo_crm.followup import models as followup_models  # noqa: F401
from expo_crm.history import models as history_models  # noqa: F401
from expo_crm.jobs import models as job_models  # noqa: F401
from expo_crm.mail import models as mail_models  # noqa: F401
from expo_crm.shows import models as show_models  # noqa: F401
from expo_crm.surveys import models as survey_models  # noqa: F401
from expo_crm.visitors import models as visitor_models  # noqa: F401
