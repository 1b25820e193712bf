"""Member organizations of the network: their delegate quotas, contacts and invitation links."""
from flask import Blueprint

from lsi_assembly.core.permissions import guard_blueprint

bp = Blueprint("organizations", __name__, url_prefix="/manage/organizations")
guard_blueprint(bp)

from lsi_assembly.organizations import views  # noqa: E402,F401  (routes register on bp)
