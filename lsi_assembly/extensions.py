"""Flask extensions, created here and bound to the app in ``create_app``."""
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from lsi_assembly.core.database import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()
#: Limits per client address (``REMOTE_ADDR``; behind a reverse proxy set TRUSTED_PROXY_COUNT). Its
#: storage is RATELIMIT_STORAGE_URI: ``memory://`` counts per process; with several workers use a
#: shared store (e.g. ``redis://``) so that the limit holds for the whole server.
limiter = Limiter(key_func=get_remote_address)
